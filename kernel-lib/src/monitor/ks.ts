import { CbmError } from '../errors';
import { checkOptionSchema } from '../options';
import { logGamma } from '../model/distributions';
import { presentNumbers } from './psi';

/** Most lattice points (n_a·n_b) of an exact p-value: about a second of work. */
const MAX_EXACT_PATHS = 1e8;
/** Most values per sample: 2²⁸ doubles are 2 GiB. */
const MAX_SAMPLE = 2 ** 28;

/** The result of a two-sample Kolmogorov–Smirnov test, with the method R would print. */
export interface KsTestResult {
  /**
   * D = max |F_a(t) − F_b(t)| over the pooled sample points (ties: evaluated after each tied run);
   * for alternative 'greater' D⁺ = max(F_a − F_b), for 'less' D⁻ = max(F_b − F_a), as R.
   */
  statistic: number;
  alternative: KsAlternative;
  pValue: number;
  /** 'exact' when n_a·n_b < 10000 (R's default), else 'asymptotic'. */
  method: 'exact' | 'asymptotic';
  nA: number;
  nB: number;
  /** True when the pooled sample has tied values (R then warns that the asymptotic p is approximate). */
  ties: boolean;
  /** R's warnings: 'p-value will be approximate in the presence of ties' for an asymptotic p with ties. */
  warnings: string[];
}

/** R's `alternative`: 'less' — the CDF of a lies below that of b (a tends larger); 'greater' — above. */
export type KsAlternative = 'two.sided' | 'less' | 'greater';

/** Options of {@link ksTest}: exact or asymptotic p-value, and R's `alternative`. */
export interface KsTestOptions {
  /** Force the exact (true) or asymptotic (false) p-value; default as R: exact when n_a·n_b < 10000. */
  exact?: boolean;
  /** R's `alternative` (default 'two.sided'). */
  alternative?: KsAlternative;
}

/**
 * Two-sample Kolmogorov–Smirnov test of H0: `a` and `b` come from the same distribution, as R's
 * `ks.test(a, b)` (R ≥ 4.2, two-sided): missing values (null, NaN) are dropped first.
 *
 * Statistic: D = max_t |F_a(t) − F_b(t)| with both empirical CDFs evaluated only at the end of
 * each run of tied pooled values, so ties never inflate D (R's rule).
 * p-value: exact when n_a·n_b < 10000 — R's `psmirnov` lattice-path count, which conditions on
 * the observed ties — otherwise the asymptotic Kolmogorov distribution
 * 1 − K(√(n_a n_b/(n_a+n_b))·D), computed as R's C routine `pkstwo` with tolerance 1e-6.
 * One-sided (`alternative` 'greater' or 'less', R's wording: the CDF of a lies above or below that of
 * b): D⁺ or D⁻, exact p by the same path count with the signed distance, asymptotic p = exp(−2nD²),
 * n = n_a n_b/(n_a + n_b), as R's `psmirnov(two.sided = FALSE)`.
 * `{ exact: true }` beyond 10⁸ lattice points (n_a·n_b) is refused as TOO_LARGE.
 * Ties with an asymptotic p-value add R's warning to `warnings` (the exact p conditions on them).
 * Method: both samples are sorted (Float64Array sort, O(n log n)); one merge pass finds D.
 *
 * @example
 * ksTest([0.61, 0.29, 0.06, 0.59, -1.73], [2.2, 1.5, 0.3, 1.9, 2.6]).statistic // 0.8
 * ksTest([0.61, 0.29, 0.06, 0.59, -1.73], [2.2, 1.5, 0.3, 1.9, 2.6], { alternative: 'greater' }).pValue // small: a's CDF lies above b's
 */
export function ksTest(a: ArrayLike<number | null | undefined>, b: ArrayLike<number | null | undefined>, options: KsTestOptions = {}): KsTestResult {
  const context = 'ksTest';
  checkOptionSchema(options, context, { exact: { kind: 'boolean' }, alternative: { kind: 'oneOf', values: ['two.sided', 'less', 'greater'] } });
  const alternative = options?.alternative ?? 'two.sided';
  // Checked before the values are copied: a sparse array of length 2³² − 1 would fail the copy's allocation.
  for (const [name, values] of [['a', a] as const, ['b', b] as const]) {
    const length = (values as { length?: unknown } | null)?.length;
    if (typeof length === 'number' && length > MAX_SAMPLE)
      throw new CbmError('TOO_LARGE', `${context}: ${name} has ${length} values, more than ${MAX_SAMPLE} (${(MAX_SAMPLE * 8) / 2 ** 30} GiB as doubles); test a random sample`, {
        [name]: length,
      });
  }
  const x = presentSorted(a, 'a', context);
  const y = presentSorted(b, 'b', context);
  const nx = x.length;
  const ny = y.length;
  if (nx < 1) throw new CbmError('BAD_INPUT', `${context}: a has no non-missing values`);
  if (ny < 1) throw new CbmError('BAD_INPUT', `${context}: b has no non-missing values`);
  // Merge pass: D over the ends of tied runs.
  let i = 0;
  let j = 0;
  let d = 0;
  let above = 0; // max(F_a − F_b)
  let below = 0; // max(F_b − F_a)
  let ties = false;
  let previous = NaN;
  while (i < nx || j < ny) {
    const t = j >= ny || (i < nx && x[i] <= y[j]) ? x[i] : y[j];
    if (t === previous) ties = true;
    let runLength = 0;
    while (i < nx && x[i] === t) {
      i++;
      runLength++;
    }
    while (j < ny && y[j] === t) {
      j++;
      runLength++;
    }
    if (runLength > 1) ties = true;
    previous = t;
    const diff = i / nx - j / ny;
    if (diff > above) above = diff;
    if (-diff > below) below = -diff;
  }
  d = alternative === 'two.sided' ? Math.max(above, below) : alternative === 'greater' ? above : below;
  const exact = options?.exact ?? nx * ny < 10000;
  // The lattice-path count visits every (u, v) with u ≤ n_a, v ≤ n_b.
  if (exact && nx * ny > MAX_EXACT_PATHS)
    throw new CbmError(
      'TOO_LARGE',
      `${context}: the exact p-value for sizes ${nx} and ${ny} counts ${nx * ny} lattice points (limit ${MAX_EXACT_PATHS.toExponential()}); use { exact: false }`,
      {
        nA: nx,
        nB: ny,
      },
    );
  let pValue: number;
  if (exact) {
    pValue = 1 - exactSmirnovLower(d, nx, ny, exactTiesPattern(x, y), alternative === 'two.sided');
  } else {
    const n = (nx * ny) / (nx + ny);
    if (alternative !== 'two.sided') pValue = Math.exp(-2 * n * d * d);
    else pValue = d < Number.EPSILON ? 1 : 1 - kolmogorovLower(Math.sqrt(n) * d, 1e-6);
  }
  pValue = Math.min(1, Math.max(0, pValue));
  const warnings = ties && !exact ? ['p-value will be approximate in the presence of ties'] : [];
  return { statistic: d, alternative, pValue, method: exact ? 'exact' : 'asymptotic', nA: nx, nB: ny, ties, warnings };
}

