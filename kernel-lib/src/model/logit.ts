import { CbmError, check, checkOptions } from '../errors';
import { toTable, type DataInput, type Table } from '../data/table';
import { applyPreparation, fitPreparation, isPreparation, preparationToJSON, type Preparation, type PreparationSpec } from '../prepare/preparation';
import { checkEncodings } from '../prepare/encode';
import { scalerFromRanges } from '../prepare/scale';
import { designMatrix, designSpec, linearPredictor, specFromLevels, type DesignSpec } from './design';
import { chiSquareUpperTail, normalQuantile, twoSidedNormalP } from './distributions';
import { formatFormula, parseFormula, type Formula, type Term } from './formula';
import type { CoefficientRow } from '../charts/types';
import { newtonLogit, type AliasedColumn, type NewtonFit } from './irls';

/**
 * Logistic regression P(y = 1) = 1/(1 + e^−V), V = Xβ, fitted by maximum likelihood with
 * Newton's method, with the inference statsmodels' and R's summaries give. The model scores
 * raw customer rows: it applies its stored preparation (encodings, scaling ranges) first.
 *
 * @example
 * const model = fitLogit(train, 'responded ~ gender:age + gender:income',
 *   { prepare: { encode: { gender: { M: 1, F: 0 } }, scale: ['income', 'age'] } });
 * console.log(model.summary());
 * model.predict(customers); // Float64Array of P
 */
export interface FitOptions {
  /** Encode/scale raw rows first: a spec (ranges learned on this data) or a fitted preparation. */
  prepare?: PreparationSpec | Preparation;
  /** Newton iteration limit, default 25 (R's glm default). */
  maxIterations?: number;
  /** Relative step tolerance for convergence, default 1e-8 (the estimates are then exact to ~1e-16). */
  tolerance?: number;
  /** Confidence level of the reported intervals, default 0.95. */
  confidenceLevel?: number;
  /** Starting coefficients by name (missing ones start at 0). */
  start?: Readonly<Record<string, number>>;
}


export interface FitStatistics {
  nObs: number;
  nParameters: number;
  dfResidual: number;
  dfNull: number;
  logLikelihood: number;
  /** The null model's: intercept-only, or P = ½ for a model without intercept (R's null deviance). */
  nullLogLikelihood: number;
  deviance: number;
  nullDeviance: number;
  aic: number;
  bic: number;
  /** McFadden's pseudo-R² = 1 − logLik/logLik(intercept-only model), as statsmodels reports it. */
  pseudoR2: number;
  iterations: number;
  converged: boolean;
  /** Likelihood-ratio test of the model against the null model. */
  lrStatistic: number;
  lrPValue: number;
}

export const MODEL_FORMAT = 'cbm-kit/logit-model';
export const MODEL_VERSION = 1;

/** The saved form of a model: everything needed to score raw rows and to print the summary. */
export interface LogitModelJSON {
  format: typeof MODEL_FORMAT;
  version: number;
  formula: string;
  response: string;
  intercept: boolean;
  terms: { label: string; variables: string[] }[];
  factorLevels: Record<string, string[]>;
  preparation: Preparation | null;
  confidenceLevel: number;
  coefficients: { name: string; term: string | null; estimate: number; stdError: number }[];
  covariance: number[][];
  statistics: FitStatistics;
  warnings: string[];
}

export class LogitModel {
  readonly formula: string;
  readonly response: string;
  readonly intercept: boolean;
  readonly terms: readonly Term[];
  /** Coefficient names in design order, e.g. ['(Intercept)', 'gender:age']. */
  readonly names: readonly string[];
  readonly coefficients: Float64Array;
  readonly stdErrors: Float64Array;
  readonly zValues: Float64Array;
  readonly pValues: Float64Array;
  readonly ciLower: Float64Array;
  readonly ciUpper: Float64Array;
  /** Covariance of the estimates (inverse information), p×p row-major. */
  readonly covariance: Float64Array;
  readonly statistics: Readonly<FitStatistics>;
  readonly confidenceLevel: number;
  readonly preparation: Preparation | null;
  readonly warnings: readonly string[];
  /** @internal */ readonly spec: DesignSpec;

