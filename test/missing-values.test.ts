/**
 * Missing values as R treats them (issue 20, item 1): fitLogit, fitLinear and stepwise drop the
 * rows missing a value of a model variable by default (`na: 'omit'`, R's na.omit), list them in
 * `droppedRows` and warn; `na: 'fail'` keeps the NON_FINITE error; `predict(rows, { na: 'pass' })`
 * gives NaN where R's predict(…, na.action = na.pass) gives NA.
 * Reference: R 4.2 glm, lm, step and predict on modeldata::wa_churn (11 customers with a blank
 * total_charges), test/fixtures/wa_churn_missing.R → wa-churn-missing.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allFinite } from '../kernel-lib/src/data/cells';
import { numericColumnView, toTable } from '../kernel-lib/src/data/table';
import { CbmError, fitLinear, fitLogit, stepwise, type LinearModel, type LogitModel } from '../kernel-lib/src/index';
import { completeRows } from '../kernel-lib/src/model/design';
import { fitLogitInDatabase } from '../kernel-lib/src/warehouse';
import { openDuckDB } from '../kernel-lib/src/warehouse/duckdb';
import { readCsv, relativeDifference } from './helpers/csv';
import { loadRows } from './helpers/sqlLoad';

const fixtures = join(__dirname, 'fixtures');
const ref = JSON.parse(readFileSync(join(fixtures, 'wa-churn-missing.json'), 'utf8'));
// A blank cell is NA in R's read.csv; here it becomes null, the library's missing value.
const wa = readCsv(join(fixtures, 'wa_churn.csv')).map((r) => ({ ...r, total_charges: r.total_charges === '' ? null : r.total_charges }));

function expectCoefficients(model: LogitModel | LinearModel, r: { coefficient_names: string[]; coefficients: number[]; std_errors: number[] }, tolerance: number): void {
  expect(model.names).toEqual(r.coefficient_names);
  r.coefficients.forEach((value, j) => expect(relativeDifference(model.coefficients[j], value), r.coefficient_names[j]).toBeLessThan(tolerance));
  r.std_errors.forEach((value, j) => expect(relativeDifference(model.stdErrors[j], value), `SE ${r.coefficient_names[j]}`).toBeLessThan(tolerance));
}

interface RFit {
  coefficient_names: string[];
  coefficients: number[];
  std_errors: number[];
  dropped_rows: number[];
  nobs: number;
  df_residual: number;
  log_lik: number;
  aic: number;
}

/** Rows dropped, n, residual df, estimates and SEs (to `tolerance`), logLik and AIC (1e-10) as R reports them, and the summary's note. */
function expectRFit(model: LogitModel | LinearModel, r: RFit, tolerance: number): void {
  expect([...model.droppedRows]).toEqual(r.dropped_rows);
  expect(model.statistics.nObs).toBe(r.nobs);
  expect(model.statistics.dfResidual).toBe(r.df_residual);
  expectCoefficients(model, r, tolerance);
  expect(relativeDifference(model.statistics.logLikelihood, r.log_lik)).toBeLessThan(1e-10);
  expect(relativeDifference(model.statistics.aic, r.aic)).toBeLessThan(1e-10);
  expect(model.summary()).toContain(`${r.dropped_rows.length} observations deleted due to missingness`);
}

function code(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(CbmError);
    return (e as CbmError).code;
  }
  return 'none';
}

