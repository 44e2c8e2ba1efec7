/**
 * Aliased terms as R treats them (issue 20, item 2): a design column that is a linear combination
 * of earlier ones (in model-matrix order) gets estimate NaN (R's NA, null in the JSON), is listed
 * in `model.aliased`, is warned of and counted in the summary's "(1 not defined because of
 * singularities)", and the rest of the model is fitted – in fitLogit, fitLinear, stepwise (as
 * R's step(), which drops a zero-df term first) and fitLogitInDatabase; predict, scoringSQL and
 * the JSON leave the aliased column out.
 * Reference: R 4.2 glm, lm, step, vcov(complete = TRUE) and sandwich::vcovHC on
 * modeldata::wa_churn and datasets::mtcars, test/fixtures/aliased_reference.R →
 * aliased-reference.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitLinear, fitLogit, LinearModel, LogitModel, stepwise } from '../kernel-lib/src/index';
import { fitLogitInDatabase, scoringSQL } from '../kernel-lib/src/warehouse';
import { openDuckDB } from '../kernel-lib/src/warehouse/duckdb';
import { readCsv, relativeDifference } from './helpers/csv';
import { cbmErrorOf } from './helpers/errors';
import { loadRows } from './helpers/sqlLoad';

const ref = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'aliased-reference.json'), 'utf8'));
const wa: Record<string, string | number | null>[] = readCsv(join(__dirname, 'fixtures', 'wa_churn.csv'));

/** R's formulas model `churned` (churn == "Yes"); here the text response with event 'Yes'. */
const churnFormula = (formula: string) => formula.replace(/^churned ~/, 'churn ~');

interface RFit {
  formula: string;
  coefficient_names: string[];
  coefficients: (number | null)[];
  std_errors: (number | null)[];
  aliased: string[];
  rank: number;
  df_residual: number;
  log_lik: number;
  deviance: number;
  aic: number;
  nobs: number;
  fitted_head: number[];
}

/** Names, which coefficients are NA, estimates and SEs, rank, df, logLik and AIC as R reports them (1e-6 relative). */
function expectRFit(model: LogitModel | LinearModel, r: RFit): void {
  expect(model.names).toEqual(r.coefficient_names);
  expect([...model.aliased]).toEqual(r.aliased);
  r.coefficients.forEach((value, j) => {
    const name = r.coefficient_names[j];
    if (value === null) {
      expect(model.coefficients[j], name).toBeNaN();
      expect(model.stdErrors[j], `SE ${name}`).toBeNaN();
    } else {
      expect(relativeDifference(model.coefficients[j], value), name).toBeLessThan(1e-6);
      expect(relativeDifference(model.stdErrors[j], r.std_errors[j]!), `SE ${name}`).toBeLessThan(1e-6);
    }
  });
  expect(model.statistics.nParameters).toBe(r.rank);
  expect(model.statistics.dfResidual).toBe(r.df_residual);
  expect(model.statistics.nObs).toBe(r.nobs);
  expect(relativeDifference(model.statistics.logLikelihood, r.log_lik)).toBeLessThan(1e-6);
  expect(relativeDifference(model.statistics.aic, r.aic)).toBeLessThan(1e-6);
  expect(model.summary()).toContain(`Coefficients: (${r.aliased.length} not defined because of singularities)`);
  expect(model.warnings.join('\n')).toContain(`not defined because of singularities: '${r.aliased[0]}'`);
}

/** R's fitted values of the first ten rows (predict leaves the aliased column out, as R's does). */
function expectFitted(fitted: Float64Array, r: RFit): void {
  r.fitted_head.forEach((value, i) => expect(relativeDifference(fitted[i], value), `row ${i}`).toBeLessThan(1e-6));
}

