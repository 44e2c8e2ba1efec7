/**
 * The Monte Carlo kernel's draws are pinned: every fast path of `simulateRange` must give
 * bit-identical totals and churner counts to two references kept here –
 *  1. the kernel as first published (float thresholds ⌈p·2³¹⌉ against the 31-bit draw, copied
 *     unchanged), whose numbers the notebooks, the Excel workbook's cached values and the fixtures
 *     carry;
 *  2. a plain loop over `fillUniform`'s uniforms u (xoshiro128** output / 2³²), customer i
 *     churning when u < ⌈pᵢ·2³¹⌉ / 2³¹, the losses added in customer order.
 * Probabilities include the edges of the 31-bit grid (0, 2⁻³², 2⁻³¹, ½ ± 2⁻³², 1 − 2⁻³², 1), and
 * ranges start and end anywhere (odd counts, lengths not a multiple of any lane width). Each
 * check runs twice: with the WebAssembly SIMD kernel (Node has it: the test fails if it is missing)
 * and with the scalar loop that browsers without SIMD fall back to.
 * Last, the integer limit ⌈p·2³¹⌉ − 1 is checked against the float rule u < p it replaces: the number
 * of churning draws against exact rational arithmetic (BigInt) for edge and random p, and both
 * kernels on probabilities placed exactly at, and one double either side of, their own draws.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareSimulation, simulateRange, simulateRevenue } from '../kernel-lib/src/simulate/revenue';
import { simdKernel, useSimdKernel } from '../kernel-lib/src/simulate/revenueSimd';
import { fillUniform, streamKey, streamState, type StreamKey } from '../kernel-lib/src/simulate/streams';

interface Customers {
  p: number[];
  retained: number[];
  churned: number[];
}

/** Reference 1: the published kernel (two interleaved streams, float thresholds), unchanged but for names. */
function publishedRange(c: Customers, key: StreamKey, from: number, to: number): { totals: Float64Array; churners: Uint32Array } {
  const n = c.p.length;
  const thresholds = new Float64Array(n);
  const loss = new Float64Array(n);
  let retainedTotal = 0;
  for (let i = 0; i < n; i++) {
    thresholds[i] = Math.ceil(c.p[i] * 2147483648);
    loss[i] = c.retained[i] - c.churned[i];
    retainedTotal += c.retained[i];
  }
  const totals = new Float64Array(to - from);
  const churners = new Uint32Array(to - from);
  const a = new Int32Array(4);
  const b = new Int32Array(4);
  let s = from;
  for (; s + 1 < to; s += 2) {
    streamState(key, s, a);
    streamState(key, s + 1, b);
    let [a0, a1, a2, a3] = a;
    let [b0, b1, b2, b3] = b;
    let lostA = 0;
    let countA = 0;
    let lostB = 0;
    let countB = 0;
    for (let i = 0; i < n; i++) {
      const threshold = thresholds[i];
      const value = loss[i];
      const ma = Math.imul(a1, 5);
      const ra = Math.imul((ma << 7) | (ma >>> 25), 9) >>> 1;
      const ta = a1 << 9;
      a2 ^= a0;
      a3 ^= a1;
      a1 ^= a2;
      a0 ^= a3;
      a2 ^= ta;
      a3 = (a3 << 11) | (a3 >>> 21);
      const mb = Math.imul(b1, 5);
      const rb = Math.imul((mb << 7) | (mb >>> 25), 9) >>> 1;
      const tb = b1 << 9;
      b2 ^= b0;
      b3 ^= b1;
      b1 ^= b2;
      b0 ^= b3;
      b2 ^= tb;
      b3 = (b3 << 11) | (b3 >>> 21);
      const churnedA = (ra - threshold) >>> 31;
      const churnedB = (rb - threshold) >>> 31;
      lostA += value * churnedA;
      countA += churnedA;
      lostB += value * churnedB;
      countB += churnedB;
    }
    totals[s - from] = retainedTotal - lostA;
    churners[s - from] = countA;
    totals[s + 1 - from] = retainedTotal - lostB;
    churners[s + 1 - from] = countB;
  }
  for (; s < to; s++) {
    streamState(key, s, a);
    let [a0, a1, a2, a3] = a;
    let lost = 0;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const ma = Math.imul(a1, 5);
      const ra = Math.imul((ma << 7) | (ma >>> 25), 9) >>> 1;
      const ta = a1 << 9;
      a2 ^= a0;
      a3 ^= a1;
      a1 ^= a2;
      a0 ^= a3;
      a2 ^= ta;
      a3 = (a3 << 11) | (a3 >>> 21);
      const churned = (ra - thresholds[i]) >>> 31;
      lost += loss[i] * churned;
      count += churned;
    }
    totals[s - from] = retainedTotal - lost;
    churners[s - from] = count;
  }
  return { totals, churners };
}

