/**
 * The model core against issue 9's hostile-input review: each finding ends in a specific CbmError
 * or the right result, fast, with the input untouched. References: R glm (offset predictors,
 * fixtures/offset_predictors.R), closed forms and hand counts elsewhere.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CbmError } from '../kernel-lib/src/errors';
import { fitLogit, LogitModel, readOutcome, stepwise, seededUniform, type LogitModelJSON } from '../kernel-lib/src/index';
import { readCsv, relativeDifference } from './helpers/csv';
import { expectAliasedAsReduced } from './helpers/aliased';
import { expectCbmError } from './helpers/errors';

/** n rows of a logistic mechanism in x (and a noise column z), drawn with a seeded uniform. */
function logisticRows(n: number, seed: number, x: (u: number) => number = (u) => u * 4 - 2): { x: number; z: number; y: number }[] {
  const u = seededUniform(seed);
  return Array.from({ length: n }, () => {
    const xi = x(u());
    const z = u();
    return { x: xi, z, y: u() < 1 / (1 + Math.exp(-(0.5 + 1.2 * (typeof xi === 'number' ? (xi as number) : 0)))) ? 1 : 0 };
  });
}

describe('predictors with a large offset (R glm fits them; fixtures/offset_predictors.R)', () => {
  const rows = readCsv(join(__dirname, 'fixtures', 'offset-predictors.csv'));
  const reference = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'offset-predictors.json'), 'utf8'));
  it.each(['shifted', 'account', 'epoch'])('%s: estimates and SEs agree with R glm to 1e-6, logLik to 1e-9', (set) => {
    const ref = reference.models.find((m: { set: string }) => m.set === set);
    const data = rows.filter((r) => r.set === set).map((r) => ({ x: r.x as number, y: r.y as number }));
    const model = fitLogit(data, 'y ~ x');
    for (const name of ['(Intercept)', 'x']) {
      expect(relativeDifference(model.coefficient(name), ref.coefficients[name]), name).toBeLessThan(1e-6);
      expect(relativeDifference(model.stdErrors[model.names.indexOf(name)], ref.std_errors[name]), name).toBeLessThan(1e-6);
    }
    expect(relativeDifference(model.statistics.logLikelihood, ref.logLik)).toBeLessThan(1e-9);
  });
  it('a column that is the intercept in disguise (constant 1e5) is still aliased (NA), naming the intercept', () => {
    const data = logisticRows(50, 3).map((r) => ({ ...r, c: 1e5 }));
    expectAliasedAsReduced(fitLogit(data, 'y ~ x + c'), fitLogit(data, 'y ~ x'), ['c'], ["'c' (a linear combination of '(Intercept)')"]);
  });
  it('an offset copy of another predictor is aliased (NA), naming both', () => {
    const data = logisticRows(60, 4).map((r) => ({ ...r, w: 1e6 + 2 * r.x }));
    expectAliasedAsReduced(fitLogit(data, 'y ~ x + w'), fitLogit(data, 'y ~ x'), ['w'], ["'w' (a linear combination of '(Intercept)', 'x')"]);
  });
});

