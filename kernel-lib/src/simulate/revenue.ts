import { CbmError, check, checkOptions, describeValue } from '../errors';
import { checkOptionSchema, isSeed, type OptionSchema } from '../options';
import { quantileSorted } from '../quantile';
import { probabilityVector } from './churners';
import { SIMD_LANES, simdKernel } from './revenueSimd';
import { streamKey, streamState, type StreamKey } from './streams';

/** What {@link simulateRevenue} simulates: each customer's churn probability and revenue, the number of periods and the seed. */
export interface SimulateRevenueSpec {
  /** Each customer's probability of churning in the period, in [0, 1]. */
  churnProbabilities: ArrayLike<number>;
  /** Revenue from each customer if they stay (the same as `revenueIfRetained`; give one of the two). */
  revenues?: ArrayLike<number>;
  /** Revenue from each customer if they stay. */
  revenueIfRetained?: ArrayLike<number>;
  /** Revenue from each customer if they churn (e.g. a final bill), default 0. */
  revenueIfChurned?: ArrayLike<number>;
  /** Number of simulated periods, a whole number ≥ 1. */
  simulations: number;
  /** Seed of the draws (number or text); the same seed gives the same numbers everywhere. */
  seed: number | string;
  /** Number of equal-width bins of the totals' histogram, default 30. */
  histogramBins?: number;
  /** Return the per-simulation totals and churner counts (default true); false keeps only the summary. */
  keepDraws?: boolean;
  /** Simulations per block (default: about a million customer draws per block); never changes the results. */
  blockSize?: number;
}

/** One bar of the simulated totals' histogram. */
export interface HistogramBin {
  /** Lower edge (included). */
  lower: number;
  /** Upper edge (excluded, except for the last bin). */
  upper: number;
  count: number;
  /** count / simulations. */
  share: number;
}

/** How often a number of churners occurred among the simulated periods. */
export interface ChurnerCount {
  /** The number of customers who churned. */
  churners: number;
  /** Simulated periods with that many churners. */
  count: number;
  /** count / simulations. */
  share: number;
}

/** The 5th, 25th, 50th, 75th and 95th percentiles of the simulated totals (R's quantile type 7). */
export interface RevenueQuantiles {
  p5: number;
  p25: number;
  p50: number;
  p75: number;
  p95: number;
}

/** The summary of a revenue simulation: the exact expectation and sd beside the simulated mean, sd, quantiles and histograms. */
export interface RevenueSummary {
  /** Simulated periods. */
  simulations: number;
  /** Customers in each period. */
  customers: number;
  /** Σ revenueIfChurned + Σ(1 − pᵢ)(revenueIfRetainedᵢ − revenueIfChurnedᵢ): the exact expectation. */
  expectedRevenue: number;
  /** Σ pᵢ: the exact expected number of churners. */
  expectedChurners: number;
  /** Mean churn probability Σ pᵢ / n. */
  averageChurnRate: number;
  /** Mean of the simulated totals. */
  mean: number;
  /** Sample standard deviation of the simulated totals (divisor simulations − 1). */
  sd: number;
  /** sd / √simulations: the Monte Carlo error of `mean`. */
  standardError: number;
  /** Exact sd of the total: √Σ pᵢ(1 − pᵢ)(revenueIfRetainedᵢ − revenueIfChurnedᵢ)². */
  exactSd: number;
  min: number;
  max: number;
  /** Quantiles of the simulated totals, R's type 7 (numpy's default linear interpolation). */
  quantiles: RevenueQuantiles;
  meanChurners: number;
  /** Equal-width bins over [min, max] of the totals. */
  totalHistogram: HistogramBin[];
  /** One row per number of churners from the fewest to the most simulated. */
  churnerHistogram: ChurnerCount[];
  /** 'exact' when computed from every draw; 'grid' (keepDraws: false) when quantiles and the totals' histogram come from a 65,536-cell grid (resolution ≤ 16/65,536 exact sds). */
  method: 'exact' | 'grid';
  /** Share of simulated totals strictly below x (an empirical P(total < x)). */
  probabilityBelow(x: number): number;
}

