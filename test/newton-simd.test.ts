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
import { kernelExps, newtonSimd, newtonSimdModule, releaseNewtonSimd } from '../kernel-lib/src/model/newtonSimd';

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

/** a·b + c rounded once (exact in BigInt; Number(bigint) rounds to nearest even), for normal a, b, c and result. */
function fma(a: number, b: number, c: number): number {
  const parts = (v: number): [bigint, number] => {
    const bitsOf = new BigUint64Array(Float64Array.of(v).buffer)[0];
    const mantissa = (bitsOf & 0xfffffffffffffn) | 0x10000000000000n;
    return [bitsOf >> 63n ? -mantissa : mantissa, Number((bitsOf >> 52n) & 0x7ffn) - 1075];
  };
  if (a === 0 || b === 0 || c === 0) return a * b + c;
  const [ma, ea] = parts(a);
  const [mb, eb] = parts(b);
  const [mc, ec] = parts(c);
  const e = Math.min(ea + eb, ec);
  const sum = ma * mb * (1n << BigInt(ea + eb - e)) + mc * (1n << BigInt(ec - e));
  return Number(sum) * 2 ** Math.trunc(e / 2) * 2 ** (e - Math.trunc(e / 2));
}

/** a·b + c rounded twice, as a compiler that does not fuse them computes it. */
const unfused = (a: number, b: number, c: number) => a * b + c;

/**
 * fdlibm's e^x (x ≤ 0) with its multiply-adds computed by `madd`: with `fma`, as a compiler that
 * fuses a·b + c within an expression builds it (GCC's default, and clang's, where the target has
 * fused multiply-add, as ARM64 has): k's rounding, x − k·ln2hi and the polynomial's five steps
 * each rounded once. With `unfused` it is V8's Math.exp on x64 (the test below checks that first).
 */
function fdlibmExp(x: number, madd = fma): number {
  const high = Number(new BigUint64Array(Float64Array.of(x).buffer)[0] >> 32n) & 0x7fffffff;
  if (x < -745.1332191019411) return 0;
  const [ln2Hi, ln2Lo] = [0.6931471803691238, 1.9082149292705877e-10];
  const P = [0.16666666666666602, -0.0027777777777015593, 0.00006613756321437934, -0.0000016533902205465252, 4.1381367970572385e-8];
  let [hi, lo, k, r] = [x, 0, 0, x];
  if (high > 0x3fd62e42) {
    if (high < 0x3ff0a2b2) [hi, lo, k] = [x + ln2Hi, -ln2Lo, -1];
    else {
      k = Math.trunc(madd(Math.LOG2E, x, -0.5));
      [hi, lo] = [madd(-k, ln2Hi, x), k * ln2Lo];
    }
    r = hi - lo;
  } else if (high < 0x3e300000) return 1 + x;
  const t = r * r;
  const c = madd(-t, madd(t, madd(t, madd(t, madd(t, P[4], P[3]), P[2]), P[1]), P[0]), r);
  if (k === 0) return 1 - ((r * c) / (c - 2) - r);
  const y = 1 - (lo - (r * c) / (2 - c) - hi);
  return k >= -1021 ? y * 2 ** k : y * 2 ** (k + 1000) * 2 ** -1000;
}

// The suite below is skipped where the kernel is off, and fitLogitParallel then runs the scalar
// loop, slower but right: on x64 (V8's Math.exp is fdlibm unfused there) that would be a fault.
it.runIf(process.arch === 'x64')('on x64 the kernel is on: WebAssembly SIMD compiles and Math.exp is its e^x', () => {
  expect(simd).not.toBeNull();
});

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

  it('e^−|x| of the kernel is Math.exp(−|x|) to the bit: 300,000 arguments from 10⁻¹² to 800, the edges of its reduction, ±0, ±∞, NaN', () => {
    const edges = [
      0,
      -0,
      Infinity,
      -Infinity,
      Number.NaN,
      2 ** -28,
      2 ** -28 * (1 - 2 ** -52),
      1.5 * 2 ** -28,
      0.34657359027997264,
      0.3465735912322998,
      1.0397186279296875,
      1.0397207708399179,
    ];
    const more = [708.3964185322641, 708.4, 709.782712893384, 745.1332191019411, 745.1332191019412, 745.14, 1e300, Number.MIN_VALUE, 5e-324];
    const random = Array.from({ length: 300_000 }, () => draw() * 10 ** (draw() * 15 - 12));
    const values = Float64Array.from([...edges, ...more, ...random]);
    const expected = Float64Array.from(values, (v) => Math.exp(-Math.abs(v)));
    expect(bits(kernelExps(values) ?? new Float64Array(0))).toEqual(bits(expected));
  });

  it("an engine whose Math.exp is fdlibm's built with fused multiply-adds (ARM64) gets no kernel: the threads' sums stay the scalar loop's", () => {
    const original = Math.exp;
    const spread = Array.from({ length: 20_000 }, () => -draw() * 746);
    expect(spread.every((x) => Object.is(fdlibmExp(x, unfused), original(x)))).toBe(true);
    // About 1 argument in 3,500 rounds differently fused: 12,000 rows of |η| < 3 meet several, and
    // in blocks of one row each shows in its block's sums.
    const { columns, y } = design(12_000, 1, -1, 3);
    releaseNewtonSimd();
    Math.exp = (x: number) => fdlibmExp(x);
    try {
      compare(columns, y, -1, Float64Array.of(1), 1);
      expect(newtonSimd(2)).toBeNull();
    } finally {
      Math.exp = original;
      releaseNewtonSimd();
    }
    expect(newtonSimd(2)).not.toBeNull();
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
