import { CbmError, check, rowError } from '../errors';
import { checkOptionSchema, type OptionSchema } from '../options';
import { numericColumn, toTable, type DataInput, type Table } from '../data/table';
import { readOutcomeView } from '../data/outcome';
import {
  applyPreparationFor,
  checkPreparationSpec,
  fitPreparationFor,
  isPreparation,
  preparationToJSON,
  restrictPreparation,
  type Preparation,
  type PreparationSpec,
} from '../prepare/preparation';
import { newtonLogitConditioned } from './conditioning';
import type { NewtonOptions } from './irls';
import type { NewtonFit } from './newton';
import { completeRows, designMatrix, designSpec, onInputRows, type ColumnAllocator, type DesignSpec, type NaAction, type ProductColumn } from './design';
import { diagnoseFit, fitStatistics } from './diagnostics';
import { parseFormula, type Formula } from './formula';
import { deriveColumns, rawColumns } from './expression';
import { LogitModel } from './logit';
import type { Provenance } from './modelJson';
import { fitRobustCovariance, resolveRobust, type RobustType } from './sandwich';
import { hasPrior, logitPriorStatistics, positiveCount, priorSpec, priorVariables, proportionWarning, readPrior, splitOffset, type Prior, type PriorSpec } from './prior';

/**
 * The fit pipeline, the internal API every logistic fit reuses (fitLogit, stepwise, churn
 * models, in-database fits):
 *   1. `checkFitOptions` – options checked at the door (names and types);
 *   2. `prepareFit` – data to a table once, formula parsed, preparation fitted and applied,
 *      the 0/1 response read (`readOutcome`), a constant response refused;
 *   3. `designSpec` + `designMatrix` (design.ts) – the model matrix as columns;
 *   4. `fitDesign` – Newton on conditioned columns (conditioning.ts), diagnostics
 *      (diagnostics.ts) and the model object with a preparation trimmed to what its terms read.
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
  /** The response value that counts as the event, for text responses other than yes/no, true/false, 1/0. */
  event?: string | number | boolean;
  /** How the model is made (seed, split, settings), saved with it in toJSON. */
  provenance?: Provenance;
  /**
   * Rows with a missing value (null, undefined, NaN) in a variable of the formula: 'omit' (default,
   * R's na.omit) fits on the complete rows, lists the others in `model.droppedRows` and warns;
   * 'fail' refuses them (NON_FINITE naming the row). Not an option of the in-database fits.
   */
  na?: NaAction;
  /**
   * Robust (sandwich) standard errors, as `sandwich::vcovHC(m, type)`: the model then carries this
   * covariance, and its SEs, z, p and intervals follow (`model.vcov` records which). Default 'HC3'
   * when only `vcov` is named, 'HC1' with `cluster` (sandwich's defaults). In-memory fits only.
   */
  vcov?: RobustType;
  /** A column naming each row's cluster (e.g. the customer): clustered errors as `vcovCL(m, cluster = ~id)`. */
  cluster?: string;
  /**
   * A column of prior weights, as R's `glm(…, weights = n)`: aggregated rows (the response then
   * may be a proportion in [0, 1], R's `cbind(successes, failures)` as `successes/n` with weights
   * `n`). Weights must be ≥ 0; a zero-weight row counts in neither `nObs` nor the df, as R.
   */
  weights?: string;
  /**
   * An offset added to the linear predictor with coefficient 1, as R's `offset = log(exposure)`:
   * a column or a transform label; or write `offset(log(exposure))` in the formula. The model
   * keeps it: predict, scoringSQL and the saved JSON add it to V.
   */
  offset?: string;
}

/**
 * Every option of the fits (fitLogit, fitLinear, stepwise, fitLogitParallel and the in-database
 * fits), one rule each: a fit accepts the names it lists and checks them through this one table.
 * The rules marked 'any' are checked where they are read, by a check that knows more than a kind
 * (readOutcome the event, resolveRobust vcov and cluster, priorSpec weights and offset, tableSQL the
 * table, checkDialect the dialect, parseFilter the where, workerCount the workers, the model's
 * reader the provenance).
 */
