import { choleskyInPlace, choleskyInverse, choleskySolveInPlace, symmetrizeLower } from './linalg';

/**
 * Maximum-likelihood logistic regression by Newton's method (identical to IRLS for the logit
 * link), on design columns. This is the numeric core: plain Float64Arrays, no allocation
 * inside the iteration, one pass over the data per iteration. The pass is done in row blocks
 * so that each block of every column is still in cache when the Hessian XᵀWX is accumulated:
 * that keeps a 1M-row fit bound by arithmetic, not memory bandwidth. Large fits start from a
 * subsample's estimates (see LARGE_DATA_ROWS); the result is the same maximum.
 */
export interface NewtonOptions {
  /** Iteration limit (R's glm uses 25). */
  maxIterations?: number;
  /** Converged when every Newton step |Δβⱼ| ≤ tolerance·(1 + |βⱼ|). */
  tolerance?: number;
  /** Starting coefficients (stepwise uses the parent model's), default all zero. */
  start?: ArrayLike<number>;
  /** Above 100,000 rows without `start`, begin from a fit on an evenly spread subsample (default true). */
  warmStart?: boolean;
  /** Index of the intercept's column of ones, when the caller knows it (saves a scan); else found by scanning. */
  interceptColumn?: number;
}

export type NewtonStatus = 'converged' | 'max-iterations' | 'singular-hessian' | 'aliased';

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
  /** Columns found to be linear combinations of earlier ones (status 'aliased'). */
  aliased: AliasedColumn[];
  /** XᵀWX of the last Newton step (p×p row-major): an approximate Hessian for a related fit. */
  information: Float64Array;
}

const BLOCK = 2048;
/** Products of up to this many (1 + t) factors, t ∈ (0, 1], stay below 2^512: no overflow. */
const LOG_BATCH = 512;
/** |η| beyond which P is within 1e-8 of 0 or 1. */
const EXTREME_ETA = 18.420680743952367;

/** Counts of rows fitted numerically at 0 or 1, gathered during a pass. */
interface Extremes {
  perfect: number;
  extreme: number;
}

/**
 * One pass: log-likelihood at `beta`, and when `gradient`/`hessian` are given, the score Xᵀ(y−μ)
 * and the lower triangle of XᵀWX. `scratch` holds 3·BLOCK numbers. With `extremes`, it also
 * counts rows fitted numerically at 0 or 1 (for the separation diagnosis).
 */
