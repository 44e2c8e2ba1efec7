/**
 * churnerDistribution on the log scale. References: closed forms — with equal probabilities the
 * count is binomial, log P(k) = log C(n, k) + k·log p + (n − k)·log(1 − p) (log C summed term by term
 * here); with any probabilities P(all churn) = Π pᵢ and P(none) = Π (1 − pᵢ); and the plain-scale
 * recursion wherever it has not underflowed.
 */
import { describe, expect, it } from 'vitest';
import { churnerDistribution } from '../kernel-lib/src/index';
import { codeOf } from './helpers/errors';

describe('churnerDistribution({ log: true })', () => {
  it('keeps the far tail of a binomial that the plain scale underflows to 0 (closed form)', () => {
    const n = 2000;
    const p = 0.01;
    const log = churnerDistribution(new Array(n).fill(p), { log: true });
    const plain = churnerDistribution(new Array(n).fill(p));
    expect(plain[n]).toBe(0); // 10^−4000 underflows
    let logChoose = 0;
    for (let k = 0; k <= n; k++) {
      if (k > 0) logChoose += Math.log((n - k + 1) / k);
      const exact = logChoose + k * Math.log(p) + (n - k) * Math.log1p(-p);
      expect(Math.abs(log[k] - exact), `k = ${k}`).toBeLessThanOrEqual(1e-10 * Math.abs(exact));
    }
  });

  it('all and none churning are Σ log pᵢ and Σ log(1 − pᵢ); the rest agrees with the plain scale where that is representable', () => {
    const p = Array.from({ length: 300 }, (_, i) => 0.02 + (0.9 * ((i * 37) % 101)) / 101);
    const log = churnerDistribution(p, { log: true });
    const plain = churnerDistribution(p);
    const all = p.reduce((s, x) => s + Math.log(x), 0);
    const none = p.reduce((s, x) => s + Math.log1p(-x), 0);
    expect(Math.abs(log[p.length] - all)).toBeLessThan(1e-10 * Math.abs(all));
    expect(Math.abs(log[0] - none)).toBeLessThan(1e-10 * Math.abs(none));
    plain.forEach((v, k) => {
      if (v > 1e-290) expect(Math.abs(Math.exp(log[k]) - v), `k = ${k}`).toBeLessThan(1e-9 * v);
    });
  });

  it('an impossible count is −Infinity; bad options are refused', () => {
    expect(Array.from(churnerDistribution([0, 1, 0.5], { log: true }))).toEqual([-Infinity, Math.log(0.5), Math.log(0.5), -Infinity]);
    expect(codeOf(() => churnerDistribution([0.5], { log: 1 as never }))).toBe('BAD_INPUT');
    expect(codeOf(() => churnerDistribution([0.5], { logs: true } as never))).toBe('BAD_INPUT');
  });

  it('refuses more customers than the log-scale recursion finishes in seconds (TOO_LARGE; 100,000 took minutes)', () => {
    expect(codeOf(() => churnerDistribution(new Array(25_001).fill(0.1), { log: true }))).toBe('TOO_LARGE');
  });

  it('a sparse array of length 2³² − 1 is TOO_LARGE before anything is copied (the copy threw a RangeError)', () => {
    const huge = new Array(2 ** 32 - 1);
    expect(codeOf(() => churnerDistribution(huge, { log: true }))).toBe('TOO_LARGE');
    expect(codeOf(() => churnerDistribution(huge))).toBe('TOO_LARGE');
  });
});
