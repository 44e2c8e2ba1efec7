import { instantiate, name, section, simd, sleb, uleb, vector, type WasmMemory } from '../wasmEncoder';
import { BLOCK, LOG_BATCH } from './irls';
import { EXTREME_ETA } from './newton';

/**
 * The Newton sums of one block of rows (irls.ts's `evaluate`, without prior weights or offset) on
 * WebAssembly SIMD, two rows per 128-bit vector, for fitLogitParallel's threads. Every number is
 * the one `evaluate` computes, bit for bit, so the fit stays fitLogit's:
 * - the same operations in the same order on each row (no fused multiply-add: WebAssembly has
 *   none here), with e^x computed as V8's Math.exp computes it (fdlibm's __ieee754_exp: its
 *   argument reduction, polynomial and scaling, branch-free over the two lanes, x ≤ 0 only);
 * - the same summation orders: `evaluate` already sums even and odd rows apart (two accumulators)
 *   and its dot products four ways (rows i mod 4), which are a vector's two lanes (two vectors for
 *   four); the log-likelihood's running sum and product go lane by lane, in row order.
 * test/newton-simd.test.ts holds it to `evaluate` bit for bit; where WebAssembly SIMD is missing,
 * Math.exp is not the kernel's e^x (expIsMathExp), or the module's memory cannot grow to a
 * design's columns, `newtonSimd(p)` is null and the threads run `evaluate`. Internal (Node's
 * /parallel entry only).
 *
 * The rows are processed in chunks of BLOCK rows copied into the module's memory (the columns
 * stay where the caller keeps them), as `evaluate` processes them in chunks of BLOCK rows.
 */

// Chunks of `evaluate`'s BLOCK rows (the chunking decides where the log-likelihood's batches of
// LOG_BATCH rows restart).
const CHUNK_BYTES = BLOCK * 8;

// ---- instructions

const I32 = 0x7f;
const F64 = 0x7c;
const V128 = 0x7b;
type Code = number[];

const doubleBytes = (value: number): number[] => Array.from(new Uint8Array(Float64Array.of(value).buffer));
const get = (local: number): Code => [0x20, ...uleb(local)];
const set = (local: number): Code => [0x21, ...uleb(local)];
const i32 = (value: number): Code => [0x41, ...sleb(value)];
const f64 = (value: number): Code => [0x44, ...doubleBytes(value)];
/** A vector of two equal doubles. */
const both = (value: number): Code => simd(0x0c, ...doubleBytes(value), ...doubleBytes(value));
/** A vector of two 64-bit masks: lane 0 all ones, lane 1 zero. */
const LANE0 = simd(0x0c, ...Array(8).fill(0xff), ...Array(8).fill(0));
const I32_ADD = [0x6a];
const I32_AND = [0x71];
const I32_SHL = [0x74];
const I32_EQ = [0x46];
const I32_GE_U = [0x4f];
const F64_LOAD = [0x2b, 3, 0];
const F64_STORE = [0x39, 3, 0];
const F64_ADD = [0xa0];
const F64_MUL = [0xa2];
const LOAD = simd(0x00, 4, 0);
const STORE = simd(0x0b, 4, 0);
const SPLAT = simd(0x14);
const lane = (k: number) => simd(0x21, k);
const [EQ, LT, GT, GE] = [simd(0x47), simd(0x49), simd(0x4a), simd(0x4c)];
const [AND, ANDNOT, OR, XOR, BITSELECT] = [simd(0x4e), simd(0x4f), simd(0x50), simd(0x51), simd(0x52)];
const [ABS, NEG, ADD, SUB, MUL, DIV] = [simd(0xec), simd(0xed), simd(0xf0), simd(0xf1), simd(0xf2), simd(0xf3)];
const TRUNC = simd(0x7a);
const I32X4_TRUNC_SAT_F64X2_S_ZERO = simd(0xfc);
const I64X2_EXTEND_LOW_I32X4_S = simd(0xc7);
const I64X2_SHL = simd(0xcb);
const I64X2_SUB = simd(0xd1);
const BLOCK_START = [0x02, 0x40];
const LOOP_START = [0x03, 0x40];
const IF_START = [0x04, 0x40];
const END = [0x0b];
const br = (depth: number): Code => [0x0c, ...uleb(depth)];
const brIf = (depth: number): Code => [0x0d, ...uleb(depth)];