function evaluate(
  columns: readonly Float64Array[],
  y: Float64Array,
  beta: Float64Array,
  gradient: Float64Array | null,
  hessian: Float64Array | null,
  scratch: Float64Array,
  extremes: Extremes | null = null,
  onesColumn = -1,
): number {
  const p = columns.length;
  const n = y.length;
  // log L = Σ [y·η − max(η, 0)] − Σ log(1 + e^−|η|). The second sum is the log of products of
  // (1 + e^−|η|) over batches: one Math.log per LOG_BATCH rows instead of a log1p per row.
  let linearPart = 0;
  let logPart = 0;
  if (gradient) gradient.fill(0);
  if (hessian) hessian.fill(0);
  const eta = scratch.subarray(0, BLOCK);
  const residual = scratch.subarray(BLOCK, 2 * BLOCK);
  const weighted = scratch.subarray(2 * BLOCK, 3 * BLOCK);
  // The intercept's column of ones never needs reading: η starts at β₀, its score is Σ(y − μ).
  const others: number[] = [];
  for (let j = 0; j < p; j++) if (j !== onesColumn && beta[j] !== 0) others.push(j);
  const intercept = onesColumn >= 0 ? beta[onesColumn] : 0;
  const views: Float64Array[] = new Array(p);
  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK);
    const m = end - start;
    for (let j = 0; j < p; j++) views[j] = columns[j].subarray(start, end);
    const yb = y.subarray(start, end);
    eta.fill(intercept, 0, m);
    // Four columns per sweep over η: fewer loads and stores of η per multiply-add.
    let k = 0;
    for (; k + 3 < others.length; k += 4) {
      const b0 = beta[others[k]];
      const b1 = beta[others[k + 1]];
      const b2 = beta[others[k + 2]];
      const b3 = beta[others[k + 3]];
      const x0 = views[others[k]];
      const x1 = views[others[k + 1]];
      const x2 = views[others[k + 2]];
      const x3 = views[others[k + 3]];
      for (let i = 0; i < m; i++) eta[i] += b0 * x0[i] + b1 * x1[i] + b2 * x2[i] + b3 * x3[i];
    }
    for (; k < others.length; k++) {
      const b = beta[others[k]];
      const x = views[others[k]];
      for (let i = 0; i < m; i++) eta[i] += b * x[i];
    }
    let product = 1;
    for (let i = 0; i < m; i++) {
      const e = eta[i];
      const yi = yb[i];
      const t = Math.exp(-Math.abs(e));
      const inverse = 1 / (1 + t);
      const mu = e >= 0 ? inverse : t * inverse;
      linearPart += yi * e - (e > 0 ? e : 0);
      product *= 1 + t;
      if ((i & (LOG_BATCH - 1)) === LOG_BATCH - 1) {
        logPart += Math.log(product);
        product = 1;
      }
      if (extremes !== null && (e > EXTREME_ETA || e < -EXTREME_ETA)) {
        extremes.extreme++;
        if (e > 0 === (yi === 1)) extremes.perfect++;
      }
      residual[i] = yi - mu;
      eta[i] = mu * (1 - mu); // from here on the buffer holds the weights
    }
    logPart += Math.log(product);
    if (!gradient) continue;
    for (let a = 0; a < p; a++) {
      if (a === onesColumn) {
        let g0 = 0;
        let g1 = 0;
        let w0 = 0;
        let w1 = 0;
        let i = 0;
        for (; i + 1 < m; i += 2) {
          g0 += residual[i];
          g1 += residual[i + 1];
          w0 += eta[i];
          w1 += eta[i + 1];
        }
        if (i < m) {
          g0 += residual[i];
          w0 += eta[i];
        }
        gradient[a] += g0 + g1;
        if (hessian) {
          // Row a of XᵀWX against earlier columns b: Σ w·x_b; the diagonal is Σ w.
          for (let b = 0; b < a; b++) hessian[a * p + b] += dot(eta, views[b], m);
          hessian[a * p + a] += w0 + w1;
        }
        continue;
      }
      const xa = views[a];
      let g0 = 0;
      let g1 = 0;
      if (!hessian) {
        let i = 0;
        for (; i + 1 < m; i += 2) {
          g0 += residual[i] * xa[i];
          g1 += residual[i + 1] * xa[i + 1];
        }
        if (i < m) g0 += residual[i] * xa[i];
        gradient[a] += g0 + g1;
        continue;
      }
      let s0 = 0;
      let s1 = 0;
      let i = 0;
      for (; i + 1 < m; i += 2) {
        const v0 = xa[i];
        const v1 = xa[i + 1];
        g0 += residual[i] * v0;
        g1 += residual[i + 1] * v1;
        const wv0 = eta[i] * v0;
        const wv1 = eta[i + 1] * v1;
        weighted[i] = wv0;
        weighted[i + 1] = wv1;
        s0 += wv0;
        s1 += wv1;
      }
      if (i < m) {
        const v = xa[i];
        g0 += residual[i] * v;
        const wv = eta[i] * v;
        weighted[i] = wv;
        s0 += wv;
      }
      gradient[a] += g0 + g1;
      for (let b = 0; b <= a; b++) {
        // Against the intercept's column of ones the product is just the weighted sum.
        hessian[a * p + b] += b === onesColumn ? s0 + s1 : dot(weighted, views[b], m);
      }
    }
  }
  return linearPart - logPart;
}

/** Σ a[i]·b[i] over the first m entries, with four accumulators so the additions overlap. */
function dot(a: Float64Array, b: Float64Array, m: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < m; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < m; i++) s0 += a[i] * b[i];
  return s0 + s1 + (s2 + s3);
}

