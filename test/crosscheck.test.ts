/**
 * Second-dataset checks against R, beyond lung and infert (test/fixtures/crosscheck_reference.R →
 * crosscheck-reference.json): survival::veteran for kaplanMeier by treatment (survfit, conf.type
 * "log-log" at 90%, quantile.survfit, rmean "common"), logRankTest across four cell types (survdiff, 3
 * df) and fitDiscreteHazard (glm poisson on survSplit data with a log-exposure offset); mtcars for
 * robustVcov of a linear model with a factor (sandwich::vcovHC HC0–HC3, vcovCL HC1 by gear).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectReproduced, rerunFixtureScript } from './helpers/rerunFixture';
import { fitDiscreteHazard, fitLinear, kaplanMeier, logRankTest, robustVcov, type RobustType } from '../kernel-lib/src/index';

const fixtures = join(__dirname, 'fixtures');
const ref = JSON.parse(readFileSync(join(fixtures, 'crosscheck-reference.json'), 'utf8'));
const vet = ref.veteran as { time: number[]; status: number[]; trt: number[]; celltype: string[]; karno: number[] };

/** |ours − R| ≤ tolerance·max(1, |R|), R's NA (null) as NaN. */
function expectClose(ours: ArrayLike<number>, theirs: readonly (number | null)[], tolerance: number, what: string): void {
  expect(ours.length, what).toBe(theirs.length);
  for (let i = 0; i < theirs.length; i++) {
    const r = theirs[i];
    if (r === null) expect(ours[i], `${what}[${i}]`).toBeNaN();
    else expect(Math.abs(ours[i] - r), `${what}[${i}]: ${ours[i]} vs ${r}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(r)));
  }
}

describe('survival::veteran against survfit, survdiff and glm(poisson)', () => {
  it('kaplanMeier by trt, log-log at 90%: curve, intervals, median and restricted mean equal survfit', () => {
    const curves = kaplanMeier(vet.time, vet.status, { strata: vet.trt, confType: 'log-log', confidenceLevel: 0.9 });
    for (const r of ref.km_trt) {
      const km = curves[r.level];
      expect(Array.from(km.time)).toEqual(r.time);
      expect(Array.from(km.atRisk)).toEqual(r.n_risk);
      expect(Array.from(km.events)).toEqual(r.n_event);
      expectClose(km.survival, r.surv, 1e-12, `${r.level} surv`);
      expectClose(km.stdErr, r.std_err, 1e-10, `${r.level} std.err`);
      expectClose(km.lower, r.lower, 1e-10, `${r.level} lower`);
      expectClose(km.upper, r.upper, 1e-10, `${r.level} upper`);
      expect(km.median).toEqual(r.median);
      expectClose([km.restrictedMean.estimate, km.restrictedMean.stdError], [r.rmean, r.se_rmean], 1e-10, `${r.level} rmean`);
    }
  });

  it('logRankTest across four cell types equals survdiff (3 df)', () => {
    const test = logRankTest(vet.time, vet.status, vet.celltype);
    const r = ref.survdiff;
    // R keeps the factor's level order (squamous, smallcell, adeno, large); text labels sort here.
    expect(test.levels).toEqual([...r.levels].sort());
    expectClose(
      (r.levels as string[]).map((l) => test.observed[l]),
      r.observed,
      0,
      'observed',
    );
    expectClose(
      (r.levels as string[]).map((l) => test.expected[l]),
      r.expected,
      1e-12,
      'expected',
    );
    expect(test.df).toBe(r.df);
    expect(Math.abs(test.statistic - r.statistic)).toBeLessThan(1e-10 * r.statistic);
    expect(Math.abs(test.pValue - r.p_value)).toBeLessThan(1e-8 * r.p_value);
  });

  it('fitDiscreteHazard with karno equals glm(event ~ factor(tgroup) + karno, poisson, offset = log(exposure)) on survSplit data', () => {
    const hazard = fitDiscreteHazard({ time: vet.time, event: vet.status, karno: vet.karno }, { breaks: ref.hazard.breaks, features: ['karno'] });
    expectClose(hazard.model.coefficients, ref.hazard.coefficients, 1e-8, 'coefficients');
    expectClose(hazard.model.stdErrors, ref.hazard.std_errors, 1e-8, 'std errors');
    expectClose([hazard.model.logLik, hazard.model.deviance], [ref.hazard.log_lik, ref.hazard.deviance], 1e-10, 'logLik, deviance');
  });
});

describe('mtcars: robustVcov of lm(mpg ~ wt + hp + factor(cyl)) against sandwich', () => {
  const m = ref.mtcars as { mpg: number[]; wt: number[]; hp: number[]; cyl: string[]; gear: number[] };
  const rows = m.mpg.map((mpg, i) => ({ mpg, wt: m.wt[i], hp: m.hp[i], cyl: m.cyl[i], gear: m.gear[i] }));
  const model = fitLinear(rows, 'mpg ~ wt + hp + cyl');

  it.each(['HC0', 'HC1', 'HC2', 'HC3'] as RobustType[])('vcovHC(m, type = "%s")', (type) => {
    const V = robustVcov(model, rows, { type }).covariance;
    expectClose(V, (ref.robust[type] as number[][]).flat(), 1e-9, type);
  });

  it('vcovCL(m, cluster = ~gear, type = "HC1")', () => {
    const V = robustVcov(model, rows, { cluster: 'gear', type: 'HC1' }).covariance;
    expectClose(V, (ref.robust.CL_HC1_gear as number[][]).flat(), 1e-9, 'CL HC1');
  });
});

describe('crosscheck_reference.R reproduces the committed fixture', () => {
  it('crosscheck-reference.json to 1e-10 relative (the last digits of another BLAS)', () => {
    const written = rerunFixtureScript('crosscheck_reference.R', { outputs: ['crosscheck-reference.json'], needs: 'r-cran-survival, r-cran-sandwich' });
    expectReproduced(written['crosscheck-reference.json'], ref, 'crosscheck-reference.json');
  });
});