export const FIT_OPTION_RULES = {
  prepare: { kind: 'object', example: "{ encode: { gender: { M: 1, F: 0 } }, scale: ['income'] }" },
  maxIterations: { kind: 'number', integer: true, min: 1, max: 10_000 },
  tolerance: { kind: 'number', min: 0, max: 1, exclusive: 'both', example: '1e-8' },
  confidenceLevel: { kind: 'number', min: 0, max: 1, exclusive: 'both', example: '0.95' },
  start: { kind: 'object', example: "{ '(Intercept)': -1 }" },
  event: { kind: 'any' },
  provenance: { kind: 'any' },
  na: { kind: 'oneOf', values: ['omit', 'fail'] },
  vcov: { kind: 'any' },
  cluster: { kind: 'any' },
  weights: { kind: 'any' },
  offset: { kind: 'any' },
  criterion: { kind: 'oneOf', values: ['aic', 'bic', 'p-value'] },
  alpha: { kind: 'number', min: 0, max: 1, exclusive: 'both', example: '0.05' },
  hierarchical: { kind: 'boolean' },
  workers: { kind: 'any' },
  table: { kind: 'any', required: true, example: "'customers'" },
  formula: { kind: 'text', required: true, example: "'responded ~ gender + age'" },
  dialect: { kind: 'any' },
  where: { kind: 'any' },
  warmStart: { kind: 'boolean' },
} as const satisfies OptionSchema;

/** The name of an option of one of the fits. */
export type FitOptionName = keyof typeof FIT_OPTION_RULES;

/** fitLogit's options (stepwise's without its search settings). */
export const FIT_OPTION_NAMES: readonly FitOptionName[] = ['prepare', 'maxIterations', 'tolerance', 'confidenceLevel', 'start', 'event', 'provenance', 'na'];

/**
 * Checks a fit's options against FIT_OPTION_RULES, the names in `allowed` only (a typo such as
 * `maxIteration` must not be ignored), and a `prepare` spec and a `start` at the door.
 */
export function checkFitOptions(options: object | undefined, context: string, allowed: readonly FitOptionName[] = FIT_OPTION_NAMES): void {
  refuseRobustOptions(options, allowed, context);
  // Said where they belong rather than as unknown options.
  const given = (options ?? {}) as Partial<Record<FitOptionName, unknown>>;
  if (!allowed.includes('weights') && (given.weights !== undefined || given.offset !== undefined)) throw priorRefused(context);
  checkOptionSchema(options, context, Object.fromEntries(allowed.map((name) => [name, FIT_OPTION_RULES[name]])));
  const { prepare, start } = (options ?? {}) as FitOptions;
  // A spec's names and kinds before any data is read (a fitted preparation is checked where it is applied).
  if (prepare !== undefined && !isPreparation(prepare)) checkPreparationSpec(prepare, context, 'prepare');
  for (const [name, value] of Object.entries(start ?? {})) {
    check(typeof value === 'number' && Number.isFinite(value), `${context}: start['${name}'] must be a finite number, got ${String(value)}`);
  }
}

/**
 * The fits without a robust covariance (stepwise, whose tests use the model-based covariance, and
 * the in-database fits) refuse `vcov` and `cluster` with this message rather than as unknown options.
 */
function refuseRobustOptions(options: object | undefined, allowed: readonly FitOptionName[], context: string): void {
  if (options === null || typeof options !== 'object' || allowed.includes('vcov')) return;
  const given = ['vcov', 'cluster'].filter((k) => (options as Record<string, unknown>)[k] !== undefined);
  if (given.length > 0)
    throw new CbmError(
      'BAD_INPUT',
      `${context}: ${given.join(' and ')} (robust standard errors) ${given.length === 1 ? 'is an option' : 'are options'} of fitLogit and fitLinear only; fit the chosen formula with fitLogit(data, formula, { vcov, cluster }) or use robustVcov(model, data)`,
      { options: given },
    );
}

/**
 * The warning of a fit that dropped incomplete rows (R's summary prints "(11 observations
 * deleted due to missingness)").
 */
export function droppedRowsWarning(droppedRows: readonly number[]): string[] {
  if (droppedRows.length === 0) return [];
  const shown = droppedRows.slice(0, 5).join(', ');
  return [
    `${droppedRows.length} observation${droppedRows.length === 1 ? '' : 's'} deleted due to missingness (na: 'omit'; rows ${shown}${droppedRows.length > 5 ? ', …' : ''}; see droppedRows)`,
  ];
}

/** What every fit of one formula on one data set shares. */
export interface PreparedData {
  /** The data after the preparation: what the design reads. */
  table: Table;
  /** The fitted preparation (null without one). */
  preparation: Preparation | null;
  formula: Formula;
  /** The response as 0/1. */
  y: Float64Array;
  event?: string | number | boolean;
  /** Rows of the input left out for a missing value (na: 'omit'), 0-based. */
  droppedRows: number[];
  /** The fitted rows as given (before the preparation): where a `cluster` column is read. */
  rows: Table;
  /** The prior weights and offset of the fitted rows (null: none). */
  prior: Prior;
  /** Their columns, as named in the options or the formula. */
  priorSpec: PriorSpec;
}