  /** @internal Use fitLogit or LogitModel.fromJSON. */
  constructor(parts: {
    response: string;
    spec: DesignSpec;
    coefficients: Float64Array;
    covariance: Float64Array;
    statistics: FitStatistics;
    confidenceLevel: number;
    preparation: Preparation | null;
    warnings: string[];
  }) {
    this.response = parts.response;
    this.spec = parts.spec;
    this.intercept = parts.spec.intercept;
    this.terms = parts.spec.terms;
    this.formula = formatFormula(parts.response, parts.spec.terms, parts.spec.intercept);
    this.names = parts.spec.columns.map((c) => c.name);
    this.coefficients = parts.coefficients;
    this.covariance = parts.covariance;
    this.statistics = Object.freeze({ ...parts.statistics });
    this.confidenceLevel = parts.confidenceLevel;
    this.preparation = parts.preparation;
    this.warnings = Object.freeze([...parts.warnings]);
    const p = this.names.length;
    const critical = normalQuantile(1 - (1 - parts.confidenceLevel) / 2);
    this.stdErrors = new Float64Array(p);
    this.zValues = new Float64Array(p);
    this.pValues = new Float64Array(p);
    this.ciLower = new Float64Array(p);
    this.ciUpper = new Float64Array(p);
    for (let j = 0; j < p; j++) {
      const se = Math.sqrt(parts.covariance[j * p + j]);
      const b = parts.coefficients[j];
      this.stdErrors[j] = se;
      this.zValues[j] = b / se;
      this.pValues[j] = twoSidedNormalP(b / se);
      this.ciLower[j] = b - critical * se;
      this.ciUpper[j] = b + critical * se;
    }
  }

  /** The coefficient by its R name, e.g. `model.coefficient('gender:age')`. */
  coefficient(name: string): number {
    const j = this.names.indexOf(name);
    if (j < 0) throw new CbmError('UNKNOWN_COLUMN', `the model has no coefficient '${name}' (it has ${this.names.map((n) => `'${n}'`).join(', ')})`);
    return this.coefficients[j];
  }

  /** Estimates, standard errors, z, p and confidence limits as plain rows. */
  coefficientTable(): CoefficientRow[] {
    return this.names.map((term, j) => ({
      term,
      estimate: this.coefficients[j],
      stdError: this.stdErrors[j],
      z: this.zValues[j],
      pValue: this.pValues[j],
      ciLower: this.ciLower[j],
      ciUpper: this.ciUpper[j],
    }));
  }

  /** The linear predictor V = Xβ (the book's V) for each row. */
  linearPredictor(data: DataInput | Table): Float64Array {
    return this.score(data, 'linearPredictor', false);
  }

  /** The response probability P = 1/(1 + e^−V) for each row. */
  predict(data: DataInput | Table): Float64Array {
    return this.score(data, 'predict', true);
  }

  private score(data: DataInput | Table, context: string, probability: boolean): Float64Array {
    const raw = toTable(data, context);
    const prepared = this.preparation ? applyPreparation(this.preparation, raw) : raw;
    return linearPredictor(this.spec, prepared, this.coefficients, context, probability);
  }

  /**
   * Wald test that all coefficients of a term are zero (χ² with as many df as the term has
   * columns); for a one-column term this is z² with the same p-value as the coefficient table.
   */
  waldTest(term: string): { statistic: number; df: number; pValue: number } {
    const index = this.spec.columns.map((c, j) => (c.term === term ? j : -1)).filter((j) => j >= 0);
    if (index.length === 0) throw new CbmError('UNKNOWN_COLUMN', `the model has no term '${term}' (terms: ${this.terms.map((t) => t.label).join(', ')})`);
    const p = this.names.length;
    const k = index.length;
    const sub = new Float64Array(k * k);
    for (let r = 0; r < k; r++) for (let c = 0; c < k; c++) sub[r * k + c] = this.covariance[index[r] * p + index[c]];
    // statistic = bᵀ V⁻¹ b via Gaussian elimination on the small block.
    const b = Float64Array.from(index, (j) => this.coefficients[j]);
    const solved = solveSmall(sub, k, b);
    let statistic = 0;
    for (let r = 0; r < k; r++) statistic += this.coefficients[index[r]] * solved[r];
    return { statistic, df: k, pValue: chiSquareUpperTail(statistic, k) };
  }