/** What simulateRevenue returns: the simulated totals and churner counts (when kept) and their summary. */
export interface SimulateRevenueResult {
  /** Total revenue of each simulated period (empty when keepDraws is false). */
  totals: Float64Array;
  /** Number of churners in each simulated period (empty when keepDraws is false). */
  churners: Uint32Array;
  summary: RevenueSummary;
}

const SPEC_OPTIONS: OptionSchema = {
  // The vectors are checked where they are read (length, range, finiteness).
  churnProbabilities: { kind: 'any' },
  revenues: { kind: 'any' },
  revenueIfRetained: { kind: 'any' },
  revenueIfChurned: { kind: 'any' },
  simulations: { kind: 'number', integer: true, min: 1, required: true, example: '10000' },
  seed: { kind: 'seed', required: true, example: '7' },
  histogramBins: { kind: 'number', integer: true, min: 1, max: 10_000, example: '30' },
  keepDraws: { kind: 'boolean' },
  blockSize: { kind: 'number', integer: true, min: 1 },
};
/** 12 bytes per kept simulation (+ 8 for the sorted copy): 20 million is ~400 MB. */
export const MAX_KEPT_SIMULATIONS = 20_000_000;
/** Customer draws per call: beyond this a run takes minutes. */
export const MAX_DRAWS = 1e11;
const GRID_CELLS = 65_536;

/** The checked, precomputed form of a spec that the simulation kernel (and each worker) uses. */
export interface PreparedSimulation {
  customers: number;
  simulations: number;
  seed: number | string;
  /** ⌈pᵢ·2³¹⌉ − 1 (from −1 to 2³¹ − 1): customer i churns when the 31-bit draw is at most this. */
  churnLimits: Int32Array;
  /** revenueIfRetainedᵢ − revenueIfChurnedᵢ: what a churn costs. */
  loss: Float64Array;
  /** Σ revenueIfRetained: the total when nobody churns. */
  retainedTotal: number;
  probabilities: Float64Array;
  histogramBins: number;
  keepDraws: boolean;
  blockSize: number;
}

/**
 * The parts of a prepared simulation that `simulateRange` and `summaryFromDraws` read, checked
 * where they are called from outside (the Excel add-in and the worker threads pass what
 * `prepareSimulation` returned): typed arrays of one length, finite totals, a valid seed.
 */
function checkPrepared(prepared: unknown, full: boolean, context: string): asserts prepared is PreparedSimulation {
  const p = prepared as Partial<PreparedSimulation> | null;
  check(p !== null && typeof p === 'object', `${context}: prepared must be what prepareSimulation returns, got ${describeValue(prepared)}`);
  const n = p.churnLimits instanceof Int32Array ? p.churnLimits.length : -1;
  check(
    n >= 1 && p.loss instanceof Float64Array && p.loss.length === n && typeof p.retainedTotal === 'number' && Number.isFinite(p.retainedTotal),
    `${context}: prepared must be what prepareSimulation returns (churnLimits, loss and retainedTotal are missing or inconsistent)`,
  );
  check(isSeed(p.seed), `${context}: prepared.seed must be a finite number or a non-empty string`);
  if (!full) return;
  check(
    p.customers === n &&
      p.probabilities instanceof Float64Array &&
      p.probabilities.length === n &&
      Number.isInteger(p.simulations) &&
      (p.simulations as number) >= 1 &&
      Number.isInteger(p.histogramBins) &&
      (p.histogramBins as number) >= 1,
    `${context}: prepared must be what prepareSimulation returns (customers, probabilities, simulations or histogramBins are missing or inconsistent)`,
  );
}

function revenueVector(values: unknown, n: number, name: string, context: string): Float64Array {
  check(Array.isArray(values) || ArrayBuffer.isView(values), `${context}: ${name} must be an array of numbers, one per customer`);
  const v = values as ArrayLike<unknown>;
  check(v.length === n, `${context}: ${name} has ${v.length} values but churnProbabilities has ${n}; give one per customer`, { expected: n, got: v.length });
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x))
      throw new CbmError('NON_FINITE', `${context}: ${name}[${i}] is ${typeof x === 'number' ? String(x) : 'not a number'}; every customer needs a finite revenue`, { index: i });
    check(x >= 0, `${context}: ${name}[${i}] = ${x} is negative; revenues must be ≥ 0`, { index: i, value: x });
    out[i] = x;
  }
  return out;
}