function presentSorted(values: ArrayLike<number | null | undefined>, name: string, context: string): Float64Array {
  return presentNumbers(values, name, context).sort();
}

/** R's TIES vector for psmirnov: for each pooled sorted position, whether the next value differs (last: TRUE). */
function exactTiesPattern(x: Float64Array, y: Float64Array): Uint8Array {
  const pooled = new Float64Array(x.length + y.length);
  pooled.set(x);
  pooled.set(y, x.length);
  pooled.sort();
  const out = new Uint8Array(pooled.length);
  for (let k = 0; k < pooled.length - 1; k++) out[k] = pooled[k + 1] !== pooled[k] ? 1 : 0;
  out[pooled.length - 1] = 1;
  return out;
}

/**
 * P(D < q) under H0 by counting lattice paths (R's `psmirnov` with z = the pooled sample):
 * a path step may end at a boundary point only where the pooled values change, so ties are
 * conditioned on; one-sided, the distance u/n_x − v/n_y keeps its sign. The count is divided by C(N, n_x) at the end, as R does.
 */
function exactSmirnovLower(q: number, nx: number, ny: number, ties: Uint8Array, twoSided: boolean): number {
  const N = nx + ny;
  const stat = (0.5 + Math.floor(q * nx * ny - 1e-7)) / (nx * ny);
  // diag[u] holds the number of admissible paths reaching (u, k − u) after k steps.
  let diag = new Float64Array([1]);
  let uLow = 0; // smallest u on the current diagonal
  for (let k = 1; k <= N; k++) {
    const lo = Math.max(0, k - ny);
    const hi = Math.min(k, nx);
    const next = new Float64Array(hi - lo + 1);
    for (let u = lo; u <= hi; u++) {
      // paths from (u, k−1−u) [a y step] and (u−1, k−u) [an x step]
      const fromY = u - uLow >= 0 && u - uLow < diag.length ? diag[u - uLow] : 0;
      const fromX = u - 1 - uLow >= 0 && u - 1 - uLow < diag.length ? diag[u - 1 - uLow] : 0;
      let count = fromY + fromX;
      if (ties[k - 1]) {
        const signed = u / nx - (k - u) / ny;
        const dist = twoSided ? Math.abs(signed) : signed;
        if (!(stat > dist)) count = 0;
      }
      next[u - lo] = count;
    }
    diag = next;
    uLow = lo;
  }
  const logDenominator = logGamma(N + 1) - logGamma(nx + 1) - logGamma(ny + 1);
  const ret = diag[0];
  if (!Number.isFinite(ret)) throw new CbmError('TOO_LARGE', `ksTest: the exact p-value overflows for sizes ${nx} and ${ny}; use { exact: false }`);
  return ret / Math.exp(logDenominator);
}

/**
 * The Kolmogorov distribution K(x) = 1 − 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²x²}, as R's `pkstwo`
 * (lower tail): for x < 1 the Jacobi form √(2π)/x Σ_{k odd < k_max} e^{−k²π²/(8x²)} with
 * k_max = ⌊√(2 − ln tol)⌋, else the alternating series until successive sums differ by ≤ tol.
 */
export function kolmogorovLower(x: number, tol: number): number {
  if (x <= 0) return 0;
  const kMax = Math.floor(Math.sqrt(2 - Math.log(tol)));
  if (x < 1) {
    const z = -((Math.PI / 2) * (Math.PI / 4)) / (x * x);
    const w = Math.log(x);
    let s = 0;
    for (let k = 1; k < kMax; k += 2) s += Math.exp(k * k * z - w);
    return s * Math.sqrt(2 * Math.PI);
  }
  const z = -2 * x * x;
  let s = -1;
  let k = 1;
  let old = 0;
  let sum = 1;
  while (Math.abs(old - sum) > tol) {
    old = sum;
    sum += 2 * s * Math.exp(z * k * k);
    s *= -1;
    k++;
  }
  return sum;
}
