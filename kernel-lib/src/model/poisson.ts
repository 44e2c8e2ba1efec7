import { CbmError } from '../errors';
import { choleskyInPlace, choleskyInverse, choleskySolveInPlace } from './linalg';
import { logGamma } from './distributions';
import { aliasedError } from './diagnostics';
import { aliasedFromGram, type AliasedColumn } from './newton';

/** A Poisson log-linear fit with an offset, as R's `glm(y ~ …, family = poisson, offset = …)`. */
export interface PoissonFit {
  coefficients: Float64Array;
  /** (XᵀWX)⁻¹ at the estimates, W = diag(μ), row-major p×p. */
  covariance: Float64Array;
  stdErrors: Float64Array;
  /** Σ log dpois(y, μ): −Infinity when a row with an event has zero exposure (glm cannot fit such data at all). */
  logLik: number;
  /** 2 Σ [y log(y/μ) − (y − μ)]. */
  deviance: number;
  /** The deviance of the intercept-only model with the same offset (R's `null.deviance`); NaN without an intercept. */
  nullDeviance: number;
  /** −2 logLik + 2·rank (aliased columns are not counted, as R). */
  aic: number;
  iterations: number;
  /**
   * Columns that are linear combinations of earlier ones: left out of the fit, their coefficient,
   * standard error and covariance rows and columns NaN (R's NA), as the logit fits do.
   */
  aliased: AliasedColumn[];
}

/** Σ y·η − Σ μ: the part of the log-likelihood that depends on β (finite even where an exposure is 0). */
function kernel(y: Float64Array, mu: Float64Array, eta: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (y[i] === 0 ? 0 : y[i] * eta[i]) - mu[i];
  return s;
}

/** Poisson deviance 2 Σ [y log(y/μ) − (y − μ)], with 0·log 0 = 0. */
function poissonDeviance(y: Float64Array, mu: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < y.length; i++) d += 2 * ((y[i] > 0 ? y[i] * Math.log(y[i] / mu[i]) : 0) - (y[i] - mu[i]));
  return d;
}

/**
 * Maximum-likelihood fit of log μᵢ = offsetᵢ + xᵢβ for counts y by Newton's method (the
 * log link is canonical, so Newton is Fisher scoring is IRLS, and the log-likelihood is concave):
 * start at the rate Σy/Σe^offset, halve a step that lowers the likelihood, stop after the step
 * whose predicted gain UᵀI⁻¹U/2 is below `tolerance`·(|ℓ| + 0.1) (the error left is of the order
 * of its square). The gain is computed on Σ yη − Σ μ, so a row with an event and zero exposure
 * (offset −∞) still enters the score; its log-likelihood is −∞.
 * Aliased columns are found by the Newton driver's rule (aliasedFromGram on XᵀWX at β = 0, W =
 * e^offset) and left out, reported NaN as R's glm reports NA; a design with no column left is
 * SINGULAR. Refuses fits that do not converge (NOT_CONVERGED) and fits whose estimates head to −∞
 * (SEPARATION: a level or feature range with no events, seen as fitted rates below 1e-8 of the
 * overall rate).
 */
export function fitPoissonColumns(
  columns: readonly Float64Array[],
  y: Float64Array,
  offset: Float64Array,
  options: { maxIterations?: number; tolerance?: number; interceptColumn?: number; context: string; names?: readonly string[] },
): PoissonFit {
  const p = columns.length;
  const n = y.length;
  const weight = Float64Array.from(offset, Math.exp);
  const gram = new Float64Array(p * p);
  for (let j = 0; j < p; j++)
    for (let k = 0; k <= j; k++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += columns[j][i] * weight[i] * columns[k][i];
      gram[j * p + k] = s;
      gram[k * p + j] = s;
    }
  const aliased = aliasedFromGram(gram, p);
  if (aliased.length === 0) return { ...fitFullRank(columns, y, offset, options), aliased };
  const names = options.names ?? columns.map((_, j) => `column ${j}`);
  if (aliased.length === p) throw aliasedError(aliased, names, options.context);
  const dropped = new Set(aliased.map((a) => a.column));
  const kept = columns.map((_, j) => j).filter((j) => !dropped.has(j));
  const k = kept.length;
  const reduced = fitFullRank(
    kept.map((j) => columns[j]),
    y,
    offset,
    { ...options, interceptColumn: kept.indexOf(options.interceptColumn ?? -1), names: kept.map((j) => names[j]) },
  );
  const coefficients = new Float64Array(p).fill(NaN);
  const covariance = new Float64Array(p * p).fill(NaN);
  for (let r = 0; r < k; r++) {
    coefficients[kept[r]] = reduced.coefficients[r];
    for (let c = 0; c < k; c++) covariance[kept[r] * p + kept[c]] = reduced.covariance[r * k + c];
  }
  return {
    ...reduced,
    coefficients,
    covariance,
    stdErrors: Float64Array.from({ length: p }, (_, j) => Math.sqrt(covariance[j * p + j])),
    aliased,
  };
}

