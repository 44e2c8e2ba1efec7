/**
 * Survival analysis against R's survival package 3.5 on its own lung cancer data (survival::lung,
 * 228 patients, 165 deaths): test/fixtures/survival_reference.R → survival-reference.json.
 * - kaplanMeier: survfit's curve, std.err, lower/upper for conf.type 'log' (95% and 90%), 'log-log'
 *   and 'plain', quantile(fit, 0.5) (median with interval) and summary(fit, rmean = 'common')'s
 *   restricted mean and its SE; strata by sex and ph.ecog; hand-made edge cases (S exactly 0.5 over an
 *   interval, S flat at 0.5 to the end, S reaching 0);
 * - logRankTest: survdiff by sex and by ph.ecog (observed, expected, variance, chisq, df, p).
 * Tolerance 1e-9 relative unless said otherwise (R and cbm-kit accumulate the products in the same order).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectReproduced, rerunFixtureScript } from './helpers/rerunFixture';
import { kaplanMeier, logRankTest, type ConfidenceType, type KaplanMeier } from '../kernel-lib/src/index';
import { readCsv } from './helpers/csv';
import { expectCbmError } from './helpers/errors';

const fixtures = join(__dirname, 'fixtures');
const ref = JSON.parse(readFileSync(join(fixtures, 'survival-reference.json'), 'utf8'));
const lung = readCsv(join(fixtures, 'lung.csv'));
const time = lung.map((r) => r.time as number);
const dead = lung.map((r) => (r.status === 2 ? 1 : 0));

interface RCurve {
  time: number[];
  n_risk: number[];
  n_event: number[];
  n_censor: number[];
  surv: number[];
  std_err: (number | null)[];
  lower: (number | null)[];
  upper: (number | null)[];
  median: { estimate: number | null; lower: number | null; upper: number | null };
  rmean: number;
  se_rmean: number;
}

/** Element-wise: R's NA (null) must be NaN here, numbers equal to `tolerance` relative. */
function expectClose(ours: ArrayLike<number>, theirs: readonly (number | null)[], tolerance: number, what: string): void {
  expect(ours.length, what).toBe(theirs.length);
  for (let i = 0; i < theirs.length; i++) {
    const r = theirs[i];
    if (r === null) expect(ours[i], `${what}[${i}]`).toBeNaN();
    else expect(Math.abs(ours[i] - r), `${what}[${i}]: ${ours[i]} vs ${r}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(r)));
  }
}

function expectCurve(km: KaplanMeier, r: RCurve, what: string): void {
  expect(Array.from(km.time), what).toEqual(r.time);
  expect(Array.from(km.atRisk)).toEqual(r.n_risk);
  expect(Array.from(km.events)).toEqual(r.n_event);
  expect(Array.from(km.censored)).toEqual(r.n_censor);
  expectClose(km.survival, r.surv, 1e-12, `${what} surv`);
  expectClose(km.stdErr, r.std_err, 1e-10, `${what} std.err`);
  expectClose(km.lower, r.lower, 1e-10, `${what} lower`);
  expectClose(km.upper, r.upper, 1e-10, `${what} upper`);
  // quantile.survfit's medians are observed times (or midpoints of two): exact.
  expect(km.median, `${what} median`).toEqual(r.median);
  expect(Math.abs(km.restrictedMean.estimate - r.rmean), `${what} rmean`).toBeLessThanOrEqual(1e-9 * r.rmean);
  expect(Math.abs(km.restrictedMean.stdError - r.se_rmean), `${what} se(rmean)`).toBeLessThanOrEqual(1e-9 * r.se_rmean);
}

describe('kaplanMeier on survival::lung (reference: survfit, quantile.survfit, print(fit, rmean = "common"))', () => {
  it.each((ref.km as { conf_type: string; conf_int: number }[]).map((c: { conf_type: string; conf_int: number }) => [`${c.conf_type} ${c.conf_int}`, c] as [string, unknown]))(
    'conf.type %s',
    (_, c) => {
      const r = c as RCurve & { conf_type: ConfidenceType; conf_int: number };
      const km = kaplanMeier(time, dead, { confType: r.conf_type, confidenceLevel: r.conf_int });
      expectCurve(km, r, r.conf_type);
      expect(km.restrictedMean.end).toBe(1022);
      expect(km.n).toBe(228);
    },
  );

  it('the default is survfit\'s: conf.type "log", 95%', () => {
    const km = kaplanMeier(time, dead);
    expect(km.confType).toBe('log');
    expect(km.confidenceLevel).toBe(0.95);
    expectCurve(km, ref.km[0], 'default');
    // The printed figures of print(survfit(Surv(time, status) ~ 1, lung), rmean = 'common').
    expect(km.median).toEqual({ estimate: 310, lower: 285, upper: 363 });
    expect(km.restrictedMean.estimate.toFixed(0)).toBe('376');
  });

  it.each((ref.strata as { column: string }[]).map((s: { column: string }) => [s.column, s] as [string, unknown]))(
    'strata by %s: one curve per level, restricted means to the common end',
    (column, s) => {
      const spec = s as { column: string; conf_type: ConfidenceType; rmean_end: number; levels: (RCurve & { level: string })[] };
      const rows = lung.filter((r) => r[column] !== '');
      const curves = kaplanMeier(
        rows.map((r) => r.time as number),
        rows.map((r) => (r.status === 2 ? 1 : 0)),
        { strata: rows.map((r) => r[column] as number), confType: spec.conf_type },
      );
      expect(Object.keys(curves)).toEqual(spec.levels.map((l) => l.level));
      for (const level of spec.levels) {
        expectCurve(curves[level.level], level, `${column}=${level.level}`);
        expect(curves[level.level].restrictedMean.end).toBe(spec.rmean_end);
      }
    },
  );

  it.each((ref.km_edge as { name: string }[]).map((e: { name: string }) => [e.name, e] as [string, unknown]))('edge case: %s', (_, e) => {
    const r = e as RCurve & { input_time: number[]; input_event: number[]; conf_type: ConfidenceType };
    expectCurve(kaplanMeier(r.input_time, r.input_event, { confType: r.conf_type }), r, r.conf_type);
  });

  it('upper limits never exceed 1 and bracket S wherever defined (property)', () => {
    for (const confType of ['log', 'log-log', 'plain'] as const) {
      const km = kaplanMeier(time, dead, { confType });
      km.survival.forEach((s, i) => {
        expect(km.upper[i]).toBeLessThanOrEqual(1);
        expect(km.lower[i]).toBeLessThanOrEqual(s + 1e-15);
        expect(km.upper[i]).toBeGreaterThanOrEqual(s - 1e-15);
      });
    }
  });

  it('150,000 distinct times without censoring: S = 1 − k/n, the median where S is exactly 0.5, the mean (n + 1)/2 (closed forms)', () => {
    const n = 150_000;
    const t = Array.from({ length: n }, (_, i) => n - i); // unsorted input
    const km = kaplanMeier(t, new Array(n).fill(1));
    expect(km.survivalAt(n / 3)).toBeCloseTo(2 / 3, 10);
    expect(km.median.estimate).toBe(n / 2 + 0.5);
    expect(km.restrictedMean.estimate).toBeCloseTo((n + 1) / 2, 6);
  });

  it('refuses bad options and groups with specific errors, leaving the inputs alone', () => {
    const t = [1, 2, 3];
    const e = [1, 0, 1];
    expectCbmError(() => kaplanMeier(t, e, { confType: 'logit' as never }), 'BAD_INPUT', ["confType must be one of 'log', 'log-log', 'plain'"], [t, e]);
    expectCbmError(() => kaplanMeier(t, e, { confidenceLevel: 95 }), 'BAD_INPUT', ['confidenceLevel must be a finite number above 0 and below 1'], [t, e]);
    expectCbmError(() => kaplanMeier(t, e, { conf: 0.9 } as never), 'BAD_INPUT', ["unknown option 'conf'"], [t, e]);
    expectCbmError(() => kaplanMeier(t, e, { strata: ['a', null, 'b'] }), 'NON_FINITE', ['strata[1] is missing'], [t, e]);
    expectCbmError(() => kaplanMeier(t, e, { strata: ['a', 'b'] }), 'BAD_INPUT', ['strata has 2 values but time has 3'], [t, e]);
    expectCbmError(() => kaplanMeier(t, e, { strata: [1, '1', 2] }), 'BAD_INPUT', ['one type per level'], [t, e]);
  });
});

describe('logRankTest on survival::lung (reference: survdiff)', () => {
  it.each((ref.survdiff as { column: string }[]).map((s: { column: string }) => [s.column, s] as [string, unknown]))('by %s', (column, s) => {
    const r = s as { levels: string[]; n: number[]; observed: number[]; expected: number[]; variance: number[][]; statistic: number; df: number; p_value: number };
    const rows = lung.filter((row) => row[column as string] !== '');
    const test = logRankTest(
      rows.map((row) => row.time as number),
      rows.map((row) => (row.status === 2 ? 1 : 0)),
      rows.map((row) => row[column as string] as number),
    );
    expect(test.levels).toEqual(r.levels);
    expect(r.levels.map((l) => test.n[l])).toEqual(r.n);
    expect(r.levels.map((l) => test.observed[l])).toEqual(r.observed);
    expectClose(
      r.levels.map((l) => test.expected[l]),
      r.expected,
      1e-12,
      'expected',
    );
    test.variance.forEach((row, g) => expectClose(row, r.variance[g], 1e-11, `variance[${g}]`));
    expect(Math.abs(test.statistic - r.statistic)).toBeLessThan(1e-10 * r.statistic);
    expect(test.df).toBe(r.df);
    expect(Math.abs(test.pValue - r.p_value)).toBeLessThan(1e-9 * r.p_value);
  });

  it('refuses a single group and missing labels', () => {
    const t = [1, 2, 3];
    const e = [1, 0, 1];
    expectCbmError(() => logRankTest(t, e, ['a', 'a', 'a']), 'BAD_INPUT', ['at least two groups'], [t, e]);
    expectCbmError(() => logRankTest(t, e, ['a', undefined, 'b']), 'NON_FINITE', ['group[1] is missing'], [t, e]);
    expectCbmError(() => logRankTest(t, [1, 2, 0], ['a', 'b', 'b']), 'BAD_INPUT', ['event[1] is 2'], [t]);
  });
});

describe('survival_reference.R reproduces the committed fixtures', () => {
  it('lung.csv byte for byte, survival-reference.json to 1e-10 relative (the last digits of another BLAS)', () => {
    const written = rerunFixtureScript('survival_reference.R', { outputs: ['lung.csv', 'survival-reference.json'], needs: 'r-base-core, r-cran-survival' });
    expect(written['lung.csv']).toBe(readFileSync(join(fixtures, 'lung.csv'), 'utf8'));
    expectReproduced(written['survival-reference.json'], ref, 'survival-reference.json');
  });
});

describe('hostile input (each a specific CbmError or the closed-form answer, never a hang or an overflow)', () => {
  it('one curve per level of 20,000 one-member strata, in one pass over the rows (filtering per level took n × levels)', () => {
    const n = 20_000;
    const t = Array.from({ length: n }, (_, i) => 1 + (i % 7));
    const e = t.map((_, i) => i % 2);
    const curves = kaplanMeier(t, e, { strata: t.map((_, i) => i) });
    expect(Object.keys(curves).length).toBe(n);
    // Closed form for one customer: S = 0 after its event (i odd), 1 after its censoring.
    expect(Array.from(curves['1'].survival)).toEqual([0]);
    expect(Array.from(curves['2'].survival)).toEqual([1]);
    expect(curves['1'].median.estimate).toBe(1 + (1 % 7));
  });

  it('times near the largest double: the median is the midpoint and se(rmean) finite, no overflow to Infinity', () => {
    // S = 1/2 exactly between 1e308 and 1.6e308: quantile.survfit's midpoint, (a + b)/2 = 1.3e308.
    const km = kaplanMeier([1e308, 1.6e308], [1, 0]);
    expect(km.median.estimate).toBe(1.3e308);
    // rmean = 1e308 + 0.5·0.6e308; its variance is (area after 1e308)²·d/(n(n − d)) = (0.3e308)²/2.
    expect(km.restrictedMean.estimate / 1e308).toBeCloseTo(1.3, 12);
    expect(km.restrictedMean.stdError / 1e308).toBeCloseTo(0.3 / Math.SQRT2, 12);
  });

  it('options are checked by the declared schema: confidenceLevel 0, 1 and NaN, unknown names, a non-array strata', () => {
    const t = Object.freeze([1, 2, 3]);
    const e = Object.freeze([1, 0, 1]);
    for (const confidenceLevel of [0, 1, Number.NaN, Infinity])
      expectCbmError(() => kaplanMeier(t, e, { confidenceLevel }), 'BAD_INPUT', ['confidenceLevel must be a finite number above 0 and below 1'], [t, e]);
    expectCbmError(() => kaplanMeier(t, e, { strata: 'abc' as never }), 'BAD_INPUT', ['strata must be an array of group labels']);
    expectCbmError(() => kaplanMeier(t, e, null as never), 'BAD_INPUT', ['options must be an object']);
  });

  it('__proto__ and constructor as strata or group labels are ordinary levels', () => {
    const t = [5, 8, 8, 12, 20, 3, 7, 9];
    const e = [1, 1, 0, 1, 0, 1, 0, 1];
    const g = ['__proto__', '__proto__', '__proto__', '__proto__', 'constructor', 'constructor', 'constructor', 'constructor'];
    const proto = g[0];
    const curves = kaplanMeier(t, e, { strata: g });
    expect(Object.keys(curves)).toEqual(['__proto__', 'constructor']);
    expect(curves[proto].n).toBe(4);
    const test = logRankTest(t, e, g);
    expect(test.observed[proto] + test.observed['constructor' as string]).toBe(5);
    expect(test.levels).toEqual(['__proto__', 'constructor']);
  });

  it('logRankTest refuses a group count whose k × k covariance would exhaust memory or time (TOO_LARGE), instead of a RangeError or a hang', () => {
    const n = 20_000;
    const t = Array.from({ length: n }, (_, i) => 1 + (i % 997));
    const e = t.map(() => 1);
    expectCbmError(
      () =>
        logRankTest(
          t,
          e,
          t.map((_, i) => i),
        ),
      'TOO_LARGE',
      ['20000 groups', 'merge small groups first'],
    );
    expectCbmError(
      () =>
        logRankTest(
          t,
          e,
          t.map((_, i) => i % 2000),
        ),
      'TOO_LARGE',
      ['2000 groups over 997 event times'],
    );
  });
});