/** Step 2 of the pipeline: data, formula, preparation, response, checked once. */
export function prepareFit(data: DataInput | Table, formula: string, options: Pick<FitOptions, 'prepare' | 'event' | 'na' | 'weights' | 'offset'>, context: string): PreparedData {
  const input = toTable(data, context);
  check(input.nRows > 0, `${context}: the data has no rows`);
  const split = splitOffset(formula, context);
  const priorColumns = priorSpec(options, split.offset, context);
  const parsed = parseFormula(split.formula, { columns: input.names });
  const response = parsed.response;
  if (response === null) throw new CbmError('FORMULA_SYNTAX', `${context}: the formula needs a response on the left of '~', e.g. 'responded ~ gender + age'`);
  const { table: raw, droppedRows } = completeRows(input, [response, ...parsed.variables, ...priorVariables(priorColumns)], options.na ?? 'omit', context);
  return onInputRows(droppedRows, () => prepareCompleteRows(raw, droppedRows, parsed, response, priorColumns, options, context));
}

/** prepareFit on the complete rows (`raw`): prior, preparation, derived columns and the response. */
function prepareCompleteRows(
  raw: Table,
  droppedRows: number[],
  parsed: Formula,
  response: string,
  priorColumns: PriorSpec,
  options: Pick<FitOptions, 'prepare' | 'event'>,
  context: string,
): PreparedData {
  const prior = readPrior(raw, priorColumns, context);
  let preparation: Preparation | null = null;
  const prepare = options.prepare;
  if (prepare !== undefined) preparation = isPreparation(prepare) ? preparationToJSON(prepare) : fitPreparationFor(context, raw, prepare, 'prepare');
  const table = deriveColumns(preparation ? applyPreparationFor(context, preparation, raw) : raw, [response, ...parsed.variables], context);
  for (const v of [response, ...parsed.variables]) table.cells(v); // UNKNOWN_COLUMN early, with the column list
  const y =
    prior.weights !== null && options.event === undefined && isNumericColumn(table.cells(response))
      ? readProportion(table, response, context)
      : readOutcomeView(table.cells(response), response, context, { event: options.event });
  // Σw·y against Σw over the fitted rows: a response at 0 or at 1 wherever it has weight is constant.
  let ones = 0;
  let total = y.length;
  const weights = prior.weights;
  if (weights === null) {
    for (let i = 0; i < y.length; i++) ones += y[i];
  } else {
    total = 0;
    for (let i = 0; i < y.length; i++) {
      ones += weights[i] * y[i];
      total += weights[i];
    }
  }
  if (ones === 0 || ones === total) {
    throw new CbmError(
      'CONSTANT_RESPONSE',
      `${context}: the response '${response}' is ${ones === 0 ? 0 : 1} in all ${positiveCount(prior.weights, y.length)} rows, so there is nothing to model`,
      {
        column: response,
      },
    );
  }
  return { table, preparation, formula: parsed, y, event: options.event, droppedRows, rows: raw, prior, priorSpec: priorColumns };
}

/** A column of numbers (or true/false) only: with weights such a response is read as a proportion. */
function isNumericColumn(cells: ArrayLike<unknown>): boolean {
  if (cells instanceof Float64Array) return true;
  for (let i = 0; i < cells.length; i++) if (typeof cells[i] !== 'number' && typeof cells[i] !== 'boolean') return false;
  return true;
}

/** A weighted binomial response: proportions in [0, 1] (R's binomial family with prior weights). */
function readProportion(table: Table, name: string, context: string): Float64Array {
  const y = numericColumn(table, name, context);
  for (let i = 0; i < y.length; i++)
    if (!(y[i] >= 0 && y[i] <= 1))
      throw rowError(
        i,
        (row) =>
          new CbmError('BAD_INPUT', `${context}: with weights the response '${name}' must be a proportion between 0 and 1 (successes/trials), but it is ${y[i]} in row ${row}`, {
            column: name,
            row,
          }),
      );
  return y;
}

/**
 * Stepwise and the parallel fit take neither weights nor an offset (their candidate and worker
 * fits would drop them): they refuse a formula's offset() here rather than fit without it.
 */
export function refusePrior(prepared: PreparedData, context: string): void {
  if (prepared.priorSpec.weights !== null || prepared.priorSpec.offset !== null) throw priorRefused(context);
}