/** A function being assembled: its parameters, locals and code. */
class Fn {
  readonly code: Code = [];
  private readonly locals: number[] = [];
  constructor(
    readonly params: number[],
    readonly results: number[],
  ) {}
  /** A new local of `type`. */
  local(type: number): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }
  emit(...parts: Code[]): void {
    for (const part of parts) for (const byte of part) this.code.push(byte);
  }
  /** The function's entry in the code section. */
  body(): Code {
    const bytes = [...vector(this.locals.map((type) => [1, type])), ...this.code, ...END];
    return [...uleb(bytes.length), ...bytes];
  }
}

/** Address `pointer + offset` (both i32 locals). */
const at = (pointer: number, offset: number): Code => [...get(pointer), ...get(offset), ...I32_ADD];

/**
 * A loop over byte offsets o = 0, step, 2·step, … while o < end (end a multiple of step): `body`
 * on each, then leaves `o` at `end`.
 */
function loopTo(fn: Fn, o: number, end: number, step: number, body: () => void): void {
  fn.emit(i32(0), set(o), BLOCK_START, LOOP_START, get(o), get(end), I32_GE_U, brIf(1));
  body();
  fn.emit(get(o), i32(step), I32_ADD, set(o), br(0), END, END);
}

/** `end` = (m rounded down to a multiple of `rows`) · 8 bytes. */
function endOf(fn: Fn, m: number, rows: number): number {
  const end = fn.local(I32);
  fn.emit(get(m), i32(-rows), I32_AND, i32(3), I32_SHL, set(end));
  return end;
}

/** Runs `body` when m is odd (the last row, at byte offset `end`, left by a loop over pairs). */
function ifOdd(fn: Fn, m: number, body: () => void): void {
  fn.emit(get(m), i32(1), I32_AND, IF_START);
  body();
  fn.emit(END);
}

// fdlibm's __ieee754_exp constants (as in V8's src/base/ieee754.cc), written as the shortest
// decimals of the same doubles (high and low words in the comments).
/** invln2, 0x3ff71547 652b82fe: the double nearest 1/ln 2. */
const INVLN2 = Math.LOG2E;
/** ln2HI, 0x3fe62e42 fee00000. */
const LN2_HI = 0.6931471803691238;
/** ln2LO, 0x3dea39ef 35793c76. */
const LN2_LO = 1.9082149292705877e-10;
/** P1–P5: 0x3fc55555 5555553e, 0xbf66c16c 16bebd93, 0x3f11566a af25de2c, 0xbebbbd41 c5d26bf1, 0x3e663769 72bea4d0. */
const P = [0.16666666666666602, -0.0027777777777015593, 0.00006613756321437934, -0.0000016533902205465252, 4.1381367970572385e-8];
/** u_threshold, 0xc0874910 d52d3051: below it e^x underflows to 0. */
const UNDERFLOW = -745.1332191019411;
/** twom1000 = 2⁻¹⁰⁰⁰. */
const TWO_M1000 = 2 ** -1000;
/** |x| from which fdlibm reduces the argument: the least double whose high word exceeds 0x3fd62e42. */
const REDUCE_FROM = new Float64Array(new BigUint64Array([0x3fd62e4300000000n]).buffer)[0];
/** |x| below which fdlibm returns 1 + x: 2⁻²⁸ (high word 0x3e300000). */
const TINY = 2 ** -28;

/**
 * e^x of the vector in local `x` (both lanes ≤ 0 or NaN; `ax` holds |x|) into local `out`,
 * exactly as fdlibm computes it on that branch: k = (int)(x/ln2 − ½) when |x| is past ½ln2 (its
 * ½ln2–1.5ln2 special case gives the same hi, lo and k), else 0; hi = x − k·ln2hi, lo = k·ln2lo,
 * r = hi − lo; c = r − r²·P(r²); y = 1 − ((lo − r·c/(2 − c)) − hi); y·2ᵏ, as y·2^(k+1000)·2⁻¹⁰⁰⁰
 * when k < −1021; 1 + x when |x| < 2⁻²⁸; 0 below the underflow threshold.
 */
