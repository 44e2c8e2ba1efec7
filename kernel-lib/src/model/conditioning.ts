import type { ColumnAllocator } from './design';
import { blockCount, newtonLogit, SUM_BLOCK, type NewtonOptions } from './irls';
import type { NewtonFit } from './newton';

/**
 * Newton's method on well-conditioned columns. A predictor whose offset is large against its
 * spread (x = 10⁵ + U(−1, 1); account numbers near 4·10⁹; epoch milliseconds within an hour) is
 * nearly parallel to the intercept's column of ones: its Gram matrix is numerically singular
 * although the model is estimable, and R's glm (pivoted QR on the raw columns) fits it. Such
 * columns are centred and scaled, zⱼ = (xⱼ − mⱼ)/sⱼ, the fit runs on z, and the estimates map
 * back exactly: βⱼ = γⱼ/sⱼ, β₀ = γ₀ − Σ γⱼ·mⱼ/sⱼ, Cov(β) = T·Cov(γ)·Tᵀ. Centring needs an
 * intercept (it absorbs the shift); without one, columns are only scaled. Columns that are
 * already well conditioned (|mean| ≤ 4·sd, 10⁻³ ≤ sd ≤ 10³, e.g. 0/1 indicators and min–max
 * scaled inputs) are used as they are, so ordinary fits do no extra copying.
 */
export interface ColumnScaling {
  /** mⱼ subtracted from column j (0 where not centred). */
  readonly center: Float64Array;
  /** sⱼ dividing column j (1 where not scaled). */
  readonly scale: Float64Array;
  /** Index of the intercept's column, or −1. */
  readonly intercept: number;
  /** True when some column was transformed. */
  readonly active: boolean;
}

const MAX_OFFSET_RATIO = 4;
const MIN_SPREAD = 1e-3;
const MAX_SPREAD = 1e3;

/** Decides each column's centre and scale (mean and standard deviation, one pass each). */
export function columnScaling(columns: readonly Float64Array[], intercept: number): ColumnScaling {
  const blocks = blockCount(columns.length > 0 ? columns[0].length : 0);
  const sums = new Float64Array(blocks * columns.length * 2);
  momentBlocks(columns, columnOrigins(columns), intercept, 0, blocks, sums);
  return scalingFromBlocks(columns, intercept, sums);
}

/** Each column's first value, the shift of its moments (momentBlocks); NaN for an empty column. */
export function columnOrigins(columns: readonly Float64Array[]): Float64Array {
  return Float64Array.from(columns, (x) => (x.length > 0 ? x[0] : NaN));
}

/**
 * Each column's Σd and Σd² with d = x − x₀ (x₀ its first value, from columnOrigins: an offset of
 * 1e12 costs no precision) over blocks [fromBlock, toBlock) of SUM_BLOCK rows, two numbers a
 * column a block into `sums` (blocks in order), so that threads can each sum their own blocks
 * (reading those rows only); the intercept's column is skipped. scalingFromBlocks adds the blocks
 * in order.
 *
 * @example
 * const sums = new Float64Array(2), x = Float64Array.of(1, 2, 4);
 * momentBlocks([x], columnOrigins([x]), -1, 0, 1, sums);
 * sums; // [4, 10]: d = 0, 1, 3
 */
export function momentBlocks(columns: readonly Float64Array[], origins: Float64Array, intercept: number, fromBlock: number, toBlock: number, sums: Float64Array): void {
  const p = columns.length;
  for (let block = fromBlock; block < toBlock; block++) {
    for (let j = 0; j < p; j++) {
      if (j === intercept) continue;
      const x = columns[j];
      const x0 = origins[j];
      const to = Math.min(x.length, (block + 1) * SUM_BLOCK);
      // Two accumulator chains each, so that the additions overlap.
      let s0 = 0;
      let s1 = 0;
      let q0 = 0;
      let q1 = 0;
      let i = block * SUM_BLOCK;
      for (; i + 1 < to; i += 2) {
        const d0 = x[i] - x0;
        const d1 = x[i + 1] - x0;
        s0 += d0;
        s1 += d1;
        q0 += d0 * d0;
        q1 += d1 * d1;
      }
      if (i < to) {
        const d = x[i] - x0;
        s0 += d;
        q0 += d * d;
      }
      sums[(block * p + j) * 2] = s0 + s1;
      sums[(block * p + j) * 2 + 1] = q0 + q1;
    }
  }
}