describe("na: 'omit' (default) as R's na.omit, on wa_churn", () => {
  it("fitLogit drops the 11 rows with a blank total_charges and equals R glm (estimates and standard errors to 1e-7: R's SEs come from its last IRLS weights)", () => {
    const model = fitLogit(wa, 'churn ~ total_charges + tenure + contract');
    expectRFit(model, ref.glm, 1e-7);
    expect(relativeDifference(model.statistics.nullDeviance, ref.glm.null_deviance)).toBeLessThan(1e-10);
    expect(model.warnings[0]).toMatch(/^11 observations deleted due to missingness \(na: 'omit'; rows 488, 753, 936, 1082, 1340, …/);
  });

  it("na: 'fail' keeps the error naming the column and row; the data is not changed", () => {
    const before = JSON.stringify(wa);
    expect(() => fitLogit(wa, 'churn ~ total_charges + tenure', { na: 'fail' })).toThrow(/column 'total_charges' has a null value in row 488/);
    expect(code(() => fitLinear(wa, 'total_charges ~ tenure', { na: 'fail' }))).toBe('NON_FINITE');
    expect(code(() => fitLogit(wa, 'churn ~ tenure', { na: 'keep' as never }))).toBe('BAD_INPUT');
    expect(JSON.stringify(wa)).toBe(before);
    // A model without the incomplete column uses every row.
    expect(fitLogit(wa, 'churn ~ tenure').droppedRows).toEqual([]);
  });

  it("predict(rows, { na: 'pass' }) is NaN where R's predict(na.action = na.pass) is NA and equal elsewhere; the default refuses the rows", () => {
    const model = fitLogit(wa, 'churn ~ total_charges + tenure + contract');
    const p = model.predict(wa, { na: 'pass' });
    expect(p.length).toBe(wa.length);
    (ref.predict.rows as number[]).forEach((row, k) => {
      const expected = ref.predict.probability[k] as number | null;
      if (expected === null) expect(p[row], `row ${row}`).toBeNaN();
      else expect(relativeDifference(p[row], expected), `row ${row}`).toBeLessThan(1e-9);
    });
    expect(p.filter(Number.isNaN).length).toBe(11);
    expect(code(() => model.predict(wa))).toBe('NON_FINITE');
    expect(code(() => model.predict(wa, { na: 'omit' as never }))).toBe('BAD_INPUT');
  });

  it('fitLinear drops the same rows and equals R lm to 1e-8', () => {
    const model = fitLinear(wa, 'total_charges ~ tenure + monthly_charges + contract');
    expectRFit(model, ref.lm, 1e-8);
    expect(relativeDifference(model.statistics.sigma, ref.lm.sigma)).toBeLessThan(1e-10);
    expect(relativeDifference(model.statistics.rSquared, ref.lm.r_squared)).toBeLessThan(1e-10);
    // predict reads the predictors only: the rows missing the response are scored. With na: 'pass'
    // a row missing a predictor is NaN, every other row the prediction it has on its own.
    expect(model.predict(wa).every(Number.isFinite)).toBe(true);
    const gaps = wa.map((r, i) => (i === 3 || i === 10 ? { ...r, monthly_charges: null } : r));
    const passed = model.predict(gaps, { na: 'pass' });
    const complete = model.predict(gaps.filter((_, i) => i !== 3 && i !== 10));
    expect(Array.from(passed).flatMap((v, i) => (Number.isNaN(v) ? [i] : []))).toEqual([3, 10]);
    expect(Array.from(passed.filter((v) => !Number.isNaN(v)))).toEqual(Array.from(complete));
  });

  it('the in-database fit has no na option: it refuses NULLs (NON_FINITE), and the option by name', async () => {
    const db = await openDuckDB(':memory:');
    try {
      await loadRows(db, 'wa', { churn: 'text', tenure: 'double', total_charges: 'double' }, wa);
      await expect(fitLogitInDatabase(db, { table: 'wa', formula: 'churn ~ tenure', na: 'omit' } as never)).rejects.toThrow(/unknown option 'na'/);
      await expect(fitLogitInDatabase(db, { table: 'wa', formula: 'churn ~ total_charges' })).rejects.toThrow(/column 'total_charges' is NULL in 11 of 7043 rows/);
    } finally {
      db.close();
    }
  });

  it("stepwise drops the incomplete rows once, before the search, and takes R step()'s steps on the complete rows", () => {
    const result = stepwise(wa, ref.step.formula.replace('churned', 'churn'));
    expect(result.initial.statistics.nObs).toBe(ref.step.rows);
    expect(result.initial.droppedRows).toEqual(ref.glm.dropped_rows);
    // Every candidate and the final model are fitted on the same rows (R's step() requires it).
    expect(result.model.statistics.nObs).toBe(ref.step.rows);
    expect(result.steps.slice(1).map((s) => s.removed)).toEqual(ref.step.removed);
    result.steps.forEach((s, k) => expect(relativeDifference(s.aic, ref.step.aic[k])).toBeLessThan(1e-9));
    expect(result.model.formula).toBe(ref.step.final_formula.replace('churned', 'churn'));
    expectCoefficients(result.model, ref.step, 1e-8);
  });
});

describe("errors name the row of the data as given, not of the rows left after na: 'omit'", () => {
  // Row 0 misses x and is dropped; the bad cell is row 3 of the input, row 2 of the complete rows.
  const y = [1, 0, 1, 0, 1, 0, 1, 0];
  const x = [NaN, 1, 2, Infinity, 4, 5, 6, 7];

  function failure(run: () => unknown): CbmError {
    try {
      run();
    } catch (e) {
      expect(e).toBeInstanceOf(CbmError);
      return e as CbmError;
    }
    throw new Error('expected a CbmError');
  }
  /** The error names input row 3, in the message and in details.row, and no other row. */
  function expectRow3(e: CbmError, code: string, message: RegExp): void {
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    expect(e.message.match(/\brow \d+/g)).toEqual(['row 3']);
    expect(e.details.row).toBe(3);
  }

  it('fitLogit, fitLinear and stepwise: an infinite value', () => {
    const data = { y, x };
    expectRow3(
      failure(() => fitLogit(data, 'y ~ x')),
      'NON_FINITE',
      /^fitLogit: column 'x' has an infinite value \(Infinity\) in row 3;/,
    );
    expectRow3(
      failure(() => fitLinear({ y: [2, 5, 1, 4, 3, 6, 2, 7], x }, 'y ~ x')),
      'NON_FINITE',
      /^fitLinear: column 'x' has an infinite value \(Infinity\) in row 3;/,
    );
    expectRow3(
      failure(() => stepwise(data, 'y ~ x')),
      'NON_FINITE',
      /^stepwise: column 'x' has an infinite value \(Infinity\) in row 3;/,
    );
    // The rows given by row objects count the same way.
    const rows = y.map((v, i) => ({ y: v, x: i === 0 ? null : x[i] }));
    expectRow3(
      failure(() => fitLogit(rows, 'y ~ x')),
      'NON_FINITE',
      /in row 3;/,
    );
    // Nothing dropped: the row is the same with na: 'fail' (row 0 filled in).
    expectRow3(
      failure(() => fitLogit({ y, x: [0, ...x.slice(1)] }, 'y ~ x', { na: 'fail' })),
      'NON_FINITE',
      /in row 3;/,
    );
  });

  it('an outcome that is not 0/1, and a weighted response outside [0, 1]', () => {
    const bad = [1, 0, 1, 2, 1, 0, 1, 0];
    const z = [NaN, 1, 2, 3, 4, 5, 6, 7];
    expectRow3(
      failure(() => fitLogit({ y: bad, x: z }, 'y ~ x')),
      'BAD_INPUT',
      /the outcome 'y' must be 0 or 1 .* found 2 in row 3$/,
    );
    expectRow3(
      failure(() => fitLogit({ y: bad, x: z, w: y.map(() => 1) }, 'y ~ x', { weights: 'w' })),
      'BAD_INPUT',
      /but it is 2 in row 3$/,
    );
  });

  it('weights and offsets (readPrior), in fitLogit and fitLinear', () => {
    const z = [NaN, 1, 2, 3, 4, 5, 6, 7];
    const w = [1, 1, 1, -1, 1, 1, 1, 1];
    expectRow3(
      failure(() => fitLogit({ y, x: z, w }, 'y ~ x', { weights: 'w' })),
      'BAD_INPUT',
      /'w' is -1 in row 3$/,
    );
    expectRow3(
      failure(() => fitLinear({ y: [2, 5, 1, 4, 3, 6, 2, 7], x: z, w }, 'y ~ x', { weights: 'w' })),
      'BAD_INPUT',
      /'w' is -1 in row 3$/,
    );
    const o = [0, 0, 0, Infinity, 0, 0, 0, 0];
    expectRow3(
      failure(() => fitLogit({ y, x: z, o }, 'y ~ x', { offset: 'o' })),
      'NON_FINITE',
      /column 'o' has an infinite value \(Infinity\) in row 3;/,
    );
  });

  it('a transform undefined in a row, a column mixing numbers and text, a value the preparation has no code for', () => {
    expectRow3(
      failure(() => fitLogit({ y, x: [NaN, 1, 2, -1, 4, 5, 6, 7] }, 'y ~ log(x)')),
      'NON_FINITE',
      /the transform log\(x\) is NaN in row 3 \(x = -1\)/,
    );
    expectRow3(
      failure(() => fitLogit({ y, x: [NaN, 1, 2, 'three', 4, 5, 6, 7] }, 'y ~ x')),
      'BAD_INPUT',
      /\('three' in row 3 is text\)/,
    );
    const g = [null, 'a', 'b', 'c', 'a', 'b', 'a', 'b'];
    expectRow3(
      failure(() => fitLogit({ y, g }, 'y ~ g', { prepare: { encode: { g: { a: 0, b: 1 } } } })),
      'BAD_INPUT',
      /column 'g' has the value 'c' in row 3, which has no code/,
    );
  });

  it('a missing cluster label in a fitted row', () => {
    const c = ['p', 'q', 'p', null, 'p', 'q', 'p', 'q'];
    const z = [NaN, 1, 2, 3, 4, 5, 6, 7];
    expectRow3(
      failure(() => fitLogit({ y: [1, 0, 0, 1, 1, 0, 1, 0], x: z, c }, 'y ~ x', { cluster: 'c' })),
      'NON_FINITE',
      /cluster column 'c' is missing in row 3$/,
    );
  });

  it('HC3 refusing a row of leverage 1, and the warning of a non-integer count of successes', () => {
    const z = [NaN, 1, 2, 3, 4, 5, 6, 7];
    // 'c' has one member, input row 3: it alone determines its coefficient.
    const g = ['a', 'a', 'b', 'c', 'a', 'b', 'a', 'b'];
    expectRow3(
      failure(() => fitLinear({ y: [1, 3, 2, 5, 4, 6, 3, 8], x: z, g }, 'y ~ g + x', { vcov: 'HC3' })),
      'BAD_INPUT',
      /^fitLinear: row 3 has leverage/,
    );
    // 4 × 0.3 = 1.2 successes in input row 3 (rows 1 and 2 have 2 and 1).
    const model = fitLogit({ y: [0.5, 0.5, 0.25, 0.3, 0.5, 0.75, 0.5, 0.25], x: z, w: z.map(() => 4) }, 'y ~ x', { weights: 'w' });
    expect(model.warnings.filter((w) => /non-integer/.test(w))).toEqual([expect.stringMatching(/^non-integer number of successes \(weight × response\) in row 3,/)]);
  });

  it("predict and linearPredictor with na: 'pass': a level the model was not fitted on, an infinite value", () => {
    const model = fitLogit({ y: [1, 0, 0, 1, 1, 0, 1, 0, 0, 1], g: ['a', 'a', 'b', 'b', 'a', 'b', 'a', 'b', 'a', 'b'], x: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }, 'y ~ g + x');
    const unseen = { g: ['a', null, 'b', 'c'], x: [1, 2, 3, 4] };
    expectRow3(
      failure(() => model.predict(unseen, { na: 'pass' })),
      'BAD_INPUT',
      /column 'g' has the level 'c' in row 3, which the model was not fitted on/,
    );
    expectRow3(
      failure(() => model.linearPredictor(unseen, { na: 'pass' })),
      'BAD_INPUT',
      /the level 'c' in row 3,/,
    );
    expectRow3(
      failure(() => model.predict({ g: ['a', 'b', 'a', 'b'], x: [null, 1, 2, Infinity] }, { na: 'pass' })),
      'NON_FINITE',
      /column 'x' has an infinite value \(Infinity\) in row 3;/,
    );
    // The default (na: 'fail') drops nothing and names the first missing value.
    expect(failure(() => model.predict(unseen)).details.row).toBe(1);
  });
});

describe('number columns scanned in one pass (allFinite) before row by row', () => {
  // Reference: the row-by-row definitions themselves (Number.isNaN for a missing value,
  // Number.isFinite for a usable one), on columns built to break a sum-based scan: values whose
  // difference or sum could overflow (±MAX_VALUE, ±1e308), subnormals, −0, a non-finite value in
  // any row (the last of an odd length too), inside views that start past their buffer's start.
  const special = fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 0, 5e-324, -5e-324, 2.2250738585072014e-308, 1e308, -1e308, Number.MAX_VALUE, -Number.MAX_VALUE);
  const column = fc.record({ values: fc.array(fc.oneof(special, fc.double()), { maxLength: 9 }), offset: fc.nat(3) }).map(({ values, offset }) => {
    const buffer = new Float64Array(offset + values.length + 2).fill(Number.NaN); // NaN around the view: a scan past its ends would see it
    const view = buffer.subarray(offset, offset + values.length);
    view.set(values);
    return view;
  });

  it('drops exactly the NaN rows and refuses the first row that is not finite, naming it, as a row-by-row scan', () => {
    fc.assert(
      fc.property(column, (x) => {
        const values = Array.from(x);
        expect(allFinite(x)).toBe(values.every(Number.isFinite));
        const table = toTable({ x }, 'test');
        const nanRows = values.flatMap((v, i) => (Number.isNaN(v) ? [i] : []));
        expect(completeRows(table, ['x'], 'omit', 'test', false).droppedRows).toEqual(nanRows);
        const first = values.findIndex((v) => !Number.isFinite(v));
        if (first < 0) expect(numericColumnView(table, 'x', 'test')).toBe(x);
        else {
          const error = (() => {
            try {
              numericColumnView(table, 'x', 'test');
            } catch (e) {
              return e as CbmError;
            }
            throw new Error('expected NON_FINITE');
          })();
          expect(error).toMatchObject({ code: 'NON_FINITE', details: { column: 'x', row: first } });
          expect(error.message).toContain(`in row ${first};`);
        }
      }),
      { seed: 306, numRuns: 2000 },
    );
  });
});
