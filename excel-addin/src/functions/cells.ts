import { ExcelFailure, badValue } from './excelErrors';

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

/**
 * A one-column (or one-row) range of numbers as a Float64Array. Blanks, text and errors are refused
 * with the position: a header cell selected by mistake says so.
 */
export function numberVector(range: unknown, what: string): Float64Array {
  const cells = vectorCells(range, what);
  const out = new Float64Array(cells.length);
  for (let i = 0; i < cells.length; i++) {
    const v = cells[i];
    if (typeof v === 'number' && Number.isFinite(v)) out[i] = v;
    else if (typeof v === 'boolean') out[i] = v ? 1 : 0;
    else if (isBlank(v)) throw new ExcelFailure('#VALUE!', `${what} has a blank cell at position ${i + 1}; every cell must hold a number`);
    else if (typeof v === 'string') {
      throw new ExcelFailure(
        '#VALUE!',
        `${what} holds the text '${v.length > 40 ? v.slice(0, 40) + '…' : v}' at position ${i + 1}${i === 0 ? ' (a header? select the numbers without it)' : ''}; every cell must hold a number`,
      );
    } else throw new ExcelFailure('#VALUE!', `${what} holds ${String(v)} at position ${i + 1}; every cell must hold a number`);
  }
  return out;
}

/** Outcomes 0/1 (or TRUE/FALSE) from a range; anything else is refused naming the position and value. */
export function outcomeVector(range: unknown, what: string): Uint8Array {
  const cells = vectorCells(range, what);
  const out = new Uint8Array(cells.length);
  for (let i = 0; i < cells.length; i++) {
    const v = cells[i];
    if (v === 1 || v === true) out[i] = 1;
    else if (v === 0 || v === false) out[i] = 0;
    else if (isBlank(v)) throw new ExcelFailure('#VALUE!', `${what} has a blank cell at position ${i + 1}; outcomes must be 0 or 1 (score only customers whose outcome is known)`);
    else throw new ExcelFailure('#VALUE!', `${what} holds ${typeof v === 'string' ? `the text '${v}'` : String(v)} at position ${i + 1}; outcomes must be 0 or 1`);
  }
  return out;
}

/** Scores and outcomes of equal length, read together so the message names both sizes. */
export function scoredPair(scoresRange: unknown, actualRange: unknown): { scores: Float64Array; actual: Uint8Array } {
  const scores = numberVector(scoresRange, 'scores');
  // Scores are probabilities: a percentage (×100), a date serial or a negative number would give a
  // figure that looks plausible and is wrong.
  for (let i = 0; i < scores.length; i++)
    if (!(scores[i] >= 0 && scores[i] <= 1))
      throw badValue(
        `scores holds ${scores[i]} at position ${i + 1}; scores are probabilities between 0 and 1 (as CBM.SCORE gives them)${scores[i] > 1 && scores[i] <= 100 ? ', not percentages' : ''}`,
      );
  const actual = outcomeVector(actualRange, 'actual');
  if (scores.length !== actual.length) throw new ExcelFailure('#VALUE!', `scores and actual have ${scores.length} and ${actual.length} rows; select ranges of the same length`);
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
  const width = Math.max(...rows.map((r) => r.length));
  return rows.map((row) => {
    const out: (string | number | boolean)[] = new Array(width).fill('');
    row.forEach((v, j) => {
      out[j] = typeof v === 'number' ? (Number.isFinite(v) ? v : '') : typeof v === 'string' || typeof v === 'boolean' ? v : v == null ? '' : String(v);
    });
    return out;
  });
}
