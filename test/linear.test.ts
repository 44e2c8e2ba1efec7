/**
 * fitLinear against R's lm on a real price data set (bayesm's `cheese`, test/fixtures/cheese.csv,
 * reference numbers from test/fixtures/cheese_lm.R → cheese-lm.json), plus the model object's
 * contract: scoring raw rows through the same transforms, JSON round trips, and specific errors.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CbmError, fitLinear, LinearModel, LINEAR_MODEL_FORMAT, type LinearModelJSON } from '../kernel-lib/src/index';
import { expectAliasedAsReduced } from './helpers/aliased';
import { relativeDifference } from './helpers/csv';

/** RFC 4180 fields (R's write.csv quotes text, and some retailer names hold commas). */
function readQuotedCsv(path: string): Record<string, string | number>[] {
  const text = readFileSync(path, 'utf8');
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  let wasQuoted = false;
  const fields: boolean[][] = [];
  let quotes: boolean[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') {
      quoted = true;
      wasQuoted = true;
    } else if (c === ',') {
      record.push(field);
      quotes.push(wasQuoted);
      field = '';
      wasQuoted = false;
    } else if (c === '\n') {
      record.push(field);
      quotes.push(wasQuoted);
      records.push(record);
      fields.push(quotes);
      record = [];
      quotes = [];
      field = '';
      wasQuoted = false;
    } else field += c;
  }
  const [header, ...rows] = records;
  return rows.map((r, k) => Object.fromEntries(header.map((name, j) => [name, fields[k + 1][j] ? r[j] : Number(r[j])])));
}

interface RModel {
  name: string;
  formula: string;
  term_labels: string[];
  coefficient_names: string[];
  coefficients: number[];
  std_errors: number[];
  t: number[];
  p_values: number[];
  conf_int_95: { lower: number[]; upper: number[] };
  sigma: number;
  r_squared: number;
  adj_r_squared: number;
  f_statistic: number;
  f_df: [number, number];
  f_p_value: number;
  logLik: number;
  AIC: number;
  BIC: number;
  df_residual: number;
  nobs: number;
  rss: number;
  fitted_first: number[];
}

const fixtures = join(__dirname, 'fixtures');
const cheese = readQuotedCsv(join(fixtures, 'cheese.csv'));
const reference = JSON.parse(readFileSync(join(fixtures, 'cheese-lm.json'), 'utf8')) as { models: RModel[] };

/**
 * Every entry within `tolerance` relative; below 1e-300 (subnormal doubles, which carry only a
 * few significant bits, e.g. a p-value of 2.1e-321) within 1e-300 absolute.
 */
function expectClose(ours: ArrayLike<number>, theirs: readonly number[], tolerance: number, what: string): void {
  expect(ours.length, what).toBe(theirs.length);
  for (let k = 0; k < theirs.length; k++) {
    const difference = Math.abs(theirs[k]) < 1e-300 ? (Math.abs(ours[k] - theirs[k]) < 1e-300 ? 0 : Infinity) : relativeDifference(ours[k], theirs[k]);
    expect(difference, `${what}[${k}]: ${ours[k]} vs R ${theirs[k]}`).toBeLessThan(tolerance);
  }
}

