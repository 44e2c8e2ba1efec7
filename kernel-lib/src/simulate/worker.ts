/**
 * Worker-thread side of simulateRevenueParallel: runs the browser-safe kernel (revenue.ts) on a
 * range of simulations. Node only; reached through the `@cbm-kit/kernel-lib/parallel` entry.
 */
import { parentPort } from 'node:worker_threads';
import { newAccumulator, runIntoAccumulator, simulateRange, SummaryAccumulator, type PreparedSimulation } from './revenue';
import { streamKey } from './streams';

export interface WorkerTask {
  id: number;
  prepared: PreparedSimulation;
  from: number;
  to: number;
  /** keepDraws: shared buffers for all simulations; the worker writes its range. */
  totals?: SharedArrayBuffer;
  churners?: SharedArrayBuffer;
}

parentPort?.on('message', (task: WorkerTask) => {
  try {
    const { prepared, from, to } = task;
    const key = streamKey(prepared.seed);
    if (task.totals && task.churners) {
      const totals = new Float64Array(task.totals, from * 8, to - from);
      const churners = new Uint32Array(task.churners, from * 4, to - from);
      for (let start = from; start < to; start += prepared.blockSize) {
        const end = Math.min(to, start + prepared.blockSize);
        simulateRange(prepared, start, end, totals.subarray(start - from, end - from), churners.subarray(start - from, end - from), key);
      }
      parentPort!.postMessage({ id: task.id });
    } else {
      // The simulations before the range's first chunk boundary go back one by one: they continue
      // the previous range's open chunk, which the calling thread holds. From the boundary on they
      // go into this thread's accumulator, its last chunk left open for the next range.
      const leadEnd = Math.min(to, Math.ceil(from / SummaryAccumulator.CHUNK) * SummaryAccumulator.CHUNK);
      const leadTotals = new Float64Array(leadEnd - from);
      const leadChurners = new Uint32Array(leadEnd - from);
      if (leadEnd > from) simulateRange(prepared, from, leadEnd, leadTotals, leadChurners, key);
      const accumulator = newAccumulator(prepared);
      runIntoAccumulator(prepared, leadEnd, to, accumulator, key, false);
      parentPort!.postMessage({ id: task.id, leadTotals, leadChurners, accumulator: { ...accumulator } });
    }
  } catch (error) {
    parentPort!.postMessage({ id: task.id, error: error instanceof Error ? error.message : String(error) });
  }
});
