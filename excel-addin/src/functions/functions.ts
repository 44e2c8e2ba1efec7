/// <reference types="custom-functions-runtime" />
/**
 * The CBM custom functions Excel registers (namespace CBM, set in manifest.xml). Each is a thin
 * wrapper over an adapter in adapters.ts, which reads Excel-shaped input and calls kernel-lib.
 * The JSDoc below is the source of dist/functions.json (custom-functions-metadata): the tags
 * give each function's id, name, parameter types and dimensionality.
 *
 * Every failure reaches Excel as a CustomFunctions.Error (#VALUE!, or #N/A for "not there") with a message
 * saying what to fix; results are cached per identical input.
 */
import * as adapters from './adapters';
import { ResultCache, cellCount, hashArgumentsYielding } from './cache';
import { ExcelFailure, describeFailure } from './excelErrors';
import { simulateRevenueYielding, type Cancellation } from './longRunning';
import { offThreadRuns, runOffThread } from './offThread';
import { modelFromCells } from './modelTable';
import { warmUpScoring, warmUpState } from './warmUp';
import type { LogitModel } from '@cbm-kit/kernel-lib';

const cache = new ResultCache<unknown>(64);

function toExcelError(name: string, error: unknown): CustomFunctions.Error {
  const { code, message } = describeFailure(name, error);
  return new CustomFunctions.Error(code as CustomFunctions.ErrorCode, message);
}

/**
 * Inputs above this many cells skip the cache of the quick functions (SCORE, the metrics,
 * NORMALIZE): hashing and keeping 100,000 rows costs more than scoring them again. FIT,
 * SIMREVENUE and OPTPRICE are always cached.
 */
export const QUICK_CACHE_CELLS = 20_000;

/** Runs one function: a cached result for an identical input, otherwise computed; failures become CustomFunctions.Error. */
function call<T>(name: string, args: unknown[], compute: () => T, quick = true): T {
  const cached = !quick || cellCount(args, QUICK_CACHE_CELLS) <= QUICK_CACHE_CELLS;
  const hit = cached ? cache.get(name, args) : undefined;
  if (hit !== undefined) return hit as T;
  let result: T;
  try {
    result = compute();
  } catch (error) {
    throw toExcelError(name, error);
  }
  if (cached) cache.set(name, args, result);
  return result;
}

/**
 * Fits a logistic regression and spills the model table: one row per coefficient (term, coefficient, SE, z, p, odds ratio and its 95 % interval) with the covariance, the preparation (scaling ranges, codes), the fit statistics and a check row. CBM.SCORE reads it back. Runs off Excel's thread.
 * @customfunction FIT
 * @helpurl https://localhost:3000/reference.html#FIT
 * @param data Customer rows with a header row of column names.
 * @param formula R-style formula, e.g. "responded ~ gender + income + age".
 * @param [method] "fit" (default) or "stepwise" (AIC, as R's step); "stepwise-free" lets any term go as the book does; "stepwise-bic", "stepwise-p" choose the criterion.
 * @param [scale] Columns to min-max scale: names ("income, age", ranges learned on data) or rows of column | min | max.
 * @param [encode] Codes for text columns: "gender: M=1, F=0" or rows of column | level | code.
 * @param invocation Excel's invocation (cancellation).
 * @returns The model table.
 * @cancelable
 */
export async function fit(
  data: unknown[][],
  formula: string,
  method?: string,
  scale?: unknown[][],
  encode?: unknown[][],
  invocation?: CustomFunctions.CancelableInvocation,
): Promise<unknown[][]> {
  const args = [data, formula, method, scale, encode];
  return callAsync('FIT', args, invocation, (cancellation) => runOffThread('FIT', args, cancellation, () => adapters.fit(data, formula, method, scale, encode)));
}

/**
 * Scores customers with a model: one response probability P per data row, equal to the notebook's model.predict.
 * @customfunction SCORE
 * @helpurl https://localhost:3000/reference.html#SCORE
 * @param model The model table CBM.FIT spilled, or the model JSON a notebook saved (one cell, or a column of cells).
 * @param data Raw customer rows with a header row naming the model's columns.
 * @returns One P per customer row, blank for a blank row (the output has the data range's rows).
 */
