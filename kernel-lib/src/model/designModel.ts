import { CbmError } from '../errors';
import { toTable, type DataInput, type Table } from '../data/table';
import { applyPreparation, preparationToJSON, type Preparation } from '../prepare/preparation';
import { linearPredictor, type DesignSpec } from './design';
import { listNames } from './diagnostics';
import { formatFormula, type Term } from './formula';
import { deriveTermColumns } from './transform';

/** What every fitted design model is made of: the fit's output, or a saved model's validated contents. */
export interface DesignModelParts {
  response: string;
  spec: DesignSpec;
  coefficients: Float64Array;
  covariance: Float64Array;
  confidenceLevel: number;
  preparation: Preparation | null;
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
  coefficients: { name: string; term: string | null; estimate: number; stdError: number }[];
  covariance: number[][];
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
    this.prep = parts.preparation;
    const p = this.names.length;
    this.se = new Float64Array(p);
    for (let j = 0; j < p; j++) this.se[j] = Math.sqrt(this.cov[j * p + j]);
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

  toString(): string {
    return this.summary();
  }

  /** Xβ for raw rows (preparation and transforms applied as in fitting), or 1/(1 + e^−Xβ) with `probability`. */
  protected score(data: DataInput | Table, context: string, probability: boolean): Float64Array {
    const raw = toTable(data, context);
    const prepared = this.prep ? applyPreparation(this.prep, raw) : raw;
    return linearPredictor(this.spec, deriveTermColumns(prepared, this.spec.terms, context), this.beta, context, probability);
  }

  /** The design part of the saved form (`readDesignJSON` in modelJson.ts reads it back). */
  protected designJSON(): DesignJSON {
    const p = this.names.length;
    // fromEntries, not assignment: a factor named __proto__ stays an own key.
    const levels: Record<string, string[]> = Object.fromEntries(Object.keys(this.spec.factorLevels).map((name) => [name, [...this.spec.factorLevels[name]]]));
    return {
      formula: this.formula,
      response: this.response,
      intercept: this.intercept,
      terms: this.terms.map((t) => ({ label: t.label, variables: [...t.variables] })),
      factorLevels: levels,
      preparation: this.preparation,
      confidenceLevel: this.confidenceLevel,
      coefficients: this.names.map((name, j) => ({ name, term: this.spec.columns[j].term, estimate: this.beta[j], stdError: this.se[j] })),
      covariance: Array.from({ length: p }, (_, i) => Array.from(this.cov.subarray(i * p, (i + 1) * p))),
    };
  }
}
