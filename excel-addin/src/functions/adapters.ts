import {
  CbmError,
  auc,
  breakEvenThreshold,
  calibrationTable,
  campaignMetrics,
  rocCurve,
  thresholdSweep,
  fitLogit,
  gainsTable,
  minMaxScaler,
  type MinMaxScaler,
  type Table,
  type Cell,
  scalerFromRanges,
  stepwise,
  tableFromRange,
  rawColumns,
  LogitModel,
  type Preparation,
  type PreparationSpec,
  type StepwiseOptions,
  simulateRevenue,
  churnerTail,
  MAX_EXACT_CUSTOMERS,
  type SimulateRevenueSpec,
  type RevenueSummary,
  optimizePrice,
  type OptimizePriceSpec,
} from '@cbm-kit/kernel-lib';
import { ExcelFailure, badValue, dataRangeRow, notAvailable } from './excelErrors';
import {
  codesOf,
  excelMatrix,
  isBlank,
  numbersFromText,
  numberVector,
  optionalNumber,
  optionalText,
  scoredPair,
  thresholdArgument,
  unwrapScalar,
  vectorCells,
  wholeNumber,
  type Range,
} from './cells';
import { modelFromCells, modelJsonCells, modelToTable } from './modelTable';

/**
 * The add-in's functions as plain synchronous adapters: Excel-shaped arguments in, cells out,
 * kernel-lib doing every calculation. functions.ts wraps them for Excel (errors, caching,
 * yielding); the HyperFormula test registers them as they are.
 */
export type OutCell = string | number | boolean;

// ---------------------------------------------------------------- data ranges

/**
 * A data range as people select it (A1:F1001 over 50 customers, a whole column): the header row,
 * then the customers. Trailing blank rows and columns are padding and ignored; a blank row inside
 * is a customer-less row, left out of the table (`kept` maps table rows back to data rows, so
 * messages and outputs stay at the selected rows); numbers stored as text are read as numbers in
 * an otherwise numeric column.
 */
export interface DataRange {
  table: Table;
  /** The data rows of the selection (the header not counted), padding included: the length of SCORE's output. */
  rows: number;
  /** For each table row, its data row in the selection (0 = the row below the header). */
  kept: number[];
  /** Blank rows inside the data (before its last customer), left out. */
  blankInside: number;
}

const blankRow = (row: readonly unknown[], width: number) => {
  for (let c = 0; c < width; c++) if (!isBlank(row[c])) return false;
  return true;
};

/** Reads a data range with its header row; a first row of mostly numbers is a range selected without its header. */
export function dataRange(data: Range, what = 'data'): DataRange {
  if (!Array.isArray(data) || data.length === 0 || !data.every((row) => Array.isArray(row))) throw badValue(`${what} must be a range of cells with a header row`);
  const first: readonly unknown[] = data[0];
  const numbers = first.filter((cell) => typeof cell === 'number' || typeof cell === 'boolean').length;
  if (numbers > 0 && numbers >= first.length - numbers) {
    throw badValue(`${what} must start with a header row of column names, but its first row holds ${numbers} numbers; include the header row in the range`);
  }
  // A loop, not Math.max(...rows): a whole-column selection has a million rows, beyond the argument limit.
  let width = 0;
  for (const row of data) if (row.length > width) width = row.length;
  while (width > 0 && data.every((row) => isBlank(row[width - 1]))) width--;
  if (width === 0) throw badValue(`${what} is blank; select the customers with their header row`);
  let last = data.length - 1;
  while (last > 0 && blankRow(data[last], width)) last--;
  // Arrays of their final length, filled by index (here and below): an array grown by push
  // leaves a copy of its elements behind at each growth, about twice its size in garbage on
  // 100,000 rows, and the garbage of a SCORE call decides whether a garbage collection falls in it.
  const kept: number[] = new Array(last);
  let n = 0;
  for (let r = 1; r <= last; r++) if (!blankRow(data[r], width)) kept[n++] = r - 1;
  kept.length = n;
  return { table: rangeTable(data, width, kept), rows: data.length - 1, kept, blankInside: last - kept.length };
}

/**
 * The kept rows of a data range as a Table whose columns are read from the cells when first asked
 * for, and kept: SCORE reads only the model's columns and FIT only the formula's, not every column
 * of a wide selection, and no copy of the rows is made on the way. The header row is checked by
 * tableFromRange (a header-only range), so empty and repeated names are refused in its words, and
 * an unknown column is its UNKNOWN_COLUMN.
 */