describe('silent misreadings', () => {
  it('one stray text cell in a numeric column is an error naming column, row and value', () => {
    const data: Record<string, unknown>[] = logisticRows(40, 5);
    data[17] = { ...data[17], x: 'n/a' };
    expectCbmError(() => fitLogit(data as never, 'y ~ x'), 'BAD_INPUT', ["column 'x' mixes numbers and text", "'n/a' in row 17"], [data]);
  });
  it("'Yes'/'no' is read with Yes as the event, whatever the case (R's level order would flip it)", () => {
    const base = logisticRows(80, 6);
    const numeric = fitLogit(base, 'y ~ x');
    const text = fitLogit(
      base.map((r) => ({ ...r, y: r.y ? 'Yes' : 'no' })),
      'y ~ x',
    );
    expect(text.coefficient('x')).toBeCloseTo(numeric.coefficient('x'), 12);
  });
  it('other text outcomes need the event named', () => {
    const base = logisticRows(80, 7).map((r) => ({ ...r, status: r.y ? 'Bought' : 'Ignored' }));
    expectCbmError(() => fitLogit(base, 'status ~ x'), 'BAD_INPUT', ["cannot tell which value of 'status' is the event", "{ event: '"]);
    const named = fitLogit(base, 'status ~ x', { event: 'Bought' });
    expect(named.coefficient('x')).toBeCloseTo(fitLogit(base, 'y ~ x').coefficient('x'), 12);
    expect(named.toJSON().event).toBe('Bought');
    expectCbmError(() => fitLogit(base, 'status ~ x', { event: 'Bougth' }), 'BAD_INPUT', ["the event 'Bougth' does not occur in 'status'"]);
  });
  it('readOutcome: the one reader, with its rules', () => {
    expect(Array.from(readOutcome(['TRUE', 'false', true, 0], 'v', 't'))).toEqual([1, 0, 1, 0]);
    expect(Array.from(readOutcome([null, 1, ''], 'v', 't', { missingAsZero: true }))).toEqual([0, 1, 0]);
    expectCbmError(() => readOutcome([1, null], 'v', 't'), 'NON_FINITE', ["the outcome 'v' is missing in row 1"]);
  });
  it('unknown options and wrong types are refused', () => {
    const data = logisticRows(30, 8);
    expectCbmError(() => fitLogit(data, 'y ~ x', { maxIteration: 5 } as never), 'BAD_INPUT', ["unknown option 'maxIteration' (did you mean 'maxIterations'?)"]);
    expectCbmError(() => fitLogit(data, 'y ~ x', { weights: [1] } as never), 'BAD_INPUT', ['weights must be the name of a column of prior weights']);
    expectCbmError(() => fitLogit(data, 'y ~ x', { weight: 'x' } as never), 'BAD_INPUT', ["unknown option 'weight'"]);
    expectCbmError(() => stepwise(data, 'y ~ x + z', { hierarchical: 'false' } as never), 'BAD_INPUT', ['stepwise: hierarchical must be true or false, got "false"']);
  });
  it('predict says so when finite inputs overflow the linear predictor', () => {
    // β = (0, 2, 3): x = 1.5e308 gives 2x = +∞; with z = −1.5e308, 3z = −∞ and V = ∞ − ∞ = NaN.
    const json = fitLogit(logisticRows(50, 9), 'y ~ x + z').toJSON();
    json.coefficients = json.coefficients.map((c, j) => ({ ...c, estimate: [0, 2, 3][j] }));
    const model = LogitModel.fromJSON(json);
    expectCbmError(
      () =>
        model.linearPredictor([
          { x: 0, z: 0 },
          { x: 1.5e308, z: 0 },
        ]),
      'NON_FINITE',
      ['the linear predictor overflows in row 1'],
    );
    expect(Array.from(model.predict([{ x: 1.5e308, z: 0 }]))).toEqual([1]); // V = +∞ gives P = 1, which is right
    expectCbmError(
      () =>
        model.predict([
          { x: 0, z: 0 },
          { x: 1.5e308, z: -1.5e308 },
        ]),
      'NON_FINITE',
      ['overflows in row 1'],
    );
  });
});

