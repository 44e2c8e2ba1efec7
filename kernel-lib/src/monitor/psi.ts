import { CbmError, check, describeValue } from '../errors';
import { checkOptionSchema } from '../options';
import { quantileSorted } from '../quantile';

/** Options of `psi`: explicit cut points, or the number of quantile bins of `expected` (default 10). */
export type PsiOptions = { breaks: readonly number[]; bins?: never; floor?: number } | { bins?: number; breaks?: never; floor?: number };

/** What {@link psi} returns: the index and each bin's (or level's) shares and contribution. */
export interface PsiResult {
  /** Σ (a_i − e_i)·ln(a_i/e_i) over the bins (or levels), shares floored at `floor`. */
  psi: number;
  /** One row per bin (numeric: upper edge; text: level). */
  bins: { bin: string; expectedShare: number; actualShare: number; contribution: number }[];
}

/** Shares below this are raised to it before the logarithm (an empty bin would give ∞). */
export const PSI_SHARE_FLOOR = 1e-4;

/**
 * Population stability index between an expected (reference, e.g. the previous load) and an
 * actual distribution: PSI = Σ_i (a_i − e_i)·ln(a_i / e_i), where e_i, a_i are the shares of
 * bin i. Numbers are binned on intervals (−∞, b₁], (b₁, b₂], …, (b_k, ∞); by default b are the
 * deciles of `expected` (R's quantile type 7, duplicates dropped), or pass `breaks`. Top edge: a
 * decile equal to the largest value is not a break (its interval above would be empty by
 * construction), so the top bin is (b_k, ∞) and holds the largest values. When `expected` has
 * fewer than two distinct values its deciles give no break at all (one bin, PSI 0 whatever
 * `actual` holds), so the deciles of the pooled sample (expected and actual together) are used:
 * a constant reference against a shifted sample reports the shift. Text values
 * are binned by level (the union of both samples' levels). Missing values (null, NaN) are left out;
 * a share of 0 is floored at 1e-4 so that a vanished or new bin gives a large, finite PSI.
 * Rule of thumb: < 0.1 stable, 0.1–0.25 some shift, > 0.25 shifted.
 *
 * @example
 * psi([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).psi // 0
 */
export function psi(expected: ArrayLike<unknown>, actual: ArrayLike<unknown>, options: PsiOptions = {}): PsiResult {
  const context = 'psi';
  checkOptionSchema(options, context, {
    breaks: { kind: 'list', example: '[0, 0.2, 0.5, 1]' },
    bins: { kind: 'number', integer: true, min: 2 },
    floor: { kind: 'number', min: 0, max: 1, exclusive: 'both', example: '1e-4' },
  });
  check(!(options.breaks !== undefined && options.bins !== undefined), `${context}: give either options.breaks or options.bins, not both`);
  const floor = options.floor ?? PSI_SHARE_FLOOR;
  check(isArrayLike(expected), `${context}: expected must be an array`);
  check(isArrayLike(actual), `${context}: actual must be an array`);
  const textual = isText(expected) || isText(actual);
  let labels: string[];
  let e: Float64Array;
  let a: Float64Array;
  if (textual) {
    const ec = levelCounts(expected, 'expected', context);
    const ac = levelCounts(actual, 'actual', context);
    labels = [...new Set([...ec.keys(), ...ac.keys()])].sort();
    e = Float64Array.from(labels, (l) => ec.get(l) ?? 0);
    a = Float64Array.from(labels, (l) => ac.get(l) ?? 0);
  } else {
    const ex = presentNumbers(expected, 'expected', context);
    const ax = presentNumbers(actual, 'actual', context);
    let breaks: number[];
    if (options.breaks !== undefined) {
      check(
        options.breaks.every((b) => typeof b === 'number' && Number.isFinite(b)),
        `${context}: breaks must be finite numbers`,
      );
      breaks = [...options.breaks];
      for (let i = 1; i < breaks.length; i++) check(breaks[i] > breaks[i - 1], `${context}: breaks must be strictly increasing`);
    } else {
      const bins = options.bins ?? 10;
      if (ex.length === 0) throw new CbmError('BAD_INPUT', `${context}: expected has no non-missing values to take quantile bins from`);
      breaks = quantileBreaks(ex, bins);
      if (breaks.length === 0 && ax.length > 0) {
        const pooled = new Float64Array(ex.length + ax.length);
        pooled.set(ex);
        pooled.set(ax, ex.length);
        breaks = quantileBreaks(pooled, bins);
      }
    }
    e = binCounts(ex, breaks);
    a = binCounts(ax, breaks);
    labels = [...breaks.map((b) => `≤ ${b}`), breaks.length ? `> ${breaks[breaks.length - 1]}` : 'all'];
  }
  const eTotal = e.reduce((s, v) => s + v, 0);
  const aTotal = a.reduce((s, v) => s + v, 0);
  if (eTotal === 0) throw new CbmError('BAD_INPUT', `${context}: expected has no non-missing values`);
  if (aTotal === 0) throw new CbmError('BAD_INPUT', `${context}: actual has no non-missing values`);
  let total = 0;
  const rows: PsiResult['bins'] = [];
  for (let i = 0; i < labels.length; i++) {
    const es = Math.max(e[i] / eTotal, floor);
    const as = Math.max(a[i] / aTotal, floor);
    const contribution = (as - es) * Math.log(as / es);
    total += contribution;
    rows.push({ bin: labels[i], expectedShare: e[i] / eTotal, actualShare: a[i] / aTotal, contribution });
  }
  return { psi: total, bins: rows };
}

