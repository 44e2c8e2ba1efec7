import { CbmError, check } from '../errors';
import { numericColumn, toTable, type DataInput, type Table } from '../data/table';
import { applyPreparationFor, fitPreparationFor, isPreparation, preparationToJSON, restrictPreparation, type Preparation, type PreparationSpec } from '../prepare/preparation';
import { completeRows, designMatrix, designSpec, onInputRows, type NaAction } from './design';
import { DesignModel, type DesignJSON, type DesignModelParts, type PredictOptions } from './designModel';
import { aliasedError, aliasedWarning } from './diagnostics';
import type { AliasedColumn } from './newton';
import { fUpperTail, studentTQuantile, twoSidedStudentP } from './distributions';
import { checkFitOptions, droppedRowsWarning, type FitOptionName } from './fit';
import { parseFormula } from './formula';
import { deriveColumns, rawColumns } from './expression';
import { parseModelJSON, readDesignJSON } from './modelJson';
import { fitRobustCovariance, resolveRobust, type RobustType } from './sandwich';
import { positiveCount, priorSpec, priorVariables, readPrior, splitOffset } from './prior';

/** Options of {@link fitLinear}: preparation of raw rows, interval level and missing-value handling. */
export interface LinearFitOptions {
  /** Encode/scale raw rows first: a spec (ranges learned on this data) or a fitted preparation. */
  prepare?: PreparationSpec | Preparation;
  /** Confidence level of the reported intervals, default 0.95. */
  confidenceLevel?: number;
  /** Rows with a missing value in a formula variable: 'omit' (default, R's na.omit; see `droppedRows`) or 'fail' (NON_FINITE). */
  na?: NaAction;
  /**
   * Robust (sandwich) standard errors, as `sandwich::vcovHC(m, type)` with t on n − k df
   * (`lmtest::coeftest`); default 'HC3' when only `vcov` is named, 'HC1' with `cluster`. `model.vcov`
   * records which covariance the model carries.
   */
  vcov?: RobustType;
  /** A column naming each row's cluster: clustered errors as `vcovCL(m, cluster = ~id)`. */
  cluster?: string;
  /**
   * A column of prior weights, as `lm(…, weights = w)`: weighted least squares; a zero-weight row
   * counts in neither `nObs` nor the df, and log L adds ½Σ log w, as R's logLik.lm.
   */
  weights?: string;
  /** An offset (column or transform label, or `offset(…)` in the formula) subtracted from the response before the fit and added back by predict, as R. */
  offset?: string;
}

const LINEAR_OPTION_NAMES: readonly FitOptionName[] = ['prepare', 'confidenceLevel', 'na', 'vcov', 'cluster', 'weights', 'offset'];

/** One coefficient with its t statistic and confidence interval (R: summary.lm, confint.lm). */
export interface LinearCoefficientRow {
  /** R's coefficient name, e.g. `(Intercept)`, `log(PRICE)`, `RETAILERDALLAS/FT. WORTH - WINN DIXIE`. */
  term: string;
  estimate: number;
  /** σ̂·√((XᵀX)⁻¹)ⱼⱼ. */
  stdError: number;
  /** estimate / stdError. */
  t: number;
  /** 2·P(T_{n−p} > |t|). */
  pValue: number;
  /** estimate − t₍₁₋α/₂, n−p₎·stdError (R: confint.lm). */
  ciLower: number;
  /** estimate + t₍₁₋α/₂, n−p₎·stdError. */
  ciUpper: number;
  /** The interval's level 1 − α, e.g. 0.95. */
  confidenceLevel: number;
}

/**
 * The fit statistics of R's `summary.lm`, `logLik.lm`, `AIC` and `BIC`. With n rows, p
 * coefficients, fitted values f and residuals e = y − f:
 */