/** The error of a fit without prior weights and offsets (stepwise, fitLogitParallel) given one, as an option or in the formula. */
function priorRefused(context: string): CbmError {
  return new CbmError(
    'BAD_INPUT',
    `${context}: weights and offsets are options of fitLogit, fitLinear and fitLogitInDatabase; fit the model with fitLogit(data, formula, { weights, offset })`,
    {},
  );
}

/**
 * The start of a design's Newton fit: `startVector` (stepwise's parent estimates) or the user's
 * `start` by coefficient name (missing names start at 0), else undefined (the fit starts at zero
 * or warm). Shared by the in-memory and the in-database fit.
 *
 * @example
 * startVector(['(Intercept)', 'age'], { start: { age: 0.1 } }, 'fitLogit'); // Float64Array [0, 0.1]
 */
export function startVector(names: readonly string[], options: Pick<FitOptions, 'start'> & { startVector?: Float64Array }, context: string): Float64Array | undefined {
  if (options.startVector) return options.startVector;
  if (!options.start) return undefined;
  const start = new Float64Array(names.length);
  for (const [name, value] of Object.entries(options.start)) {
    const j = names.indexOf(name);
    check(j >= 0, `${context}: start names the unknown coefficient '${name}'`);
    start[j] = value;
  }
  return start;
}

/** Step 4: fits one design on prepared data (fitLogit and each of stepwise's candidates). */
export function fitDesign(
  prepared: PreparedData,
  spec: DesignSpec,
  columns: readonly Float64Array[],
  options: FitOptions & { startVector?: Float64Array },
  context: string,
): LogitModel {
  const fit = newtonLogitConditioned(columns, prepared.y, { ...designNewtonOptions(spec, options, context), ...prepared.prior });
  return modelOfFit(prepared, spec, columns, fit, options, context);
}

/**
 * The Newton options of one design's fit: limit, tolerance, start and the intercept's column.
 *
 * @example
 * const { spec } = logitDesign({ y: [0, 1, 1, 0], x: [1, 2, 3, 4] }, 'y ~ x', {}, 'fitLogit');
 * designNewtonOptions(spec, { maxIterations: 10, start: { x: 0.5 } }, 'fitLogit').start; // Float64Array [0, 0.5]
 */
export function designNewtonOptions(spec: DesignSpec, options: FitOptions & { startVector?: Float64Array }, context: string): NewtonOptions {
  const names = spec.columns.map((c) => c.name);
  const start = startVector(names, options, context);
  return { maxIterations: options.maxIterations, tolerance: options.tolerance, start, interceptColumn: spec.intercept ? 0 : -1 };
}

/**
 * The model of a design's Newton fit: diagnostics (errors for separation, no convergence, a
 * design with nothing estimable; warnings for aliased columns), statistics and the preparation trimmed to what its terms read.
 *
 * @example
 * const { prepared, spec, columns } = logitDesign({ y: [0, 1, 0, 1], x: [1, 2, 3, 4] }, 'y ~ x', {}, 'fitLogit');
 * // A converged fit as any answerer of the Newton driver returns it (here made by hand).
 * const fit = { coefficients: Float64Array.of(-1, 0.4), covariance: Float64Array.of(4, -1, -1, 0.5), logLikelihood: -2.7, iterations: 4,
 *   status: 'converged' as const, lastStep: new Float64Array(2), perfectlyFitted: 0, extremeFitted: 0, aliased: [], information: new Float64Array(4) };
 * modelOfFit(prepared, spec, columns, fit, {}, 'fitLogit').coefficient('x'); // 0.4
 */
export function modelOfFit(prepared: PreparedData, spec: DesignSpec, columns: readonly Float64Array[], fit: NewtonFit, options: FitOptions, context: string): LogitModel {
  const names = spec.columns.map((c) => c.name);
  // max|xⱼ| only matters for diagnosing a fit that failed: no extra pass over converged fits.
  const sizes =
    fit.status === 'converged'
      ? undefined
      : columns.map((x) => {
          let size = 0;
          for (let i = 0; i < x.length; i++) size = Math.max(size, Math.abs(x[i]));
          return size;
        });
  const warnings = [...diagnoseFit(fit, names, context, sizes), ...proportionWarning(prepared.y, prepared.prior.weights, prepared.droppedRows)];
  const variables = rawColumns(spec.terms.flatMap((t) => t.variables));
  const robust = onInputRows(prepared.droppedRows, () => logitRobustCovariance(prepared, columns, fit.coefficients, options, names, context)); // diagnoseFit has thrown unless converged
  return new LogitModel({
    response: prepared.formula.response!,
    spec,
    coefficients: fit.coefficients,
    covariance: robust ? robust.covariance : fit.covariance,
    vcov: robust ? robust.spec : null,
    statistics: hasPrior(prepared.prior) ? logitPriorStatistics(fit, columns, prepared.y, prepared.prior, spec.intercept) : fitStatistics(fit, prepared.y, spec.intercept),
    offset: prepared.priorSpec.offset,
    confidenceLevel: options.confidenceLevel ?? 0.95,
    preparation: prepared.preparation ? restrictPreparation(prepared.preparation, variables) : null,
    warnings: [...droppedRowsWarning(prepared.droppedRows), ...warnings],
    event: prepared.event,
    provenance: options.provenance,
    droppedRows: prepared.droppedRows,
  });
}