function rangeTable(data: Range, width: number, kept: readonly number[]): Table {
  const header = tableFromRange([data[0].slice(0, width)], { header: true });
  // Each name's column from the header row itself, named as tableFromRange names it (text trimmed,
  // a number as its text): header.names lists a name such as '2024' first (an object's array-index
  // keys come first), so its order is not the columns' order.
  const at = new Map<string, number>();
  for (let c = 0; c < width; c++) {
    const cell = data[0][c];
    at.set(typeof cell === 'string' ? cell.trim() : String(cell), c);
  }
  const read = new Map<string, Cell[]>();
  return {
    nRows: kept.length,
    names: header.names,
    has: (name) => at.has(name),
    cells(name) {
      const c = at.get(name);
      if (c === undefined) return header.cells(name);
      let column = read.get(name);
      if (column === undefined) {
        column = rangeColumn(data, c, kept, name);
        read.set(name, column);
      }
      return column;
    },
  };
}

/** Column `c` of the kept rows as the library's cells: a blank missing, numbers stored as text read as numbers (numbersFromText). */
function rangeColumn(data: Range, c: number, kept: readonly number[], name: string): Cell[] {
  // One pass over the rows, into an array of the column's length (no garbage of growth; see dataRange).
  const column: Cell[] = new Array(kept.length);
  for (let i = 0; i < kept.length; i++) {
    const v = data[kept[i] + 1][c];
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') column[i] = v === '' ? null : v;
    else if (isBlank(v)) column[i] = null;
    // Excel passes numbers, text and TRUE/FALSE only; anything else came from another caller.
    else throw new CbmError('BAD_INPUT', `the cell holds ${String(v)}, which is not a number, text or TRUE/FALSE; enter one of those or clear the cell`, { column: name, row: i });
  }
  return numbersFromText(column) as Cell[];
}

/** The table of a data range (the task pane's evaluation reads the same rows as the fit). */
export function dataTable(data: Range, what = 'data'): Table {
  return dataRange(data, what).table;
}

/** A kernel-lib failure about a table row, re-pointed at the row of the selection it came from. */
function atSelectedRow(error: unknown, kept: readonly number[]): unknown {
  if (!(error instanceof CbmError) || typeof error.details.row !== 'number' || kept[error.details.row] === undefined) return error;
  return new CbmError(error.code, error.message, { ...error.details, row: kept[error.details.row] });
}

// ---------------------------------------------------------------- FIT

/** How CBM.FIT chooses terms: the formula as given, or backward stepwise elimination. */
export function stepwiseOptionsOf(method: string): StepwiseOptions | null {
  const m = method.trim().toLowerCase();
  if (m === '' || m === 'fit' || m === 'logit') return null;
  const match = /^stepwise(?:[-\s]+(aic|bic|p))?(?:[-\s]+(free))?$/.exec(m);
  if (!match)
    throw new ExcelFailure(
      '#VALUE!',
      `method must be 'fit' or 'stepwise' (optionally 'stepwise-bic', 'stepwise-p', and '-free' to let any term go as the book does, e.g. 'stepwise-free'), got '${method}'`,
    );
  const criterion = match[1] === 'bic' ? 'bic' : match[1] === 'p' ? 'p-value' : 'aic';
  return { criterion, hierarchical: match[2] !== 'free' };
}

/**
 * The preparation CBM.FIT applies before fitting, from two optional arguments:
 * - scale: column names to min–max scale (cells or one text 'income, age'; ranges learned on the data),
 *   or rows of [column, min, max] with the ranges fixed (e.g. learned over the whole customer file);
 * - encode: rows of [column, level, code], or text like 'gender: M=1, F=0; region: N=0, S=1'.
 */