  /** A statsmodels/R-style text summary: the fit, then one line per coefficient. */
  summary(): string {
    const s = this.statistics;
    const level = Math.round(this.confidenceLevel * 1000) / 10;
    const lowerLabel = `[${((1 - this.confidenceLevel) / 2).toFixed(3)}`;
    const upperLabel = `${(1 - (1 - this.confidenceLevel) / 2).toFixed(3)}]`;
    const fmt = (x: number, digits = 4) => (Number.isFinite(x) ? x.toFixed(digits) : String(x));
    const fmtP = (x: number) => (!Number.isFinite(x) ? 'NaN' : x < 0.001 ? x.toExponential(2) : x.toFixed(4));
    const width = Math.max(12, ...this.names.map((n) => n.length)) + 2;
    const lines = [
      'Logistic regression (maximum likelihood, Newton–Raphson)',
      `Formula:            ${this.formula}`,
      `Observations:       ${s.nObs}    Parameters: ${s.nParameters}    Df residual: ${s.dfResidual}`,
      `Converged:          ${s.converged ? 'yes' : 'NO'} after ${s.iterations} Newton iteration${s.iterations === 1 ? '' : 's'}`,
      `Log-likelihood:     ${fmt(s.logLikelihood)}    Null log-likelihood: ${fmt(s.nullLogLikelihood)}`,
      `Deviance:           ${fmt(s.deviance)} on ${s.dfResidual} df    Null deviance: ${fmt(s.nullDeviance)} on ${s.dfNull} df`,
      `AIC:                ${fmt(s.aic)}    BIC: ${fmt(s.bic)}    McFadden pseudo-R²: ${fmt(s.pseudoR2)}`,
      s.nParameters > (this.intercept ? 1 : 0)
        ? `LR test vs null:    χ² = ${fmt(s.lrStatistic)} on ${s.nParameters - (this.intercept ? 1 : 0)} df, p = ${fmtP(s.lrPValue)}`
        : 'LR test vs null:    none (this is the null model)',
      '',
      `${'term'.padEnd(width)}${'estimate'.padStart(11)}${'std.err'.padStart(11)}${'z'.padStart(9)}${'P>|z|'.padStart(11)}${lowerLabel.padStart(11)}${upperLabel.padStart(10)}`,
      '-'.repeat(width + 63),
      ...this.names.map(
        (name, j) =>
          `${name.padEnd(width)}${fmt(this.coefficients[j]).padStart(11)}${fmt(this.stdErrors[j]).padStart(11)}${fmt(this.zValues[j], 3).padStart(9)}${fmtP(this.pValues[j]).padStart(11)}${fmt(this.ciLower[j]).padStart(11)}${fmt(this.ciUpper[j]).padStart(10)}`,
      ),
      '-'.repeat(width + 63),
      `Standard errors from the observed information; ${level}% intervals are Wald intervals (R: confint.default).`,
    ];
    for (const w of this.warnings) lines.push(`Warning: ${w}`);
    return lines.join('\n');
  }

  toString(): string {
    return this.summary();
  }

  /** The saved form: formula, terms, coefficients, covariance and preparation as plain JSON. */
  toJSON(): LogitModelJSON {
    const p = this.names.length;
    return {
      format: MODEL_FORMAT,
      version: MODEL_VERSION,
      formula: this.formula,
      response: this.response,
      intercept: this.intercept,
      terms: this.terms.map((t) => ({ label: t.label, variables: [...t.variables] })),
      factorLevels: Object.fromEntries(Object.entries(this.spec.factorLevels).map(([k, v]) => [k, [...v]])),
      preparation: this.preparation ? preparationToJSON(this.preparation) : null,
      confidenceLevel: this.confidenceLevel,
      coefficients: this.names.map((name, j) => ({ name, term: this.spec.columns[j].term, estimate: this.coefficients[j], stdError: this.stdErrors[j] })),
      covariance: Array.from({ length: p }, (_, i) => Array.from(this.covariance.subarray(i * p, (i + 1) * p))),
      statistics: { ...this.statistics },
      warnings: [...this.warnings],
    };
  }