describe('fitLinear matches R lm on bayesm cheese (5,555 weeks × 88 retailers) to 1e-8', () => {
  it('has the data R fitted', () => {
    expect(cheese).toHaveLength(5555);
    expect(new Set(cheese.map((r) => r.RETAILER)).size).toBe(88);
    expect(cheese[0]).toEqual({ RETAILER: 'LOS ANGELES - LUCKY', VOLUME: 21374, DISP: 0.162, PRICE: 2.57846 });
  });

  it.each(reference.models.map((m) => [m.name, m] as const))('%s', (_, r) => {
    // Reference: R 4.2.2 lm(), summary.lm, confint.lm, logLik, AIC, BIC (test/fixtures/cheese_lm.R).
    const model = fitLinear(cheese, r.formula);
    expect(model.terms.map((t) => t.label)).toEqual(r.term_labels);
    expect(model.names).toEqual(r.coefficient_names);
    const table = model.coefficientTable();
    expectClose(
      table.map((row) => row.estimate),
      r.coefficients,
      1e-8,
      'coefficients',
    );
    expectClose(
      table.map((row) => row.stdError),
      r.std_errors,
      1e-8,
      'std errors',
    );
    expectClose(
      table.map((row) => row.t),
      r.t,
      1e-8,
      't',
    );
    expectClose(
      table.map((row) => row.pValue),
      r.p_values,
      1e-8,
      'p',
    );
    expectClose(
      table.map((row) => row.ciLower),
      r.conf_int_95.lower,
      1e-8,
      'CI lower',
    );
    expectClose(
      table.map((row) => row.ciUpper),
      r.conf_int_95.upper,
      1e-8,
      'CI upper',
    );
    const s = model.statistics;
    expectClose(
      [s.sigma, s.rSquared, s.adjRSquared, s.fStatistic, s.dfModel, s.dfResidual, s.fPValue, s.logLikelihood, s.aic, s.bic, s.nObs, s.rss],
      [r.sigma, r.r_squared, r.adj_r_squared, r.f_statistic, r.f_df[0], r.f_df[1], r.f_p_value, r.logLik, r.AIC, r.BIC, r.nobs, r.rss],
      1e-8,
      'statistics',
    );
    expectClose(model.predict(cheese.slice(0, 5)), r.fitted_first, 1e-10, 'fitted values');
  });

  it('the elasticity of volume with respect to price is the log(PRICE) coefficient, about −2.64 (R: −2.6437956772898779)', () => {
    const model = fitLinear(cheese, 'log(VOLUME) ~ log(PRICE) + RETAILER');
    expect(relativeDifference(model.coefficient('log(PRICE)'), -2.6437956772898779)).toBeLessThan(1e-10);
  });
});

