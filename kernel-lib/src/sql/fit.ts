import { CbmError, check } from '../errors';
import { checkedDesignSpec, type DesignSpec } from '../model/design';
import { parseFormula, type Formula } from '../model/formula';
import { checkStepwiseOptions, STEPWISE_OPTION_NAMES, stepwiseSearch, type StepwiseOptions, type StepwiseResult } from '../model/stepwise';
import { columnScaling, fitToOriginal, newtonLogitConditioned, scalingFromMoments, toScaled, type ColumnScaling } from '../model/conditioning';
import { EXTREME_ETA, newtonSteps, type NewtonFit } from '../model/newton';
import { logChoose, priorSpec, priorStatistics, priorVariables, splitOffset, type PriorSpec } from '../model/prior';
import { diagnoseFit, fitStatistics } from '../model/diagnostics';
import { checkFitOptions, FIT_OPTION_NAMES, startVector, type FitOptionName, type FitOptions } from '../model/fit';
import { LogitModel } from '../model/logit';
import { checkEncodings } from '../prepare/encode';
import { isPreparation, preparationToJSON, restrictPreparation, type Preparation, type PreparationSpec } from '../prepare/preparation';
import { learnedRange, scalerFromRanges } from '../prepare/scale';
import { checkedRun, type SqlDialect, type SqlExecutor, type SqlRow, type SqlRun } from './executor';
import { checkDialect, doubleType, expMinusAbsSQL, quoteIdentifier, quoteString, sampleClause, samplesTables, sqlNumber, stagedAggregateSQL, textType, trimSQL } from './dialect';
import { aliasesShadowColumns } from './dialect';
import { designColumnSQL, offsetSQL, own, preparedVariableSQL, tableSQL } from './scoring';
import { filterSQL } from './filter';
import { parseFilter } from '../model/filter';
import { quoteColumnName, rawColumns } from '../model/expression';

/** Options of {@link fitLogitInDatabase}: fitLogit's options (without `na`) plus the table, the formula, the dialect and a row filter. */
export interface InDatabaseFitOptions extends Omit<FitOptions, 'na'> {
  /** The table or view holding the rows: a name or [schema, name]. */
  table: string | readonly string[];
  /** An R formula over the table's columns, e.g. 'responded ~ gender:age + income'. */
  formula: string;
  /** The SQL dialect; default: the executor's, or 'duckdb' for a bare run function. */
  dialect?: SqlDialect;
  /** A row filter in R's syntax selecting the rows to fit on, e.g. 'contacted & age >= 30' (see parseFilter); not SQL. */
  where?: string;
  /** Start from a fit on a ~20,000-row sample when the table has more than 100,000 rows (default true). */
  warmStart?: boolean;
}

// Incomplete rows are refused in the database (NON_FINITE naming the column): no `na` option there.
const FIT_KEYS: readonly FitOptionName[] = [...FIT_OPTION_NAMES.filter((k) => k !== 'na'), 'table', 'formula', 'dialect', 'where', 'warmStart', 'weights', 'offset'];
/** Above this many coefficients one aggregate pass would carry too many sums (p(p+1)/2). */
const MAX_COLUMNS = 120;
/** A text factor with more levels than this is almost surely an identifier, not a category. */
const MAX_LEVELS = 500;
const WARM_START_ROWS = 100_000;
/** Rows of the warm-start sample: enough for a start within a few standard errors, few enough to read quickly (drivers convert each value). */
const WARM_START_SAMPLE = 20_000;
const SAMPLE_SEED = 20_240_601;
/** The names the fit's queries give their results (profile, moments, Newton pass), which a column must not have where aliases shadow columns. */
const RESULT_NAMES = /^(?:n|ones|bad|ll|extreme|perfect|[cemvga]\d+|lo\d+|hi\d+|h\d+_\d+)$/;

/** Everything a fit on one design needs that does not depend on the design. */
export interface InDatabaseData {
  run: SqlRun;
  dialect: SqlDialect;
  from: string;
  where: string | null;
  formula: Formula;
  response: string;
  /** The response as a 0/1 double in SQL. */
  ySQL: string;
  preparation: Preparation | null;
  factorLevels: Record<string, string[]>;
  n: number;
  ones: number;
  event: string | number | boolean | undefined;
  /** Design columns' mean and population variance by name (for conditioning), filled as fits need them. */
  moments: Map<string, { mean: number; variance: number }>;
  /** Prior weights and offset as SQL (null: none), their columns, and the sums their statistics need. */
  prior: InDatabasePrior | null;
}

/** A weighted or offset fit's SQL and sums (see priorStatistics). */
interface InDatabasePrior {
  spec: PriorSpec;
  /** The weight as a double, or null for ones. */
  weightSQL: string | null;
  /** The offset as a double, or null for none. */
  offsetSQL: string | null;
  /** Σ w (the ones' weighted total is `ones`). */
  total: number;
  /** Rows with a positive weight (R's nobs). */
  positive: number;
  /** Σ w·[y log y + (1 − y) log(1 − y)]: deviance = 2(this − log-likelihood kernel). */
  entropy: number;
  /** Σ log C(round(w), round(w·y)) over the rows: logLik = this + the kernel (whole counts). */
  choose: number;
  /** The null model's log-likelihood kernel, once computed. */
  nullKernel?: number;
}

