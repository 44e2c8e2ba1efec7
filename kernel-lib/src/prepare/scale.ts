import { CbmError, check } from '../errors';
import { setOwn } from '../data/cells';
import { numericColumn, toTable, type Cell, type Columns, type DataInput, type Table } from '../data/table';

/** The range a min–max scaler learned for one column. */
export interface Range {
  readonly min: number;
  readonly max: number;
}

/** A fitted min–max scaler: the learned ranges and the maps to and from the scaled values. See {@link minMaxScaler}. */
export interface MinMaxScaler {
  /** The training range of each scaled column, by column name. */
  readonly ranges: Readonly<Record<string, Range>>;
  /** Scales the named columns of `data`; other columns pass through unchanged. */
  transform(data: DataInput | Table): Columns;
  /** One value of `column` on the scaled axis, (value − min)/(max − min); UNKNOWN_COLUMN for a column without a range. */
  scaleValue(column: string, value: number): number;
  /** The inverse, min + scaled·(max − min): reads a scaled coefficient or grid point back in the column's units. */
  unscaleValue(column: string, scaled: number): number;
  /** The ranges as plain JSON, the form a saved model carries and {@link scalerFromRanges} reads back. */
  toJSON(): Record<string, Range>;
}

/**
 * Min–max normalisation x' = (x − min)/(max − min), fitted on training data and remembered,
 * so validation rows and new customers are scaled with the training ranges (and may land
 * slightly outside [0, 1], which is correct: clipping would hide that a customer is new ground).
 * Use it when a model should read predictors on a common [0, 1] scale (the book scales income and
 * age this way); fitLogit's `prepare: { scale: [...] }` builds one for you and saves its ranges.
 *
 * @example
 * const scaler = minMaxScaler({ age: [18, 47, 30] }, ['age']);
 * scaler.scaleValue('age', 26) // (26 − 18)/(47 − 18) = 0.2759
 */
export function minMaxScaler(data: DataInput | Table, columns: readonly string[]): MinMaxScaler {
  check(Array.isArray(columns) && columns.length > 0 && columns.every((c) => typeof c === 'string'), `minMaxScaler: name the columns to scale, e.g. ['income', 'age']`);
  return scalerFromRanges(learnRanges(toTable(data, 'minMaxScaler'), columns, 'minMaxScaler'));
}

/**
 * The min–max range of each of `columns` (names already checked) in `table`, its errors named by
 * `context`: the public function the user called (minMaxScaler, or fitLogit with `prepare.scale`).
 */
export function learnRanges(table: Table, columns: readonly string[], context: string): Record<string, Range> {
  check(table.nRows > 0, `${context}: the data has no rows to learn ranges from`);
  const ranges: Record<string, Range> = {};
  for (const name of columns) {
    const values = numericColumn(table, name, context);
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < values.length; i++) {
      if (values[i] < min) min = values[i];
      if (values[i] > max) max = values[i];
    }
    setOwn(ranges, name, learnedRange(name, min, max, context));
  }
  return ranges;
}

/**
 * The range learned for column `name` from its observed min and max, refused (BAD_INPUT) when the
 * column is constant or spans more than a double can hold; shared by minMaxScaler, the fits'
 * `prepare.scale` and the in-database fit, which learns the extremes with MIN and MAX. `context`
 * names the public function called in the message.
 *
 * @example
 * learnedRange('age', 18, 47); // { min: 18, max: 47 }
 */
export function learnedRange(name: string, min: number, max: number, context = 'minMaxScaler'): Range {
  if (!(max > min)) throw new CbmError('BAD_INPUT', `${context}: column '${name}' is constant (${min}) in the data, so it cannot be scaled to [0, 1]`, { column: name });
  if (!Number.isFinite(max - min))
    throw new CbmError('BAD_INPUT', `${context}: column '${name}' spans ${min} to ${max}, a range too wide to scale in double precision`, { column: name });
  return { min, max };
}

/**
 * Scales the columns that have a range (already checked) and passes the others through, its
 * errors named by `context`: the public function the user called (a scaler's transform, predict).
 */
export function scaleColumns(table: Table, ranges: Readonly<Record<string, Range>>, context: string): Columns {
  const out: Record<string, ArrayLike<Cell>> = {};
  for (const name of table.names) setOwn(out, name, table.cells(name));
  for (const [name, { min, max }] of Object.entries(ranges)) {
    const values = numericColumn(table, name, context);
    const span = max - min;
    for (let i = 0; i < values.length; i++) values[i] = (values[i] - min) / span;
    setOwn(out, name, values);
  }
  return out;
}

/**
 * Rebuilds a scaler from saved ranges (a model's JSON carries them).
 *
 * @example
 * const scaler = scalerFromRanges({ age: { min: 18, max: 47 } });
 * scaler.unscaleValue('age', 0.5); // 32.5
 */
export function scalerFromRanges(ranges: Readonly<Record<string, Range>>): MinMaxScaler {
  check(ranges !== null && typeof ranges === 'object' && !Array.isArray(ranges), `scalerFromRanges: ranges must be an object like { age: { min: 18, max: 47 } }`);
  for (const [name, r] of Object.entries(ranges)) {
    check(
      r !== null && typeof r === 'object' && Number.isFinite(r.min) && Number.isFinite(r.max) && r.max > r.min && Number.isFinite(r.max - r.min),
      `scaling range for '${name}' must be { min, max } with finite min < max`,
    );
  }
  const frozen = Object.freeze(Object.fromEntries(Object.entries(ranges).map(([k, r]) => [k, Object.freeze({ min: r.min, max: r.max })])));
  const rangeOf = (column: string): Range => {
    // An own-property test: 'constructor' or 'toString' must not find Object.prototype's members.
    const r = typeof column === 'string' && Object.prototype.hasOwnProperty.call(frozen, column) ? frozen[column] : undefined;
    if (!r) throw new CbmError('UNKNOWN_COLUMN', `minMaxScaler: no range for column '${column}' (scaled columns: ${Object.keys(frozen).join(', ')})`, { column });
    return r;
  };
  return {
    ranges: frozen,
    transform: (data) => scaleColumns(toTable(data, 'minMaxScaler.transform'), frozen, 'minMaxScaler.transform'),
    scaleValue(column, value) {
      const { min, max } = rangeOf(column);
      check(typeof value === 'number' && Number.isFinite(value), `minMaxScaler.scaleValue: value must be a finite number, got ${typeof value === 'number' ? value : typeof value}`);
      return (value - min) / (max - min);
    },
    unscaleValue(column, scaled) {
      const { min, max } = rangeOf(column);
      check(
        typeof scaled === 'number' && Number.isFinite(scaled),
        `minMaxScaler.unscaleValue: scaled must be a finite number, got ${typeof scaled === 'number' ? scaled : typeof scaled}`,
      );
      return min + scaled * (max - min);
    },
    toJSON: () => Object.fromEntries(Object.entries(frozen).map(([k, r]) => [k, { min: r.min, max: r.max }])),
  };
}
