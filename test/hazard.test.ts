/**
 * The piecewise-exponential hazard model under censoring, against R on survival::lung
 * (test/fixtures/survival_reference.R → survival-reference.json, block `hazard`):
 * - the person-period table equals survSplit(cut = c(180, 365, 550)) of lung followed up to day 730
 *   (events and exposure per interval);
 * - fitDiscreteHazard equals glm(event ~ factor(tgroup) [+ age + sex], family = poisson,
 *   offset = log(exposure)) on that table (epsilon 1e-14) to 1e-8: coefficients, SEs, logLik,
 *   deviance, null deviance, AIC;
 * - with a 90-day baseline its survival is within 0.01 of Kaplan–Meier (survfit) at every break
 *   (dropping the intervals in which patients are censored, the old rule, fell 0.03 below at day 365;
 *   a baseline constant over the four intervals alone is 0.015 above KM there, a modelling limit);
 * - with an aliased feature (age_months = 12·age) it equals the same glm with the NA term
 *   (test/fixtures/aliased_reference.R → aliased-reference.json, block `hazard_lung`) to 1e-6.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitDiscreteHazard, kaplanMeier, personPeriodTable } from '../kernel-lib/src/index';
import { readCsv, relativeDifference } from './helpers/csv';
import { expectCbmError } from './helpers/errors';

const fixtures = join(__dirname, 'fixtures');
const ref = JSON.parse(readFileSync(join(fixtures, 'survival-reference.json'), 'utf8')).hazard;
const lung = readCsv(join(fixtures, 'lung.csv'));
const data = {
  time: lung.map((r) => r.time as number),
  event: lung.map((r) => (r.status === 2 ? 1 : 0)),
  age: lung.map((r) => r.age as number),
  sex: lung.map((r) => r.sex as number),
};
const BREAKS = [180, 365, 550, 730];

interface RModel {
  formula: string;
  coefficient_names: string[];
  coefficients: number[];
  std_errors: number[];
  log_lik: number;
  deviance: number;
  null_deviance: number;
  df_residual: number;
  aic: number;
}

describe('piecewise-exponential hazard on survival::lung (reference: survSplit + glm poisson with log-exposure offset)', () => {
  it('the person-period table is survSplit: events and exposure per interval, a censored patient keeps its partial interval', () => {
    const pp = personPeriodTable(data, { breaks: BREAKS });
    expect(pp.nRows).toBe(ref.rows);
    pp.periods.forEach((period, j) => {
      let events = 0;
      let exposure = 0;
      pp.columns.period.forEach((p, r) => {
        if (p !== period) return;
        events += pp.columns.churned[r] as number;
        exposure += pp.columns.exposure[r] as number;
      });
      expect(events).toBe(ref.split_events[j]);
      expect(exposure).toBe(ref.split_exposure[j]);
    });
  });

  it.each([
    ['event ~ factor(tgroup)', []],
    ['event ~ factor(tgroup) + age + sex', ['age', 'sex']],
  ])('%s', (formula, features) => {
    const r = (ref.models as RModel[]).find((m) => m.formula === formula)!;
    const hazard = fitDiscreteHazard(data, { breaks: BREAKS, features: features as string[] });
    const m = hazard.model;
    expect(m.names).toEqual(['(Intercept)', 'periodp02 (180, 365]', 'periodp03 (365, 550]', 'periodp04 (550, 730]', ...(features as string[])]);
    expect(m.formula).toBe(`churned ~ period${(features as string[]).map((f) => ` + ${f}`).join('')} + offset(log(exposure))`);
    r.coefficients.forEach((b, j) => expect(Math.abs(m.coefficients[j] - b), r.coefficient_names[j]).toBeLessThan(1e-8 * Math.max(1, Math.abs(b))));
    r.std_errors.forEach((se, j) => expect(relativeDifference(m.stdErrors[j], se), r.coefficient_names[j]).toBeLessThan(1e-8));
    expect(relativeDifference(m.logLik, r.log_lik)).toBeLessThan(1e-10);
    expect(relativeDifference(m.deviance, r.deviance)).toBeLessThan(1e-10);
    expect(relativeDifference(m.nullDeviance, r.null_deviance)).toBeLessThan(1e-10);
    expect(relativeDifference(m.aic, r.aic)).toBeLessThan(1e-10);
    expect(m.dfResidual).toBe(r.df_residual);
  });

  it('an aliased feature is NaN as R gives NA (age_months = 12·age; glm poisson on survSplit data, aliased_reference.R)', () => {
    const r = JSON.parse(readFileSync(join(fixtures, 'aliased-reference.json'), 'utf8')).hazard_lung as RModel & { aliased: string[]; rank: number };
    const rows = { ...data, age_months: data.age.map((a) => 12 * a) };
    const before = structuredClone(rows);
    const m = fitDiscreteHazard(rows, { breaks: BREAKS, features: ['age', 'age_months', 'sex'] }).model;
    expect(rows).toEqual(before);
    expect(r.coefficient_names).toEqual(['(Intercept)', 'factor(tgroup)2', 'factor(tgroup)3', 'factor(tgroup)4', 'age', 'age_months', 'sex']);
    r.coefficients.forEach((b, j) => {
      if (b === null) {
        expect(m.coefficients[j], r.coefficient_names[j]).toBeNaN();
        expect(m.stdErrors[j], r.coefficient_names[j]).toBeNaN();
      } else {
        expect(Math.abs(m.coefficients[j] - b), r.coefficient_names[j]).toBeLessThan(1e-6 * Math.max(1, Math.abs(b)));
        expect(relativeDifference(m.stdErrors[j], r.std_errors[j]), r.coefficient_names[j]).toBeLessThan(1e-6);
      }
    });
    expect(m.aliased).toEqual(r.aliased);
    expect(m.warnings).toEqual(["1 coefficient not defined because of singularities: 'age_months' (a linear combination of 'age'); its estimate is NaN (R: NA)"]);
    expect(relativeDifference(m.logLik, r.log_lik)).toBeLessThan(1e-10);
    expect(relativeDifference(m.deviance, r.deviance)).toBeLessThan(1e-10);
    expect(relativeDifference(m.nullDeviance, r.null_deviance)).toBeLessThan(1e-10);
    expect(relativeDifference(m.aic, r.aic)).toBeLessThan(1e-10);
    expect(m.dfResidual).toBe(r.df_residual);
    // vcov(complete = TRUE): NaN in the aliased row and column only.
    const p = m.names.length;
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) expect(Number.isNaN(m.covariance[i * p + j]), `${i},${j}`).toBe(i === 5 || j === 5);
  });

  it('the intercept-only fit is the closed form of the piecewise-exponential MLE, hazard_j = events_j / exposure_j (R survSplit tallies)', () => {
    const cumulative = fitDiscreteHazard(data, { breaks: BREAKS }).cumulative({ any: [0] });
    let H = 0;
    BREAKS.forEach((b, j) => {
      H += (ref.split_events[j] / ref.split_exposure[j]) * (b - (j === 0 ? 0 : BREAKS[j - 1]));
      expect(cumulative[`churn_${b}`][0]).toBeCloseTo(1 - Math.exp(-H), 12);
    });
  });

  it('with a 90-day baseline its survival is within 0.01 of Kaplan–Meier (survfit) at every break, though patients are censored inside the intervals', () => {
    const baselineBreaks = [90, 180, 270, 360, 450, 540, 630, 720];
    const hazard = fitDiscreteHazard(data, { breaks: BREAKS, baselineBreaks });
    expect(hazard.periods).toHaveLength(11); // 90, 180, 270, 360, 365, 450, 540, 550, 630, 720, 730
    expect(Object.keys(hazard.cumulative({ any: [0] }))).toEqual(BREAKS.map((b) => `churn_${b}`));
    const cumulative = hazard.cumulative({ any: [0] });
    const km = kaplanMeier(data.time, data.event);
    BREAKS.forEach((b, j) => {
      expect(km.survivalAt(b)).toBeCloseTo(ref.km_at_breaks[j], 12);
      expect(Math.abs(1 - cumulative[`churn_${b}`][0] - ref.km_at_breaks[j]), `day ${b}`).toBeLessThan(0.01);
    });
  });

  it('refuses an interval without churn and bad fit options', () => {
    const few = { time: [10, 20, 200, 300], event: [1, 1, 0, 0] };
    expectCbmError(() => fitDiscreteHazard(few, { breaks: [100, 400] }), 'BAD_INPUT', ['no customer churns in p02 (100, 400]'], [few]);
    expectCbmError(() => fitDiscreteHazard(few, { breaks: [100], fit: { tolerence: 1 } as never }), 'BAD_INPUT', ["unknown option 'tolerence'"], [few]);
    expectCbmError(() => fitDiscreteHazard(few, { breaks: [100], baselineBreaks: [50, 200] }), 'BAD_INPUT', ['must not go beyond the last break (100)'], [few]);
  });
});

describe('hostile input (a specific CbmError, never a TypeError, a corrupted column or a runaway allocation)', () => {
  const small = { time: [5, 30, 100, 400, 12, 80, 300, 500, 60, 200], event: [1, 1, 1, 0, 1, 1, 1, 0, 1, 1], x: [3, 2, 1, 0, 2, 3, 1, 1, 0, 2] };

  it('features and keep must be lists of names (a string was spread into letters, a number threw a TypeError)', () => {
    expectCbmError(() => fitDiscreteHazard(small, { breaks: [50, 150, 600], features: 'x' as never }), 'BAD_INPUT', ['features must be a list of column names']);
    expectCbmError(() => fitDiscreteHazard(small, { breaks: [50, 150, 600], features: 5 as never }), 'BAD_INPUT', ['features must be a list of column names']);
    expectCbmError(() => personPeriodTable(small, { breaks: [50], keep: 5 as never }), 'BAD_INPUT', ['keep must be a list of column names']);
    expectCbmError(() => personPeriodTable(small, {} as never), 'BAD_INPUT', ['breaks is required']);
  });

  it('keep naming an output column or the same column twice is refused (each gave two values per row)', () => {
    const rows = { time: [5, 30], event: [1, 0], exposure: [9, 9], x: [1, 2] };
    expectCbmError(() => personPeriodTable(rows, { breaks: [10, 40], keep: ['exposure'] }), 'BAD_INPUT', ["keep cannot name 'exposure'"], [rows]);
    expectCbmError(() => personPeriodTable(rows, { breaks: [10, 40], keep: ['x', 'x'] }), 'BAD_INPUT', ["keep names 'x' twice"], [rows]);
  });

  it("a feature named like a person-period column is refused naming it (issue 18: 'period' gave a misleading message)", () => {
    const rows = { ...small, period: small.x };
    expectCbmError(
      () => fitDiscreteHazard(rows, { breaks: [50, 150, 600], features: ['period'] }),
      'BAD_INPUT',
      ["the feature 'period' has the name of a column of the person-period table", 'rename it first'],
      [rows],
    );
  });

  it('a table too large for memory is refused before it is built (TOO_LARGE; 20,000 daily breaks crashed the process)', () => {
    const t = Array.from({ length: 20_000 }, (_, i) => i + 1);
    expectCbmError(() => fitDiscreteHazard({ time: t, event: t.map(() => 1) }, { breaks: t }), 'TOO_LARGE', ['person-period rows']);
  });

  it('a feature value without churns is separation (SEPARATION), not an estimate of −31 with a standard error of 3.5e6', () => {
    // x = 1 customers never churn: the maximum-likelihood rate for them is 0, log rate −∞
    // (R's glm reports about −20 ± 1e4 and no warning).
    const separated = { time: [5, 30, 60, 100, 20, 40, 70, 90], event: [1, 1, 1, 1, 0, 0, 0, 0], x: [0, 0, 0, 0, 1, 1, 1, 1] };
    expectCbmError(() => fitDiscreteHazard(separated, { breaks: [50, 100], features: ['x'] }), 'SEPARATION', ["the estimates of 'x' grow"], [separated]);
  });

  it("a churn at time 0 is refused: no exposure, an infinite hazard (logLik −Infinity and deviance Infinity before; R's survSplit refuses times of 0)", () => {
    const rows = { time: [0, 30, 60, 90], event: [1, 1, 1, 0] };
    expectCbmError(() => fitDiscreteHazard(rows, { breaks: [50, 100] }), 'BAD_INPUT', ['1 customer churned at time 0'], [rows]);
  });

  it('a non-numeric time is described as what it is', () => {
    expectCbmError(() => personPeriodTable({ time: ['5', 30], event: [1, 0] }, { breaks: [10, 40] }), 'NON_FINITE', ['time[0] is "5"']);
  });
});