  /** Reads a saved model (an object or its JSON text) back, checking it thoroughly. */
  static fromJSON(json: LogitModelJSON | string): LogitModel {
    return modelFromJSON(json);
  }
}

function solveSmall(a: Float64Array, k: number, b: Float64Array): Float64Array {
  const m = a.slice();
  const x = b.slice();
  for (let c = 0; c < k; c++) {
    let pivot = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(m[r * k + c]) > Math.abs(m[pivot * k + c])) pivot = r;
    if (pivot !== c) {
      for (let j = 0; j < k; j++) [m[c * k + j], m[pivot * k + j]] = [m[pivot * k + j], m[c * k + j]];
      [x[c], x[pivot]] = [x[pivot], x[c]];
    }
    for (let r = c + 1; r < k; r++) {
      const f = m[r * k + c] / m[c * k + c];
      for (let j = c; j < k; j++) m[r * k + j] -= f * m[c * k + j];
      x[r] -= f * x[c];
    }
  }
  for (let r = k - 1; r >= 0; r--) {
    let s = x[r];
    for (let j = r + 1; j < k; j++) s -= m[r * k + j] * x[j];
    x[r] = s / m[r * k + r];
  }
  return x;
}

function badJSON(message: string): CbmError {
  return new CbmError('BAD_MODEL_JSON', `model JSON: ${message}`);
}

