import { CbmError } from '../errors';
import { chiSquareUpperTail } from './distributions';
import type { AliasedColumn, NewtonFit } from './newton';

/**
 * The fit statistics of a logistic regression, each as R's `glm`/`logLik` and statsmodels'
 * `Logit` report it. n = observations, p = estimated coefficients, ℓ = the maximised
 * log-likelihood Σ yᵢ·ln Pᵢ + (1 − yᵢ)·ln(1 − Pᵢ).
 */
export interface FitStatistics {
  /** n, the rows fitted. */
  nObs: number;
  /** p, the estimated coefficients (intercept included; aliased ones not: R's rank). */
  nParameters: number;
  /** n − p (R: df.residual). */
  dfResidual: number;
  /** n − 1 with an intercept, n without (R: df.null). */
  dfNull: number;
  /** ℓ at the estimates (R: logLik; statsmodels: llf). */
  logLikelihood: number;
  /** ℓ₀ of the null model: intercept-only, n₁·ln(n₁/n) + n₀·ln(n₀/n); or n·ln ½ without an intercept (R's null deviance). statsmodels: llnull. */
  nullLogLikelihood: number;
  /** −2ℓ (0/1 data: the saturated model's ℓ is 0). */
  deviance: number;
  /** −2ℓ₀. */
  nullDeviance: number;
  /** −2ℓ + 2p (R: AIC). */
  aic: number;
  /** −2ℓ + p·ln n (R: BIC). */
  bic: number;
  /** McFadden's pseudo-R² = 1 − ℓ/ℓ(intercept-only), always against the intercept-only model (statsmodels: prsquared). */
  pseudoR2: number;
  /** Newton iterations taken (never more than maxIterations). */
  iterations: number;
  /** True when the Newton steps fell below the tolerance. */
  converged: boolean;
  /** Likelihood-ratio statistic 2(ℓ − ℓ₀) against the null model (statsmodels: llr). */
  lrStatistic: number;
  /** P(χ²(p − 1) > LR) with an intercept, χ²(p) without (statsmodels: llr_pvalue); NaN for the null model itself. */
  lrPValue: number;
}

/** Fit statistics from a Newton fit (shared by every logistic fit: in memory, stepwise, in the database). */
export function fitStatistics(
  fit: Pick<NewtonFit, 'coefficients' | 'logLikelihood' | 'iterations' | 'status'>,
  y: ArrayLike<number> | { n: number; ones: number },
  intercept: boolean,
): FitStatistics {
  let n: number;
  let ones = 0;
  if ('n' in y && 'ones' in y) {
    n = y.n;
    ones = y.ones;
  } else {
    const values = y as ArrayLike<number>;
    n = values.length;
    for (let i = 0; i < n; i++) ones += values[i];
  }
  // p is the rank (R's glm counts estimated coefficients; an aliased one, NaN, is not).
  let p = 0;
  for (const b of fit.coefficients) if (!Number.isNaN(b)) p++;
  const mean = ones / n;
  const interceptOnly = (ones > 0 ? ones * Math.log(mean) : 0) + (n - ones > 0 ? (n - ones) * Math.log(1 - mean) : 0);
  const nullLogLikelihood = intercept ? interceptOnly : n * Math.log(0.5);
  const ll = fit.logLikelihood;
  const lrStatistic = 2 * (ll - nullLogLikelihood);
  const lrDf = p - (intercept ? 1 : 0);
  return {
    nObs: n,
    nParameters: p,
    dfResidual: n - p,
    dfNull: n - (intercept ? 1 : 0),
    logLikelihood: ll,
    nullLogLikelihood,
    deviance: -2 * ll,
    nullDeviance: -2 * nullLogLikelihood,
    aic: -2 * ll + 2 * p,
    bic: -2 * ll + Math.log(n) * p,
    pseudoR2: 1 - ll / interceptOnly,
    iterations: fit.iterations,
    converged: fit.status === 'converged',
    lrStatistic,
    lrPValue: lrDf > 0 ? chiSquareUpperTail(Math.max(lrStatistic, 0), lrDf) : NaN,
  };
}

/** At most `limit` quoted names, then "and N more": messages stay short whatever the design. */
export function listNames(names: readonly string[], limit = 5): string {
  const shown = names
    .slice(0, limit)
    .map((n) => `'${n}'`)
    .join(', ');
  return names.length > limit ? `${shown} and ${names.length - limit} more` : shown;
}

