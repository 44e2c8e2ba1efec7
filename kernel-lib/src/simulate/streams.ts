import { checkSeed } from '../options';

/**
 * Seeded random streams for Monte Carlo: one xoshiro128** generator per simulation, its 128-bit
 * state derived from (seed, simulation index) by the murmur3 finaliser. Keying the stream by the
 * simulation index (not by a block or a worker) is what makes simulateRevenue give the same
 * numbers whatever the block size and the number of worker threads. xoshiro128** (Blackman &
 * Vigna 2018) passes BigCrush and runs at several hundred million draws a second in V8, about
 * 20× seedrandom's ARC4; the notebooks' other random steps keep `seededUniform` (alea).
 * Internal (not exported from the root): `fillUniform(streamKey(42), 0, out)` fills `out` with
 * simulation 0's first uniforms, the same every run.
 */
export interface StreamKey {
  readonly h1: number;
  readonly h2: number;
}

/** murmur3's 32-bit finaliser: a bijection on 32-bit integers with full avalanche. */
export function fmix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x | 0;
}

/** Two 32-bit hashes of the seed's text (numbers as JavaScript prints them, as seededUniform does). */
export function streamKey(seed: number | string): StreamKey {
  checkSeed(seed);
  const text = String(seed);
  let h1 = 0x9e3779b9 | 0;
  let h2 = 0x7f4a7c15 | 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = fmix32(h1 ^ Math.imul(c + 1, 0xcc9e2d51));
    h2 = fmix32((h2 + Math.imul(c + 7, 0x1b873593)) | 0);
  }
  return { h1: fmix32(h1 ^ text.length), h2: fmix32(h2 ^ Math.imul(text.length, 0xe6546b64)) };
}

/**
 * The initial xoshiro128** state of simulation `index` (0 ≤ index < 2^53): distinct indices give
 * distinct first words (fmix32 is a bijection), so no two simulations of a run share a stream;
 * each word is chained from the previous one through fmix32, so all four vary with the index.
 */
export function streamState(key: StreamKey, index: number, state: Int32Array): void {
  const low = index >>> 0;
  const high = Math.floor(index / 4294967296) | 0;
  // Every word depends on the index: xoshiro128**'s first output reads only the second word.
  const s0 = fmix32(key.h1 ^ low);
  const s1 = fmix32(s0 ^ key.h2 ^ high ^ 0x632be5ab);
  const s2 = fmix32(s1 ^ key.h1 ^ 0x5bd1e995);
  let s3 = fmix32(s2 ^ key.h2 ^ 0x27d4eb2f);
  if ((s0 | s1 | s2 | s3) === 0) s3 = 1; // the one state xoshiro cannot leave
  state[0] = s0;
  state[1] = s1;
  state[2] = s2;
  state[3] = s3;
}

/** Fills `out` with uniforms on [0, 1) (32-bit resolution) from simulation `index`'s stream. */
export function fillUniform(key: StreamKey, index: number, out: Float64Array): void {
  const st = new Int32Array(4);
  streamState(key, index, st);
  let s0 = st[0];
  let s1 = st[1];
  let s2 = st[2];
  let s3 = st[3];
  for (let i = 0; i < out.length; i++) {
    const m = Math.imul(s1, 5);
    const r = Math.imul((m << 7) | (m >>> 25), 9);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    out[i] = (r >>> 0) / 4294967296;
  }
}