export function score(model: unknown[][], data: unknown[][]): unknown[][] {
  return call('SCORE', [model, data], () => adapters.scoreWith(modelOf(model), data));
}

/**
 * Models by their cells (the model table or JSON), read and checked once: a sheet scores many
 * ranges with one model, and Excel recalculates SCORE whenever its data changes. A hit is
 * confirmed cell by cell like every cached result; a model that fails to read is not kept.
 */
const models = new ResultCache<LogitModel>(8);

function modelOf(model: unknown[][]): LogitModel {
  const key = models.keyOf('MODEL', [model]);
  const known = models.get('MODEL', [model], key);
  if (known !== undefined) return known;
  const read = modelFromCells(model);
  models.set('MODEL', [model], read, key);
  return read;
}

/**
 * The model as one-line model JSON (what a notebook's LogitModel.fromJSON reads), over a column of cells when it is longer than one cell holds.
 * @customfunction MODELJSON
 * @helpurl https://localhost:3000/reference.html#MODELJSON
 * @param model The model table CBM.FIT spilled (or model JSON).
 * @returns The JSON text, one or more cells in a column.
 */
export function modelJson(model: unknown[][]): string[][] {
  return call('MODELJSON', [model], () => adapters.modelJson(model));
}

/**
 * The model table of model JSON (one cell, or a column of cells as CBM.MODELJSON or a paste of pretty-printed JSON gives it), with its check row.
 * @customfunction MODELTABLE
 * @helpurl https://localhost:3000/reference.html#MODELTABLE
 * @param json Model JSON in one cell or a column of cells.
 * @returns The model table, as CBM.FIT spills it.
 */
export function modelTable(json: unknown[][]): unknown[][] {
  return call('MODELTABLE', [json], () => adapters.modelTable(json));
}

/**
 * Hit rate: the share of customers the rule P > threshold classifies correctly, (TP + TN) / n.
 * @customfunction HITRATE
 * @helpurl https://localhost:3000/reference.html#HITRATE
 * @param scores Scores P, one column or row.
 * @param actual Actual outcomes 0/1, the same length.
 * @param [threshold] Threshold a in (0, 1); default 0.8.
 * @returns The hit rate.
 */
export function hitRate(scores: unknown[][], actual: unknown[][], threshold?: number): number {
  return call('HITRATE', [scores, actual, threshold], () => adapters.hitRate(scores, actual, threshold));
}

/**
 * Lift: the response rate among customers with P > threshold over the overall response rate.
 * @customfunction LIFT
 * @helpurl https://localhost:3000/reference.html#LIFT
 * @param scores Scores P, one column or row.
 * @param actual Actual outcomes 0/1, the same length.
 * @param [threshold] Threshold a in (0, 1); default 0.8.
 * @returns The lift.
 */
export function lift(scores: unknown[][], actual: unknown[][], threshold?: number): number {
  return call('LIFT', [scores, actual, threshold], () => adapters.lift(scores, actual, threshold));
}

/**
 * Response rate: the share of customers with P > threshold who responded, TP / selected.
 * @customfunction RESPRATE
 * @helpurl https://localhost:3000/reference.html#RESPRATE
 * @param scores Scores P, one column or row.
 * @param actual Actual outcomes 0/1, the same length.
 * @param [threshold] Threshold a in (0, 1); default 0.8.
 * @returns The response rate.
 */
export function responseRate(scores: unknown[][], actual: unknown[][], threshold?: number): number {
  return call('RESPRATE', [scores, actual, threshold], () => adapters.responseRate(scores, actual, threshold));
}

/**
 * Return on the campaign that contacts customers with P > threshold: response rate × profit / cost. It pays when ROI ≥ 1.
 * @customfunction ROI
 * @helpurl https://localhost:3000/reference.html#ROI
 * @param scores Scores P, one column or row.
 * @param actual Actual outcomes 0/1, the same length.
 * @param threshold Threshold a in (0, 1).
 * @param profit Profit B per responder.
 * @param cost Cost F per contact.
 * @returns The ROI.
 */
