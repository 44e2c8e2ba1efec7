/**
 * Every failure cbm-kit reports on purpose is a `CbmError` with a stable `code`, so each
 * surface can react to the kind of problem rather than parse messages: a notebook shows the
 * message, the Excel add-in maps the code onto a `CustomFunctions.Error` with the same text.
 *
 * @example
 * const rows = [{ responded: 1, age: 30 }, { responded: 1, age: 40 }, { responded: 0, age: 20 }, { responded: 0, age: 25 }];
 * try { fitLogit(rows, 'responded ~ age') }
 * catch (e) { if (e instanceof CbmError && e.code === 'SEPARATION') console.log(e.message) }
 */
export type CbmErrorCode =
  | 'BAD_INPUT' // wrong type, shape or value of an argument
  | 'UNKNOWN_COLUMN' // a name that is not a column of the data
  | 'NON_FINITE' // NaN, Infinity or a missing value where a number is needed
  | 'FORMULA_SYNTAX' // a formula that cannot be parsed
  | 'CONSTANT_RESPONSE' // all responses are 0, or all are 1
  | 'SINGULAR' // collinear / aliased design columns
  | 'SEPARATION' // perfect or quasi-complete separation: maximum-likelihood estimates do not exist
  | 'NOT_CONVERGED' // Newton iterations ran out
  | 'BAD_MODEL_JSON' // a saved model that cannot be read
  | 'INFEASIBLE' // constraints that no value within the bounds satisfies
  | 'TOO_LARGE' // a request whose size would exhaust memory or time
  | 'SQL_ERROR' // the database refused a statement
  | 'MISSING_DEPENDENCY'; // an optional package (a database driver) is not installed

/** The brand every CbmError carries, shared by every copy of the library in a process (Symbol.for). */
const CBM_ERROR_BRAND = Symbol.for('@cbm-kit/kernel-lib/CbmError');

/**
 * A failure cbm-kit reports on purpose: `code` says what kind, `message` says what to do, and
 * `details` holds the facts (the option, the row, the column). Recognised by a brand rather than
 * by its prototype, so `e instanceof CbmError` (and `isCbmError(e)`) holds even when the CommonJS
 * and the ESM build of the library are both loaded, or two versions sit in one bundle.
 *
 * @example
 * try { fitLogit([{ y: 1, x: 1 }, { y: 1, x: 2 }], 'y ~ x') }
 * catch (e) { if (e instanceof CbmError) console.log(e.code) } // CONSTANT_RESPONSE
 */
export class CbmError extends Error {
  /** What kind of failure, stable across versions: react to it rather than to the message. */
  readonly code: CbmErrorCode;
  /** Extra machine-readable facts, e.g. the aliased terms or the offending row. */
  readonly details: Record<string, unknown>;

  constructor(code: CbmErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'CbmError';
    this.code = code;
    this.details = details;
    Object.setPrototypeOf(this, CbmError.prototype);
    Object.defineProperty(this, CBM_ERROR_BRAND, { value: true });
  }

  /** Makes `e instanceof CbmError` test the brand (see {@link isCbmError}), so it holds across copies of the library. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isCbmError(value);
  }
}

/** Where a row error (rowError) keeps how it was made. */
const MADE_AT_ROW = Symbol('cbm-kit row error');

/**
 * The CbmError `make(row)` about row `row` of a table, which remembers `make`: a caller whose rows
 * are numbered otherwise (a fit that left incomplete rows out, na: 'omit') makes the same error
 * again for its own row number with renumberRow, message and `details.row` alike, instead of
 * editing the message's text.
 *
 * @example
 * const e = rowError(2, (row) => new CbmError('NON_FINITE', `column 'x' is missing in row ${row}`, { column: 'x', row }));
 * renumberRow(e, (row) => row + 1).message; // "column 'x' is missing in row 3"
 */
export function rowError(row: number, make: (row: number) => CbmError): CbmError {
  const error = make(row);
  Object.defineProperty(error, MADE_AT_ROW, { value: { row, make } });
  return error;
}

/**
 * `error` made again at row `toRow(row)` when rowError made it; any other thrown value as it is
 * (an error that names no row of the table). The error made again names the caller's row and is
 * not renumbered a second time, should another caller on the way out renumber too.
 */
export function renumberRow<T>(error: T, toRow: (row: number) => number): T | CbmError {
  const made = error !== null && typeof error === 'object' ? (error as { [MADE_AT_ROW]?: { row: number; make: (row: number) => CbmError } })[MADE_AT_ROW] : undefined;
  return made === undefined ? error : made.make(toRow(made.row));
}

/**
 * Whether `value` is a CbmError from any copy of the library (the brand, not the prototype).
 *
 * @example
 * isCbmError(new CbmError('BAD_INPUT', 'x')) // true
 * isCbmError(new Error('x')) // false
 */
export function isCbmError(value: unknown): value is CbmError {
  return value !== null && typeof value === 'object' && (value as Record<symbol, unknown>)[CBM_ERROR_BRAND] === true;
}

/**
 * A short, printable description of a bad value for error messages. It never throws: `String()`
 * of an object without a usable `toString` (a null-prototype object, `{ toString: 5 }`) would
 * turn the error being reported into a TypeError.
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Date) return 'a Date';
  return typeof value;
}

/** Throws a BAD_INPUT CbmError unless `condition` holds; keeps checks at the door to one line. */
export function check(condition: unknown, message: string, details?: Record<string, unknown>): asserts condition {
  if (!condition) throw new CbmError('BAD_INPUT', message, details);
}

/**
 * Checks that an optional options argument is an object (undefined allowed) before it is read and,
 * given the `allowed` names, rejects any other name: a typo such as `maxIteration` or `bin` must
 * not be silently ignored.
 */
export function checkOptions(options: unknown, context: string, allowed?: readonly string[]): void {
  check(
    options === undefined || (options !== null && typeof options === 'object' && !Array.isArray(options)),
    `${context}: options must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`,
  );
  if (!allowed || options === undefined) return;
  for (const key of Object.keys(options as object)) {
    if (!allowed.includes(key)) {
      // A shared start of four letters either way: 'gridpoints' → 'gridPoints', 'aucs' → 'auc'.
      const lower = key.toLowerCase();
      const near = allowed.find((a) => a.toLowerCase().startsWith(lower.slice(0, 4))) ?? allowed.find((a) => lower.startsWith(a.toLowerCase().slice(0, 4)));
      throw new CbmError('BAD_INPUT', `${context}: unknown option '${key}'${near ? ` (did you mean '${near}'?)` : ''}; options are ${allowed.map((a) => `'${a}'`).join(', ')}`, {
        option: key,
      });
    }
  }
}