export function preparationOf(scale: unknown, encode: unknown): PreparationSpec | Preparation | undefined {
  const encodings: Record<string, Record<string, number>> = Object.create(null);
  const encodeRows = rangeRows(encode);
  if (encodeRows.length && encodeRows[0].length >= 3 && encodeRows.every((r) => typeof r[2] === 'number' || isBlank(r[0]))) {
    for (const r of encodeRows) {
      if (isBlank(r[0])) continue;
      codesOf(encodings, String(r[0]).trim())[String(r[1]).trim()] = r[2] as number;
    }
  } else {
    for (const cell of encodeRows.flat()) {
      if (isBlank(cell)) continue;
      for (const clause of String(cell).split(';')) {
        if (clause.trim() === '') continue;
        const m = /^\s*([^:]+?)\s*:\s*(.+)$/.exec(clause);
        if (!m) throw new ExcelFailure('#VALUE!', `encode: cannot read '${clause.trim()}'; write codes like 'gender: M=1, F=0' or give rows of column | level | code`);
        const codes = codesOf(encodings, m[1]);
        for (const pair of m[2].split(',')) {
          const kv = /^\s*(.+?)\s*=\s*(-?[0-9.eE+-]+)\s*$/.exec(pair);
          if (!kv || !Number.isFinite(Number(kv[2]))) throw new ExcelFailure('#VALUE!', `encode: cannot read '${pair.trim()}' in '${clause.trim()}'; write level=code, e.g. M=1`);
          codes[kv[1]] = Number(kv[2]);
        }
      }
    }
  }
  const scaleRows = rangeRows(scale).filter((r) => !r.every(isBlank));
  const hasEncodings = Object.keys(encodings).length > 0;
  if (scaleRows.length && scaleRows[0].length >= 3 && scaleRows.every((r) => typeof r[1] === 'number' && typeof r[2] === 'number')) {
    const ranges: Record<string, { min: number; max: number }> = {};
    for (const r of scaleRows) ranges[String(r[0]).trim()] = { min: r[1] as number, max: r[2] as number };
    scalerFromRanges(ranges); // checks min < max with a message
    return { encodings, ranges };
  }
  const names: string[] = [];
  for (const cell of scaleRows.flat()) {
    if (isBlank(cell)) continue;
    if (typeof cell !== 'string') throw new ExcelFailure('#VALUE!', `scale must name columns ('income, age') or give rows of column | min | max, found ${String(cell)}`);
    for (const name of cell.split(',')) if (name.trim()) names.push(name.trim());
  }
  if (!names.length && !hasEncodings) return undefined;
  return { ...(hasEncodings ? { encode: encodings } : {}), ...(names.length ? { scale: names } : {}) };
}

function rangeRows(value: unknown): unknown[][] {
  if (value === undefined || value === null || value === '') return [];
  if (!Array.isArray(value)) return [[value]];
  return value.map((row) => (Array.isArray(row) ? row : [row]));
}

/** The model CBM.FIT fits (shared with the task pane, which also wants the model object). */
export function fitModel(data: Range, formula: unknown, method?: unknown, scale?: unknown, encode?: unknown): LogitModel {
  const { table, kept, blankInside } = dataRange(data);
  const formulaText = optionalText(formula, '', 'formula');
  if (formulaText === '') throw badValue(`formula is required, e.g. 'responded ~ gender + income + age'`);
  const options = stepwiseOptionsOf(optionalText(method, 'fit', 'method'));
  const prepare = preparationOf(scale, encode);
  let model: LogitModel;
  try {
    model = options ? stepwise(table, formulaText, { ...options, ...(prepare ? { prepare } : {}) }).model : fitLogit(table, formulaText, prepare ? { prepare } : {});
  } catch (error) {
    throw preparationFailure(error, table, prepare, kept) ?? atSelectedRow(error, kept);
  }
  if (blankInside === 0) return model;
  // The count travels with the model (its JSON's warnings), so the table and MODELJSON both say it.
  const json = model.toJSON();
  json.warnings = [...json.warnings, `${blankInside} blank row${blankInside === 1 ? '' : 's'} inside the data range ${blankInside === 1 ? 'was' : 'were'} left out of the fit`];
  return LogitModel.fromJSON(json);
}

/**
 * A preparation failure in the words of CBM.FIT's scale and encode arguments: the kernel reports
 * the column and the data row (details), the argument that named the column says what to change.
 */
export function preparationFailure(error: unknown, table: Table, prepare: PreparationSpec | Preparation | undefined, kept: readonly number[]): ExcelFailure | null {
  if (!(error instanceof CbmError) || error.code !== 'BAD_INPUT' || !prepare) return null;
  const column = error.details.column;
  const row = error.details.row;
  if (typeof column !== 'string' || typeof row !== 'number' || !table.has(column)) return null;
  const value = table.cells(column)[row];
  const where = dataRangeRow(kept[row] ?? row);
  const codes = 'encode' in prepare ? prepare.encode?.[column] : 'encodings' in prepare ? prepare.encodings[column] : undefined;
  if (codes && typeof value === 'string') {
    const known = Object.entries(codes).map(([level, code]) => `${level}=${code}`);
    return badValue(
      `column '${column}' holds '${value}' in ${where}, which encode gives no code (${known.join(', ')}); add one, e.g. '${column}: ${[...known, `${value}=0`].join(', ')}'`,
    );
  }
  const scaled = 'scale' in prepare ? prepare.scale?.includes(column) : 'ranges' in prepare ? column in prepare.ranges : false;
  if (scaled && typeof value === 'string')
    return badValue(
      `scale names column '${column}', which holds text ('${value}' in ${where}); scale numeric columns only, and give a text column codes with encode, e.g. '${column}: ${value}=1'`,
    );
  return null;
}