function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as ArrayLike<unknown>).length === 'number';
}

function isText(values: ArrayLike<unknown>): boolean {
  if (ArrayBuffer.isView(values)) return false;
  for (let i = 0; i < values.length; i++) if (typeof values[i] === 'string') return true;
  return false;
}

export function levelCounts(values: ArrayLike<unknown>, name: string, context: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) continue;
    check(typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean', `${context}: ${name}[${i}] is ${typeof v}, not a level`);
    const key = String(v);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** The numbers of `values` with missing ones (null, undefined, NaN) left out; text or ±Infinity is an error naming the index. */
export function presentNumbers(values: ArrayLike<unknown>, name: string, context: string): Float64Array {
  check(values !== null && typeof values === 'object' && typeof values.length === 'number', `${context}: ${name} must be an array of numbers`);
  const out = new Float64Array(values.length);
  let k = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) continue;
    if (typeof v !== 'number') throw new CbmError('BAD_INPUT', `${context}: ${name}[${i}] is ${describeValue(v)}, not a number`);
    if (!Number.isFinite(v)) throw new CbmError('NON_FINITE', `${context}: ${name}[${i}] is ${v}; remove infinite values first`);
    out[k++] = v;
  }
  return out.subarray(0, k);
}

function quantileBreaks(values: Float64Array, bins: number): number[] {
  const sorted = Float64Array.from(values).sort();
  const out: number[] = [];
  for (let i = 1; i < bins; i++) {
    const q = quantileSorted(sorted, i / bins);
    if (out.length === 0 || q > out[out.length - 1]) out.push(q);
  }
  // The top break equal to the maximum would leave the last bin empty by construction.
  if (out.length && out[out.length - 1] >= sorted[sorted.length - 1]) out.pop();
  return out;
}

/** Counts per interval (−∞, b₁], (b₁, b₂], …, (b_k, ∞) by binary search. */
function binCounts(values: Float64Array, breaks: readonly number[]): Float64Array {
  const counts = new Float64Array(breaks.length + 1);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    let lo = 0;
    let hi = breaks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (v <= breaks[mid]) hi = mid;
      else lo = mid + 1;
    }
    counts[lo]++;
  }
  return counts;
}