/** columnScaling's decision from the columns' momentBlocks over all their blocks. */
export function scalingFromBlocks(columns: readonly Float64Array[], intercept: number, sums: Float64Array): ColumnScaling {
  const p = columns.length;
  const blocks = sums.length / (2 * p);
  const means = new Float64Array(p).fill(NaN);
  const variances = new Float64Array(p).fill(NaN);
  for (let j = 0; j < p; j++) {
    const n = columns[j].length;
    if (j === intercept || n === 0) continue;
    let s = 0;
    let q = 0;
    for (let block = 0; block < blocks; block++) {
      s += sums[(block * p + j) * 2];
      q += sums[(block * p + j) * 2 + 1];
    }
    const shift = s / n;
    means[j] = columns[j][0] + shift;
    variances[j] = Math.max(q - n * shift * shift, 0) / n;
  }
  return scalingFromMoments(means, variances, intercept);
}

/**
 * The same decision from each column's mean and population variance (NaN: leave the column as
 * it is), for callers that get the moments elsewhere, e.g. from a database's AVG and VAR_POP.
 */
export function scalingFromMoments(means: ArrayLike<number>, variances: ArrayLike<number>, intercept: number): ColumnScaling {
  const p = means.length;
  const center = new Float64Array(p);
  const scale = new Float64Array(p).fill(1);
  let active = false;
  for (let j = 0; j < p; j++) {
    if (j === intercept) continue;
    const mean = means[j];
    const variance = variances[j];
    const sd = Math.sqrt(variance);
    if (!Number.isFinite(sd) || !Number.isFinite(mean)) continue; // non-finite inputs are reported elsewhere
    const offset = intercept >= 0 ? Math.abs(mean) : 0;
    const spread = intercept >= 0 ? sd : Math.sqrt(variance + mean * mean); // without centring: root mean square
    if (spread === 0) continue; // constant (or zero) column: the aliasing check names it as it is
    if (offset <= MAX_OFFSET_RATIO * spread && spread >= MIN_SPREAD && spread <= MAX_SPREAD) continue;
    if (intercept >= 0) center[j] = mean;
    scale[j] = spread;
    active = true;
  }
  return { center, scale, intercept, active };
}

/** The transformed columns (made by `allocate`); untouched columns are shared, not copied. */
export function scaledColumns(columns: readonly Float64Array[], scaling: ColumnScaling, allocate: ColumnAllocator = (n) => new Float64Array(n)): Float64Array[] {
  return columns.map((x, j) => {
    const m = scaling.center[j];
    const s = scaling.scale[j];
    if (m === 0 && s === 1) return x;
    const z = allocate(x.length);
    const inv = 1 / s;
    for (let i = 0; i < x.length; i++) z[i] = (x[i] - m) * inv;
    return z;
  });
}

/** β (original columns) → γ (transformed columns): γⱼ = βⱼ·sⱼ, γ₀ = β₀ + Σ βⱼ·mⱼ. */
export function toScaled(beta: ArrayLike<number>, scaling: ColumnScaling): Float64Array {
  const p = beta.length;
  const gamma = new Float64Array(p);
  for (let j = 0; j < p; j++) gamma[j] = beta[j] * scaling.scale[j];
  if (scaling.intercept >= 0) for (let j = 0; j < p; j++) gamma[scaling.intercept] += beta[j] * scaling.center[j];
  return gamma;
}

/** γ → β: βⱼ = γⱼ/sⱼ, β₀ = γ₀ − Σ γⱼ·mⱼ/sⱼ (the map T). */
export function toOriginal(gamma: ArrayLike<number>, scaling: ColumnScaling): Float64Array {
  const p = gamma.length;
  const beta = new Float64Array(p);
  for (let j = 0; j < p; j++) beta[j] = gamma[j] / scaling.scale[j];
  if (scaling.intercept >= 0) for (let j = 0; j < p; j++) if (j !== scaling.intercept) beta[scaling.intercept] -= beta[j] * scaling.center[j];
  return beta;
}

/** Cov(β) = T·Cov(γ)·Tᵀ, p×p row-major. */
export function covarianceToOriginal(cov: Float64Array, scaling: ColumnScaling): Float64Array {
  const p = scaling.scale.length;
  // T as a dense matrix: small (p ≤ a few hundred), and exact.
  const t = new Float64Array(p * p);
  for (let j = 0; j < p; j++) t[j * p + j] = 1 / scaling.scale[j];
  const k = scaling.intercept;
  if (k >= 0) for (let j = 0; j < p; j++) if (j !== k) t[k * p + j] = -scaling.center[j] / scaling.scale[j];
  const tc = new Float64Array(p * p);
  for (let i = 0; i < p; i++)
    for (let l = 0; l < p; l++) {
      const a = t[i * p + l];
      if (a === 0) continue;
      for (let j = 0; j < p; j++) tc[i * p + j] += a * cov[l * p + j];
    }
  const out = new Float64Array(p * p);
  for (let i = 0; i < p; i++)
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let l = 0; l < p; l++) s += tc[i * p + l] * t[j * p + l];
      out[i * p + j] = s;
    }
  // Exact symmetry, as the untransformed inverse has.
  for (let i = 0; i < p; i++) for (let j = 0; j < i; j++) out[j * p + i] = out[i * p + j];
  return out;
}