export function roi(scores: unknown[][], actual: unknown[][], threshold: number, profit: number, cost: number): number {
  return call('ROI', [scores, actual, threshold, profit, cost], () => adapters.roi(scores, actual, threshold, profit, cost));
}

/**
 * The 2×2 table of selection (P > threshold) against the outcome: rows selected / not selected, columns responded / did not.
 * @customfunction CONFUSION
 * @helpurl https://localhost:3000/reference.html#CONFUSION
 * @param scores Scores P, one column or row.
 * @param actual Actual outcomes 0/1, the same length.
 * @param [threshold] Threshold a in (0, 1); default 0.8.
 * @returns [[TP, FP], [FN, TN]].
 */
export function confusion(scores: unknown[][], actual: unknown[][], threshold?: number): number[][] {
  return call('CONFUSION', [scores, actual, threshold], () => adapters.confusionTable(scores, actual, threshold));
}

/**
 * The gains table: customers ranked by score and cut into groups (deciles by default), with response rate, cumulative shares and lift per group.
 * @customfunction GAINS
 * @helpurl https://localhost:3000/reference.html#GAINS
 * @param scores Scores P, one column or row.
 * @param actual Actual outcomes 0/1, the same length.
 * @param [groups] Number of groups; default 10.
 * @returns The gains table with a header row.
 */
export function gains(scores: unknown[][], actual: unknown[][], groups?: number): unknown[][] {
  return call('GAINS', [scores, actual, groups], () => adapters.gains(scores, actual, groups));
}

/**
 * Area under the ROC curve: the chance that a randomly chosen responder has a higher score than a randomly chosen non-responder (ties count half); 0.5 is no better than chance.
 * @customfunction AUC
 * @helpurl https://localhost:3000/reference.html#AUC
 * @param scores Scores P, one column or row.
 * @param actual Actual outcomes (1/0, TRUE/FALSE or Yes/No), the same length.
 * @returns The AUC.
 */
export function aucOf(scores: unknown[][], actual: unknown[][]): number {
  return call('AUC', [scores, actual], () => adapters.aucOf(scores, actual));
}

/**
 * The ROC curve: true- and false-positive rates of the rule P ≥ threshold at every distinct score, from nobody selected to everybody.
 * @customfunction ROC
 * @helpurl https://localhost:3000/reference.html#ROC
 * @param scores Scores P, one column or row.
 * @param actual Actual outcomes (1/0, TRUE/FALSE or Yes/No), the same length.
 * @returns threshold, true-positive rate, false-positive rate, with a header row.
 */
export function roc(scores: unknown[][], actual: unknown[][]): unknown[][] {
  return call('ROC', [scores, actual], () => adapters.roc(scores, actual));
}

/**
 * The threshold sweep: customers selected, response rate, hit rate, lift and ROI at thresholds 0, step, 2·step, … below 1.
 * @customfunction SWEEP
 * @helpurl https://localhost:3000/reference.html#SWEEP
 * @param scores Scores P, one column or row.
 * @param actual Actual outcomes (1/0, TRUE/FALSE or Yes/No), the same length.
 * @param [step] Distance between thresholds; default 0.05.
 * @param [profit] Profit B per responder, for the ROI column.
 * @param [cost] Cost F per contact, for the ROI column.
 * @returns threshold, selected, response rate, hit rate, lift, ROI, with a header row.
 */
export function sweep(scores: unknown[][], actual: unknown[][], step?: number, profit?: number, cost?: number): unknown[][] {
  return call('SWEEP', [scores, actual, step, profit, cost], () => adapters.sweep(scores, actual, step, profit, cost));
}

/**
 * The break-even response rate F / B at which a campaign pays for itself (ROI = 1); with scores and actual, the lowest threshold whose selection still reaches it, with its figures.
 * @customfunction BREAKEVEN
 * @helpurl https://localhost:3000/reference.html#BREAKEVEN
 * @param profit Profit B per responder.
 * @param cost Cost F per contact.
 * @param [scores] Scores P, one column or row.
 * @param [actual] Actual outcomes, the same length.
 * @returns The break-even response rate, or the break-even threshold's figures.
 */
