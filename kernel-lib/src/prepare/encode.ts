import { CbmError, check, describeValue, rowError } from '../errors';
import { checkOptionSchema } from '../options';
import { setOwn, unsupportedCell } from '../data/cells';
import { toTable, textLevels, type Cell, type Columns, type DataInput, type Table } from '../data/table';

/**
 * Codes for text categories, column by column: `{ gender: { M: 1, F: 0 } }` turns the book's
 * X1 (male 1, female 0) into a number the model can multiply. Kept as plain data so it
 * travels inside a saved model and the same customer is coded the same everywhere.
 */
export type Encodings = Readonly<Record<string, Readonly<Record<string, number>>>>;

/**
 * Replaces each encoded column's text values by their codes; other columns pass through.
 * A value without a code is an error that names it, never a silent NaN.
 *
 * @example
 * encodeCategories([{ gender: 'M' }, { gender: 'F' }], { gender: { M: 1, F: 0 } }) // { gender: Float64Array [1, 0] }
 */
export function encodeCategories(data: DataInput | Table, encodings: Encodings): Columns {
  const table = toTable(data, 'encodeCategories');
  checkEncodings(encodings, 'encodeCategories: encodings');
  return encodeColumns(table, encodings, 'encodeCategories');
}

/**
 * encodeCategories on a table with checked encodings, its errors named by `context`: the public
 * function the user called (fitLogit with a `prepare` spec, predict with a model's preparation).
 */
export function encodeColumns(table: Table, encodings: Encodings, context: string): Columns {
  const out: Record<string, ArrayLike<Cell>> = {};
  for (const name of table.names) setOwn(out, name, table.cells(name));
  for (const [name, codes] of Object.entries(encodings)) {
    const cells = table.cells(name);
    const coded = new Float64Array(table.nRows);
    for (let i = 0; i < table.nRows; i++) {
      const value = cells[i];
      const code = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? codes[String(value)] : undefined;
      if (unsupportedCell(value))
        throw rowError(i, (row) => new CbmError('BAD_INPUT', `${context}: column '${name}' has ${unsupportedCell(value, ` in row ${row}`)}`, { column: name, row }));
      if (code === undefined || !Object.prototype.hasOwnProperty.call(codes, String(value))) {
        throw rowError(
          i,
          (row) =>
            new CbmError(
              value === null || value === undefined ? 'NON_FINITE' : 'BAD_INPUT',
              `${context}: column '${name}' has ${value === null || value === undefined ? 'a missing value' : `the value '${String(value)}'`} in row ${row}, which has no code (codes: ${Object.entries(
                codes,
              )
                .map(([k, v]) => `'${k}' → ${v}`)
                .join(', ')})`,
              { column: name, row },
            ),
        );
      }
      coded[i] = code;
    }
    setOwn(out, name, coded);
  }
  return out;
}

/**
 * Checks encodings' shape: an object of code objects of finite numbers. `label` is how the message
 * names them, with the function called where there is one: 'encodeCategories: encodings',
 * 'fitLogit: prepare.encode'; a saved model's reader wraps the bare 'encodings' in its own message.
 */
export function checkEncodings(encodings: unknown, label = 'encodings'): asserts encodings is Encodings {
  check(encodings !== null && typeof encodings === 'object' && !Array.isArray(encodings), `${label} must be an object like { gender: { M: 1, F: 0 } }`);
  for (const [name, codes] of Object.entries(encodings as object)) {
    check(codes !== null && typeof codes === 'object' && !Array.isArray(codes) && Object.keys(codes).length > 0, `${label}.${name} must be an object of codes like { M: 1, F: 0 }`);
    for (const [level, code] of Object.entries(codes as object)) {
      check(typeof code === 'number' && Number.isFinite(code), `${label}.${name}['${level}'] must be a finite number, got ${describeValue(code)}`);
    }
  }
}

/**
 * Indicator (dummy) coding of a text column: one 0/1 column per level except the reference,
 * named `column_level`. Use it when you want the dummies as data columns; a text column named
 * in a formula is treatment-coded automatically, as R does.
 *
 * @example
 * indicatorCoding({ region: ['N', 'S', 'W'] }, 'region') // { region_S: [0,1,0], region_W: [0,0,1] } (+ other columns)
 */
export function indicatorCoding(data: DataInput | Table, column: string, options: { reference?: string; keepOriginal?: boolean } = {}): Columns {
  check(typeof column === 'string', `indicatorCoding: column must be a column name, got ${describeValue(column)}`);
  checkOptionSchema(options, 'indicatorCoding', { reference: { kind: 'text', example: "'A'" }, keepOriginal: { kind: 'boolean' } });
  const table = toTable(data, 'indicatorCoding');
  const levels = textLevels(table, column, 'indicatorCoding');
  const reference = options.reference ?? levels[0];
  check(levels.includes(reference), `indicatorCoding: reference level '${reference}' does not occur in column '${column}' (levels: ${levels.join(', ')})`);
  const out: Record<string, ArrayLike<Cell>> = {};
  for (const name of table.names) if (name !== column || options.keepOriginal) setOwn(out, name, table.cells(name));
  const cells = table.cells(column);
  for (const level of levels) {
    if (level === reference) continue;
    const name = `${column}_${level}`;
    check(!Object.prototype.hasOwnProperty.call(out, name), `indicatorCoding: the new column '${name}' would overwrite an existing column`);
    const dummy = new Float64Array(table.nRows);
    for (let i = 0; i < table.nRows; i++) dummy[i] = String(cells[i]) === level ? 1 : 0;
    setOwn(out, name, dummy);
  }
  return out;
}
