import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CbmError, check, checkOptions } from '../errors';
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
import type { WorkerTask } from './worker';

/**
 * simulateRevenue on several worker threads (Node only; the `@cbm-kit/kernel-lib/parallel`
 * entry, so the browser/Excel root never imports node:worker_threads). The simulations are split
 * into contiguous ranges aligned to the summary's 4,096-simulation chunks; every simulation keeps
 * its own seeded stream, so the totals, churner counts and summary are identical to
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
export interface ParallelOptions {
  /** Worker threads, default: the machine's available parallelism. 1 runs on the calling thread. */
  workers?: number;
  /** Fewer customer draws than this per worker and it uses fewer workers, default 10 million. */
  minDrawsPerWorker?: number;
}

const OPTION_NAMES = ['workers', 'minDrawsPerWorker'];

type TaskReply = { id: number; error?: string; accumulator?: Record<string, unknown> };
interface PendingTask {
  resolve(reply: TaskReply): void;
  reject(error: Error): void;
}
/** A pooled thread and the tasks posted to it and not yet answered (several calls may share it). */
interface PooledWorker {
  worker: Worker;
  pending: Map<number, PendingTask>;
}

const pool: PooledWorker[] = [];
let nextTaskId = 1;

function workerScript(): string {
  // Compiled layout: dist/simulate/parallel.js beside dist/simulate/worker.js.
  return join(__dirname, 'worker.js');
}

/** Rejects every task still waiting on a thread that failed or stopped, and drops it from the pool. */
function retire(pooled: PooledWorker, error: Error): void {
  const at = pool.indexOf(pooled);
  if (at >= 0) pool.splice(at, 1);
  const waiting = [...pooled.pending.values()];
  pooled.pending.clear();
  pooled.worker.unref();
  for (const task of waiting) task.reject(error);
}

function spawnWorker(): PooledWorker {
  const pooled: PooledWorker = { worker: new Worker(workerScript()), pending: new Map() };
  const { worker, pending } = pooled;
  // An idle thread never keeps the process alive; a thread with any task pending does (ref'd
  // from its first pending task to its last reply, however many calls share it).
  worker.unref();
  worker.on('message', (reply: TaskReply) => {
    const task = pending.get(reply.id);
    if (!task) return;
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    if (reply.error) task.reject(new CbmError('BAD_INPUT', `simulateRevenueParallel: a worker failed: ${reply.error}`));
    else task.resolve(reply);
  });
  worker.on('error', (error) => retire(pooled, error));
  worker.on('exit', (code) => retire(pooled, new CbmError('BAD_INPUT', `simulateRevenueParallel: a worker thread stopped (exit code ${code}) before it answered`)));
  return pooled;
}

function poolOf(size: number): PooledWorker[] {
  while (pool.length < size) pool.push(spawnWorker());
  return pool.slice(0, size);
}

function run(pooled: PooledWorker, task: Omit<WorkerTask, 'id'>): Promise<TaskReply> {
  const id = nextTaskId++;
  return new Promise((resolve, reject) => {
    if (pooled.pending.size === 0) pooled.worker.ref();
    pooled.pending.set(id, { resolve, reject });
    pooled.worker.postMessage({ id, ...task });
  });
}

/** Stops the pooled worker threads (idle threads never keep the process alive, so this only frees them early); calls still running on them are rejected. */
export async function closeWorkers(): Promise<void> {
  const workers = pool.splice(0, pool.length);
  await Promise.all(workers.map((w) => w.worker.terminate()));
}

export async function simulateRevenueParallel(spec: SimulateRevenueSpec, options: ParallelOptions = {}): Promise<SimulateRevenueResult> {
  const context = 'simulateRevenueParallel';
  checkOptions(options, context);
  for (const key of Object.keys(options)) check(OPTION_NAMES.includes(key), `${context}: unknown option '${key}' (options: ${OPTION_NAMES.join(', ')})`);
  const requested = options.workers ?? availableParallelism();
  check(Number.isInteger(requested) && requested >= 1 && requested <= 64, `${context}: workers must be a whole number from 1 to 64, got ${String(options.workers)}`);
  const minDraws = options.minDrawsPerWorker ?? 10_000_000;
  check(typeof minDraws === 'number' && minDraws >= 0, `${context}: minDrawsPerWorker must be a number ≥ 0`);
  const prepared = prepareSimulation(spec, context);
  const chunk = SummaryAccumulator.CHUNK;
  const chunks = Math.ceil(prepared.simulations / chunk);
  const byWork = Math.max(1, Math.floor((prepared.simulations * prepared.customers) / Math.max(1, minDraws)));
  const workers = Math.min(requested, chunks, byWork);
  if (workers === 1) return simulateRevenue(spec);
  const ranges: [number, number][] = [];
  for (let w = 0; w < workers; w++) {
    const from = Math.min(prepared.simulations, Math.round((chunks * w) / workers) * chunk);
    const to = Math.min(prepared.simulations, Math.round((chunks * (w + 1)) / workers) * chunk);
    ranges.push([from, to]);
  }
  const threads = poolOf(workers);
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
  for (const part of parts) total.merge(Object.assign(Object.create(SummaryAccumulator.prototype), part.accumulator) as SummaryAccumulator);
  return { totals: new Float64Array(0), churners: new Uint32Array(0), summary: summaryFromAccumulator(prepared, total) };
}
