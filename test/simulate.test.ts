/**
 * Monte Carlo revenue and the exact churner distribution, on the customer-base-management
 * article's ten customers (Ekne, "How to build a data-driven customer management system",
 * Towards Data Science 2024; ../shared/seeds/000_*.txt): average churn 0.56 and expected revenue
 * 13034.07 are the article's printed figures; P(8 or more churners) is checked against a
 * brute-force sum over all 2^10 outcomes computed here, independently of the recursion.
 */
import { describe, expect, it } from 'vitest';
import { churnerDistribution, churnerTail, simulateRevenue } from '../kernel-lib/src/index';
import { codeOf } from './helpers/errors';

const P = [0.66, 0.41, 0.51, 0.49, 0.69, 0.67, 0.76, 0.43, 0.57, 0.41];
const R = [1895, 1952, 3069, 3465, 1108, 3298, 1814, 3932, 3661, 3872];

/** Reference: the pmf by enumerating every churn/stay pattern of the ten customers. */
function bruteForcePmf(p: readonly number[]): number[] {
  const pmf = new Array(p.length + 1).fill(0);
  for (let mask = 0; mask < 1 << p.length; mask++) {
    let prob = 1;
    let k = 0;
    for (let i = 0; i < p.length; i++) {
      if (mask & (1 << i)) {
        prob *= p[i];
        k++;
      } else prob *= 1 - p[i];
    }
    pmf[k] += prob;
  }
  return pmf;
}

describe('the article’s ten customers', () => {
  const result = simulateRevenue({ churnProbabilities: P, revenues: R, simulations: 10_000, seed: 42 });

  it('average churn 0.56 and expected revenue 13034.07 (the article’s figures)', () => {
    expect(result.summary.averageChurnRate).toBeCloseTo(0.56, 12);
    expect(result.summary.expectedRevenue).toBeCloseTo(13034.07, 8);
    expect(result.summary.expectedChurners).toBeCloseTo(5.6, 12);
  });

  it('P(8 or more churners) = 0.1031857049 from the exact distribution, equal to the brute-force enumeration', () => {
    const brute = bruteForcePmf(P);
    const tail = brute[8] + brute[9] + brute[10];
    expect(tail).toBeCloseTo(0.1031857049, 10);
    expect(churnerTail(P, 8)).toBeCloseTo(tail, 15);
    const exact = churnerDistribution(P);
    expect(exact).toHaveLength(11);
    for (let k = 0; k <= 10; k++) expect(exact[k]).toBeCloseTo(brute[k], 15);
    expect(churnerTail(P, 0)).toBe(1);
    expect(churnerTail(P, 11)).toBe(0);
    expect(churnerTail(P, 3)).toBeCloseTo(1 - brute[0] - brute[1] - brute[2], 15);
  });

  it('the simulated mean is within 4 standard errors of the exact expectation, the sd near the exact sd', () => {
    const s = result.summary;
    expect(Math.abs(s.mean - 13034.07)).toBeLessThan(4 * s.standardError);
    // sd of a sample sd ≈ sd/√(2N) for near-normal totals; 6 of those is generous.
    expect(Math.abs(s.sd - s.exactSd)).toBeLessThan((6 * s.exactSd) / Math.sqrt(2 * 10_000));
  });

  it('churner frequencies are within binomial error of the exact distribution, the ≥ 8 tail included', () => {
    const exact = churnerDistribution(P);
    const n = 10_000;
    const share = new Array(11).fill(0);
    for (const row of result.summary.churnerHistogram) share[row.churners] = row.share;
    for (let k = 0; k <= 10; k++) expect(Math.abs(share[k] - exact[k])).toBeLessThanOrEqual(4 * Math.sqrt((exact[k] * (1 - exact[k])) / n) + 1e-12);
    const simulatedTail = share[8] + share[9] + share[10];
    expect(Math.abs(simulatedTail - 0.1031857049)).toBeLessThan(4 * Math.sqrt((0.1031857049 * 0.8968142951) / n));
  });

  it('summary statistics agree with the draws (quantiles R type 7, P(total < x), histograms)', () => {
    const sorted = Array.from(result.totals).sort((a, b) => a - b);
    const type7 = (q: number) => {
      const h = (sorted.length - 1) * q;
      const lo = Math.floor(h);
      return sorted[lo] + (h - lo) * (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]);
    };
    const { quantiles } = result.summary;
    expect([quantiles.p5, quantiles.p25, quantiles.p50, quantiles.p75, quantiles.p95]).toEqual([0.05, 0.25, 0.5, 0.75, 0.95].map(type7));
    for (const x of [0, 5000, 13034.07, 20000, 1e6]) expect(result.summary.probabilityBelow(x)).toBe(sorted.filter((t) => t < x).length / sorted.length);
    expect(result.summary.totalHistogram).toHaveLength(30);
    expect(result.summary.totalHistogram.reduce((a, b) => a + b.count, 0)).toBe(10_000);
    expect(result.summary.churnerHistogram.reduce((a, b) => a + b.count, 0)).toBe(10_000);
    // Every total is a sum of a subset of the revenues.
    expect(result.summary.min).toBeGreaterThanOrEqual(0);
    expect(result.summary.max).toBeLessThanOrEqual(R.reduce((a, b) => a + b, 0));
    // The summary is plain data: the function is not enumerable.
    expect(Object.keys(result.summary)).not.toContain('probabilityBelow');
  });
});

