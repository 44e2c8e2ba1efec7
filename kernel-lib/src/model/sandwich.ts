import { CbmError, check, describeValue, rowError } from '../errors';
import { checkOptionSchema } from '../options';
import { isMissing, numericColumn, toTable, type DataInput, type Table } from '../data/table';
import { readOutcomeView } from '../data/outcome';
import { applyPreparationFor } from '../prepare/preparation';
import { designMatrix } from './design';
import { normalQuantile, studentTQuantile, twoSidedNormalP, twoSidedStudentP } from './distributions';
import { LinearModel } from './linear';
import { choleskyInPlace, choleskyInverse } from './linalg';
import { LogitModel } from './logit';
import { deriveColumns, deriveTermColumns } from './expression';

/** The heteroskedasticity-consistent estimators of `sandwich::vcovHC` (HC0–HC3) and `vcovCL` (HC0, HC1). */
export type RobustType = 'HC0' | 'HC1' | 'HC2' | 'HC3';

/** Options of {@link robustVcov}: the estimator, an optional cluster column and the interval level. */
export interface RobustVcovOptions {
  /** Default as sandwich: 'HC3' (vcovHC's default), or 'HC1' with `cluster` (vcovCL's default). */
  type?: RobustType;
  /** A column of `data` naming each row's cluster (e.g. the customer): cluster-robust, as `vcovCL(m, cluster = ~id)`. */
  cluster?: string;
  /** Coverage of the intervals (default the model's confidence level). */
  confidenceLevel?: number;
}

/** One coefficient with robust inference: z for a logit (normal), t on n − k df for a linear model (as lmtest::coeftest). */
export interface RobustCoefficientRow {
  term: string;
  estimate: number;
  stdError: number;
  /** estimate / stdError: z for the logit, t for the linear model. */
  statistic: number;
  pValue: number;
  ciLower: number;
  ciUpper: number;
}

/** What {@link robustVcov} returns: the robust covariance, standard errors and a coefficient table (as lmtest::coeftest prints it). */
export interface RobustVcov {
  /** The estimator used (HC0–HC3). */
  type: RobustType;
  /** The cluster column, or null for the heteroskedasticity-consistent (unclustered) form. */
  cluster: string | null;
  /** Clusters seen (null without `cluster`). */
  nClusters: number | null;
  /** 'normal' (logit: z) or 't' (linear: t on `df` degrees of freedom). */
  distribution: 'normal' | 't';
  /** n − k for the linear model, Infinity for the logit. */
  df: number;
  confidenceLevel: number;
  names: string[];
  /** The robust covariance, p×p row-major. */
  covariance: Float64Array;
  stdErrors: Float64Array;
  coefficients: RobustCoefficientRow[];
}

const TYPES: readonly RobustType[] = ['HC0', 'HC1', 'HC2', 'HC3'];

/**
 * Robust (sandwich) covariance of a fitted logit or linear model, recomputed from the rows it was
 * fitted on: V = B·M·B with bread B = (XᵀWX)⁻¹ (W = p(1 − p) for the logit, 1 for the linear model)
 * and meat M = Σ ωᵢ·rᵢ²·xᵢxᵢᵀ, rᵢ = yᵢ − μ̂ᵢ, as `sandwich::vcovHC(m, type)`: HC0 ω = 1; HC1 ω = n/(n − k);
 * HC2 ω = 1/(1 − hᵢ); HC3 ω = 1/(1 − hᵢ)², hᵢ the (weighted) hat values. With `cluster`, the scores are
 * summed within each cluster first, M = Σ_g s_g s_gᵀ, and HC1 scales by G/(G − 1)·(n − 1)/(n − k), as
 * `vcovCL(m, cluster = ~id, type = 'HC1')` (HC0: G/(G − 1) only). Inference follows
 * `lmtest::coeftest(m, vcov = V)`: z and the normal distribution for the logit, t on n − k degrees of
 * freedom for the linear model. Name the type: sandwich's defaults differ (HC3 without clusters, HC1 with).
 *
 * `data` must be the rows the model was fitted on, in any order but complete: the scores must sum to
 * zero at the estimates, which is checked (BAD_INPUT otherwise); rows with a missing cluster are refused.
 * HC2 and HC3 refuse a row of leverage 1 (e.g. the only member of a level), where they are 0/0.
 *
 * @example
 * const rows = [1, 2, 3, 4, 5, 6, 7, 8].map((x) => ({ x, y: 2 + 0.5 * x + (x % 3) * 0.4 * x, store: x % 2 }));
 * const model = fitLinear(rows, 'y ~ x');
 * robustVcov(model, rows, { type: 'HC3' }).stdErrors.length // 2
 * robustVcov(model, rows, { cluster: 'store' }).type // 'HC1'
 */