export interface LinearStatistics {
  /** n. */
  nObs: number;
  /** p, the number of coefficients (the intercept included). */
  nParameters: number;
  /** n − p. */
  dfResidual: number;
  /** p − 1 with an intercept, p without. */
  dfModel: number;
  /** RSS = Σeᵢ². */
  rss: number;
  /** σ̂ = √(RSS/(n − p)), the residual standard error. */
  sigma: number;
  /** R² = MSS/(MSS + RSS), MSS = Σ(fᵢ − f̄)² with an intercept, Σfᵢ² without (as R). */
  rSquared: number;
  /** 1 − (1 − R²)·(n − k)/(n − p), k = 1 with an intercept, 0 without. */
  adjRSquared: number;
  /** F = (MSS/dfModel)/(RSS/(n − p)); NaN for a model with no terms besides the intercept. */
  fStatistic: number;
  /** P(F_{dfModel, n−p} > F). */
  fPValue: number;
  /** log L = −n/2·(log 2π + 1 − log n + log RSS), at the maximum-likelihood σ² = RSS/n (R: logLik.lm). */
  logLikelihood: number;
  /** −2·log L + 2·(p + 1): σ counts as a parameter, as in R's AIC(lm). */
  aic: number;
  /** −2·log L + log(n)·(p + 1). */
  bic: number;
}

/** The `format` tag of a saved linear model, so a reader can tell it from a logit model's JSON. */
export const LINEAR_MODEL_FORMAT = 'cbm-kit/linear-model';
/** The version of the saved linear-model layout that this library writes and reads. */
export const LINEAR_MODEL_VERSION = 1;

/** The saved form of a linear model: everything needed to score raw rows and to print the summary. */
export interface LinearModelJSON extends DesignJSON {
  format: typeof LINEAR_MODEL_FORMAT;
  version: number;
  statistics: LinearStatistics;
}

interface LinearParts extends DesignModelParts {
  statistics: LinearStatistics;
  /** What the fit warned of (aliased coefficients); not saved in the JSON. */
  warnings?: readonly string[];
}

/**
 * A fitted linear model. Read-only: the arrays it hands out are copies. `predict` returns the
 * fitted response on the response's scale, i.e. log(volume) for `log(volume) ~ …`.
 */
export class LinearModel extends DesignModel {
  readonly statistics: Readonly<LinearStatistics>;
  /** The fit's warnings, e.g. coefficients not defined because of singularities (empty for a model read from JSON). */
  readonly warnings: readonly string[];

  /** @internal Use fitLinear or LinearModel.fromJSON. */
  constructor(parts: LinearParts) {
    super(parts);
    this.statistics = Object.freeze({ ...parts.statistics });
    this.warnings = Object.freeze([...(parts.warnings ?? [])]);
    Object.freeze(this);
  }

  protected get kind(): string {
    return 'LinearModel';
  }

  /** Estimates, standard errors, t, p and confidence limits as plain rows (R: summary.lm and confint). */
  coefficientTable(): LinearCoefficientRow[] {
    const critical = studentTQuantile(1 - (1 - this.confidenceLevel) / 2, this.statistics.dfResidual);
    return this.names.map((term, j) => {
      const estimate = this.beta[j];
      const stdError = this.se[j];
      return {
        term,
        estimate,
        stdError,
        t: estimate / stdError,
        pValue: twoSidedStudentP(estimate / stdError, this.statistics.dfResidual),
        ciLower: estimate - critical * stdError,
        ciUpper: estimate + critical * stdError,
        confidenceLevel: this.confidenceLevel,
      };
    });
  }

  /** The model-information rows and the coefficient rows, for notebooks and spreadsheets. */
  summaryTables(): { info: { name: string; value: string | number }[]; coefficients: LinearCoefficientRow[] } {
    const s = this.statistics;
    return {
      info: [
        { name: 'Model', value: 'Linear regression (ordinary least squares, Householder QR)' },
        { name: 'Formula', value: this.formulaWithOffset },
        { name: 'Dependent variable', value: this.response },
        { name: 'Observations', value: s.nObs },
        { name: 'Parameters', value: s.nParameters },
        { name: 'Df residual', value: s.dfResidual },
        { name: 'Df model', value: s.dfModel },
        { name: 'Residual standard error', value: s.sigma },
        { name: 'R²', value: s.rSquared },
        { name: 'Adjusted R²', value: s.adjRSquared },
        { name: 'F statistic', value: s.fStatistic },
        { name: 'P(> F)', value: s.fPValue },
        { name: 'Log-likelihood', value: s.logLikelihood },
        { name: 'AIC', value: s.aic },
        { name: 'BIC', value: s.bic },
      ],
      coefficients: this.coefficientTable(),
    };
  }

