import type { ColumnAllocator } from './design';
import type { Extremes, SimdEvaluate } from './newtonSimd';
import { CHORD_STEPS, EXTREME_ETA, newtonSteps, type NewtonEvaluation, type NewtonFit, type NewtonRequest } from './newton';

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
  /** Prior weights (R's glm `weights`): each row's log-likelihood, score and information times its weight. */
  weights?: Float64Array | null;
  /** An offset added to every row's linear predictor (R's glm `offset`). */
  offset?: Float64Array | null;
  /** Rows per block of the Newton sums (default SUM_BLOCK; the warm start's subsample: WARM_SUM_BLOCK). */
  sumBlockRows?: number;
}

/** The weights and offset of a weighted or offset fit (null: ones, zeros). */
export interface RowPrior {
  weights: Float64Array | null;
  offset: Float64Array | null;
}

/** Rows per chunk of a pass (`evaluate`, and newtonSimd.ts's kernel, which must chunk as it does). */
export const BLOCK = 2048;
/** Products of up to this many (1 + t) factors, t ∈ (0, 1], stay below 2^512: no overflow. */
export const LOG_BATCH = 512;

/**
 * One pass over rows [from, to): log-likelihood at `beta`, and when `gradient`/`hessian` are
 * given, the score Xᵀ(y−μ) and the lower triangle of XᵀWX. `scratch` holds 3·BLOCK numbers.
 * With `extremes`, it also counts rows fitted numerically at 0 or 1 (for the separation diagnosis).
 */
