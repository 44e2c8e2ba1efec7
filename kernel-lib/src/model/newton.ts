import { choleskyInPlace, choleskyInverse, choleskySolveInPlace, symmetrizeLower } from './linalg';

/**
 * Newton's method for the logistic log-likelihood, written once for every place that fits a
 * logit: in memory (irls.ts answers from design columns) and inside a database (sql/fit.ts
 * answers with one aggregate query per step). The driver owns the rules – the start, chord
 * steps from an approximate Hessian, the aliasing check on the first Hessian (aliased columns are
 * then held at zero and reported NaN, as R's glm reports NA), Cholesky steps,
 * step halving, the convergence test |Δβⱼ| ≤ tol·(1 + |βⱼ|), the iteration limit and the
 * counts that tell separation from slow convergence – and the answerers only evaluate.
 */
export type NewtonStatus = 'converged' | 'max-iterations' | 'singular-hessian' | 'aliased';

/** A design column that is (numerically) a linear combination of earlier columns. */
export interface AliasedColumn {
  column: number;
  dependsOn: number[];
}

export interface NewtonFit {
  coefficients: Float64Array;
  /** Inverse of the observed information XᵀWX at the estimates, p×p row-major. */
  covariance: Float64Array;
  logLikelihood: number;
  iterations: number;
  status: NewtonStatus;
  /** The last Newton step, which points along the divergence when the fit separates. */
  lastStep: Float64Array;
  /** Rows fitted with probability within 1e-8 of their observed 0/1 outcome. */
  perfectlyFitted: number;
  /** Rows with a fitted probability numerically 0 or 1, right or wrong (R's warning). */
  extremeFitted: number;
  /**
   * Columns found to be linear combinations of earlier ones: left out of the fit (coefficient NaN,
   * covariance rows and columns NaN); status 'aliased' when no column is left to fit.
   */
  aliased: AliasedColumn[];
  /** XᵀWX of the last Newton step (p×p row-major): an approximate Hessian for a related fit. */
  information: Float64Array;
}

/** |η| beyond which P is within 1e-8 of 0 or 1: rows counted as fitted at 0 or 1. */
export const EXTREME_ETA = 18.420680743952367;

/**
 * Steps taken from a warm start with an approximate Hessian (a subsample's, scaled to n rows)
 * and exact gradients. Such an evaluation skips XᵀWX, half the cost of a pass, and each step
 * still shrinks the error some twenty-fold, as much as a Newton step does that far out.
 */
export const CHORD_STEPS = 2;

/**
 * What the driver asks for at `beta` (valid until the answer is given):
 * - 'hessian': log-likelihood, gradient Xᵀ(y − μ), the lower triangle of XᵀWX, and the counts
 *   of rows fitted at 0 or 1 (|η| > EXTREME_ETA);
 * - 'gradient': log-likelihood and gradient (a chord step);
 * - 'likelihood': log-likelihood and the counts (the diagnosis of a fit that stopped short).
 */
export interface NewtonRequest {
  beta: Float64Array;
  need: 'hessian' | 'gradient' | 'likelihood';
}

/**
 * The answer to a request. The arrays become the driver's until its next request (it factors the
 * Hessian in place), so an answerer may hand over the same buffers every time.
 */
export interface NewtonEvaluation {
  logLik: number;
  gradient?: Float64Array;
  /** p×p row-major; only the lower triangle is read. */
  hessian?: Float64Array;
  /** Rows with |η| > EXTREME_ETA fitted on the side of their outcome. */
  perfect?: number;
  /** Rows with |η| > EXTREME_ETA. */
  extreme?: number;
}

export interface NewtonDriverOptions {
  /** Iteration limit (R's glm uses 25); every step counts, the converging one and chord steps included. */
  maxIterations?: number;
  /** Converged when the Newton step has every |Δβⱼ| ≤ tolerance·(1 + |βⱼ|); default 1e-8. */
  tolerance?: number;
  /** Starting coefficients, default all zero. */
  start?: ArrayLike<number>;
  /**
   * An approximate Hessian at `start` (p×p, e.g. a subsample's information scaled to n rows):
   * the first CHORD_STEPS steps use it with gradients only. Ignored unless maxIterations exceeds
   * CHORD_STEPS + 1 or when it is not positive definite.
   */
  chordHessian?: Float64Array;
}

