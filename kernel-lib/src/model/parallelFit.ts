import { join } from 'node:path';
import type { DataInput, Table } from '../data/table';
import { WorkerPool, workerCount, type PooledWorker } from '../workerPool';
import { conditionedDesign } from './conditioning';
import type { ColumnAllocator } from './design';
import { checkFitOptions, designNewtonOptions, FIT_OPTION_NAMES, logitDesign, modelOfFit, refusePrior, type FitOptions } from './fit';
import type { FitTask } from './fitWorker';
import { blockCount, blockSumsLength, evaluateBlocks, interceptColumnOf, logitDriverFrom, mergeBlocks, newtonLogit, SUM_BLOCK, warmStartSample, type NewtonOptions } from './irls';
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

/**
 * Column buffers in shared memory kept between fits, by size. A fresh buffer's pages are mapped
 * on first write, which costs several times the writing itself (a 1M-row fit's columns: some
 * 40 ms against 5 ms on the bench machine), so fits of one size reuse them. Only the last size
 * is kept; closeWorkers() frees them with the threads.
 */
const spareBuffers: SharedArrayBuffer[] = [];

// Compiled layout: dist/model/parallelFit.js beside dist/model/fitWorker.js.
const pool = new WorkerPool(join(__dirname, 'fitWorker.js'), 'fitLogitParallel', () => {
  spareBuffers.length = 0;
});
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
const run = (thread: PooledWorker, task: DistributiveOmit<FitTask, 'id'>) => pool.run(thread, task);
let nextFitId = 1;

/**
 * The shared columns of one fit: made by `allocate` (design columns, scaled columns, copies),
 * handed back to the spare buffers by `release` once no thread reads them. A column of a single
 * block is plain memory: such a fit runs on the calling thread alone.
 */
class SharedColumns {
  private readonly taken: SharedArrayBuffer[] = [];

  readonly allocate: ColumnAllocator = (n) => {
    if (n <= SUM_BLOCK) return new Float64Array(n);
    const bytes = n * 8;
    // Picked by size: two concurrent fits of different sizes both hand theirs back, so the spares
    // can hold two sizes. A size none of them has drops them all (only the last size is kept).
    const at = spareBuffers.findIndex((buffer) => buffer.byteLength === bytes);
    if (at < 0) spareBuffers.length = 0;
    const buffer = at >= 0 ? spareBuffers.splice(at, 1)[0] : new SharedArrayBuffer(bytes);
    this.taken.push(buffer);
    return new Float64Array(buffer);
  };

  /**
   * `column` as the worker threads see it: as it is when it lies in shared memory already, else
   * a shared copy of rows [from, n), the only ones they read.
   */
  share(column: Float64Array, from: number): Float64Array {
    if (column.buffer instanceof SharedArrayBuffer) return column;
    const copy = this.allocate(column.length);
    copy.set(column.subarray(from), from);
    return copy;
  }

  release(): void {
    spareBuffers.push(...this.taken.splice(0, this.taken.length));
  }
}

/**
 * fitLogit with the Newton steps' sums on worker threads (Node only; the
 * `@cbm-kit/kernel-lib/parallel` entry). The calling thread sums its share of the rows, pooled
 * threads the rest, read in shared memory (the design's new columns are made there; columns
 * taken as they are from the data are copied, the pooled threads' rows only); each Newton step
 * sends β and gets back the sums of the log-likelihood, gradient and Hessian over fixed blocks of
 * 65,536 rows, which are added in block order exactly as fitLogit adds them. So the model –
 * coefficients, covariance, log-likelihood, iterations, warnings and errors – is bit for bit
 * fitLogit's, whatever the number of workers. Data of a single block fits on the calling thread.
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
  const shared = new SharedColumns();
  try {
    const { prepared, spec, columns } = logitDesign(data, formula, fitOptions, context, workers > 1 ? shared.allocate : undefined);
    refusePrior(prepared, context);
    const design = conditionedDesign(columns, designNewtonOptions(spec, fitOptions, context), workers > 1 ? shared.allocate : undefined);
    const fit = design.toOriginal(await newtonLogitOnWorkers(design.columns, prepared.y, design.options, workers, shared));
    return modelOfFit(prepared, spec, columns, fit, fitOptions, context);
  } finally {
    shared.release();
  }
}

/**
 * newtonLogit with each request's block sums computed by `workers` threads, each on a contiguous
 * range of blocks: the calling thread sums the first range, pooled threads the others. The warm
 * start's subsample fit is split the same way, over its smaller blocks.
 */