function emitExp(fn: Fn, x: number, ax: number, out: number): void {
  const [k, hi, lo, r, rr, c, big] = [fn.local(V128), fn.local(V128), fn.local(V128), fn.local(V128), fn.local(V128), fn.local(V128), fn.local(V128)];
  fn.emit(both(INVLN2), get(x), MUL, both(-0.5), ADD, TRUNC, both(0), get(ax), both(REDUCE_FROM), GE, BITSELECT, set(k));
  fn.emit(get(x), get(k), both(LN2_HI), MUL, SUB, set(hi));
  fn.emit(get(k), both(LN2_LO), MUL, set(lo));
  fn.emit(get(hi), get(lo), SUB, set(r));
  fn.emit(get(r), get(r), MUL, set(rr));
  // c = r − rr·(P1 + rr·(P2 + rr·(P3 + rr·(P4 + rr·P5))))
  fn.emit(
    get(r),
    get(rr),
    both(P[0]),
    get(rr),
    both(P[1]),
    get(rr),
    both(P[2]),
    get(rr),
    both(P[3]),
    get(rr),
    both(P[4]),
    MUL,
    ADD,
    MUL,
    ADD,
    MUL,
    ADD,
    MUL,
    ADD,
    MUL,
    SUB,
    set(c),
  );
  // y = 1 − ((lo − (r·c)/(2 − c)) − hi)
  fn.emit(both(1), get(lo), get(r), get(c), MUL, both(2), get(c), SUB, DIV, SUB, get(hi), SUB, SUB, set(out));
  // 2ᵏ from its bits, (k + 1023) << 52, k + 1000 when k < −1021.
  fn.emit(get(k), both(-1021), GE, set(big));
  fn.emit(
    get(out),
    get(k),
    get(k),
    both(1000),
    ADD,
    get(big),
    BITSELECT,
    both(1023),
    ADD,
    I32X4_TRUNC_SAT_F64X2_S_ZERO,
    I64X2_EXTEND_LOW_I32X4_S,
    i32(52),
    I64X2_SHL,
    MUL,
    set(out),
  );
  fn.emit(get(out), get(out), both(TWO_M1000), MUL, get(big), BITSELECT, set(out));
  fn.emit(both(1), get(x), ADD, get(out), get(ax), both(TINY), LT, BITSELECT, set(out));
  fn.emit(both(0), get(out), get(x), both(UNDERFLOW), LT, BITSELECT, set(out));
}

/** eta[i] += b0·x0[i] + b1·x1[i] + b2·x2[i] + b3·x3[i] (added left to right, as `evaluate` does). */
function etaFour(): Fn {
  const fn = new Fn([I32, I32, I32, I32, I32, I32, F64, F64, F64, F64], []);
  const [eta, x0, x1, x2, x3, m] = [0, 1, 2, 3, 4, 5];
  const betas = [6, 7, 8, 9];
  const xs = [x0, x1, x2, x3];
  const o = fn.local(I32);
  const splats = betas.map(() => fn.local(V128));
  betas.forEach((b, k) => fn.emit(get(b), SPLAT, set(splats[k])));
  const end = endOf(fn, m, 2);
  const sum = (load: Code, beta: (k: number) => Code, add: Code, mul: Code) => {
    fn.emit(at(eta, o), at(eta, o), load);
    xs.forEach((x, k) => {
      fn.emit(beta(k), at(x, o), load, mul);
      if (k > 0) fn.emit(add);
    });
    fn.emit(add);
  };
  loopTo(fn, o, end, 16, () => {
    sum(LOAD, (k) => get(splats[k]), ADD, MUL);
    fn.emit(STORE);
  });
  ifOdd(fn, m, () => {
    sum(F64_LOAD, (k) => get(betas[k]), F64_ADD, F64_MUL);
    fn.emit(F64_STORE);
  });
  return fn;
}

/** eta[i] += b·x[i]. */
function etaOne(): Fn {
  const fn = new Fn([I32, I32, I32, F64], []);
  const [eta, x, m, b] = [0, 1, 2, 3];
  const o = fn.local(I32);
  const splat = fn.local(V128);
  fn.emit(get(b), SPLAT, set(splat));
  const end = endOf(fn, m, 2);
  loopTo(fn, o, end, 16, () => fn.emit(at(eta, o), at(eta, o), LOAD, get(splat), at(x, o), LOAD, MUL, ADD, STORE));
  ifOdd(fn, m, () => fn.emit(at(eta, o), at(eta, o), F64_LOAD, get(b), at(x, o), F64_LOAD, F64_MUL, F64_ADD, F64_STORE));
  return fn;
}