  /** An R-style text summary: the fit, then one line per coefficient. */
  summary(): string {
    const s = this.statistics;
    const fmt = (x: number, digits = 4) => (Number.isFinite(x) ? x.toFixed(digits) : String(x));
    const fmtP = (x: number) => (!Number.isFinite(x) ? 'NaN' : x < 0.001 ? x.toExponential(2) : x.toFixed(4));
    const rows = this.coefficientTable();
    const width = Math.max(12, ...this.names.map((n) => n.length)) + 2;
    const lower = `[${((1 - this.confidenceLevel) / 2).toFixed(3)}`;
    const upper = `${(1 - (1 - this.confidenceLevel) / 2).toFixed(3)}]`;
    return [
      'Linear regression (ordinary least squares)',
      `Formula:            ${this.formulaWithOffset}`,
      `Observations:       ${s.nObs}    Parameters: ${s.nParameters}    Df residual: ${s.dfResidual}`,
      ...droppedRowsWarning(this.droppedRows).map((w) => `Note:               ${w}`),
      `Residual std error: ${fmt(s.sigma)} on ${s.dfResidual} df`,
      `R²:                 ${fmt(s.rSquared)}    Adjusted R²: ${fmt(s.adjRSquared)}`,
      s.dfModel > 0
        ? `F statistic:        ${fmt(s.fStatistic)} on ${s.dfModel} and ${s.dfResidual} df, p = ${fmtP(s.fPValue)}`
        : 'F statistic:        none (no terms besides the intercept)',
      `Log-likelihood:     ${fmt(s.logLikelihood)}    AIC: ${fmt(s.aic)}    BIC: ${fmt(s.bic)}`,
      '',
      ...this.singularitiesNote(),
      `${'term'.padEnd(width)}${'estimate'.padStart(11)}${'std.err'.padStart(11)}${'t'.padStart(9)}${'P>|t|'.padStart(11)}${lower.padStart(11)}${upper.padStart(10)}`,
      '-'.repeat(width + 63),
      ...rows.map(
        (r) =>
          `${r.term.padEnd(width)}${fmt(r.estimate).padStart(11)}${fmt(r.stdError).padStart(11)}${fmt(r.t, 3).padStart(9)}${fmtP(r.pValue).padStart(11)}${fmt(r.ciLower).padStart(11)}${fmt(r.ciUpper).padStart(10)}`,
      ),
      '-'.repeat(width + 63),
      `${this.vcov ? `${this.standardErrorNote('')}; ` : ''}${Math.round(this.confidenceLevel * 1000) / 10}% intervals from Student's t with ${s.dfResidual} df (R: confint.lm${this.vcov ? ', lmtest::coefci' : ''}).`,
      ...this.warnings.map((w) => `Warning: ${w}`),
    ].join('\n');
  }

  /**
   * The fitted response Xβ for raw rows (preparation and transforms applied as in fitting), on
   * the response's scale: exp() of it is the median volume for a `log(volume) ~ …` model.
   * Rows missing a value the model reads are refused (NON_FINITE) unless `na: 'pass'` asks for
   * NaN there, as R's `na.pass` gives NA.
   *
   * @example
   * const model = fitLinear({ y: [3.1, 4.9, 7.2, 8.8, 11.1], x: [1, 2, 3, 4, 5] }, 'y ~ x');
   * model.predict([{ x: 6 }, { x: null }], { na: 'pass' }); // Float64Array [≈ 13, NaN]
   */
  predict(data: DataInput | Table, options?: PredictOptions): Float64Array {
    return this.score(data, 'LinearModel.predict', false, options);
  }

  /** The saved form: formula, terms, coefficients, covariance and preparation as plain JSON. */
  toJSON(): LinearModelJSON {
    return { format: LINEAR_MODEL_FORMAT, version: LINEAR_MODEL_VERSION, ...this.designJSON(), statistics: { ...this.statistics } };
  }

