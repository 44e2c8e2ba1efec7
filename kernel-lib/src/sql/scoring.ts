import { CbmError, check } from '../errors';
import { checkOptionSchema, type OptionSchema } from '../options';
import type { DesignColumn, DesignSpec } from '../model/design';
import { LinearModel, LINEAR_MODEL_FORMAT } from '../model/linear';
import { LogitModel } from '../model/logit';
import { expressionColumns, isDerived, parseExpression, rawColumns } from '../model/expression';
import type { LogitModelJSON } from '../model/modelJson';
import type { Preparation } from '../prepare/preparation';
import type { SqlDialect } from './executor';
import { aliasesShadowColumns, doubleType, logisticSQL, quoteIdentifier, quoteString, SQL_DIALECTS, sqlNumber } from './dialect';
import { expressionSQL, type SqlExpression } from './expression';
import { filterSQL } from './filter';
import { parseFilter } from '../model/filter';

/** Options of {@link scoringSQL}: the dialect to write and whether to return the probability or the linear predictor. */
export interface ScoringOptions {
  /** The SQL dialect to write, default 'duckdb'. */
  dialect?: SqlDialect;
  /** 'probability' (default): P = 1/(1 + e^−V); 'link': the linear predictor V. */
  output?: 'probability' | 'link';
}

/** Anything scoringSQL can translate: a fitted logistic or linear model, or its saved JSON (object or text). */
export type ScorableModel = LogitModel | LinearModel | LogitModelJSON | Record<string, unknown> | string;

const SCORING_OPTIONS: OptionSchema = {
  dialect: { kind: 'oneOf', values: SQL_DIALECTS },
  output: { kind: 'oneOf', values: ['probability', 'link'] },
};

const QUERY_OPTIONS: OptionSchema = {
  ...SCORING_OPTIONS,
  // A name or [schema, name]: tableSQL checks it where it is written.
  table: { kind: 'any', required: true, example: "'customers'" },
  keep: { kind: 'names', example: "['id']" },
  as: { kind: 'text', example: "'score'" },
  where: { kind: 'text', example: '"contract != \'Two year\'"' },
};

/**
 * The SQL expression of a model's score: a fitted model written as one SQL expression over the *raw* input columns, so a warehouse
 * scores its customers where they live (the idea of R's tidypredict): the stored preparation
 * (encodings as CASE, min–max scaling with the stored ranges), treatment-coded text factors,
 * interactions as products, and the logistic link. The expression reproduces `model.predict`
 * (or `model.linearPredictor` with `output: 'link'`) term by term, in the same order of
 * floating-point operations, so the database's numbers agree with the library's to the last
 * bits (the tests require 1e−12).
 *
 * Special cases: a text value the model was not fitted on (an unseen factor level, or a value
 * without an encoding) and a NULL input give NULL, never a number that looks valid; the
 * library's `predict` raises an error for the same rows. Encodings and scaled columns that the
 * formula does not use are not read. Identifiers are quoted for the dialect and every literal
 * is escaped, so no column name, level or formula can inject SQL.
 *
 * @example
 * const model = fitLogit({ y: [0, 1, 0, 1, 1, 0], age: [20, 30, 40, 50, 35, 45] }, 'y ~ age');
 * const sql = scoringSQL(model, { dialect: 'duckdb' }); // 'CASE WHEN "age" IS NOT NULL THEN 1 / (1 + EXP(-(CAST(… AS DOUBLE) + …))) END'
 */