describe('LinearModel', () => {
  const rows = Array.from({ length: 40 }, (_, i) => ({
    price: 1 + (i % 7) * 0.25,
    competitor: 1.5 + ((i * 3) % 5) * 0.2,
    store: ['north', 'south', 'east'][i % 3],
    // A deterministic "noise" so that the residual variance is not zero.
    volume: Math.exp(5 - 1.8 * Math.log(1 + (i % 7) * 0.25) + 0.9 * Math.log(1.5 + ((i * 3) % 5) * 0.2) + [0, 0.3, -0.2][i % 3] + 0.05 * Math.sin(i * 1.7)),
  }));
  const formula = 'log(volume) ~ log(price) + log(competitor) + store';

  it('scores raw rows through the transforms, before and after a JSON round trip', () => {
    const model = fitLinear(rows, formula);
    const direct = model.predict(rows);
    const text = JSON.stringify(model.toJSON());
    const again = LinearModel.fromJSON(text);
    expect(again.formula).toBe(model.formula);
    expect(again.toJSON()).toEqual(JSON.parse(text));
    expect(Array.from(again.predict(rows))).toEqual(Array.from(direct));
    expect((JSON.parse(text) as LinearModelJSON).format).toBe(LINEAR_MODEL_FORMAT);
    // The fitted values are Xβ on the training rows: their mean equals the mean response (intercept).
    const meanFitted = direct.reduce((a, b) => a + b, 0) / direct.length;
    const meanY = rows.reduce((a, r) => a + Math.log(r.volume), 0) / rows.length;
    expect(Math.abs(meanFitted - meanY)).toBeLessThan(1e-12);
  });

  it('recovers the mechanism: elasticities −1.8 and 0.9 within their 95% intervals', () => {
    const model = fitLinear(rows, formula);
    const table = model.coefficientTable();
    const price = table.find((r) => r.term === 'log(price)')!;
    const competitor = table.find((r) => r.term === 'log(competitor)')!;
    expect(price.ciLower).toBeLessThan(-1.8);
    expect(price.ciUpper).toBeGreaterThan(-1.8);
    expect(competitor.ciLower).toBeLessThan(0.9);
    expect(competitor.ciUpper).toBeGreaterThan(0.9);
    expect(price.confidenceLevel).toBe(0.95);
  });

  it('is read-only as LogitModel is: handed-out arrays are copies, the model and its statistics are frozen', () => {
    const model = fitLinear(rows, formula);
    const before = model.predict(rows.slice(0, 3));
    model.coefficients[1] = 100;
    model.stdErrors[1] = 0;
    expect(Array.from(model.predict(rows.slice(0, 3)))).toEqual(Array.from(before));
    expect(model.stdErrors[1]).toBeGreaterThan(0);
    expect(() => {
      (model as unknown as { formula: string }).formula = 'y ~ 1';
    }).toThrow(TypeError);
    expect(Object.isFrozen(model)).toBe(true);
    expect(Object.isFrozen(model.statistics)).toBe(true);
  });

  it('an unknown coefficient name is UNKNOWN_COLUMN naming the class and listing a few names', () => {
    const model = fitLinear(rows, formula);
    expect(model.coefficient('log(price)')).toBe(model.coefficients[1]);
    expect(() => model.coefficient('price')).toThrow(
      "LinearModel.coefficient: the model has no coefficient 'price' (it has '(Intercept)', 'log(price)', 'log(competitor)', 'storenorth', 'storesouth')",
    );
  });

  it('a scoring row whose price is not positive is NON_FINITE naming the transform, the column and the row', () => {
    const model = fitLinear(rows, formula);
    const bad = [rows[0], { ...rows[1], price: 0 }];
    let error: unknown;
    try {
      model.predict(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CbmError);
    expect((error as CbmError).code).toBe('NON_FINITE');
    expect((error as CbmError).message).toBe(
      'LinearModel.predict: the transform log(price) is -Infinity in row 1 (price = 0): log() needs positive values and price is 0; remove or fix such rows, or use a transform defined for them',
    );
    expect((error as CbmError).details).toEqual({ expression: 'log(price)', column: 'price', columns: ['price'], row: 1 });
  });

  it('an aliased column is NA (R lm), naming what it repeats; the rest as the fit without it', () => {
    const twice = rows.map((r) => ({ ...r, doubled: 2 * r.price + 1 }));
    expectAliasedAsReduced(
      fitLinear(twice, 'volume ~ price + doubled'),
      fitLinear(twice, 'volume ~ price'),
      ['doubled'],
      ["'doubled' (a linear combination of '(Intercept)', 'price')"],
    );
  });

  it('predictors with a large offset against their spread are fitted, not called aliased (as R lm)', () => {
    // The fit must not depend on the offset: the slope and its SE equal those of the shifted
    // column (a property). Offsets: 1e5 + U(−1, 1)-like values and epoch milliseconds within an hour.
    for (const [offset, spread] of [
      [1e5, 2],
      [1.7e12, 3.6e6],
    ]) {
      const data = Array.from({ length: 50 }, (_, i) => ({ x: offset + Math.round(((i * 37) % 50) * (spread / 50)), y: 2 + (3 * ((i * 37) % 50)) / 50 + 0.01 * Math.cos(i) }));
      const shifted = data.map((d) => ({ x: d.x - offset, y: d.y }));
      const a = fitLinear(data, 'y ~ x');
      const b = fitLinear(shifted, 'y ~ x');
      expect(relativeDifference(a.coefficient('x'), b.coefficient('x'))).toBeLessThan(1e-9);
      expect(relativeDifference(a.stdErrors[1], b.stdErrors[1])).toBeLessThan(1e-9);
    }
  });

  it('bad input: specific errors', () => {
    const cases: [() => unknown, string, string][] = [
      [() => fitLinear(rows, formula, { weights: [1] } as never), 'BAD_INPUT', 'fitLinear: weights must be the name of a column of prior weights'],
      [() => fitLinear(rows, formula, { weight: 'x' } as never), 'BAD_INPUT', "fitLinear: unknown option 'weight'"],
      [() => fitLinear(rows, formula, { confidenceLevel: 95 }), 'BAD_INPUT', 'fitLinear: confidenceLevel must be a finite number above 0 and below 1 like 0.95, got 95'],
      [() => fitLinear(rows, '~ price'), 'FORMULA_SYNTAX', "fitLinear: the formula needs a response on the left of '~'"],
      [() => fitLinear(rows, 'log(volume) ~ poly(price)'), 'FORMULA_SYNTAX', "function call 'poly(' is not supported"],
      [() => fitLinear(rows, 'volume ~ cost'), 'UNKNOWN_COLUMN', "unknown column 'cost'"],
      [() => fitLinear(rows, 'store ~ price'), 'BAD_INPUT', "column 'store' holds text"],
      [
        () =>
          fitLinear(
            rows.map((r) => ({ ...r, volume: 3 })),
            'volume ~ price',
          ),
        'CONSTANT_RESPONSE',
        "the response 'volume' is 3 in all 40 rows",
      ],
      [() => fitLinear(rows.slice(0, 5), 'volume ~ price + competitor + store'), 'SINGULAR', 'fitLinear: 5 rows cannot estimate 5 coefficients and the residual variance'],
      [
        () =>
          fitLinear(
            rows.map((r) => ({ ...r, y: 2 * r.price })),
            'y ~ price',
          ),
        'BAD_INPUT',
        "fits 'y' exactly",
      ],
      [
        () =>
          fitLinear(
            rows.map((r, i) => ({ ...r, price: i === 4 ? -1 : r.price })),
            formula,
          ),
        'NON_FINITE',
        'fitLinear: the transform log(price) is NaN in row 4',
      ],
    ];
    for (const [call, code, fragment] of cases) {
      let error: unknown;
      try {
        call();
      } catch (e) {
        error = e;
      }
      expect(error, fragment).toBeInstanceOf(CbmError);
      expect((error as CbmError).code, (error as Error).message).toBe(code);
      expect((error as CbmError).message).toContain(fragment);
    }
  });

  it('fromJSON refuses a tampered model', () => {
    const json = fitLinear(rows, formula).toJSON();
    const bad: [unknown, string][] = [
      [{ ...json, format: 'cbm-kit/logit-model' }, "format is 'cbm-kit/logit-model'"],
      [{ ...json, formula: 'log(volume) ~ log(price) + store' }, 'does not match'],
      [{ ...json, covariance: json.covariance.map((row, i) => row.map((v, j) => (i === j ? -v! : v))) }, 'variances must be positive'],
      [{ ...json, coefficients: json.coefficients.slice(1) }, 'coefficients'],
      ['{"format":', 'not valid JSON'],
    ];
    for (const [input, fragment] of bad) {
      let error: unknown;
      try {
        LinearModel.fromJSON(input as LinearModelJSON);
      } catch (e) {
        error = e;
      }
      expect((error as CbmError).code, fragment).toBe('BAD_MODEL_JSON');
      expect((error as CbmError).message).toContain(fragment);
    }
  });
});

describe('fitLinear and LinearModel on arbitrary input', () => {
  it('every throw is a CbmError (fast-check, JSON-ish values in every argument)', async () => {
    const fc = (await import('fast-check')).default;
    const rows = Array.from({ length: 12 }, (_, i) => ({ x: i, y: 1 + 2 * i + Math.sin(i), g: ['a', 'b'][i % 2] }));
    const model = fitLinear(rows, 'y ~ x + g');
    const json = model.toJSON();
    const calls: ((v: unknown) => unknown)[] = [
      (v) => fitLinear(v as never, 'y ~ x'),
      (v) => fitLinear(rows, v as string),
      (v) => fitLinear(rows, 'y ~ x', v as never),
      (v) => LinearModel.fromJSON(v as never),
      (v) => LinearModel.fromJSON({ ...json, ...(v !== null && typeof v === 'object' && !Array.isArray(v) ? v : { statistics: v }) } as never),
      (v) => model.predict(v as never),
      (v) => model.coefficient(v as string),
    ];
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: calls.length - 1 }), (v, k) => {
        try {
          calls[k](v);
        } catch (e) {
          expect(e, String(e)).toBeInstanceOf(CbmError);
        }
      }),
      { seed: 11, numRuns: 1500 },
    );
  });
});
