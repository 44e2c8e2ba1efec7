/// <reference lib="dom" />
import type { Cancellation } from './longRunning';
import { ExcelFailure } from './excelErrors';
import type { WorkerReply, WorkerRequest } from './worker';

/** The worker bundle, beside functions.js in dist/ (resolved against the shared-runtime page). */
export const WORKER_SCRIPT = 'functions-worker.js';

/** How many calls ran in a worker and how many inline (no Worker in this runtime): for the structure test and the bench. */
export const offThreadRuns = { worker: 0, inline: 0 };

/**
 * Runs a worker function (worker.ts) in a Worker of its own and resolves with its cells; a
 * cancellation terminates the worker at once. Where the runtime has no Worker, the function runs
 * inline after one yield (`inline`), as it did before.
 */
export function runOffThread<T>(name: string, args: unknown[], cancellation: Cancellation, inline: () => T): Promise<T> {
  if (typeof Worker === 'undefined') {
    offThreadRuns.inline++;
    return new Promise<void>((resolve) => setTimeout(resolve, 0)).then(() => {
      if (cancellation.cancelled) throw cancelledFailure();
      return inline();
    });
  }
  offThreadRuns.worker++;
  return new Promise<T>((resolve, reject) => {
    const worker = new Worker(WORKER_SCRIPT);
    const finish = () => {
      worker.terminate();
      cancellation.onCancel = undefined;
    };
    cancellation.onCancel = () => {
      finish();
      reject(cancelledFailure());
    };
    worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      finish();
      const reply = event.data;
      if ('error' in reply) reject(new ExcelFailure(reply.error.code, reply.error.message));
      else resolve(reply.value as T);
    };
    worker.onerror = (event: ErrorEvent) => {
      finish();
      reject(new ExcelFailure('#VALUE!', `the calculation failed in its worker: ${event.message || 'the worker could not start'}`));
    };
    const request: WorkerRequest = { name, args };
    worker.postMessage(request);
  });
}

function cancelledFailure(): ExcelFailure {
  return new ExcelFailure('#N/A', 'the calculation was cancelled');
}