export function scoringSQL(model: ScorableModel, options: ScoringOptions = {}): string {
  const context = 'scoringSQL';
  checkOptionSchema(options, context, SCORING_OPTIONS);
  const dialect = options?.dialect ?? 'duckdb';
  const m = asModel(model, context);
  // A linear model's prediction is its linear predictor: 'link' is its only output.
  const isLinear = m instanceof LinearModel;
  const output = options?.output ?? (isLinear ? 'link' : 'probability');
  check(!(isLinear && output === 'probability'), `${context}: a linear model predicts its response directly; use output 'link' (the default for linear models)`);
  // The offset is added last, as predict adds it, from the raw columns (it is not prepared).
  const linear = linearPredictorSQL(m.spec, m.coefficients, m.preparation, dialect) + (m.offset === null ? '' : ` + ${offsetSQL(dialect, m.offset)}`);
  const value = output === 'link' ? linear : logisticSQL(dialect, linear);
  const guard = knownInputsSQL(m.spec, m.preparation, dialect, m.offset === null ? [] : rawColumns([m.offset]));
  return guard === null ? value : `CASE WHEN ${guard} THEN ${value} END`;
}

/**
 * The condition that every input of the model is known: each factor holds a training level,
 * each encoded column a value with a code, each numeric column a non-NULL value. Rows failing
 * it score NULL. (Arithmetic would propagate NULL by itself, but PostgreSQL's GREATEST/LEAST
 * skip NULLs, so the clamped link needs the explicit guard; one rule for all dialects.)
 */
export function knownInputsSQL(spec: DesignSpec, preparation: Preparation | null, dialect: SqlDialect, alsoRequired: readonly string[] = []): string | null {
  const conditions: string[] = [];
  const seen = new Set<string>();
  for (const column of spec.columns) {
    const variables = [...column.numeric.flatMap((v) => (isDerived(v) ? expressionColumns(parseExpression(v)) : [v])), ...Object.keys(column.levels)];
    for (const v of variables) {
      if (seen.has(v)) continue;
      seen.add(v);
      const levels = own(spec.factorLevels, v);
      const codes = own(preparation?.encodings, v);
      if (levels) conditions.push(knownLevelsSQL(dialect, v, levels));
      else if (codes) conditions.push(knownLevelsSQL(dialect, v, Object.keys(codes)));
      else conditions.push(`${quoteIdentifier(dialect, v)} IS NOT NULL`);
    }
  }
  // Columns read outside the design (an offset's) must be known too.
  for (const v of alsoRequired) if (!seen.has(v)) conditions.push(`${quoteIdentifier(dialect, v)} IS NOT NULL`);
  return conditions.length ? conditions.join(' AND ') : null;
}

/** A model's offset as SQL: a raw column as a double, or a transform of raw columns (`log(exposure)`). */
export function offsetSQL(dialect: SqlDialect, label: string): string {
  const raw = (name: string) => `CAST(${quoteIdentifier(dialect, name)} AS ${doubleType(dialect)})`;
  return isDerived(label) ? expressionSQL(dialect, parseExpression(label) as SqlExpression, raw) : raw(label);
}

/** Options of {@link scoringQuery}: scoringSQL's options plus the table, the columns to keep, the score's name and a filter. */
export interface ScoringQueryOptions extends ScoringOptions {
  /** The table (or view) to score: a name, or [schema, name] / [catalog, schema, name]. */
  table: string | readonly string[];
  /** Columns to carry into the result beside the score, e.g. ['id']. */
  keep?: readonly string[];
  /** The name of the score column, default 'score'. */
  as?: string;
  /** Score only the rows this filter keeps, in R's syntax (e.g. "contract != 'Two year'"; see parseFilter); not SQL. */
  where?: string;
}

/**
 * The whole `SELECT keep…, <score> AS score FROM table` for a model.
 *
 * @example
 * const model = fitLogit({ y: [0, 1, 0, 1, 1, 0], age: [20, 30, 40, 50, 35, 45] }, 'y ~ age');
 * scoringQuery(model, { table: 'customers', keep: ['id'] }); // 'SELECT "id", … AS "score" FROM "customers"'
 */