describe('churnerTail far in the tail', () => {
  it('matches the binomial closed form for equal probabilities to 1e-12 relative, down to 1e-40', () => {
    // Reference: P(X ≥ k) = Σ_{j ≥ k} C(n, j) pʲ (1 − p)ⁿ⁻ʲ for X ~ Binomial(200, 0.01), summed with exact
    // binomial coefficients from Pascal's triangle in BigInt and log-space powers.
    const n = 200;
    const p = 0.01;
    const row: bigint[] = [1n];
    for (let i = 1; i <= n; i++) {
      const next: bigint[] = [1n];
      for (let j = 1; j < i; j++) next.push(row[j - 1] + row[j]);
      next.push(1n);
      row.splice(0, row.length, ...next);
    }
    const closed = (k: number) => {
      let sum = 0;
      for (let j = n; j >= k; j--) sum += Math.exp(Math.log(Number(row[j])) + j * Math.log(p) + (n - j) * Math.log1p(-p));
      return sum;
    };
    const probabilities = new Array(n).fill(p);
    for (const k of [1, 3, 10, 20, 30]) {
      const expected = closed(k);
      expect(Math.abs(churnerTail(probabilities, k) - expected) / expected).toBeLessThan(1e-12);
    }
    expect(closed(30)).toBeLessThan(1e-20);
  });

  it('sums to 1 and handles probabilities 0 and 1', () => {
    const d = churnerDistribution([0, 1, 0.5]);
    expect(Array.from(d)).toEqual([0, 0.5, 0.5, 0]);
    expect(churnerDistribution([])).toEqual(new Float64Array([1]));
  });
});