/**
 * Fits a logistic regression of `formula` on a database table inside the database (the approach
 * of Apache MADlib's `logregr_train`): the rows never leave it. Each Newton step is one aggregate query that
 * returns the log-likelihood, the p gradient sums Σ(y − μ)xⱼ and the p(p+1)/2 Hessian sums
 * Σ μ(1 − μ)xⱼxₖ in one pass over the table; the p×p algebra, the convergence test, step
 * halving, aliasing, separation and the statistics are the library's own (the same code
 * fitLogit runs), so the result is the same `LogitModel` with the same summary and JSON.
 *
 * Before the Newton passes: one row (`LIMIT 1`) tells the column names and kinds, one
 * `SELECT DISTINCT` reads the levels of text factors (sorted in code-unit order, as fitLogit
 * does), and one profiling pass counts rows and NULLs, learns the scaling ranges, checks the
 * encodings and counts the response's ones. Above 100,000 rows the Newton passes start from a
 * fit on a repeatable Bernoulli sample of about 20,000 rows (fitted in memory by the library's
 * Newton code), which saves two or three passes over the table.
 *
 * `where` is a row filter in R's syntax (`contacted & age >= 30`, see `parseFilter`), never SQL:
 * the library parses it and writes the condition itself (`filterSQL`), so it selects the rows
 * `filterRows` would select in memory. Everything (table, formula names, levels, codes, the
 * filter's columns and literals) is quoted or escaped by the library.
 *
 * Errors are the CbmErrors fitLogit raises (UNKNOWN_COLUMN, NON_FINITE, CONSTANT_RESPONSE,
 * SINGULAR, SEPARATION, NOT_CONVERGED, FORMULA_SYNTAX), plus SQL_ERROR from the database.
 *
 * @example
 * // const db = await openDuckDB('out/cbm.duckdb');
 * // const model = await fitLogitInDatabase(db, { table: 'customers', formula: 'responded ~ gender:age + gender:income',
 * //   prepare: { encode: { gender: { M: 1, F: 0 } }, scale: ['income', 'age'] }, where: 'contacted == 1' });
 * const options: InDatabaseFitOptions = { table: 'customers', formula: 'responded ~ age' };
 */
export async function fitLogitInDatabase(run: SqlRun | SqlExecutor, options: InDatabaseFitOptions): Promise<LogitModel> {
  const context = 'fitLogitInDatabase';
  const data = await prepareInDatabase(run, options, context);
  const spec = designSpecInDatabase(data, data.formula, context);
  return fitSpecInDatabase(data, spec, options, context);
}

/** The run function (its errors made CbmErrors) and the dialect: the option's, else the executor's, else DuckDB's for a bare function. */
function runAndDialect(executor: SqlRun | SqlExecutor, option: SqlDialect | undefined, context: string): { run: SqlRun; dialect: SqlDialect } {
  if (typeof executor !== 'function')
    check(
      executor !== null && typeof executor === 'object' && typeof executor.run === 'function',
      `${context}: the first argument must be an executor (openDuckDB, openPostgres) or a function (sql) => Promise<rows>`,
    );
  const dialect = option ?? (typeof executor === 'function' ? 'duckdb' : executor.dialect);
  checkDialect(dialect, context);
  return { run: checkedRun(typeof executor === 'function' ? executor : (sql) => executor.run(sql), context), dialect };
}

/**
 * The `prepare` option: a fitted preparation as it is (checked), or a spec's encodings and the
 * columns to scale, whose ranges the profiling pass learns. The spec's names, kinds and encodings
 * were checked at the door (checkFitOptions, through checkPreparationSpec).
 */
function preparationOption(
  prepare: PreparationSpec | Preparation | undefined,
  context: string,
): {
  preparation: Preparation | null;
  encodings: Record<string, Record<string, number>>;
  scale: string[];
} {
  if (prepare === undefined) return { preparation: null, encodings: {}, scale: [] };
  if (isPreparation(prepare)) {
    checkEncodings(prepare.encodings, `${context}: prepare.encodings`);
    scalerFromRanges(prepare.ranges);
    return { preparation: preparationToJSON(prepare), encodings: {}, scale: [] };
  }
  const encodings = JSON.parse(JSON.stringify(prepare.encode ?? {}));
  return { preparation: null, encodings, scale: [...(prepare.scale ?? [])] };
}

/** Every column the fit reads is in the table, and none would be read as one of the fit's own result names (a dialect whose aliases shadow columns). */
function checkColumnsInDatabase(used: readonly string[], columns: readonly string[], dialect: SqlDialect, context: string): void {
  for (const v of used) {
    if (!columns.includes(v))
      throw new CbmError('UNKNOWN_COLUMN', `${context}: unknown column '${v}'; the table has ${columns.map((c) => `'${c}'`).join(', ')}`, { column: v, available: columns });
  }
  const shadowed = aliasesShadowColumns(dialect) ? used.find((v) => RESULT_NAMES.test(v)) : undefined;
  if (shadowed !== undefined)
    throw new CbmError('BAD_INPUT', `${context}: on ${dialect} a column named '${shadowed}' would read as a result of the fit's queries; rename it (e.g. in a view)`, {
      column: shadowed,
    });
}

/** Refuses the columns with NULLs, from a profile row holding n = COUNT(*) and c<k> = COUNT(column k of `used`). */
function refuseNullColumns(profile: SqlRow, used: readonly string[], response: string, context: string): void {
  const total = Number(profile.n);
  used.forEach((v, k) => {
    const missing = total - Number(profile[`c${k}`]);
    if (missing > 0) {
      throw new CbmError(
        'NON_FINITE',
        `${context}: column '${v}' is NULL in ${missing} of ${total} rows; ${v === response ? 'fit on rows with a known outcome only' : 'fill or filter them'} (e.g. where: '!is.na(${quoteColumnName(v)})')`,
        { column: v, missing },
      );
    }
  });
}

