/**
 * Robust covariances against R's sandwich 3.0 (test/fixtures/sandwich_reference.R →
 * sandwich-reference.json): vcovHC(m, type = 'HC0' | 'HC1' | 'HC2' | 'HC3') and
 * vcovCL(m, cluster = ~id, type = 'HC0' | 'HC1') for two binomial glms and an lm (with a transformed
 * response and a factor) on infert, clustered by the matched set, `stratum`; inference as
 * lmtest::coeftest (z for the glm, t on n − k df for the lm). R's glm is fitted at epsilon 1e-14, so
 * its bread is the exact-Hessian one (see the tolerance notes in test/fixtures/README.md).
 */
import { describe, expect, it } from 'vitest';
import { expectReproduced, rerunFixtureScript } from './helpers/rerunFixture';
import { fitLinear, fitLogit, robustVcov, type RobustType } from '../kernel-lib/src/index';
import { relativeDifference } from './helpers/csv';
import { infert, sandwichCases, sandwichReference, type RInference } from './helpers/sandwichReference';
import { expectCbmError } from './helpers/errors';

const ref = sandwichReference;

const models = {
  'infert logit': () => ({ model: fitLogit(infert, 'case ~ age + parity + induced + spontaneous', { tolerance: 1e-12 }), data: infert }),
  'infert logit with a factor': () => ({ model: fitLogit(infert, 'case ~ education + spontaneous + induced', { tolerance: 1e-12 }), data: infert }),
  'infert linear': () => ({ model: fitLinear(infert, 'log(age) ~ parity + education + spontaneous + induced'), data: infert }),
} as const;

const cases = sandwichCases;

describe('robustVcov (reference: sandwich::vcovHC / vcovCL, lmtest::coeftest)', () => {
  it.each(cases)('%s, %s', (name, key, m) => {
    const { model, data } = models[name as keyof typeof models]();
    m.coefficients.forEach((b, j) => expect(relativeDifference(model.coefficients[j], b)).toBeLessThan(1e-8));
    const clustered = key.startsWith('CL_');
    const type = (clustered ? key.slice(3) : key) as RobustType;
    const robust = robustVcov(model, data, clustered ? { type, cluster: m.cluster } : { type });
    const r = m[key] as RInference;
    const p = m.coefficients.length;
    for (let i = 0; i < p; i++)
      for (let j = 0; j < p; j++) {
        const scale = Math.sqrt(r.covariance[i][i] * r.covariance[j][j]);
        expect(Math.abs(robust.covariance[i * p + j] - r.covariance[i][j]) / scale, `cov[${i}][${j}]`).toBeLessThan(1e-7);
      }
    robust.coefficients.forEach((row, j) => {
      expect(relativeDifference(row.stdError, r.std_errors[j]), `SE ${row.term}`).toBeLessThan(1e-7);
      expect(relativeDifference(row.statistic, r.statistic[j]), `statistic ${row.term}`).toBeLessThan(1e-7);
      expect(relativeDifference(row.pValue, r.p_values[j]), `p ${row.term}`).toBeLessThan(1e-6);
      expect(Math.abs(row.ciLower - r.ci_lower[j]), `CI ${row.term}`).toBeLessThan(1e-7 * r.std_errors[j]);
      expect(Math.abs(row.ciUpper - r.ci_upper[j]), `CI ${row.term}`).toBeLessThan(1e-7 * r.std_errors[j]);
    });
    expect(robust.type).toBe(type);
    expect(robust.nClusters).toBe(clustered ? m.n_clusters : null);
    expect(robust.distribution).toBe(m.family === 'binomial' ? 'normal' : 't');
    if (m.family !== 'binomial') expect(robust.df).toBe(m.n - p);
  });

  it("defaults to sandwich's types: HC3 (vcovHC), HC1 with a cluster (vcovCL)", () => {
    const model = fitLogit(infert, 'case ~ age + parity + induced + spontaneous');
    expect(robustVcov(model, infert).type).toBe('HC3');
    expect(robustVcov(model, infert, { cluster: 'stratum' }).type).toBe('HC1');
  });

  it('refuses rows other than the fitted ones, unknown types and clustered HC3, without touching the inputs', () => {
    const model = fitLogit(infert, 'case ~ age + parity + induced + spontaneous');
    const fewer = infert.slice(1);
    expectCbmError(() => robustVcov(model, fewer), 'BAD_INPUT', ['data has 247 rows but the model was fitted on 248'], [fewer]);
    const other = infert.map((r) => ({ ...r, case: 1 - (r.case as number) }));
    expectCbmError(() => robustVcov(model, other), 'BAD_INPUT', ['do not sum to zero'], [other]);
    expectCbmError(() => robustVcov(model, infert, { type: 'HC4' as never }), 'BAD_INPUT', ["type must be one of 'HC0', 'HC1', 'HC2', 'HC3'"]);
    expectCbmError(() => robustVcov(model, infert, { type: 'HC3', cluster: 'stratum' }), 'BAD_INPUT', ["clustered covariances are 'HC0' or 'HC1'"]);
    expectCbmError(() => robustVcov(model, infert, { cluster: 'nope' }), 'UNKNOWN_COLUMN', ["unknown column 'nope'"]);
  });
});