/** The logit's sandwich: scores xᵢ(yᵢ − μ̂ᵢ), working weights μ̂ᵢ(1 − μ̂ᵢ). */
function logitRobustCovariance(prepared: PreparedData, columns: readonly Float64Array[], beta: Float64Array, options: FitOptions, names: readonly string[], context: string) {
  if (options.vcov === undefined && options.cluster === undefined) return null;
  if (prepared.prior.weights !== null)
    throw new CbmError(
      'BAD_INPUT',
      `${context}: robust standard errors (vcov, cluster) are not available with prior weights; fit without weights (disaggregated rows) for sandwich errors`,
      {},
    );
  const n = prepared.y.length;
  const residual = new Float64Array(n);
  const weight = new Float64Array(n);
  const aliased = names.filter((_, j) => Number.isNaN(beta[j]));
  const offset = prepared.prior.offset;
  for (let i = 0; i < n; i++) {
    let eta = offset === null ? 0 : offset[i];
    for (let j = 0; j < columns.length; j++) if (!Number.isNaN(beta[j])) eta += columns[j][i] * beta[j];
    const mu = 1 / (1 + Math.exp(-eta));
    residual[i] = prepared.y[i] - mu;
    weight[i] = mu * (1 - mu);
  }
  return fitRobustCovariance(columns, residual, weight, prepared.rows, options, names, context, aliased);
}

/**
 * Steps 2 and 3 for one formula (options already checked): the prepared data, the design and its
 * columns (new ones made by `allocate`; product columns left to the caller with `deferred`: see
 * designMatrix).
 *
 * @example
 * logitDesign({ y: [0, 1, 0, 1], x: [1, 2, 3, 4] }, 'y ~ x', {}, 'fitLogit').columns.length; // 2
 */
export function logitDesign(
  data: DataInput | Table,
  formula: string,
  options: FitOptions,
  context: string,
  allocate?: ColumnAllocator,
  deferred?: ProductColumn[],
): { prepared: PreparedData; spec: DesignSpec; columns: Float64Array[] } {
  const prepared = prepareFit(data, formula, options, context);
  return onInputRows(prepared.droppedRows, () => {
    const spec = designSpec(prepared.formula, prepared.table, context);
    const columns = designMatrix(spec, prepared.table, context, allocate, deferred);
    check(columns.length > 0, `${context}: the model has no terms and no intercept`);
    return { prepared, spec, columns };
  });
}

/**
 * Fits a logistic regression of `formula` on `data` (rows or columns) by maximum likelihood.
 * A column that is a linear combination of earlier ones is aliased, as R's glm: estimate NaN,
 * listed in `model.aliased`, with a warning. Errors are specific CbmErrors: UNKNOWN_COLUMN,
 * NON_FINITE, CONSTANT_RESPONSE, SINGULAR (no estimable column at all), SEPARATION, NOT_CONVERGED,
 * FORMULA_SYNTAX, BAD_INPUT.
 *
 * @example
 * const rows = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => ({ x: i, bought: ['no', 'no', 'yes', 'no', 'yes', 'no', 'yes', 'yes'][i] }));
 * const model = fitLogit(rows, 'bought ~ x'); // 'yes' is the event
 * model.coefficient('x') > 0; // true
 */
export function fitLogit(data: DataInput | Table, formula: string, options: FitOptions = {}): LogitModel {
  const context = 'fitLogit';
  checkFitOptions(options, context, [...FIT_OPTION_NAMES, 'vcov', 'cluster', 'weights', 'offset']);
  resolveRobust(options.vcov, options.cluster, 'vcov', context); // bad vcov/cluster before the fit
  const { prepared, spec, columns } = logitDesign(data, formula, options, context);
  return fitDesign(prepared, spec, columns, options, context);
}
