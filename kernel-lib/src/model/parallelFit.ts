import { join } from 'node:path';
import type { DataInput, Table } from '../data/table';
import { WorkerPool, workerCount, type PooledWorker } from '../workerPool';
import { columnOrigins, conditionedDesign, momentBlocks, scalingFromBlocks, type ColumnScaling } from './conditioning';
import { fillProduct, type ColumnAllocator, type ProductColumn } from './design';
import { checkFitOptions, designNewtonOptions, FIT_OPTION_NAMES, logitDesign, modelOfFit, refusePrior, type FitOptions } from './fit';
import type { FitTask } from './fitWorker';
import { blockCount, blockSumsLength, evaluateClaimedBlocks, interceptColumnOf, logitDriverFrom, mergeBlocks, SUM_BLOCK, warmStartSample, type NewtonOptions } from './irls';
import type { LogitModel } from './logit';
import type { NewtonFit } from './newton';
import { newtonSimd, releaseNewtonSimd } from './newtonSimd';

/** fitLogit's options and the number of worker threads. */
export interface ParallelFitOptions extends FitOptions {
  /**
   * Threads summing the Newton steps, the calling thread one of them; default: the machine's
   * available parallelism. 1 fits on the calling thread alone.
   */
  workers?: number;
}

/**
 * Column buffers in shared memory kept between fits, by size in bytes. A fresh buffer's pages are
 * mapped on first write, which costs several times the writing itself (a 1M-row fit's columns:
 * some 40 ms against 5 ms on the bench machine), so fits of the same sizes reuse them. The sizes
 * the last fit on threads used are kept; closeWorkers() frees them with the threads.
 */
const spareBuffers = new Map<number, SharedArrayBuffer[]>();
/** Counts closeWorkers() calls: a fit running across one does not hand its buffers back to the spares. */
let poolGeneration = 0;

// Compiled layout: dist/model/parallelFit.js beside dist/model/fitWorker.js.
const pool = new WorkerPool(join(__dirname, 'fitWorker.js'), 'fitLogitParallel', () => {
  spareBuffers.clear();
  poolGeneration++;
  releaseNewtonSimd();
});
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
const run = (thread: PooledWorker, task: DistributiveOmit<FitTask, 'id'>) => pool.run(thread, task);
let nextFitId = 1;

/**
 * The shared columns of one fit: made by `allocate` (design columns, scaled columns, the warm
 * start's subsample, copies), handed back to the spare buffers by `release` once no thread reads
 * them.
 */
class SharedColumns {
  private readonly taken: SharedArrayBuffer[] = [];
  /** Each copied column's copy and the first row copied so far. */
  private readonly copies = new Map<Float64Array, { copy: Float64Array; from: number }>();
  private readonly generation = poolGeneration;

  readonly allocate: ColumnAllocator = (n) => {
    const buffer = spareBuffers.get(n * 8)?.pop() ?? new SharedArrayBuffer(n * 8);
    this.taken.push(buffer);
    return new Float64Array(buffer);
  };

  /**
   * `column` as the worker threads see it: as it is when it lies in shared memory already, else
   * a shared copy holding at least rows [from, n) (each row is copied once, however often asked).
   */
  share(column: Float64Array, from = 0): Float64Array {
    if (column.buffer instanceof SharedArrayBuffer) return column;
    const known = this.copies.get(column);
    if (known && known.from <= from) return known.copy;
    const copy = known?.copy ?? this.allocate(column.length);
    copy.set(column.subarray(from, known?.from ?? column.length), from);
    this.copies.set(column, { copy, from });
    return copy;
  }

  release(): void {
    if (this.generation !== poolGeneration) return; // closeWorkers() freed the spares meanwhile: keep none
    // A fit on the calling thread alone (workers: 1, or one block) took none: the spares stay as they are.
    if (this.taken.length === 0) return;
    const sizes = new Set(this.taken.map((buffer) => buffer.byteLength));
    for (const size of spareBuffers.keys()) if (!sizes.has(size)) spareBuffers.delete(size);
    for (const buffer of this.taken.splice(0, this.taken.length)) {
      const spare = spareBuffers.get(buffer.byteLength) ?? [];
      spare.push(buffer);
      spareBuffers.set(buffer.byteLength, spare);
    }
  }
}

