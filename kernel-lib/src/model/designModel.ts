import { CbmError } from '../errors';
import { checkOptionSchema, type OptionSchema } from '../options';
import { toTable, type DataInput, type Table } from '../data/table';
import { applyPreparationFor, preparationToJSON, type Preparation } from '../prepare/preparation';
import { completeRows, linearPredictor, onInputRows, type DesignSpec } from './design';
import { listNames } from './diagnostics';
import { formatFormula, type Term } from './formula';
import type { RobustSpec } from './sandwich';
import { deriveTermColumns } from './expression';
import { readOffset } from './prior';

/** predict's options: with na 'pass', NaN for rows missing a value the model reads; 'fail' refuses them. */
const PREDICT_OPTIONS: OptionSchema = { na: { kind: 'oneOf', values: ['pass', 'fail'] } };

/** What every fitted design model is made of: the fit's output, or a saved model's validated contents. */
export interface DesignModelParts {
  response: string;
  spec: DesignSpec;
  coefficients: Float64Array;
  covariance: Float64Array;
  confidenceLevel: number;
  preparation: Preparation | null;
  /** Rows of the training data left out for a missing value (na: 'omit'), 0-based; not saved in the JSON. */
  droppedRows?: readonly number[];
  /** The robust covariance `covariance` is (the fits' `vcov`/`cluster` options), or null/absent for the model-based one. */
  vcov?: RobustSpec | null;
  /** The offset added to Xβ (a column or a transform label such as `log(exposure)`), or null/absent for none. */
  offset?: string | null;
}

/** Options of a model's `predict` (and the logit model's `linearPredictor`). */
export interface PredictOptions {
  /**
   * `'pass'` returns NaN for rows missing a value the model reads (R's na.pass gives NA there);
   * the default, `'fail'`, refuses them with NON_FINITE naming the row – a deliberate difference
   * from R's predict, so that a missing score is never silent.
   */
  na?: 'pass' | 'fail';
}

/** The saved design, the part of a model's JSON that does not depend on the kind of model. */
export interface DesignJSON {
  formula: string;
  response: string;
  intercept: boolean;
  terms: { label: string; variables: string[] }[];
  factorLevels: Record<string, string[]>;
  preparation: Preparation | null;
  confidenceLevel: number;
  /** An aliased coefficient (R's NA) has estimate and stdError null. */
  coefficients: { name: string; term: string | null; estimate: number | null; stdError: number | null }[];
  /** p×p; the rows and columns of aliased coefficients are null. */
  covariance: (number | null)[][];
  /** Present when `covariance` is a robust (sandwich) one: its type and cluster column. */
  vcov?: RobustSpec;
  /** Present when the model has an offset: its column or transform label, read from the raw rows and added to Xβ. */
  offset?: string;
}

/**
 * What the logistic and the linear model share: a formula's design (terms, factor levels,
 * coefficient names), the estimates β with their covariance and standard errors √Covⱼⱼ, the
 * stored preparation, scoring of raw rows through Xβ, and the design part of the saved JSON.
 * Read-only: arrays are handed out as copies, and each subclass freezes itself once built, so an
 * edited coefficient can never disagree with the standard errors.
 */
export abstract class DesignModel {
  readonly formula: string;
  /** The response's label, e.g. `responded` or `log(VOLUME)`. */
  readonly response: string;
  readonly intercept: boolean;
  readonly terms: readonly Term[];
  /** Coefficient names in design order, e.g. ['(Intercept)', 'gender:age']. */
  readonly names: readonly string[];
  readonly confidenceLevel: number;
  /** Rows of the training data the fit left out for a missing value (na: 'omit'), 0-based, as R's na.action; empty for a model read from JSON. */
  readonly droppedRows: readonly number[];
  /**
   * The robust covariance the model carries, `{ type: 'HC3', cluster: null }` or clustered
   * `{ type: 'HC1', cluster: 'customer' }` (the fits' `vcov`/`cluster` options), or null for the
   * model-based covariance. Standard errors, tests and intervals all use the covariance it names.
   */
  readonly vcov: Readonly<RobustSpec> | null;
  /**
   * Coefficients not defined because of singularities: columns that are linear combinations of
   * earlier ones, whose estimate (and standard error) is NaN, R's NA. Scoring leaves them out.
   */
  readonly aliased: readonly string[];
  /**
   * The offset the model adds to Xβ, as fitted (R's `offset(log(exposure))` or `offset = …`): a
   * column or a transform label read from the raw rows being scored, or null for none.
   */
  readonly offset: string | null;
  /** @internal */ readonly spec: DesignSpec;
  protected readonly beta: Float64Array;
  protected readonly cov: Float64Array;
  protected readonly se: Float64Array;
  protected readonly prep: Preparation | null;

  constructor(parts: DesignModelParts) {
    this.response = parts.response;
    this.spec = Object.freeze({ ...parts.spec, columns: Object.freeze(parts.spec.columns.map((c) => Object.freeze({ ...c }))) }) as DesignSpec;
    this.intercept = parts.spec.intercept;
    this.terms = Object.freeze(parts.spec.terms.map((t) => Object.freeze({ label: t.label, variables: Object.freeze([...t.variables]) })));
    this.formula = formatFormula(parts.response, parts.spec.terms, parts.spec.intercept);
    this.names = Object.freeze(parts.spec.columns.map((c) => c.name));
    this.beta = Float64Array.from(parts.coefficients);
    this.cov = Float64Array.from(parts.covariance);
    this.confidenceLevel = parts.confidenceLevel;
    this.droppedRows = Object.freeze([...(parts.droppedRows ?? [])]);
    this.vcov = parts.vcov ? Object.freeze({ type: parts.vcov.type, cluster: parts.vcov.cluster }) : null;
    this.prep = parts.preparation;
    this.aliased = Object.freeze(this.names.filter((_, j) => Number.isNaN(this.beta[j])));
    this.offset = parts.offset ?? null;
    const p = this.names.length;
    this.se = new Float64Array(p);
    for (let j = 0; j < p; j++) this.se[j] = Math.sqrt(this.cov[j * p + j]);
  }