/** Checks a spec at the door (every error before any work) and precomputes the kernel's inputs. */
export function prepareSimulation(spec: SimulateRevenueSpec, context = 'simulateRevenue'): PreparedSimulation {
  check(typeof context === 'string', `prepareSimulation: context must name the calling function, got ${describeValue(context)}`);
  checkOptions(spec, context);
  check(spec !== undefined, `${context}: give a spec { churnProbabilities, revenues, simulations, seed }`);
  checkOptionSchema(spec, context, SPEC_OPTIONS);
  const probabilities = probabilityVector(spec.churnProbabilities, context);
  const n = probabilities.length;
  check(n >= 1, `${context}: churnProbabilities is empty; give at least one customer`);
  check(!(spec.revenues !== undefined && spec.revenueIfRetained !== undefined), `${context}: give revenues or revenueIfRetained, not both (they mean the same)`);
  const retainedInput = spec.revenues ?? spec.revenueIfRetained;
  check(retainedInput !== undefined, `${context}: give revenues (or revenueIfRetained), one per customer`);
  const retained = revenueVector(retainedInput, n, spec.revenues !== undefined ? 'revenues' : 'revenueIfRetained', context);
  const churned = spec.revenueIfChurned === undefined ? new Float64Array(n) : revenueVector(spec.revenueIfChurned, n, 'revenueIfChurned', context);
  const simulations = spec.simulations;
  const keepDraws = spec.keepDraws ?? true;
  if (keepDraws && simulations > MAX_KEPT_SIMULATIONS) {
    throw new CbmError(
      'TOO_LARGE',
      `${context}: keeping ${simulations} simulations' draws needs ~${Math.round((simulations * 20) / 1e6)} MB; keep at most ${MAX_KEPT_SIMULATIONS.toLocaleString('en-US')} or pass keepDraws: false for the summary alone`,
      { simulations },
    );
  }
  if (simulations * n > MAX_DRAWS) {
    throw new CbmError(
      'TOO_LARGE',
      `${context}: ${simulations} simulations × ${n} customers = ${(simulations * n).toExponential(2)} draws exceeds ${MAX_DRAWS.toExponential(0)}; run fewer simulations`,
      { simulations, customers: n },
    );
  }
  const seed = spec.seed;
  const histogramBins = spec.histogramBins ?? 30;
  // About a million draws per block, a whole number of SIMD passes (no scalar remainder per block).
  const blockSize = spec.blockSize ?? Math.min(simulations, SIMD_LANES * Math.ceil(1_048_576 / n / SIMD_LANES));
  const churnLimits = new Int32Array(n);
  const loss = new Float64Array(n);
  let retainedTotal = 0;
  let largestTotal = 0;
  for (let i = 0; i < n; i++) {
    // The limit decides exactly as the float comparison u < pᵢ, for every draw. A 32-bit draw x
    // gives k = x >>> 1 and u = k·2⁻³¹, exact in a double (k < 2³¹ < 2⁵³). pᵢ·2³¹ is exact too:
    // scaling by a power of two only moves the exponent (a subnormal pᵢ keeps all its bits, and
    // nothing reaches overflow). Hence
    //   u < pᵢ  ⟺  k < pᵢ·2³¹  ⟺  k < ⌈pᵢ·2³¹⌉ (k is an integer)  ⟺  k ≤ ⌈pᵢ·2³¹⌉ − 1 = limit.
    // Math.ceil is exact and 0 ≤ ⌈pᵢ·2³¹⌉ ≤ 2³¹, so the limit is an exact Int32 from −1 (pᵢ = 0:
    // no draw churns) to 2³¹ − 1 (pᵢ > 1 − 2⁻³¹: every draw does). test/simulate-kernel.test.ts
    // counts the churning k against exact rational arithmetic and runs the kernels on
    // probabilities placed at their own draws' edges.
    churnLimits[i] = Math.ceil(probabilities[i] * 2147483648) - 1;
    loss[i] = retained[i] - churned[i];
    retainedTotal += retained[i];
    largestTotal += Math.max(retained[i], churned[i]);
  }
  // The summaries sum totals and their squares over the simulations: past this they would be
  // Infinity or NaN (revenues of 1e308 gave NaN summaries), so the spec is refused at the door.
  if (!Number.isFinite(largestTotal * largestTotal * simulations))
    throw new CbmError(
      'NON_FINITE',
      `${context}: the revenues are too large for a double: a total can reach ${largestTotal.toExponential(3)}, and its square over ${simulations} simulations overflows; state revenues in thousands or millions`,
      { largestTotal, simulations },
    );
  return { customers: n, simulations, seed, churnLimits, loss, retainedTotal, probabilities, histogramBins, keepDraws, blockSize };
}