/**
 * rows(eta, y, residual, products, counts, m, linear) → linear: `evaluate`'s loop over rows.
 * Per row, with t = e^−|η|: μ = 1/(1 + t) (η ≥ 0) or t/(1 + t); linear += y·η − max(η, 0) and
 * product ·= 1 + t in row order (the product stored and restarted after every LOG_BATCH rows, and
 * stored at the end: the caller logs them); residual = y − μ; eta becomes the weight μ(1 − μ).
 * counts (two i64x2, a lane per row parity): rows with |η| > EXTREME_ETA, and those on the side of
 * their outcome.
 */
function rows(): Fn {
  const fn = new Fn([I32, I32, I32, I32, I32, I32, F64], [F64]);
  const [eta, y, residual, products, counts, m, linear] = [0, 1, 2, 3, 4, 5, 6];
  const o = fn.local(I32);
  const stored = fn.local(I32);
  const product = fn.local(F64);
  const [e, yv, ax, x, t, onePlusT, inverse, mu, extreme, extremes, perfects, keep] = Array.from({ length: 12 }, () => fn.local(V128));
  fn.emit(f64(1), set(product), i32(0), set(stored));
  const end = endOf(fn, m, 2);
  /** The row computations on the vectors in e and yv; `lanes` of them count (LANE0 mask for one). */
  const vectorRows = (lanes: number[]) => {
    fn.emit(get(e), ABS, set(ax), get(ax), NEG, set(x));
    emitExp(fn, x, ax, t);
    fn.emit(both(1), get(t), ADD, set(onePlusT));
    fn.emit(both(1), get(onePlusT), DIV, set(inverse));
    fn.emit(get(inverse), get(t), get(inverse), MUL, get(e), both(0), GE, BITSELECT, set(mu));
    // linear += y·η − (η > 0 ? η : 0), lane by lane
    const term = fn.local(V128);
    fn.emit(get(yv), get(e), MUL, get(e), both(0), get(e), both(0), GT, BITSELECT, SUB, set(term));
    for (const k of lanes) fn.emit(get(linear), get(term), lane(k), F64_ADD, set(linear));
    for (const k of lanes) {
      fn.emit(get(product), get(onePlusT), lane(k), F64_MUL, set(product));
      if (k === 1) {
        // Row o/8 + 1 ends a batch when it is LOG_BATCH − 1 mod LOG_BATCH.
        fn.emit(get(o), i32((LOG_BATCH - 1) * 8), I32_AND, i32((LOG_BATCH - 2) * 8), I32_EQ, IF_START);
        fn.emit(get(products), get(stored), I32_ADD, get(product), F64_STORE, get(stored), i32(8), I32_ADD, set(stored), f64(1), set(product), END);
      }
    }
    fn.emit(get(e), both(EXTREME_ETA), GT, get(e), both(-EXTREME_ETA), LT, OR, get(keep), AND, set(extreme));
    fn.emit(get(extremes), get(extreme), I64X2_SUB, set(extremes));
    fn.emit(get(perfects), get(extreme), get(e), both(0), GT, get(yv), both(1), EQ, XOR, ANDNOT, I64X2_SUB, set(perfects));
  };
  fn.emit(both(0), both(0), EQ, set(keep)); // both lanes count: all ones
  loopTo(fn, o, end, 16, () => {
    fn.emit(at(eta, o), LOAD, set(e), at(y, o), LOAD, set(yv));
    vectorRows([0, 1]);
    fn.emit(at(residual, o), get(yv), get(mu), SUB, STORE);
    fn.emit(at(eta, o), get(mu), both(1), get(mu), SUB, MUL, STORE);
  });
  ifOdd(fn, m, () => {
    fn.emit(LANE0, set(keep));
    fn.emit(at(eta, o), F64_LOAD, SPLAT, set(e), at(y, o), F64_LOAD, SPLAT, set(yv));
    vectorRows([0]);
    fn.emit(at(residual, o), get(yv), get(mu), SUB, lane(0), F64_STORE);
    fn.emit(at(eta, o), get(mu), both(1), get(mu), SUB, MUL, lane(0), F64_STORE);
  });
  fn.emit(get(products), get(stored), I32_ADD, get(product), F64_STORE);
  fn.emit(get(counts), get(extremes), STORE, get(counts), i32(16), I32_ADD, get(perfects), STORE);
  fn.emit(get(linear));
  return fn;
}

/**
 * pairDot(a, b, m) = Σ a[i]·b[i], or without the factor pairSum(a, m) = Σ a[i] (b unused: −1),
 * with even and odd rows summed apart, the last odd row to the evens: (Σeven + Σodd).
 */
