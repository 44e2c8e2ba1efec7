/**
 * Agreement of a fitted logit with a reference fit (R glm, statsmodels, Stata), quantity by
 * quantity, as the reference JSON fixtures record them (test/fixtures, see its README).
 */
import { expect } from 'vitest';
import type { LogitModel } from '../../kernel-lib/src/index';
import { relativeDifference } from './csv';

export type Reference = {
  coefficients: Record<string, number>;
  std_errors: Record<string, number>;
  z?: Record<string, number>;
  p_values?: Record<string, number>;
  conf_int_wald_95?: { lower: Record<string, number>; upper: Record<string, number> };
  logLik: number;
  AIC: number;
  BIC?: number;
  deviance?: number;
  null_deviance?: number;
};

/** Asserts every listed quantity within `tolerance` relative; `rename` maps reference names to ours. */
export function expectAgreement(model: LogitModel, reference: Reference, tolerance: number, rename: (name: string) => string = (n) => n): void {
  const table = new Map(model.coefficientTable().map((r) => [r.term, r]));
  const names = Object.keys(reference.coefficients);
  expect(names.map(rename).sort()).toEqual([...model.names].sort());
  const failures: string[] = [];
  const compare = (what: string, ours: number, theirs: number) => {
    const d = relativeDifference(ours, theirs);
    if (!(d <= tolerance)) failures.push(`${what}: ours ${ours} vs reference ${theirs} (relative ${d.toExponential(2)})`);
  };
  for (const name of names) {
    const row = table.get(rename(name))!;
    compare(`coef ${name}`, row.estimate, reference.coefficients[name]);
    compare(`SE ${name}`, row.stdError, reference.std_errors[name]);
    if (reference.z) compare(`z ${name}`, row.z, reference.z[name]);
    if (reference.p_values) compare(`p ${name}`, row.pValue, reference.p_values[name]);
    if (reference.conf_int_wald_95) {
      compare(`CI lower ${name}`, row.ciLower, reference.conf_int_wald_95.lower[name]);
      compare(`CI upper ${name}`, row.ciUpper, reference.conf_int_wald_95.upper[name]);
    }
  }
  compare('logLik', model.statistics.logLikelihood, reference.logLik);
  compare('AIC', model.statistics.aic, reference.AIC);
  if (reference.BIC !== undefined) compare('BIC', model.statistics.bic, reference.BIC);
  if (reference.deviance !== undefined) compare('deviance', model.statistics.deviance, reference.deviance);
  if (reference.null_deviance !== undefined) compare('null deviance', model.statistics.nullDeviance, reference.null_deviance);
  expect(failures).toEqual([]);
}