/**
 * The kernel: simulations `from` … `to − 1`, totals and churner counts written at
 * `out[s − from]`. Browser-safe and allocation-free in the loop; the worker driver calls this.
 * Runs eight simulations at a time on WebAssembly SIMD where the engine has it
 * (revenueSimd.ts), the rest (or everything, without SIMD) on the scalar loop; both give the
 * same bits.
 */
export function simulateRange(
  prepared: Pick<PreparedSimulation, 'churnLimits' | 'loss' | 'retainedTotal' | 'seed'>,
  from: number,
  to: number,
  totals: Float64Array,
  churners: Uint32Array,
  given?: StreamKey,
): void {
  const context = 'simulateRange';
  checkPrepared(prepared, false, context);
  const key = given ?? streamKey(prepared.seed);
  check(
    Number.isSafeInteger(from) && Number.isSafeInteger(to) && from >= 0 && to >= from,
    `${context}: from and to must be whole numbers with 0 ≤ from ≤ to, got ${describeValue(from)} and ${describeValue(to)}`,
  );
  check(
    totals instanceof Float64Array && churners instanceof Uint32Array && totals.length >= to - from && churners.length >= to - from,
    `${context}: totals (a Float64Array) and churners (a Uint32Array) must hold to − from = ${to - from} simulations`,
  );
  check(key !== null && typeof key === 'object' && Number.isInteger(key.h1) && Number.isInteger(key.h2), `${context}: key must be a stream key from streamKey(seed)`);
  const simd = to - from >= SIMD_LANES ? simdKernel() : null;
  const done = simd ? simd.run(prepared.churnLimits, prepared.loss, prepared.retainedTotal, key, from, to, totals, churners) : from;
  if (done < to) scalarRange(prepared, done, to, totals.subarray(done - from), churners.subarray(done - from), key);
}

/** The scalar kernel, two simulations per pass over the customers. */
function scalarRange(
  prepared: Pick<PreparedSimulation, 'churnLimits' | 'loss' | 'retainedTotal'>,
  from: number,
  to: number,
  totals: Float64Array,
  churners: Uint32Array,
  key: StreamKey,
): void {
  const { churnLimits: limits, loss, retainedTotal } = prepared;
  const n = limits.length;
  const a = new Int32Array(4);
  const b = new Int32Array(4);
  let s = from;
  // Two simulations per pass over the customers: two independent xoshiro chains interleave in
  // the CPU's pipeline (about 1.3× the throughput of one), and each simulation still reads only
  // its own stream, so the results are those of one simulation at a time.
  for (; s + 1 < to; s += 2) {
    streamState(key, s, a);
    streamState(key, s + 1, b);
    let a0 = a[0],
      a1 = a[1],
      a2 = a[2],
      a3 = a[3];
    let b0 = b[0],
      b1 = b[1],
      b2 = b[2],
      b3 = b[3];
    let lostA = 0,
      staysA = 0,
      lostB = 0,
      staysB = 0;
    for (let i = 0; i < n; i++) {
      const limit = limits[i];
      const value = loss[i];
      // xoshiro128** steps, inlined: the loop is the whole cost.
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
      // Branch-free integer compare: limit − r (both 31-bit, no overflow) is negative exactly
      // when the customer stays, so stay is −1 for a stayer and 0 for a churner; with p ≈ 0.5 a
      // branch would mispredict half the time and run at half the speed.
      const stayA = (limit - ra) >> 31;
      const stayB = (limit - rb) >> 31;
      lostA += value * (stayA + 1);
      staysA += stayA;
      lostB += value * (stayB + 1);
      staysB += stayB;
    }
    totals[s - from] = retainedTotal - lostA;
    churners[s - from] = n + staysA;
    totals[s + 1 - from] = retainedTotal - lostB;
    churners[s + 1 - from] = n + staysB;
  }
  for (; s < to; s++) {
    streamState(key, s, a);
    let a0 = a[0],
      a1 = a[1],
      a2 = a[2],
      a3 = a[3];
    let lost = 0,
      stays = 0;
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
      const stay = (limits[i] - ra) >> 31;
      lost += loss[i] * (stay + 1);
      stays += stay;
    }
    totals[s - from] = retainedTotal - lost;
    churners[s - from] = n + stays;
  }
}