function pairSum(withFactor: boolean): Fn {
  const fn = new Fn(withFactor ? [I32, I32, I32] : [I32, I32], [F64]);
  const [a, b, m] = withFactor ? [0, 1, 2] : [0, -1, 1];
  const o = fn.local(I32);
  const sum = fn.local(V128);
  const even = fn.local(F64);
  const term = (load: Code, mul: Code) => (withFactor ? [...at(a, o), ...load, ...at(b, o), ...load, ...mul] : [...at(a, o), ...load]);
  const end = endOf(fn, m, 2);
  loopTo(fn, o, end, 16, () => fn.emit(get(sum), term(LOAD, MUL), ADD, set(sum)));
  fn.emit(get(sum), lane(0), set(even));
  ifOdd(fn, m, () => fn.emit(get(even), term(F64_LOAD, F64_MUL), F64_ADD, set(even)));
  fn.emit(get(even), get(sum), lane(1), F64_ADD);
  return fn;
}

/**
 * weighted(w, x, residual, out, m, results): out[i] = w[i]·x[i]; results[0] = Σ residual·x and
 * results[1] = Σ w·x, each with even and odd rows summed apart (`evaluate`'s g0/g1, s0/s1).
 */
function weighted(): Fn {
  const fn = new Fn([I32, I32, I32, I32, I32, I32], []);
  const [w, x, residual, out, m, results] = [0, 1, 2, 3, 4, 5];
  const o = fn.local(I32);
  const [g, s, v, wv] = [fn.local(V128), fn.local(V128), fn.local(V128), fn.local(V128)];
  const [g0, s0, vs, wvs] = [fn.local(F64), fn.local(F64), fn.local(F64), fn.local(F64)];
  const end = endOf(fn, m, 2);
  loopTo(fn, o, end, 16, () => {
    fn.emit(at(x, o), LOAD, set(v));
    fn.emit(get(g), at(residual, o), LOAD, get(v), MUL, ADD, set(g));
    fn.emit(at(w, o), LOAD, get(v), MUL, set(wv));
    fn.emit(at(out, o), get(wv), STORE, get(s), get(wv), ADD, set(s));
  });
  fn.emit(get(g), lane(0), set(g0), get(s), lane(0), set(s0));
  ifOdd(fn, m, () => {
    fn.emit(at(x, o), F64_LOAD, set(vs));
    fn.emit(get(g0), at(residual, o), F64_LOAD, get(vs), F64_MUL, F64_ADD, set(g0));
    fn.emit(at(w, o), F64_LOAD, get(vs), F64_MUL, set(wvs));
    fn.emit(at(out, o), get(wvs), F64_STORE, get(s0), get(wvs), F64_ADD, set(s0));
  });
  fn.emit(get(results), get(g0), get(g), lane(1), F64_ADD, F64_STORE);
  fn.emit(get(results), i32(8), I32_ADD, get(s0), get(s), lane(1), F64_ADD, F64_STORE);
  return fn;
}

/** Σ a[i]·b[i] summed four ways (rows i mod 4; the last m mod 4 rows to the first): (s0 + s1) + (s2 + s3), `evaluate`'s dot. */
function dot(): Fn {
  const fn = new Fn([I32, I32, I32], [F64]);
  const [a, b, m] = [0, 1, 2];
  const o = fn.local(I32);
  const [low, high] = [fn.local(V128), fn.local(V128)];
  const s0 = fn.local(F64);
  const end = endOf(fn, m, 4);
  const stop = fn.local(I32);
  loopTo(fn, o, end, 32, () => {
    fn.emit(get(low), at(a, o), LOAD, at(b, o), LOAD, MUL, ADD, set(low));
    fn.emit(get(high), at(a, o), i32(16), I32_ADD, LOAD, at(b, o), i32(16), I32_ADD, LOAD, MUL, ADD, set(high));
  });
  fn.emit(get(low), lane(0), set(s0));
  // The rows past the last four, one by one into s0.
  fn.emit(get(m), i32(3), I32_SHL, set(stop));
  fn.emit(BLOCK_START, LOOP_START, get(o), get(stop), I32_GE_U, brIf(1));
  fn.emit(get(s0), at(a, o), F64_LOAD, at(b, o), F64_LOAD, F64_MUL, F64_ADD, set(s0));
  fn.emit(get(o), i32(8), I32_ADD, set(o), br(0), END, END);
  fn.emit(get(s0), get(low), lane(1), F64_ADD, get(high), lane(0), get(high), lane(1), F64_ADD, F64_ADD);
  return fn;
}

