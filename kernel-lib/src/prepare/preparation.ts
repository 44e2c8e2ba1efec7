import { check } from '../errors';
import { toTable, type DataInput, type Table } from '../data/table';
import { checkOptionSchema, type OptionSchema } from '../options';
import { checkEncodings, encodeColumns, type Encodings } from './encode';
import { learnRanges, scaleColumns, scalerFromRanges, type Range } from './scale';

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

/**
 * Where a spec's messages say it was given: `fitLogit: prepare` for a fit's `prepare` option
 * (`option` 'prepare'), `fitPreparation` for fitPreparation's own spec (no option).
 */
function specLabel(context: string, option: string | undefined, name?: string): string {
  if (option === undefined) return name === undefined ? context : `${context}: ${name}`;
  return name === undefined ? `${context}: ${option}` : `${context}: ${option}.${name}`;
}

/**
 * Checks a preparation spec before any data is read: the names encode and scale, their kinds, and
 * the encodings' codes. `context` is the public function the user called and
 * `option` the name the spec came under there ('prepare' for the fits), so a message reads
 * `fitLogit: prepare: unknown option 'scales'` or `fitPreparation: unknown option 'scales'`.
 */
export function checkPreparationSpec(spec: unknown, context: string, option?: string): asserts spec is PreparationSpec {
  check(
    spec !== null && typeof spec === 'object',
    `${specLabel(context, option, option === undefined ? 'spec' : undefined)} must be an object like { encode: { gender: { M: 1, F: 0 } }, scale: ['income', 'age'] }`,
  );
  checkOptionSchema(spec, specLabel(context, option), PREPARATION_OPTIONS);
  const { encode } = spec as PreparationSpec;
  if (encode !== undefined) checkEncodings(encode, specLabel(context, option, 'encode'));
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
  return fitPreparationFor('fitPreparation', data, spec);
}

/**
 * fitPreparation for the public function `context` that the user called, given the spec under
 * `option` ('prepare' for the fits): every message names that function and that option.
 */
export function fitPreparationFor(context: string, data: DataInput | Table, spec: PreparationSpec, option?: string): Preparation {
  checkPreparationSpec(spec, context, option);
  const encodings = spec.encode ?? {};
  const encoded = toTable(encodeColumns(toTable(data, context), encodings, context), context);
  const scale = spec.scale ?? [];
  const ranges = scale.length ? learnRanges(encoded, scale, context) : {};
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
  return applyPreparationFor('applyPreparation', preparation, data);
}

/** applyPreparation for the public function `context` that the user called (predict, a fit): every message names it. */
export function applyPreparationFor(context: string, preparation: Preparation, data: DataInput | Table): Table {
  check(
    isPreparation(preparation) && preparation.ranges !== null && typeof preparation.ranges === 'object',
    `${context}: preparation must be a fitted preparation (fitPreparation(data, spec)), with encodings and ranges`,
  );
  const table = toTable(data, context);
  checkEncodings(preparation.encodings, `${context}: preparation.encodings`);
  const encoded = toTable(encodeColumns(table, preparation.encodings, context), context);
  if (Object.keys(preparation.ranges).length === 0) return encoded;
  return toTable(scaleColumns(encoded, scalerFromRanges(preparation.ranges).ranges, context), context);
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