/**
 * The one Newton driver: a generator that yields each evaluation it needs and returns the fit.
 * It never throws for data reasons (aliasing, separation, non-convergence are statuses; the
 * caller's `diagnoseFit` turns them into errors), so the in-memory and the in-database fit
 * report the same outcome for the same sums.
 *
 * @example
 * // Four rows, y ~ x, answered by hand: log L, Xᵀ(y − μ) and XᵀWX at each proposed β.
 * const x = [0, 1, 2, 3], y = [0, 1, 0, 1];
 * const driver = newtonSteps(2);
 * let next = driver.next();
 * while (!next.done) {
 *   const [b0, b1] = next.value.beta;
 *   let logLik = 0; const gradient = new Float64Array(2), hessian = new Float64Array(4);
 *   x.forEach((xi, i) => {
 *     const eta = b0 + b1 * xi, mu = 1 / (1 + Math.exp(-eta)), w = mu * (1 - mu);
 *     logLik += y[i] * eta - Math.log(1 + Math.exp(eta));
 *     gradient[0] += y[i] - mu; gradient[1] += (y[i] - mu) * xi;
 *     hessian[0] += w; hessian[2] += w * xi; hessian[3] += w * xi * xi;
 *   });
 *   next = driver.next({ logLik, gradient, hessian, perfect: 0, extreme: 0 });
 * }
 * next.value.status; // 'converged'
 */
