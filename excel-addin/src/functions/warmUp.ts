/// <reference lib="dom" />
/**
 * CBM.SCORE's scoring path, run on a small made-up range while the page is idle after it loads
 * (issue 22). Without it, the first SCORE over a large range after Excel loads the add-in runs its
 * row loops (reading the range's columns, the preparation, the linear predictor, the output) in
 * V8's interpreter until the optimising compilers catch up, on a thread whose garbage collections
 * then copy the call's live arguments again and again (the interpreter boxes every number it
 * computes): 100,000 rows took 2–3× a warm call. The warm-up gives each of those loops the type
 * feedback a workbook's range gives it (text, whole numbers and decimals in rows of mixed cells;
 * a text column encoded, numbers scaled, main effects and products, as CBM.FIT makes a model) and
 * enough calls for V8 to optimise them, so the first real call starts in optimised code.
 *
 * It is `WARM_UP_CALLS` separate tasks, each one scoreWith on `WARM_UP_ROWS` rows (about a
 * millisecond once warm, a few before), run when the page is idle: it never blocks Excel's page,
 * and it never touches the result or model caches (nothing a test or a user sees).
 */
import type { LogitModel } from '@cbm-kit/kernel-lib';
import { dataRange, scoreWith } from './adapters';
import { modelFromCells } from './modelTable';

/**
 * Made-up customers as Excel hands a scoring sheet's range (header row first): an id, the model's
 * columns t, i, d (text, a whole number, a decimal), a column the model does not read (n, zeros)
 * and the outcome y still blank, as in a sheet of customers to score.
 */
export function warmUpRange(rows: number): unknown[][] {
  const range: unknown[][] = [['id', 't', 'i', 'd', 'n', 'y']];
  for (let r = 0; r < rows; r++) range.push([1001 + r, r % 3 === 0 ? 'B' : 'A', 18 + ((r * 37) % 50), ((r * 7919) % 1000) / 100, 0, '']);
  return range;
}

/**
 * The warm-up's model: fitLogit of `y ~ (t + i + d)^2` on warmUpRange(200) with y = 1 where
 * (r·7919) mod 101 < 30, t encoded A = 1, B = 0 and i, d scaled (warm-up.test.ts refits it).
 */
export const WARM_UP_MODEL_JSON =
  '{"format":"cbm-kit/logit-model","version":1,"formula":"y ~ t + i + t:i + d + t:d + i:d","response":"y","intercept":true,"terms":[{"label":"t","variables":["t"]},{"label":"i","variables":["i"]},{"label":"d","variables":["d"]},{"label":"t:i","variables":["t","i"]},{"label":"t:d","variables":["t","d"]},{"label":"i:d","variables":["i","d"]}],"factorLevels":{},"preparation":{"encodings":{"t":{"A":1,"B":0}},"ranges":{"i":{"min":18,"max":67},"d":{"min":0,"max":9.87}}},"confidenceLevel":0.95,"coefficients":[{"name":"(Intercept)","term":null,"estimate":1.8481102939985605,"stdError":0.9831873844729269},{"name":"t","term":"t","estimate":-4.9494899320677055,"stdError":1.1927660095779502},{"name":"i","term":"i","estimate":-6.636753724540406,"stdError":2.1160380071323894},{"name":"d","term":"d","estimate":0.6490508426411417,"stdError":1.495179897776381},{"name":"t:i","term":"t:i","estimate":10.589555675024064,"stdError":1.9986847189968815},{"name":"t:d","term":"t:d","estimate":0.23281516230515384,"stdError":1.5546128758560327},{"name":"i:d","term":"i:d","estimate":-1.668797568724645,"stdError":2.4516782296796324}],"covariance":[[0.9666574329867149,-0.6975845605171642,-1.4611898069652636,-1.0337451209891506,1.0007676779506127,0.5287150483149441,0.8777671745444822],[-0.6975845605171642,1.4226907536045068,0.6572114873419164,0.4134949660465387,-1.5542214725475594,-1.2569727249804363,0.9647753532780445],[-1.4611898069652636,0.6572114873419164,4.477616847628814,0.8347731526555607,-3.1018950730582704,0.6742352637681868,-2.6227310524983096],[-1.0337451209891506,0.4134949660465387,0.8347731526555607,2.2355629267145893,0.22656348168932972,-1.07139881774332,-2.023374638319826],[1.0007676779506127,-1.5542214725475594,-3.1018950730582704,0.22656348168932972,3.994740605951643,0.11163661825757425,-0.530122468832011],[0.5287150483149441,-1.2569727249804363,0.6742352637681868,-1.07139881774332,0.11163661825757425,2.4168211937773645,-1.4349427245233188],[0.8777671745444822,0.9647753532780445,-2.6227310524983096,-2.023374638319826,-0.530122468832011,-1.4349427245233188,6.010726141885057]],"statistics":{"nObs":200,"nParameters":7,"dfResidual":193,"dfNull":199,"logLikelihood":-95.20933214825284,"nullLogLikelihood":-121.31361957584815,"deviance":190.41866429650568,"nullDeviance":242.6272391516963,"aic":204.41866429650568,"bic":227.50688586234193,"pseudoR2":0.21518018767278058,"iterations":7,"converged":true,"lrStatistic":52.20857485519062,"lrPValue":1.6931240211863703e-9},"warnings":[]}';