/** Exact moments of the total and bounds of its support. */
function exactMoments(prepared: PreparedSimulation): { mean: number; sd: number; low: number; high: number; expectedChurners: number } {
  const { probabilities: p, loss, retainedTotal } = prepared;
  let lostMean = 0;
  let variance = 0;
  let lostMax = 0;
  let expectedChurners = 0;
  for (let i = 0; i < p.length; i++) {
    lostMean += p[i] * loss[i];
    variance += p[i] * (1 - p[i]) * loss[i] * loss[i];
    if (p[i] > 0) lostMax += loss[i];
    expectedChurners += p[i];
  }
  let lostMin = 0;
  for (let i = 0; i < p.length; i++) if (p[i] === 1) lostMin += loss[i];
  return { mean: retainedTotal - lostMean, sd: Math.sqrt(variance), low: retainedTotal - lostMax, high: retainedTotal - lostMin, expectedChurners };
}

/**
 * Streaming accumulator of the summary (keepDraws: false): sums in fixed chunks of simulations
 * (so the floating-point order, hence the result, does not depend on blocks or workers), exact
 * min/max and churner counts, and a 65,536-cell grid over the exact mean ± 8 exact sds (values
 * outside are kept exactly) for quantiles and the histogram.
 */
export class SummaryAccumulator {
  static readonly CHUNK = 4096;
  readonly chunkSums: number[] = [];
  readonly chunkSquares: number[] = [];
  readonly chunkChurners: number[] = [];
  // The chunk being filled. Not private: a worker's accumulator crosses threads as a plain object.
  partialSum = 0;
  partialSquares = 0;
  partialChurners = 0;
  partialCount = 0;
  count = 0;
  min = Infinity;
  max = -Infinity;
  readonly churnerCounts: Float64Array;
  readonly grid: Float64Array;
  readonly outliers: number[] = [];
  readonly gridLow: number;
  readonly gridWidth: number;
  readonly shift: number;

  constructor(customers: number, shift: number, gridLow: number, gridHigh: number) {
    this.churnerCounts = new Float64Array(customers + 1);
    this.grid = new Float64Array(GRID_CELLS);
    this.shift = shift;
    this.gridLow = gridLow;
    this.gridWidth = gridHigh > gridLow ? (gridHigh - gridLow) / GRID_CELLS : 0;
  }

  add(total: number, churners: number): void {
    const x = total - this.shift;
    this.partialSum += x;
    this.partialSquares += x * x;
    this.partialChurners += churners;
    this.partialCount++;
    this.count++;
    if (this.partialCount === SummaryAccumulator.CHUNK) this.closeChunk();
    if (total < this.min) this.min = total;
    if (total > this.max) this.max = total;
    this.churnerCounts[churners]++;
    const cell = this.gridWidth > 0 ? Math.floor((total - this.gridLow) / this.gridWidth) : -1;
    if (cell >= 0 && cell < GRID_CELLS) this.grid[cell]++;
    else this.outliers.push(total);
  }

  /** Ends the current chunk (called every CHUNK simulations and at the end of a range). */
  closeChunk(): void {
    if (this.partialCount === 0) return;
    this.chunkSums.push(this.partialSum);
    this.chunkSquares.push(this.partialSquares);
    this.chunkChurners.push(this.partialChurners);
    this.partialSum = 0;
    this.partialSquares = 0;
    this.partialChurners = 0;
    this.partialCount = 0;
  }