  /** Reads a saved model (an object or its JSON text) back, checking it thoroughly. */
  static fromJSON(json: LinearModelJSON | string): LinearModel {
    return readLinearJSON(json);
  }
}

/**
 * Fits ordinary least squares y = Xβ + ε, ε ~ N(0, σ²I), with the inference of R's `summary.lm`:
 * the same formula language as fitLogit (factors, interactions, transforms such as
 * `log(volume) ~ log(price) + retailer`), the same preparation option and a results object
 * that scores raw rows and saves to JSON. A constant-elasticity demand model is the typical use:
 * the coefficient of `log(price)` is the price elasticity of volume.
 *
 * Errors are specific CbmErrors: UNKNOWN_COLUMN, NON_FINITE (also for a transform such as log of
 * a non-positive value, naming the row), FORMULA_SYNTAX, CONSTANT_RESPONSE, SINGULAR (no estimable
 * column), BAD_INPUT.
 *
 * Method: the columns other than the intercept are centred (so that a predictor with a large
 * offset, such as epoch milliseconds, is not mistaken for a multiple of the intercept), then a
 * Householder QR factorisation X_c = QR gives β = R⁻¹Qᵀy_c and (X_cᵀX_c)⁻¹ = R⁻¹R⁻ᵀ; the
 * intercept and its covariances are mapped back from the column means. A column whose remainder
 * after the earlier columns is below 1e-7 of its norm is aliased (R's lm uses the same tolerance):
 * it is left out, its estimate NaN (R's NA), listed in `model.aliased` and warned of.
 *
 * @example
 * const rows = [1, 2, 3, 4, 5, 6].map((x) => ({ x, y: 2 + 3 * x + [0.1, -0.2, 0.05, 0.1, -0.1, 0.02][x - 1] }));
 * const model = fitLinear(rows, 'y ~ x');
 * model.coefficient('x');             // ≈ 3
 * model.statistics.rSquared > 0.99;   // true
 * model.predict([{ x: 10 }]);         // Float64Array [≈ 32]
 */