export function robustVcov(model: LogitModel | LinearModel, data: DataInput | Table, options: RobustVcovOptions = {}): RobustVcov {
  const context = 'robustVcov';
  check(model instanceof LogitModel || model instanceof LinearModel, `${context}: model must be a LogitModel (fitLogit) or a LinearModel (fitLinear), got ${describeValue(model)}`);
  checkOptionSchema(options, context, {
    type: { kind: 'oneOf', values: TYPES },
    cluster: { kind: 'text', example: "'customer_id'" },
    confidenceLevel: { kind: 'number', min: 0, max: 1, exclusive: 'both', example: '0.95' },
  });
  const { type, cluster: clusterColumn } = resolveRobust(options.type, options.cluster, 'type', context);
  const level = options.confidenceLevel ?? model.confidenceLevel;

  const raw = toTable(data, context);
  const preparation = model.preparation;
  const prepared = preparation ? applyPreparationFor(context, preparation, raw) : raw;
  const table = deriveTermColumns(deriveColumns(prepared, [model.response], context), model.spec.terms, context);
  const x = designMatrix(model.spec, table, context);
  const n = table.nRows;
  const p = x.length;
  const logit = model instanceof LogitModel;
  const fittedRows = model.statistics.nObs;
  check(n === fittedRows, `${context}: data has ${n} rows but the model was fitted on ${fittedRows}; pass the rows it was fitted on`);
  const y = logit ? readOutcomeView(table.cells(model.response), model.response, context, { event: model.event }) : numericColumn(table, model.response, context);
  const eta = logit ? model.linearPredictor(data) : model.predict(data);
  const residual = new Float64Array(n);
  const weight = new Float64Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    const mu = logit ? 1 / (1 + Math.exp(-eta[i])) : eta[i];
    if (logit) weight[i] = mu * (1 - mu);
    residual[i] = y[i] - mu;
  }
  const { clusters, nClusters } = clusterColumn === null ? { clusters: null, nClusters: null } : clusterIndices(raw, clusterColumn, context);
  const covariance = sandwichCovariance(x, residual, weight, { type, clusters, names: model.names, context, aliased: model.aliased });
  const stdErrors = Float64Array.from({ length: p }, (_, j) => Math.sqrt(covariance[j * p + j]));
  const df = logit ? Infinity : n - (p - model.aliased.length);
  const critical = logit ? normalQuantile(1 - (1 - level) / 2) : studentTQuantile(1 - (1 - level) / 2, df);
  const estimates = model.coefficients;
  return {
    type,
    cluster: clusterColumn,
    nClusters,
    distribution: logit ? 'normal' : 't',
    df,
    confidenceLevel: level,
    names: [...model.names],
    covariance,
    stdErrors,
    coefficients: model.names.map((term, j) => {
      const statistic = estimates[j] / stdErrors[j];
      return {
        term,
        estimate: estimates[j],
        stdError: stdErrors[j],
        statistic,
        pValue: logit ? twoSidedNormalP(statistic) : twoSidedStudentP(statistic, df),
        ciLower: estimates[j] - critical * stdErrors[j],
        ciUpper: estimates[j] + critical * stdErrors[j],
      };
    }),
  };
}

/** Which robust covariance a model carries: `{ type: 'HC3', cluster: null }`, or clustered by a column. */
export interface RobustSpec {
  type: RobustType;
  /** The column whose values group the rows into clusters, or null. */
  cluster: string | null;
}

/**
 * The robust type and cluster column a caller asked for, checked, with sandwich's defaults: HC3
 * (vcovHC's) without a cluster, HC1 (vcovCL's) with one. `typeOption` names the option in messages
 * ('type' for robustVcov, 'vcov' for the fits).
 *
 * @example
 * resolveRobust(undefined, 'customer', 'vcov', 'fitLogit'); // { type: 'HC1', cluster: 'customer' }
 * resolveRobust('HC0', undefined, 'vcov', 'fitLogit');      // { type: 'HC0', cluster: null }
 */
export function resolveRobust(type: unknown, cluster: unknown, typeOption: string, context: string): RobustSpec {
  check(
    cluster === undefined || cluster === null || (typeof cluster === 'string' && cluster.length > 0),
    `${context}: cluster must be a column name, got ${describeValue(cluster)}`,
  );
  const column = typeof cluster === 'string' ? cluster : null;
  const resolved = type ?? (column === null ? 'HC3' : 'HC1');
  check(TYPES.includes(resolved as RobustType), `${context}: ${typeOption} must be 'HC0', 'HC1', 'HC2' or 'HC3', got ${describeValue(resolved)}`);
  check(column === null || resolved === 'HC0' || resolved === 'HC1', `${context}: clustered covariances are 'HC0' or 'HC1' (vcovCL's), got '${String(resolved)}'`);
  return { type: resolved as RobustType, cluster: column };
}