/**
 * fitLogit with the Newton steps' sums on worker threads (Node only; the
 * `@cbm-kit/kernel-lib/parallel` entry). The calling thread sums its share of the rows, pooled
 * threads the rest, read in shared memory (the design's new columns are made there; columns
 * taken as they are from the data are copied, the pooled threads' rows only); each Newton step
 * sends β and gets back the sums of the log-likelihood, gradient and Hessian over fixed blocks of
 * 65,536 rows, each thread taking the next block when done with its last, which are added in
 * block order exactly as fitLogit adds them. Each thread sums its blocks on WebAssembly SIMD where
 * the engine has it (two rows per instruction, the same operations and summation order as
 * fitLogit's loop, e^x as V8's Math.exp computes it: the same bits). So the model –
 * coefficients, covariance, log-likelihood, iterations, warnings and errors – is bit for bit
 * fitLogit's, whatever the number of workers. Data of a single block fits on the calling thread.
 *
 * Memory: the shared column buffers (the design's columns and the response, 8 bytes a row each,
 * and the same for the warm start's ~50,000-row subsample: 67 MB for 1M rows × 7 terms) are kept
 * after the fit until `closeWorkers()`, since the next fit of the same sizes writes into them
 * several times faster than into fresh SharedArrayBuffers, whose pages are mapped on first write.
 * Only the sizes of the last fit on threads are kept; call `closeWorkers()` when done fitting to free them.
 * Each thread's SIMD kernel also keeps 2,048 rows of every column of the widest design it summed
 * (16 KB a column, 0.7 MB for 40), the calling thread's too, until `closeWorkers()`.
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
    const products: ProductColumn[] = [];
    const allocate = workers > 1 ? shared.allocate : undefined;
    const { prepared, spec, columns } = logitDesign(data, formula, fitOptions, context, allocate, products);
    refusePrior(prepared, context);
    const n = prepared.y.length;
    const threads = pool.take(Math.min(workers, blockCount(n)) - 1);
    const newtonOptions = designNewtonOptions(spec, fitOptions, context);
    const scaling = await designOnThreads(columns, products, newtonOptions.interceptColumn ?? -1, n, threads, shared);
    const design = conditionedDesign(columns, newtonOptions, allocate, scaling);
    const fit = design.toOriginal(await newtonLogitOnWorkers(design.columns, prepared.y, design.options, threads, shared));
    return modelOfFit(prepared, spec, columns, fit, fitOptions, context);
  } finally {
    shared.release();
  }
}

/** Thread w's blocks of the rows, [edges[w], edges[w + 1]), thread 0 being the calling thread. */
function splitEdges(blocks: number, threads: number): number[] {
  return Array.from({ length: threads + 1 }, (_, w) => Math.round((blocks * w) / threads));
}

/**
 * Fills the design's product columns and sums the columns' moments for their conditioning
 * (columnScaling's, bit for bit), each thread on the rows of its blocks of the Newton sums: the
 * pooled threads from shared copies of the columns and factors they read, which the Newton steps
 * read again.
 */
async function designOnThreads(
  columns: readonly Float64Array[],
  products: ProductColumn[],
  intercept: number,
  n: number,
  threads: PooledWorker[],
  shared: SharedColumns,
): Promise<ColumnScaling> {
  const blocks = blockCount(n);
  const edges = splitEdges(blocks, threads.length + 1);
  const rows = edges.map((edge) => Math.min(n, edge * SUM_BLOCK));
  const moments = new Float64Array(new SharedArrayBuffer(blocks * columns.length * 2 * 8));
  const theirs = (column: Float64Array) => shared.share(column, rows[1]);
  // The moments are taken about each column's first value (columnOrigins, read just below, before
  // this thread fills its rows): a product column's row 0 first, or its origin is what its buffer
  // held (zero, or a reused buffer's last fit) and the scaling is not columnScaling's.
  for (const product of products) fillProduct(product, 0, 1);
  const work = {
    products: threads.length > 0 ? products.map(({ out, parts }) => ({ out, parts: parts.map(theirs) })) : [],
    columns: threads.length > 0 ? columns.map(theirs) : [],
    origins: columnOrigins(columns),
    intercept,
    moments,
  };
  // Every thread's task is settled before a failure is rethrown: the fit then hands its buffers
  // back to the spares, which no thread may still be writing.
  const done = Promise.allSettled(
    threads.map((thread, w) => run(thread, { kind: 'design', ...work, from: rows[w + 1], to: rows[w + 2], fromBlock: edges[w + 1], toBlock: edges[w + 2] })),
  );
  // The Newton steps hand out blocks to whichever thread is free, so the pooled threads will read
  // this thread's rows of the design columns too: their copies are completed while those threads
  // fill theirs (a factor only multiplied into products is not read again).
  if (threads.length > 0) for (const column of columns) shared.share(column, 0);
  for (const product of products) fillProduct(product, 0, rows[1]);
  momentBlocks(columns, work.origins, intercept, 0, edges[1], moments);
  const failed = (await done).find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return scalingFromBlocks(columns, intercept, moments);
}