describe('designs that cannot be estimated are refused early and briefly', () => {
  it('y ~ . over data with a text ID column: refused at once with a short message', () => {
    const data = logisticRows(1000, 10).map((r, i) => ({ id: `C${i}`, ...r }));
    // The message is the identifier check's, made before any design column: the 1,000-level
    // design (a 1,000 x 1,000 Hessian) is never built.
    const error = expectCbmError(() => fitLogit(data, 'y ~ .'), 'SINGULAR', ["factor 'id' has 1000 distinct values in 1000 rows (an identifier?)", "'. - id'"]);
    expect(error.message.length).toBeLessThan(300);
  });
  it('more coefficients than rows', () => {
    const data = logisticRows(12, 11).map((r, i) => ({ ...r, g: `g${i % 6}`, h: `h${i % 4}` }));
    expectCbmError(() => fitLogit(data, 'y ~ g * h'), 'SINGULAR', ['coefficients but the data only 12 rows']);
  });
  it('columns named after Object.prototype members are ordinary columns', () => {
    const u = seededUniform(12);
    const names = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__'];
    const data = Array.from({ length: 120 }, () => {
      const row: Record<string, unknown> = {};
      for (const n of names) Object.defineProperty(row, n, { value: u() < 0.5 ? 'a' : 'b', enumerable: true, writable: true, configurable: true });
      row.y = u() < 0.5 ? 1 : 0;
      return row;
    });
    const model = fitLogit(data as never, 'y ~ constructor + toString + valueOf + hasOwnProperty + `__proto__`');
    expect(model.names).toEqual(['(Intercept)', 'constructorb', 'toStringb', 'valueOfb', 'hasOwnPropertyb', '__proto__b']);
    expect(model.predict(data as never).length).toBe(120);
  });
  it('statistics.iterations never exceeds maxIterations', () => {
    const data = logisticRows(200, 13);
    for (const maxIterations of [1, 2, 3]) {
      try {
        const m = fitLogit(data, 'y ~ x + z', { maxIterations });
        expect(m.statistics.iterations).toBeLessThanOrEqual(maxIterations);
      } catch (e) {
        expect((e as CbmError).code).toBe('NOT_CONVERGED');
        expect((e as CbmError).details.iterations).toBeLessThanOrEqual(maxIterations);
      }
    }
  });
});

describe('models', () => {
  it('a prepared model needs only the columns its final terms read', () => {
    const data = logisticRows(200, 16).map((r) => ({ ...r, gender: r.z < 0.5 ? 'M' : 'F', age: 20 + r.z * 40 }));
    const model = fitLogit(data, 'y ~ x', { prepare: { encode: { gender: { M: 1, F: 0 } }, scale: ['age', 'x'] } });
    expect(Object.keys(model.preparation!.encodings)).toEqual([]);
    expect(Object.keys(model.preparation!.ranges)).toEqual(['x']);
    expect(() => model.predict([{ x: 0.3 }])).not.toThrow();
  });
  it('fitted models are read-only: editing what they hand out changes nothing', () => {
    const model = fitLogit(logisticRows(100, 17), 'y ~ x');
    const before = model.predict([{ x: 1 }])[0];
    model.coefficients[1] = 100;
    model.stdErrors[1] = 0;
    expect(model.predict([{ x: 1 }])[0]).toBe(before);
    expect(() => {
      (model as unknown as { formula: string }).formula = 'y ~ 1';
    }).toThrow(TypeError);
    expect(Object.isFrozen(model.statistics)).toBe(true);
  });
  it('fromJSON refuses a covariance that is not positive definite, and a formula that disagrees with the terms', () => {
    const json = fitLogit(logisticRows(100, 18), 'y ~ x + z').toJSON();
    const notPD: LogitModelJSON = structuredClone(json);
    notPD.covariance[0][1] = notPD.covariance[1][0] = 10 * Math.sqrt(notPD.covariance[0][0]! * notPD.covariance[1][1]!);
    expectCbmError(() => LogitModel.fromJSON(notPD), 'BAD_MODEL_JSON', ['covariance is not positive definite']);
    const edited: LogitModelJSON = { ...structuredClone(json), formula: 'y ~ x' };
    expectCbmError(() => LogitModel.fromJSON(edited), 'BAD_MODEL_JSON', ["formula 'y ~ x' does not match the terms"]);
  });
  it('summaryTables carry the numbers summary() prints; the model JSON keeps provenance', () => {
    const model = fitLogit(logisticRows(100, 19), 'y ~ x', { confidenceLevel: 0.9 });
    const { info, coefficients } = model.summaryTables();
    expect(info.find((r) => r.name === 'AIC')!.value).toBe(model.statistics.aic);
    expect(coefficients[1].confidenceLevel).toBe(0.9);
    expect(model.summary()).toContain(model.statistics.aic.toFixed(4));
    const saved = model.toJSON({ provenance: { seed: 7, split: '2:1', threshold: 0.8 } });
    expect(LogitModel.fromJSON(JSON.stringify(saved)).provenance).toEqual({ seed: 7, split: '2:1', threshold: 0.8 });
    expectCbmError(() => model.toJSON({ provenance: { nested: {} } as never }), 'BAD_INPUT', ['provenance.nested']);
  });
});