  /**
   * Adds another accumulator's counts. Its simulations must follow this one's, and it must begin
   * on a chunk boundary when it holds any (this one's last chunk closed: a range that starts inside
   * a chunk is added simulation by simulation instead). Its open chunk, if any, becomes this one's,
   * so the next simulations added continue it in order.
   */
  merge(other: SummaryAccumulator): void {
    if (other.count === 0) return;
    if (this.partialCount !== 0) throw new Error('SummaryAccumulator.merge: this accumulator ends inside a chunk');
    this.chunkSums.push(...other.chunkSums);
    this.chunkSquares.push(...other.chunkSquares);
    this.chunkChurners.push(...other.chunkChurners);
    this.partialSum = other.partialSum;
    this.partialSquares = other.partialSquares;
    this.partialChurners = other.partialChurners;
    this.partialCount = other.partialCount;
    this.count += other.count;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
    for (let k = 0; k < this.churnerCounts.length; k++) this.churnerCounts[k] += other.churnerCounts[k];
    for (let c = 0; c < GRID_CELLS; c++) this.grid[c] += other.grid[c];
    for (const x of other.outliers) this.outliers.push(x);
  }
}

/**
 * Monte Carlo of next period's revenue: in every simulated period each customer churns with
 * their probability, independently, and the period's total is Σ revenueIfRetainedᵢ over the
 * stayers + Σ revenueIfChurnedᵢ over the churners. The spread of that total, and of the number
 * of churners, is the risk a single expected value Σ(1 − pᵢ)·rᵢ hides.
 *
 * Method: simulation s draws its customers' uniforms from its own xoshiro128** stream keyed by
 * (seed, s) (see streams.ts), customer i churns when u < pᵢ (31-bit uniforms: P(churn) is pᵢ
 * rounded up to a multiple of 2⁻³¹). Simulations are processed in blocks, so memory is
 * O(customers + simulations) (O(customers) with `keepDraws: false`), never
 * O(customers × simulations), and the draws, hence every number returned, are the same whatever
 * the block size or the number of worker threads (`simulateRevenueParallel` in the
 * `@cbm-kit/kernel-lib/parallel` entry splits the simulations over threads).
 *
 * Runs the simulation in blocks, on this thread.
 *
 * @example
 * const result = simulateRevenue({
 *   churnProbabilities: [0.66, 0.41, 0.51, 0.49, 0.69, 0.67, 0.76, 0.43, 0.57, 0.41],
 *   revenues: [1895, 1952, 3069, 3465, 1108, 3298, 1814, 3932, 3661, 3872],
 *   simulations: 10000,
 *   seed: 42,
 * });
 * result.summary.expectedRevenue; // 13034.07, exactly Σ(1 − p)·r
 * result.summary.quantiles.p5; // 5 % of simulated years end below this
 * result.summary.probabilityBelow(10000); // share of simulated years below 10,000
 */
export function simulateRevenue(spec: SimulateRevenueSpec): SimulateRevenueResult {
  const prepared = prepareSimulation(spec);
  const key = streamKey(prepared.seed);
  const { simulations, blockSize } = prepared;
  if (prepared.keepDraws) {
    const totals = new Float64Array(simulations);
    const churners = new Uint32Array(simulations);
    for (let from = 0; from < simulations; from += blockSize) {
      const to = Math.min(simulations, from + blockSize);
      simulateRange(prepared, from, to, totals.subarray(from, to), churners.subarray(from, to), key);
    }
    return { totals, churners, summary: summaryFromDraws(prepared, totals, churners) };
  }
  const accumulator = newAccumulator(prepared);
  runIntoAccumulator(prepared, 0, simulations, accumulator, key);
  return { totals: new Float64Array(0), churners: new Uint32Array(0), summary: summaryFromAccumulator(prepared, accumulator) };
}

/** @internal The accumulator for a prepared run (the same grid in every worker). */
export function newAccumulator(prepared: PreparedSimulation): SummaryAccumulator {
  const m = exactMoments(prepared);
  return new SummaryAccumulator(prepared.customers, m.mean, Math.max(m.low, m.mean - 8 * m.sd), Math.min(m.high, m.mean + 8 * m.sd));
}

