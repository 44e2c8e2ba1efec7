/**
 * quantileSorted (kernel-lib/src/quantile.ts), the one type-7 quantile behind simulateRevenue's
 * percentiles and psi's quantile bins, against R 4.2.2's `quantile(type = 7)` and a closed form.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quantileSorted } from '../kernel-lib/src/quantile';

// R interpolates as (1 − γ)x[j] + γx[j+1], quantileSorted as x[j] + γ(x[j+1] − x[j]): the two
// may differ in the last bit (−5.0750000000000002 in R, −5.0749999999999993 here).
const close = (got: number, want: number) => expect(Math.abs(got - want)).toBeLessThanOrEqual(4 * Number.EPSILON * Math.max(1, Math.abs(want)));

describe('quantileSorted: R type 7', () => {
  it('equals R on ten values with a tie, at the ends and between values', () => {
    // Rscript -e 'options(digits = 17); x <- c(3.2, -1.5, 7, 7, 0.25, 12.5, 4, -8, 2.75, 9.125);
    //   print(unname(quantile(x, c(0, 0.05, 0.1, 0.25, 1/3, 0.5, 2/3, 0.75, 0.9, 0.95, 1), type = 7)))'
    const sorted = Float64Array.from([3.2, -1.5, 7, 7, 0.25, 12.5, 4, -8, 2.75, 9.125]).sort();
    const ps = [0, 0.05, 0.1, 0.25, 1 / 3, 0.5, 2 / 3, 0.75, 0.9, 0.95, 1];
    const r = [-8, -5.0750000000000002, -2.1500000000000004, 0.875, 2.75, 3.6000000000000001, 7, 7, 9.4624999999999986, 10.981249999999996, 12.5];
    ps.forEach((p, k) => close(quantileSorted(sorted, p), r[k]));
  });

  it('equals R on one value and on two', () => {
    // Rscript -e 'options(digits = 17); print(unname(quantile(42.5, c(0, 0.3, 1), type = 7)));
    //   print(unname(quantile(c(1, 2), c(0.05, 0.5, 0.95), type = 7)))'
    for (const p of [0, 0.3, 1]) expect(quantileSorted(Float64Array.of(42.5), p)).toBe(42.5);
    [1.05, 1.5, 1.95].forEach((want, k) => close(quantileSorted(Float64Array.of(1, 2), [0.05, 0.5, 0.95][k]), want));
  });

  it('at p = i/(n − 1) it is the i-th value (n − 1 a power of 2, so p and (n − 1)p are exact)', () => {
    const sizes = fc.integer({ min: 0, max: 5 }).map((k) => 2 ** k + 1);
    fc.assert(
      fc.property(
        sizes.chain((n) => fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: n, maxLength: n })),
        (values) => {
          const sorted = Float64Array.from(values).sort();
          const n = sorted.length;
          // === rather than toBe (Object.is): −0 + 0·(0 − −0) is +0, the same number.
          for (let i = 0; i < n; i++) expect(quantileSorted(sorted, i / (n - 1)) === sorted[i]).toBe(true);
        },
      ),
      { seed: 7 },
    );
  });
});