function evaluate(
  columns: readonly Float64Array[],
  y: Float64Array,
  beta: Float64Array,
  gradient: Float64Array | null,
  hessian: Float64Array | null,
  scratch: Float64Array,
  extremes: Extremes | null,
  onesColumn: number,
  from: number,
  to: number,
  prior: RowPrior | null,
): number {
  const p = columns.length;
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
  for (let start = from; start < to; start += BLOCK) {
    const end = Math.min(to, start + BLOCK);
    const m = end - start;
    for (let j = 0; j < p; j++) views[j] = columns[j].subarray(start, end);
    const yb = y.subarray(start, end);
    eta.fill(intercept, 0, m);
    const ob = prior?.offset ? prior.offset.subarray(start, end) : null;
    if (ob !== null) for (let i = 0; i < m; i++) eta[i] += ob[i];
    const wb = prior?.weights ? prior.weights.subarray(start, end) : null;
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
    if (wb === null) {
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
    } else {
      // Prior weights: a separate loop keeps the unweighted one as fast as it was. Each log is
      // weighted, so the batched product of the loop above does not apply.
      for (let i = 0; i < m; i++) {
        const e = eta[i];
        const yi = yb[i];
        const wi = wb[i];
        const t = Math.exp(-Math.abs(e));
        const inverse = 1 / (1 + t);
        const mu = e >= 0 ? inverse : t * inverse;
        linearPart += wi * (yi * e - (e > 0 ? e : 0));
        logPart += wi * Math.log1p(t);
        if (extremes !== null && wi > 0 && (e > EXTREME_ETA || e < -EXTREME_ETA)) {
          extremes.extreme++;
          if (e > 0 === (yi === 1)) extremes.perfect++;
        }
        residual[i] = wi * (yi - mu);
        eta[i] = wi * mu * (1 - mu);
      }
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
 * Rows per block of the Newton sums. Each block's log-likelihood, gradient and Hessian are summed
 * on their own, then the blocks' sums are added in block order (mergeBlocks): one summation order
 * that does not depend on which thread evaluated which block, so fitLogitParallel gives the very
 * bits of fitLogit whatever its number of workers. A multiple of BLOCK and LOG_BATCH.
 */
export const SUM_BLOCK = 65_536;
/**
 * Rows per block of the warm start's subsample fit (50,000 to 100,000 rows): a dozen or more
 * blocks, so that fitLogitParallel splits that fit over its threads too. A multiple of BLOCK and
 * LOG_BATCH.
 */
export const WARM_SUM_BLOCK = 4096;

/**
 * Blocks of `blockRows` rows in n rows.
 *
 * @example
 * blockCount(1_000_000); // 16
 */
export function blockCount(n: number, blockRows = SUM_BLOCK): number {
  return Math.ceil(n / blockRows);
}

/** Numbers per block of the sums: log-likelihood, the two counts of extreme fits, gradient (p), Hessian (p×p). */
function blockSumsStride(p: number): number {
  return 3 + p + p * p;
}

/**
 * Length of the buffer of block sums for n rows and p columns (evaluateBlocks, mergeBlocks).
 *
 * @example
 * blockSumsLength(100_000, 2); // 2 blocks × (3 + 2 + 4)
 */
export function blockSumsLength(n: number, p: number, blockRows = SUM_BLOCK): number {
  return blockCount(n, blockRows) * blockSumsStride(p);
}

/**
 * Answers `request` on blocks [fromBlock, toBlock) of `blockRows` rows, each block into its own
 * slot of `sums` (a buffer of blockSumsLength(n, p, blockRows) numbers, slots in block order), so
 * that threads can fill one shared buffer, each its own blocks.
 *
 * @example
 * // y ~ 1 + x on three rows at β = 0: log L = 3·log(1/2), gradient Σ(y − 1/2)·(1, x).
 * const columns = [Float64Array.of(1, 1, 1), Float64Array.of(0, 1, 2)], y = Float64Array.of(0, 1, 1);
 * const sums = new Float64Array(blockSumsLength(3, 2));
 * evaluateBlocks(columns, y, { beta: new Float64Array(2), need: 'gradient' }, 0, 0, 1, sums);
 * mergeBlocks(sums, 2, 'gradient', new Float64Array(2), new Float64Array(4)).gradient; // [0.5, 1.5]
 */
export function evaluateBlocks(
  columns: readonly Float64Array[],
  y: Float64Array,
  request: NewtonRequest,
  onesColumn: number,
  fromBlock: number,
  toBlock: number,
  sums: Float64Array,
  prior: RowPrior | null = null,
  blockRows = SUM_BLOCK,
): void {
  let block = fromBlock;
  evaluateEach(columns, y, request, onesColumn, () => (block < toBlock ? block++ : -1), sums, prior, blockRows);
}

/**
 * evaluateBlocks on the blocks claimed one at a time from a counter that threads share (element 0
 * of `claims`, reset to 0 before each request): each thread takes the next block when it is done
 * with its last, so a thread slowed by anything (another process on its core, a later-optimised
 * kernel) sums fewer blocks instead of keeping the others waiting. A block's sums go to its own
 * slot whoever takes it, so the merged answer is the same. `simd` (newtonSimd(p), fitLogitParallel's
 * threads) sums the blocks of a fit without prior weights or offset on WebAssembly SIMD, to the
 * same bits.
 *
 * @example
 * // 100,000 rows are two blocks; alone, this thread takes both (and makes one claim past the end).
 * const columns = [new Float64Array(100_000).fill(1)], y = Float64Array.from(columns[0], (_, i) => (i < 60_000 ? 1 : 0));
 * const sums = new Float64Array(blockSumsLength(100_000, 1)), claims = new Int32Array(1);
 * evaluateClaimedBlocks(columns, y, { beta: new Float64Array(1), need: 'gradient' }, 0, claims, sums);
 * claims[0]; // 3
 * mergeBlocks(sums, 1, 'gradient', new Float64Array(1), new Float64Array(1)).gradient; // [10000]
 */
export function evaluateClaimedBlocks(
  columns: readonly Float64Array[],
  y: Float64Array,
  request: NewtonRequest,
  onesColumn: number,
  claims: Int32Array,
  sums: Float64Array,
  prior: RowPrior | null = null,
  blockRows = SUM_BLOCK,
  simd: SimdEvaluate | null = null,
): void {
  const blocks = blockCount(y.length, blockRows);
  const claim = () => {
    const block = Atomics.add(claims, 0, 1);
    return block < blocks ? block : -1;
  };
  evaluateEach(columns, y, request, onesColumn, claim, sums, prior, blockRows, prior === null ? simd : null);
}

/** Each block `next` gives (−1: no more) evaluated into its own slot of `sums`. */
function evaluateEach(
  columns: readonly Float64Array[],
  y: Float64Array,
  request: NewtonRequest,
  onesColumn: number,
  next: () => number,
  sums: Float64Array,
  prior: RowPrior | null,
  blockRows: number,
  simd?: SimdEvaluate | null,
): void {
  const p = columns.length;
  const stride = blockSumsStride(p);
  const { beta, need } = request;
  const scratch = new Float64Array(3 * BLOCK);
  const extremes = { perfect: 0, extreme: 0 };
  for (let block = next(); block >= 0; block = next()) {
    const slot = block * stride;
    const gradient = need === 'likelihood' ? null : sums.subarray(slot + 3, slot + 3 + p);
    const hessian = need === 'hessian' ? sums.subarray(slot + 3 + p, slot + stride) : null;
    extremes.perfect = 0;
    extremes.extreme = 0;
    const from = block * blockRows;
    const to = Math.min(y.length, from + blockRows);
    const counts = need === 'gradient' ? null : extremes;
    sums[slot] = simd
      ? simd(columns, y, beta, gradient, hessian, counts, onesColumn, from, to)
      : evaluate(columns, y, beta, gradient, hessian, scratch, counts, onesColumn, from, to, prior);
    sums[slot + 1] = extremes.perfect;
    sums[slot + 2] = extremes.extreme;
  }
}

/**
 * The answer to a request of `need` from the blocks' sums, added in block order (the one
 * summation order of every in-memory Newton evaluation). Fills and hands over `gradient` and the
 * lower triangle of `hessian`.
 *
 * @example
 * // Two blocks' log-likelihoods, no gradient asked for (p = 1): −1 + −2.
 * mergeBlocks(Float64Array.of(-1, 0, 0, 0, 0, -2, 0, 0, 0, 0), 1, 'likelihood', new Float64Array(1), new Float64Array(1)).logLik; // -3
 */
export function mergeBlocks(sums: Float64Array, p: number, need: NewtonRequest['need'], gradient: Float64Array, hessian: Float64Array): NewtonEvaluation {
  const stride = blockSumsStride(p);
  const blocks = sums.length / stride;
  let logLik = 0;
  let perfect = 0;
  let extreme = 0;
  gradient.fill(0);
  hessian.fill(0);
  for (let block = 0; block < blocks; block++) {
    const slot = block * stride;
    logLik += sums[slot];
    perfect += sums[slot + 1];
    extreme += sums[slot + 2];
    if (need === 'likelihood') continue;
    for (let j = 0; j < p; j++) gradient[j] += sums[slot + 3 + j];
    if (need !== 'hessian') continue;
    const h = slot + 3 + p;
    for (let a = 0; a < p; a++) for (let b = 0; b <= a; b++) hessian[a * p + b] += sums[h + a * p + b];
  }
  return { logLik, gradient, hessian, perfect, extreme };
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
 * Every k-th row: a deterministic, evenly spread subsample. Its estimates lie within a few
 * standard errors of the full-data estimates, close enough that Newton on the full data then
 * converges in two or three quadratic steps instead of five or six.
 */
function strided(
  columns: readonly Float64Array[],
  y: Float64Array,
  stride: number,
  prior: RowPrior | null,
  allocate: ColumnAllocator,
): { columns: Float64Array[]; y: Float64Array; prior: RowPrior } {
  const m = Math.ceil(y.length / stride);
  const pick = (source: Float64Array) => {
    const out = allocate(m);
    for (let k = 0, i = 0; k < m; k++, i += stride) out[k] = source[i];
    return out;
  };
  const weights = prior?.weights ? pick(prior.weights) : null;
  const offset = prior?.offset ? pick(prior.offset) : null;
  return { columns: columns.map(pick), y: pick(y), prior: { weights, offset } };
}

function isAllOnes(column: Float64Array): boolean {
  for (let i = 0; i < column.length; i++) if (column[i] !== 1) return false;
  return true;
}

/**
 * The warm start's subsample fit of a large fit without `start` (null: the fit starts from
 * `start` or zero): every k-th row (its columns made by `allocate`), and the options to fit it by
 * newtonLogit. Whichever threads fit it, logitDriverFrom turns the result into the full fit's start.
 */
export function warmStartSample(
  columns: readonly Float64Array[],
  y: Float64Array,
  options: NewtonOptions,
  onesColumn: number,
  allocate: ColumnAllocator = (n) => new Float64Array(n),
): { columns: Float64Array[]; y: Float64Array; options: NewtonOptions } | null {
  const n = y.length;
  const maxIterations = options.maxIterations ?? 25;
  if (options.start || n < LARGE_DATA_ROWS || options.warmStart === false || maxIterations <= CHORD_STEPS + 1) return null;
  const sample = strided(columns, y, Math.floor(n / WARM_START_SAMPLE), rowPrior(options), allocate);
  return {
    columns: sample.columns,
    y: sample.y,
    options: { tolerance: 1e-6, maxIterations, warmStart: false, interceptColumn: onesColumn, sumBlockRows: WARM_SUM_BLOCK, ...sample.prior },
  };
}

/**
 * The one Newton driver (newton.ts) for a logit on p columns and n rows, from `start`, the
 * warm start's subsample fit `rough` of m rows (its estimates, and its Hessian scaled to n rows
 * for the chord steps) or zero.
 */
export function logitDriverFrom(p: number, n: number, options: NewtonOptions, rough: { fit: NewtonFit; rows: number } | null): ReturnType<typeof newtonSteps> {
  const maxIterations = options.maxIterations ?? 25;
  let start = options.start;
  let chordHessian: Float64Array | undefined;
  // A subsample that separates or is rank-deficient says nothing about the full data: start cold.
  if (rough && rough.fit.status === 'converged' && rough.fit.aliased.length === 0) {
    start = rough.fit.coefficients;
    chordHessian = rough.fit.information.map((h) => (h * n) / rough.rows);
  }
  return newtonSteps(p, { maxIterations, tolerance: options.tolerance, start, chordHessian });
}

/**
 * The one Newton driver (newton.ts) set up for a logit on these columns, from `start`, a warm
 * start (large data: a subsample's estimates and its Hessian scaled to n rows for the chord
 * steps) or zero; `onesColumn` is the intercept's column of ones (−1: none). newtonLogit and
 * fitLogitParallel answer its requests by evaluateBlocks and mergeBlocks.
 *
 * @example
 * const columns = [Float64Array.of(1, 1, 1, 1), Float64Array.of(0, 1, 2, 3)], y = Float64Array.of(0, 1, 0, 1);
 * const { driver, onesColumn } = logitDriver(columns, y); // onesColumn: 0
 * driver.next().value; // { beta: [0, 0], need: 'hessian' }
 */
export function logitDriver(columns: readonly Float64Array[], y: Float64Array, options: NewtonOptions = {}): { driver: ReturnType<typeof newtonSteps>; onesColumn: number } {
  const onesColumn = interceptColumnOf(columns, options);
  const sample = warmStartSample(columns, y, options, onesColumn);
  const rough = sample ? { fit: newtonLogit(sample.columns, sample.y, sample.options), rows: sample.y.length } : null;
  return { driver: logitDriverFrom(columns.length, y.length, options, rough), onesColumn };
}

/** The intercept's column of ones: as the options name it, else found by scanning (−1: none). */
export function interceptColumnOf(columns: readonly Float64Array[], options: NewtonOptions): number {
  return options.interceptColumn ?? columns.findIndex(isAllOnes);
}

/**
 * Fits P(y = 1) = 1/(1 + e^−Xβ) by the one Newton driver, answering its requests from the
 * columns on the calling thread. Never throws for data reasons: the caller turns the status into
 * errors.
 */
export function newtonLogit(columns: readonly Float64Array[], y: Float64Array, options: NewtonOptions = {}): NewtonFit {
  const p = columns.length;
  const { driver, onesColumn } = logitDriver(columns, y, options);
  const blockRows = options.sumBlockRows ?? SUM_BLOCK;
  const blocks = blockCount(y.length, blockRows);
  // One set of buffers answers every request (the driver is done with the last answer when it asks again).
  const sums = new Float64Array(blockSumsLength(y.length, p, blockRows));
  const gradient = new Float64Array(p);
  const hessian = new Float64Array(p * p);
  const prior = rowPrior(options);
  let next = driver.next();
  while (!next.done) {
    evaluateBlocks(columns, y, next.value, onesColumn, 0, blocks, sums, prior, blockRows);
    next = driver.next(mergeBlocks(sums, p, next.value.need, gradient, hessian));
  }
  return next.value;
}

/** The options' weights and offset, or null when there are neither (the plain, fastest pass). */
export function rowPrior(options: Pick<NewtonOptions, 'weights' | 'offset'>): RowPrior | null {
  const weights = options.weights ?? null;
  const offset = options.offset ?? null;
  return weights === null && offset === null ? null : { weights, offset };
}