/** Reference 2: the definition, one simulation at a time from the stream's uniforms. */
function definitionRange(c: Customers, key: StreamKey, from: number, to: number): { totals: Float64Array; churners: Uint32Array } {
  const n = c.p.length;
  const u = new Float64Array(n);
  let retainedTotal = 0;
  for (let i = 0; i < n; i++) retainedTotal += c.retained[i];
  const totals = new Float64Array(to - from);
  const churners = new Uint32Array(to - from);
  for (let s = from; s < to; s++) {
    fillUniform(key, s, u);
    let lost = 0;
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (u[i] < Math.ceil(c.p[i] * 2 ** 31) / 2 ** 31) {
        lost += c.retained[i] - c.churned[i];
        count++;
      }
    }
    totals[s - from] = retainedTotal - lost;
    churners[s - from] = count;
  }
  return { totals, churners };
}

function kernelRange(c: Customers, seed: number | string, from: number, to: number) {
  // The range is the kernel's business, not the spec's: simulateRange runs any simulation indices.
  const prepared = prepareSimulation({ churnProbabilities: c.p, revenueIfRetained: c.retained, revenueIfChurned: c.churned, simulations: 1, seed });
  const totals = new Float64Array(to - from);
  const churners = new Uint32Array(to - from);
  simulateRange(prepared, from, to, totals, churners);
  return { totals, churners };
}

/** Same bits, -0 and +0 told apart (toEqual would not). */
function expectIdentical(actual: { totals: Float64Array; churners: Uint32Array }, expected: { totals: Float64Array; churners: Uint32Array }) {
  expect(actual.churners).toEqual(expected.churners);
  expect(new Uint32Array(actual.totals.buffer, actual.totals.byteOffset, actual.totals.length * 2)).toEqual(
    new Uint32Array(expected.totals.buffer, expected.totals.byteOffset, expected.totals.length * 2),
  );
}

const EDGES = [0, 2 ** -32, 2 ** -31, 3 * 2 ** -32, 0.5 - 2 ** -32, 0.5, 0.5 + 2 ** -32, 1 - 2 ** -31, 1 - 2 ** -32, 1 - 2 ** -53, 1, 0.3, 0.7];

function edgeCustomers(n: number): Customers {
  return {
    p: Array.from({ length: n }, (_, i) => EDGES[i % EDGES.length]),
    retained: Array.from({ length: n }, (_, i) => 100 + ((i * 53) % 900) + 0.1 * i),
    // Some customers bring more when they churn (a negative loss), some exactly the same (a zero loss).
    churned: Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 2000 : i % 7 === 0 ? 100 + ((i * 53) % 900) + 0.1 * i : (i * 31) % 50)),
  };
}