describe('aliased columns in fitLogit (R glm)', () => {
  const r: RFit & { null_deviance: number; hc0: { names: string[]; std_errors: number[] } } = ref.glm_churn;
  const model = fitLogit(wa, churnFormula(r.formula), { event: 'Yes' });

  it("churn ~ tenure + internet_service + online_security: 'online_securityNo internet service' is NA, the rest as glm", () => {
    expectRFit(model, r);
    expect(relativeDifference(model.statistics.deviance, r.deviance)).toBeLessThan(1e-6);
    expect(relativeDifference(model.statistics.nullDeviance, r.null_deviance)).toBeLessThan(1e-6);
    expect(model.warnings[0]).toContain("'online_securityNo internet service' (a linear combination of 'internet_serviceNo')");
    expectFitted(model.predict(wa.slice(0, 10)), r);
  });

  it('the covariance has NaN in the aliased row and column, as vcov(complete = TRUE)', () => {
    const p = model.names.length;
    const j = model.names.indexOf(r.aliased[0]);
    const cov = model.covariance;
    for (let k = 0; k < p; k++) {
      expect(cov[j * p + k]).toBeNaN();
      expect(cov[k * p + j]).toBeNaN();
    }
    expect(cov.filter((v) => Number.isNaN(v)).length).toBe(2 * p - 1);
  });

  it('a Wald test of a term with an aliased column tests its estimated columns (1 df)', () => {
    const w = model.waldTest('online_security');
    expect(w.df).toBe(1);
    const j = model.names.indexOf('online_securityYes');
    expect(relativeDifference(w.statistic, (model.coefficients[j] / model.stdErrors[j]) ** 2)).toBeLessThan(1e-12);
  });

  it('robust errors leave the aliased column out, as sandwich::vcovHC(type = "HC0")', () => {
    const robust = fitLogit(wa, churnFormula(r.formula), { event: 'Yes', vcov: 'HC0' });
    expect(robust.stdErrors[robust.names.indexOf(r.aliased[0])]).toBeNaN();
    r.hc0.names.forEach((name, k) => expect(relativeDifference(robust.stdErrors[robust.names.indexOf(name)], r.hc0.std_errors[k]), name).toBeLessThan(1e-6));
  });

  it('the JSON writes null for the aliased estimate, SE and covariances, and reads back to the same model', () => {
    const json = model.toJSON();
    const entry = json.coefficients.find((c) => c.name === r.aliased[0])!;
    expect(entry.estimate).toBeNull();
    expect(entry.stdError).toBeNull();
    const text = JSON.stringify(json);
    expect(JSON.parse(text)).toEqual(json);
    const back = LogitModel.fromJSON(text);
    expect([...back.aliased]).toEqual(r.aliased);
    expect(back.predict(wa.slice(0, 50))).toEqual(model.predict(wa.slice(0, 50)));
    // A number where the aliased covariance must be null is refused.
    const bad = structuredClone(json);
    bad.covariance[4][1] = 0;
    expect(() => LogitModel.fromJSON(bad)).toThrow(/covariance \(4, 1\) must be null/);
  });

  it('scoringSQL leaves the aliased column out: DuckDB scores as predict', async () => {
    const db = await openDuckDB(':memory:');
    try {
      const rows = wa.slice(0, 200).map((w) => ({ tenure: Number(w.tenure), internet_service: w.internet_service, online_security: w.online_security }));
      await loadRows(db, 'customers', { tenure: 'double', internet_service: 'text', online_security: 'text' }, rows);
      const sql = scoringSQL(model, { dialect: 'duckdb' });
      expect(sql).not.toContain(`"online_security" = 'No internet service'`);
      const scored = await db.run(`SELECT ${sql} AS score FROM customers`);
      const expected = model.predict(rows);
      scored.forEach((row, i) => expect(Math.abs(Number(row.score) - expected[i])).toBeLessThan(1e-12));
    } finally {
      await db.close();
    }
  });

  it('fitLogitInDatabase (the same Newton driver) reports the same NA and estimates', async () => {
    const db = await openDuckDB(':memory:');
    try {
      await loadRows(
        db,
        'churn',
        { churn: 'text', tenure: 'double', internet_service: 'text', online_security: 'text' },
        wa.map((w) => ({ churn: w.churn, tenure: Number(w.tenure), internet_service: w.internet_service, online_security: w.online_security })),
      );
      const inDb = await fitLogitInDatabase(db, { table: 'churn', formula: churnFormula(r.formula), event: 'Yes' });
      expectRFit(inDb, r);
    } finally {
      await db.close();
    }
  });
});

