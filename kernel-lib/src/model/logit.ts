import { CbmError } from '../errors';
import type { DataInput, Table } from '../data/table';
import { DesignModel, type PredictOptions } from './designModel';
import type { FitStatistics } from './diagnostics';
import { chiSquareUpperTail, normalQuantile, twoSidedNormalP } from './distributions';
import { choleskyInPlace, choleskySolveInPlace } from './linalg';
import { checkProvenance, MODEL_FORMAT, MODEL_VERSION, readModelJSON, type LogitModelJSON, type ModelParts, type Provenance } from './modelJson';

/** One coefficient of a fitted model with its Wald statistics and confidence interval. */
export interface CoefficientRow {
  /** R's coefficient name, e.g. `(Intercept)`, `gender:age`, `regionNorth`. */
  term: string;
  estimate: number;
  /** √(Cov)ⱼⱼ from the observed information. */
  stdError: number;
  /** estimate / stdError. */
  z: number;
  /** 2·(1 − Φ(|z|)). */
  pValue: number;
  /** estimate − z₍₁₋α/₂₎·stdError (R: confint.default). */
  ciLower: number;
  /** estimate + z₍₁₋α/₂₎·stdError. */
  ciUpper: number;
  /** The interval's level 1 − α, e.g. 0.95: charts and tables label the interval from it. */
  confidenceLevel: number;
}

/** One line of a model-information table: a name, its value, and what it means. */
export interface ModelInfoRow {
  name: string;
  value: string | number | boolean;
}

/** statsmodels-style summary tables as plain rows, for notebooks and spreadsheets alike. */
export interface SummaryTables {
  /** The fit: method, observations, df, log-likelihoods, deviances, AIC, BIC, pseudo-R², LR test, convergence. */
  info: ModelInfoRow[];
  coefficients: CoefficientRow[];
}

/**
 * A fitted logistic regression P(y = 1) = 1/(1 + e^−V), V = Xβ, with the inference statsmodels'
 * and R's summaries give. The model scores raw customer rows: it applies its stored preparation
 * (encodings, scaling ranges) first. Models are read-only: the numeric arrays it hands out are
 * copies, so editing one cannot make predictions disagree with the standard errors.
 *
 * @example
 * const rows = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => ({ x: i, y: [0, 0, 1, 0, 1, 0, 1, 1][i] }));
 * const model = fitLogit(rows, 'y ~ x');
 * model.summaryTables().coefficients[1].term; // 'x'
 * model.predict([{ x: 3.5 }]);                // Float64Array [0.5]
 */
export class LogitModel extends DesignModel {
  protected get kind(): string {
    return 'LogitModel';
  }
  readonly statistics: Readonly<FitStatistics>;
  readonly warnings: readonly string[];
  /** The response value modelled as the event, when it was named. */
  readonly event: string | number | boolean | undefined;
  /** How the model was made, when recorded (seed, split, settings). */
  readonly provenance: Provenance | undefined;

  /** @internal Use fitLogit or LogitModel.fromJSON. */
  constructor(parts: ModelParts) {
    super(parts);
    this.statistics = Object.freeze({ ...parts.statistics });
    this.warnings = Object.freeze([...parts.warnings]);
    this.event = parts.event;
    this.provenance = parts.provenance;
    Object.freeze(this);
  }

  /** z = β/SE (a copy). */
  get zValues(): Float64Array {
    return this.beta.map((b, j) => b / this.se[j]);
  }
  /** Two-sided p-values 2(1 − Φ(|z|)). */
  get pValues(): Float64Array {
    return this.beta.map((b, j) => twoSidedNormalP(b / this.se[j]));
  }
  /** Lower Wald limits at `confidenceLevel`. */
  get ciLower(): Float64Array {
    const critical = this.critical();
    return this.beta.map((b, j) => b - critical * this.se[j]);
  }
  /** Upper Wald limits at `confidenceLevel`. */
  get ciUpper(): Float64Array {
    const critical = this.critical();
    return this.beta.map((b, j) => b + critical * this.se[j]);
  }
  private critical(): number {
    return normalQuantile(1 - (1 - this.confidenceLevel) / 2);
  }