/**
 * The one large-data threshold: from this many rows a pass over the data costs enough that
 * Newton starts from a subsample's estimates, and stepwise's candidate fits stop at a looser
 * tolerance before the chosen model is polished.
 */
export const LARGE_DATA_ROWS = 100_000;
/** Target size of the warm-start subsample. */
const WARM_START_SAMPLE = 50_000;
/**
 * Steps taken from the warm start with the subsample's Hessian (scaled to n rows) and exact
 * full-data gradients. Such a pass skips XᵀWX, half its cost, and each step still shrinks the
 * error some twenty-fold, as much as a Newton step does that far from the optimum.
 */
const CHORD_STEPS = 2;

/**
 * Every k-th row: a deterministic, evenly spread subsample. Its estimates lie within a few
 * standard errors of the full-data estimates, close enough that Newton on the full data then
 * converges in two or three quadratic steps instead of five or six.
 */
function strided(columns: readonly Float64Array[], y: Float64Array, stride: number): { columns: Float64Array[]; y: Float64Array } {
  const m = Math.ceil(y.length / stride);
  const pick = (source: Float64Array) => {
    const out = new Float64Array(m);
    for (let k = 0, i = 0; k < m; k++, i += stride) out[k] = source[i];
    return out;
  };
  return { columns: columns.map(pick), y: pick(y) };
}

function isAllOnes(column: Float64Array): boolean {
  for (let i = 0; i < column.length; i++) if (column[i] !== 1) return false;
  return true;
}

/**
 * Fits P(y = 1) = 1/(1 + e^−Xβ) by Newton's method with step halving, from `start`, a warm start
 * (large data) or zero. Reports aliased columns, non-convergence and the counts that tell
 * separation apart; never throws for data reasons: the caller turns the status into errors.
 */