describe('aliased columns in fitLinear (R lm)', () => {
  it('monthly_charges ~ tenure + internet_service + online_security on wa_churn, as lm', () => {
    const r: RFit & { sigma: number; r_squared: number; adj_r_squared: number; f_statistic: number } = ref.lm_churn;
    const model = fitLinear(wa, r.formula);
    expectRFit(model, r);
    expect(relativeDifference(model.statistics.rss, r.deviance)).toBeLessThan(1e-8);
    expect(relativeDifference(model.statistics.sigma, r.sigma)).toBeLessThan(1e-8);
    expect(relativeDifference(model.statistics.adjRSquared, r.adj_r_squared)).toBeLessThan(1e-8);
    expect(relativeDifference(model.statistics.fStatistic, r.f_statistic)).toBeLessThan(1e-8);
    expectFitted(model.predict(wa.slice(0, 10)), r);
  });

  it('mtcars, mpg ~ wt + hp + combo + qsec with combo = wt − hp/2: the middle column is NA, the later qsec estimated', () => {
    const r: RFit & { r_squared: number; data: Record<string, number[]> } = ref.lm_mtcars;
    const rows = r.data.mpg.map((mpg, i) => ({ mpg, wt: r.data.wt[i], hp: r.data.hp[i], qsec: r.data.qsec[i], combo: r.data.wt[i] - r.data.hp[i] / 2 }));
    const model = fitLinear(rows, r.formula);
    expectRFit(model, r);
    expect(model.warnings[0]).toContain("'combo' (a linear combination of 'wt', 'hp')");
    expect(relativeDifference(model.statistics.rSquared, r.r_squared)).toBeLessThan(1e-8);
    expectFitted(model.predict(rows.slice(0, 10)), r);
    const back = LinearModel.fromJSON(JSON.stringify(model.toJSON()));
    expect([...back.aliased]).toEqual(['combo']);
    expect(back.predict(rows)).toEqual(model.predict(rows));
  });
});

describe('aliased columns in stepwise (R step)', () => {
  it("a zero-df term goes first, as step() drops it, then the AIC search: R's removals, AIC path and final fit", () => {
    const r = ref.step;
    const rows = wa.map((w) => ({ ...w, tenure2: 2 * Number(w.tenure) }));
    const { steps, model, initial } = stepwise(rows, churnFormula(r.formula), { event: 'Yes' });
    expect([...initial.aliased]).toEqual(['tenure2']);
    expect(steps.slice(1).map((s) => s.removed)).toEqual(r.removed);
    expect(steps.slice(1).map((s) => s.df)).toEqual(r.df);
    steps.forEach((s, k) => expect(relativeDifference(s.aic, r.aic[k]), `AIC at step ${k}`).toBeLessThan(1e-6));
    expect(model.formula).toBe(churnFormula(r.final.formula));
    expectCoefficientsOf(model, r.final);
  });
});

function expectCoefficientsOf(model: LogitModel, r: RFit): void {
  expect(model.names).toEqual(r.coefficient_names);
  r.coefficients.forEach((value, j) => expect(relativeDifference(model.coefficients[j], value!), r.coefficient_names[j]).toBeLessThan(1e-6));
  r.std_errors.forEach((value, j) => expect(relativeDifference(model.stdErrors[j], value!), `SE ${r.coefficient_names[j]}`).toBeLessThan(1e-6));
}

describe('SINGULAR where R fits nothing either', () => {
  it('a design whose every column is aliased (no intercept, an all-zero column) is SINGULAR', () => {
    const rows = [0, 1, 2, 3, 4, 5].map((i) => ({ y: i % 2, zero: 0 }));
    for (const run of [() => fitLogit(rows, 'y ~ 0 + zero'), () => fitLinear(rows, 'y ~ 0 + zero')]) {
      const e = cbmErrorOf(run);
      expect(e.code).toBe('SINGULAR');
      expect(e.message).toContain('no column left to estimate');
    }
  });
});
