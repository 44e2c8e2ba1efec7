import { instantiate, name, section, simd, sleb, uleb, vector, type WasmMemory } from '../wasmEncoder';
import { streamState, type StreamKey } from './streams';

/**
 * The Monte Carlo kernel of simulateRevenue on WebAssembly SIMD: eight simulations at once, four
 * per 128-bit vector, each lane stepping its own simulation's xoshiro128** stream, so the draws
 * are exactly the scalar kernel's. A lane's customer churns when its 31-bit draw is at most the
 * customer's integer limit ⌈pᵢ·2³¹⌉ − 1 (one signed compare, no float in the draw); the churners'
 * losses are added in customer order in IEEE double, lane by lane, as the scalar loop adds them,
 * so every total is bit-identical to `simulateRange`'s scalar path (test/simulate-kernel.test.ts).
 *
 * The module (under 2 KB) is assembled here from the instruction list below rather than shipped
 * as an opaque binary, and compiled synchronously once per thread; where WebAssembly or its SIMD
 * is missing (or refused by a content-security policy) `simdKernel()` is null and the scalar
 * path runs. Internal: reached only through simulateRange.
 */

/** @internal Simulations per call: two vectors of four lanes (the second hides the first's latency). */
export const SIMD_LANES = 8;
const GROUPS = SIMD_LANES / 4;
/** Byte layout of the module's memory: the lanes' states, then per group lost (2 × f64x2) and stays (i32x4). */
const STATE_BYTES = GROUPS * 4 * 16;
const OUTPUT_BYTES = GROUPS * 48;
/** The customers' limits (i32), then their losses (f64, 8-byte aligned), after the outputs. */
const CUSTOMERS_AT = STATE_BYTES + OUTPUT_BYTES;
/**
 * Customers per pass of the loop. Four steps between the loop's bookkeeping (and V8's spills of
 * the lanes it cannot keep in registers) took about 15 % less CPU time than one on the 2-core EPYC
 * bench machine (10,000 × 10,000, interleaved); eight took more. The customer list is padded to a
 * multiple with customers who never churn and lose +0 (see `run`).
 */
const CUSTOMERS_PER_PASS = 4;

// ---- the kernel's instructions (the encoder is shared: ../wasmEncoder)

const op = {
  get: (local: number) => [0x20, ...uleb(local)],
  set: (local: number) => [0x21, ...uleb(local)],
  i32: (value: number) => [0x41, ...sleb(value)],
  i32Add: [0x6a],
  i32Ne: [0x47],
  loop: [0x03, 0x40],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  end: [0x0b],
  // memarg: log2 alignment, offset.
  load: (offset: number) => simd(0x00, 4, ...uleb(offset)),
  store: (offset: number) => simd(0x0b, 4, ...uleb(offset)),
  load32Splat: (offset: number) => simd(0x09, 2, ...uleb(offset)),
  load64Splat: (offset: number) => simd(0x0a, 3, ...uleb(offset)),
  i32x4Splat: simd(0x11),
  shuffle: (lanes: number[]) => simd(0x0d, ...lanes),
  andNot: simd(0x4f),
  or: simd(0x50),
  xor: simd(0x51),
  i32x4GtS: simd(0x3b),
  i32x4Shl: simd(0xab),
  i32x4ShrU: simd(0xad),
  i32x4Add: simd(0xae),
  i32x4Mul: simd(0xb5),
  f64x2Add: simd(0xf0),
};

/** Byte lanes of i8x16.shuffle: words 0, 0, 1, 1 and 2, 2, 3, 3 of a mask (each lane's mask over 64 bits). */
const DOUBLE_LOW_WORDS = [0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 4, 5, 6, 7];
const DOUBLE_HIGH_WORDS = [8, 9, 10, 11, 8, 9, 10, 11, 12, 13, 14, 15, 12, 13, 14, 15];

/**
 * run(limitsAt, limitsEnd, lossAt): steps the lanes' streams (states at byte 0) over the
 * customers, limits (i32) from limitsAt to limitsEnd (a whole number of passes) and losses (f64)
 * from lossAt, and writes each group's lost revenue (two f64x2) and minus its number of stayers
 * (i32x4) after the states.
 */
