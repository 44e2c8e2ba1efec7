import { CbmError, readOutcome, type Cell } from '@cbm-kit/kernel-lib';
import { ExcelFailure, badValue, withoutContext } from './excelErrors';

/**
 * Readers of Excel-shaped arguments. Excel hands a custom function a range as rows of cells
 * (`any[][]`), a blank cell as `""`, and a scalar argument typed `any[][]` as a 1×1 range. These
 * helpers turn such input into the plain vectors kernel-lib takes, with messages that name the
 * argument and the cell to fix.
 */
export type Range = readonly (readonly unknown[])[];

/** True for what Excel passes for an empty cell (and for an omitted optional argument). */
export function isBlank(value: unknown): boolean {
  return value === '' || value === null || value === undefined;
}

function checkRange(range: unknown, what: string): asserts range is Range {
  if (!Array.isArray(range) || range.length === 0 || !range.every((row) => Array.isArray(row) && row.length > 0)) {
    throw new ExcelFailure('#VALUE!', `${what} must be a range of cells`);
  }
  const width = range[0].length;
  for (let r = 1; r < range.length; r++) {
    if (range[r].length !== width) throw new ExcelFailure('#VALUE!', `${what}: row ${r + 1} has ${range[r].length} cells but row 1 has ${width}; select a rectangular range`);
  }
}

/** The cells of a one-column or one-row range, in order; a block of several rows and columns is refused. */
export function vectorCells(value: unknown, what: string): unknown[] {
  // A scalar where a range is expected is a 1×1 range, as Excel passes it to an any[][] parameter.
  const range = Array.isArray(value) ? value : [[value]];
  checkRange(range, what);
  const rows = range.length;
  const columns = range[0].length;
  if (rows > 1 && columns > 1) throw new ExcelFailure('#VALUE!', `${what} must be one column or one row, got ${rows} rows × ${columns} columns`);
  return columns === 1 ? range.map((row) => row[0]) : [...range[0]];
}

/** The cells of a one-column or one-row range without the blank cells at its end (a padded or whole-column selection). */
export function trimmedVector(value: unknown, what: string): unknown[] {
  const cells = vectorCells(value, what);
  let n = cells.length;
  while (n > 0 && isBlank(cells[n - 1])) n--;
  return n === cells.length ? cells : cells.slice(0, n);
}

const NUMBER_TEXT = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/** True for text that reads as a finite number ('12', ' -0.5 ', '1e3'): a number stored as text. */
export function isNumberText(v: unknown): v is string {
  return typeof v === 'string' && NUMBER_TEXT.test(v) && Number.isFinite(Number(v));
}

/**
 * The cells of a column with numbers stored as text read as numbers, where the column is
 * otherwise numeric: it holds at least one number and every other non-blank cell is number text.
 * A column of text only (codes '1', '2', '3' of a factor, say) is left as it is.
 */
export function numbersFromText(cells: readonly unknown[]): unknown[] {
  let numbers = 0;
  let texts = 0;
  for (let i = 0; i < cells.length; i++) {
    const v = cells[i];
    if (typeof v === 'number') numbers++;
    else if (isBlank(v)) continue;
    else if (isNumberText(v)) texts++;
    else return cells as unknown[];
  }
  // A column of numbers only (the usual case) comes back as it is, not copied.
  return numbers === 0 || texts === 0 ? (cells as unknown[]) : cells.map((v) => (isNumberText(v) ? Number(v) : v));
}

function numberAt(v: unknown, i: number, what: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (isBlank(v)) throw badValue(`${what} has a blank cell at position ${i + 1}; every cell must hold a number`);
  if (typeof v === 'string')
    throw badValue(
      `${what} holds the text '${v.length > 40 ? v.slice(0, 40) + '…' : v}' at position ${i + 1}${i === 0 ? ' (a header? select the numbers without it)' : ''}; every cell must hold a number`,
    );
  throw badValue(`${what} holds ${String(v)} at position ${i + 1}; every cell must hold a number`);
}

/**
 * A one-column (or one-row) range of numbers as a Float64Array: blank cells at the end are
 * ignored, numbers stored as text read as numbers; a blank, text or an error inside is refused
 * with its position (a header cell selected by mistake says so).
 */
export function numberVector(range: unknown, what: string): Float64Array {
  const cells = numbersFromText(trimmedVector(range, what));
  const out = new Float64Array(cells.length);
  for (let i = 0; i < cells.length; i++) out[i] = numberAt(cells[i], i, what);
  return out;
}

/** The outcome texts kernel-lib's reader pairs by itself (any case). */
const OUTCOME_TEXT = new Set(['yes', 'no', 'true', 'false', '1', '0']);

/**
 * Scores and outcomes of equal length, read together as a campaign's customers. Blank cells at the
 * end of either range are ignored, and so is a customer blank in both (a blank data row CBM.SCORE
 * scored blank); a blank in one only is refused. Outcomes go through kernel-lib's one outcome
 * reader: 1/0, TRUE/FALSE, Yes/No, '1'/'0'. Scores must be probabilities, in [0, 1].
 */