/** exp(x, out, m): out[i] = e^x[i] (x[i] ≤ 0, m even), the rows' e^x, for the check against Math.exp. */
function exp(): Fn {
  const fn = new Fn([I32, I32, I32], []);
  const [x, out, m] = [0, 1, 2];
  const o = fn.local(I32);
  const [v, av, e] = [fn.local(V128), fn.local(V128), fn.local(V128)];
  const end = endOf(fn, m, 2);
  loopTo(fn, o, end, 16, () => {
    fn.emit(at(x, o), LOAD, set(v), get(v), ABS, set(av));
    emitExp(fn, v, av, e);
    fn.emit(at(out, o), get(e), STORE);
  });
  return fn;
}

const FUNCTIONS = { etaFour, etaOne, rows, pairSum: () => pairSum(false), pairDot: () => pairSum(true), weighted, dot, exp };

function moduleBytes(): Uint8Array {
  const fns = Object.values(FUNCTIONS).map((make) => make());
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(fns.map((fn) => [0x60, ...vector(fn.params.map((t) => [t])), ...vector(fn.results.map((t) => [t]))]))),
    ...section(3, vector(fns.map((_, k) => uleb(k)))),
    ...section(5, vector([[0x00, 1]])),
    ...section(7, vector([[...name('memory'), 0x02, 0], ...Object.keys(FUNCTIONS).map((key, k) => [...name(key), 0x00, ...uleb(k)])])),
    ...section(10, vector(fns.map((fn) => fn.body()))),
  ];
  return Uint8Array.from(bytes);
}

// ---- the kernel on this thread

/** @internal The compiled kernel's exports (newtonSimdModule()'s instance). */
export interface Kernel {
  memory: WasmMemory;
  etaFour(eta: number, x0: number, x1: number, x2: number, x3: number, m: number, b0: number, b1: number, b2: number, b3: number): void;
  etaOne(eta: number, x: number, m: number, b: number): void;
  rows(eta: number, y: number, residual: number, products: number, counts: number, m: number, linear: number): number;
  pairSum(a: number, m: number): number;
  pairDot(a: number, b: number, m: number): number;
  weighted(w: number, x: number, residual: number, out: number, m: number, results: number): void;
  dot(a: number, b: number, m: number): number;
  exp(x: number, out: number, m: number): void;
}

/** The counts of rows fitted numerically at 0 or 1, as `evaluate` gathers them. */
export interface Extremes {
  perfect: number;
  extreme: number;
}

/** What a block's sums are asked for: at β, the gradient and Hessian wanted (null: not), the extreme rows counted, rows [from, to). */
type BlockRequest = [beta: Float64Array, gradient: Float64Array | null, hessian: Float64Array | null, extremes: Extremes | null, onesColumn: number, from: number, to: number];

/** `evaluate` (irls.ts) on one block of rows, without prior weights or offset. */
export type SimdEvaluate = (columns: readonly Float64Array[], y: Float64Array, ...request: BlockRequest) => number;

let cached: { kernel: Kernel; evaluate: SimdEvaluate } | null | undefined;

/**
 * This thread's SIMD block evaluator for designs of p columns, its memory grown to hold a chunk of
 * them; null where WebAssembly SIMD is unavailable, or where the memory cannot grow that far (an
 * engine's limit on WebAssembly memory): the caller then runs `evaluate`, to the same bits.
 */
export function newtonSimd(p: number): SimdEvaluate | null {
  if (cached === undefined) {
    const kernel = instantiate(moduleBytes()) as Kernel | null;
    cached = kernel === null || !expIsMathExp(kernel) ? null : { kernel, evaluate: chunkEvaluator(kernel) };
  }
  if (cached === null) return null;
  const missing = layout(p).bytes - cached.kernel.memory.buffer.byteLength;
  try {
    if (missing > 0) cached.kernel.memory.grow(Math.ceil(missing / 65536));
  } catch {
    return null;
  }
  return cached.evaluate;
}

/** Byte offsets of a chunk's buffers for p columns: the columns (column j at j·CHUNK_BYTES), then y, η (the weights), residuals, weighted column, products, counts, results. */
function layout(p: number) {
  const y = p * CHUNK_BYTES;
  const eta = y + CHUNK_BYTES;
  const residual = eta + CHUNK_BYTES;
  const weighted = residual + CHUNK_BYTES;
  const products = weighted + CHUNK_BYTES;
  const counts = products + 8 * (BLOCK / LOG_BATCH + 2);
  const results = counts + 32;
  return { y, eta, residual, weighted, products, counts, results, bytes: results + 16 };
}