/** CBM.FIT: the model table (see modelTable.ts). */
export function fit(data: Range, formula: unknown, method?: unknown, scale?: unknown, encode?: unknown): OutCell[][] {
  return modelToTable(fitModel(data, formula, method, scale, encode));
}

// ---------------------------------------------------------------- SCORE

/** CBM.SCORE: one P per data row (a column), equal to model.predict on the same rows; blank for a blank row. */
export function score(model: Range, data: Range): OutCell[][] {
  return scoreWith(modelFromCells(model), data);
}

export function scoreWith(model: LogitModel, data: Range): OutCell[][] {
  const { table, rows, kept } = dataRange(data);
  let p: Float64Array;
  try {
    p = model.predict(modelColumns(table, model));
  } catch (error) {
    throw atSelectedRow(error, kept);
  }
  // The output keeps the selection's shape: one cell per data row, blank where the row was blank
  // (kept is ascending: the next kept row is the next P).
  const out: OutCell[][] = new Array(rows);
  let next = 0;
  for (let r = 0; r < rows; r++) out[r] = r === kept[next] ? [p[next++]] : [''];
  return out;
}

/**
 * The range's table as the columns the model reads only, when each is a column of the range by
 * name: the raw columns of its terms' variables and of its offset (log(income) reads income) and
 * every column its preparation encodes or scales (a model JSON may list more than the terms use;
 * predict prepares them all). kernel-lib's preparation carries every column of its input along
 * (the encoded and scaled tables keep the others as they are), so predict on the whole range would
 * read every column of the selection, an id or a blank outcome column too: that many more passes
 * over the rows and columns allocated on each call, for no change in P. Otherwise (a column the
 * range lacks) the whole table, so the failure reads as before; and the whole table when the model
 * reads no column (intercept only), as a prepared table without columns would have no rows.
 * `has` and `cells` still answer for every column of the range.
 */
function modelColumns(table: Table, model: LogitModel): Table {
  const labels: string[] = [];
  for (const term of model.terms) for (const variable of term.variables) labels.push(variable);
  if (model.offset !== null) labels.push(model.offset);
  const wanted = new Set(rawColumns(labels));
  const preparation = model.preparation;
  if (preparation !== null) for (const name of [...Object.keys(preparation.encodings), ...Object.keys(preparation.ranges)]) wanted.add(name);
  if (wanted.size === 0 || wanted.size >= table.names.length) return table;
  for (const name of wanted) if (!table.has(name)) return table;
  return { nRows: table.nRows, names: table.names.filter((name) => wanted.has(name)), has: (name) => table.has(name), cells: (name) => table.cells(name) };
}

/** CBM.MODELJSON: a model table (or model JSON) as one-line model JSON, over a column of cells when longer than a cell holds. */
export function modelJson(model: Range): string[][] {
  return modelJsonCells(modelFromCells(model));
}

/** CBM.MODELTABLE: model JSON (one cell or a column of cells) or a model table as the model table CBM.FIT spills. */
export function modelTable(model: Range): OutCell[][] {
  return modelToTable(modelFromCells(model));
}

// ---------------------------------------------------------------- campaign metrics

function metricsAt(scores: unknown, actual: unknown, threshold: unknown, economics?: { profit: number; cost: number }) {
  const pair = scoredPair(scores, actual);
  return campaignMetrics(pair.scores, pair.actual, thresholdArgument(threshold), economics);
}

function defined(value: number, what: string, a: number): number {
  if (!Number.isFinite(value)) throw notAvailable(`${what} is undefined: nobody has P > ${a}${what === 'lift' ? ' or nobody responded' : ''}; lower the threshold`);
  return value;
}

/** CBM.HITRATE: (TP + TN)/n, the share of customers the rule P > a classifies correctly. */
export function hitRate(scores: unknown, actual: unknown, threshold?: unknown): number {
  return metricsAt(scores, actual, threshold).hitRate;
}

/** CBM.RESPRATE: TP/selected, the response rate among customers with P > a. */
export function responseRate(scores: unknown, actual: unknown, threshold?: unknown): number {
  const m = metricsAt(scores, actual, threshold);
  return defined(m.responseRate, 'the response rate', m.threshold);
}

/** CBM.LIFT: response rate among the selected over the base rate. */
export function lift(scores: unknown, actual: unknown, threshold?: unknown): number {
  const m = metricsAt(scores, actual, threshold);
  return defined(m.lift, 'lift', m.threshold);
}

/** CBM.ROI: response rate × B / F. */
export function roi(scores: unknown, actual: unknown, threshold: unknown, profit: unknown, cost: unknown): number {
  const m = metricsAt(scores, actual, threshold, campaignEconomics(profit, cost, false)!);
  return defined(m.roi!, 'ROI', m.threshold);
}

