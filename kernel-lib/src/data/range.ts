import { CbmError, check } from '../errors';
import { checkOptionSchema } from '../options';
import { toTable, type Cell, type Columns, type Table } from './table';
import { unsupportedCell } from './cells';

/** Options of {@link tableFromRange}. */
export interface RangeOptions {
  /** The first row holds the column names (default true). Without it, columns are named V1, V2, … as R's `read.table`. */
  header?: boolean;
}

/**
 * Reads a spreadsheet range – rows of cells, as Excel hands a 2-D range to a custom function –
 * into the library's table. Blank cells (`''`, `null`, `undefined`) become missing values, so
 * the functions that need numbers report them by column and row instead of reading them as 0.
 * Header names are trimmed; an empty or repeated name, and a row of another width, are errors
 * that say which cell to fix.
 *
 * @example
 * const table = tableFromRange([['gender', 'age'], ['M', 26], ['F', '']]);
 * table.names;          // ['gender', 'age']
 * table.cells('age');   // [26, null]
 */
export function tableFromRange(values: readonly (readonly unknown[])[], options: RangeOptions = {}): Table {
  const context = 'tableFromRange';
  checkOptionSchema(options, context, { header: { kind: 'boolean' } });
  const header = options.header ?? true;
  check(Array.isArray(values), `${context}: expected a range (an array of rows), got ${values === null ? 'null' : typeof values}`);
  check(values.length > 0, `${context}: the range is empty`);
  for (let r = 0; r < values.length; r++) check(Array.isArray(values[r]), `${context}: row ${r + 1} of the range is not an array of cells`);
  const width = values[0].length;
  check(width > 0, `${context}: the range has no columns`);
  for (let r = 1; r < values.length; r++) {
    if (values[r].length !== width)
      throw new CbmError('BAD_INPUT', `${context}: row ${r + 1} of the range has ${values[r].length} cells but row 1 has ${width}; select a rectangular range`, { row: r + 1 });
  }
  const names: string[] = [];
  if (header) {
    const seen = new Map<string, number>();
    for (let c = 0; c < width; c++) {
      const raw = values[0][c];
      const name = typeof raw === 'string' ? raw.trim() : typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : '';
      if (name === '') throw new CbmError('BAD_INPUT', `${context}: the header cell in column ${c + 1} is empty; every column needs a name`, { column: c + 1 });
      const previous = seen.get(name);
      if (previous !== undefined)
        throw new CbmError('BAD_INPUT', `${context}: the header name '${name}' appears in columns ${previous + 1} and ${c + 1}; names must be unique`, {
          name,
          columns: [previous + 1, c + 1],
        });
      seen.set(name, c);
      names.push(name);
    }
  } else {
    for (let c = 0; c < width; c++) names.push(`V${c + 1}`);
  }
  const first = header ? 1 : 0;
  // A null-prototype object: a column called '__proto__' or 'constructor' is just a column.
  const columns: Columns = Object.create(null);
  for (let c = 0; c < width; c++) {
    const column: Cell[] = new Array(values.length - first);
    for (let r = first; r < values.length; r++) column[r - first] = rangeCell(values[r][c], r, c, context);
    columns[names[c]] = column;
  }
  return toTable(columns, context);
}

/** One cell as the library's Cell: blanks are missing; numbers, text and booleans pass. */
function rangeCell(value: unknown, row: number, column: number, context: string): Cell {
  if (value === '' || value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  throw new CbmError('BAD_INPUT', `${context}: the cell in row ${row + 1}, column ${column + 1} holds ${unsupportedCell(value) ?? typeof value}`, {
    row: row + 1,
    column: column + 1,
  });
}
