import { choleskyInPlace, choleskyInverse, choleskySolveInPlace, symmetrizeLower } from './linalg';

/**
 * Maximum-likelihood logistic regression by Newton's method (identical to IRLS for the logit
 * link), on design columns. This is the numeric core: plain Float64Arrays, no allocation
 * inside the iteration, one pass over the data per iteration. The pass is done in row blocks
 * so that each block of every column is still in cache when the Hessian XᵀWX is accumulated:
 * that keeps a 1M-row fit bound by arithmetic, not memory bandwidth.
 */
export interface NewtonOptions {
  /** Iteration limit (R's glm uses 25). */
  maxIterations?: number;
  /** Converged when every Newton step |Δβⱼ| ≤ tolerance·(1 + |βⱼ|). */
  tolerance?: number;
  /** Starting coefficients (stepwise uses the parent model's), default all zero. */
  start?: ArrayLike<number>;
}

export type NewtonStatus = 'converged' | 'max-iterations' | 'singular-hessian';

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
}

const BLOCK = 2048;

/** Log-likelihood of one row, log(1+e^η) computed without overflow. */
function rowLogLikelihood(y: number, eta: number): number {
  return eta > 0 ? y * eta - eta - Math.log1p(Math.exp(-eta)) : y * eta - Math.log1p(Math.exp(eta));
}

/**
 * One pass: log-likelihood at `beta`, and when `gradient`/`hessian` are given, the score Xᵀ(y−μ)
 * and the lower triangle of XᵀWX. `scratch` holds BLOCK·(p+2) numbers.
 */
function evaluate(
  columns: readonly Float64Array[],
  y: Float64Array,
  beta: Float64Array,
  gradient: Float64Array | null,
  hessian: Float64Array | null,
  scratch: Float64Array,
): number {
  const p = columns.length;
  const n = y.length;
  let logLikelihood = 0;
  if (gradient) gradient.fill(0);
  if (hessian) hessian.fill(0);
  const eta = scratch.subarray(0, BLOCK);
  const residual = scratch.subarray(BLOCK, 2 * BLOCK);
  const weighted = scratch.subarray(2 * BLOCK, 3 * BLOCK);
  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK);
    const m = end - start;
    eta.fill(0, 0, m);
    for (let j = 0; j < p; j++) {
      const b = beta[j];
      if (b === 0) continue;
      const x = columns[j];
      for (let i = 0; i < m; i++) eta[i] += b * x[start + i];
    }
    for (let i = 0; i < m; i++) {
      const e = eta[i];
      const yi = y[start + i];
      const t = Math.exp(-Math.abs(e));
      const mu = e >= 0 ? 1 / (1 + t) : t / (1 + t);
      logLikelihood += yi * e - (e > 0 ? e : 0) - Math.log1p(t);
      residual[i] = yi - mu;
      eta[i] = mu * (1 - mu); // reuse the buffer for the weights
    }
    if (!gradient || !hessian) continue;
    for (let a = 0; a < p; a++) {
      const xa = columns[a];
      let g = 0;
      for (let i = 0; i < m; i++) {
        const v = xa[start + i];
        g += residual[i] * v;
        weighted[i] = eta[i] * v;
      }
      gradient[a] += g;
      for (let b = 0; b <= a; b++) {
        const xb = columns[b];
        let s0 = 0;
        let s1 = 0;
        let i = 0;
        // Two accumulators let the CPU overlap the dependent additions.
        for (; i + 1 < m; i += 2) {
          s0 += weighted[i] * xb[start + i];
          s1 += weighted[i + 1] * xb[start + i + 1];
        }
        if (i < m) s0 += weighted[i] * xb[start + i];
        hessian[a * p + b] += s0 + s1;
      }
    }
  }
  return logLikelihood;
}

/** Counts rows whose fitted probability is numerically 0 or 1 (|η| > 18.42, i.e. within 1e-8). */
function countExtremes(columns: readonly Float64Array[], y: Float64Array, beta: Float64Array): { perfect: number; extreme: number } {
  const n = y.length;
  let perfect = 0;
  let extreme = 0;
  for (let i = 0; i < n; i++) {
    let e = 0;
    for (let j = 0; j < columns.length; j++) e += beta[j] * columns[j][i];
    if (Math.abs(e) > 18.420680743952367) {
      extreme++;
      if ((e > 0) === (y[i] === 1)) perfect++;
    }
  }
  return { perfect, extreme };
}

