import { CbmError, check, describeValue, rowError } from '../errors';
import { checkOptionSchema } from '../options';
import { isMissing, type Cell } from './table';
import { isArrayOrTyped, unsupportedCell } from './cells';

/** Options for reading a 0/1 outcome. */
export interface OutcomeOptions {
  /**
   * The value that counts as the event (1), for a text outcome whose two values are not
   * yes/no, true/false or 1/0, e.g. `{ event: 'Bought' }`.
   */
  event?: string | number | boolean;
  /** Missing values (and empty text) are allowed and read as 0 (a target list's "not contacted"). Default false. */
  missingAsZero?: boolean;
}

/** Text pairs whose event is known whatever their case: the first of each pair is 1. */
const KNOWN_PAIRS: readonly (readonly [string, string])[] = [
  ['yes', 'no'],
  ['true', 'false'],
  ['1', '0'],
];

/**
 * The one reader of a binary outcome (a response, a churn flag, `actual` in the metrics):
 * numbers 0/1, booleans, or text. Text is read as 1/0 when its values are yes/no, true/false or
 * 1/0 in any case; any other two text values need the event named (`{ event: 'Bought' }`),
 * because guessing from the character order would code 'Yes'/'no' upside down and flip the
 * sign of every coefficient. Missing values are NON_FINITE errors naming the row, unless
 * `missingAsZero`.
 *
 * @example
 * Array.from(readOutcome(['Yes', 'no', 'YES'], 'bought', 'fitLogit')); // [1, 0, 1]
 * Array.from(readOutcome(['Bought', 'Left'], 'status', 'fitLogit', { event: 'Bought' })); // [1, 0]
 */
export function readOutcome(cells: ArrayLike<Cell>, name: string, context: string, options: OutcomeOptions = {}): Float64Array {
  if (typeof context !== 'string') context = 'readOutcome';
  check(isArrayOrTyped(cells), `${context}: the outcome must be an array of values, got ${describeValue(cells)}`);
  check(typeof name === 'string', `${context}: the outcome's name must be text, got ${describeValue(name)}`);
  checkOptionSchema(options, context, {
    // Text, a finite number or a boolean: checked below (the schema has no kind for "one cell").
    event: { kind: 'any' },
    missingAsZero: { kind: 'boolean' },
  });
  const n = cells.length;
  const y = new Float64Array(n);
  const event = options?.event;
  if (event !== undefined && !(typeof event === 'string' || typeof event === 'boolean' || (typeof event === 'number' && Number.isFinite(event)))) {
    throw new CbmError('BAD_INPUT', `${context}: event must be the text, number or boolean that marks the event like 'Yes', got ${describeValue(event)}`, {
      option: 'event',
    });
  }
  if (ArrayBuffer.isView(cells) && event === undefined) {
    // Typed arrays hold numbers only: 0 and 1, nothing else. A small loop of its own, so V8
    // optimises it for the one array type it sees.
    // BigInt arrays go through the checked loop, which names them (BigInt cannot mix with numbers).
    const big = cells instanceof BigInt64Array || cells instanceof BigUint64Array;
    const bad = big ? 0 : copyZeroOne(cells as unknown as Float64Array, y);
    for (let i = bad; i < n; i++) {
      const v = (cells as unknown as Float64Array)[i];
      if (v === 1) y[i] = 1;
      else if (v !== 0) {
        if (Number.isNaN(v) && options?.missingAsZero) continue;
        throw badValue(v, name, i, context);
      }
    }
    return y;
  }
  let text: { event: string; other: string } | null = null;
  const blankIsMissing = options?.missingAsZero === true;
  for (let i = 0; i < n; i++) {
    const v = cells[i];
    // The common cells first, without a call: 1/0 and true/false (unless an event is named).
    if (event === undefined) {
      if (v === 1 || v === true) {
        y[i] = 1;
        continue;
      }
      if (v === 0 || v === false) continue;
    }
    if (isMissing(v) || (blankIsMissing && v === '')) {
      if (options.missingAsZero) continue;
      throw rowError(
        i,
        (row) =>
          new CbmError(
            'NON_FINITE',
            `${context}: the outcome '${name}' is missing in row ${row}; use rows with a known outcome only (for the bank case: the contacted customers)`,
            { column: name, row },
          ),
      );
    }
    if (event !== undefined) {
      y[i] = sameValue(v, event) ? 1 : 0;
      continue;
    }
    if (v === true || v === 1) y[i] = 1;
    else if (v === false || v === 0) y[i] = 0;
    else if (typeof v === 'string') {
      text ??= textEvent(cells, name, context);
      y[i] = v.trim().toLowerCase() === text.event ? 1 : 0;
    } else throw badValue(v, name, i, context);
  }
  if (event !== undefined) checkEventLevels(cells, name, context, event);
  return y;
}