function modelFromJSON(input: LogitModelJSON | string): LogitModel {
  let json: LogitModelJSON;
  if (typeof input === 'string') {
    try {
      json = JSON.parse(input) as LogitModelJSON;
    } catch (e) {
      throw badJSON(`not valid JSON (${(e as Error).message})`);
    }
  } else json = input;
  if (json === null || typeof json !== 'object') throw badJSON('expected an object');
  if (json.format !== MODEL_FORMAT) throw badJSON(`format is '${String(json.format)}', expected '${MODEL_FORMAT}'`);
  if (json.version !== MODEL_VERSION) throw badJSON(`version ${String(json.version)} is not supported (this library reads version ${MODEL_VERSION})`);
  if (typeof json.response !== 'string' || typeof json.intercept !== 'boolean') throw badJSON('response (string) and intercept (boolean) are required');
  if (!Array.isArray(json.terms) || !json.terms.every((t) => t && typeof t.label === 'string' && Array.isArray(t.variables) && t.variables.length > 0 && t.variables.every((v) => typeof v === 'string'))) {
    throw badJSON('terms must be a list of { label, variables }');
  }
  // Copies throughout: later edits to the caller's object must not reach the loaded model.
  const terms: Term[] = json.terms.map((t) => ({ label: t.label, variables: [...t.variables] }));
  for (const t of terms) if (t.label !== t.variables.join(':')) throw badJSON(`term '${t.label}' does not match its variables ${t.variables.join(', ')}`);
  const rawLevels: unknown = json.factorLevels ?? {};
  if (rawLevels === null || typeof rawLevels !== 'object' || Array.isArray(rawLevels)) throw badJSON('factorLevels must map names to lists of levels');
  const levels: Record<string, string[]> = {};
  for (const [name, list] of Object.entries(rawLevels)) {
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string') || list.length < 2 || new Set(list).size !== list.length) {
      throw badJSON(`factorLevels.${name} must list at least two distinct levels`);
    }
    levels[name] = [...list];
  }
  let spec: DesignSpec;
  try {
    spec = specFromLevels({ intercept: json.intercept, terms }, levels);
  } catch (e) {
    throw badJSON(`the terms do not form a valid design: ${(e as Error).message}`);
  }
  const p = spec.columns.length;
  if (!Array.isArray(json.coefficients) || json.coefficients.length !== p) throw badJSON(`expected ${p} coefficients for the terms, found ${Array.isArray(json.coefficients) ? json.coefficients.length : 'none'}`);
  const coefficients = new Float64Array(p);
  json.coefficients.forEach((c, j) => {
    if (!c || c.name !== spec.columns[j].name) throw badJSON(`coefficient ${j} should be '${spec.columns[j].name}', found '${c?.name}'`);
    if (typeof c.estimate !== 'number' || !Number.isFinite(c.estimate)) throw badJSON(`coefficient '${c.name}' has no finite estimate`);
    coefficients[j] = c.estimate;
  });
  const covariance = new Float64Array(p * p);
  if (!Array.isArray(json.covariance) || json.covariance.length !== p) throw badJSON(`covariance must be a ${p}×${p} matrix`);
  json.covariance.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== p || !row.every((x) => typeof x === 'number' && Number.isFinite(x))) throw badJSON(`covariance row ${i} must have ${p} finite numbers`);
    covariance.set(row, i * p);
  });
  for (let i = 0; i < p; i++) {
    if (!(covariance[i * p + i] >= 0)) throw badJSON(`covariance has a negative variance for '${spec.columns[i].name}'`);
    for (let j = 0; j < i; j++) {
      const a = covariance[i * p + j];
      const b = covariance[j * p + i];
      if (Math.abs(a - b) > 1e-12 * Math.max(Math.abs(a), Math.abs(b), 1e-300)) throw badJSON(`covariance is not symmetric at ('${spec.columns[i].name}', '${spec.columns[j].name}')`);
    }
  }
  let preparation: Preparation | null = null;
  if (json.preparation != null) {
    if (!isPreparation(json.preparation)) throw badJSON('preparation must be { encodings, ranges }');
    try {
      // Validates the encodings and ranges (without data: applying them to no rows would
      // fail on the missing columns and reject every valid preparation).
      checkEncodings(json.preparation.encodings);
      check(json.preparation.ranges !== null && typeof json.preparation.ranges === 'object' && !Array.isArray(json.preparation.ranges), 'ranges must be an object like { age: { min, max } }');
      scalerFromRanges(json.preparation.ranges);
    } catch (e) {
      throw badJSON(`preparation is invalid: ${(e as Error).message}`);
    }
    preparation = preparationToJSON(json.preparation);
  }
  const statistics = readStatistics(json.statistics);
  const confidenceLevel = json.confidenceLevel ?? 0.95;
  if (typeof confidenceLevel !== 'number' || !(confidenceLevel > 0 && confidenceLevel < 1)) throw badJSON(`confidenceLevel must be between 0 and 1, found ${String(confidenceLevel)}`);
  if (json.warnings !== undefined && !(Array.isArray(json.warnings) && json.warnings.every((w) => typeof w === 'string'))) throw badJSON('warnings must be a list of strings');
  return new LogitModel({ response: json.response, spec, coefficients, covariance, statistics, confidenceLevel, preparation, warnings: json.warnings ? [...json.warnings] : [] });
}

/** The fit statistics of a saved model: every field present; numbers, or null for NaN (JSON has no NaN). */
function readStatistics(raw: unknown): FitStatistics {
  if (raw === null || typeof raw !== 'object') throw badJSON('statistics are missing');
  const source = raw as Record<string, unknown>;
  const keys: (keyof FitStatistics)[] = ['nObs', 'nParameters', 'dfResidual', 'dfNull', 'logLikelihood', 'nullLogLikelihood', 'deviance', 'nullDeviance', 'aic', 'bic', 'pseudoR2', 'iterations', 'lrStatistic', 'lrPValue'];
  const out: Partial<Record<keyof FitStatistics, number | boolean>> = {};
  for (const key of keys) {
    const value = source[key];
    if (value === null) out[key] = NaN;
    else if (typeof value === 'number') out[key] = value;
    else throw badJSON(`statistics.${key} must be a number, found ${value === undefined ? 'nothing' : typeof value}`);
  }
  if (typeof source.converged !== 'boolean') throw badJSON('statistics.converged must be true or false');
  out.converged = source.converged;
  return out as unknown as FitStatistics;
}