export function breakEven(profit: number, cost: number, scores?: unknown[][], actual?: unknown[][]): unknown[][] {
  return call('BREAKEVEN', [profit, cost, scores, actual], () => adapters.breakEven(profit, cost, scores, actual));
}

/**
 * Calibration: scores cut into equal-width bins of P, each bin's mean P beside the share who actually responded. A well-calibrated model has the two close.
 * @customfunction CALIBRATION
 * @helpurl https://localhost:3000/reference.html#CALIBRATION
 * @param scores Scores P, one column or row.
 * @param actual Actual outcomes (1/0, TRUE/FALSE or Yes/No), the same length.
 * @param [bins] Number of bins; default 10.
 * @returns bin, mean P, observed rate, customers, with a header row.
 */
export function calibration(scores: unknown[][], actual: unknown[][], bins?: number): unknown[][] {
  return call('CALIBRATION', [scores, actual, bins], () => adapters.calibration(scores, actual, bins));
}

/**
 * Min-max normalisation (x − min) / (max − min); min and max are the values' own unless both are given (e.g. the training ranges).
 * @customfunction NORMALIZE
 * @helpurl https://localhost:3000/reference.html#NORMALIZE
 * @param values Numbers, one column or row.
 * @param [min] The value that maps to 0.
 * @param [max] The value that maps to 1.
 * @returns The normalised values, in the shape of the input.
 */
export function normalize(values: unknown[][], min?: number, max?: number): number[][] {
  return call('NORMALIZE', [values, min, max], () => adapters.normalize(values, min, max));
}

/** Runs one long function asynchronously: cached like call(), cancelled when Excel cancels the cell. */
async function callAsync<T>(
  name: string,
  args: unknown[],
  invocation: CustomFunctions.CancelableInvocation | undefined,
  compute: (cancellation: Cancellation) => Promise<T>,
): Promise<T> {
  // The cancel handler goes in before the first await: Excel may cancel during any yield, and a
  // cancel that finds no handler is lost (the call would then run to its end).
  const cancellation: Cancellation = { cancelled: false };
  if (invocation)
    invocation.onCanceled = () => {
      cancellation.cancelled = true;
      cancellation.onCancel?.();
    };
  // A large input is hashed, and a stored entry with its key compared, in slices with yields, and
  // handed to the worker after another yield: none of it is one long block of the page's thread.
  const large = cellCount(args, QUICK_CACHE_CELLS) > QUICK_CACHE_CELLS;
  const key = large ? await hashArgumentsYielding(name, args) : cache.keyOf(name, args);
  const hit = large ? await cache.getYielding(args, key) : cache.get(name, args, key);
  if (hit !== undefined) return hit as T;
  if (large) await new Promise((resolve) => setTimeout(resolve, 0));
  let result: T;
  try {
    if (cancellation.cancelled) throw new ExcelFailure('#N/A', 'the calculation was cancelled');
    result = await compute(cancellation);
  } catch (error) {
    throw toExcelError(name, error);
  }
  cache.set(name, args, result, key, !large);
  return result;
}

/**
 * Monte Carlo of next period's revenue: each customer churns with their probability; spills the summary (mean, sd, 5/50/95% quantiles, expected churners, P(churners ≥ k)) or the histogram. The same seed gives the same numbers as the notebooks.
 * @customfunction SIMREVENUE
 * @helpurl https://localhost:3000/reference.html#SIMREVENUE
 * @param churnProbabilities Each customer's churn probability, one column or row.
 * @param revenues Each customer's revenue if retained, the same length.
 * @param [simulations] Number of simulated periods, 1 to 1,000,000; default 10,000.
 * @param [seed] Seed of the draws (number or text); default 2026.
 * @param [output] "summary" (default), "histogram" (revenue bins) or "churners" (distribution of the number of churners).
 * @param [churnersAtLeast] k of P(churners ≥ k) in the summary; default the expected number of churners, rounded up.
 * @param invocation Excel's invocation (cancellation).
 * @returns The summary or the histogram, with a header row.
 * @cancelable
 */