  /** Estimates, standard errors, z, p and confidence limits as plain rows. */
  coefficientTable(): CoefficientRow[] {
    const critical = this.critical();
    return this.names.map((term, j) => {
      const b = this.beta[j];
      const se = this.se[j];
      return {
        term,
        estimate: b,
        stdError: se,
        z: b / se,
        pValue: twoSidedNormalP(b / se),
        ciLower: b - critical * se,
        ciUpper: b + critical * se,
        confidenceLevel: this.confidenceLevel,
      };
    });
  }

  /** The linear predictor V = Xβ (the book's V) for each row. */
  linearPredictor(data: DataInput | Table, options?: PredictOptions): Float64Array {
    return this.score(data, 'linearPredictor', false, options);
  }

  /** The response probability P = 1/(1 + e^−V) for each row. */
  predict(data: DataInput | Table, options?: PredictOptions): Float64Array {
    return this.score(data, 'predict', true, options);
  }

  /**
   * Wald test that all coefficients of a term are zero: W = bᵀV⁻¹b ~ χ²(k), k = the term's
   * columns; for a one-column term this is z² with the same p-value as the coefficient table.
   */
  waldTest(term: string): { statistic: number; df: number; pValue: number } {
    const columns = this.spec.columns.map((c, j) => (c.term === term ? j : -1)).filter((j) => j >= 0);
    if (columns.length === 0) throw new CbmError('UNKNOWN_COLUMN', `the model has no term '${String(term)}' (terms: ${this.terms.map((t) => t.label).join(', ')})`);
    // The term's estimated columns (R's Wald tests skip the NA ones); an all-aliased term has none.
    const index = columns.filter((j) => !Number.isNaN(this.beta[j]));
    if (index.length === 0) return { statistic: NaN, df: 0, pValue: NaN };
    const p = this.names.length;
    const k = index.length;
    const block = new Float64Array(k * k);
    for (let r = 0; r < k; r++) for (let c = 0; c < k; c++) block[r * k + c] = this.cov[index[r] * p + index[c]];
    const b = Float64Array.from(index, (j) => this.beta[j]);
    // The covariance block is positive definite (checked on load, inverse information on fit).
    if (choleskyInPlace(block, k) >= 0) throw new CbmError('SINGULAR', `waldTest: the covariance of '${term}' is singular`);
    const solved = b.slice();
    choleskySolveInPlace(block, k, solved);
    let statistic = 0;
    for (let r = 0; r < k; r++) statistic += b[r] * solved[r];
    return { statistic, df: k, pValue: chiSquareUpperTail(statistic, k) };
  }

  /** The model-information table and the coefficient table, as statsmodels' summary shows them. */
  summaryTables(): SummaryTables {
    const s = this.statistics;
    const modelDf = s.nParameters - (this.intercept ? 1 : 0);
    const info: ModelInfoRow[] = [
      { name: 'Model', value: 'Logit (maximum likelihood, Newton–Raphson)' },
      { name: 'Formula', value: this.formula },
      { name: 'Dependent variable', value: this.event === undefined ? this.response : `${this.response} = ${String(this.event)}` },
      { name: 'Observations', value: s.nObs },
      { name: 'Parameters', value: s.nParameters },
      { name: 'Df residual', value: s.dfResidual },
      { name: 'Df model', value: modelDf },
      { name: 'Converged', value: s.converged },
      { name: 'Iterations', value: s.iterations },
      { name: 'Log-likelihood', value: s.logLikelihood },
      { name: 'Null log-likelihood', value: s.nullLogLikelihood },
      { name: 'Deviance', value: s.deviance },
      { name: 'Null deviance', value: s.nullDeviance },
      { name: 'AIC', value: s.aic },
      { name: 'BIC', value: s.bic },
      { name: 'McFadden pseudo-R²', value: s.pseudoR2 },
      { name: 'LR statistic', value: s.lrStatistic },
      { name: 'LR p-value', value: s.lrPValue },
      { name: 'Confidence level', value: this.confidenceLevel },
    ];
    return { info, coefficients: this.coefficientTable() };
  }

