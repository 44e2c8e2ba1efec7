/**
 * Worker-thread side of fitLogitParallel: fits the warm start's subsample, holds views of a fit's
 * design columns and response in shared memory, and answers each Newton request on its own range
 * of row blocks into the fit's shared block-sums buffer (the caller adds the blocks in block
 * order). Node only; reached through the `@cbm-kit/kernel-lib/parallel` entry.
 */
import { parentPort } from 'node:worker_threads';
import { evaluateBlocks, newtonLogit, type NewtonOptions } from './irls';
import type { NewtonFit, NewtonRequest } from './newton';

/** A column of n numbers in shared memory. */
export interface SharedColumn {
  buffer: SharedArrayBuffer;
  byteOffset: number;
  length: number;
}

export type FitTask =
  | {
      id: number;
      kind: 'load';
      fit: number;
      /** The p design columns (the thread reads rows of its blocks only). */
      columns: SharedColumn[];
      y: SharedColumn;
      /** blockSumsLength(n, p) numbers, slots in block order. */
      sums: SharedArrayBuffer;
      onesColumn: number;
      fromBlock: number;
      toBlock: number;
    }
  | { id: number; kind: 'warm'; columns: Float64Array[]; y: Float64Array; options: NewtonOptions }
  | ({ id: number; kind: 'step'; fit: number } & NewtonRequest)
  | { id: number; kind: 'release'; fit: number };

/** The reply to 'warm': newtonLogit's fit of the subsample, the very one the calling thread would get. */
export interface WarmReply {
  id: number;
  fit: NewtonFit;
}

interface LoadedFit {
  columns: Float64Array[];
  y: Float64Array;
  sums: Float64Array;
  onesColumn: number;
  fromBlock: number;
  toBlock: number;
}

const fits = new Map<number, LoadedFit>();
const view = (c: SharedColumn) => new Float64Array(c.buffer, c.byteOffset, c.length);

parentPort?.on('message', (task: FitTask) => {
  try {
    if (task.kind === 'warm') {
      parentPort!.postMessage({ id: task.id, fit: newtonLogit(task.columns, task.y, task.options) });
      return;
    }
    if (task.kind === 'load') {
      fits.set(task.fit, {
        columns: task.columns.map(view),
        y: view(task.y),
        sums: new Float64Array(task.sums),
        onesColumn: task.onesColumn,
        fromBlock: task.fromBlock,
        toBlock: task.toBlock,
      });
    } else if (task.kind === 'step') {
      const fit = fits.get(task.fit);
      if (!fit) throw new Error(`fit ${task.fit} is not loaded on this thread`);
      evaluateBlocks(fit.columns, fit.y, task, fit.onesColumn, fit.fromBlock, fit.toBlock, fit.sums);
    } else {
      fits.delete(task.fit);
    }
    parentPort!.postMessage({ id: task.id });
  } catch (error) {
    parentPort!.postMessage({ id: task.id, error: error instanceof Error ? error.message : String(error) });
  }
});