describe('sandwich_reference.R reproduces the committed fixture', () => {
  it('sandwich-reference.json to 1e-10 relative (the last digits of another BLAS)', () => {
    const written = rerunFixtureScript('sandwich_reference.R', { inputs: ['infert.csv'], outputs: ['sandwich-reference.json'], needs: 'r-base-core, r-cran-sandwich' });
    expectReproduced(written['sandwich-reference.json'], ref, 'sandwich-reference.json');
  });
});

describe('hostile input', () => {
  const rows = Array.from({ length: 20 }, (_, i) => ({ x: i, y: 1 + 0.5 * i + ((i * 7) % 5) - 2, only: i === 3 ? 1 : 0, id: i % 4 }));

  it('HC2/HC3 with a row of leverage 1 (the only member of a dummy) are refused, not 0/0 noise (SE 4.05 before)', () => {
    const model = fitLinear(rows, 'y ~ x + only');
    for (const type of ['HC2', 'HC3'] as const) expectCbmError(() => robustVcov(model, rows, { type }), 'BAD_INPUT', ['row 3 has leverage', "use 'HC0' or 'HC1'"], [rows]);
    // HC0 is defined there: that row's residual is 0 and contributes nothing to the meat.
    expect(Number.isFinite(robustVcov(model, rows, { type: 'HC0' }).stdErrors[2])).toBe(true);
  });

  it('options by the declared schema: confidenceLevel 0, 1, NaN; a cluster that is not a name', () => {
    const model = fitLinear(rows, 'y ~ x');
    for (const confidenceLevel of [0, 1, Number.NaN])
      expectCbmError(() => robustVcov(model, rows, { confidenceLevel }), 'BAD_INPUT', ['confidenceLevel must be a finite number above 0 and below 1']);
    expectCbmError(() => robustVcov(model, rows, { cluster: 5 as never }), 'BAD_INPUT', ['cluster must be text']);
    expectCbmError(() => robustVcov(model, rows, { typ: 'HC3' } as never), 'BAD_INPUT', ["unknown option 'typ'"]);
  });

  it('clusters of one member are vcovCL with G = n; a NaN cluster label is refused; rows other than the fitted ones are refused', () => {
    const model = fitLinear(rows, 'y ~ x');
    const single = rows.map((r, i) => ({ ...r, id: i }));
    // With one row per cluster the meat is HC0's, scaled by G/(G − 1) = n/(n − 1) (closed form of vcovCL's HC0).
    const clustered = robustVcov(model, single, { cluster: 'id', type: 'HC0' }).covariance;
    const hc0 = robustVcov(model, single, { type: 'HC0' }).covariance;
    clustered.forEach((v, j) => expect(v).toBeCloseTo((hc0[j] * 20) / 19, 14));
    expectCbmError(
      () =>
        robustVcov(
          model,
          rows.map((r, i) => ({ ...r, id: i === 2 ? Number.NaN : r.id })),
          { cluster: 'id' },
        ),
      'NON_FINITE',
      ["cluster column 'id' is missing in row 2"],
    );
    expectCbmError(
      () =>
        robustVcov(
          model,
          rows.map((r) => ({ ...r, y: r.y + 0.1 * r.x })),
          { type: 'HC0' },
        ),
      'BAD_INPUT',
      ['do not sum to zero'],
    );
    expectCbmError(() => robustVcov(model, rows.slice(1), { type: 'HC0' }), 'BAD_INPUT', ['data has 19 rows but the model was fitted on 20']);
  });
});