  /** A statsmodels/R-style text summary, rendered from summaryTables(). */
  summary(): string {
    const { info, coefficients } = this.summaryTables();
    const value = (name: string) => info.find((r) => r.name === name)!.value;
    const fmt = (x: number | string | boolean, digits = 4) => (typeof x === 'number' ? (Number.isFinite(x) ? x.toFixed(digits) : String(x)) : String(x));
    const fmtP = (x: number) => (!Number.isFinite(x) ? 'NaN' : x < 0.001 ? x.toExponential(2) : x.toFixed(4));
    const level = Math.round(this.confidenceLevel * 1000) / 10;
    const lowerLabel = `[${((1 - this.confidenceLevel) / 2).toFixed(3)}`;
    const upperLabel = `${(1 - (1 - this.confidenceLevel) / 2).toFixed(3)}]`;
    const width = Math.max(12, ...coefficients.map((c) => c.term.length)) + 2;
    const iterations = value('Iterations') as number;
    const modelDf = value('Df model') as number;
    const lines = [
      'Logistic regression (maximum likelihood, Newton–Raphson)',
      `Formula:            ${value('Formula')}`,
      `Observations:       ${value('Observations')}    Parameters: ${value('Parameters')}    Df residual: ${value('Df residual')}`,
      `Converged:          ${value('Converged') ? 'yes' : 'NO'} after ${iterations} Newton iteration${iterations === 1 ? '' : 's'}`,
      `Log-likelihood:     ${fmt(value('Log-likelihood'))}    Null log-likelihood: ${fmt(value('Null log-likelihood'))}`,
      `Deviance:           ${fmt(value('Deviance'))} on ${value('Df residual')} df    Null deviance: ${fmt(value('Null deviance'))} on ${this.statistics.dfNull} df`,
      `AIC:                ${fmt(value('AIC'))}    BIC: ${fmt(value('BIC'))}    McFadden pseudo-R²: ${fmt(value('McFadden pseudo-R²'))}`,
      modelDf > 0
        ? `LR test vs null:    χ² = ${fmt(value('LR statistic'))} on ${modelDf} df, p = ${fmtP(value('LR p-value') as number)}`
        : 'LR test vs null:    none (this is the null model)',
      '',
      ...this.singularitiesNote(),
      `${'term'.padEnd(width)}${'estimate'.padStart(11)}${'std.err'.padStart(11)}${'z'.padStart(9)}${'P>|z|'.padStart(11)}${lowerLabel.padStart(11)}${upperLabel.padStart(10)}`,
      '-'.repeat(width + 63),
      ...coefficients.map(
        (c) =>
          `${c.term.padEnd(width)}${fmt(c.estimate).padStart(11)}${fmt(c.stdError).padStart(11)}${fmt(c.z, 3).padStart(9)}${fmtP(c.pValue).padStart(11)}${fmt(c.ciLower).padStart(11)}${fmt(c.ciUpper).padStart(10)}`,
      ),
      '-'.repeat(width + 63),
      `${this.standardErrorNote('Standard errors from the observed information')}; ${level}% intervals are Wald intervals (R: confint.default).`,
    ];
    for (const w of this.warnings) lines.push(`Warning: ${w}`);
    return lines.join('\n');
  }

  /**
   * The saved form: formula, terms, coefficients, covariance and preparation as plain JSON,
   * with `provenance` (how the model was made) when given here or recorded at fit time.
   */
  toJSON(options?: { provenance?: Provenance }): LogitModelJSON {
    const provenance = options?.provenance !== undefined ? checkProvenance(options.provenance, (m) => new CbmError('BAD_INPUT', `toJSON: ${m}`)) : this.provenance;
    const json: LogitModelJSON = {
      format: MODEL_FORMAT,
      version: MODEL_VERSION,
      ...this.designJSON(),
      statistics: { ...this.statistics },
      warnings: [...this.warnings],
    };
    if (this.event !== undefined) json.event = this.event;
    if (provenance !== undefined) json.provenance = { ...provenance };
    return json;
  }

  /** Reads a saved model (an object or its JSON text) back, checking it thoroughly (BAD_MODEL_JSON). */
  static fromJSON(json: LogitModelJSON | string): LogitModel {
    return new LogitModel(readModelJSON(json));
  }
}