/** The Newton fit of a design with full column rank (its AIC counts every column). */
function fitFullRank(
  columns: readonly Float64Array[],
  y: Float64Array,
  offset: Float64Array,
  options: { maxIterations?: number; tolerance?: number; interceptColumn?: number; context: string; names?: readonly string[] },
): Omit<PoissonFit, 'aliased'> {
  const { maxIterations = 100, tolerance = 1e-14, interceptColumn = -1, context, names } = options;
  const p = columns.length;
  const n = y.length;
  const beta = new Float64Array(p);
  let total = 0;
  let exposure = 0;
  for (let i = 0; i < n; i++) {
    total += y[i];
    exposure += Math.exp(offset[i]);
  }
  if (interceptColumn >= 0 && total > 0) beta[interceptColumn] = Math.log(total / exposure);
  const eta = new Float64Array(n);
  const mu = new Float64Array(n);
  const evaluate = (b: Float64Array): number => {
    eta.fill(0);
    for (let j = 0; j < p; j++) {
      const x = columns[j];
      const bj = b[j];
      if (bj !== 0) for (let i = 0; i < n; i++) eta[i] += bj * x[i];
    }
    for (let i = 0; i < n; i++) mu[i] = Math.exp(eta[i] + offset[i]);
    return kernel(y, mu, eta);
  };
  const information = new Float64Array(p * p);
  const score = new Float64Array(p);
  const build = (): void => {
    information.fill(0);
    score.fill(0);
    for (let j = 0; j < p; j++) {
      const xj = columns[j];
      let u = 0;
      for (let i = 0; i < n; i++) u += xj[i] * (y[i] - mu[i]);
      score[j] = u;
      for (let k = 0; k <= j; k++) {
        const xk = columns[k];
        let s = 0;
        for (let i = 0; i < n; i++) s += xj[i] * mu[i] * xk[i];
        information[j * p + k] = s;
      }
    }
  };
  let objective = evaluate(beta);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    iterations++;
    build();
    if (choleskyInPlace(information, p, 1e-10) >= 0)
      throw new CbmError('SINGULAR', `${context}: the design columns are collinear (or a level has no exposure), so the hazard cannot be estimated; drop a term`);
    const step = Float64Array.from(score);
    choleskySolveInPlace(information, p, step);
    let gain = 0;
    for (let j = 0; j < p; j++) gain += score[j] * step[j];
    gain /= 2;
    const trial = new Float64Array(p);
    let scale = 1;
    let next = -Infinity;
    for (let halving = 0; halving < 30; halving++, scale /= 2) {
      for (let j = 0; j < p; j++) trial[j] = beta[j] + scale * step[j];
      next = evaluate(trial);
      if (next >= objective - 1e-12 * (Math.abs(objective) + 0.1)) break;
    }
    beta.set(trial);
    objective = next;
    if (gain <= tolerance * (Math.abs(objective) + 0.1)) {
      converged = true;
      break;
    }
  }
  if (!converged)
    throw new CbmError('NOT_CONVERGED', `${context}: the Poisson fit did not converge in ${maxIterations} iterations; an estimate may be heading to −∞ (a group with no events)`);
  evaluate(beta);
  build();
  if (choleskyInPlace(information, p, 1e-10) >= 0) throw new CbmError('SINGULAR', `${context}: the information matrix is singular at the estimates; drop a term`);
  const covariance = choleskyInverse(information, p);
  // Separation: when some rows can be given a rate of 0 without losing any event (a feature value
  // or level with no events), the likelihood keeps rising as their estimate heads to −∞ and Newton
  // "converges" only because the gain shrinks; R's glm then reports a huge estimate with a huge
  // standard error and no warning. A fitted rate below 1e-8 of the overall rate is that drift.
  if (total > 0) {
    const floor = Math.log(total / exposure) + Math.log(1e-8);
    let drifting = 0;
    for (let i = 0; i < n; i++) if (eta[i] < floor) drifting++;
    // Both signs are needed: rows at a near-zero rate, and an estimate the data do not pin down (a
    // legitimately steep effect of a wide-ranging feature gives the first, not the second).
    const growing = drifting > 0 ? Array.from({ length: p }, (_, j) => j).filter((j) => Math.sqrt(covariance[j * p + j]) > 1e3) : [];
    if (growing.length > 0) {
      throw new CbmError(
        'SEPARATION',
        `${context}: ${drifting} rows get a fitted rate near 0 (below 1e-8 of the overall rate) and the estimates of ${growing.map((j) => `'${names?.[j] ?? `column ${j}`}'`).join(', ')} grow without bound: some rows with these values have no events, so maximum-likelihood estimates do not exist; merge the level with a neighbour or drop the feature`,
        { rows: drifting, coefficients: growing.map((j) => names?.[j] ?? j) },
      );
    }
  }
  let logLik = 0;
  for (let i = 0; i < n; i++) logLik += (y[i] === 0 ? 0 : y[i] * Math.log(mu[i])) - mu[i] - logGamma(y[i] + 1);
  let nullDeviance = NaN;
  if (interceptColumn >= 0) {
    // Intercept only with the offset: μᵢ = e^offsetᵢ·Σy/Σe^offset.
    const rate = total / exposure;
    nullDeviance = poissonDeviance(
      y,
      Array.from(offset, (o) => Math.exp(o) * rate),
    );
  }
  return {
    coefficients: beta,
    covariance,
    stdErrors: Float64Array.from({ length: p }, (_, j) => Math.sqrt(covariance[j * p + j])),
    logLik,
    deviance: poissonDeviance(y, mu),
    nullDeviance,
    aic: -2 * logLik + 2 * p,
    iterations,
  };
}
