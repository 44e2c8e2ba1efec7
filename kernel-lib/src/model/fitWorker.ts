/**
 * Worker-thread side of fitLogitParallel: fills its rows of the design's product columns, holds a
 * fit's design columns and response (views of shared memory), and answers each Newton request on
 * its own range of row blocks into the fit's shared block-sums buffer (the caller adds the blocks
 * in block order). Node only; reached through the `@cbm-kit/kernel-lib/parallel` entry.
 */
import { parentPort } from 'node:worker_threads';
import { fillProduct, type ProductColumn } from './design';
import { evaluateBlocks } from './irls';
import type { NewtonRequest } from './newton';

export type FitTask =
  | {
      id: number;
      kind: 'load';
      fit: number;
      /** The p design columns (the thread reads the rows of its blocks only). */
      columns: Float64Array[];
      y: Float64Array;
      /** blockSumsLength(n, p, blockRows) numbers, slots in block order. */
      sums: SharedArrayBuffer;
      onesColumn: number;
      blockRows: number;
      fromBlock: number;
      toBlock: number;
    }
  | { id: number; kind: 'products'; products: ProductColumn[]; from: number; to: number }
  | ({ id: number; kind: 'step'; fit: number } & NewtonRequest)
  | { id: number; kind: 'release'; fit: number };

interface LoadedFit {
  columns: Float64Array[];
  y: Float64Array;
  sums: Float64Array;
  onesColumn: number;
  blockRows: number;
  fromBlock: number;
  toBlock: number;
}

const fits = new Map<number, LoadedFit>();

parentPort?.on('message', (task: FitTask) => {
  try {
    if (task.kind === 'products') {
      for (const product of task.products) fillProduct(product, task.from, task.to);
    } else if (task.kind === 'load') {
      fits.set(task.fit, {
        columns: task.columns,
        y: task.y,
        sums: new Float64Array(task.sums),
        onesColumn: task.onesColumn,
        blockRows: task.blockRows,
        fromBlock: task.fromBlock,
        toBlock: task.toBlock,
      });
    } else if (task.kind === 'step') {
      const fit = fits.get(task.fit);
      if (!fit) throw new Error(`fit ${task.fit} is not loaded on this thread`);
      evaluateBlocks(fit.columns, fit.y, task, fit.onesColumn, fit.fromBlock, fit.toBlock, fit.sums, null, fit.blockRows);
    } else {
      fits.delete(task.fit);
    }
    parentPort!.postMessage({ id: task.id });
  } catch (error) {
    parentPort!.postMessage({ id: task.id, error: error instanceof Error ? error.message : String(error) });
  }
});