/**
 * Arguments where fdlibm's e^x rounds differently when its compiler fuses a·b + c (GCC's default,
 * and clang's within an expression, on targets with fused multiply-add such as ARM64, where
 * Node's build files for V8 do not turn contraction off as they do for s390x and ppc64): found
 * by evaluating fdlibm with each multiply-add of its argument reduction and polynomial rounded
 * once (exactly, in BigInt) against Math.exp on x64, over each branch's range. Roughly one
 * argument in 3,500 differs, too few for a spread of probes to meet reliably.
 */
const FUSED_EXP_PROBES = [
  -0.2536052848476923, -0.2943480350093156, -0.3356608153665757, -0.20031681412019284, -0.3527919483184814, -0.42684843420982355, -0.9521106243133545, -0.9347059774398804,
  -0.4536250805854797, -1.0036234366893768, -11.561886038780212, -14.153135061264038, -5.208417854309083, -484.02646923065186, -479.90160143375397, -359.3598518371582,
];

/**
 * Whether the kernel's e^x is this engine's Math.exp, to the bit, on the probes above, fdlibm's
 * branch edges and a spread of 2,048 arguments from 0 to past the underflow: the kernel computes
 * fdlibm's exp unfused, as V8 on x64 does; where Math.exp is anything else (fdlibm built with
 * fused multiply-adds, another engine's exp) the sums would not be `evaluate`'s, so the thread
 * runs `evaluate`.
 */
function expIsMathExp(kernel: Kernel): boolean {
  const edges = [0, 2 ** -28, 1.5 * 2 ** -28, 0.34657359027997264, 0.34657359123229975, 1.0397186279296875, 1.0397207708399179, 708.4, 709.78, 745.13, 745.14];
  const spread = Array.from({ length: 2048 }, (_, i) => 746 * (i / 2048) ** 2);
  const args = [...FUSED_EXP_PROBES, ...edges.map((x) => -x), ...spread.map((x) => -x)];
  return kernelExp(kernel, args).every((e, i) => Object.is(e, Math.exp(args[i])));
}

/** e^x of each argument (all ≤ 0 or NaN) by the kernel's exp, from the start of its memory (grown as needed). */
function kernelExp(kernel: Kernel, args: ArrayLike<number>): Float64Array {
  const m = args.length + (args.length & 1);
  const missing = 2 * m * 8 - kernel.memory.buffer.byteLength;
  if (missing > 0) kernel.memory.grow(Math.ceil(missing / 65536));
  new Float64Array(kernel.memory.buffer, 0, m).fill(-1).set(args);
  kernel.exp(0, m * 8, m);
  return new Float64Array(kernel.memory.buffer, m * 8, args.length).slice();
}

/**
 * Drops this thread's kernel, and with it its memory ((p + 4) chunks of 2,048 doubles for the
 * widest design it summed, 16 KB a column): closeWorkers() calls it for the calling thread, whose
 * kernel would otherwise live as long as the process. The next newtonSimd() compiles a fresh one.
 */
export function releaseNewtonSimd(): void {
  cached = undefined;
}

/** @internal For tests: the bytes of this thread's kernel memory (0: none). */
export function newtonSimdBytes(): number {
  return cached ? cached.kernel.memory.buffer.byteLength : 0;
}

/** `evaluate` on `kernel`, chunk by chunk, each chunk of the p columns and y copied into its memory (sized by newtonSimd(p)). */
const chunkEvaluator =
  (kernel: Kernel): SimdEvaluate =>
  (columns, y, beta, gradient, hessian, extremes, onesColumn, from, to) => {
    const p = columns.length;
    const place = layout(p);
    const heap = new Float64Array(kernel.memory.buffer);
    const chunk: ChunkColumns = { x: Array.from({ length: p }, (_, j) => j * CHUNK_BYTES), y: place.y };
    const copyChunk = (start: number, end: number) => {
      for (let j = 0; j < p; j++) if (j !== onesColumn) heap.set(columns[j].subarray(start, end), chunk.x[j] / 8);
      heap.set(y.subarray(start, end), place.y / 8);
      return chunk;
    };
    return sumChunks(kernel, place, copyChunk, p, beta, gradient, hessian, extremes, onesColumn, from, to);
  };

