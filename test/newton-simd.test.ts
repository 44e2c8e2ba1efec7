/**
 * The Newton sums on WebAssembly SIMD (kernel-lib/src/model/newtonSimd.ts), which fitLogitParallel's
 * threads use, against irls.ts's scalar `evaluate` (fitLogit's): the same log-likelihood, gradient,
 * Hessian and counts of rows fitted at 0 or 1, to the bit, for any number of rows (odd, short
 * chunks, batches of the log), columns, intercept position, zero coefficients and linear predictors
 * from 0 to past e^x's underflow. Reference: the property itself (the scalar path is checked
 * against R by the fit tests), and e^x against V8's Math.exp over its reduction's boundaries.
 */
import { describe, expect, it } from 'vitest';
import { seededUniform } from '../kernel-lib/src/index';
import { blockCount, blockSumsLength, evaluateBlocks, evaluateClaimedBlocks } from '../kernel-lib/src/model/irls';
import type { NewtonRequest } from '../kernel-lib/src/model/newton';
import { newtonSimd, newtonSimdModule } from '../kernel-lib/src/model/newtonSimd';

const simd = newtonSimd(1);
const draw = seededUniform(20261207);

/** Each number of the block sums as its bits, so that −0, NaN and the last bit all count. */
const bits = (sums: Float64Array) => Array.from(new BigUint64Array(Float64Array.from(sums).buffer), (b) => b.toString(16));

function compare(columns: Float64Array[], y: Float64Array, onesColumn: number, beta: Float64Array, blockRows: number) {
  const n = y.length;
  const p = columns.length;
  for (const need of ['hessian', 'gradient', 'likelihood'] as const) {
    const request: NewtonRequest = { beta, need };
    const scalar = new Float64Array(blockSumsLength(n, p, blockRows));
    evaluateBlocks(columns, y, request, onesColumn, 0, blockCount(n, blockRows), scalar, null, blockRows);
    const vector = new Float64Array(blockSumsLength(n, p, blockRows));
    evaluateClaimedBlocks(columns, y, request, onesColumn, new Int32Array(1), vector, null, blockRows, newtonSimd(p));
    expect(bits(vector), `${need}, n ${n}, p ${p}, ones ${onesColumn}`).toEqual(bits(scalar));
  }
}

/** Columns x ~ U(−scale, scale), one of ones at `onesColumn`, y ~ Bernoulli(½). */
function design(n: number, p: number, onesColumn: number, scale: number) {
  const columns = Array.from({ length: p }, (_, j) => (j === onesColumn ? new Float64Array(n).fill(1) : Float64Array.from({ length: n }, () => (draw() * 2 - 1) * scale)));
  const y = Float64Array.from({ length: n }, () => (draw() < 0.5 ? 1 : 0));
  return { columns, y };
}

describe.skipIf(simd === null)('Newton sums on WebAssembly SIMD', () => {
  it('the module validates', () => {
    expect(WebAssembly.validate(new Uint8Array(newtonSimdModule()))).toBe(true);
  });

  it('a design whose chunk the memory cannot grow to (an engine limit, 4 pages) gets no kernel, not a RangeError; smaller ones still do', async () => {
    const v8 = await import('node:v8');
    v8.setFlagsFromString('--wasm-max-mem-pages=4');
    try {
      // p + 4 chunks of 2,048 doubles (the columns, y, η, residuals, a weighted column): 704 KB for 40 columns, 224 KB for 10.
      expect(newtonSimd(40)).toBeNull();
      expect(newtonSimd(10)).toBe(simd);
    } finally {
      v8.setFlagsFromString('--wasm-max-mem-pages=4294967295');
    }
    expect(newtonSimd(40)).toBe(simd);
  });

  it('rows in every remainder of pairs, fours, chunks of 2,048 and log batches of 512: the scalar sums to the bit', () => {
    for (const n of [1, 2, 3, 4, 5, 6, 7, 511, 512, 513, 1023, 2047, 2048, 2049, 2050, 4095, 4097, 5001]) {
      const { columns, y } = design(n, 4, 0, 2);
      compare(columns, y, 0, Float64Array.of(0.3, -1.1, 0.7, 0.05), 4096);
    }
  });

  it('one to nine columns, the intercept anywhere or nowhere, some coefficients zero (skipped by η), blocks of 65,536', () => {
    for (let p = 1; p <= 9; p++) {
      for (const onesColumn of [-1, 0, p - 1]) {
        const { columns, y } = design(70_001, p, onesColumn, 1.5);
        const beta = Float64Array.from({ length: p }, (_, j) => (j % 3 === 2 ? 0 : draw() * 2 - 1));
        compare(columns, y, onesColumn, beta, 65_536);
      }
    }
  });

  it('linear predictors far out (rows fitted at 0 or 1, e^x subnormal and underflowing) and at zero', () => {
    const { columns, y } = design(9_999, 3, 0, 1);
    for (const scale of [0, 1e-12, 1e-8, 30, 700, 750, 2000]) {
      const beta = Float64Array.of(scale / 3, scale, -scale / 2);
      compare(columns, y, 0, beta, 4096);
    }
  });

  it('e^x of the kernel is Math.exp on the edges of its argument reduction, the tiny and the subnormal range', () => {
    // A one-column design at β = 1 puts each x in η; the block's log-likelihood is a sum of
    // log(1 + e^−|η|), so a single row checks one exp: compare row by row.
    const edges = [
      0,
      -0,
      2 ** -28,
      2 ** -28 * (1 - 2 ** -52),
      1.5 * 2 ** -28,
      3 * 2 ** -28,
      0.34657359027997264,
      0.3465735912322998,
      0.34657359123229975,
      1.0397186279296875,
      1.0397207708399179,
      708.39,
      708.4,
      709.78,
      745.13,
      745.1332191019411,
      745.14,
      1e300,
    ];
    for (const v of edges) {
      for (const sign of [1, -1]) {
        const x = Float64Array.of(sign * v);
        compare([x], Float64Array.of(1), -1, Float64Array.of(1), 4096);
      }
    }
    const many = Float64Array.from({ length: 20_000 }, (_, i) => (i % 2 ? -1 : 1) * draw() * 10 ** (draw() * 13 - 10));
    compare(
      [many],
      Float64Array.from(many, (_, i) => (i % 3) & 1),
      -1,
      Float64Array.of(1),
      4096,
    );
  });
});