/**
 * newtonLogit with each request's blocks summed by the calling thread and the pooled `threads`,
 * each claiming the next block when done with its last; the warm start's subsample fit is split
 * the same way, over its smaller blocks. With no pooled thread (workers: 1, or one block of rows)
 * the calling thread sums every block, still on the SIMD kernel, and nothing is put in shared memory.
 */
async function newtonLogitOnWorkers(columns: readonly Float64Array[], y: Float64Array, options: NewtonOptions, threads: PooledWorker[], shared: SharedColumns): Promise<NewtonFit> {
  const n = y.length;
  const onesColumn = interceptColumnOf(columns, options);
  const loaded: SplitFit[] = [];
  const pending: Promise<unknown>[] = [];
  // Every task's promise is awaited; this only keeps a failure while this thread works from being unhandled.
  const started = <T>(promise: Promise<T>) => {
    pending.push(promise.catch(() => undefined));
    return promise;
  };
  try {
    const sample = warmStartSample(columns, y, options, onesColumn, threads.length > 0 ? shared.allocate : undefined);
    const warm = sample ? loadOnThreads(threads, sample.columns, sample.y, onesColumn, sample.options.sumBlockRows ?? SUM_BLOCK, shared, started) : null;
    const full = loadOnThreads(threads, columns, y, onesColumn, SUM_BLOCK, shared, started);
    loaded.push(...(warm ? [warm, full] : [full]));
    const rough =
      warm && sample ? { fit: await answerOnThreads(logitDriverFrom(columns.length, sample.y.length, sample.options, null), warm, threads, started), rows: sample.y.length } : null;
    return await answerOnThreads(logitDriverFrom(columns.length, n, options, rough), full, threads, started);
  } finally {
    await Promise.all(pending);
    // A thread that failed has left the pool; the others drop their views of this fit's buffers.
    // Not awaited (a round trip less): a thread answers its tasks in order, so it has dropped them
    // before it reads any later fit's rows, whichever buffers that fit reuses.
    for (const thread of threads) for (const fit of loaded) run(thread, { kind: 'release', fit: fit.id }).catch(() => undefined);
  }
}

/** One Newton fit's rows, whose blocks every thread claims from one counter (evaluateClaimedBlocks). */
interface SplitFit {
  id: number;
  columns: readonly Float64Array[];
  y: Float64Array;
  onesColumn: number;
  blockRows: number;
  /** The counter of claimed blocks (element 0), in shared memory; reset before each request. */
  claims: Int32Array;
  /** The blocks' sums, filled by every thread. */
  sums: Float64Array;
}

/** Sends the pooled threads a fit's rows, in shared memory: columns there already as they are, others copied. */
function loadOnThreads(
  threads: PooledWorker[],
  columns: readonly Float64Array[],
  y: Float64Array,
  onesColumn: number,
  blockRows: number,
  shared: SharedColumns,
  started: <T>(promise: Promise<T>) => Promise<T>,
): SplitFit {
  const sumsBuffer = new SharedArrayBuffer(blockSumsLength(y.length, columns.length, blockRows) * 8);
  const claimsBuffer = new SharedArrayBuffer(4);
  const id = nextFitId++;
  if (threads.length > 0) {
    const data = { columns: columns.map((c) => shared.share(c)), y: shared.share(y) };
    for (const thread of threads) started(run(thread, { kind: 'load', fit: id, ...data, sums: sumsBuffer, claims: claimsBuffer, onesColumn, blockRows }));
  }
  return { id, columns, y, onesColumn, blockRows, claims: new Int32Array(claimsBuffer), sums: new Float64Array(sumsBuffer) };
}

/** Runs `driver` to its fit, each request answered by every thread on the blocks of `fit` it claims. */
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
    // Every thread has answered the last request, so none is claiming: the counter restarts.
    Atomics.store(fit.claims, 0, 0);
    const pooled = started(Promise.all(threads.map((thread) => run(thread, { kind: 'step', fit: fit.id, ...request }))));
    evaluateClaimedBlocks(fit.columns, fit.y, request, fit.onesColumn, fit.claims, fit.sums, null, fit.blockRows, newtonSimd(p));
    await pooled;
    next = driver.next(mergeBlocks(fit.sums, p, request.need, gradient, hessian));
  }
  return next.value;
}