/** CBM.CONFUSION: [[TP, FP], [FN, TN]]: rows selected / not selected, columns responded / did not (the book's table 10.3). */
export function confusionTable(scores: unknown, actual: unknown, threshold?: unknown): number[][] {
  const m = metricsAt(scores, actual, threshold);
  return [
    [m.truePositives, m.falsePositives],
    [m.falseNegatives, m.trueNegatives],
  ];
}

export const GAINS_HEADER = [
  'group',
  'customers',
  'responders',
  'response rate',
  'cumulative share contacted',
  'cumulative share of responders',
  'lift',
  'cumulative lift',
  'min P',
  'max P',
];

/** CBM.GAINS: the gains table by score group (deciles by default), with a header row. */
export function gains(scores: unknown, actual: unknown, groups?: unknown): OutCell[][] {
  const pair = scoredPair(scores, actual);
  // Deciles, or one group per customer when there are fewer than ten.
  const g = wholeNumber(groups, Math.min(10, pair.scores.length), 1, pair.scores.length, 'groups');
  const rows = gainsTable(pair.scores, pair.actual, { groups: g });
  return excelMatrix([
    GAINS_HEADER,
    ...rows.map((r) => [
      r.group,
      r.count,
      r.responders,
      r.responseRate,
      r.cumulativeShareContacted,
      r.cumulativeShareOfResponders,
      r.lift,
      r.cumulativeLift,
      r.minScore,
      r.maxScore,
    ]),
  ]);
}

/** CBM.AUC: the area under the ROC curve, the chance that a responder outscores a non-responder (ties count half). */
export function aucOf(scores: unknown, actual: unknown): number {
  const pair = scoredPair(scores, actual);
  const value = auc(pair.scores, pair.actual);
  if (!Number.isFinite(value)) throw notAvailable('the AUC needs responders and non-responders among the customers; actual holds only one outcome');
  return value;
}

export const ROC_HEADER = ['threshold', 'true-positive rate', 'false-positive rate'];

/** CBM.ROC: the ROC curve from the strictest cut (nobody selected) to everybody, one row per distinct score. */
export function roc(scores: unknown, actual: unknown): OutCell[][] {
  const pair = scoredPair(scores, actual);
  // The first point (nobody selected) has threshold +Infinity, which a cell cannot hold: blank.
  return excelMatrix([ROC_HEADER, ...rocCurve(pair.scores, pair.actual).map((r) => [r.threshold, r.truePositiveRate, r.falsePositiveRate])]);
}

export const SWEEP_HEADER = ['threshold', 'selected', 'response rate', 'hit rate', 'lift', 'ROI'];

/** CBM.SWEEP: the campaign figures at thresholds 0, step, 2·step, … below 1 (ROI blank without profit and cost). */
export function sweep(scores: unknown, actual: unknown, step?: unknown, profit?: unknown, cost?: unknown): OutCell[][] {
  const pair = scoredPair(scores, actual);
  const by = optionalNumber(step, 0.05, 'step');
  if (!(by > 0 && by <= 0.5)) throw badValue(`step must be a number above 0 and at most 0.5 (0.05 gives 20 thresholds), got ${by}`);
  const thresholds: number[] = [];
  // k·step, rounded to 12 digits, so 0.05 steps print as 0.15 rather than 0.15000000000000002.
  for (let k = 0; k * by < 1 - 1e-12; k++) thresholds.push(Number((k * by).toFixed(12)));
  const economics = campaignEconomics(profit, cost, true);
  const rows = thresholdSweep(pair.scores, pair.actual, { thresholds, ...(economics ?? {}) });
  return excelMatrix([SWEEP_HEADER, ...rows.map((r) => [r.threshold, r.selected, r.responseRate, r.hitRate, r.lift, r.roi])]);
}

/** Profit B per responder and cost F per contact: both positive; both omitted gives null when `optional`. */
function campaignEconomics(profit: unknown, cost: unknown, optional: boolean): { profit: number; cost: number } | null {
  const b = unwrapScalar(profit, 'profit');
  const f = unwrapScalar(cost, 'cost');
  if (optional && isBlank(b) && isBlank(f)) return null;
  if (isBlank(b) !== isBlank(f)) throw badValue('give profit and cost together (profit B per responder, cost F per contact)');
  const B = optionalNumber(b, NaN, 'profit');
  const F = optionalNumber(f, NaN, 'cost');
  if (!(B > 0)) throw badValue(`profit (B, per responder) must be a positive number, got ${B}`);
  if (!(F > 0)) throw badValue(`cost (F, per contact) must be a positive number, got ${F}`);
  return { profit: B, cost: F };
}