describe.each([
  ['WebAssembly SIMD', true],
  ['scalar', false],
])('simulateRange (%s kernel) gives the published draws bit for bit', (_, simd) => {
  beforeAll(() => useSimdKernel(simd));
  afterAll(() => useSimdKernel(true));

  it('runs the kernel it names', () => {
    expect(simdKernel() !== null).toBe(simd);
  });

  it('on the edges of the 31-bit grid, over ranges starting and ending anywhere', () => {
    for (const n of [1, 2, 3, 13, 64, 257]) {
      const customers = edgeCustomers(n);
      const key = streamKey('edges');
      for (const [from, to] of [
        [0, 1],
        [0, 2],
        [0, 37],
        [5, 6],
        [3, 40],
        [1, 130],
        [4096, 4196],
      ]) {
        const published = publishedRange(customers, key, from, to);
        expectIdentical(definitionRange(customers, key, from, to), published);
        expectIdentical(kernelRange(customers, 'edges', from, to), published);
      }
    }
  });

  it('for random customers, seeds and ranges (fast-check, seed 22)', () => {
    const customer = fc.record({
      p: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(...EDGES)),
      retained: fc.double({ min: 0, max: 1e6, noNaN: true }),
      churned: fc.double({ min: 0, max: 1e6, noNaN: true }),
    });
    fc.assert(
      fc.property(
        fc.array(customer, { minLength: 1, maxLength: 80 }),
        fc.oneof(fc.integer(), fc.string({ minLength: 1, maxLength: 8 })),
        fc.nat(2 ** 40),
        fc.integer({ min: 1, max: 40 }),
        (rows, seed, from, count) => {
          const customers = { p: rows.map((r) => r.p), retained: rows.map((r) => r.retained), churned: rows.map((r) => r.churned) };
          const key = streamKey(seed);
          expectIdentical(kernelRange(customers, seed, from, from + count), publishedRange(customers, key, from, from + count));
        },
      ),
      { seed: 22, numRuns: 300 },
    );
  });

  it('simulateRevenue over blocks equals the published kernel over the whole run', () => {
    const customers = edgeCustomers(301);
    const spec = { churnProbabilities: customers.p, revenueIfRetained: customers.retained, revenueIfChurned: customers.churned, simulations: 1003, seed: 9 };
    const published = publishedRange(customers, streamKey(9), 0, 1003);
    for (const blockSize of [1, 3, 4, 8, 250, 1003]) expectIdentical(simulateRevenue({ ...spec, blockSize }), published);
  });
});

// ---- the integer limit against the float comparison it replaces

/** The double next to x towards +∞ (up) or −∞ (down), for 0 ≤ x ≤ 1, from its bits. */
function adjacent(x: number, direction: 1 | -1): number {
  if (x === 0) return direction > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigUint64(0, view.getBigUint64(0) + BigInt(direction));
  return view.getFloat64(0);
}

/**
 * How many 31-bit draws k ∈ [0, 2³¹) satisfy k·2⁻³¹ < p, in exact rational arithmetic on p's bits
 * (BigInt; no double rounding, no Math.ceil): p·2³¹ = mantissa·2^(exponent + 31), and k < y counts
 * min(⌈y⌉, 2³¹) integers.
 */
function exactChurningDraws(p: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, p);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const shift = (biased === 0 ? -1074 : biased - 1075) + 31;
  const count = shift >= 0 ? mantissa << BigInt(shift) : (mantissa + (1n << BigInt(-shift)) - 1n) >> BigInt(-shift);
  return count < 1n << 31n ? count : 1n << 31n;
}

/** Edges of the 31- and 32-bit grids and of the double format, each with its neighbours. */
function boundaryProbabilities(): number[] {
  const grid = [1, 2, 3, 5, 2 ** 20 + 1, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 2 ** 32 - 5, 2 ** 32 - 3, 2 ** 32 - 2, 2 ** 32 - 1].map((k) => k / 2 ** 32);
  const exact = [0, 2 ** -1022, 1e-300, 2 ** -40, 2 ** -33, 0.1, 1 / 3, 0.3, 0.7, 1 - 3 * 2 ** -32, 1 - 2 ** -53, 1, ...grid];
  const near = exact.flatMap((p) => [p, ...(p > 0 ? [adjacent(p, -1)] : []), ...(p < 1 ? [adjacent(p, 1)] : [])]);
  return [...near, Number.MIN_VALUE, -0];
}