export function newtonLogit(columns: readonly Float64Array[], y: Float64Array, options: NewtonOptions = {}): NewtonFit {
  const p = columns.length;
  const maxIterations = options.maxIterations ?? 25;
  const tolerance = options.tolerance ?? 1e-8;
  const beta = new Float64Array(p);
  if (options.start) beta.set(options.start);
  const step = new Float64Array(p);
  const gradient = new Float64Array(p);
  const hessian = new Float64Array(p * p);
  const scratch = new Float64Array(3 * BLOCK);
  const previous = new Float64Array(p);

  let logLikelihood = evaluate(columns, y, beta, gradient, hessian, scratch);
  let iterations = 0;
  let status: NewtonStatus = 'max-iterations';
  for (;;) {
    symmetrizeLower(hessian, p);
    if (choleskyInPlace(hessian, p) >= 0) {
      status = 'singular-hessian';
      break;
    }
    step.set(gradient);
    choleskySolveInPlace(hessian, p, step);
    let small = true;
    for (let j = 0; j < p; j++) {
      if (!(Math.abs(step[j]) <= tolerance * (1 + Math.abs(beta[j])))) small = false;
    }
    if (small) {
      // The remaining error is O(step²): take the step, keep this (already factored) Hessian.
      for (let j = 0; j < p; j++) beta[j] += step[j];
      logLikelihood = evaluate(columns, y, beta, null, null, scratch);
      status = 'converged';
      break;
    }
    if (iterations >= maxIterations) break;
    iterations++;
    previous.set(beta);
    // Step halving guards the rare overshoot far from the optimum (as glm.fit does).
    let factor = 1;
    let candidate = -Infinity;
    for (let halving = 0; halving < 30; halving++) {
      for (let j = 0; j < p; j++) beta[j] = previous[j] + factor * step[j];
      candidate = evaluate(columns, y, beta, gradient, hessian, scratch);
      if (candidate >= logLikelihood - 1e-12 * Math.abs(logLikelihood)) break;
      factor /= 2;
    }
    logLikelihood = candidate;
  }
  const covariance = status === 'singular-hessian' ? new Float64Array(p * p).fill(NaN) : choleskyInverse(hessian, p);
  const { perfect, extreme } = countExtremes(columns, y, beta);
  return { coefficients: beta, covariance, logLikelihood, iterations, status, lastStep: step, perfectlyFitted: perfect, extremeFitted: extreme };
}

/**
 * Finds design columns that are linear combinations of earlier ones, from XᵀX scaled to unit
 * diagonal. For each aliased column it lists the earlier columns it is made of, so the error
 * can name them (R's glm would silently report NA coefficients instead).
 */
export function aliasedColumns(columns: readonly Float64Array[], relativeTolerance = 1e-10): { column: number; dependsOn: number[] }[] {
  const p = columns.length;
  const n = columns[0]?.length ?? 0;
  const gram = new Float64Array(p * p);
  for (let a = 0; a < p; a++) for (let b = 0; b <= a; b++) {
    let s = 0;
    const xa = columns[a];
    const xb = columns[b];
    for (let i = 0; i < n; i++) s += xa[i] * xb[i];
    gram[a * p + b] = s;
    gram[b * p + a] = s;
  }
  const result: { column: number; dependsOn: number[] }[] = [];
  const kept: number[] = [];
  for (let j = 0; j < p; j++) {
    if (!(gram[j * p + j] > 0)) {
      result.push({ column: j, dependsOn: [] });
      continue;
    }
    const indices = [...kept, j];
    const q = indices.length;
    const sub = new Float64Array(q * q);
    for (let r = 0; r < q; r++) for (let c = 0; c < q; c++) {
      const a = indices[r];
      const b = indices[c];
      sub[r * q + c] = gram[a * p + b] / Math.sqrt(gram[a * p + a] * gram[b * p + b]);
    }
    const factor = sub.slice();
    if (choleskyInPlace(factor, q, relativeTolerance) === q - 1) {
      // Regress column j on the kept columns to see which of them it is made of.
      const k = q - 1;
      const keptFactor = new Float64Array(k * k);
      for (let r = 0; r < k; r++) for (let c = 0; c < k; c++) keptFactor[r * k + c] = sub[r * q + c];
      choleskyInPlace(keptFactor, k);
      const coef = new Float64Array(k);
      for (let r = 0; r < k; r++) coef[r] = sub[r * q + k];
      if (k > 0) choleskySolveInPlace(keptFactor, k, coef);
      result.push({ column: j, dependsOn: kept.filter((_, r) => Math.abs(coef[r]) > 1e-6) });
    } else {
      kept.push(j);
    }
  }
  return result;
}

export { rowLogLikelihood };