/** Calls and rows per call: with 20 calls V8 still optimised more of the path during the first 100,000-row call (11 compilations against 6). */
export const WARM_UP_CALLS = 40;
export const WARM_UP_ROWS = 1_000;
/**
 * Rows of the warm-up's last calls (one per form of range): more than V8's optimised code
 * allocates an array of a given length inline for (about 16,000 elements; beyond, it deoptimises,
 * 'length is greater than the maximum for fast elements array'), so the arrays of a range's length
 * that SCORE makes (kept rows, columns, the output) were optimised for a large range before one comes.
 */
export const WARM_UP_LONG_ROWS = 20_000;

/** What the warm-up has done, for the structure test and the bench: calls run, whether it is over, its tasks' total and longest time (ms). */
export const warmUpState = { calls: 0, done: false, totalMs: 0, longestMs: 0 };

/** Runs one task of the warm-up, timed. */
function timed(task: () => void): void {
  const start = performance.now();
  task();
  const ms = performance.now() - start;
  warmUpState.totalMs += ms;
  warmUpState.longestMs = Math.max(warmUpState.longestMs, ms);
}

/** Runs `task` when the page is next idle (within a second at the latest), or after a 0 ms timer where the runtime has no idle callbacks. */
function whenIdle(task: () => void): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(task, { timeout: 1_000 });
  else setTimeout(task, 0);
}

/**
 * The range the warm-up scores in both forms a range can reach the page in, depending on how the
 * host hands it over: arrays as JSON.parse makes them (packed) and as a structured clone makes
 * them (holey). V8's optimised code checks the arrays' kind: loops warmed on one form only were
 * thrown away at the first range of the other ('wrong map') and compiled again during that call.
 */
function warmUpRanges(rows: number): unknown[][][] {
  const packed = warmUpRange(rows);
  return typeof structuredClone === 'function' ? [packed, structuredClone(packed)] : [packed];
}

/**
 * `range`'s rows `times` over below its header, the rows shared (a long range made in a
 * millisecond, where making 20,000 new rows and their structured clone took 20–40 ms), in an
 * outer array of the kind the range came in: packed, or holey as a structured clone makes it.
 */
function repeated(range: unknown[][], times: number, holey: boolean): unknown[][] {
  const rows = range.length - 1;
  const out: unknown[][] = holey ? new Array(1 + times * rows) : [];
  out[0] = range[0];
  for (let t = 0; t < times; t++) for (let r = 1; r <= rows; r++) out[t * rows + r] = range[r];
  return out;
}

/**
 * Starts the warm-up, each step a task of its own when the page is idle: read the model, make the
 * ranges, score a few rows (the first call compiles every function of the path, whatever its
 * rows: a short task), then score a range `calls` times.
 */
export function warmUpScoring(calls = WARM_UP_CALLS, rows = WARM_UP_ROWS): void {
  // A range of no rows would be repeated endlessly to make the long range.
  if (!Number.isInteger(calls) || calls < 0 || !Number.isInteger(rows) || rows < 1)
    throw new RangeError(`warmUpScoring: calls must be a whole number ≥ 0 and rows ≥ 1, got ${calls} and ${rows}`);
  let model: LogitModel;
  let ranges: unknown[][][];
  let long: unknown[][][] = [];
  const steps: (() => void)[] = [
    // Through the reader SCORE uses for model JSON in a cell, so that path is warm too.
    () => (model = modelFromCells([[WARM_UP_MODEL_JSON]])),
    () => (ranges = warmUpRanges(rows)),
    () => scoreWith(model, ranges[0].slice(0, 11)),
  ];
  const longCalls = Math.min(calls, typeof structuredClone === 'function' ? 2 : 1);
  for (let k = 0; k < calls - longCalls; k++)
    steps.push(() => {
      scoreWith(model, ranges[k % ranges.length]);
      warmUpState.calls++;
    });
  if (longCalls > 0)
    steps.push(
      () => (long = ranges.map((range, i) => repeated(range, Math.ceil(WARM_UP_LONG_ROWS / rows), i > 0))),
      // The long range's deoptimisations one function at a time, each a short task: the rows kept
      // (dataRange), then a column read (rangeColumn); the first long call then meets only its own.
      () => dataRange(long[0]),
      () => dataRange(long[0]).table.cells('t'),
    );
  for (let k = 0; k < longCalls; k++)
    steps.push(() => {
      scoreWith(model, long[k % long.length]);
      warmUpState.calls++;
      if (k === longCalls - 1) long = [];
    });
  let at = 0;
  const next = () => {
    timed(steps[at++]);
    if (at < steps.length) whenIdle(next);
    else warmUpState.done = true;
  };
  whenIdle(next);
}