export function fitLinear(data: DataInput | Table, formula: string, options: LinearFitOptions = {}): LinearModel {
  const context = 'fitLinear';
  checkFitOptions(options, context, LINEAR_OPTION_NAMES);
  const level = options.confidenceLevel ?? 0.95;
  check(typeof formula === 'string', `${context}: formula must be a string like 'log(volume) ~ log(price) + store', got ${typeof formula}`);
  resolveRobust(options.vcov, options.cluster, 'vcov', context); // bad vcov/cluster before the fit

  const input = toTable(data, context);
  check(input.nRows > 0, `${context}: the data has no rows`);
  const split = splitOffset(formula, context);
  const priorColumns = priorSpec(options, split.offset, context);
  const parsed = parseFormula(split.formula, { columns: input.names });
  if (parsed.response === null) throw new CbmError('FORMULA_SYNTAX', `${context}: the formula needs a response on the left of '~', e.g. 'log(volume) ~ log(price)'`);
  const { table: raw, droppedRows } = completeRows(input, [parsed.response, ...parsed.variables, ...priorVariables(priorColumns)], options.na ?? 'omit', context);
  const responseName = parsed.response;
  return onInputRows(droppedRows, () => {
    const { weights, offset } = readPrior(raw, priorColumns, context);
    if (weights !== null && (options.vcov !== undefined || options.cluster !== undefined))
      throw new CbmError('BAD_INPUT', `${context}: robust standard errors (vcov, cluster) are not available with prior weights; fit without weights for sandwich errors`, {});
    let preparation: Preparation | null = null;
    if (options.prepare !== undefined)
      preparation = isPreparation(options.prepare) ? preparationToJSON(options.prepare) : fitPreparationFor(context, raw, options.prepare, 'prepare');
    const table = deriveColumns(preparation ? applyPreparationFor(context, preparation, raw) : raw, [responseName, ...parsed.variables], context);
    for (const v of [responseName, ...parsed.variables]) table.cells(v); // UNKNOWN_COLUMN early
    // With an offset the least squares are of y − offset on X (R's lm.fit).
    const response = numericColumn(table, responseName, context);
    const y = offset === null ? response : response.map((v, i) => v - offset[i]);
    const spec = designSpec(parsed, table, context);
    const columns = designMatrix(spec, table, context);
    const n = positiveCount(weights, y.length);
    const p = columns.length;
    check(p > 0, `${context}: the model has no terms and no intercept`);
    const kept = weights === null ? Array.from(y.keys()) : Array.from(y.keys()).filter((i) => weights[i] > 0);
    let constant = true;
    for (let k = 1; k < kept.length && constant; k++) constant = y[kept[k]] === y[kept[0]];
    if (constant)
      throw new CbmError('CONSTANT_RESPONSE', `${context}: the response '${responseName}' is ${y[kept[0]]} in all ${n} rows, so there is nothing to model`, {
        column: responseName,
      });
    const fit = leastSquares(columns, y, spec.intercept, weights);
    const names = spec.columns.map((c) => c.name);
    if (fit.aliased.length === p) throw aliasedError(fit.aliased, names, context);
    // The residual variance needs n > rank (aliased columns cost no rows, as in R's lm).
    const rank = p - fit.aliased.length;
    if (n <= rank)
      throw new CbmError('SINGULAR', `${context}: ${n} rows cannot estimate ${rank} coefficients and the residual variance; use fewer terms or more data`, {
        parameters: rank,
        rows: n,
      });
    // R 4.2's summary.lm takes MSS from the fitted values with the offset in them; p is the rank.
    const statistics = linearStatistics(offset === null ? fit.fitted : fit.fitted.map((f, i) => f + offset[i]), fit.rss, rank, spec.intercept, weights);
    // Squares of values near 1e154 and beyond overflow a double: the residual sum of squares is then
    // Infinity (or NaN), and every standard error and statistic with it.
    if (!Number.isFinite(fit.rss) || fit.coefficients.some((b, j) => !Number.isFinite(b) && !fit.aliased.some((a) => a.column === j)))
      throw new CbmError(
        'NON_FINITE',
        `${context}: the sums of squares of '${responseName}' overflow a double (values reach ${Math.max(...Array.from(y, Math.abs)).toExponential(2)}); rescale the response (e.g. I(${responseName}/1e6)) and refit`,
        { column: responseName },
      );
    if (!(fit.rss > 0)) {
      throw new CbmError(
        'BAD_INPUT',
        `${context}: the model fits '${responseName}' exactly (zero residuals), so there is no residual variance to estimate standard errors from; is the response computed from the predictors?`,
        { column: responseName },
      );
    }
    const sigma2 = statistics.rss / statistics.dfResidual;
    const residual = y.map((v, i) => v - fit.fitted[i]);
    const robust = fitRobustCovariance(
      columns,
      residual,
      new Float64Array(n).fill(1),
      raw,
      options,
      names,
      context,
      fit.aliased.map((a) => names[a.column]),
    );
    return new LinearModel({
      response: responseName,
      spec,
      coefficients: fit.coefficients,
      covariance: robust ? robust.covariance : fit.unscaledCovariance.map((v) => v * sigma2),
      vcov: robust ? robust.spec : null,
      statistics,
      confidenceLevel: level,
      preparation: preparation ? restrictPreparation(preparation, rawColumns(spec.terms.flatMap((t) => t.variables))) : null,
      droppedRows,
      warnings: aliasedWarning(fit.aliased, names),
      offset: priorColumns.offset,
    });
  });
}

interface LeastSquaresFit {
  coefficients: Float64Array;
  /** (XᵀX)⁻¹, p×p. */
  unscaledCovariance: Float64Array;
  fitted: Float64Array;
  rss: number;
  /** Columns left out as linear combinations of earlier ones (R's NA coefficients). */
  aliased: AliasedColumn[];
}

/** Columns whose remainder after projection is below this share of their norm are aliased (R: lm's tol). */
const ALIAS_TOLERANCE = 1e-7;

