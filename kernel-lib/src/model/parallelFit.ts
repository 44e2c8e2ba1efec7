import { join } from 'node:path';
import type { DataInput, Table } from '../data/table';
import { WorkerPool, workerCount, type PooledWorker } from '../workerPool';
import { conditionedDesign } from './conditioning';
import { checkFitOptions, designNewtonOptions, FIT_OPTION_NAMES, logitDesign, modelOfFit, refusePrior, type FitOptions } from './fit';
import type { FitTask } from './fitWorker';
import { blockCount, blockSumsLength, evaluateBlocks, logitDriver, mergeBlocks, newtonLogit, SUM_BLOCK, type NewtonOptions } from './irls';
import type { LogitModel } from './logit';
import type { NewtonFit } from './newton';

/** fitLogit's options and the number of worker threads. */
export interface ParallelFitOptions extends FitOptions {
  /**
   * Threads summing the Newton steps, the calling thread one of them; default: the machine's
   * available parallelism. 1 fits on the calling thread alone.
   */
  workers?: number;
}

// Compiled layout: dist/model/parallelFit.js beside dist/model/fitWorker.js.
const pool = new WorkerPool(join(__dirname, 'fitWorker.js'), 'fitLogitParallel');
const run = (thread: PooledWorker, task: DistributiveOmit<FitTask, 'id'>) => pool.run(thread, task);
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
let nextFitId = 1;

/**
 * fitLogit with the Newton steps' sums on worker threads (Node only; the
 * `@cbm-kit/kernel-lib/parallel` entry). The calling thread sums its share of the rows, pooled
 * threads the rest, whose rows are copied to them once, in shared memory; each Newton step sends β and gets back the sums of the log-likelihood, gradient and
 * Hessian over fixed blocks of 65,536 rows, which are added in block order exactly as fitLogit adds
 * them. So the model – coefficients, covariance, log-likelihood, iterations, warnings and errors –
 * is bit for bit fitLogit's, whatever the number of workers. Data of a single block fits on the
 * calling thread.
 *
 * @example
 * import { fitLogitParallel } from '@cbm-kit/kernel-lib/parallel';
 * const x = Float64Array.from({ length: 200_000 }, (_, i) => (i % 1000) / 1000);
 * const y = x.map((v, i) => ((i * 7919) % 1000 < 1000 / (1 + Math.exp(1 - 2 * v)) ? 1 : 0));
 * const model = await fitLogitParallel({ x, y }, 'y ~ x', { workers: 2 });
 * model.coefficient('x') > 0; // true
 */
export async function fitLogitParallel(data: DataInput | Table, formula: string, options: ParallelFitOptions = {}): Promise<LogitModel> {
  const context = 'fitLogitParallel';
  checkFitOptions(options, context, [...FIT_OPTION_NAMES, 'workers']);
  const workers = workerCount(options.workers, context);
  const { workers: _, ...fitOptions } = options;
  const { prepared, spec, columns } = logitDesign(data, formula, fitOptions, context);
  refusePrior(prepared, context);
  const design = conditionedDesign(columns, designNewtonOptions(spec, fitOptions, context));
  const fit = design.toOriginal(await newtonLogitOnWorkers(design.columns, prepared.y, design.options, workers));
  return modelOfFit(prepared, spec, columns, fit, fitOptions, context);
}

/**
 * newtonLogit with each request's block sums computed by `workers` threads, each on a contiguous
 * range of blocks: the calling thread sums the first range from the columns as they are, and
 * pooled threads the others, from a copy of their rows in shared memory. The warm start (a
 * subsample of one block) runs on the calling thread.
 */
async function newtonLogitOnWorkers(columns: readonly Float64Array[], y: Float64Array, options: NewtonOptions, workers: number): Promise<NewtonFit> {
  const n = y.length;
  const p = columns.length;
  const blocks = blockCount(n);
  const count = Math.min(workers, blocks);
  if (count <= 1) return newtonLogit(columns, y, options);
  const { driver, onesColumn } = logitDriver(columns, y, options);
  const edges = Array.from({ length: count + 1 }, (_, w) => Math.round((blocks * w) / count));
  // Only the pooled threads' rows are copied (pages of the buffer never written are never touched).
  const shared = Math.min(n, edges[1] * SUM_BLOCK);
  const data = new SharedArrayBuffer((p + 1) * n * 8);
  for (let j = 0; j < p; j++) new Float64Array(data, j * n * 8, n).set(columns[j].subarray(shared), shared);
  new Float64Array(data, p * n * 8, n).set(y.subarray(shared), shared);
  const sumsBuffer = new SharedArrayBuffer(blockSumsLength(n, p) * 8);
  const sums = new Float64Array(sumsBuffer);
  const fit = nextFitId++;
  const threads = pool.take(count - 1);
  try {
    await Promise.all(threads.map((thread, w) => run(thread, { kind: 'load', fit, data, sums: sumsBuffer, n, p, onesColumn, fromBlock: edges[w + 1], toBlock: edges[w + 2] })));
    const gradient = new Float64Array(p);
    const hessian = new Float64Array(p * p);
    let next = driver.next();
    while (!next.done) {
      const request = next.value;
      const pooled = Promise.all(threads.map((thread) => run(thread, { kind: 'step', fit, ...request })));
      pooled.catch(() => undefined); // awaited below; this only keeps a failure while the caller sums from being unhandled
      evaluateBlocks(columns, y, request, onesColumn, 0, edges[1], sums);
      await pooled;
      next = driver.next(mergeBlocks(sums, p, request.need, gradient, hessian));
    }
    return next.value;
  } finally {
    // A thread that failed has left the pool; the others drop their views of this fit's buffers.
    await Promise.all(threads.map((thread) => run(thread, { kind: 'release', fit }).catch(() => undefined)));
  }
}