export function scoringQuery(model: ScorableModel, options: ScoringQueryOptions): string {
  const context = 'scoringQuery';
  check(options !== null && typeof options === 'object' && !Array.isArray(options), `${context}: options with a table are required, e.g. { table: 'customers', keep: ['id'] }`);
  checkOptionSchema(options, context, QUERY_OPTIONS);
  const dialect = options.dialect ?? 'duckdb';
  const keep = options.keep ?? [];
  check(
    keep.every((k) => k.length > 0),
    `${context}: keep must be a list of column names like ['id'], got an empty name`,
    { option: 'keep' },
  );
  const as = options.as ?? 'score';
  check(as.length > 0, `${context}: as must be a column name like 'score', got ""`, { option: 'as' });
  check(!keep.includes(as), `${context}: the score column '${as}' would repeat a kept column; choose another name with 'as'`);
  const score = scoringSQL(model, { dialect, output: options.output });
  check(
    !aliasesShadowColumns(dialect) || !score.includes(quoteIdentifier(dialect, as)),
    `${context}: on ${dialect} the score column '${as}' would shadow the model's input of that name; choose another name with 'as'`,
  );
  const columns = [...keep.map((k) => quoteIdentifier(dialect, k)), `${score} AS ${quoteIdentifier(dialect, as)}`];
  const where = options.where === undefined ? '' : ` WHERE ${filterSQL(dialect, parseFilter(options.where, `${context}: where`))}`;
  return `SELECT ${columns.join(', ')} FROM ${tableSQL(dialect, options.table, context)}${where}`;
}

/** A table reference: one quoted name, or dot-joined quoted parts (schema.table). */
export function tableSQL(dialect: SqlDialect, table: string | readonly string[], context: string): string {
  const parts = typeof table === 'string' ? [table] : table;
  check(
    Array.isArray(parts) && parts.length >= 1 && parts.length <= 3 && parts.every((p) => typeof p === 'string' && p.length > 0),
    `${context}: table must be a name or a list like ['schema', 'table'], got ${JSON.stringify(table)}`,
  );
  return parts.map((p) => quoteIdentifier(dialect, p)).join('.');
}

function asModel(model: ScorableModel, context: string): LogitModel | LinearModel {
  if (model instanceof LogitModel || model instanceof LinearModel) return model;
  let json: unknown = model;
  if (typeof model === 'string') {
    try {
      json = JSON.parse(model);
    } catch {
      return LogitModel.fromJSON(model); // its BAD_MODEL_JSON message says what is wrong
    }
  }
  if (json !== null && typeof json === 'object') {
    return (json as { format?: unknown }).format === LINEAR_MODEL_FORMAT ? LinearModel.fromJSON(json as never) : LogitModel.fromJSON(json as never);
  }
  throw new CbmError('BAD_INPUT', `${context}: expected a fitted model or its JSON, got ${model === null ? 'null' : typeof model}`);
}

/**
 * The SQL value of a model variable: a prepared raw column, or a formula transform of prepared
 * columns (`log(price/competitor_price)`), evaluated on the prepared values as the library does.
 */
export function variableSQL(dialect: SqlDialect, name: string, preparation: Preparation | null): string {
  if (!isDerived(name)) return preparedVariableSQL(dialect, name, preparation);
  return expressionSQL(dialect, parseExpression(name) as SqlExpression, (raw) => preparedVariableSQL(dialect, raw, preparation));
}

/**
 * The SQL value of one prepared numeric variable: the raw column as a double, its encoding
 * (CASE over the text codes; no match gives NULL) and its min–max scaling with the stored
 * range, in the order applyPreparation uses (encode, then scale: (x − min)/(max − min)). The
 * CASE is the searched form (`CASE WHEN x = 'M' THEN …`): ClickHouse 18.16 answers NULL for
 * every row of the simple form `CASE x WHEN 'M' THEN …` without ELSE.
 */