export function* newtonSteps(p: number, options: NewtonDriverOptions = {}): Generator<NewtonRequest, NewtonFit, NewtonEvaluation> {
  const maxIterations = options.maxIterations ?? 25;
  const tolerance = options.tolerance ?? 1e-8;
  const beta = new Float64Array(p);
  if (options.start) beta.set(options.start);
  const step = new Float64Array(p);
  const previous = new Float64Array(p);
  const information = new Float64Array(p * p);
  const isSmall = (s: Float64Array) => {
    for (let j = 0; j < p; j++) if (!(Math.abs(s[j]) <= tolerance * (1 + Math.abs(beta[j])))) return false;
    return true;
  };
  const ask = (need: NewtonRequest['need']): NewtonRequest => ({ beta, need });
  let iterations = 0;
  // The log-likelihood the last chord step must not fall below (−∞ when there was none).
  let floor = -Infinity;

  if (options.chordHessian && maxIterations > CHORD_STEPS + 1) {
    const factor = Float64Array.from(options.chordHessian);
    if (choleskyInPlace(factor, p) < 0) {
      let answer = yield ask('gradient');
      let logLikelihood = answer.logLik;
      for (let chord = 0; chord < CHORD_STEPS; chord++) {
        step.set(answer.gradient!);
        choleskySolveInPlace(factor, p, step);
        previous.set(beta);
        for (let j = 0; j < p; j++) beta[j] += step[j];
        iterations++;
        if (chord === CHORD_STEPS - 1) break; // the Newton pass below evaluates this point
        answer = yield ask('gradient');
        if (!(answer.logLik >= logLikelihood)) {
          beta.set(previous);
          iterations--;
          break;
        }
        logLikelihood = answer.logLik;
      }
      floor = logLikelihood;
    }
  }

  // Every Hessian evaluation also counts the rows fitted at 0 or 1, for the last one's diagnosis.
  let answer = yield ask('hessian');
  if (answer.logLik < floor) {
    // The last chord step overshot: return to where it started (rare; Newton takes over there).
    beta.set(previous);
    iterations--;
    answer = yield ask('hessian');
  }
  // The first Hessian XᵀWX (W > 0) has the rank of X: check for aliased columns on it, sparing a pass.
  symmetrizeLower(answer.hessian!, p);
  let aliased = aliasedFromGram(answer.hessian!, p);
  if (aliased.length > 0 && beta.some((b) => b !== 0)) {
    // A start far out can make the weights vanish and fake the rank loss: judge it at β = 0,
    // where W = I/4 and the Hessian is XᵀX/4, and fit from there.
    beta.fill(0);
    iterations = 0;
    answer = yield ask('hessian');
    symmetrizeLower(answer.hessian!, p);
    aliased = aliasedFromGram(answer.hessian!, p);
  }
  let logLikelihood = answer.logLik;
  let perfect = answer.perfect ?? 0;
  let extreme = answer.extreme ?? 0;
  // Aliased columns are left out of the fit, as R's glm does: their coefficients stay at zero
  // while the steps solve the kept columns' system (Newton on the full-rank subdesign), and are
  // reported as NaN (R's NA) at the end. With nothing left to fit there is no model.
  const kept = keptColumns(p, aliased);
  const k = kept.length;
  if (k === 0) {
    return {
      coefficients: beta,
      covariance: new Float64Array(p * p).fill(NaN),
      logLikelihood,
      iterations,
      status: 'aliased',
      lastStep: step,
      perfectlyFitted: 0,
      extremeFitted: 0,
      aliased,
      information: answer.hessian!,
    };
  }
  // The kept columns' gradient and Hessian (the full ones when nothing is aliased: no copy).
  const reducedGradient = k < p ? new Float64Array(k) : null;
  const reducedHessian = k < p ? new Float64Array(k * k) : null;
  let status: NewtonStatus = 'max-iterations';
  let gradient = answer.gradient!;
  let hessian = answer.hessian!;
  let factor = hessian;
  for (;;) {
    symmetrizeLower(hessian, p);
    information.set(hessian);
    factor = reducedHessian ? restrict(hessian, p, kept, reducedHessian) : hessian;
    if (choleskyInPlace(factor, k) >= 0) {
      status = 'singular-hessian';
      break;
    }
    if (reducedGradient) {
      for (let r = 0; r < k; r++) reducedGradient[r] = gradient[kept[r]];
      choleskySolveInPlace(factor, k, reducedGradient);
      step.fill(0);
      for (let r = 0; r < k; r++) step[kept[r]] = reducedGradient[r];
    } else {
      step.set(gradient);
      choleskySolveInPlace(factor, p, step);
    }
    // The step that converges counts as an iteration too: never report more than the limit.
    if (iterations >= maxIterations) break;
    if (isSmall(step)) {
      // The remaining error is O(step²): take the step and keep this (already factored) Hessian,
      // which differs from the one at the new estimates by O(step). The log-likelihood there is
      // logL + ½·gᵀs up to O(|s|³), so no further evaluation is needed.
      let gain = 0;
      for (let j = 0; j < p; j++) {
        beta[j] += step[j];
        gain += gradient[j] * step[j];
      }
      logLikelihood += 0.5 * gain;
      iterations++;
      status = 'converged';
      break;
    }
    iterations++;
    previous.set(beta);
    // Step halving guards the rare overshoot far from the optimum (as glm.fit does).
    let shrink = 1;
    for (let halving = 0; halving < 30; halving++) {
      for (let j = 0; j < p; j++) beta[j] = previous[j] + shrink * step[j];
      answer = yield ask('hessian');
      if (answer.logLik >= logLikelihood - 1e-12 * Math.abs(logLikelihood)) break;
      shrink /= 2;
    }
    logLikelihood = answer.logLik;
    perfect = answer.perfect ?? 0;
    extreme = answer.extreme ?? 0;
    gradient = answer.gradient!;
    hessian = answer.hessian!;
  }
  const covariance = status === 'singular-hessian' ? new Float64Array(p * p).fill(NaN) : expand(choleskyInverse(factor, k), p, kept);
  // A fit that stopped short gets one more evaluation at its final estimates, whose counts of
  // extreme fits tell separation from slow convergence.
  if (status !== 'converged') {
    answer = yield ask('likelihood');
    logLikelihood = answer.logLik;
    perfect = answer.perfect ?? 0;
    extreme = answer.extreme ?? 0;
  }
  const coefficients = k < p ? beta.slice() : beta;
  for (const a of aliased) coefficients[a.column] = NaN;
  return {
    coefficients,
    covariance,
    logLikelihood,
    iterations,
    status,
    lastStep: step,
    perfectlyFitted: perfect,
    extremeFitted: extreme,
    aliased,
    information,
  };
}

