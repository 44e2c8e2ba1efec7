import { CbmError, check, describeValue, rowError } from '../errors';
import { allFinite, isArrayOrTyped, setOwn, unsupportedCell } from './cells';

/** One value of a customer record: numbers, text categories, booleans, or missing. */
export type Cell = number | string | boolean | null | undefined;
/** A customer record as a plain object, e.g. `{ id: 7, gender: 'M', age: 26 }`. */
export type Row = Record<string, Cell>;
/** Data by column, e.g. `{ gender: ['M', 'F'], age: [26, 40] }` or typed arrays. */
export type Columns = Record<string, ArrayLike<Cell>>;
/** Everything that accepts data accepts either rows or columns. */
export type DataInput = readonly Row[] | Columns;

/**
 * A read-only columnar view of rows or columns: the one place where the two input shapes
 * meet, so that every other module can assume columns of equal length.
 */
export interface Table {
  readonly nRows: number;
  readonly names: readonly string[];
  /** Whether the table has a column of this name (exact, case-sensitive), without the throw of `cells`. */
  has(name: string): boolean;
  /** The raw cells of a column; throws UNKNOWN_COLUMN naming the available columns. */
  cells(name: string): ArrayLike<Cell>;
}

/**
 * The one definition of a missing value: null, undefined or NaN. (Blank spreadsheet cells become
 * null in tableFromRange; an empty string in a text column is a level, not a missing value.)
 *
 * @example
 * [null, undefined, NaN, 0, ''].map(isMissing) // [true, true, true, false, false]
 */
export function isMissing(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value));
}

export function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && typeof (value as Table).cells === 'function' && typeof (value as Table).nRows === 'number';
}

function unknownColumn(name: string, names: readonly string[], context: string): CbmError {
  return new CbmError('UNKNOWN_COLUMN', `${context}: unknown column '${name}'; the data has ${names.length ? names.map((n) => `'${n}'`).join(', ') : 'no columns'}`, {
    column: name,
    available: [...names],
  });
}

/**
 * Normalises `data` (rows or columns) into a Table. Rows are transposed once; columns are
 * used as they are. Columns of unequal length are rejected here, not later.
 *
 * @example
 * toTable([{ age: 26 }, { age: 40 }]).cells('age') // [26, 40]
 */
export function toTable(data: DataInput | Table, context = 'data'): Table {
  // `context` names the caller in messages; a public caller may pass anything there.
  if (typeof context !== 'string') context = 'toTable';
  if (isTable(data)) return data;
  check(data !== null && typeof data === 'object', `${context}: expected an array of row objects or an object of columns, got ${data === null ? 'null' : typeof data}`);
  if (Array.isArray(data)) {
    const rows = data as readonly Row[];
    const names: string[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      check(row !== null && typeof row === 'object' && !Array.isArray(row), `${context}: row ${i} is not an object`);
      for (const key of Object.keys(row)) {
        if (!seen.has(key)) {
          seen.add(key);
          names.push(key);
        }
      }
    }
    const cache = new Map<string, Cell[]>();
    return {
      nRows: rows.length,
      names,
      has: (name) => seen.has(name),
      cells(name) {
        if (!seen.has(name)) throw unknownColumn(name, names, context);
        let column = cache.get(name);
        if (!column) {
          // A key a row lacks is a missing value (undefined, which messages call 'a missing value'),
          // as R fills rows bound by name; only own keys count, so a row without 'toString' does
          // not yield Object.prototype.toString.
          column = rows.map((row) => (Object.prototype.hasOwnProperty.call(row, name) ? row[name] : undefined));
          cache.set(name, column);
        }
        return column;
      },
    };
  }
  const columns = data as Columns;
  const names = Object.keys(columns);
  let nRows = -1;
  for (const name of names) {
    const column = columns[name];
    check(isArrayOrTyped(column), `${context}: column '${name}' is not an array`);
    if (nRows < 0) nRows = column.length;
    check(column.length === nRows, `${context}: column '${name}' has ${column.length} values but '${names[0]}' has ${nRows}`);
  }
  return {
    nRows: Math.max(nRows, 0),
    names,
    has: (name) => Object.prototype.hasOwnProperty.call(columns, name),
    cells(name) {
      if (!Object.prototype.hasOwnProperty.call(columns, name)) throw unknownColumn(name, names, context);
      return columns[name];
    },
  };
}