  /** The formula as R prints it, with the offset as an `offset(…)` term (summaries show this). */
  protected get formulaWithOffset(): string {
    return this.offset === null ? this.formula : `${this.formula} + offset(${this.offset})`;
  }

  /** The class name in messages (minifiers rename classes, so it is not read from the constructor). */
  protected abstract get kind(): string;

  /** The estimates β in design order (a copy). */
  get coefficients(): Float64Array {
    return this.beta.slice();
  }
  /** Standard errors √Covⱼⱼ (a copy). */
  get stdErrors(): Float64Array {
    return this.se.slice();
  }
  /** Covariance of the estimates, p×p row-major (a copy). */
  get covariance(): Float64Array {
    return this.cov.slice();
  }
  /** The fitted preparation (encodings, ranges) applied to raw rows before scoring, or null (a copy). */
  get preparation(): Preparation | null {
    return this.prep ? preparationToJSON(this.prep) : null;
  }

  /** The coefficient by its R name, e.g. `model.coefficient('gender:age')`. */
  coefficient(name: string): number {
    const j = this.names.indexOf(name);
    if (j < 0)
      throw new CbmError('UNKNOWN_COLUMN', `${this.kind}.coefficient: the model has no coefficient '${String(name)}' (it has ${listNames(this.names, 6)})`, { name: String(name) });
    return this.beta[j];
  }

  /** An R-style text summary. */
  abstract summary(): string;

  /** The R-style text summary, so that printing a model (e.g. in a notebook cell) shows it. */
  toString(): string {
    return this.summary();
  }

  /**
   * Xβ for raw rows (preparation and transforms applied as in fitting), or 1/(1 + e^−Xβ) with
   * `probability`; with `na: 'pass'`, NaN for rows missing a value the model reads.
   */
  protected score(data: DataInput | Table, context: string, probability: boolean, options: PredictOptions = {}): Float64Array {
    checkOptionSchema(options, context, PREDICT_OPTIONS);
    const input = toTable(data, context);
    const variables = this.spec.terms.flatMap((t) => t.variables);
    if (this.offset !== null) variables.push(this.offset);
    const { table: raw, droppedRows } = completeRows(input, variables, options.na === 'pass' ? 'omit' : 'fail', context, false);
    const scores = onInputRows(droppedRows, () => {
      const prepared = this.prep ? applyPreparationFor(context, this.prep, raw) : raw;
      // The offset is read from the rows as given, before the preparation, as at fit time.
      const offset = this.offset !== null ? readOffset(raw, this.offset, context) : null;
      return linearPredictor(this.spec, deriveTermColumns(prepared, this.spec.terms, context), this.beta, context, probability, offset);
    });
    if (droppedRows.length === 0) return scores;
    const out = new Float64Array(input.nRows).fill(NaN);
    for (let i = 0, k = 0, d = 0; i < out.length; i++) {
      if (d < droppedRows.length && droppedRows[d] === i) d++;
      else out[i] = scores[k++];
    }
    return out;
  }

  /** The summary's line above the coefficients when some are aliased, as R's summary prints it; empty otherwise. */
  protected singularitiesNote(): string[] {
    return this.aliased.length > 0 ? [`Coefficients: (${this.aliased.length} not defined because of singularities)`] : [];
  }

  /**
   * The summary's line on where the standard errors come from: `modelBased` for the model's own
   * covariance, else the robust type, e.g. 'Standard errors: HC3 (sandwich, R: vcovHC)' or
   * 'Standard errors: clustered by stratum (HC1; R: vcovCL)'.
   */
  protected standardErrorNote(modelBased: string): string {
    if (this.vcov === null) return modelBased;
    return this.vcov.cluster === null
      ? `Standard errors: ${this.vcov.type} (sandwich, R: vcovHC)`
      : `Standard errors: clustered by ${this.vcov.cluster} (${this.vcov.type}; R: vcovCL)`;
  }

  /** The design part of the saved form (`readDesignJSON` in modelJson.ts reads it back). */
  protected designJSON(): DesignJSON {
    const p = this.names.length;
    // fromEntries, not assignment: a factor named __proto__ stays an own key.
    const levels: Record<string, string[]> = Object.fromEntries(Object.keys(this.spec.factorLevels).map((name) => [name, [...this.spec.factorLevels[name]]]));
    const json: DesignJSON = {
      formula: this.formula,
      response: this.response,
      intercept: this.intercept,
      terms: this.terms.map((t) => ({ label: t.label, variables: [...t.variables] })),
      factorLevels: levels,
      preparation: this.preparation,
      confidenceLevel: this.confidenceLevel,
      // NaN as null, as JSON.stringify writes it: the object and its text read back alike.
      coefficients: this.names.map((name, j) => ({ name, term: this.spec.columns[j].term, estimate: orNull(this.beta[j]), stdError: orNull(this.se[j]) })),
      covariance: Array.from({ length: p }, (_, i) => Array.from(this.cov.subarray(i * p, (i + 1) * p), orNull)),
    };
    if (this.vcov !== null) json.vcov = { ...this.vcov };
    if (this.offset !== null) json.offset = this.offset;
    return json;
  }
}

/** NaN (an aliased coefficient's estimate, variance or covariance) as null. */
function orNull(x: number): number | null {
  return Number.isNaN(x) ? null : x;
}