export function newtonLogit(columns: readonly Float64Array[], y: Float64Array, options: NewtonOptions = {}): NewtonFit {
  const p = columns.length;
  const n = y.length;
  const maxIterations = options.maxIterations ?? 25;
  const tolerance = options.tolerance ?? 1e-8;
  const beta = new Float64Array(p);
  const onesColumn = options.interceptColumn ?? columns.findIndex(isAllOnes);
  const step = new Float64Array(p);
  const gradient = new Float64Array(p);
  const hessian = new Float64Array(p * p);
  const scratch = new Float64Array(3 * BLOCK);
  const previous = new Float64Array(p);
  const isSmall = (s: Float64Array) => {
    for (let j = 0; j < p; j++) if (!(Math.abs(s[j]) <= tolerance * (1 + Math.abs(beta[j])))) return false;
    return true;
  };
  let iterations = 0;
  // The log-likelihood a chord step must not fall below (−∞ when there was none).
  let floor = -Infinity;

  if (options.start) {
    beta.set(options.start);
  } else if (n >= LARGE_DATA_ROWS && options.warmStart !== false && maxIterations > CHORD_STEPS + 1) {
    const sample = strided(columns, y, Math.floor(n / WARM_START_SAMPLE));
    const rough = newtonLogit(sample.columns, sample.y, { tolerance: 1e-6, maxIterations, warmStart: false, interceptColumn: onesColumn });
    // A subsample that separates or is rank-deficient says nothing about the full data: start cold.
    if (rough.status === 'converged') {
      beta.set(rough.coefficients);
      const factor = rough.information.map((h) => (h * n) / sample.y.length);
      if (choleskyInPlace(factor, p) < 0) {
        let logLikelihood = evaluate(columns, y, beta, gradient, null, scratch, null, onesColumn);
        for (let chord = 0; chord < CHORD_STEPS; chord++) {
          step.set(gradient);
          choleskySolveInPlace(factor, p, step);
          previous.set(beta);
          for (let j = 0; j < p; j++) beta[j] += step[j];
          iterations++;
          if (chord === CHORD_STEPS - 1) break; // the Newton pass below evaluates this point
          const candidate = evaluate(columns, y, beta, gradient, null, scratch, null, onesColumn);
          if (!(candidate >= logLikelihood)) {
            beta.set(previous);
            iterations--;
            break;
          }
          logLikelihood = candidate;
        }
        floor = logLikelihood;
      }
    }
  }

  // Every Hessian pass also counts the rows fitted at 0 or 1, for the last one's diagnosis.
  const extremes = { perfect: 0, extreme: 0 };
  const newtonPass = () => {
    extremes.perfect = 0;
    extremes.extreme = 0;
    return evaluate(columns, y, beta, gradient, hessian, scratch, extremes, onesColumn);
  };
  let logLikelihood = newtonPass();
  if (logLikelihood < floor) {
    // The last chord step overshot: return to where it started (rare; Newton takes over there).
    beta.set(previous);
    iterations--;
    logLikelihood = newtonPass();
  }
  // The first Hessian XᵀWX (W > 0) has the rank of X: check for aliased columns on it, sparing a pass.
  symmetrizeLower(hessian, p);
  let aliased = aliasedFromGram(hessian, p);
  if (aliased.length > 0 && beta.some((b) => b !== 0)) {
    // A start far out can make the weights vanish and fake the rank loss: judge it at β = 0,
    // where W = I/4 and the Hessian is XᵀX/4, and fit from there.
    beta.fill(0);
    iterations = 0;
    logLikelihood = newtonPass();
    symmetrizeLower(hessian, p);
    aliased = aliasedFromGram(hessian, p);
  }
  if (aliased.length > 0) {
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
      information: hessian,
    };
  }
  let status: NewtonStatus = 'max-iterations';
  const information = new Float64Array(p * p);
  for (;;) {
    symmetrizeLower(hessian, p);
    information.set(hessian);
    if (choleskyInPlace(hessian, p) >= 0) {
      status = 'singular-hessian';
      break;
    }
    step.set(gradient);
    choleskySolveInPlace(hessian, p, step);
    // The step that converges counts as an iteration too: never report more than the limit.
    if (iterations >= maxIterations) break;
    if (isSmall(step)) {
      // The remaining error is O(step²): take the step and keep this (already factored) Hessian,
      // which differs from the one at the new estimates by O(step). The log-likelihood there is
      // logL + ½·gᵀs up to O(|s|³), so no further pass over the data is needed.
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
    let factor = 1;
    let candidate = -Infinity;
    for (let halving = 0; halving < 30; halving++) {
      for (let j = 0; j < p; j++) beta[j] = previous[j] + factor * step[j];
      candidate = newtonPass();
      if (candidate >= logLikelihood - 1e-12 * Math.abs(logLikelihood)) break;
      factor /= 2;
    }
    logLikelihood = candidate;
  }
  const covariance = status === 'singular-hessian' ? new Float64Array(p * p).fill(NaN) : choleskyInverse(hessian, p);
  // A fit that stopped short gets one more likelihood pass at its final estimates, whose counts
  // of extreme fits tell separation from slow convergence.
  if (status !== 'converged') {
    extremes.perfect = 0;
    extremes.extreme = 0;
    logLikelihood = evaluate(columns, y, beta, null, null, scratch, extremes, onesColumn);
  }
  return {
    coefficients: beta,
    covariance,
    logLikelihood,
    iterations,
    status,
    lastStep: step,
    perfectlyFitted: extremes.perfect,
    extremeFitted: extremes.extreme,
    aliased,
    information,
  };
}

/** A design column that is (numerically) a linear combination of earlier columns. */
export interface AliasedColumn {
  column: number;
  dependsOn: number[];
}

/**
 * Finds design columns that are linear combinations of earlier ones, from a Gram matrix XᵀWX
 * scaled to unit diagonal. For each aliased column it lists the earlier columns it is made of,
 * so the error can name them (R's glm would silently report NA coefficients instead).
 * Method: one left-to-right Cholesky of the kept columns, extended a column at a time (O(p³) in
 * all): column j is aliased when its squared residual after the kept columns, 1 − |L⁻¹gⱼ|², is
 * below `relativeTolerance`.
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