/**
 * A design's columns conditioned for Newton, the options to fit them with (the start in their
 * terms) and the map of such a fit back to the original columns' terms: the one conditioning of
 * every in-memory fit, whichever thread answers the Newton steps. Transformed columns are made by
 * `allocate` (scaledColumns); `scaling` is columnScaling's, given when summed elsewhere.
 *
 * @example
 * const design = conditionedDesign([Float64Array.of(1, 1, 1), Float64Array.of(1e5 - 1, 1e5, 1e5 + 1)], { interceptColumn: 0 });
 * design.columns[1]; // centred and scaled: [−1.22…, 0, 1.22…]
 */
export function conditionedDesign(
  columns: readonly Float64Array[],
  options: NewtonOptions,
  allocate?: ColumnAllocator,
  scaling: ColumnScaling = columnScaling(columns, options.interceptColumn ?? -1),
): { columns: readonly Float64Array[]; options: NewtonOptions; toOriginal(fit: NewtonFit): NewtonFit } {
  if (!scaling.active) return { columns, options, toOriginal: (fit) => fit };
  const start = options.start ? toScaled(options.start, scaling) : undefined;
  return { columns: scaledColumns(columns, scaling, allocate), options: { ...options, start }, toOriginal: (fit) => fitToOriginal(fit, scaling) };
}

/**
 * newtonLogit on conditioned columns, with every result in the original columns' terms. The
 * aliasing check then judges the design by its shape, not its units: a centred column that is
 * constant depends on the intercept, which the report says.
 */
export function newtonLogitConditioned(columns: readonly Float64Array[], y: Float64Array, options: NewtonOptions = {}): NewtonFit {
  const design = conditionedDesign(columns, options);
  return design.toOriginal(newtonLogit(design.columns, y, design.options));
}

/**
 * A fit on conditioned columns in the original columns' terms (estimates, covariance, last step,
 * aliasing report); used by the in-memory and the in-database fit alike.
 *
 * @example
 * const scaling = scalingFromMoments([0, 1e5], [0, 1], 0); // column 1: x = 10⁵ + z
 * const fitted = { coefficients: Float64Array.from([2, 3]), covariance: new Float64Array(4).fill(NaN), logLikelihood: -1, iterations: 3,
 *   status: 'converged' as const, lastStep: new Float64Array(2), perfectlyFitted: 0, extremeFitted: 0, aliased: [], information: new Float64Array(4) };
 * fitToOriginal(fitted, scaling).coefficients; // [2 − 3·10⁵, 3]
 */
export function fitToOriginal(fit: NewtonFit, scaling: ColumnScaling): NewtonFit {
  if (!scaling.active) return fit;
  const p = scaling.scale.length;
  const information = new Float64Array(p * p).fill(NaN); // not mapped back: only the fit itself reads it
  if (fit.status === 'aliased') return { ...fit, aliased: aliasedInOriginalTerms(fit, scaling), information };
  if (fit.aliased.length === 0) {
    const covariance = fit.covariance.some(Number.isNaN) ? fit.covariance : covarianceToOriginal(fit.covariance, scaling);
    return { ...fit, coefficients: toOriginal(fit.coefficients, scaling), covariance, lastStep: toOriginal(fit.lastStep, scaling), information };
  }
  // Aliased columns (NaN) take no part in the map: their coefficients are zero in the fit, so the
  // intercept absorbs no centre of theirs, and their covariance rows are zero there; both are NaN
  // again after the map.
  const out = new Set(fit.aliased.map((a) => a.column));
  const zeroed = (v: number) => (Number.isNaN(v) ? 0 : v);
  const coefficients = toOriginal(fit.coefficients.map(zeroed), scaling);
  const singular = fit.covariance.some((v, at) => Number.isNaN(v) && !out.has(Math.floor(at / p)) && !out.has(at % p));
  const covariance = singular ? fit.covariance : covarianceToOriginal(fit.covariance.map(zeroed), scaling);
  for (const j of out) {
    coefficients[j] = NaN;
    for (let i = 0; i < p; i++) {
      covariance[j * p + i] = NaN;
      covariance[i * p + j] = NaN;
    }
  }
  return { ...fit, coefficients, covariance, lastStep: toOriginal(fit.lastStep, scaling), information, aliased: aliasedInOriginalTerms(fit, scaling) };
}

/** A centred column aliased in the fit depends on the intercept too in the original terms, which the report says. */
function aliasedInOriginalTerms(fit: NewtonFit, scaling: ColumnScaling) {
  const intercept = scaling.intercept;
  return fit.aliased.map((a) => ({
    column: a.column,
    dependsOn: scaling.center[a.column] !== 0 && intercept >= 0 && !a.dependsOn.includes(intercept) ? [intercept, ...a.dependsOn] : a.dependsOn,
  }));
}