/** The 0/1 response as numbers: 0/1, booleans, or a two-level text column (second level = 1, as R). */
export function responseVector(table: Table, name: string, context: string): Float64Array {
  const cells = table.cells(name);
  if (ArrayBuffer.isView(cells)) {
    const typed = cells as unknown as Float64Array;
    for (let i = 0; i < typed.length; i++) {
      const v = typed[i];
      if (v !== 0 && v !== 1) {
        if (Number.isNaN(v)) throw new CbmError('NON_FINITE', `${context}: the response '${name}' is missing in row ${i}; fit on rows with a known outcome only (for the bank case: the contacted customers)`, { column: name, row: i });
        throw new CbmError('BAD_INPUT', `${context}: the response '${name}' must be 0 or 1, found ${v} in row ${i}`, { column: name, row: i });
      }
    }
    return typed instanceof Float64Array ? typed : Float64Array.from(typed); // read-only from here on
  }
  const y = new Float64Array(table.nRows);
  let textLevels: string[] | null = null;
  for (let i = 0; i < table.nRows; i++) {
    const v = cells[i];
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) {
      throw new CbmError('NON_FINITE', `${context}: the response '${name}' is missing in row ${i}; fit on rows with a known outcome only (for the bank case: the contacted customers)`, { column: name, row: i });
    }
    if (typeof v === 'boolean') y[i] = v ? 1 : 0;
    else if (typeof v === 'number') {
      if (v !== 0 && v !== 1) throw new CbmError('BAD_INPUT', `${context}: the response '${name}' must be 0 or 1, found ${v} in row ${i}`, { column: name, row: i });
      y[i] = v;
    } else {
      if (!textLevels) {
        const set = new Set<string>();
        for (let k = 0; k < table.nRows; k++) set.add(String(cells[k]));
        textLevels = [...set].sort();
        if (textLevels.length > 2) throw new CbmError('BAD_INPUT', `${context}: the response '${name}' has ${textLevels.length} text values (${textLevels.slice(0, 5).join(', ')}); a logistic regression needs two`, { column: name });
      }
      y[i] = textLevels.length === 2 && String(v) === textLevels[1] ? 1 : 0;
    }
  }
  return y;
}

/**
 * Fit statistics from a Newton fit (shared by fitLogit, stepwise and the in-database fit, which
 * passes the response's counts { n, ones } instead of the response itself).
 */
export function fitStatistics(fit: NewtonFit, y: Float64Array | { n: number; ones: number }, intercept: boolean): FitStatistics {
  const p = fit.coefficients.length;
  let n: number;
  let ones = 0;
  if (y instanceof Float64Array) {
    n = y.length;
    for (let i = 0; i < n; i++) ones += y[i];
  } else ({ n, ones } = y);
  const mean = ones / n;
  // The null model is the intercept-only model, or P = 1/2 without an intercept (as R's glm).
  const interceptOnly = (ones > 0 ? ones * Math.log(mean) : 0) + (n - ones > 0 ? (n - ones) * Math.log(1 - mean) : 0);
  const nullLogLikelihood = intercept ? interceptOnly : n * Math.log(0.5);
  const ll = fit.logLikelihood;
  const lrStatistic = 2 * (ll - nullLogLikelihood);
  const lrDf = p - (intercept ? 1 : 0);
  return {
    nObs: n,
    nParameters: p,
    dfResidual: n - p,
    dfNull: n - (intercept ? 1 : 0),
    logLikelihood: ll,
    nullLogLikelihood,
    deviance: -2 * ll,
    nullDeviance: -2 * nullLogLikelihood,
    aic: -2 * ll + 2 * p,
    bic: -2 * ll + Math.log(n) * p,
    // McFadden's R² is always against the intercept-only model (as statsmodels), also for a
    // model without an intercept, whose null deviance follows R (P = ½).
    pseudoR2: 1 - ll / interceptOnly,
    iterations: fit.iterations,
    converged: fit.status === 'converged',
    lrStatistic,
    lrPValue: lrDf > 0 ? chiSquareUpperTail(Math.max(lrStatistic, 0), lrDf) : NaN,
  };
}