export async function simRevenue(
  churnProbabilities: unknown[][],
  revenues: unknown[][],
  simulations?: number,
  seed?: unknown,
  output?: string,
  churnersAtLeast?: number,
  invocation?: CustomFunctions.CancelableInvocation,
): Promise<unknown[][]> {
  const args = [churnProbabilities, revenues, simulations, seed, output, churnersAtLeast];
  return callAsync('SIMREVENUE', args, invocation, async (cancellation) => {
    const request = adapters.revenueRequest(churnProbabilities, revenues, simulations, seed, output, churnersAtLeast);
    return adapters.revenueCells(request, await simulateRevenueYielding(request.spec, cancellation));
  });
}

/**
 * The price change that maximises expected revenue when churn responds to price (logit of churn moves by priceSlope × ln(1 + change)), under an optional cap on P(churners ≥ k) and on the churn rate. Spills the optimum beside today's figures.
 * @customfunction OPTPRICE
 * @helpurl https://localhost:3000/reference.html#OPTPRICE
 * @param churnProbabilities Each customer's churn probability at today's price, one column or row.
 * @param revenues Each customer's revenue at today's price if retained, the same length.
 * @param priceSlope Price sensitivity b: logit churn changes by b × ln(1 + price change).
 * @param [lowerBound] Lowest relative price change, default -0.5 (a 50 % cut).
 * @param [upperBound] Highest relative price change, default 0.5.
 * @param [churnersAtLeast] k of the constraint P(churners ≥ k) ≤ maxProbability.
 * @param [maxProbability] The cap on P(churners ≥ k).
 * @param [maxChurnRate] A cap on the expected churn rate.
 * @param invocation Excel's invocation (cancellation).
 * @returns Price change, expected revenue, churn rate, churners and the constrained tail probability, at the optimum and today.
 * @cancelable
 */
export async function optPrice(
  churnProbabilities: unknown[][],
  revenues: unknown[][],
  priceSlope: number,
  lowerBound?: number,
  upperBound?: number,
  churnersAtLeast?: number,
  maxProbability?: number,
  maxChurnRate?: number,
  invocation?: CustomFunctions.CancelableInvocation,
): Promise<unknown[][]> {
  const args = [churnProbabilities, revenues, priceSlope, lowerBound, upperBound, churnersAtLeast, maxProbability, maxChurnRate];
  // The search is one kernel-lib call: it runs in a worker, off Excel's thread.
  return callAsync('OPTPRICE', args, invocation, (cancellation) =>
    runOffThread('OPTPRICE', args, cancellation, () =>
      adapters.optPrice(churnProbabilities, revenues, priceSlope, lowerBound, upperBound, churnersAtLeast, maxProbability, maxChurnRate),
    ),
  );
}

/** The functions by their ids in functions.json. */
const FUNCTIONS: Record<string, (...args: never[]) => unknown> = {
  FIT: fit,
  SCORE: score,
  MODELJSON: modelJson,
  MODELTABLE: modelTable,
  HITRATE: hitRate,
  LIFT: lift,
  RESPRATE: responseRate,
  ROI: roi,
  CONFUSION: confusion,
  GAINS: gains,
  NORMALIZE: normalize,
  AUC: aucOf,
  ROC: roc,
  SWEEP: sweep,
  BREAKEVEN: breakEven,
  CALIBRATION: calibration,
  SIMREVENUE: simRevenue,
  OPTPRICE: optPrice,
};

// The page also opens in a plain browser (the task pane's preview mode), where Office provides no
// CustomFunctions: then nothing is registered, and nothing fails.
const runtime = typeof CustomFunctions === 'undefined' ? null : CustomFunctions;
if (runtime) for (const [id, fn] of Object.entries(FUNCTIONS)) runtime.associate(id, fn);
// SCORE's loops warmed up while the page is idle (warmUp.ts): Excel may score a large range first thing.
if (runtime) warmUpScoring();

/** For tests and benchmarks on the page: the caches of results and of models (to clear them or read hits), whether the functions were registered, the calls run off the thread, the warm-up's progress. */
(globalThis as unknown as { cbmAddin: unknown }).cbmAddin = { cache, models, registered: runtime !== null, offThreadRuns, warmUp: warmUpState };