/**
 * Householder QR least squares on centred columns; see fitLinear for the method. Aliased columns
 * are left out of R (R's lm pivots them to the end): their estimates and covariances are NaN.
 */
function leastSquares(design: readonly Float64Array[], y: Float64Array, intercept: boolean, weights: Float64Array | null = null): LeastSquaresFit {
  const n = y.length;
  const p = design.length;
  const first = intercept ? 1 : 0; // the intercept column (index 0) is handled by centring
  const q = p - first;
  const means = new Float64Array(p);
  const norms = new Float64Array(p);
  const work: Float64Array[] = [];
  // Weighted least squares is least squares on rows scaled by √w. Centring at the weighted means
  // keeps the scaled intercept column √w orthogonal to the other scaled columns, so the method
  // (and the intercept's mapping back) is the same as without weights, with Σw in place of n.
  const root = weights === null ? null : weights.map(Math.sqrt);
  let totalWeight = n;
  if (weights !== null) {
    totalWeight = 0;
    for (let i = 0; i < n; i++) totalWeight += weights[i];
  }
  const weightedMean = (x: Float64Array): number => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += weights === null ? x[i] : weights[i] * x[i];
    return sum / totalWeight;
  };
  for (let j = first; j < p; j++) {
    const x = design[j];
    let squares = 0;
    for (let i = 0; i < n; i++) squares += (weights === null ? 1 : weights[i]) * x[i] * x[i];
    norms[j] = Math.sqrt(squares);
    const mean = intercept ? weightedMean(x) : 0;
    means[j] = mean;
    const c = new Float64Array(n);
    for (let i = 0; i < n; i++) c[i] = root === null ? x[i] - mean : root[i] * (x[i] - mean);
    work.push(c);
  }
  const yMean = intercept ? weightedMean(y) : 0;
  const qty = new Float64Array(n);
  for (let i = 0; i < n; i++) qty[i] = root === null ? y[i] - yMean : root[i] * (y[i] - yMean);

  // Householder reflections H = I − 2uuᵀ/uᵀu, one per accepted column (pivot row = its rank
  // position), applied to the later columns and to y. rows[k·q + m] holds R's entry of rank
  // position k and column m > the pivot's column, diagonal[k] its diagonal.
  const rows = new Float64Array(q * q);
  const diagonal = new Float64Array(q);
  const accepted: number[] = [];
  const aliasedCentred: number[] = [];
  for (let j = 0; j < q; j++) {
    const x = work[j];
    const k = accepted.length;
    let norm = 0;
    for (let i = k; i < n; i++) norm += x[i] * x[i];
    norm = Math.sqrt(norm);
    if (!(norm > ALIAS_TOLERANCE * norms[j + first])) {
      aliasedCentred.push(j);
      continue;
    }
    const alpha = x[k] > 0 ? -norm : norm;
    // u = x[k..] − alpha·e₁, stored in x[k..]; uᵀu = 2·norm·(norm + |x_k|).
    const uu = 2 * norm * (norm + Math.abs(x[k]));
    x[k] -= alpha;
    const reflect = (v: Float64Array) => {
      let dot = 0;
      for (let i = k; i < n; i++) dot += x[i] * v[i];
      const f = (2 * dot) / uu;
      for (let i = k; i < n; i++) v[i] -= f * x[i];
    };
    for (let m = j + 1; m < q; m++) reflect(work[m]);
    reflect(qty);
    diagonal[k] = alpha;
    for (let m = j + 1; m < q; m++) rows[k * q + m] = work[m][k];
    accepted.push(j);
  }
  const k = accepted.length;
  // The accepted columns' R, k×k upper triangular.
  const r = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    r[a * k + a] = diagonal[a];
    for (let b = a + 1; b < k; b++) r[a * k + b] = rows[a * q + accepted[b]];
  }

  // β_c = R⁻¹·(Qᵀy)[0..k); (X_cᵀX_c)⁻¹ = R⁻¹R⁻ᵀ.
  const rInverse = new Float64Array(k * k);
  for (let j = k - 1; j >= 0; j--) {
    rInverse[j * k + j] = 1 / r[j * k + j];
    for (let i = j - 1; i >= 0; i--) {
      let s = 0;
      for (let l = i + 1; l <= j; l++) s += r[i * k + l] * rInverse[l * k + j];
      rInverse[i * k + j] = -s / r[i * k + i];
    }
  }
  const slopes = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = 0;
    for (let l = i; l < k; l++) s += rInverse[i * k + l] * qty[l];
    slopes[i] = s;
  }
  const slopeCov = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = i; j < k; j++) {
      let s = 0;
      for (let l = j; l < k; l++) s += rInverse[i * k + l] * rInverse[j * k + l];
      slopeCov[i * k + j] = s;
      slopeCov[j * k + i] = s;
    }

  // Back to the design's columns: intercept = ȳ − Σβⱼx̄ⱼ, Var = 1/n + x̄ᵀC x̄, Cov(b₀, β) = −C x̄.
  const column = (a: number) => accepted[a] + first;
  const coefficients = new Float64Array(p).fill(NaN);
  const covariance = new Float64Array(p * p).fill(NaN);
  for (let a = 0; a < k; a++) {
    coefficients[column(a)] = slopes[a];
    for (let b = 0; b < k; b++) covariance[column(a) * p + column(b)] = slopeCov[a * k + b];
  }
  if (intercept) {
    let b0 = yMean;
    for (let a = 0; a < k; a++) b0 -= slopes[a] * means[column(a)];
    coefficients[0] = b0;
    let v0 = 1 / totalWeight;
    for (let a = 0; a < k; a++) {
      let cm = 0;
      for (let b = 0; b < k; b++) cm += slopeCov[a * k + b] * means[column(b)];
      covariance[column(a) * p] = -cm;
      covariance[column(a)] = -cm;
      v0 += means[column(a)] * cm;
    }
    covariance[0] = v0;
  }

  // Fitted values and residuals from the centred columns (no offset-sized cancellation).
  const fitted = new Float64Array(n).fill(yMean);
  for (let a = 0; a < k; a++) {
    const b = slopes[a];
    const x = design[column(a)];
    const m = means[column(a)];
    for (let i = 0; i < n; i++) fitted[i] += b * (x[i] - m);
  }
  let rss = 0;
  for (let i = 0; i < n; i++) {
    const e = y[i] - fitted[i];
    rss += weights === null ? e * e : weights[i] * e * e;
  }
  const aliased = aliasedCentred.map((j) => ({ column: j + first, dependsOn: dependsOn(j, accepted, work, r, k, first, means, norms) }));
  return { coefficients, unscaledCovariance: covariance, fitted, rss, aliased };
}