/** Raises the specific error for a fit that did not produce estimates; returns warnings otherwise. */
export function diagnoseFit(fit: NewtonFit, names: readonly string[], context: string, columns?: readonly Float64Array[]): string[] {
  const n = fit.lastStep.length;
  if (fit.status !== 'converged') {
    if (fit.perfectlyFitted > 0) {
      // The divergence direction: terms whose coefficients were still moving most, each step
      // measured by how far it moves V (|Δβⱼ|·max|xⱼ|), so an uncentred predictor is not hidden
      // behind the intercept that moves along with it.
      const moves = Array.from(fit.lastStep, (step, j) => {
        let size = 1;
        if (columns) {
          size = 0;
          for (const x of columns[j]) size = Math.max(size, Math.abs(x));
        }
        return Math.abs(step) * size;
      });
      let largest = 0;
      for (let j = 0; j < n; j++) largest = Math.max(largest, moves[j]);
      const moving = names.filter((_, j) => moves[j] >= 0.1 * largest && largest > 0);
      const complete = fit.perfectlyFitted === fit.extremeFitted && fit.logLikelihood > -1e-6;
      throw new CbmError(
        'SEPARATION',
        `${context}: ${complete ? 'perfect' : 'quasi-complete'} separation: ${fit.perfectlyFitted} rows are predicted exactly (fitted probability 0 or 1) and the estimates of ${moving.map((m) => `'${m}'`).join(', ') || 'the coefficients'} grow without bound, so maximum-likelihood estimates do not exist. Remove or merge the separating term, collect more data, or use a penalised fit.`,
        { terms: moving, perfectlyFitted: fit.perfectlyFitted, complete },
      );
    }
    if (fit.status === 'singular-hessian') {
      throw new CbmError('SINGULAR', `${context}: the information matrix became singular during fitting (weights vanished); the design is numerically degenerate`, {});
    }
    throw new CbmError('NOT_CONVERGED', `${context}: Newton iterations did not converge in ${fit.iterations} iterations; raise maxIterations or rescale the predictors`, { iterations: fit.iterations });
  }
  const warnings: string[] = [];
  if (fit.extremeFitted > 0) warnings.push(`fitted probabilities numerically 0 or 1 occurred for ${fit.extremeFitted} rows`);
  return warnings;
}

/** Throws SINGULAR naming aliased columns (a term that is a linear combination of others). */
export function aliasedError(aliased: readonly AliasedColumn[], names: readonly string[], context: string): CbmError {
  const descriptions = aliased.map((a) =>
    a.dependsOn.length ? `'${names[a.column]}' is a linear combination of ${a.dependsOn.map((k) => `'${names[k]}'`).join(', ')}` : `'${names[a.column]}' is zero in every row`,
  );
  return new CbmError('SINGULAR', `${context}: collinear design: ${descriptions.join('; ')}. R's glm would report NA for ${aliased.length === 1 ? 'it' : 'them'}; remove ${aliased.length === 1 ? 'that term' : 'those terms'}.`, {
    aliased: aliased.map((a) => names[a.column]),
    dependsOn: aliased.map((a) => a.dependsOn.map((k) => names[k])),
  });
}

export interface PreparedData {
  table: Table;
  preparation: Preparation | null;
  formula: Formula;
  y: Float64Array;
}