/**
 * Each row's cluster as an index 0…G−1 (in order of first appearance) from `column` of `table`,
 * which must be the fitted rows. A missing label is NON_FINITE naming the row (a fit that left rows
 * out maps it to the row of its input: onInputRows); a single cluster is refused
 * (vcovCL's G/(G − 1) would divide by zero).
 *
 * @example
 * clusterIndices(toTable({ id: ['a', 'b', 'a'] }), 'id', 'fitLogit'); // { clusters: Uint32Array [0, 1, 0], nClusters: 2 }
 */
export function clusterIndices(table: Table, column: string, context: string): { clusters: Uint32Array; nClusters: number } {
  const labels = table.cells(column);
  const n = table.nRows;
  const index = new Map<string, number>();
  const clusters = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const label = labels[i];
    if (isMissing(label)) throw rowError(i, (row) => new CbmError('NON_FINITE', `${context}: cluster column '${column}' is missing in row ${row}`, { row, column }));
    const key = `${typeof label}:${String(label)}`;
    if (!index.has(key)) index.set(key, index.size);
    clusters[i] = index.get(key) as number;
  }
  check(index.size >= 2, `${context}: cluster '${column}' has a single value; clustered errors need at least two clusters`, { column });
  return { clusters, nClusters: index.size };
}

/**
 * A fit's robust covariance (the `vcov` and `cluster` options of fitLogit and fitLinear): the
 * options resolved by `resolveRobust`, the clusters read from `rows` (the fitted rows, after
 * na: 'omit' left out the incomplete ones), then `sandwichCovariance` with the fit's design columns, residuals y − μ̂ and working
 * weights. Null when neither option is given (the model keeps its model-based covariance).
 *
 * @example
 * const x = [new Float64Array(6).fill(1), Float64Array.from([1, 2, 3, 4, 5, 6])];
 * const e = Float64Array.from([1, -2, 1, 1, -2, 1]); // residuals orthogonal to the columns, as least squares leaves them
 * const rows = toTable({ store: ['a', 'a', 'b', 'b', 'c', 'c'] });
 * fitRobustCovariance(x, e, new Float64Array(6).fill(1), rows, { vcov: 'HC0' }, ['(Intercept)', 'x'], 'fitLinear')?.spec; // { type: 'HC0', cluster: null }
 * fitRobustCovariance(x, e, new Float64Array(6).fill(1), rows, { cluster: 'store' }, ['(Intercept)', 'x'], 'fitLinear')?.spec; // { type: 'HC1', cluster: 'store' }
 */
export function fitRobustCovariance(
  x: readonly Float64Array[],
  residual: Float64Array,
  weight: Float64Array,
  rows: Table,
  options: { vcov?: unknown; cluster?: unknown },
  names: readonly string[],
  context: string,
  aliased: readonly string[] = [],
): { spec: RobustSpec; covariance: Float64Array } | null {
  if (options.vcov === undefined && options.cluster === undefined) return null;
  const spec = resolveRobust(options.vcov, options.cluster, 'vcov', context);
  const clusters = spec.cluster === null ? null : clusterIndices(rows, spec.cluster, context).clusters;
  return { spec, covariance: sandwichCovariance(x, residual, weight, { type: spec.type, clusters, names, context, aliased }) };
}

/**
 * The sandwich itself, for design columns x, score residuals r (xᵢrᵢ is row i's score: y − μ for the
 * logit and the linear model, times the prior weight where there is one) and working weights w (the
 * bread's XᵀWX and the hat values hᵢ = wᵢ·xᵢᵀ(XᵀWX)⁻¹xᵢ): B·M·B with sandwich's HC0–HC3 or, given
 * each row's cluster index, vcovCL's clustered HC0/HC1 (see robustVcov). The scores must sum to zero
 * (the estimates solve the score equations on these rows), else BAD_INPUT. The one implementation:
 * robustVcov and any fit offering a `vcov` option call it with their design columns.
 */
export function sandwichCovariance(
  x: readonly Float64Array[],
  residual: Float64Array,
  weight: Float64Array,
  options: { type: RobustType; clusters?: Uint32Array | null; names: readonly string[]; context: string; aliased?: readonly string[] },
): Float64Array {
  const { aliased = [], ...rest } = options;
  if (aliased.length === 0) return sandwichOfColumns(x, residual, weight, rest);
  // Aliased columns (NaN estimates) are left out, as sandwich's meat and bread drop them; the
  // result keeps their NaN rows and columns, as vcov(m, complete = TRUE) does.
  const p = x.length;
  const kept = options.names.map((name, j) => (aliased.includes(name) ? -1 : j)).filter((j) => j >= 0);
  const reduced = sandwichOfColumns(
    kept.map((j) => x[j]),
    residual,
    weight,
    { ...rest, names: kept.map((j) => options.names[j]) },
  );
  const k = kept.length;
  const full = new Float64Array(p * p).fill(NaN);
  for (let r = 0; r < k; r++) for (let c = 0; c < k; c++) full[kept[r] * p + kept[c]] = reduced[r * k + c];
  return full;
}

