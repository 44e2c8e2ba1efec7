/// <reference lib="dom" />
import { prepareSimulation, simulateRange, summaryFromDraws, streamKey, type RevenueSummary, type SimulateRevenueSpec } from '@cbm-kit/kernel-lib';
import { ExcelFailure } from './excelErrors';

/**
 * Long calculations for Excel: the work in blocks with a yield to the event loop between
 * them (every `sliceMs`, 50 ms: Excel stays responsive, and few yields cost little), so Excel stays responsive and a cancelled call (Excel cancels
 * a cell's calculation when its inputs change or the user edits) stops at the next block.
 * The blocks change nothing in the numbers: kernel-lib's simulation draws every simulation from
 * its own stream, whatever the block size.
 */
export interface Cancellation {
  cancelled: boolean;
  /** Called once when Excel cancels (a worker is terminated at once rather than polled). */
  onCancel?: () => void;
}

const yieldToExcel = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** simulateRevenue(spec).summary, computed in blocks with yields. */
export async function simulateRevenueYielding(spec: SimulateRevenueSpec, cancellation: Cancellation, sliceMs = 50): Promise<RevenueSummary> {
  const prepared = prepareSimulation(spec);
  const key = streamKey(prepared.seed);
  const { simulations, blockSize } = prepared;
  const totals = new Float64Array(simulations);
  const churners = new Uint32Array(simulations);
  let sliceStart = Date.now();
  for (let from = 0; from < simulations; from += blockSize) {
    if (Date.now() - sliceStart > sliceMs) {
      await yieldToExcel();
      sliceStart = Date.now();
    }
    if (cancellation.cancelled) throw new ExcelFailure('#N/A', 'the calculation was cancelled');
    const to = Math.min(simulations, from + blockSize);
    simulateRange(prepared, from, to, totals.subarray(from, to), churners.subarray(from, to), key);
  }
  return summaryFromDraws(prepared, totals, churners);
}
