/// <reference lib="dom" />
import type { Cancellation } from './longRunning';
import { ExcelFailure } from './excelErrors';
import type { RowsMessage, WorkerReply, WorkerRequest } from './worker';

/** The worker bundle, beside functions.js in dist/ (resolved against the shared-runtime page). */
export const WORKER_SCRIPT = 'functions-worker.js';

/** How many calls ran in a worker and how many inline (no Worker in this runtime): for the structure test and the bench. */
export const offThreadRuns = { worker: 0, inline: 0 };

/**
 * Runs a worker function (worker.ts) in a Worker of its own and resolves with its result; a
 * cancellation terminates the worker at once. Where the runtime has no Worker, the function runs
 * inline after one yield (`inline`), as it did before. A failure names `shownAs` (the CBM function).
 */
export function runOffThread<T>(name: string, args: unknown[], cancellation: Cancellation, inline: () => T, shownAs = name): Promise<T> {
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
    send(worker, name, shownAs, args, cancellation).catch((error) => {
      finish();
      reject(error);
    });
  });
}

/** Rows per message when a range goes to the worker in pieces (about a 20 ms copy each on a slow machine). */
export const ROWS_PER_MESSAGE = 10_000;

/** Posts the call, each range longer than ROWS_PER_MESSAGE in pieces with a yield between them. */
async function send(worker: Worker, name: string, shownAs: string, args: unknown[], cancellation: Cancellation): Promise<void> {
  const pieces = args.flatMap((a, arg) => (Array.isArray(a) && a.length > ROWS_PER_MESSAGE ? [{ arg, rows: a.length }] : []));
  const request: WorkerRequest = { name, shownAs, args: args.map((a, i) => (pieces.some((p) => p.arg === i) ? null : a)), pieces };
  worker.postMessage(request);
  for (const { arg, rows } of pieces) {
    const range = args[arg] as unknown[];
    for (let from = 0; from < rows; from += ROWS_PER_MESSAGE) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (cancellation.cancelled) return;
      const message: RowsMessage = { arg, rows: range.slice(from, from + ROWS_PER_MESSAGE) };
      worker.postMessage(message);
    }
  }
}

function cancelledFailure(): ExcelFailure {
  return new ExcelFailure('#N/A', 'the calculation was cancelled');
}