/** The sorted levels of each text factor, one SELECT DISTINCT per column in one statement; more than MAX_LEVELS is TOO_LARGE. */
async function factorLevelsInDatabase(run: SqlRun, dialect: SqlDialect, rows: string, factors: readonly string[], context: string): Promise<Record<string, string[]>> {
  const levels: Record<string, string[]> = Object.create(null);
  if (factors.length === 0) return levels;
  const parts = factors.map(
    (v, k) => `SELECT ${k} AS k, level FROM (SELECT DISTINCT CAST(${quoteIdentifier(dialect, v)} AS ${textType(dialect)}) AS level FROM ${rows} LIMIT ${MAX_LEVELS + 1}) AS d${k}`,
  );
  const found = await run(parts.join(' UNION ALL '));
  for (const v of factors) levels[v] = [];
  for (const row of found) levels[factors[Number(row.k)]].push(String(row.level));
  for (const v of factors) {
    if (levels[v].length > MAX_LEVELS)
      throw new CbmError('TOO_LARGE', `${context}: column '${v}' has more than ${MAX_LEVELS} distinct text values; it looks like an identifier, not a category (group it first)`, {
        column: v,
      });
    levels[v].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
  return levels;
}

/** The checks, profile, levels and ranges shared by fitLogitInDatabase and stepwiseInDatabase. */
export async function prepareInDatabase(
  executor: SqlRun | SqlExecutor,
  options: InDatabaseFitOptions,
  context: string,
  extraKeys: readonly FitOptionName[] = [],
): Promise<InDatabaseData> {
  check(
    options !== null && typeof options === 'object' && !Array.isArray(options),
    `${context}: options with a table and a formula are required, e.g. { table: 'customers', formula: 'responded ~ age' }`,
  );
  checkFitOptions(options, context, [...FIT_KEYS, ...extraKeys]);
  const { run, dialect } = runAndDialect(executor, options.dialect, context);
  const from = tableSQL(dialect, options.table, context);
  let where: string | null = null;
  if (options.where !== undefined) {
    check(typeof options.where === 'string' && options.where.trim().length > 0, `${context}: where must be a filter such as 'contacted == 1' (R syntax, not SQL)`);
    where = filterSQL(dialect, parseFilter(options.where, `${context}: where`));
  }
  const whereSQL = where ? ` WHERE ${where}` : '';

  // The column names (for '.', and to name unknown columns as fitLogit does).
  const first = await run(`SELECT * FROM ${from}${whereSQL} LIMIT 1`);
  if (first.length === 0) throw new CbmError('BAD_INPUT', `${context}: the table ${from}${where ? ` has no rows where ${options.where}` : ' has no rows'}`);
  const columns = Object.keys(first[0]);
  const split = splitOffset(options.formula, context);
  const priorColumns = priorSpec(options, split.offset, context);
  const formula = parseFormula(split.formula, { columns });
  if (formula.response === null) throw new CbmError('FORMULA_SYNTAX', `${context}: the formula needs a response on the left of '~', e.g. 'responded ~ gender + age'`);
  const response = formula.response;

  const given = preparationOption(options.prepare, context);
  let preparation = given.preparation;
  const { encodings, scale } = given;
  const encoded = new Set(Object.keys(preparation?.encodings ?? encodings));
  const used = [...new Set([response, ...formula.variables, ...encoded, ...scale, ...Object.keys(preparation?.ranges ?? {}), ...rawColumns(priorVariables(priorColumns))])];
  checkColumnsInDatabase(used, columns, dialect, context);

  // A column's kind (text, number, boolean) is the JS type of its value in the first row. A NULL
  // there means the column has NULLs: count them now, for the error (the common path counts
  // NULLs in the one profiling pass below).
  const q = (name: string) => quoteIdentifier(dialect, name);
  const nullCounts = `COUNT(*) AS n, ${used.map((v, k) => `COUNT(${q(v)}) AS c${k}`).join(', ')}`;
  const refuseNulls = (profile: SqlRow) => refuseNullColumns(profile, used, response, context);
  if (used.some((v) => first[0][v] === null || first[0][v] === undefined)) refuseNulls((await run(`SELECT ${nullCounts} FROM ${from}${whereSQL}`))[0]);
  const kind = new Map<string, 'text' | 'number' | 'boolean'>();
  for (const v of used) {
    const value = first[0][v];
    kind.set(v, typeof value === 'string' ? 'text' : typeof value === 'boolean' ? 'boolean' : 'number');
  }
  for (const v of scale) {
    if (kind.get(v) === 'text' && !encoded.has(v))
      throw new CbmError('BAD_INPUT', `${context}: column '${v}' holds text, so it cannot be scaled; encode it first (prepare.encode)`, { column: v });
  }

  // Levels of text factors, one SELECT DISTINCT per column in one statement.
  const factors = formula.variables.filter((v) => kind.get(v) === 'text' && !encoded.has(v));
  const levels = await factorLevelsInDatabase(run, dialect, `${from}${whereSQL}`, factors, context);

  const ySQL = await outcomeSQL(run, dialect, from, whereSQL, response, kind.get(response)!, options.event, context);
  const rk = options.event === undefined ? kind.get(response) : 'event';
  // The profiling pass: row and NULL counts, the response's ones (and values other than 0/1),
  // values without an encoding, scaling ranges.
  const weightSQL = priorColumns.weights === null ? null : `CAST(${q(priorColumns.weights)} AS ${doubleType(dialect)})`;
  const checks: string[] = [nullCounts, `SUM(${weightSQL === null ? ySQL : `${weightSQL} * ${ySQL}`}) AS ones`];
  // With weights a numeric response is a proportion in [0, 1] (as fitLogit).
  if (rk === 'number' && weightSQL === null) checks.push(`SUM(CASE WHEN ${ySQL} = 0 OR ${ySQL} = 1 THEN 0 ELSE 1 END) AS bad`);
  if (rk === 'number' && weightSQL !== null) checks.push(`SUM(CASE WHEN ${ySQL} >= 0 AND ${ySQL} <= 1 THEN 0 ELSE 1 END) AS bad`);
  if (weightSQL !== null)
    checks.push(
      `SUM(${weightSQL}) AS wsum`,
      `SUM(CASE WHEN ${weightSQL} < 0 THEN 1 ELSE 0 END) AS wneg`,
      `SUM(CASE WHEN ${weightSQL} > 0 THEN 1 ELSE 0 END) AS wpos`,
      `SUM(${weightSQL} * (CASE WHEN ${ySQL} > 0 AND ${ySQL} < 1 THEN ${ySQL} * LN(${ySQL}) + (1 - ${ySQL}) * LN(1 - ${ySQL}) ELSE 0 END)) AS went`,
    );
  const encodedList = [...encoded];
  const encodeOnly: Preparation = { encodings: preparation?.encodings ?? encodings, ranges: {} };
  encodedList.forEach((v, k) => checks.push(`COUNT(${preparedVariableSQL(dialect, v, encodeOnly)}) AS e${k}`));
  scale.forEach((v, k) => {
    const value = preparedVariableSQL(dialect, v, encodeOnly);
    checks.push(`MIN(${value}) AS lo${k}`, `MAX(${value}) AS hi${k}`);
  });
  const counts = (await run(`SELECT ${checks.join(', ')} FROM ${from}${whereSQL}`))[0];
  refuseNulls(counts);
  const n = Number(counts.n);
  if (rk === 'number' && Number(counts.bad) > 0) {
    throw new CbmError(
      'BAD_INPUT',
      weightSQL === null
        ? `${context}: the response '${response}' must be 0 or 1, but ${Number(counts.bad)} rows hold other values`
        : `${context}: with weights the response '${response}' must be a proportion between 0 and 1 (successes/trials), but ${Number(counts.bad)} rows hold other values`,
      { column: response },
    );
  }
  if (weightSQL !== null && Number(counts.wneg) > 0)
    throw new CbmError('BAD_INPUT', `${context}: weights must not be negative, but '${priorColumns.weights}' is negative in ${Number(counts.wneg)} rows`, {
      column: priorColumns.weights,
    });
  if (weightSQL !== null && Number(counts.wpos) === 0)
    throw new CbmError('BAD_INPUT', `${context}: every weight in '${priorColumns.weights}' is zero, so no row is left to fit`, { column: priorColumns.weights });
  for (const [k, v] of encodedList.entries()) {
    if (Number(counts[`e${k}`]) < n) {
      const codes = encodeOnly.encodings[v];
      const example = await run(
        `SELECT ${q(v)} AS v FROM ${from} WHERE ${where ? `${where} AND ` : ''}${q(v)} NOT IN (${Object.keys(codes)
          .map((c) => quoteString(dialect, c))
          .join(', ')}) LIMIT 1`,
      );
      throw new CbmError(
        'BAD_INPUT',
        `${context}: column '${v}' has the value '${String(example[0]?.v)}', which has no code (codes: ${Object.entries(codes)
          .map(([c, x]) => `'${c}' → ${x}`)
          .join(', ')})`,
        { column: v },
      );
    }
  }
  if (!preparation && (encodedList.length > 0 || scale.length > 0)) {
    const ranges: Record<string, { min: number; max: number }> = Object.create(null);
    scale.forEach((v, k) => (ranges[v] = learnedRange(v, Number(counts[`lo${k}`]), Number(counts[`hi${k}`]), context)));
    preparation = preparationToJSON({ encodings, ranges });
  } else if (!preparation && options.prepare !== undefined) {
    preparation = { encodings: {}, ranges: {} };
  }
  const ones = Number(counts.ones);
  const total = weightSQL === null ? n : Number(counts.wsum);
  if (ones === 0 || ones === total) {
    throw new CbmError('CONSTANT_RESPONSE', `${context}: the response '${response}' is ${ones === 0 ? 0 : 1} in all ${n} rows, so there is nothing to model`, { column: response });
  }
  const factorLevels: Record<string, string[]> = Object.create(null);
  for (const v of factors) factorLevels[v] = levels[v];
  let prior: InDatabasePrior | null = null;
  if (weightSQL !== null || priorColumns.offset !== null) {
    prior = {
      spec: priorColumns,
      weightSQL,
      offsetSQL: priorColumns.offset === null ? null : offsetSQL(dialect, priorColumns.offset),
      total,
      positive: weightSQL === null ? n : Number(counts.wpos),
      entropy: weightSQL === null ? 0 : Number(counts.went),
      choose: weightSQL === null ? 0 : await logChooseSum(run, from, where, weightSQL, ySQL),
    };
  }
  return { run, dialect, from, where, formula, response, ySQL, preparation, factorLevels, n, ones, event: options.event, moments: new Map(), prior };
}

/** Most distinct (trials, successes) pairs read for the log-choose terms of a weighted fit. */
const MAX_COUNT_PAIRS = 100_000;

/**
 * Σ log C(m, k), m = round(w), k = round(w·y), over rows with w > 0: the constant of R's binomial
 * log-likelihood for weighted proportions, from the distinct (m, k) pairs and their counts (few
 * for aggregated data; the database has no log-gamma in every dialect).
 */
async function logChooseSum(run: SqlRun, from: string, where: string | null, weightSQL: string, ySQL: string): Promise<number> {
  const rows = await run(
    `SELECT m, k, COUNT(*) AS c FROM (SELECT ROUND(${weightSQL}) AS m, ROUND(${weightSQL} * ${ySQL}) AS k FROM ${from} WHERE ${where ? `(${where}) AND ` : ''}${weightSQL} > 0) AS cbm_counts GROUP BY m, k LIMIT ${MAX_COUNT_PAIRS + 1}`,
  );
  if (rows.length > MAX_COUNT_PAIRS)
    throw new CbmError(
      'TOO_LARGE',
      `fitLogitInDatabase: the weights and proportions form more than ${MAX_COUNT_PAIRS} distinct (trials, successes) pairs; aggregate the rows first`,
      {},
    );
  let sum = 0;
  for (const r of rows) sum += Number(r.c) * logChoose(Number(r.m), Number(r.k));
  return sum;
}

/** The design of `formula` with the factor levels read from the table (a single-level factor is SINGULAR, as in fitLogit). */
export function designSpecInDatabase(data: InDatabaseData, formula: Pick<Formula, 'intercept' | 'terms'>, context: string): DesignSpec {
  const spec = checkedDesignSpec(formula, (v) => own(data.factorLevels, v) ?? null, data.n, context);
  check(spec.columns.length > 0, `${context}: the model has no terms and no intercept`);
  if (spec.columns.length > MAX_COLUMNS)
    throw new CbmError(
      'TOO_LARGE',
      `${context}: the design has ${spec.columns.length} columns; an in-database fit takes at most ${MAX_COLUMNS} (each Newton pass sums p(p+1)/2 products)`,
      { columns: spec.columns.length },
    );
  return spec;
}

/** One evaluation pass at β: log-likelihood, and optionally gradient, lower-triangle Hessian, extreme-fit counts and max|xⱼ|. */
interface Pass {
  logLikelihood: number;
  gradient: Float64Array;
  hessian: Float64Array;
  perfect: number;
  extreme: number;
  maxAbs: Float64Array;
}

/**
 * The SQL of one pass: stages compute each row's design values, then η, then e^−|η|, then the
 * residual y − μ and the weight once, and one row of sums comes back (stagedAggregateSQL: nested selects, or on
 * ClickHouse one flat aggregate that runs on every shard). Stage names start with `cbm_`.
 */
function passSQL(data: InDatabaseData, xs: readonly (string | null)[], beta: Float64Array, withHessian: boolean, maxAbs: ((j: number) => string) | null): string {
  const { dialect } = data;
  const p = xs.length;
  const x = (j: number) => `cbm_x${j}`;
  const addends: string[] = [];
  let constant = 0;
  xs.forEach((sql, j) => {
    if (sql === null) constant += beta[j];
    else if (beta[j] !== 0) addends.push(`${sqlNumber(dialect, beta[j])} * ${x(j)}`);
  });
  const one = sqlNumber(dialect, 1);
  const prior = data.prior;
  const inputs: [string, string][] = [['cbm_y', data.ySQL], ...xs.flatMap((sql, j): [string, string][] => (sql === null ? [] : [[x(j), sql]]))];
  if (prior?.offsetSQL) inputs.push(['cbm_o', prior.offsetSQL]);
  if (prior?.weightSQL) inputs.push(['cbm_pw', prior.weightSQL]);
  // A prior weight multiplies each row's log-likelihood, residual and weight (as fitLogit's pass).
  const weighted = (sql: string) => (prior?.weightSQL ? `cbm_pw * (${sql})` : sql);
  const stages: [string, string][][] = [
    inputs,
    [['cbm_eta', [sqlNumber(dialect, constant), ...addends, ...(prior?.offsetSQL ? ['cbm_o'] : [])].join(' + ')]],
    [['cbm_t', expMinusAbsSQL(dialect, 'cbm_eta')]],
    // μ = 1/(1 + t) for η ≥ 0 and t/(1 + t) below; the weight μ(1 − μ) = t/(1 + t)² either way,
    // written from t alone so that η enters each sum as few times as possible (ClickHouse expands
    // every alias into each sum before it finds the common parts).
    [
      ['cbm_r', weighted(`cbm_y - (CASE WHEN cbm_eta >= 0 THEN ${one} ELSE cbm_t END) / (${one} + cbm_t)`)],
      ['cbm_w', weighted(`cbm_t / ((${one} + cbm_t) * (${one} + cbm_t))`)],
    ],
  ];
  const limit = sqlNumber(dialect, EXTREME_ETA);
  const sums = [
    `SUM(${weighted(`cbm_y * cbm_eta - greatest(cbm_eta, ${sqlNumber(dialect, 0)}) - LN(${one} + cbm_t)`)}) AS ll`,
    `SUM(CASE WHEN cbm_eta > ${limit} OR cbm_eta < -${limit} THEN 1 ELSE 0 END) AS extreme`,
    `SUM(CASE WHEN (cbm_eta > ${limit} AND cbm_y = 1) OR (cbm_eta < -${limit} AND cbm_y = 0) THEN 1 ELSE 0 END) AS perfect`,
  ];
  if (withHessian) {
    for (let a = 0; a < p; a++) {
      sums.push(`SUM(${xs[a] === null ? 'cbm_r' : `cbm_r * ${x(a)}`}) AS g${a}`);
      for (let b = 0; b <= a; b++) {
        const factors = ['cbm_w', ...(xs[a] === null ? [] : [x(a)]), ...(xs[b] === null ? [] : [x(b)])];
        sums.push(`SUM(${factors.join(' * ')}) AS h${a}_${b}`);
      }
    }
  }
  if (maxAbs) xs.forEach((sql, j) => sums.push(sql === null ? `${one} AS a${j}` : `${maxAbs(j)} AS a${j}`));
  return stagedAggregateSQL(dialect, { from: data.from, where: data.where }, stages, sums);
}

async function runPass(
  data: InDatabaseData,
  xs: readonly (string | null)[],
  beta: Float64Array,
  withHessian: boolean,
  maxAbsSQL: ((j: number) => string) | null,
  context: string,
): Promise<Pass> {
  const withMaxAbs = maxAbsSQL !== null;
  const row = (await data.run(passSQL(data, xs, beta, withHessian, maxAbsSQL)))[0];
  const p = xs.length;
  const num = (key: string) => (row[key] === null || row[key] === undefined ? NaN : Number(row[key]));
  const gradient = new Float64Array(p);
  const hessian = new Float64Array(p * p);
  const maxAbs = new Float64Array(p);
  if (withHessian) {
    for (let a = 0; a < p; a++) {
      gradient[a] = num(`g${a}`);
      for (let b = 0; b <= a; b++) hessian[a * p + b] = num(`h${a}_${b}`);
    }
    if (!gradient.every(Number.isFinite) || !hessian.every(Number.isFinite)) {
      throw new CbmError('NON_FINITE', `${context}: a design column holds NaN or infinite values in the table, so the sums are not finite; filter those rows`, {});
    }
  }
  if (withMaxAbs) for (let j = 0; j < p; j++) maxAbs[j] = num(`a${j}`);
  return { logLikelihood: num('ll'), gradient, hessian, perfect: num('perfect'), extreme: num('extreme'), maxAbs };
}

/** Options of one design's fit, as fitDesign takes them. */
export type DesignFitOptions = FitOptions & { startVector?: Float64Array; warmStart?: boolean };

/**
 * Fits one design inside the database: the one Newton driver (model/newton.ts, as fitLogit's)
 * proposes β and one aggregate query per request answers it; then the library's diagnosis and
 * statistics.
 */
export async function fitSpecInDatabase(data: InDatabaseData, spec: DesignSpec, options: DesignFitOptions, context: string): Promise<LogitModel> {
  const names = spec.columns.map((c) => c.name);
  const p = names.length;
  const raw = spec.columns.map((c) => (c.numeric.length === 0 && Object.keys(c.levels).length === 0 ? null : designColumnSQL(data.dialect, c, data.preparation)));
  const intercept = spec.intercept ? 0 : -1;
  // The start, in the original columns' terms.
  let start = startVector(names, options, context);
  // Conditioning (as fitLogit's newtonLogitConditioned): columns with a large offset or an extreme
  // spread are centred and scaled, z = (x − m)/s, from the moments of a sample or of the table.
  let scaling: ColumnScaling | null = null;
  if (!start && data.n > WARM_START_ROWS && options.warmStart !== false && samplesTables(data.dialect)) {
    // A repeatable Bernoulli sample of ~20,000 rows, fitted in memory, gives the starting point.
    const percent = Math.min(100, Math.ceil((1e4 * WARM_START_SAMPLE) / data.n) / 100);
    const rows = await data.run(
      `SELECT ${data.ySQL} AS y${raw.map((sql, j) => (sql === null ? '' : `, ${sql} AS x${j}`)).join('')} FROM ${data.from} ${sampleClause(data.dialect, percent, SAMPLE_SEED)}${data.where ? ` WHERE ${data.where}` : ''}`,
    );
    if (rows.length > 10 * p) {
      const y = Float64Array.from(rows, (r) => Number(r.y));
      const columns = raw.map((sql, j) => (sql === null ? new Float64Array(rows.length).fill(1) : Float64Array.from(rows, (r) => Number(r[`x${j}`]))));
      scaling = columnScaling(columns, intercept);
      const rough = newtonLogitConditioned(columns, y, { tolerance: 1e-6, maxIterations: options.maxIterations, warmStart: false, interceptColumn: intercept });
      if (rough.status === 'converged' && rough.aliased.length === 0) start = rough.coefficients; // a rank-deficient sample: start cold
    }
  }
  if (!scaling) {
    const moments = await columnMoments(data, spec, raw);
    scaling = scalingFromMoments(moments.means, moments.variances, intercept);
  }
  const { center, scale, active } = scaling;
  const conditioned = (j: number) => active && (center[j] !== 0 || scale[j] !== 1);
  const xs = raw.map((sql, j) => (sql !== null && conditioned(j) ? `((${sql} - ${sqlNumber(data.dialect, center[j])}) / ${sqlNumber(data.dialect, scale[j])})` : sql));
  // The size of an original column, max|x| = max|m + s·z|, for the separation diagnosis.
  const originalAbs = (j: number) =>
    conditioned(j) ? `MAX(abs(cbm_x${j} * ${sqlNumber(data.dialect, scale[j])} + ${sqlNumber(data.dialect, center[j])}))` : `MAX(abs(cbm_x${j}))`;
  const driver = newtonSteps(p, { maxIterations: options.maxIterations, tolerance: options.tolerance, start: start && active ? toScaled(start, scaling) : start });
  let maxAbs: Float64Array | undefined;
  let next = driver.next();
  while (!next.done) {
    // One query answers every request (a chord step's gradient comes with the Hessian sums).
    const { beta, need } = next.value;
    const pass = await runPass(data, xs, beta, need !== 'likelihood', need === 'likelihood' ? originalAbs : null, context);
    if (need === 'likelihood') maxAbs = pass.maxAbs;
    next = driver.next({ logLik: pass.logLikelihood, gradient: pass.gradient, hessian: pass.hessian, perfect: pass.perfect, extreme: pass.extreme });
  }
  // Back to the original columns: β = T·γ, Cov(β) = T·Cov(γ)·Tᵀ (conditioning.ts).
  const fit = fitToOriginal(next.value, scaling);
  const warnings = diagnoseFit(fit, names, context, maxAbs);
  const variables = [...new Set(spec.terms.flatMap((t) => t.variables))];
  return new LogitModel({
    response: data.response,
    spec,
    coefficients: fit.coefficients,
    covariance: fit.covariance,
    statistics: data.prior === null ? fitStatistics(fit, { n: data.n, ones: data.ones }, spec.intercept) : await priorStatisticsInDatabase(data, data.prior, fit, spec, context),
    confidenceLevel: options.confidenceLevel ?? 0.95,
    preparation: data.preparation ? restrictPreparation(data.preparation, variables) : null,
    warnings,
    offset: data.prior?.spec.offset ?? null,
    event: data.event,
    provenance: options.provenance,
  });
}

/**
 * A weighted or offset fit's statistics from its log-likelihood kernel Σ w·[y·η − log(1 + e^η)]
 * and the null model's (intercept-only with the offset: one more small Newton fit in the
 * database), with the sums of the profile: logLik = Σ log C + kernel, deviance = 2(Σ w·ent(y) −
 * kernel), as R's glm for whole counts.
 */
async function priorStatisticsInDatabase(data: InDatabaseData, prior: InDatabasePrior, fit: NewtonFit, spec: DesignSpec, context: string) {
  const p = spec.columns.length;
  if (prior.nullKernel === undefined) {
    const mean = data.ones / prior.total;
    if (!spec.intercept || prior.offsetSQL === null) {
      // No intercept: μ = plogis(offset) (β = 0); intercept without offset: μ = the weighted mean.
      prior.nullKernel = spec.intercept
        ? data.ones * Math.log(mean) + (prior.total - data.ones) * Math.log1p(-mean)
        : (await runPass(data, [null], new Float64Array(1), false, null, context)).logLikelihood;
    } else {
      const driver = newtonSteps(1, { maxIterations: 100, tolerance: 1e-12, start: [Math.log(mean / (1 - mean))] });
      let next = driver.next();
      while (!next.done) {
        const pass = await runPass(data, [null], next.value.beta, next.value.need !== 'likelihood', null, context);
        next = driver.next({ logLik: pass.logLikelihood, gradient: pass.gradient, hessian: pass.hessian, perfect: pass.perfect, extreme: pass.extreme });
      }
      prior.nullKernel = next.value.logLikelihood;
    }
  }
  const part = (kernel: number) => ({ logLik: prior.choose + kernel, deviance: 2 * (prior.entropy - kernel) });
  return priorStatistics(fit, part(fit.logLikelihood), part(prior.nullKernel), prior.positive, data.n, p, spec.intercept);
}

/** Options of stepwiseInDatabase: those of fitLogitInDatabase plus stepwise's criterion, alpha and hierarchical. */
export interface InDatabaseStepwiseOptions extends InDatabaseFitOptions, Pick<StepwiseOptions, 'criterion' | 'alpha' | 'hierarchical'> {}

/**
 * Backward stepwise elimination (see `stepwise`) with every candidate fitted inside the
 * database: the same search code as `stepwise`, so the same steps, criterion values and final
 * model; each candidate costs a few aggregate passes.
 *
 * @example
 * // const { model, steps } = await stepwiseInDatabase(db, { table: 'infert', formula: 'case ~ (age + parity + induced + spontaneous)^2' });
 * const options: InDatabaseStepwiseOptions = { table: 'infert', formula: 'case ~ age + parity', criterion: 'bic' };
 */
export async function stepwiseInDatabase(run: SqlRun | SqlExecutor, options: InDatabaseStepwiseOptions): Promise<StepwiseResult> {
  const context = 'stepwiseInDatabase';
  check(options !== null && typeof options === 'object' && !Array.isArray(options), `${context}: options with a table and a formula are required`);
  checkStepwiseOptions(options, context, [...FIT_KEYS, ...STEPWISE_OPTION_NAMES]);
  const data = await prepareInDatabase(run, options, context, STEPWISE_OPTION_NAMES);
  if (data.prior !== null)
    throw new CbmError(
      'BAD_INPUT',
      `${context}: weights and offsets are options of fitLogit, fitLinear and fitLogitInDatabase; fit the chosen formula with fitLogitInDatabase`,
      {},
    );
  const fullSpec = designSpecInDatabase(data, data.formula, context);
  const search = stepwiseSearch(fullSpec, data.n, options);
  let next = search.next();
  while (!next.done) {
    const { spec, startVector, start, tolerance } = next.value;
    let model: LogitModel;
    try {
      model = await fitSpecInDatabase(data, spec, { ...options, start, tolerance, startVector }, context);
    } catch (error) {
      // The search decides whether a failed fit is a skipped candidate or fatal (as in stepwise).
      next = search.throw(error);
      continue;
    }
    next = search.next(model);
  }
  return next.value;
}

/** Text pairs whose event is known whatever their case (as readOutcome): the first of each pair is 1. */
const KNOWN_PAIRS: readonly (readonly [string, string])[] = [
  ['yes', 'no'],
  ['true', 'false'],
  ['1', '0'],
];

/**
 * The response as a 0/1 double in SQL, read as `readOutcome` reads it in memory: numbers 0/1,
 * booleans, text yes/no, true/false, 1/0 in any case (trimmed), or any two values with the
 * `event` named. The distinct values are read with one small query when needed.
 */
async function outcomeSQL(
  run: SqlRun,
  dialect: SqlDialect,
  from: string,
  whereSQL: string,
  response: string,
  kind: 'text' | 'number' | 'boolean',
  event: string | number | boolean | undefined,
  context: string,
): Promise<string> {
  const q = quoteIdentifier(dialect, response);
  const one = sqlNumber(dialect, 1);
  const zero = sqlNumber(dialect, 0);
  if (event !== undefined) {
    if (!(typeof event === 'string' || typeof event === 'boolean' || (typeof event === 'number' && Number.isFinite(event)))) {
      throw new CbmError('BAD_INPUT', `${context}: event must be the text, number or boolean that marks the event, got ${typeof event}`);
    }
    const values = (await run(`SELECT DISTINCT ${q} AS v FROM ${from}${whereSQL} LIMIT 3`)).map((r) => r.v);
    const same = (v: unknown) => v === event || (typeof v !== 'boolean' && typeof event !== 'boolean' && String(v) === String(event));
    if (values.length > 2)
      throw new CbmError(
        'BAD_INPUT',
        `${context}: the outcome '${response}' has more than 2 distinct values (${values.map((v) => `'${String(v)}'`).join(', ')}, …); a binary outcome has two`,
        { column: response },
      );
    if (!values.some(same))
      throw new CbmError('BAD_INPUT', `${context}: the event '${String(event)}' does not occur in '${response}' (values: ${values.map((v) => `'${String(v)}'`).join(', ')})`, {
        column: response,
      });
    const literal = kind === 'text' ? quoteString(dialect, String(event)) : kind === 'boolean' ? (event === true ? 'TRUE' : 'FALSE') : sqlNumber(dialect, Number(event));
    return `(CASE WHEN ${q} = ${literal} THEN ${one} ELSE ${zero} END)`;
  }
  if (kind === 'boolean') return `(CASE WHEN ${q} THEN ${one} ELSE ${zero} END)`;
  if (kind === 'number') return `CAST(${q} AS ${doubleType(dialect)})`;
  const values = (await run(`SELECT DISTINCT LOWER(${trimSQL(dialect, q)}) AS v FROM ${from}${whereSQL} LIMIT 5`)).map((r) => String(r.v));
  for (const [yes, no] of KNOWN_PAIRS) {
    if (values.every((v) => v === yes || v === no)) return `(CASE WHEN LOWER(${trimSQL(dialect, q)}) = ${quoteString(dialect, yes)} THEN ${one} ELSE ${zero} END)`;
  }
  const shown = values
    .slice(0, 4)
    .map((v) => `'${v}'`)
    .join(', ');
  if (values.length > 2)
    throw new CbmError(
      'BAD_INPUT',
      `${context}: the outcome '${response}' has ${values.length > 4 ? 'more than 4' : values.length} distinct text values (${shown}); a binary outcome has two`,
      { column: response },
    );
  throw new CbmError(
    'BAD_INPUT',
    `${context}: cannot tell which value of '${response}' is the event (${shown}); name it, e.g. { event: '${values[0]}' }, or use 1/0, true/false or yes/no`,
    { column: response, values },
  );
}

/**
 * Mean and population variance of each design column (AVG and VAR_POP, one pass), cached by
 * column name across the fits of one stepwise search; NaN for the intercept.
 */
async function columnMoments(data: InDatabaseData, spec: DesignSpec, raw: readonly (string | null)[]): Promise<{ means: Float64Array; variances: Float64Array }> {
  const p = raw.length;
  const means = new Float64Array(p).fill(NaN);
  const variances = new Float64Array(p).fill(NaN);
  const missing = raw.map((sql, j) => (sql !== null && !data.moments.has(spec.columns[j].name) ? j : -1)).filter((j) => j >= 0);
  if (missing.length > 0) {
    const row = (
      await data.run(`SELECT ${missing.map((j) => `AVG(${raw[j]}) AS m${j}, VAR_POP(${raw[j]}) AS v${j}`).join(', ')} FROM ${data.from}${data.where ? ` WHERE ${data.where}` : ''}`)
    )[0];
    for (const j of missing)
      data.moments.set(spec.columns[j].name, { mean: row[`m${j}`] === null ? NaN : Number(row[`m${j}`]), variance: row[`v${j}`] === null ? NaN : Number(row[`v${j}`]) });
  }
  raw.forEach((sql, j) => {
    const m = sql === null ? undefined : data.moments.get(spec.columns[j].name);
    if (m) {
      means[j] = m.mean;
      variances[j] = m.variance;
    }
  });
  return { means, variances };
}