/**
 * Copies 0/1 values into y without a branch per row (outcomes are random, so a branch would be
 * mispredicted half the time); returns the index of the first other value (n when all are 0/1).
 */
function copyZeroOne(x: ArrayLike<number>, y: Float64Array): number {
  const n = x.length;
  let off = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    y[i] = v;
    // v(v − 1) is 0 exactly for 0 and 1; its square is positive (or NaN) otherwise.
    const r = v * (v - 1);
    off += r * r;
  }
  if (off === 0) return n;
  for (let i = 0; i < n; i++) if (x[i] !== 0 && x[i] !== 1) return i;
  return n;
}

/**
 * readOutcome for read-only consumers (the fit pipeline): a Float64Array that already holds only
 * 0 and 1 is returned as it is instead of copied. On large data the copy costs more than the
 * check (fresh memory is slow to touch), and the fit never writes to y.
 */
export function readOutcomeView(cells: ArrayLike<Cell>, name: string, context: string, options: OutcomeOptions = {}): Float64Array {
  if (cells instanceof Float64Array && options.event === undefined) {
    let off = 0;
    for (let i = 0; i < cells.length; i++) {
      const r = cells[i] * (cells[i] - 1);
      off += r * r;
    }
    if (off === 0) return cells;
  }
  return readOutcome(cells, name, context, options);
}

function sameValue(v: Cell, event: string | number | boolean): boolean {
  return v === event || (typeof v !== 'boolean' && typeof event !== 'boolean' && String(v) === String(event));
}

/** With a named event: at most two distinct values, and the event among them. */
function checkEventLevels(cells: ArrayLike<Cell>, name: string, context: string, event: string | number | boolean): void {
  const values = new Set<string>();
  for (let i = 0; i < cells.length; i++) if (!isMissing(cells[i])) values.add(String(cells[i]));
  if (values.size > 2)
    throw new CbmError(
      'BAD_INPUT',
      `${context}: the outcome '${name}' has ${values.size} distinct values (${[...values]
        .slice(0, 4)
        .map((v) => `'${v}'`)
        .join(', ')}${values.size > 4 ? ', …' : ''}); a binary outcome has two`,
      { column: name },
    );
  if (!values.has(String(event)))
    throw new CbmError('BAD_INPUT', `${context}: the event '${String(event)}' does not occur in '${name}' (values: ${[...values].map((v) => `'${v}'`).join(', ')})`, {
      column: name,
    });
}

/** Which lower-cased text value is the event, from the column's distinct values. */
function textEvent(cells: ArrayLike<Cell>, name: string, context: string): { event: string; other: string } {
  // Only the text cells decide: numbers and booleans among them are read as 1/0 directly.
  const values = new Set<string>();
  for (let i = 0; i < cells.length; i++) {
    const v = cells[i];
    if (typeof v === 'string' && v !== '') values.add(v.trim().toLowerCase());
  }
  for (const [yes, no] of KNOWN_PAIRS) {
    if ([...values].every((v) => v === yes || v === no)) return { event: yes, other: no };
  }
  const shown = [...values]
    .slice(0, 4)
    .map((v) => `'${v}'`)
    .join(', ');
  if (values.size > 2)
    throw new CbmError(
      'BAD_INPUT',
      `${context}: the outcome '${name}' has ${values.size} distinct text values (${shown}${values.size > 4 ? ', …' : ''}); a binary outcome has two`,
      { column: name },
    );
  throw new CbmError(
    'BAD_INPUT',
    `${context}: cannot tell which value of '${name}' is the event (${shown}); name it, e.g. { event: '${[...values][0]}' }, or use 1/0, true/false or yes/no`,
    { column: name, values: [...values] },
  );
}

function badValue(v: unknown, name: string, at: number, context: string): CbmError {
  return rowError(at, (row) => badValueAt(v, name, row, context));
}

function badValueAt(v: unknown, name: string, row: number, context: string): CbmError {
  if (typeof v === 'number' && Number.isNaN(v))
    return new CbmError('NON_FINITE', `${context}: the outcome '${name}' is missing in row ${row}; use rows with a known outcome only`, { column: name, row });
  const unsupported = unsupportedCell(v, ` in row ${row}`);
  if (unsupported) return new CbmError('BAD_INPUT', `${context}: the outcome '${name}' has ${unsupported}`, { column: name, row });
  return new CbmError('BAD_INPUT', `${context}: the outcome '${name}' must be 0 or 1 (or yes/no, true/false), found ${typeof v === 'number' ? v : String(v)} in row ${row}`, {
    column: name,
    row,
  });
}