/**
 * The design columns an aliased centred column j is made of: solve R·c = (Qᵀx_j) over the columns
 * accepted before it (the leading block of R), keep the non-negligible cₐ, and the intercept when
 * the centred combination leaves an offset.
 */
function dependsOn(
  j: number,
  accepted: readonly number[],
  work: readonly Float64Array[],
  r: Float64Array,
  k: number,
  first: number,
  means: Float64Array,
  norms: Float64Array,
): number[] {
  const t = accepted.findIndex((a) => a > j);
  const before = t < 0 ? accepted.length : t;
  const c = new Float64Array(before);
  for (let a = before - 1; a >= 0; a--) {
    let s = work[j][a];
    for (let b = a + 1; b < before; b++) s -= r[a * k + b] * c[b];
    c[a] = s / r[a * k + a];
  }
  const parts: number[] = [];
  for (let a = 0; a < before; a++) if (Math.abs(c[a]) * norms[accepted[a] + first] > 1e-6 * norms[j + first]) parts.push(accepted[a] + first);
  if (first === 1) {
    let offset = means[j + 1];
    for (let a = 0; a < before; a++) offset -= c[a] * means[accepted[a] + 1];
    if (Math.abs(offset) * Math.sqrt(work[j].length) > 1e-6 * norms[j + 1]) parts.unshift(0);
  }
  return parts;
}