export function preparedVariableSQL(dialect: SqlDialect, name: string, preparation: Preparation | null): string {
  const column = quoteIdentifier(dialect, name);
  const codes = own(preparation?.encodings, name);
  let value = codes
    ? `(CASE ${Object.entries(codes)
        .map(([level, code]) => `WHEN ${column} = ${quoteString(dialect, level)} THEN ${sqlNumber(dialect, code)}`)
        .join(' ')} END)`
    : `CAST(${column} AS ${doubleType(dialect)})`;
  const range = own(preparation?.ranges, name);
  if (range) value = `((${value} - ${sqlNumber(dialect, range.min)}) / ${sqlNumber(dialect, range.max - range.min)})`;
  return value;
}

/** The SQL condition that a factor's value is one of the training levels (false for NULL and unseen levels). */
export function knownLevelsSQL(dialect: SqlDialect, name: string, levels: readonly string[]): string {
  return `${quoteIdentifier(dialect, name)} IN (${levels.map((l) => quoteString(dialect, l)).join(', ')})`;
}

/** The condition that a row belongs to a design column's factor levels (null when it has none). */
function levelConditionSQL(dialect: SqlDialect, column: DesignColumn): string | null {
  const entries = Object.entries(column.levels);
  if (entries.length === 0) return null;
  return entries.map(([v, level]) => `${quoteIdentifier(dialect, v)} = ${quoteString(dialect, level)}`).join(' AND ');
}

/**
 * One design column as SQL: the product of its numeric variables, times 1 where its factor
 * levels hold and 0 elsewhere (written as CASE so that no indicator is multiplied in).
 */
export function designColumnSQL(dialect: SqlDialect, column: DesignColumn, preparation: Preparation | null): string {
  const factors = column.numeric.map((v) => variableSQL(dialect, v, preparation));
  const product = factors.length === 0 ? sqlNumber(dialect, 1) : factors.join(' * ');
  const condition = levelConditionSQL(dialect, column);
  return condition === null ? product : `(CASE WHEN ${condition} THEN ${product} ELSE ${sqlNumber(dialect, 0)} END)`;
}

/**
 * V = Σⱼ βⱼ·xⱼ as SQL, in linearPredictor's order of operations: the intercept, then the
 * columns made of one variable, then two, then more, each as b·x₁·x₂·…. Unguarded: a NULL or
 * unseen factor level counts as "not this level" here; scoringSQL adds the knownInputsSQL guard.
 */
export function linearPredictorSQL(spec: DesignSpec, coefficients: ArrayLike<number>, preparation: Preparation | null, dialect: SqlDialect): string {
  const byParts: { parts: number; sql: string }[] = [];
  let constant = 0;
  let hasConstant = false;
  spec.columns.forEach((column, j) => {
    const b = coefficients[j];
    if (Number.isNaN(b)) return; // aliased (R's NA): left out, as linearPredictor does
    const parts = column.numeric.length + Object.keys(column.levels).length;
    if (parts === 0) {
      constant += b;
      hasConstant = true;
      return;
    }
    const factors = [sqlNumber(dialect, b), ...column.numeric.map((v) => variableSQL(dialect, v, preparation))];
    const condition = levelConditionSQL(dialect, column);
    const product = factors.join(' * ');
    byParts.push({ parts, sql: condition === null ? product : `(CASE WHEN ${condition} THEN ${product} ELSE ${sqlNumber(dialect, 0)} END)` });
  });
  // Stable sort: singles, then pairs, then longer products, as linearPredictor adds them.
  const ordered = [...byParts.filter((t) => t.parts === 1), ...byParts.filter((t) => t.parts === 2), ...byParts.filter((t) => t.parts > 2)];
  const addends = [...(hasConstant ? [sqlNumber(dialect, constant)] : []), ...ordered.map((t) => t.sql)];
  return addends.length === 0 ? sqlNumber(dialect, 0) : addends.join(' + ');
}

/** record[key] when it is the record's own entry (a column may be called 'constructor'). */
export function own<T>(record: Readonly<Record<string, T>> | undefined | null, key: string): T | undefined {
  return record && Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}