function kernelBody(): number[] {
  const [limitsAt, limitsEnd, lossAt] = [0, 1, 2];
  let next = 3;
  const v128 = () => next++;
  const groups = Array.from({ length: GROUPS }, () => ({ s: [v128(), v128(), v128(), v128()], lostLow: v128(), lostHigh: v128(), stays: v128() }));
  const [limit, loss, m, r, t, stay, five, nine] = [v128(), v128(), v128(), v128(), v128(), v128(), v128(), v128()];
  const v128Locals = next - 3;
  const rotl = (local: number, k: number) => [...op.get(local), ...op.i32(k), ...op.i32x4Shl, ...op.get(local), ...op.i32(32 - k), ...op.i32x4ShrU, ...op.or];
  const xorInto = (target: number, other: number) => [...op.get(target), ...op.get(other), ...op.xor, ...op.set(target)];
  const code: number[] = [...op.i32(5), ...op.i32x4Splat, ...op.set(five), ...op.i32(9), ...op.i32x4Splat, ...op.set(nine)];
  groups.forEach((g, k) => g.s.forEach((word, w) => code.push(...op.i32(0), ...op.load((4 * k + w) * 16), ...op.set(word))));
  code.push(...op.loop);
  for (let step = 0; step < CUSTOMERS_PER_PASS; step++) {
    code.push(...op.get(limitsAt), ...op.load32Splat(4 * step), ...op.set(limit), ...op.get(lossAt), ...op.load64Splat(8 * step), ...op.set(loss));
    for (const g of groups) {
      const [s0, s1, s2, s3] = g.s;
      // xoshiro128**: r = rotl(s1·5, 7)·9; t = s1 << 9; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 11).
      code.push(...op.get(s1), ...op.get(five), ...op.i32x4Mul, ...op.set(m));
      code.push(...rotl(m, 7), ...op.get(nine), ...op.i32x4Mul, ...op.set(r));
      code.push(...op.get(s1), ...op.i32(9), ...op.i32x4Shl, ...op.set(t));
      code.push(...xorInto(s2, s0), ...xorInto(s3, s1), ...xorInto(s1, s2), ...xorInto(s0, s3), ...xorInto(s2, t));
      code.push(...rotl(s3, 11), ...op.set(s3));
      // stay = (r >>> 1) > limit, all ones in a lane whose customer stays.
      code.push(...op.get(r), ...op.i32(1), ...op.i32x4ShrU, ...op.get(limit), ...op.i32x4GtS, ...op.set(stay));
      code.push(...op.get(g.stays), ...op.get(stay), ...op.i32x4Add, ...op.set(g.stays));
      // lost += churned ? loss : +0, lanes 0–1 and 2–3: the mask's words doubled to 64 bits by one
      // shuffle each (V8 emits punpckldq / punpckhdq; sign-extending the high half took two).
      code.push(...op.get(g.lostLow), ...op.get(loss), ...op.get(stay), ...op.get(stay), ...op.shuffle(DOUBLE_LOW_WORDS), ...op.andNot, ...op.f64x2Add, ...op.set(g.lostLow));
      code.push(...op.get(g.lostHigh), ...op.get(loss), ...op.get(stay), ...op.get(stay), ...op.shuffle(DOUBLE_HIGH_WORDS), ...op.andNot, ...op.f64x2Add, ...op.set(g.lostHigh));
    }
  }
  code.push(...op.get(lossAt), ...op.i32(8 * CUSTOMERS_PER_PASS), ...op.i32Add, ...op.set(lossAt));
  code.push(...op.get(limitsAt), ...op.i32(4 * CUSTOMERS_PER_PASS), ...op.i32Add, ...op.set(limitsAt));
  code.push(...op.get(limitsAt), ...op.get(limitsEnd), ...op.i32Ne, ...op.brIf(0), ...op.end);
  groups.forEach((g, k) => {
    const at = STATE_BYTES + 48 * k;
    code.push(
      ...op.i32(0),
      ...op.get(g.lostLow),
      ...op.store(at),
      ...op.i32(0),
      ...op.get(g.lostHigh),
      ...op.store(at + 16),
      ...op.i32(0),
      ...op.get(g.stays),
      ...op.store(at + 32),
    );
  });
  code.push(...op.end);
  const locals = vector([[...uleb(v128Locals), 0x7b]]);
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

function kernelModuleBytes(): Uint8Array {
  const i32 = 0x7f;
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector([[0x60, ...vector([[i32], [i32], [i32]]), 0x00]])),
    ...section(3, vector([[0]])),
    ...section(5, vector([[0x00, 1]])),
    ...section(
      7,
      vector([
        [...name('memory'), 0x02, 0],
        [...name('run'), 0x00, 0],
      ]),
    ),
    ...section(10, vector([kernelBody()])),
  ];
  return Uint8Array.from(bytes);
}

