import { CbmError, check, describeValue } from '../errors';
import { checkOptionSchema } from '../options';

/** The most customers churnerDistribution takes on the probability scale (its cost grows with n²). */
export const MAX_EXACT_CUSTOMERS = 100_000;

/**
 * The log scale's limit: each update costs an exp and a log1p, about twenty plain updates, so the
 * plain limit's 5·10⁹ updates would take minutes; 25,000 customers are 3·10⁸.
 */
const MAX_EXACT_LOG_CUSTOMERS = 25_000;

/** Most probabilities probabilityVector copies: 2²⁸ doubles are 2 GiB. */
const MAX_PROBABILITIES = 2 ** 28;

/** Checks and copies churn probabilities: an array of numbers in [0, 1]. */
export function probabilityVector(probabilities: unknown, context: string, name = 'churnProbabilities'): Float64Array {
  check(
    Array.isArray(probabilities) || ArrayBuffer.isView(probabilities),
    `${context}: ${name} must be an array of probabilities, got ${probabilities === null ? 'null' : typeof probabilities}`,
  );
  const values = probabilities as ArrayLike<unknown>;
  // A sparse array may claim 2³² − 1 entries; its copy would fail to allocate with a RangeError.
  if (values.length > MAX_PROBABILITIES)
    throw new CbmError('TOO_LARGE', `${context}: ${name} has ${values.length} values, more than ${MAX_PROBABILITIES} (2 GiB as doubles)`, { length: values.length });
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new CbmError(
        'NON_FINITE',
        `${context}: ${name}[${i}] is ${typeof v === 'number' ? String(v) : v === null || v === undefined ? 'missing' : `not a number (${describeValue(v)})`}; every customer needs a churn probability`,
        { index: i },
      );
    }
    check(v >= 0 && v <= 1, `${context}: ${name}[${i}] = ${v} is outside [0, 1]`, { index: i, value: v });
    out[i] = v;
  }
  return out;
}

/**
 * The exact distribution of the number of churners among independent customers with churn
 * probabilities p₁ … pₙ (the Poisson-binomial distribution), by the recursion
 *
 *   after customer i:  P(k) ← P(k)·(1 − pᵢ) + P(k − 1)·pᵢ,   starting from P(0) = 1.
 *
 * Every update is a convex combination of non-negative numbers: no subtraction, so no
 * cancellation. Each entry, however far in the tail, carries a relative rounding error of at
 * most about 2n·2⁻⁵³ (n = 10,000: ≈ 2e-12 relative) until it underflows below ~1e-308, where it
 * becomes 0. Cost n(n+1)/2 multiply-adds and n + 1 doubles: 10,000 customers (5·10⁷ multiply-adds)
 * take about 0.1–0.2 s on the 2-core bench machine, 100,000 a hundred times that; beyond 100,000 it refuses (TOO_LARGE) – a normal or
 * saddle-point approximation is the tool there.
 *
 * With `{ log: true }` it returns log P(k) instead, by the same recursion on the log scale
 * (log P(k) ← logaddexp(log P(k) + log(1 − pᵢ), log P(k − 1) + log pᵢ)): far tails that underflow to 0
 * on the probability scale (P(all 2,000 of 2,000 churn) at p = 0.01 is 10⁻⁴⁰⁰⁰) keep their value;
 * an impossible count is −Infinity. It costs a log1p and an exp per update, about twenty times the plain form,
 * so it refuses more than 25,000 customers (TOO_LARGE).
 *
 * @example
 * const p = [0.66, 0.41, 0.51, 0.49, 0.69, 0.67, 0.76, 0.43, 0.57, 0.41];
 * const distribution = churnerDistribution(p); // length 11, sums to 1
 * churnerTail(p, 8); // P(8 or more churn) = 0.1031857049…
 * churnerDistribution(new Array(2000).fill(0.01), { log: true })[2000]; // 2000·ln 0.01 ≈ −9210.3 (0 on the plain scale)
 */
export function churnerDistribution(probabilities: ArrayLike<number>, options: { log?: boolean } = {}): Float64Array {
  checkOptionSchema(options, 'churnerDistribution', { log: { kind: 'boolean' } });
  // The size is checked before the probabilities are copied: a sparse array of length 2³² − 1 would
  // fail the copy's allocation with a RangeError.
  const given = (probabilities as { length?: unknown } | null)?.length;
  const n = typeof given === 'number' ? given : 0;
  if (n > MAX_EXACT_CUSTOMERS)
    throw new CbmError(
      'TOO_LARGE',
      `churnerDistribution: ${n} customers exceed the exact recursion's limit of ${MAX_EXACT_CUSTOMERS} (cost grows with n²); split the base into segments or approximate`,
      { customers: n },
    );
  const p = probabilityVector(probabilities, 'churnerDistribution');
  if (options?.log) {
    if (n > MAX_EXACT_LOG_CUSTOMERS)
      throw new CbmError(
        'TOO_LARGE',
        `churnerDistribution: ${n} customers exceed the log-scale recursion's limit of ${MAX_EXACT_LOG_CUSTOMERS} (an exp and a log1p per update, n²/2 updates); split the base into segments or approximate`,
        { customers: n },
      );
    return logChurnerDistribution(p);
  }
  const d = new Float64Array(n + 1);
  d[0] = 1;
  for (let i = 0; i < n; i++) {
    const pi = p[i];
    const qi = 1 - pi;
    // Upwards, carrying the old d[k − 1] in a register: one load per entry instead of two
    // (1.5× faster than the textbook downward loop, and bit for bit the same numbers).
    let previous = d[0];
    d[0] = previous * qi;
    for (let k = 1; k <= i + 1; k++) {
      const old = d[k];
      d[k] = old * qi + previous * pi;
      previous = old;
    }
  }
  return d;
}