describe('simulateRevenue: determinism and streaming', () => {
  const n = 300;
  const probabilities = Array.from({ length: n }, (_, i) => ((i * 37) % 100) / 100);
  const retained = Array.from({ length: n }, (_, i) => 100 + ((i * 53) % 900));
  const base = { churnProbabilities: probabilities, revenues: retained, simulations: 9000, seed: 'blocks' };
  const reference = simulateRevenue(base);

  it('gives identical draws and summaries whatever the block size', () => {
    for (const blockSize of [1, 7, 4096, 9000, 100_000]) {
      const other = simulateRevenue({ ...base, blockSize });
      expect(other.totals).toEqual(reference.totals);
      expect(other.churners).toEqual(reference.churners);
      expect(other.summary).toEqual(reference.summary);
    }
  });

  it('keepDraws: false returns the same mean, extremes and churner counts, quantiles within the grid resolution', () => {
    for (const blockSize of [13, 5000]) {
      const summary = simulateRevenue({ ...base, keepDraws: false, blockSize }).summary;
      expect(summary.method).toBe('grid');
      expect(summary.mean).toBeCloseTo(reference.summary.mean, 6);
      expect(summary.sd).toBeCloseTo(reference.summary.sd, 6);
      expect(summary.min).toBe(reference.summary.min);
      expect(summary.max).toBe(reference.summary.max);
      expect(summary.churnerHistogram).toEqual(reference.summary.churnerHistogram);
      const resolution = (16 * reference.summary.exactSd) / 65536;
      // Type 7 interpolates between neighbouring draws; the grid between cell edges: allow the gap between draws too.
      const gap = (reference.summary.max - reference.summary.min) / 9000;
      for (const q of ['p5', 'p25', 'p50', 'p75', 'p95'] as const) expect(Math.abs(summary.quantiles[q] - reference.summary.quantiles[q])).toBeLessThan(2 * resolution + 20 * gap);
      expect(Math.abs(summary.probabilityBelow(reference.summary.quantiles.p50) - 0.5)).toBeLessThan(0.01);
    }
  });

  it('changes with the seed and repeats with it', () => {
    expect(simulateRevenue({ ...base, seed: 'other' }).totals).not.toEqual(reference.totals);
    expect(simulateRevenue({ ...base }).totals).toEqual(reference.totals);
  });

  it('revenueIfRetained / revenueIfChurned: a churner brings revenueIfChurned', () => {
    const certain = simulateRevenue({ churnProbabilities: [1, 0, 1], revenueIfRetained: [10, 20, 30], revenueIfChurned: [1, 2, 3], simulations: 50, seed: 1 });
    expect(Array.from(new Set(certain.totals))).toEqual([1 + 20 + 3]);
    expect(Array.from(new Set(certain.churners))).toEqual([2]);
    const mixed = simulateRevenue({ churnProbabilities: [0.3, 0.6], revenueIfRetained: [100, 200], revenueIfChurned: [10, 50], simulations: 20_000, seed: 2 });
    // E = Σ rc + Σ (1 − p)(rr − rc) = 60 + 0.7·90 + 0.4·150
    expect(mixed.summary.expectedRevenue).toBeCloseTo(60 + 63 + 60, 10);
    expect(Math.abs(mixed.summary.mean - 183)).toBeLessThan(4 * mixed.summary.standardError);
  });
});