async function newtonLogitOnWorkers(columns: readonly Float64Array[], y: Float64Array, options: NewtonOptions, workers: number, shared: SharedColumns): Promise<NewtonFit> {
  const n = y.length;
  const count = Math.min(workers, blockCount(n));
  if (count <= 1) return newtonLogit(columns, y, options);
  const onesColumn = interceptColumnOf(columns, options);
  const threads = pool.take(count - 1);
  const loaded: SplitFit[] = [];
  const pending: Promise<unknown>[] = [];
  // Every task's promise is awaited; this only keeps a failure while this thread works from being unhandled.
  const started = <T>(promise: Promise<T>) => {
    pending.push(promise.catch(() => undefined));
    return promise;
  };
  try {
    const sample = warmStartSample(columns, y, options, onesColumn);
    // The threads get a copy of the (small) subsample, and read the data in shared memory.
    const warm = sample ? loadOnThreads(threads, sample.columns, sample.y, onesColumn, sample.options.sumBlockRows ?? SUM_BLOCK, null, started) : null;
    const full = loadOnThreads(threads, columns, y, onesColumn, SUM_BLOCK, shared, started);
    loaded.push(...(warm ? [warm, full] : [full]));
    const rough =
      warm && sample ? { fit: await answerOnThreads(logitDriverFrom(columns.length, sample.y.length, sample.options, null), warm, threads, started), rows: sample.y.length } : null;
    return await answerOnThreads(logitDriverFrom(columns.length, n, options, rough), full, threads, started);
  } finally {
    await Promise.all(pending);
    // A thread that failed has left the pool; the others drop their views of this fit's buffers.
    await Promise.all(threads.flatMap((thread) => loaded.map((fit) => run(thread, { kind: 'release', fit: fit.id }).catch(() => undefined))));
  }
}

/** Rows of one Newton fit split over the threads: this one sums blocks [0, edges[1]), pooled thread w blocks [edges[w + 1], edges[w + 2]). */
interface SplitFit {
  id: number;
  columns: readonly Float64Array[];
  y: Float64Array;
  onesColumn: number;
  blockRows: number;
  edges: number[];
  /** The blocks' sums, filled by every thread. */
  sums: Float64Array;
}

/**
 * Sends the pooled threads their share of a fit's rows: in shared memory (`shared`: columns
 * there already as they are, others copied, the threads' rows only), or else as a copy.
 */
function loadOnThreads(
  threads: PooledWorker[],
  columns: readonly Float64Array[],
  y: Float64Array,
  onesColumn: number,
  blockRows: number,
  shared: SharedColumns | null,
  started: <T>(promise: Promise<T>) => Promise<T>,
): SplitFit {
  const count = threads.length + 1;
  const blocks = blockCount(y.length, blockRows);
  const edges = Array.from({ length: count + 1 }, (_, w) => Math.round((blocks * w) / count));
  const from = edges[1] * blockRows;
  const theirs = (column: Float64Array) => (shared ? shared.share(column, from) : column);
  const data = { columns: columns.map(theirs), y: theirs(y) };
  const sumsBuffer = new SharedArrayBuffer(blockSumsLength(y.length, columns.length, blockRows) * 8);
  const id = nextFitId++;
  threads.forEach((thread, w) => {
    started(run(thread, { kind: 'load', fit: id, ...data, sums: sumsBuffer, onesColumn, blockRows, fromBlock: edges[w + 1], toBlock: edges[w + 2] }));
  });
  return { id, columns, y, onesColumn, blockRows, edges, sums: new Float64Array(sumsBuffer) };
}

/** Runs `driver` to its fit, each request answered by every thread on its blocks of `fit`. */
async function answerOnThreads(
  driver: ReturnType<typeof logitDriverFrom>,
  fit: SplitFit,
  threads: PooledWorker[],
  started: <T>(promise: Promise<T>) => Promise<T>,
): Promise<NewtonFit> {
  const p = fit.columns.length;
  const gradient = new Float64Array(p);
  const hessian = new Float64Array(p * p);
  let next = driver.next();
  while (!next.done) {
    const request = next.value;
    const pooled = started(Promise.all(threads.map((thread) => run(thread, { kind: 'step', fit: fit.id, ...request }))));
    evaluateBlocks(fit.columns, fit.y, request, fit.onesColumn, 0, fit.edges[1], fit.sums, null, fit.blockRows);
    await pooled;
    next = driver.next(mergeBlocks(fit.sums, p, request.need, gradient, hessian));
  }
  return next.value;
}
