/**
 * The add-in's worker (dist/functions-worker.js): CBM.FIT and CBM.OPTPRICE, and the task pane's
 * Fit, Simulate and Optimise, run here, off the shared runtime's thread, so Excel and the task
 * pane stay responsive however long a stepwise fit, a simulation or a price search takes. One call per worker: the page starts a worker per call and
 * terminates it when Excel cancels the cell. A failure comes back already in Excel's terms
 * (describeFailure), since a CbmError does not survive postMessage as a CbmError.
 */
import * as adapters from './adapters';
import { buildModel, buildPricing, buildSimulation } from '../taskpane/builder';
import { describeFailure } from './excelErrors';

/** The functions that run in the worker: the CBM functions by their ids in functions.json, and the task pane's panels. */
export const WORKER_FUNCTIONS: Readonly<Record<string, (...args: never[]) => unknown>> = {
  FIT: adapters.fit,
  OPTPRICE: adapters.optPrice,
  PANE_MODEL: buildModel,
  PANE_SIMULATION: buildSimulation,
  PANE_PRICING: buildPricing,
};

/**
 * The call: its arguments, where each large range is left out (null) and follows in `RowsMessage`s
 * of at most ROWS_PER_MESSAGE rows, so the page never copies 100,000 rows in one block.
 */
export interface WorkerRequest {
  name: string;
  /** The CBM function a failure message names (the task pane's Fit reports as CBM.FIT). */
  shownAs: string;
  args: unknown[];
  /** For each argument sent in pieces: its index and its number of rows. */
  pieces: { arg: number; rows: number }[];
}
export interface RowsMessage {
  arg: number;
  rows: unknown[];
}
export type WorkerReply = { value: unknown } | { error: { code: '#VALUE!' | '#N/A'; message: string } };

interface WorkerScope {
  onmessage: ((event: { data: WorkerRequest | RowsMessage }) => void) | null;
  postMessage(message: WorkerReply): void;
}

const scope = globalThis as unknown as WorkerScope;
let call: WorkerRequest | null = null;
let missing = 0;

function run(request: WorkerRequest): void {
  const work = WORKER_FUNCTIONS[request.name] as ((...args: unknown[]) => unknown) | undefined;
  try {
    if (!work) throw new Error(`no worker function ${request.name}`);
    scope.postMessage({ value: work(...request.args) });
  } catch (error) {
    scope.postMessage({ error: describeFailure(request.shownAs, error) });
  }
}

scope.onmessage = ({ data }) => {
  if ('name' in data) {
    call = data;
    for (const piece of data.pieces) data.args[piece.arg] = [];
    missing = data.pieces.reduce((sum, piece) => sum + piece.rows, 0);
  } else if (call) {
    const rows = call.args[data.arg] as unknown[];
    for (const row of data.rows) rows.push(row);
    missing -= data.rows.length;
  }
  if (call && missing === 0) run(call);
};