/** log(eᵃ + eᵇ) without overflow or underflow; −∞ stands for probability 0. */
function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** churnerDistribution's recursion on the log scale. */
function logChurnerDistribution(p: Float64Array): Float64Array {
  const n = p.length;
  const d = new Float64Array(n + 1).fill(-Infinity);
  d[0] = 0;
  for (let i = 0; i < n; i++) {
    const logP = Math.log(p[i]);
    const logQ = Math.log1p(-p[i]);
    for (let k = i + 1; k >= 1; k--) d[k] = logAddExp(d[k] + logQ, d[k - 1] + logP);
    d[0] += logQ;
  }
  return d;
}

/**
 * P(at most `m` successes) for independent Bernoulli(q) trials, summing only the entries 0 … m:
 * entries above m never feed back into lower ones, so truncating the recursion there is exact.
 */
function lowerTail(q: Float64Array, m: number): number {
  if (m < 0) return 0;
  const n = q.length;
  if (m >= n) return 1;
  const d = new Float64Array(m + 1);
  d[0] = 1;
  for (let i = 0; i < n; i++) {
    const qi = q[i];
    const ri = 1 - qi;
    let previous = d[0];
    d[0] = previous * ri;
    const top = Math.min(i + 1, m);
    for (let k = 1; k <= top; k++) {
      const old = d[k];
      d[k] = old * ri + previous * qi;
      previous = old;
    }
  }
  let sum = 0;
  for (let k = 0; k <= m; k++) sum += d[k];
  return sum;
}

/**
 * P(number of churners ≥ k), exactly, by the same recursion. It sums the small side directly
 * (P(churners ≥ k) as P(stayers ≤ n − k)) instead of 1 − P(churners < k), so a tail of 1e-12
 * keeps its relative accuracy; cost n·min(k, n − k + 1).
 */
export function churnerTail(probabilities: ArrayLike<number>, k: number): number {
  const p = probabilityVector(probabilities, 'churnerTail');
  check(typeof k === 'number' && Number.isInteger(k), `churnerTail: k must be a whole number of churners, got ${describeValue(k)}`);
  return tailOf(p, k);
}

/** @internal churnerTail on checked probabilities. */
export function tailOf(p: Float64Array, k: number): number {
  const n = p.length;
  if (k <= 0) return 1;
  if (k > n) return 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += p[i];
  if (k > mean) {
    const stay = Float64Array.from(p, (x) => 1 - x);
    return lowerTail(stay, n - k);
  }
  return 1 - lowerTail(p, k - 1);
}

/**
 * @internal P(churners ≥ k) for the optimiser's repeated evaluations: the same recursion over
 * the small side, but entries below `floor` at either end of the window are dropped (the
 * distribution is log-concave, so the negligible entries are the two ends). Each
 * dropped entry would have passed at most its own mass on, so the absolute error is at most
 * 2n·floor; the optimiser sets floor far below the probability it compares against.
 */
export function tailPruned(p: Float64Array, k: number, floor: number): number {
  const n = p.length;
  if (k <= 0) return 1;
  if (k > n) return 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += p[i];
  const small = k > mean; // then P(≥ k) = P(stayers ≤ n − k), a small lower tail
  const m = small ? n - k : k - 1;
  const d = new Float64Array(m + 1);
  d[0] = 1;
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < n; i++) {
    const qi = small ? 1 - p[i] : p[i];
    const ri = 1 - qi;
    const top = Math.min(hi + 1, m);
    if (top > hi) d[top] = 0;
    let previous = d[lo];
    d[lo] = previous * ri;
    for (let j = lo + 1; j <= top; j++) {
      const old = d[j];
      d[j] = old * ri + previous * qi;
      previous = old;
    }
    hi = top;
    while (lo < hi && d[lo] < floor) {
      d[lo] = 0;
      lo++;
    }
    while (hi > lo && d[hi] < floor) {
      d[hi] = 0;
      hi--;
    }
  }
  let sum = 0;
  for (let j = lo; j <= hi; j++) sum += d[j];
  return small ? sum : 1 - sum;
}
