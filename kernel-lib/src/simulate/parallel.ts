import { join } from 'node:path';
import { checkOptionSchema, type OptionSchema } from '../options';
import { WorkerPool, workerCount, type PooledWorker, type TaskReply } from '../workerPool';
import {
  newAccumulator,
  prepareSimulation,
  simulateRevenue,
  summaryFromAccumulator,
  summaryFromDraws,
  SummaryAccumulator,
  type SimulateRevenueResult,
  type SimulateRevenueSpec,
} from './revenue';
import { SIMD_LANES } from './revenueSimd';
import type { WorkerTask } from './worker';

/** Options of {@link simulateRevenueParallel}: how many worker threads, and the least work worth a thread. */
export interface ParallelOptions {
  /** Worker threads, default: the machine's available parallelism. 1 runs on the calling thread. */
  workers?: number;
  /** Fewer customer draws than this per worker and it uses fewer workers, default 10 million. */
  minDrawsPerWorker?: number;
}

const PARALLEL_OPTIONS: OptionSchema = {
  // The same bounds as workerCount's, which fills in the default.
  workers: { kind: 'number', integer: true, min: 1, max: 64 },
  minDrawsPerWorker: { kind: 'number', min: 0, example: '10000000' },
};
// Compiled layout: dist/simulate/parallel.js beside dist/simulate/worker.js.
const pool = new WorkerPool(join(__dirname, 'worker.js'), 'simulateRevenueParallel');
const run = (thread: PooledWorker, task: Omit<WorkerTask, 'id'>) =>
  pool.run<TaskReply & { accumulator?: Record<string, unknown>; leadTotals?: Float64Array; leadChurners?: Uint32Array }>(thread, task);

/**
 * simulateRevenue on several worker threads (Node only; the `@cbm-kit/kernel-lib/parallel`
 * entry, so the browser/Excel root never imports node:worker_threads). The simulations are split
 * into even contiguous ranges; every simulation keeps its own seeded stream, and a streamed
 * summary's chunk cut between two ranges is finished in simulation order, so the totals, churner counts and summary are identical to
 * `simulateRevenue` with the same spec, whatever the number of workers. Small runs (under
 * `minDrawsPerWorker` customer draws per worker) stay on the calling thread; the threads are
 * kept in a pool between calls, shared by concurrent calls, and keep the process alive only
 * while a call is pending on them.
 *
 * @example
 * const result = await simulateRevenueParallel(
 *   { churnProbabilities: [0.2, 0.5], revenues: [100, 250], simulations: 100000, seed: 1 },
 *   { workers: 2 },
 * );
 */
export async function simulateRevenueParallel(spec: SimulateRevenueSpec, options: ParallelOptions = {}): Promise<SimulateRevenueResult> {
  const context = 'simulateRevenueParallel';
  checkOptionSchema(options, context, PARALLEL_OPTIONS);
  const requested = workerCount(options?.workers, context);
  const minDraws = options?.minDrawsPerWorker ?? 10_000_000;
  const prepared = prepareSimulation(spec, context);
  // Every total is its simulation's own, so any split gives the same draws: the simulations are
  // split evenly, in whole SIMD passes (10,000 on two workers: 5,000 each; split by the streamed
  // summary's 4,096-simulation chunks they were 8,192 and 1,808). A streamed summary adds its sums
  // chunk by chunk in simulation order, and a chunk cut between two workers is finished here in
  // that order (see the worker), so its numbers too are the same whatever the split.
  const units = Math.ceil(prepared.simulations / SIMD_LANES);
  const byWork = Math.max(1, Math.floor((prepared.simulations * prepared.customers) / Math.max(1, minDraws)));
  const workers = Math.min(requested, units, byWork);
  if (workers === 1) return simulateRevenue(spec);
  const ranges: [number, number][] = [];
  for (let w = 0; w < workers; w++) {
    const from = Math.min(prepared.simulations, Math.round((units * w) / workers) * SIMD_LANES);
    const to = Math.min(prepared.simulations, Math.round((units * (w + 1)) / workers) * SIMD_LANES);
    ranges.push([from, to]);
  }
  const threads = pool.take(workers);
  if (prepared.keepDraws) {
    const totalsBuffer = new SharedArrayBuffer(prepared.simulations * 8);
    const churnersBuffer = new SharedArrayBuffer(prepared.simulations * 4);
    await Promise.all(ranges.map(([from, to], w) => run(threads[w], { prepared, from, to, totals: totalsBuffer, churners: churnersBuffer })));
    // Copies into ordinary buffers: callers get the same types as simulateRevenue returns.
    const totals = new Float64Array(new Float64Array(totalsBuffer));
    const churners = new Uint32Array(new Uint32Array(churnersBuffer));
    return { totals, churners, summary: summaryFromDraws(prepared, totals, churners) };
  }
  const parts = await Promise.all(ranges.map(([from, to], w) => run(threads[w], { prepared, from, to })));
  const total = newAccumulator(prepared);
  for (const part of parts) {
    // The range's simulations before its first chunk boundary finish the previous range's chunk.
    const leadTotals = part.leadTotals as Float64Array;
    const leadChurners = part.leadChurners as Uint32Array;
    for (let j = 0; j < leadTotals.length; j++) total.add(leadTotals[j], leadChurners[j]);
    total.merge(Object.assign(Object.create(SummaryAccumulator.prototype), part.accumulator) as SummaryAccumulator);
  }
  total.closeChunk();
  return { totals: new Float64Array(0), churners: new Uint32Array(0), summary: summaryFromAccumulator(prepared, total) };
}