/**
 * Whether a column is numeric (numbers, booleans) or text (a factor). A column that mixes both
 * is an error naming the column, row and value: one stray text cell in a numeric column must not
 * silently turn it into a factor with a level per number.
 */
export function columnKind(table: Table, name: string, context: string): 'numeric' | 'text' {
  const cells = table.cells(name);
  if (ArrayBuffer.isView(cells)) return 'numeric';
  let firstText = -1;
  let firstNumber = -1;
  for (let i = 0; i < cells.length; i++) {
    const v = cells[i];
    if (typeof v === 'string') {
      if (firstText < 0) firstText = i;
    } else if (typeof v === 'number' || typeof v === 'boolean') {
      if (firstNumber < 0 && !(typeof v === 'number' && Number.isNaN(v))) firstNumber = i;
    }
    if (firstText >= 0 && firstNumber >= 0) {
      const textRow = firstText;
      const numberRow = firstNumber;
      const minority =
        textRow > numberRow ? { row: textRow, value: `'${String(cells[textRow])}'`, kind: 'text' } : { row: numberRow, value: String(cells[numberRow]), kind: 'a number' };
      throw rowError(
        minority.row,
        (row) =>
          new CbmError(
            'BAD_INPUT',
            `${context}: column '${name}' mixes numbers and text (${minority.value} in row ${row} is ${minority.kind}); fix that cell, or make every value text to use the column as a factor`,
            { column: name, row },
          ),
      );
    }
  }
  return firstText >= 0 ? 'text' : 'numeric';
}

/** True when the column holds text (a category), false when numeric; mixed columns are errors (see columnKind). */
export function isTextColumn(table: Table, name: string, context = 'data'): boolean {
  return columnKind(table, name, context) === 'text';
}

/**
 * A column as Float64Array for the numeric core. Booleans count as 1/0; anything missing or
 * non-finite is an error naming the column and the first bad row, because silently dropping
 * or imputing rows would change the fit without telling anyone.
 *
 * @example
 * numericColumn(toTable({ age: [26, 40], member: [true, false] }), 'member', 'example') // Float64Array [1, 0]
 */
export function numericColumn(table: Table, name: string, context: string): Float64Array {
  if (typeof context !== 'string') context = 'numericColumn';
  check(isTable(table), `${context}: expected a table (toTable(data))`);
  check(typeof name === 'string', `${context}: the column name must be text, got ${describeValue(name)}`);
  const cells = table.cells(name);
  if (ArrayBuffer.isView(cells)) {
    // Typed arrays hold only numbers: check finiteness, copy in one go.
    const typed = cells as unknown as Float64Array;
    for (let i = 0; i < typed.length; i++) if (!Number.isFinite(typed[i])) throw nonFinite(name, i, typed[i], context);
    return Float64Array.from(typed);
  }
  const out = new Float64Array(cells.length);
  for (let i = 0; i < cells.length; i++) {
    const v = cells[i];
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw nonFinite(name, i, v, context);
      out[i] = v;
    } else if (typeof v === 'boolean') {
      out[i] = v ? 1 : 0;
    } else if (typeof v === 'string') {
      throw rowError(
        i,
        (row) =>
          new CbmError(
            'BAD_INPUT',
            `${context}: column '${name}' holds text ('${v}' in row ${row}); encode it as numbers first (e.g. encodeCategories) or use it as a factor in the formula`,
            { column: name, row },
          ),
      );
    } else {
      throw nonFinite(name, i, v, context);
    }
  }
  return out;
}

