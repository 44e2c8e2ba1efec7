import { check } from '../errors';
import { toTable, type DataInput, type Table } from '../data/table';
import { checkOptionSchema, type OptionSchema } from '../options';
import { checkEncodings, encodeCategories, type Encodings } from './encode';
import { minMaxScaler, scalerFromRanges, type Range } from './scale';

/**
 * What to do to raw customer rows before modelling: encode text categories, then min–max
 * scale numeric columns. Pass it to fitLogit/stepwise as `prepare`; the fitted form (with the
 * learned ranges) is stored in the model, so a saved model scores raw rows anywhere, e.g.
 * `{ encode: { gender: { M: 1, F: 0 } }, scale: ['income', 'age'] }`.
 */
export interface PreparationSpec {
  /** Codes for text categories, by column, e.g. `{ gender: { M: 1, F: 0 } }`. */
  readonly encode?: Encodings;
  /** Numeric columns to min–max scale to [0, 1] with the ranges of the data the preparation is fitted on. */
  readonly scale?: readonly string[];
}

/** A preparation with its ranges learned from training data. */
export interface Preparation {
  /** The category codes, by column. */
  readonly encodings: Encodings;
  /** The learned min–max range of each scaled column. */
  readonly ranges: Readonly<Record<string, Range>>;
}

export function isPreparation(value: unknown): value is Preparation {
  return typeof value === 'object' && value !== null && 'encodings' in value && 'ranges' in value;
}

const PREPARATION_OPTIONS: OptionSchema = {
  // Each encoding is checked by checkEncodings.
  encode: { kind: 'object', example: '{ gender: { M: 1, F: 0 } }' },
  scale: { kind: 'names', example: "['income', 'age']" },
};

/** Checks a `prepare` spec's shape (the names encode and scale, their kinds); the encodings themselves are checked by checkEncodings. */
export function checkPreparationSpec(spec: unknown): asserts spec is PreparationSpec {
  check(spec !== null && typeof spec === 'object', `prepare must be an object like { encode: { gender: { M: 1, F: 0 } }, scale: ['income', 'age'] }`);
  checkOptionSchema(spec, 'prepare', PREPARATION_OPTIONS);
}

/**
 * Learns the scaling ranges of `spec` on (training) data, after encoding. fitLogit and fitLinear
 * do this themselves from their `prepare` option; call it to prepare data for something else
 * with the same rules.
 *
 * @example
 * const rows = [{ gender: 'M', age: 20 }, { gender: 'F', age: 40 }];
 * const preparation = fitPreparation(rows, { encode: { gender: { M: 1, F: 0 } }, scale: ['age'] });
 * preparation.ranges; // { age: { min: 20, max: 40 } }
 */
export function fitPreparation(data: DataInput | Table, spec: PreparationSpec): Preparation {
  checkPreparationSpec(spec);
  const encodings = spec.encode ?? {};
  checkEncodings(encodings);
  const encoded = toTable(encodeCategories(data, encodings), 'prepare');
  const scale = spec.scale ?? [];
  const ranges = scale.length ? minMaxScaler(encoded, scale).ranges : {};
  // A copy, so that later edits to the caller's objects cannot change a fitted model.
  return preparationToJSON({ encodings, ranges });
}

/**
 * Applies a fitted preparation to raw rows: encode, then scale with the stored ranges.
 *
 * @example
 * const preparation = fitPreparation({ gender: ['M', 'F'], age: [20, 40] }, { encode: { gender: { M: 1, F: 0 } }, scale: ['age'] });
 * const prepared = applyPreparation(preparation, [{ gender: 'F', age: 30 }]);
 * [prepared.cells('gender')[0], prepared.cells('age')[0]]; // [0, 0.5]
 */
export function applyPreparation(preparation: Preparation, data: DataInput | Table): Table {
  check(
    isPreparation(preparation) && preparation.ranges !== null && typeof preparation.ranges === 'object',
    'applyPreparation: preparation must be a fitted preparation (fitPreparation(data, spec)), with encodings and ranges',
  );
  const encoded = encodeCategories(data, preparation.encodings);
  if (Object.keys(preparation.ranges).length === 0) return toTable(encoded);
  return toTable(scalerFromRanges(preparation.ranges).transform(encoded));
}

/** A preparation as plain JSON (it already is; this copies it so callers cannot mutate the model). */
export function preparationToJSON(preparation: Preparation): Preparation {
  return JSON.parse(JSON.stringify(preparation)) as Preparation;
}

/**
 * The part of a preparation that the given variables need: a model that no longer uses a
 * prepared column (stepwise dropped it) must not demand it when scoring.
 */
export function restrictPreparation(preparation: Preparation, variables: readonly string[]): Preparation {
  const wanted = new Set(variables);
  const pick = <T>(record: Readonly<Record<string, T>>): Record<string, T> => {
    const out: Record<string, T> = Object.create(null);
    for (const key of Object.keys(record)) if (wanted.has(key)) out[key] = record[key];
    return out;
  };
  return preparationToJSON({ encodings: pick(preparation.encodings), ranges: pick(preparation.ranges) });
}