describe('the integer churn limit decides as u < p for every draw', () => {
  it('counts the same churning 31-bit draws as exact rational arithmetic, at the grid edges and for random p (fast-check, seed 22)', () => {
    // Both rules churn on a down-set of k (k ≤ limit; k·2⁻³¹ < p), so they agree on every draw
    // exactly when they churn on the same number of draws.
    const check = (p: number) => {
      const [limit] = prepareSimulation({ churnProbabilities: [p], revenues: [1], simulations: 1, seed: 1 }).churnLimits;
      expect(BigInt(limit + 1), `p = ${p}`).toBe(exactChurningDraws(p));
      // The float rule itself, in doubles, switches at the same draw (no rounding enters u < p).
      const churning = Number(exactChurningDraws(p));
      if (churning > 0) expect((churning - 1) / 2 ** 31 < p, `p = ${p}`).toBe(true);
      if (churning < 2 ** 31) expect(churning / 2 ** 31 < p, `p = ${p}`).toBe(false);
    };
    for (const p of boundaryProbabilities()) check(p);
    fc.assert(fc.property(fc.double({ min: 0, max: 1, noNaN: true }), check), { seed: 22, numRuns: 2000 });
  });

  describe.each([
    ['WebAssembly SIMD', true],
    ['scalar', false],
  ])('on the stream’s own draws, probabilities placed at each draw’s edge (%s kernel)', (_, simd) => {
    beforeAll(() => useSimdKernel(simd));
    afterAll(() => useSimdKernel(true));

    it('churns exactly the customers with u < p, every simulation', () => {
      const simulations = 19; // two 8-lane SIMD passes and a scalar remainder
      const n = 48; // revenues 2⁰ … 2⁴⁷: every total names its churners exactly
      const key = streamKey('boundary');
      const draws = Array.from({ length: simulations }, (_, s) => {
        const u = new Float64Array(n);
        fillUniform(key, s, u);
        return Array.from(u, (x) => (x * 2 ** 32) >>> 1); // the 31-bit draw k
      });
      // Customer i sits on the edge of simulation (i mod 19)'s draw k, u = k·2⁻³¹: at u exactly
      // and a double below (stays), a double above, the next 31-bit value and half-way on the
      // 32-bit grid (churns), half a 32-bit step below (stays); the first five are the extremes.
      const placements: [(k: number) => number, boolean][] = [
        [(k) => k / 2 ** 31, false],
        [(k) => adjacent(k / 2 ** 31, -1), false],
        [(k) => adjacent(k / 2 ** 31, 1), true],
        [(k) => (k + 1) / 2 ** 31, true],
        [(k) => (2 * k + 1) / 2 ** 32, true],
        [(k) => (2 * k - 1) / 2 ** 32, false],
      ];
      const fixed = [0, Number.MIN_VALUE, 1 - 2 ** -31, 1 - 2 ** -53, 1];
      const p = Array.from({ length: n }, (_, i) => (i < fixed.length ? fixed[i] : placements[i % placements.length][0](draws[i % simulations][i])));
      const revenues = Array.from({ length: n }, (_, i) => 2 ** i);
      const prepared = prepareSimulation({ churnProbabilities: p, revenues, simulations, seed: 'boundary' });
      const totals = new Float64Array(simulations);
      const churners = new Uint32Array(simulations);
      simulateRange(prepared, 0, simulations, totals, churners);
      const all = 2 ** n - 1;
      const churned = (s: number, i: number) => Math.floor((all - totals[s]) / 2 ** i) % 2 === 1;
      for (let s = 0; s < simulations; s++) {
        let lost = 0;
        let count = 0;
        for (let i = 0; i < n; i++) {
          if (draws[s][i] / 2 ** 31 < p[i]) {
            lost += 2 ** i;
            count++;
          }
        }
        expect(all - totals[s], `simulation ${s}: the churners' revenues`).toBe(lost);
        expect(churners[s]).toBe(count);
      }
      for (let i = fixed.length; i < n; i++) expect(churned(i % simulations, i), `customer ${i} on its draw's edge`).toBe(placements[i % placements.length][1]);
    });
  });
});