/**
 * CBM.BREAKEVEN: the response rate at which a campaign pays for itself, F / B (ROI = rate × B / F
 * = 1); with scores and actual, the lowest threshold whose selection still reaches it (kernel-lib's
 * breakEvenThreshold) spilled with its figures.
 */
export function breakEven(profit: unknown, cost: unknown, scores?: unknown, actual?: unknown): OutCell[][] {
  const economics = campaignEconomics(profit, cost, false)!;
  const noScores = isBlank(Array.isArray(scores) && scores.length === 1 && Array.isArray(scores[0]) && scores[0].length === 1 ? scores[0][0] : scores);
  // One cell (a 1×1 spill) without scores; the function's result is a range either way.
  if (noScores) return [[economics.cost / economics.profit]];
  const pair = scoredPair(scores, actual);
  const best = breakEvenThreshold(pair.scores, pair.actual, economics);
  if (!best)
    throw notAvailable(`no selection reaches the break-even response rate ${economics.cost / economics.profit} (cost / profit); the campaign does not pay at any threshold`);
  return excelMatrix([
    ['break-even response rate', best.breakEvenResponseRate],
    ['threshold', best.threshold],
    ['selected', best.selected],
    ['response rate', best.responseRate],
    ['ROI', best.roi],
  ]);
}

export const CALIBRATION_HEADER = ['bin', 'mean P', 'observed rate', 'customers'];

/** CBM.CALIBRATION: scores cut into equal-width bins of P, the mean P beside the observed response rate (blank for an empty bin). */
export function calibration(scores: unknown, actual: unknown, bins?: unknown): OutCell[][] {
  const pair = scoredPair(scores, actual);
  const b = wholeNumber(bins, 10, 1, 1000, 'bins');
  return excelMatrix([CALIBRATION_HEADER, ...calibrationTable(pair.scores, pair.actual, { bins: b }).map((r) => [r.bin, r.meanPredicted, r.observedRate, r.count])]);
}

/** CBM.NORMALIZE: (x − min)/(max − min), min and max from the values unless both are given; same shape as the input. */
export function normalize(values: unknown, min?: unknown, max?: unknown): number[][] {
  const x = numberVector(values, 'values');
  const low = unwrapScalar(min, 'min');
  const high = unwrapScalar(max, 'max');
  if (isBlank(low) !== isBlank(high)) throw new ExcelFailure('#VALUE!', 'give both min and max, or neither (then they are the smallest and largest value)');
  let scaler: MinMaxScaler;
  try {
    scaler = isBlank(low) ? minMaxScaler({ x }, ['x']) : scalerFromRanges({ x: { min: optionalNumber(low, NaN, 'min'), max: optionalNumber(high, NaN, 'max') } });
  } catch (error) {
    // The kernel names the column, here only 'x': say it of the values and the bounds instead.
    if (error instanceof CbmError && error.code === 'BAD_INPUT')
      throw badValue(
        isBlank(low) ? 'the values are all equal, so they cannot be scaled to [0, 1]; give min and max' : `min must be below max, got ${String(low)} and ${String(high)}`,
      );
    throw error;
  }
  const scaled = scaler.transform({ x }).x as Float64Array;
  const asRow = Array.isArray(values) && values.length === 1 && (values[0] as unknown[]).length > 1;
  return asRow ? [Array.from(scaled)] : Array.from(scaled, (v) => [v]);
}

/** Cells for a column-vector argument check shared with the task pane. */
export { vectorCells, CbmError };

// ---------------------------------------------------------------- SIMREVENUE

/** Excel's limits on one CBM.SIMREVENUE call: beyond them a cell would compute for many seconds. */
export const MAX_EXCEL_SIMULATIONS = 1_000_000;
export const MAX_EXCEL_DRAWS = 2e9;
/** The seed when none is given: the same numbers every time, as the notebooks' default seed. */
export const DEFAULT_SIMULATION_SEED = 2026;
/** The exact P(churners ≥ k) costs n²/2 multiply-adds: up to 5,000 customers (≈ 15 ms) in a cell; beyond, the simulated share alone. */
export const MAX_EXCEL_EXACT_CUSTOMERS = 5_000;

export interface RevenueRequest {
  spec: SimulateRevenueSpec & { simulations: number; seed: number | string };
  output: 'summary' | 'histogram' | 'churners';
  /** k of P(churners ≥ k). */
  atLeast: number;
}

