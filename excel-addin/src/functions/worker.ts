/**
 * The add-in's worker (dist/functions-worker.js): CBM.FIT and CBM.OPTPRICE run here, off the
 * shared runtime's thread, so Excel and the task pane stay responsive however long a stepwise fit
 * or a constrained price search takes. One call per worker: the page starts a worker per call and
 * terminates it when Excel cancels the cell. A failure comes back already in Excel's terms
 * (describeFailure), since a CbmError does not survive postMessage as a CbmError.
 */
import * as adapters from './adapters';
import { describeFailure } from './excelErrors';

/** The functions that run in the worker, by their ids in functions.json. */
export const WORKER_FUNCTIONS: Readonly<Record<string, (...args: never[]) => unknown>> = {
  FIT: adapters.fit,
  OPTPRICE: adapters.optPrice,
};

export interface WorkerRequest {
  name: string;
  args: unknown[];
}
export type WorkerReply = { value: unknown } | { error: { code: '#VALUE!' | '#N/A'; message: string } };

interface WorkerScope {
  onmessage: ((event: { data: WorkerRequest }) => void) | null;
  postMessage(message: WorkerReply): void;
}

const scope = globalThis as unknown as WorkerScope;
scope.onmessage = ({ data }) => {
  const work = WORKER_FUNCTIONS[data.name] as ((...args: unknown[]) => unknown) | undefined;
  try {
    if (!work) throw new Error(`no worker function ${data.name}`);
    scope.postMessage({ value: work(...data.args) });
  } catch (error) {
    scope.postMessage({ error: describeFailure(data.name, error) });
  }
};
