import { CbmError, check, describeValue } from '../errors';
import { checkOptionSchema } from '../options';
import { isMissing, toTable, type DataInput, type Table } from './table';

/**
 * Text a spreadsheet would run as a formula: it starts with one of OWASP's CSV-injection
 * characters `=`, `+`, `-`, `@`, tab or carriage return, after any apostrophes (a guarded text
 * that is guarded again, so that guarding is reversible for every text).
 */
const FORMULA_START = /^'*[=+\-@\t\r]/;
/** A guarded text: an apostrophe, then (after any further apostrophes) a formula character. */
const GUARDED = /^'+[=+\-@\t\r]/;

/**
 * Text as a spreadsheet cell may hold it without running it: OWASP's CSV-injection guard. Text
 * starting with `=`, `+`, `-`, `@`, a tab or a carriage return (after any apostrophes) gets a
 * leading `'`, which Excel and LibreOffice read as "this cell is text"; any other text is returned
 * as it is. The one rule for every writer of cells: `toCsv`, and the Excel add-in's model tables,
 * model JSON cells and task-pane writes. `unguardSpreadsheetText` undoes it exactly.
 *
 * @example
 * guardSpreadsheetText('=HYPERLINK("http://x")') // '\'=HYPERLINK("http://x")'
 * guardSpreadsheetText('-0.5 points') // "'-0.5 points"
 * guardSpreadsheetText('plain') // 'plain'
 */
export function guardSpreadsheetText(text: string): string {
  check(typeof text === 'string', `guardSpreadsheetText: text must be a string, got ${describeValue(text)}`);
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/**
 * The text `guardSpreadsheetText` was given: removes the apostrophe it added, and leaves every
 * other text as it is (a cell read back without the apostrophe, as Excel's values give a text
 * whose `'` prefix it consumed, is already the original). For every string s,
 * `unguardSpreadsheetText(guardSpreadsheetText(s)) === s`.
 *
 * @example
 * unguardSpreadsheetText("'=1+2") // '=1+2'
 * unguardSpreadsheetText("'plain") // "'plain"
 */
export function unguardSpreadsheetText(text: string): string {
  check(typeof text === 'string', `unguardSpreadsheetText: text must be a string, got ${describeValue(text)}`);
  return GUARDED.test(text) ? text.slice(1) : text;
}

/**
 * Rows (or columns) as CSV text that a spreadsheet opens safely: RFC 4180 quoting (a cell with a
 * comma, a quote, a line break or edge spaces is quoted, inner quotes doubled), LF line ends, a
 * header row. Text that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading
 * `'` (OWASP's guard against CSV injection, `guardSpreadsheetText`: a spreadsheet would otherwise
 * run it as a formula);
 * numbers are written as JavaScript prints them and are never prefixed (-0.5 stays -0.5).
 * Missing values (null, undefined, NaN) are empty cells, booleans TRUE/FALSE, ±Infinity Inf/-Inf
 * (as R's write.csv), Dates their ISO text.
 *
 * @example
 * toCsv([{ id: 1, name: '=HYPERLINK("http://x")', change: -0.5 }]);
 * // 'id,name,change\n1,"\'=HYPERLINK(""http://x"")",-0.5\n'
 */
export function toCsv(data: DataInput | Table, options: { columns?: readonly string[] } = {}): string {
  const context = 'toCsv';
  checkOptionSchema(options, context, { columns: { kind: 'names', example: "['id', 'score']" } });
  const table = toTable(data, context);
  const columns = options.columns ?? table.names;
  const cells = columns.map((c) => table.cells(c));
  const lines = [columns.map((c) => csvCell(c, context)).join(',')];
  for (let i = 0; i < table.nRows; i++) lines.push(cells.map((column) => csvCell(column[i], context)).join(','));
  return `${lines.join('\n')}\n`;
}

/** One CSV field: see toCsv. */
function csvCell(value: unknown, context = 'csvCell'): string {
  if (isMissing(value)) return '';
  if (typeof value === 'number') return value === Infinity ? 'Inf' : value === -Infinity ? '-Inf' : String(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'bigint') return String(value);
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return '';
    return value.toISOString();
  }
  if (typeof value !== 'string') throw new CbmError('BAD_INPUT', `${context}: a cell is ${describeValue(value)}, not a number, text, logical value or date`);
  const guarded = guardSpreadsheetText(value);
  return /[",\r\n]|^ | $/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}
