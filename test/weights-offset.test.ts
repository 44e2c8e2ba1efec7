/**
 * Prior weights and offsets as R's glm and lm take them (issue 20, item 3): `weights: 'column'`
 * (a binomial response may then be a proportion), `offset: 'column'` or `offset(log(x))` in the
 * formula, in fitLogit and fitLinear; the offset travels with the model (predict, JSON).
 * Reference: R 4.2 glm (epsilon 1e-14) and lm on datasets::esoph (aggregated binomial, weights =
 * cases + controls), infert (offset log(age); zero weights with an offset) and mtcars (weighted
 * lm; lm with an offset and zero weights), test/fixtures/weights_offset.R → weights-offset.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitLinear, fitLogit, LinearModel, LogitModel, stepwise } from '../kernel-lib/src/index';
import type { Row } from '../kernel-lib/src/data/table';
import { splitOffset } from '../kernel-lib/src/model/prior';
import { readCsv, relativeDifference } from './helpers/csv';
import { expectCbmError } from './helpers/errors';

const fixtures = join(__dirname, 'fixtures');
const ref = JSON.parse(readFileSync(join(fixtures, 'weights-offset.json'), 'utf8'));
const infert = readCsv(join(fixtures, 'infert.csv')).map((r) => ({
  ...r,
  w: (r.stratum as number) % 3,
  shift: (r.parity as number) / 10,
}));
const esoph = ref.esoph.data as Row[];
const mtcars = ref.mtcars.data as Row[];

interface RFit {
  coefficient_names: string[];
  coefficients: number[];
  std_errors: number[];
  log_lik: number;
  aic: number;
  bic: number;
  nobs: number;
  df_residual: number;
}

function expectFit(model: LogitModel | LinearModel, r: RFit, tolerance = 1e-7): void {
  expect(model.names).toEqual(r.coefficient_names);
  r.coefficients.forEach((value, j) => expect(relativeDifference(model.coefficients[j], value), r.coefficient_names[j]).toBeLessThan(tolerance));
  r.std_errors.forEach((value, j) => expect(relativeDifference(model.stdErrors[j], value), `SE ${r.coefficient_names[j]}`).toBeLessThan(tolerance));
  const s = model.statistics;
  expect(s.nObs).toBe(r.nobs);
  expect(s.dfResidual).toBe(r.df_residual);
  expect(relativeDifference(s.logLikelihood, r.log_lik)).toBeLessThan(1e-10);
  expect(relativeDifference(s.aic, r.aic)).toBeLessThan(1e-10);
  expect(relativeDifference(s.bic, r.bic)).toBeLessThan(1e-10);
}

function expectGlm(model: LogitModel, r: RFit & { deviance: number; null_deviance: number; df_null: number }): void {
  expectFit(model, r);
  expect(relativeDifference(model.statistics.deviance, r.deviance)).toBeLessThan(1e-9);
  expect(relativeDifference(model.statistics.nullDeviance, r.null_deviance)).toBeLessThan(1e-9);
  expect(model.statistics.dfNull).toBe(r.df_null);
}

describe('fitLogit with weights and offsets (R glm)', () => {
  it('an aggregated binomial: the proportion with weights = trials, logLik with the log-choose terms (esoph)', () => {
    const model = fitLogit(esoph, 'rate ~ agegp + alcgp', { weights: 'total' });
    expectGlm(model, ref.esoph.glm);
    expect(model.warnings).toEqual([]);
  });

  it('the aggregated fit equals the fit on one row per person (the same likelihood up to the log-choose terms)', () => {
    // A property: expanding each esoph row into its cases (1) and controls (0) gives the same
    // estimates and SEs as the proportion with weights; the deviance differs, as in R.
    const people = esoph.flatMap((r) => [
      ...Array.from({ length: r.ncases as number }, () => ({ agegp: r.agegp, alcgp: r.alcgp, y: 1 })),
      ...Array.from({ length: r.ncontrols as number }, () => ({ agegp: r.agegp, alcgp: r.alcgp, y: 0 })),
    ]);
    const single = fitLogit(people, 'y ~ agegp + alcgp');
    const aggregated = fitLogit(esoph, 'rate ~ agegp + alcgp', { weights: 'total' });
    aggregated.coefficients.forEach((b, j) => expect(relativeDifference(b, single.coefficients[j])).toBeLessThan(1e-9));
    aggregated.stdErrors.forEach((se, j) => expect(relativeDifference(se, single.stdErrors[j])).toBeLessThan(1e-9));
  });

  it('an offset in the formula or as an option: the same fit, predictions as predict.glm(newdata)', () => {
    const r = ref.infert_offset;
    const inFormula = fitLogit(infert, 'case ~ spontaneous + induced + offset(log(age))');
    const asOption = fitLogit(infert, 'case ~ spontaneous + induced', { offset: 'log(age)' });
    expectGlm(inFormula, r);
    expectGlm(asOption, r);
    expect(inFormula.offset).toBe('log(age)');
    expect(inFormula.summary()).toContain('Formula:            case ~ spontaneous + induced + offset(log(age))');
    const rows = r.predict_rows.map((i: number) => infert[i]);
    const p = inFormula.predict(rows);
    const v = inFormula.linearPredictor(rows);
    r.predict_response.forEach((value: number, k: number) => expect(relativeDifference(p[k], value)).toBeLessThan(1e-9));
    r.predict_link.forEach((value: number, k: number) => expect(relativeDifference(v[k], value)).toBeLessThan(1e-9));
  });

  it('zero weights with an offset: those rows count in neither nobs nor the df (R)', () => {
    const model = fitLogit(infert, 'case ~ age + spontaneous + induced', { weights: 'w', offset: 'shift' });
    expectGlm(model, ref.infert_weights);
  });

  it('the saved model carries the offset: JSON round trip scores as the fitted model', () => {
    const model = fitLogit(infert, 'case ~ spontaneous + induced + offset(log(age))');
    const json = model.toJSON();
    expect(json.offset).toBe('log(age)');
    const back = LogitModel.fromJSON(JSON.stringify(json));
    expect(back.offset).toBe('log(age)');
    expect(Array.from(back.predict(infert.slice(0, 20)))).toEqual(Array.from(model.predict(infert.slice(0, 20))));
    // Without the offset's column the rows cannot be scored.
    expectCbmError(() => back.predict([{ spontaneous: 1, induced: 0 }]), 'UNKNOWN_COLUMN', ['age']);
    expectCbmError(() => LogitModel.fromJSON({ ...json, offset: 'log((age))' }), 'BAD_MODEL_JSON', ["write it as 'log(age)'"]);
    expectCbmError(() => LogitModel.fromJSON({ ...json, offset: 3 } as never), 'BAD_MODEL_JSON', ['offset must be a column name']);
  });

  it('bad weights, proportions and offsets are refused with specific errors', () => {
    const rows = esoph.map((r, i) => ({ ...r, negative: i === 3 ? -1 : 1, zero: 0 }));
    expectCbmError(() => fitLogit(rows, 'rate ~ agegp', { weights: 'negative' }), 'BAD_INPUT', ["weights must not be negative, but 'negative' is -1 in row 3"]);
    expectCbmError(() => fitLogit(rows, 'rate ~ agegp', { weights: 'zero' }), 'BAD_INPUT', ["every weight in 'zero' is zero"]);
    expectCbmError(() => fitLogit(rows, 'ncases ~ agegp', { weights: 'total' }), 'BAD_INPUT', ["with weights the response 'ncases' must be a proportion between 0 and 1"]);
    expectCbmError(() => fitLogit(rows, 'rate ~ agegp + offset(log(total))', { offset: 'total' }), 'BAD_INPUT', ['the offset is given twice']);
    expectCbmError(() => fitLogit(rows, 'rate ~ agegp * offset(total)'), 'FORMULA_SYNTAX', ['offset() must be added to the formula']);
    expectCbmError(() => fitLogit(rows, 'rate ~ offset(total) + agegp + offset(ncases)'), 'FORMULA_SYNTAX', ['more than one offset()']);
    expectCbmError(() => fitLogit(esoph, 'rate ~ agegp', { weights: 'total', vcov: 'HC0' }), 'BAD_INPUT', ['not available with prior weights']);
    expectCbmError(() => stepwise(infert, 'case ~ spontaneous + induced + offset(log(age))'), 'BAD_INPUT', ['weights and offsets are options of fitLogit']);
    // As options too, not as unknown options: the message says where weights and offsets go.
    expectCbmError(() => stepwise(infert, 'case ~ spontaneous + induced', { weights: 'age' } as never), 'BAD_INPUT', ['stepwise: weights and offsets are options of fitLogit']);
    expectCbmError(() => stepwise(infert, 'case ~ spontaneous + induced', { offset: 'age' } as never), 'BAD_INPUT', ['stepwise: weights and offsets are options of fitLogit']);
    // Without weights a proportion is not a 0/1 response: the existing error stands.
    expect(() => fitLogit(esoph, 'rate ~ agegp')).toThrow();
  });

  it('splitOffset takes the added offset() term out of the formula wherever it stands', () => {
    expect(splitOffset('y ~ x + offset(log(e))', 't')).toEqual({ formula: 'y ~ x', offset: 'log(e)' });
    expect(splitOffset('y ~ offset(log( e )) + x', 't')).toEqual({ formula: 'y ~ x', offset: 'log(e)' });
    expect(splitOffset('y ~ offset(e)', 't')).toEqual({ formula: 'y ~ 1', offset: 'e' });
    expect(splitOffset('y ~ a + offset(e) + b', 't')).toEqual({ formula: 'y ~ a + b', offset: 'e' });
    expect(splitOffset('y ~ offsets + x', 't')).toEqual({ formula: 'y ~ offsets + x', offset: null });
  });
});

describe('fitLinear with weights and offsets (R lm)', () => {
  it('weighted least squares: estimates, SEs, σ, R², logLik with ½Σ log w (mtcars, weights = cyl)', () => {
    const r = ref.mtcars.lm_weights;
    const model = fitLinear(mtcars, 'mpg ~ wt + hp', { weights: 'cyl' });
    expectFit(model, r, 1e-10);
    expect(relativeDifference(model.statistics.sigma, r.sigma)).toBeLessThan(1e-10);
    expect(relativeDifference(model.statistics.rSquared, r.r_squared)).toBeLessThan(1e-10);
    expect(relativeDifference(model.statistics.adjRSquared, r.adj_r_squared)).toBeLessThan(1e-10);
    const fitted = model.predict(mtcars.slice(0, 5));
    r.fitted.forEach((value: number, k: number) => expect(relativeDifference(fitted[k], value)).toBeLessThan(1e-10));
  });

  it('an offset with zero weights: rows of weight 0 count in neither n nor the df; predict adds the offset (mtcars)', () => {
    const r = ref.mtcars.lm_offset;
    const model = fitLinear(mtcars, 'mpg ~ wt + offset(log(hp))', { weights: 'w' });
    expectFit(model, r, 1e-10);
    expect(relativeDifference(model.statistics.sigma, r.sigma)).toBeLessThan(1e-10);
    expect(relativeDifference(model.statistics.rSquared, r.r_squared)).toBeLessThan(1e-10);
    const fitted = model.predict(mtcars.slice(0, 5));
    r.fitted.forEach((value: number, k: number) => expect(relativeDifference(fitted[k], value)).toBeLessThan(1e-10));
    const back = LinearModel.fromJSON(JSON.stringify(model.toJSON()));
    expect(back.offset).toBe('log(hp)');
    expect(Array.from(back.predict(mtcars))).toEqual(Array.from(model.predict(mtcars)));
  });
});