// ---- the kernel on this thread

/** @internal */
export interface SimdKernel {
  /**
   * Simulations from … from + SIMD_LANES·k − 1 (the largest k that fits before `to`) into
   * totals/churners at s − from; returns the first simulation not done.
   */
  run(limits: Int32Array, loss: Float64Array, retainedTotal: number, key: StreamKey, from: number, to: number, totals: Float64Array, churners: Uint32Array): number;
}

let cached: SimdKernel | null | undefined;
let enabled = true;

/** @internal Tests switch the SIMD path off to check the scalar path it falls back to. */
export function useSimdKernel(on: boolean): void {
  enabled = on;
}

/** @internal The SIMD kernel of this thread, or null where WebAssembly SIMD is unavailable (or switched off). */
export function simdKernel(): SimdKernel | null {
  if (!enabled) return null;
  if (cached === undefined) cached = kernelOnThisThread();
  return cached;
}

function kernelOnThisThread(): SimdKernel | null {
  // Not named `exports`: that would shadow CommonJS's own in the compiled module.
  const wasmExports = instantiate(kernelModuleBytes());
  if (wasmExports === null) return null;
  const memory = wasmExports.memory as WasmMemory;
  const runLanes = wasmExports.run as (limitsAt: number, limitsEnd: number, lossAt: number) => void;
  const state = new Int32Array(4);
  let loaded: { limits: Int32Array; loss: Float64Array; lossAt: number } | null = null;
  return {
    run(limits, loss, retainedTotal, key, from, to, totals, churners) {
      const n = limits.length;
      if (n === 0) return from;
      // Padding customers never churn (limit −1) and lose +0: each adds +0 to a lane's lost sum,
      // which leaves it unchanged (the sum starts at +0 and so is never −0), counts as a stayer
      // (subtracted again below with the padded count) and steps the lane's stream past the last
      // customer, where no draw is read. So the totals are those of the n customers, bit for bit.
      const padded = CUSTOMERS_PER_PASS * Math.ceil(n / CUSTOMERS_PER_PASS);
      const lossAt = CUSTOMERS_AT + 4 * padded;
      if (loaded?.limits !== limits || loaded.loss !== loss) {
        const needed = lossAt + 8 * padded - memory.buffer.byteLength;
        if (needed > 0) {
          try {
            memory.grow(Math.ceil(needed / 65536));
          } catch {
            return from; // no memory for this many customers: the scalar path does the run
          }
        }
        new Int32Array(memory.buffer, CUSTOMERS_AT, padded).fill(-1).set(limits);
        new Float64Array(memory.buffer, lossAt, padded).fill(0).set(loss);
        loaded = { limits, loss, lossAt };
      }
      const words = new Int32Array(memory.buffer, 0, STATE_BYTES / 4);
      const lost = new Float64Array(memory.buffer, STATE_BYTES, OUTPUT_BYTES / 8);
      const stays = new Int32Array(memory.buffer, STATE_BYTES, OUTPUT_BYTES / 4);
      let s = from;
      for (; s + SIMD_LANES <= to; s += SIMD_LANES) {
        for (let lane = 0; lane < SIMD_LANES; lane++) {
          streamState(key, s + lane, state);
          const group = lane >> 2;
          for (let w = 0; w < 4; w++) words[(4 * group + w) * 4 + (lane & 3)] = state[w];
        }
        runLanes(CUSTOMERS_AT, CUSTOMERS_AT + 4 * padded, lossAt);
        for (let lane = 0; lane < SIMD_LANES; lane++) {
          const group = lane >> 2;
          totals[s + lane - from] = retainedTotal - lost[group * 6 + (lane & 3)];
          churners[s + lane - from] = padded + stays[group * 12 + 8 + (lane & 3)];
        }
      }
      return s;
    },
  };
}