/** Reads CBM.SIMREVENUE's Excel arguments into a simulateRevenue spec (all checks before any work). */
export function revenueRequest(churnProbabilities: unknown, revenues: unknown, simulations?: unknown, seed?: unknown, output?: unknown, churnersAtLeast?: unknown): RevenueRequest {
  const p = numberVector(churnProbabilities, 'churnProbabilities');
  const r = numberVector(revenues, 'revenues');
  if (p.length !== r.length) throw new ExcelFailure('#VALUE!', `churnProbabilities and revenues have ${p.length} and ${r.length} rows; give one of each per customer`);
  for (let i = 0; i < p.length; i++) if (!(p[i] >= 0 && p[i] <= 1)) throw badValue(`churnProbabilities holds ${p[i]} at position ${i + 1}; probabilities must be between 0 and 1`);
  const sims = wholeNumber(simulations, 10_000, 1, MAX_EXCEL_SIMULATIONS, 'simulations');
  if (sims * p.length > MAX_EXCEL_DRAWS)
    throw badValue(
      `${sims} simulations × ${p.length} customers = ${(sims * p.length).toExponential(1)} draws is more than one cell should compute (${MAX_EXCEL_DRAWS.toExponential(0)}); run fewer simulations`,
    );
  const seedValue = unwrapScalar(seed, 'seed');
  if (!isBlank(seedValue) && typeof seedValue !== 'number' && typeof seedValue !== 'string')
    throw new ExcelFailure('#VALUE!', `seed must be a number or text, got ${String(seedValue)}`);
  const kind = optionalText(output, 'summary', 'output').toLowerCase();
  if (kind !== 'summary' && kind !== 'histogram' && kind !== 'churners') throw new ExcelFailure('#VALUE!', `output must be 'summary', 'histogram' or 'churners', got '${kind}'`);
  let expected = 0;
  for (let i = 0; i < p.length; i++) expected += p[i];
  const atLeast = wholeNumber(churnersAtLeast, Math.ceil(expected), 0, p.length, 'churnersAtLeast');
  return {
    spec: { churnProbabilities: p, revenues: r, simulations: sims, seed: isBlank(seedValue) ? DEFAULT_SIMULATION_SEED : (seedValue as number | string) },
    output: kind,
    atLeast,
  };
}

/** The cells CBM.SIMREVENUE spills for a finished simulation. */
export function revenueCells(request: RevenueRequest, summary: RevenueSummary): OutCell[][] {
  if (request.output === 'histogram') return excelMatrix([['lower', 'upper', 'count', 'share'], ...summary.totalHistogram.map((b) => [b.lower, b.upper, b.count, b.share])]);
  if (request.output === 'churners') return excelMatrix([['churners', 'count', 'share'], ...summary.churnerHistogram.map((c) => [c.churners, c.count, c.share])]);
  const k = request.atLeast;
  let simulatedTail = 0;
  for (const row of summary.churnerHistogram) if (row.churners >= k) simulatedTail += row.count;
  const n = summary.customers;
  return excelMatrix([
    ['statistic', 'value'],
    ['simulations', summary.simulations],
    ['customers', n],
    ['seed', request.spec.seed],
    ['expected revenue (exact)', summary.expectedRevenue],
    ['mean revenue', summary.mean],
    ['sd of revenue', summary.sd],
    ['5% quantile', summary.quantiles.p5],
    ['50% quantile', summary.quantiles.p50],
    ['95% quantile', summary.quantiles.p95],
    ['expected churners (exact)', summary.expectedChurners],
    ['mean churners', summary.meanChurners],
    [`P(churners ≥ ${k}), simulated`, simulatedTail / summary.simulations],
    [`P(churners ≥ ${k}), exact`, n <= Math.min(MAX_EXACT_CUSTOMERS, MAX_EXCEL_EXACT_CUSTOMERS) ? churnerTail(request.spec.churnProbabilities, k) : ''],
  ]);
}

/** CBM.SIMREVENUE in one synchronous call (the Excel wrapper runs the same simulation in blocks, yielding). */
export function simRevenue(churnProbabilities: unknown, revenues: unknown, simulations?: unknown, seed?: unknown, output?: unknown, churnersAtLeast?: unknown): OutCell[][] {
  const request = revenueRequest(churnProbabilities, revenues, simulations, seed, output, churnersAtLeast);
  return revenueCells(request, simulateRevenue(request.spec).summary);
}

// ---------------------------------------------------------------- OPTPRICE