function nonFinite(name: string, at: number, value: unknown, context: string): CbmError {
  return rowError(at, (row) => nonFiniteAt(name, row, value, context));
}

function nonFiniteAt(name: string, row: number, value: unknown, context: string): CbmError {
  const unsupported = unsupportedCell(value, ` in row ${row}`);
  if (unsupported) return new CbmError('BAD_INPUT', `${context}: column '${name}' has ${unsupported}`, { column: name, row });
  const shown =
    value === undefined
      ? 'a missing value'
      : value === null
        ? 'a null value'
        : typeof value === 'number' && Number.isNaN(value)
          ? 'a NaN value'
          : typeof value === 'number'
            ? `an infinite value (${value})`
            : `the value ${String(value)}`;
  return new CbmError('NON_FINITE', `${context}: column '${name}' has ${shown} in row ${row}; remove or impute missing values first`, { column: name, row });
}

/**
 * Like numericColumn, but a Float64Array column is returned as it is (after the finiteness
 * check, which a caller that detects non-finite results itself may skip) instead of copied:
 * for read-only consumers such as design matrices on large data.
 */
export function numericColumnView(table: Table, name: string, context: string, checkFinite = true): Float64Array {
  const cells = table.cells(name);
  if (cells instanceof Float64Array) {
    if (checkFinite && !allFinite(cells)) for (let i = 0; i < cells.length; i++) if (!Number.isFinite(cells[i])) throw nonFinite(name, i, cells[i], context);
    return cells;
  }
  return numericColumn(table, name, context);
}

/** The distinct text values of a column in sorted order (R's default factor levels). */
export function textLevels(table: Table, name: string, context: string): string[] {
  const cells = table.cells(name);
  const levels = new Set<string>();
  for (let i = 0; i < cells.length; i++) {
    const v = cells[i];
    if (typeof v === 'string') levels.add(v);
    else if (isMissing(v) || unsupportedCell(v)) throw nonFinite(name, i, v, context);
    else levels.add(String(v));
  }
  // Code-unit order, not locale order, so levels are the same on every machine.
  return [...levels].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Rows of a table picked by index, as plain row objects (used for splits and target lists); a
 * missing cell (a key a row lacks, undefined, NaN) is null.
 *
 * @example
 * selectRows(toTable({ id: [7, 8, 9], age: [26, 40, 33] }), [2, 0]) // [{ id: 9, age: 33 }, { id: 7, age: 26 }]
 */
export function selectRows(table: Table, indices: ArrayLike<number>): Row[] {
  check(isTable(table), 'selectRows: table must be a table (toTable(data))');
  check(isArrayOrTyped(indices), 'selectRows: indices must be an array of row numbers');
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    check(Number.isInteger(i) && i >= 0 && i < table.nRows, `selectRows: index ${k} is ${describeValue(i)}, not a row number from 0 to ${table.nRows - 1}`);
  }
  const out: Row[] = new Array(indices.length);
  const columns = table.names.map((n) => [n, table.cells(n)] as const);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    const row: Row = {};
    // setOwn: a column called '__proto__' stays a column instead of replacing the row's prototype.
    for (const [name, cells] of columns) setOwn(row, name, isMissing(cells[i]) ? null : cells[i]);
    out[k] = row;
  }
  return out;
}

/**
 * The whole table as row objects, e.g. to turn data given by column into rows for a spreadsheet.
 *
 * @example
 * toRows({ id: [7, 8], age: [26, 40] }) // [{ id: 7, age: 26 }, { id: 8, age: 40 }]
 */
export function toRows(data: DataInput | Table): Row[] {
  const table = toTable(data);
  const all = new Int32Array(table.nRows);
  for (let i = 0; i < all.length; i++) all[i] = i;
  return selectRows(table, all);
}