/** Shared entry checks of fitLogit and stepwise: data, formula, preparation, response. */
export function prepareFit(data: DataInput | Table, formula: string, prepare: FitOptions['prepare'], context: string): PreparedData {
  const raw = toTable(data, context);
  check(raw.nRows > 0, `${context}: the data has no rows`);
  const parsed = parseFormula(formula, { columns: raw.names });
  if (parsed.response === null) throw new CbmError('FORMULA_SYNTAX', `${context}: the formula needs a response on the left of '~', e.g. 'responded ~ gender + age'`);
  let preparation: Preparation | null = null;
  if (prepare !== undefined) preparation = isPreparation(prepare) ? preparationToJSON(prepare) : fitPreparation(raw, prepare);
  const table = preparation ? applyPreparation(preparation, raw) : raw;
  for (const v of [parsed.response, ...parsed.variables]) table.cells(v); // UNKNOWN_COLUMN early, with the column list
  const y = responseVector(table, parsed.response, context);
  let ones = 0;
  for (let i = 0; i < y.length; i++) ones += y[i];
  if (ones === 0 || ones === y.length) {
    throw new CbmError('CONSTANT_RESPONSE', `${context}: the response '${parsed.response}' is ${ones === 0 ? 0 : 1} in all ${y.length} rows, so there is nothing to model`, { column: parsed.response });
  }
  return { table, preparation, formula: parsed, y };
}

/** Fits one design on prepared data (shared by fitLogit and stepwise's candidate fits). */
export function fitDesign(
  prepared: PreparedData,
  spec: DesignSpec,
  columns: readonly Float64Array[],
  options: FitOptions & { startVector?: Float64Array },
  context: string,
): LogitModel {
  const names = spec.columns.map((c) => c.name);
  let start = options.startVector;
  if (!start && options.start) {
    start = new Float64Array(names.length);
    for (const [name, value] of Object.entries(options.start)) {
      const j = names.indexOf(name);
      check(j >= 0, `${context}: start names the unknown coefficient '${name}'`);
      start[j] = value;
    }
  }
  const fit = newtonLogit(columns, prepared.y, { maxIterations: options.maxIterations, tolerance: options.tolerance, start, interceptColumn: spec.intercept ? 0 : -1 });
  if (fit.status === 'aliased') throw aliasedError(fit.aliased, names, context);
  const warnings = diagnoseFit(fit, names, context, columns);
  return new LogitModel({
    response: prepared.formula.response!,
    spec,
    coefficients: fit.coefficients,
    covariance: fit.covariance,
    statistics: fitStatistics(fit, prepared.y, spec.intercept),
    confidenceLevel: options.confidenceLevel ?? 0.95,
    preparation: prepared.preparation,
    warnings,
  });
}

export function checkFitOptions(options: FitOptions, context: string): void {
  checkOptions(options, context);
  const within = (x: unknown) => typeof x === 'number' && x > 0 && x < 1;
  if (options.maxIterations !== undefined) check(Number.isInteger(options.maxIterations) && options.maxIterations > 0, `${context}: maxIterations must be a positive whole number`);
  if (options.tolerance !== undefined) check(within(options.tolerance), `${context}: tolerance must be a number between 0 and 1`);
  if (options.confidenceLevel !== undefined) check(within(options.confidenceLevel), `${context}: confidenceLevel must be a number between 0 and 1, e.g. 0.95`);
  if (options.start !== undefined) {
    check(options.start !== null && typeof options.start === 'object' && !Array.isArray(options.start), `${context}: start must be an object of coefficients by name, e.g. { '(Intercept)': -1 }`);
    for (const [name, value] of Object.entries(options.start)) {
      check(typeof value === 'number' && Number.isFinite(value), `${context}: start['${name}'] must be a finite number, got ${String(value)}`);
    }
  }
}

/**
 * Fits a logistic regression of `formula` on `data` (rows or columns) by maximum likelihood.
 * Errors are specific CbmErrors: UNKNOWN_COLUMN, NON_FINITE, CONSTANT_RESPONSE, SINGULAR (naming
 * the aliased terms), SEPARATION, NOT_CONVERGED, FORMULA_SYNTAX.
 */
export function fitLogit(data: DataInput | Table, formula: string, options: FitOptions = {}): LogitModel {
  const context = 'fitLogit';
  checkFitOptions(options, context);
  const prepared = prepareFit(data, formula, options.prepare, context);
  const spec = designSpec(prepared.formula, prepared.table, context);
  const columns = designMatrix(spec, prepared.table, context);
  check(columns.length > 0, `${context}: the model has no terms and no intercept`);
  return fitDesign(prepared, spec, columns, options, context);
}