/** Reads CBM.OPTPRICE's Excel arguments into an optimizePrice spec (logit price response, no forecast). */
export function priceRequest(
  churnProbabilities: unknown,
  revenues: unknown,
  priceSlope: unknown,
  lowerBound?: unknown,
  upperBound?: unknown,
  churnersAtLeast?: unknown,
  maxProbability?: unknown,
  maxChurnRate?: unknown,
): OptimizePriceSpec {
  const p = numberVector(churnProbabilities, 'churnProbabilities');
  const r = numberVector(revenues, 'revenues');
  if (p.length !== r.length) throw new ExcelFailure('#VALUE!', `churnProbabilities and revenues have ${p.length} and ${r.length} rows; give one of each per customer`);
  for (let i = 0; i < p.length; i++) if (!(p[i] >= 0 && p[i] <= 1)) throw badValue(`churnProbabilities holds ${p[i]} at position ${i + 1}; probabilities must be between 0 and 1`);
  const slope = unwrapScalar(priceSlope, 'priceSlope');
  if (isBlank(slope)) throw new ExcelFailure('#VALUE!', 'priceSlope is required: the change in the logit of churn per unit of ln(1 + price change), e.g. 3');
  const b = optionalNumber(slope, NaN, 'priceSlope');
  // b ≤ 0 says a price rise never raises churn: the search would recommend the largest rise allowed.
  if (!(b > 0)) throw badValue(`priceSlope must be above 0 (a price rise raises churn: the logit of churn moves by priceSlope × ln(1 + change)), got ${b}`);
  const low = optionalNumber(lowerBound, -0.5, 'lowerBound');
  const high = optionalNumber(upperBound, 0.5, 'upperBound');
  if (!(low > -1 && low < high)) throw badValue(`the bounds must satisfy −1 < lowerBound < upperBound (relative price changes, −0.1 = a 10 % cut), got ${low} and ${high}`);
  const count = unwrapScalar(churnersAtLeast, 'churnersAtLeast');
  const probability = unwrapScalar(maxProbability, 'maxProbability');
  if (isBlank(count) !== isBlank(probability))
    throw new ExcelFailure('#VALUE!', 'give churnersAtLeast and maxProbability together: the constraint is P(churners ≥ churnersAtLeast) ≤ maxProbability');
  const constraints: NonNullable<OptimizePriceSpec['constraints']> = {};
  if (!isBlank(count)) {
    const k = wholeNumber(count, 0, 0, p.length, 'churnersAtLeast');
    const q = optionalNumber(probability, NaN, 'maxProbability');
    if (!(q > 0 && q < 1)) throw badValue(`maxProbability must be between 0 and 1, got ${q}`);
    constraints.churnersAtLeast = { count: k, maxProbability: q };
  }
  const rate = unwrapScalar(maxChurnRate, 'maxChurnRate');
  if (!isBlank(rate)) {
    const m = optionalNumber(rate, NaN, 'maxChurnRate');
    if (!(m > 0 && m < 1)) throw badValue(`maxChurnRate must be between 0 and 1, got ${m}`);
    constraints.maxChurnRate = m;
  }
  return { churnProbabilities: p, revenues: r, priceResponse: { logitSlope: b }, bounds: [low, high], objective: 'revenue', constraints, simulations: 0 };
}

/** CBM.OPTPRICE: the optimal relative price change and its figures beside today's. */
export function optPrice(
  churnProbabilities: unknown,
  revenues: unknown,
  priceSlope: unknown,
  lowerBound?: unknown,
  upperBound?: unknown,
  churnersAtLeast?: unknown,
  maxProbability?: unknown,
  maxChurnRate?: unknown,
): OutCell[][] {
  const spec = priceRequest(churnProbabilities, revenues, priceSlope, lowerBound, upperBound, churnersAtLeast, maxProbability, maxChurnRate);
  const best = optimizePrice(spec);
  const k = spec.constraints?.churnersAtLeast?.count;
  let todayChurners = 0;
  const p0 = spec.churnProbabilities as Float64Array;
  for (let i = 0; i < p0.length; i++) todayChurners += p0[i];
  const binding: string[] = best.constraints.filter((c) => c.binding).map((c) => c.constraint);
  // An optimum at a bound is held there by the bound, not by the revenue curve: say so.
  const [low, high] = spec.bounds!;
  if (best.priceChange === low) binding.push(`lower bound (${low})`);
  if (best.priceChange === high) binding.push(`upper bound (${high})`);
  return excelMatrix([
    ['', 'optimum', 'today'],
    ['price change', best.priceChange, 0],
    ['expected revenue', best.expectedRevenue, best.today.expectedRevenue],
    ['expected churn rate', best.expectedChurnRate, best.today.expectedChurnRate],
    ['expected churners', best.expectedChurners, todayChurners],
    [k === undefined ? 'P(churners ≥ k)' : `P(churners ≥ ${k})`, best.tailProbability ?? '', best.today.tailProbability ?? ''],
    ['binding constraint', binding.length ? binding.join(', ') : 'none', ''],
  ]);
}