function sandwichOfColumns(
  x: readonly Float64Array[],
  residual: Float64Array,
  weight: Float64Array,
  options: { type: RobustType; clusters?: Uint32Array | null; names: readonly string[]; context: string },
): Float64Array {
  const { type, clusters = null, names, context } = options;
  const n = residual.length;
  const p = x.length;
  const gram = new Float64Array(p * p);
  for (let j = 0; j < p; j++)
    for (let k = 0; k <= j; k++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += x[j][i] * weight[i] * x[k][i];
      gram[j * p + k] = s;
      gram[k * p + j] = s;
    }
  const diagonal = Array.from({ length: p }, (_, j) => gram[j * p + j]);
  if (choleskyInPlace(gram, p, 1e-10) >= 0) throw new CbmError('SINGULAR', `${context}: XᵀWX is singular on these rows; they cannot be the rows the model was fitted on`);
  const bread = choleskyInverse(gram, p);
  for (let j = 0; j < p; j++) {
    let score = 0;
    let scale = 0;
    for (let i = 0; i < n; i++) {
      score += x[j][i] * residual[i];
      scale += Math.abs(x[j][i] * residual[i]);
    }
    if (Math.abs(score) > 1e-6 * scale + 1e-8 * Math.sqrt(diagonal[j]))
      throw new CbmError('BAD_INPUT', `${context}: the scores of '${names[j]}' do not sum to zero on these rows; pass exactly the rows the model was fitted on`, {
        coefficient: names[j],
      });
  }
  const meat = new Float64Array(p * p);
  let adjustment = 1;
  if (clusters === null) {
    const omega = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let h = 0;
      if (type === 'HC2' || type === 'HC3') {
        for (let j = 0; j < p; j++) {
          let s = 0;
          for (let k = 0; k < p; k++) s += bread[j * p + k] * x[k][i];
          h += x[j][i] * s;
        }
        h *= weight[i];
        // A row with leverage 1 (say the only member of a level) is fitted exactly whatever its
        // response: its residual is 0 and 1 − h is 0, so HC2/HC3 divide rounding noise by rounding noise.
        if (1 - h < 1e-8)
          throw rowError(
            i,
            (row) =>
              new CbmError(
                'BAD_INPUT',
                `${context}: row ${row} has leverage ${h.toPrecision(12)} (≈ 1: it alone determines a coefficient, e.g. as the only member of a level), so ${type} is undefined; use 'HC0' or 'HC1', or merge that level`,
                { row, leverage: h },
              ),
          );
      }
      const r2 = residual[i] * residual[i];
      omega[i] = type === 'HC2' ? r2 / (1 - h) : type === 'HC3' ? r2 / ((1 - h) * (1 - h)) : r2;
    }
    if (type === 'HC1') adjustment = n / (n - p);
    for (let j = 0; j < p; j++)
      for (let k = 0; k <= j; k++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += x[j][i] * omega[i] * x[k][i];
        meat[j * p + k] = s;
        meat[k * p + j] = s;
      }
  } else {
    check(type === 'HC0' || type === 'HC1', `${context}: clustered covariances are 'HC0' or 'HC1' (vcovCL's), got '${type}'`);
    let g = 0;
    for (let i = 0; i < n; i++) g = Math.max(g, clusters[i] + 1);
    const sums = new Float64Array(g * p);
    for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) sums[clusters[i] * p + j] += x[j][i] * residual[i];
    for (let c = 0; c < g; c++) for (let j = 0; j < p; j++) for (let k = 0; k <= j; k++) meat[j * p + k] += sums[c * p + j] * sums[c * p + k];
    for (let j = 0; j < p; j++) for (let k = 0; k < j; k++) meat[k * p + j] = meat[j * p + k];
    adjustment = (g / (g - 1)) * (type === 'HC1' ? (n - 1) / (n - p) : 1);
  }
  return sandwichProduct(bread, meat, p, adjustment);
}

/** c·B·M·B for symmetric p×p B and M, exactly symmetric. */
function sandwichProduct(bread: Float64Array, meat: Float64Array, p: number, c: number): Float64Array {
  const half = new Float64Array(p * p);
  for (let i = 0; i < p; i++)
    for (let k = 0; k < p; k++) {
      let s = 0;
      for (let m = 0; m < p; m++) s += bread[i * p + m] * meat[m * p + k];
      half[i * p + k] = s;
    }
  const out = new Float64Array(p * p);
  for (let i = 0; i < p; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += half[i * p + k] * bread[k * p + j];
      out[i * p + j] = c * s;
      out[j * p + i] = c * s;
    }
  return out;
}
