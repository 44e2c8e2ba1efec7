/**
 * Worker-thread side of fitLogitParallel: fills its rows of the design's product columns and sums
 * its blocks of the columns' moments (for their conditioning), holds a fit's design columns and
 * response (views of shared memory), and answers each Newton request on the row blocks it claims
 * from the fit's shared counter, into the fit's shared block-sums buffer (the caller adds the
 * blocks in block order). Node only; reached through the `@cbm-kit/kernel-lib/parallel` entry.
 */
import { parentPort } from 'node:worker_threads';
import { momentBlocks } from './conditioning';
import { fillProduct, type ProductColumn } from './design';
import { evaluateClaimedBlocks } from './irls';
import type { NewtonRequest } from './newton';
import { newtonSimd } from './newtonSimd';

export type FitTask =
  | {
      id: number;
      kind: 'load';
      fit: number;
      /** The p design columns. */
      columns: Float64Array[];
      y: Float64Array;
      /** blockSumsLength(n, p, blockRows) numbers, slots in block order. */
      sums: SharedArrayBuffer;
      /** One Int32: the counter of claimed blocks every thread of the fit takes its next block from. */
      claims: SharedArrayBuffer;
      onesColumn: number;
      blockRows: number;
    }
  | {
      id: number;
      kind: 'design';
      /** Product columns to fill on rows [from, to). */
      products: ProductColumn[];
      from: number;
      to: number;
      /** The design columns whose moments to sum on blocks [fromBlock, toBlock), into `moments` (momentBlocks). */
      columns: Float64Array[];
      /** The columns' first values (columnOrigins; a thread's copy may not hold row 0). */
      origins: Float64Array;
      intercept: number;
      moments: Float64Array;
      fromBlock: number;
      toBlock: number;
    }
  | ({ id: number; kind: 'step'; fit: number } & NewtonRequest)
  | { id: number; kind: 'release'; fit: number };

interface LoadedFit {
  columns: Float64Array[];
  y: Float64Array;
  sums: Float64Array;
  claims: Int32Array;
  onesColumn: number;
  blockRows: number;
}

const fits = new Map<number, LoadedFit>();

parentPort?.on('message', (task: FitTask) => {
  try {
    if (task.kind === 'design') {
      for (const product of task.products) fillProduct(product, task.from, task.to);
      momentBlocks(task.columns, task.origins, task.intercept, task.fromBlock, task.toBlock, task.moments);
    } else if (task.kind === 'load') {
      fits.set(task.fit, {
        columns: task.columns,
        y: task.y,
        sums: new Float64Array(task.sums),
        claims: new Int32Array(task.claims),
        onesColumn: task.onesColumn,
        blockRows: task.blockRows,
      });
    } else if (task.kind === 'step') {
      const fit = fits.get(task.fit);
      if (!fit) throw new Error(`fit ${task.fit} is not loaded on this thread`);
      evaluateClaimedBlocks(fit.columns, fit.y, task, fit.onesColumn, fit.claims, fit.sums, null, fit.blockRows, newtonSimd(fit.columns.length));
    } else {
      fits.delete(task.fit);
    }
    parentPort!.postMessage({ id: task.id });
  } catch (error) {
    parentPort!.postMessage({ id: task.id, error: error instanceof Error ? error.message : String(error) });
  }
});