/**
 * R's summary.lm and logLik.lm statistics from the fitted values (with any offset, as R 4.2's
 * summary.lm takes them for MSS and R²). With weights (R's lm.wfit): MSS and RSS are weighted,
 * n counts the rows with positive weight, and log L adds ½Σ log w over them.
 */
function linearStatistics(fitted: Float64Array, rss: number, p: number, intercept: boolean, weights: Float64Array | null): LinearStatistics {
  const w = (i: number) => (weights === null ? 1 : weights[i]);
  let n = 0;
  let totalWeight = 0;
  let logWeights = 0;
  for (let i = 0; i < fitted.length; i++) {
    if (!(w(i) > 0)) continue;
    n++;
    totalWeight += w(i);
    logWeights += Math.log(w(i));
  }
  let mss = 0;
  if (intercept) {
    let mean = 0;
    for (let i = 0; i < fitted.length; i++) mean += w(i) * fitted[i];
    mean /= totalWeight;
    for (let i = 0; i < fitted.length; i++) mss += w(i) * (fitted[i] - mean) ** 2;
  } else for (let i = 0; i < fitted.length; i++) mss += w(i) * fitted[i] * fitted[i];
  const dfResidual = n - p;
  const dfModel = p - (intercept ? 1 : 0);
  const rSquared = mss / (mss + rss);
  const fStatistic = dfModel > 0 ? mss / dfModel / (rss / dfResidual) : NaN;
  const logLikelihood = 0.5 * logWeights - 0.5 * n * (Math.log(2 * Math.PI) + 1 - Math.log(n) + Math.log(rss));
  return {
    nObs: n,
    nParameters: p,
    dfResidual,
    dfModel,
    rss,
    sigma: Math.sqrt(rss / dfResidual),
    rSquared,
    adjRSquared: 1 - ((1 - rSquared) * (n - (intercept ? 1 : 0))) / dfResidual,
    fStatistic,
    fPValue: dfModel > 0 ? fUpperTail(fStatistic, dfModel, dfResidual) : NaN,
    logLikelihood,
    aic: -2 * logLikelihood + 2 * (p + 1),
    bic: -2 * logLikelihood + Math.log(n) * (p + 1),
  };
}

function badJSON(message: string): CbmError {
  return new CbmError('BAD_MODEL_JSON', `LinearModel.fromJSON: ${message}`);
}

const STATISTIC_KEYS: readonly (keyof LinearStatistics)[] = [
  'nObs',
  'nParameters',
  'dfResidual',
  'dfModel',
  'rss',
  'sigma',
  'rSquared',
  'adjRSquared',
  'fStatistic',
  'fPValue',
  'logLikelihood',
  'aic',
  'bic',
];

function readLinearJSON(input: unknown): LinearModel {
  const json = parseModelJSON<LinearModelJSON>(input, LINEAR_MODEL_FORMAT, LINEAR_MODEL_VERSION, badJSON);
  const { spec, coefficients, covariance, preparation, vcov, offset } = readDesignJSON(json as never, badJSON);
  const rawStatistics: unknown = json.statistics;
  if (rawStatistics === null || typeof rawStatistics !== 'object') throw badJSON('statistics are missing');
  const statistics = {} as LinearStatistics;
  for (const key of STATISTIC_KEYS) {
    const value = (rawStatistics as Record<string, unknown>)[key];
    if (value === null)
      statistics[key] = NaN; // JSON writes NaN (an intercept-only F) as null
    else if (typeof value === 'number') statistics[key] = value;
    else throw badJSON(`statistics.${key} must be a number, found ${value === undefined ? 'nothing' : typeof value}`);
  }
  if (!(Number.isInteger(statistics.dfResidual) && statistics.dfResidual > 0)) throw badJSON('statistics.dfResidual must be a positive whole number');
  const confidenceLevel = json.confidenceLevel ?? 0.95;
  if (typeof confidenceLevel !== 'number' || !(confidenceLevel > 0 && confidenceLevel < 1))
    throw badJSON(`confidenceLevel must be between 0 and 1, found ${String(confidenceLevel)}`);
  return new LinearModel({ response: json.response, spec, coefficients, covariance, statistics, confidenceLevel, preparation, vcov, offset });
}
