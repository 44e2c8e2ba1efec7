/**
 * The p-quantile of ascending `sorted` values by R's default rule (`quantile(type = 7)`, numpy's
 * default `linear`): with h = (n − 1)p, x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]). The one
 * implementation behind simulateRevenue's percentiles and psi's quantile bins. Internal: callers
 * pass n ≥ 1 sorted finite values and p in [0, 1], unchecked, since it runs inside their loops.
 * R writes the interpolation as (1 − γ)x[j] + γx[j+1], so the two may differ in the last bit.
 */
export function quantileSorted(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}