export function scoredPair(scoresRange: unknown, actualRange: unknown): { scores: Float64Array; actual: Float64Array } {
  const s = trimmedVector(scoresRange, 'scores');
  const a = trimmedVector(actualRange, 'actual');
  if (s.length !== a.length) throw badValue(`scores and actual have ${s.length} and ${a.length} rows; select ranges of the same length`);
  const positions: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (isBlank(s[i]) && isBlank(a[i])) continue;
    if (isBlank(s[i])) throw badValue(`scores has a blank cell at position ${i + 1}, where actual has a value; every customer needs a score`);
    if (isBlank(a[i])) throw badValue(`actual has a blank cell at position ${i + 1}; score only customers whose outcome is known`);
    positions.push(i);
  }
  const scoreCells = numbersFromText(positions.map((i) => s[i]));
  const scores = new Float64Array(positions.length);
  for (let k = 0; k < positions.length; k++) {
    const v = numberAt(scoreCells[k], positions[k], 'scores');
    // Scores are probabilities: a percentage (×100), a date serial or a negative number would give a
    // figure that looks plausible and is wrong.
    if (!(v >= 0 && v <= 1))
      throw badValue(
        `scores holds ${v} at position ${positions[k] + 1}; scores are probabilities between 0 and 1 (as CBM.SCORE gives them)${v > 1 && v <= 100 ? ', not percentages' : ''}`,
      );
    scores[k] = v;
  }
  let actual: Float64Array;
  try {
    actual = readOutcome(
      positions.map((i) => a[i] as Cell),
      'actual',
      'CBM',
    );
  } catch (error) {
    if (!(error instanceof CbmError)) throw error;
    // The reader names the row of a value it cannot read; for text it cannot pair (no row), the
    // first text that is not yes/no, true/false or 1/0 is the cell to fix.
    const row =
      typeof error.details.row === 'number' ? error.details.row : positions.findIndex((i) => typeof a[i] === 'string' && !OUTCOME_TEXT.has((a[i] as string).trim().toLowerCase()));
    if (row < 0) throw badValue(`actual mixes text outcomes of different kinds (${withoutContext(error.message)}); use 1 and 0`);
    const v = a[positions[row]];
    throw badValue(
      `actual holds ${typeof v === 'string' ? `the text '${v}'` : String(v)} at position ${positions[row] + 1}; outcomes must be 1 or 0 (TRUE/FALSE, Yes/No and '1'/'0' also do)`,
    );
  }
  return { scores, actual };
}

/** An optional scalar number: blank/omitted gives the default; text or a non-finite value is refused. */
export function optionalNumber(value: unknown, fallback: number, what: string): number {
  const v = unwrapScalar(value, what);
  if (isBlank(v)) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ExcelFailure('#VALUE!', `${what} must be a number, got ${typeof v === 'string' ? `the text '${v}'` : String(v)}`);
  return v;
}

/** A required scalar number. */
export function requiredNumber(value: unknown, what: string): number {
  const v = unwrapScalar(value, what);
  if (isBlank(v)) throw new ExcelFailure('#VALUE!', `${what} is required`);
  return optionalNumber(v, NaN, what);
}

/** An optional scalar text: blank/omitted gives the default. */
export function optionalText(value: unknown, fallback: string, what: string): string {
  const v = unwrapScalar(value, what);
  if (isBlank(v)) return fallback;
  if (typeof v !== 'string') throw new ExcelFailure('#VALUE!', `${what} must be text, got ${String(v)}`);
  return v.trim() === '' ? fallback : v.trim();
}

/** A scalar given as a value or as a 1×1 range. */
export function unwrapScalar(value: unknown, what: string): unknown {
  if (Array.isArray(value)) {
    if (value.length === 1 && Array.isArray(value[0]) && value[0].length === 1) return value[0][0];
    throw new ExcelFailure('#VALUE!', `${what} must be a single cell, got a range`);
  }
  return value;
}

/** The campaign threshold a: strictly between 0 and 1, default 0.8 (the book's a). */
export function thresholdArgument(value: unknown): number {
  const a = optionalNumber(value, 0.8, 'threshold');
  if (!(a > 0 && a < 1)) throw badValue(`threshold must be between 0 and 1 (a customer is selected when P > threshold), got ${a}`);
  return a;
}

/** A whole number within [low, high]. */
export function wholeNumber(value: unknown, fallback: number, low: number, high: number, what: string): number {
  const n = optionalNumber(value, fallback, what);
  if (!Number.isInteger(n) || n < low || n > high) throw badValue(`${what} must be a whole number from ${low} to ${high}, got ${n}`);
  return n;
}

/** The codes of one column in `encodings` (an encode argument, a model table's encode rows), created empty on first use. */
export function codesOf(encodings: Record<string, Record<string, number>>, column: string): Record<string, number> {
  if (!Object.prototype.hasOwnProperty.call(encodings, column)) encodings[column] = Object.create(null);
  return encodings[column];
}

/** A 2-D result for Excel: NaN and ±Infinity (which a cell cannot hold) become blanks. */
export function excelMatrix(rows: readonly (readonly unknown[])[]): (string | number | boolean)[][] {
  let width = 0;
  for (const r of rows) if (r.length > width) width = r.length; // not Math.max(...): too many rows for its arguments
  return rows.map((row) => {
    const out: (string | number | boolean)[] = new Array(width).fill('');
    row.forEach((v, j) => {
      out[j] = typeof v === 'number' ? (Number.isFinite(v) ? v : '') : typeof v === 'string' || typeof v === 'boolean' ? v : v == null ? '' : String(v);
    });
    return out;
  });
}