describe('simulateRevenue: bad input', () => {
  const ok = { churnProbabilities: P, revenues: R, simulations: 100, seed: 1 };
  it('each problem gets its specific CbmError, with the function named', () => {
    expect(codeOf(() => simulateRevenue({ ...ok, churnProbabilities: [...P.slice(1), 1.2] }))).toBe('BAD_INPUT');
    expect(codeOf(() => simulateRevenue({ ...ok, churnProbabilities: [...P.slice(1), -0.1] }))).toBe('BAD_INPUT');
    expect(codeOf(() => simulateRevenue({ ...ok, churnProbabilities: [...P.slice(1), NaN] }))).toBe('NON_FINITE');
    expect(codeOf(() => simulateRevenue({ ...ok, revenues: R.slice(1) }))).toBe('BAD_INPUT');
    expect(codeOf(() => simulateRevenue({ ...ok, revenues: [...R.slice(1), -5] }))).toBe('BAD_INPUT');
    expect(codeOf(() => simulateRevenue({ ...ok, revenueIfChurned: [...R.slice(1), -1] }))).toBe('BAD_INPUT');
    expect(codeOf(() => simulateRevenue({ ...ok, simulations: 0 }))).toBe('BAD_INPUT');
    expect(codeOf(() => simulateRevenue({ ...ok, simulations: 2.5 }))).toBe('BAD_INPUT');
    expect(codeOf(() => simulateRevenue({ ...ok, simulations: 1e9 }))).toBe('TOO_LARGE');
    expect(codeOf(() => simulateRevenue({ ...ok, simulations: 1e11, keepDraws: false }))).toBe('TOO_LARGE');
    expect(codeOf(() => simulateRevenue({ ...ok, seed: undefined as never }))).toBe('BAD_INPUT');
    expect(codeOf(() => simulateRevenue({ ...ok, sims: 5 } as never))).toBe('BAD_INPUT');
    expect(codeOf(() => simulateRevenue({ ...ok, revenueIfRetained: R }))).toBe('BAD_INPUT');
    // Issue 18: revenues of 1e308 (each finite, their sum not) gave NaN summaries; 1.7e308 for one customer Infinity ones.
    expect(codeOf(() => simulateRevenue({ ...ok, revenues: R.map(() => 1e308) }))).toBe('NON_FINITE');
    expect(codeOf(() => simulateRevenue({ ...ok, revenues: R.map(() => 1e308), keepDraws: false }))).toBe('NON_FINITE');
    expect(codeOf(() => simulateRevenue({ churnProbabilities: [0.1], revenues: [1.7e308], simulations: 10, seed: 1 }))).toBe('NON_FINITE');
    expect(codeOf(() => simulateRevenue({ churnProbabilities: [0.1], revenues: [1], revenueIfChurned: [1e200], simulations: 10, seed: 1 }))).toBe('NON_FINITE');
    // Large but representable revenues still simulate: every summary number finite, the mean 1e140 (the first customer always stays, the second always leaves).
    const large = simulateRevenue({ churnProbabilities: [0, 1], revenues: [1e140, 3e140], simulations: 100, seed: 1 }).summary;
    expect(Math.abs(large.mean / 1e140 - 1)).toBeLessThan(1e-14);
    expect(Object.values(large).filter((v) => typeof v === 'number' && !Number.isFinite(v))).toEqual([]);
    expect(codeOf(() => churnerDistribution([0.5, 2]))).toBe('BAD_INPUT');
    expect(codeOf(() => churnerTail(P, 2.5))).toBe('BAD_INPUT');
    expect(codeOf(() => churnerDistribution(new Float64Array(100_001)))).toBe('TOO_LARGE');
    expect(() => simulateRevenue({ ...ok, revenues: R.slice(1) })).toThrow(/^simulateRevenue: revenues has 9 values but churnProbabilities has 10/);
    expect(() => simulateRevenue({ ...ok, simulations: 1e9 })).toThrow(/^simulateRevenue: keeping/);
    expect(() => simulateRevenue({ ...ok, revenues: R.map(() => 1e308) })).toThrow(/^simulateRevenue: the revenues are too large for a double: .* state revenues in thousands/);
  });

  it('never mutates its input', () => {
    const p = [...P];
    const r = [...R];
    simulateRevenue({ churnProbabilities: p, revenues: r, simulations: 10, seed: 1 });
    expect(p).toEqual(P);
    expect(r).toEqual(R);
  });
});

describe('the optimiser’s pruned tail', () => {
  it('agrees with the exact tail to 1e-12 relative, in both tails', async () => {
    const { tailOf, tailPruned } = await import('../kernel-lib/src/simulate/churners');
    const n = 3000;
    const p = Float64Array.from({ length: n }, (_, i) => 0.02 + 0.5 * (((i * 7919) % 1000) / 1000));
    const mean = p.reduce((a, b) => a + b, 0);
    for (const k of [Math.round(mean) - 120, Math.round(mean) - 10, Math.round(mean), Math.round(mean) + 30, Math.round(mean) + 150]) {
      const exact = tailOf(p, k);
      const floor = (exact * 1e-25) / n;
      expect(Math.abs(tailPruned(p, k, floor) - exact) / exact).toBeLessThan(1e-12);
    }
  });
});