/**
 * Raises the specific error for a fit that did not produce estimates (SEPARATION, SINGULAR,
 * NOT_CONVERGED); returns warnings otherwise. `columnSizes[j]` = max|xⱼ| lets the separation
 * diagnosis measure each step by how far it moves V.
 */
export function diagnoseFit(fit: NewtonFit, names: readonly string[], context: string, columnSizes?: ArrayLike<number>): string[] {
  if (fit.status === 'aliased') throw aliasedError(fit.aliased, names, context);
  const n = fit.lastStep.length;
  if (fit.status !== 'converged') {
    if (fit.perfectlyFitted > 0) {
      // The divergence direction: terms whose coefficients were still moving most, each step
      // measured by how far it moves V (|Δβⱼ|·max|xⱼ|), so an uncentred predictor is not hidden
      // behind the intercept that moves along with it.
      const moves = Array.from(fit.lastStep, (step, j) => Math.abs(step) * (columnSizes ? columnSizes[j] : 1));
      let largest = 0;
      for (let j = 0; j < n; j++) largest = Math.max(largest, moves[j]);
      const moving = names.filter((_, j) => moves[j] >= 0.1 * largest && largest > 0);
      const complete = fit.perfectlyFitted === fit.extremeFitted && fit.logLikelihood > -1e-6;
      throw new CbmError(
        'SEPARATION',
        `${context}: ${complete ? 'perfect' : 'quasi-complete'} separation: ${fit.perfectlyFitted} rows are predicted exactly (fitted probability 0 or 1) and the estimates of ${listNames(moving) || 'the coefficients'} grow without bound, so maximum-likelihood estimates do not exist. Remove or merge the separating term, collect more data, or use a penalised fit.`,
        { terms: moving, perfectlyFitted: fit.perfectlyFitted, complete },
      );
    }
    if (fit.status === 'singular-hessian') {
      throw new CbmError('SINGULAR', `${context}: the information matrix became singular during fitting (weights vanished); the design is numerically degenerate`, {});
    }
    throw new CbmError('NOT_CONVERGED', `${context}: Newton iterations did not converge in ${fit.iterations} iterations; raise maxIterations or rescale the predictors`, {
      iterations: fit.iterations,
    });
  }
  const warnings = aliasedWarning(fit.aliased, names);
  if (fit.extremeFitted > 0) warnings.push(`fitted probabilities numerically 0 or 1 occurred for ${fit.extremeFitted} rows`);
  return warnings;
}

/**
 * The warning of a fit that left aliased columns out (their estimates NaN, R's NA), naming each
 * and what it repeats; empty when none is.
 *
 * @example
 * aliasedWarning([{ column: 2, dependsOn: [1] }], ['(Intercept)', 'x', 'x2']);
 * // ["1 coefficient not defined because of singularities: 'x2' (a linear combination of 'x'); its estimate is NaN (R: NA)"]
 */
export function aliasedWarning(aliased: readonly AliasedColumn[], names: readonly string[]): string[] {
  if (aliased.length === 0) return [];
  const shown = aliased
    .slice(0, 3)
    .map((a) => `'${names[a.column]}' (${a.dependsOn.length ? `a linear combination of ${listNames(a.dependsOn.map((k) => names[k]))}` : 'zero in every row'})`);
  const more = aliased.length > 3 ? ` and ${aliased.length - 3} more` : '';
  const one = aliased.length === 1;
  return [
    `${aliased.length} coefficient${one ? '' : 's'} not defined because of singularities: ${shown.join(', ')}${more}; ${one ? 'its estimate is' : 'their estimates are'} NaN (R: NA)`,
  ];
}

/** SINGULAR for a design whose every column is aliased (nothing left to fit; R's glm fails too), naming them. */
export function aliasedError(aliased: readonly AliasedColumn[], names: readonly string[], context: string): CbmError {
  const shown = aliased
    .slice(0, 3)
    .map((a) =>
      a.dependsOn.length ? `'${names[a.column]}' is a linear combination of ${listNames(a.dependsOn.map((k) => names[k]))}` : `'${names[a.column]}' is zero in every row`,
    );
  const more = aliased.length > 3 ? `; and ${aliased.length - 3} more aliased columns` : '';
  return new CbmError('SINGULAR', `${context}: collinear design with no column left to estimate: ${shown.join('; ')}${more}. Add a term that varies, or an intercept.`, {
    aliased: aliased.map((a) => names[a.column]),
    dependsOn: aliased.map((a) => a.dependsOn.map((k) => names[k])),
  });
}