/** Where a chunk's rows lie in the kernel's memory: design column j's at byte x[j], the response's at byte y. */
export interface ChunkColumns {
  x: readonly number[];
  y: number;
}

/** The kernel's scratch buffers (byte offsets, each a chunk of doubles unless noted), as layout() places them. */
export interface ChunkScratch {
  eta: number;
  residual: number;
  weighted: number;
  /** BLOCK / LOG_BATCH + 2 doubles. */
  products: number;
  /** 8 int32. */
  counts: number;
  /** 2 doubles. */
  results: number;
}

/**
 * @internal `evaluate`'s sums of rows [from, to) on `kernel`, in chunks of BLOCK rows: each chunk's
 * columns where `columnsAt(start, end)` says they lie in the kernel's memory (copied there by
 * the chunk evaluator; test/bench/newton-copy.mjs also sums columns resident there), the
 * intermediate sums in the buffers at `place`. Returns the log-likelihood and writes the gradient
 * and Hessian where asked (as `evaluate` does).
 */
export function sumChunks(
  kernel: Kernel,
  place: ChunkScratch,
  columnsAt: (start: number, end: number) => ChunkColumns,
  p: number,
  ...[beta, gradient, hessian, extremes, onesColumn, from, to]: BlockRequest
): number {
  const heap = new Float64Array(kernel.memory.buffer);
  const counts = new Int32Array(kernel.memory.buffer, place.counts, 8);
  let linearPart = 0;
  let logPart = 0;
  if (gradient) gradient.fill(0);
  if (hessian) hessian.fill(0);
  const others: number[] = [];
  for (let j = 0; j < p; j++) if (j !== onesColumn && beta[j] !== 0) others.push(j);
  const intercept = onesColumn >= 0 ? beta[onesColumn] : 0;
  for (let start = from; start < to; start += BLOCK) {
    const end = Math.min(to, start + BLOCK);
    const m = end - start;
    const { x, y } = columnsAt(start, end);
    heap.fill(intercept, place.eta / 8, place.eta / 8 + m);
    let k = 0;
    for (; k + 3 < others.length; k += 4) {
      const [j0, j1, j2, j3] = [others[k], others[k + 1], others[k + 2], others[k + 3]];
      kernel.etaFour(place.eta, x[j0], x[j1], x[j2], x[j3], m, beta[j0], beta[j1], beta[j2], beta[j3]);
    }
    for (; k < others.length; k++) kernel.etaOne(place.eta, x[others[k]], m, beta[others[k]]);
    linearPart = kernel.rows(place.eta, y, place.residual, place.products, place.counts, m, linearPart);
    const batches = Math.floor(m / LOG_BATCH) + 1;
    for (let b = 0; b < batches; b++) logPart += Math.log(heap[place.products / 8 + b]);
    if (extremes !== null) {
      // i64 lanes, small and non-negative: their low words.
      extremes.extreme += counts[0] + counts[2];
      extremes.perfect += counts[4] + counts[6];
    }
    if (!gradient) continue;
    for (let a = 0; a < p; a++) {
      if (a === onesColumn) {
        gradient[a] += kernel.pairSum(place.residual, m);
        if (hessian) {
          for (let b = 0; b < a; b++) hessian[a * p + b] += kernel.dot(place.eta, x[b], m);
          hessian[a * p + a] += kernel.pairSum(place.eta, m);
        }
        continue;
      }
      if (!hessian) {
        gradient[a] += kernel.pairDot(place.residual, x[a], m);
        continue;
      }
      kernel.weighted(place.eta, x[a], place.residual, place.weighted, m, place.results);
      gradient[a] += heap[place.results / 8];
      const s = heap[place.results / 8 + 1];
      for (let b = 0; b <= a; b++) hessian[a * p + b] += b === onesColumn ? s : kernel.dot(place.weighted, x[b], m);
    }
  }
  return linearPart - logPart;
}

/** @internal For tests: the module's bytes (WebAssembly.validate). */
export const newtonSimdModule = moduleBytes;

/** @internal For tests: e^−|x| of each number as the kernel computes it (null without WebAssembly SIMD). */
export function kernelExps(values: Float64Array): Float64Array | null {
  const kernel = instantiate(moduleBytes()) as Kernel | null;
  return kernel === null
    ? null
    : kernelExp(
        kernel,
        values.map((v) => -Math.abs(v)),
      );
}