/**
 * @internal Simulations from … to − 1 in blocks into an accumulator; `close` false leaves the last
 * chunk open for the simulations that follow (a worker's range that ends inside a chunk).
 */
export function runIntoAccumulator(
  prepared: PreparedSimulation,
  from: number,
  to: number,
  accumulator: SummaryAccumulator,
  key: StreamKey = streamKey(prepared.seed),
  close = true,
): void {
  const size = Math.min(prepared.blockSize, to - from);
  const totals = new Float64Array(size);
  const churners = new Uint32Array(size);
  for (let start = from; start < to; start += size) {
    const end = Math.min(to, start + size);
    simulateRange(prepared, start, end, totals, churners, key);
    for (let j = 0; j < end - start; j++) accumulator.add(totals[j], churners[j]);
  }
  if (close) accumulator.closeChunk();
}

function baseSummary(prepared: PreparedSimulation) {
  const m = exactMoments(prepared);
  return {
    simulations: prepared.simulations,
    customers: prepared.customers,
    expectedRevenue: m.mean,
    expectedChurners: m.expectedChurners,
    averageChurnRate: m.expectedChurners / prepared.customers,
    exactSd: m.sd,
  };
}

function withProbabilityBelow<T extends object>(summary: T, probabilityBelow: (x: number) => number): T & { probabilityBelow(x: number): number } {
  // Not enumerable: the summary stays a plain table of numbers when spread, printed or sent to a sheet.
  Object.defineProperty(summary, 'probabilityBelow', {
    value: (x: number) => {
      check(typeof x === 'number' && !Number.isNaN(x), `probabilityBelow: x must be a number, got ${String(x)}`);
      return probabilityBelow(x);
    },
    enumerable: false,
  });
  return summary as T & { probabilityBelow(x: number): number };
}

/** @internal The exact summary from every draw. */
export function summaryFromDraws(prepared: PreparedSimulation, totals: Float64Array, churners: Uint32Array): RevenueSummary {
  const context = 'summaryFromDraws';
  checkPrepared(prepared, true, context);
  check(
    totals instanceof Float64Array && churners instanceof Uint32Array && totals.length >= 1 && churners.length === totals.length,
    `${context}: totals (a Float64Array) and churners (a Uint32Array) must hold the same number of simulations, at least one`,
  );
  for (let s = 0; s < totals.length; s++) {
    if (!Number.isFinite(totals[s])) throw new CbmError('NON_FINITE', `${context}: totals[${s}] is ${totals[s]}; the simulated totals must be finite`, { index: s });
  }
  const n = totals.length;
  const base = baseSummary(prepared);
  let sum = 0;
  let churnerSum = 0;
  for (let s = 0; s < n; s++) {
    sum += totals[s];
    churnerSum += churners[s];
  }
  const mean = sum / n;
  let squares = 0;
  for (let s = 0; s < n; s++) squares += (totals[s] - mean) * (totals[s] - mean);
  const sd = n > 1 ? Math.sqrt(squares / (n - 1)) : 0;
  const sorted = Float64Array.from(totals).sort();
  const min = sorted[0];
  const max = sorted[n - 1];
  const bins = prepared.histogramBins;
  const counts = new Float64Array(bins);
  const width = (max - min) / bins;
  for (let s = 0; s < n; s++) counts[width > 0 ? Math.min(bins - 1, Math.floor((totals[s] - min) / width)) : 0]++;
  const churnerCounts = new Float64Array(prepared.customers + 1);
  for (let s = 0; s < n; s++) churnerCounts[churners[s]]++;
  const summary = {
    ...base,
    mean,
    sd,
    standardError: sd / Math.sqrt(n),
    min,
    max,
    quantiles: {
      p5: quantileSorted(sorted, 0.05),
      p25: quantileSorted(sorted, 0.25),
      p50: quantileSorted(sorted, 0.5),
      p75: quantileSorted(sorted, 0.75),
      p95: quantileSorted(sorted, 0.95),
    },
    meanChurners: churnerSum / n,
    totalHistogram: histogramRows(min, width, counts, n),
    churnerHistogram: churnerRows(churnerCounts, n),
    method: 'exact' as const,
  };
  return withProbabilityBelow(summary, (x) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo / n;
  });
}

