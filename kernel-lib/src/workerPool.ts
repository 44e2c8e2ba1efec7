/**
 * The worker-thread pools of the `@cbm-kit/kernel-lib/parallel` entry (Node only: it imports
 * node:worker_threads, so nothing in the browser-safe root imports this file). One pool per worker
 * script, its threads started from the built dist on first use, kept between calls, shared by
 * concurrent calls, and keeping the process alive only while a task is pending on them.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { CbmError, check, describeValue } from './errors';

/** Every reply a pooled worker posts: the task's id, and a message when the task failed. */
export interface TaskReply {
  id: number;
  error?: string;
}

interface PendingTask {
  resolve(reply: TaskReply): void;
  reject(error: Error): void;
}

/** A pooled thread and the tasks posted to it and not yet answered (several calls may share it). */
export interface PooledWorker {
  worker: Worker;
  pending: Map<number, PendingTask>;
  /** Why the thread left the pool (it failed or stopped); a task posted to it after is rejected with this. */
  stopped?: Error;
}

const pools: WorkerPool[] = [];
let nextTaskId = 1;

/**
 * Threads running one worker script. `label` names the calling function in the errors of failed
 * tasks and stopped threads; `onClose` frees what the caller keeps for the threads (closeWorkers).
 *
 * @example
 * const pool = new WorkerPool('/path/to/dist/simulate/worker.js', 'simulateRevenueParallel');
 * pool.size; // 0: threads start on first use
 */
export class WorkerPool {
  private readonly threads: PooledWorker[] = [];

  constructor(
    private readonly script: string,
    private readonly label: string,
    private readonly onClose: () => void = () => undefined,
  ) {
    pools.push(this);
  }

  /** Threads started so far. */
  get size(): number {
    return this.threads.length;
  }

  /** The first `count` threads, started as needed. */
  take(count: number): PooledWorker[] {
    while (this.threads.length < count) this.threads.push(this.spawn());
    return this.threads.slice(0, count);
  }

  /**
   * Posts `task` (with a fresh id) to `pooled` and resolves with its reply; a reply with an error
   * rejects, and so does a thread that stopped (a message posted to it would never be answered).
   */
  run<Reply extends TaskReply>(pooled: PooledWorker, task: object): Promise<Reply> {
    const id = nextTaskId++;
    return new Promise<TaskReply>((resolve, reject) => {
      if (pooled.stopped) {
        reject(pooled.stopped);
        return;
      }
      if (pooled.pending.size === 0) pooled.worker.ref();
      pooled.pending.set(id, { resolve, reject });
      pooled.worker.postMessage({ ...task, id });
    }) as Promise<Reply>;
  }

  /** Stops the threads; tasks still pending on them are rejected. */
  async close(): Promise<void> {
    const threads = this.threads.splice(0, this.threads.length);
    this.onClose();
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }

  private spawn(): PooledWorker {
    const pooled: PooledWorker = { worker: new Worker(this.script), pending: new Map() };
    const { worker, pending } = pooled;
    // An idle thread never keeps the process alive; a thread with any task pending does (ref'd
    // from its first pending task to its last reply, however many calls share it).
    worker.unref();
    worker.on('message', (reply: TaskReply) => {
      const task = pending.get(reply.id);
      if (!task) return;
      pending.delete(reply.id);
      if (pending.size === 0) worker.unref();
      if (reply.error) task.reject(new CbmError('BAD_INPUT', `${this.label}: a worker failed: ${reply.error}`));
      else task.resolve(reply);
    });
    // An exception the script did not catch (the pooled scripts catch their own, so: a thread out
    // of memory, say) ends the thread; its tasks fail in the calling function's words.
    worker.on('error', (error: Error & { code?: string }) =>
      this.retire(pooled, new CbmError(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'TOO_LARGE' : 'BAD_INPUT', `${this.label}: a worker thread failed: ${error.message}`)),
    );
    worker.on('exit', (code) => this.retire(pooled, new CbmError('BAD_INPUT', `${this.label}: a worker thread stopped (exit code ${code}) before it answered`)));
    return pooled;
  }

  /** Rejects every task still waiting on a thread that failed or stopped, and drops it from the pool. */
  private retire(pooled: PooledWorker, error: Error): void {
    const at = this.threads.indexOf(pooled);
    if (at >= 0) this.threads.splice(at, 1);
    pooled.stopped ??= error;
    const waiting = [...pooled.pending.values()];
    pooled.pending.clear();
    pooled.worker.unref();
    for (const task of waiting) task.reject(error);
  }
}

/**
 * Stops every pooled worker thread of the parallel entry and frees the column buffers
 * fitLogitParallel keeps between fits (idle threads never keep the process alive, so this only
 * frees the memory early); calls still running on them are rejected.
 *
 * @example
 * await closeWorkers();
 */
export async function closeWorkers(): Promise<void> {
  await Promise.all(pools.map((pool) => pool.close()));
}

/**
 * The `workers` option of a parallel call, checked: a whole number from 1 to 64, default the
 * machine's available parallelism.
 *
 * @example
 * workerCount(3, 'fitLogitParallel'); // 3
 */
export function workerCount(workers: unknown, context: string): number {
  const requested = workers ?? availableParallelism();
  check(
    typeof requested === 'number' && Number.isInteger(requested) && requested >= 1 && requested <= 64,
    `${context}: workers must be a whole number from 1 to 64, got ${describeValue(workers)}`,
  );
  return requested as number;
}