/** The columns not aliased, in design order. */
function keptColumns(p: number, aliased: readonly AliasedColumn[]): number[] {
  const out = new Set(aliased.map((a) => a.column));
  return Array.from({ length: p }, (_, j) => j).filter((j) => !out.has(j));
}

/** The kept rows and columns of a p×p matrix, into `out` (k×k). */
function restrict(full: Float64Array, p: number, kept: readonly number[], out: Float64Array): Float64Array {
  const k = kept.length;
  for (let r = 0; r < k; r++) for (let c = 0; c < k; c++) out[r * k + c] = full[kept[r] * p + kept[c]];
  return out;
}

/** A k×k covariance of the kept columns as p×p, NaN in the rows and columns of aliased ones (R's vcov). */
function expand(reduced: Float64Array, p: number, kept: readonly number[]): Float64Array {
  const k = kept.length;
  if (k === p) return reduced;
  const full = new Float64Array(p * p).fill(NaN);
  for (let r = 0; r < k; r++) for (let c = 0; c < k; c++) full[kept[r] * p + kept[c]] = reduced[r * k + c];
  return full;
}

/**
 * Finds design columns that are linear combinations of earlier ones, from a Gram matrix XᵀWX
 * scaled to unit diagonal. For each aliased column it lists the earlier columns it is made of,
 * so the warning can name them (R's glm reports NA coefficients without saying what they repeat).
 * The tolerance is on the squared remainder ratio (1e-10: a ratio of 1e-5); docs/library.md says
 * why it is not glm's 1e-11 on the ratio itself.
 * Method: one left-to-right Cholesky of the kept columns, extended a column at a time (O(p³) in
 * all): column j is aliased when its squared residual after the kept columns, 1 − |L⁻¹gⱼ|², is
 * below `relativeTolerance`.
 *
 * @example
 * // Columns 1, x and 2x: the third is twice the second.
 * aliasedFromGram(Float64Array.from([3, 3, 6, 3, 5, 10, 6, 10, 20]), 3); // [{ column: 2, dependsOn: [1] }]
 */
export function aliasedFromGram(gram: Float64Array, p: number, relativeTolerance = 1e-10): AliasedColumn[] {
  const result: AliasedColumn[] = [];
  const kept: number[] = [];
  // Lower-triangular factor of the kept columns' scaled Gram matrix, row-major p×p (first k rows used).
  const factor = new Float64Array(p * p);
  const z = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const gjj = gram[j * p + j];
    if (!(gjj > 0)) {
      result.push({ column: j, dependsOn: [] });
      continue;
    }
    const k = kept.length;
    // Forward solve L z = g (scaled correlations of column j with the kept columns).
    let residual = 1;
    for (let r = 0; r < k; r++) {
      const a = kept[r];
      let v = gram[a * p + j] / Math.sqrt(gram[a * p + a] * gjj);
      for (let c = 0; c < r; c++) v -= factor[r * p + c] * z[c];
      v /= factor[r * p + r];
      z[r] = v;
      residual -= v * v;
    }
    if (residual <= relativeTolerance) {
      // Back solve Lᵀ c = z: column j's coefficients on the kept columns.
      const coef = new Float64Array(k);
      for (let r = k - 1; r >= 0; r--) {
        let v = z[r];
        for (let c = r + 1; c < k; c++) v -= factor[c * p + r] * coef[c];
        coef[r] = v / factor[r * p + r];
      }
      result.push({ column: j, dependsOn: kept.filter((_, r) => Math.abs(coef[r]) > 1e-6) });
    } else {
      for (let c = 0; c < k; c++) factor[k * p + c] = z[c];
      factor[k * p + k] = Math.sqrt(residual);
      kept.push(j);
    }
  }
  return result;
}