function histogramRows(min: number, width: number, counts: Float64Array, n: number): HistogramBin[] {
  const bins = counts.length;
  return Array.from(counts, (count, b) => ({ lower: min + b * width, upper: b === bins - 1 ? min + bins * width : min + (b + 1) * width, count, share: count / n }));
}

function churnerRows(counts: Float64Array, n: number): ChurnerCount[] {
  let first = 0;
  while (first < counts.length - 1 && counts[first] === 0) first++;
  let last = counts.length - 1;
  while (last > first && counts[last] === 0) last--;
  const rows: ChurnerCount[] = [];
  for (let k = first; k <= last; k++) rows.push({ churners: k, count: counts[k], share: counts[k] / n });
  return rows;
}

/** @internal The summary from a streamed accumulator (quantiles and histogram from the grid). */
export function summaryFromAccumulator(prepared: PreparedSimulation, acc: SummaryAccumulator): RevenueSummary {
  const n = acc.count;
  const base = baseSummary(prepared);
  let sum = 0;
  let squares = 0;
  let churnerSum = 0;
  for (let c = 0; c < acc.chunkSums.length; c++) {
    sum += acc.chunkSums[c];
    squares += acc.chunkSquares[c];
    churnerSum += acc.chunkChurners[c];
  }
  const meanShifted = sum / n;
  const mean = acc.shift + meanShifted;
  const sd = n > 1 ? Math.sqrt(Math.max(0, (squares - n * meanShifted * meanShifted) / (n - 1))) : 0;
  const outliers = Float64Array.from(acc.outliers).sort();
  const low = outliers.filter((x) => x < acc.gridLow);
  const high = outliers.filter((x) => x >= acc.gridLow);
  // Empirical CDF at x: outliers exactly, grid cells with their mass spread evenly over the cell.
  const below = (x: number): number => {
    let count = 0;
    for (const v of low) if (v < x) count++;
    for (const v of high) if (v < x) count++;
    if (acc.gridWidth > 0) {
      const position = (x - acc.gridLow) / acc.gridWidth;
      const whole = Math.max(0, Math.min(GRID_CELLS, Math.floor(position)));
      for (let c = 0; c < whole; c++) count += acc.grid[c];
      if (whole < GRID_CELLS && position > whole) count += acc.grid[whole] * (position - whole);
    }
    return count / n;
  };
  // The value where the interpolated empirical CDF reaches q·n (grid resolution).
  const quantile = (q: number): number => {
    const target = q * (n - 1) + 0.5;
    let count = 0;
    for (const v of low) {
      count++;
      if (count >= target) return v;
    }
    for (let c = 0; c < GRID_CELLS; c++) {
      const m = acc.grid[c];
      if (m > 0 && count + m >= target) return acc.gridLow + (c + (target - count) / m) * acc.gridWidth;
      count += m;
    }
    for (const v of high) {
      count++;
      if (count >= target) return v;
    }
    return acc.max;
  };
  const bins = prepared.histogramBins;
  const width = (acc.max - acc.min) / bins;
  const counts = new Float64Array(bins);
  const binOf = (x: number) => (width > 0 ? Math.min(bins - 1, Math.max(0, Math.floor((x - acc.min) / width))) : 0);
  for (const v of outliers) counts[binOf(v)]++;
  for (let c = 0; c < GRID_CELLS; c++) if (acc.grid[c] > 0) counts[binOf(acc.gridLow + (c + 0.5) * acc.gridWidth)] += acc.grid[c];
  const summary = {
    ...base,
    mean,
    sd,
    standardError: sd / Math.sqrt(n),
    min: acc.min,
    max: acc.max,
    quantiles: { p5: quantile(0.05), p25: quantile(0.25), p50: quantile(0.5), p75: quantile(0.75), p95: quantile(0.95) },
    meanChurners: churnerSum / n,
    totalHistogram: histogramRows(acc.min, width, counts, n),
    churnerHistogram: churnerRows(acc.churnerCounts, n),
    method: 'grid' as const,
  };
  return withProbabilityBelow(summary, below);
}
