import { CbmError, check, describeValue } from '../errors';
import type { SqlDialect } from './executor';

/**
 * Every difference between the SQL dialects cbm-kit writes lives here, so that a generator
 * (scoring, fitting, loading, monitoring) writes one SQL text and asks this module for the parts
 * that differ: identifier quoting, string literals, numbers that round-trip, and the few
 * functions whose names differ. Function names are written in lower case where a dialect needs
 * it (ClickHouse 18.16 knows `abs`, `greatest`, `least` only so; DuckDB, PostgreSQL and Spark
 * SQL read any case).
 */
export const SQL_DIALECTS: readonly SqlDialect[] = ['duckdb', 'postgres', 'spark', 'clickhouse'];

export function checkDialect(dialect: unknown, context: string): asserts dialect is SqlDialect {
  check(
    typeof dialect === 'string' && (SQL_DIALECTS as readonly string[]).includes(dialect),
    `${context}: dialect must be one of ${SQL_DIALECTS.map((d) => `'${d}'`).join(', ')}, got ${describeValue(dialect)}`,
  );
}

/**
 * A quoted identifier: "name" (DuckDB, PostgreSQL, ClickHouse; doubled inner quotes) or `name`
 * (Spark SQL; doubled inner backticks). ClickHouse also reads a backslash in a quoted identifier
 * as an escape, so there it is doubled. Any text is safe, including spaces, quotes and reserved
 * words; NUL is refused because no engine stores it.
 *
 * @example
 * quoteIdentifier('duckdb', 'monthly "fee"') // '"monthly ""fee"""'
 */
export function quoteIdentifier(dialect: SqlDialect, name: string): string {
  checkDialect(dialect, 'quoteIdentifier');
  check(typeof name === 'string' && name.length > 0, `SQL: an identifier must be non-empty text, got ${describeValue(name)}`);
  if (name.includes('\u0000')) throw new CbmError('BAD_INPUT', 'SQL: an identifier cannot contain the NUL character');
  if (dialect === 'spark') return `\`${name.replace(/`/g, '``')}\``;
  const unescaped = dialect === 'clickhouse' ? name.replace(/\\/g, '\\\\') : name;
  return `"${unescaped.replace(/"/g, '""')}"`;
}

/**
 * A string literal that reads back as exactly `value` under every server setting. Single quotes
 * are doubled everywhere. Where the engine reads a backslash as an escape it is doubled too:
 * Spark SQL and ClickHouse always; PostgreSQL when `standard_conforming_strings` is off (a legal
 * server and session setting), so a value holding a backslash is written as an escape string
 * `E'…'` with the backslashes doubled, which reads the same whatever the setting (other values
 * stay plain `'…'`, as every setting reads them alike).
 *
 * @example
 * quoteString('postgres', "O'Brien") // "'O''Brien'"
 * quoteString('postgres', 'a\\b') // "E'a\\\\b'"
 */
export function quoteString(dialect: SqlDialect, value: string): string {
  checkDialect(dialect, 'quoteString');
  check(typeof value === 'string', `SQL: a string literal must be text, got ${describeValue(value)}`);
  if (value.includes('\u0000')) throw new CbmError('BAD_INPUT', 'SQL: a string literal cannot contain the NUL character');
  const escaped = value.replace(/'/g, "''");
  if (!value.includes('\\') || dialect === 'duckdb') return `'${escaped}'`;
  const doubled = escaped.replace(/\\/g, '\\\\');
  return dialect === 'postgres' ? `E'${doubled}'` : `'${doubled}'`;
}

/**
 * A finite number as a SQL literal that reads back to the same double: the shortest round-trip
 * decimal (JavaScript's own), cast to DOUBLE so no engine reads it as an exact DECIMAL.
 *
 * @example
 * sqlNumber('duckdb', 0.1) // 'CAST(0.1 AS DOUBLE)'
 */
export function sqlNumber(dialect: SqlDialect, value: number): string {
  checkDialect(dialect, 'sqlNumber');
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new CbmError('NON_FINITE', `SQL: cannot write ${describeValue(value)} as a number literal`);
  const text = Object.is(value, -0) ? '0' : String(value);
  return `CAST(${text} AS ${doubleType(dialect)})`;
}

/** The name of the 8-byte float type. */
export function doubleType(dialect: SqlDialect): string {
  return dialect === 'postgres' ? 'DOUBLE PRECISION' : dialect === 'clickhouse' ? 'Float64' : 'DOUBLE';
}

/** The name of the text type, for casting a column to text (VARCHAR, TEXT, STRING, String). */
export function textType(dialect: SqlDialect): string {
  return dialect === 'postgres' ? 'TEXT' : dialect === 'spark' ? 'STRING' : dialect === 'clickhouse' ? 'String' : 'VARCHAR';
}

/**
 * A text expression without its leading and trailing spaces: TRIM, or on ClickHouse 18.16 (which
 * has no TRIM) the same with a regular expression.
 *
 * @example
 * trimSQL('clickhouse', '"answer"') // `replaceRegexpAll("answer", '^ +| +$', '')`
 */
export function trimSQL(dialect: SqlDialect, expr: string): string {
  checkDialect(dialect, 'SQL');
  return dialect === 'clickhouse' ? `replaceRegexpAll(${expr}, '^ +| +$', '')` : `TRIM(${expr})`;
}

/**
 * The logistic function 1/(1 + e^−v) of a SQL expression `v`. PostgreSQL raises an error when
 * EXP overflows or underflows (DuckDB and Spark return ±Infinity / 0 as IEEE arithmetic does),
 * so there v is first clamped to [−708, 708], where e^±v stays a normal double; outside that
 * range the probability differs from the unclamped IEEE value by less than 1e−307.
 *
 * @example
 * logisticSQL('postgres', 'v') // '1 / (1 + EXP(-LEAST(GREATEST(v, -708), 708)))'
 */
export function logisticSQL(dialect: SqlDialect, v: string): string {
  return dialect === 'postgres' ? `1 / (1 + EXP(-LEAST(GREATEST(${v}, -708), 708)))` : `1 / (1 + EXP(-(${v})))`;
}

/**
 * e^−|v| for a SQL expression `v`, the one exponential a numerically stable logistic likelihood
 * needs. Clamped at |v| = 700 on PostgreSQL (whose EXP raises an error on underflow); beyond
 * that the value, below 1e−304, changes no sum it enters.
 */
export function expMinusAbsSQL(dialect: SqlDialect, v: string): string {
  return dialect === 'postgres' ? `EXP(-LEAST(ABS(${v}), 700))` : `EXP(-abs(${v}))`;
}

/**
 * Whether a query's aliases shadow the table's columns of the same name (ClickHouse resolves an
 * identifier to an alias first, even a table-qualified one), so that a generator must not give a
 * result a name that is also a column the query reads.
 *
 * @example
 * aliasesShadowColumns('clickhouse') // true
 */
export function aliasesShadowColumns(dialect: SqlDialect): boolean {
  return dialect === 'clickhouse';
}

/**
 * Whether `sampleClause` can sample any table of this dialect. ClickHouse samples only tables
 * declared with SAMPLE BY (a Distributed table over plain MergeTree shards is not), so fits there
 * start from zero and take two or three more passes.
 *
 * @example
 * samplesTables('clickhouse') // false
 */
export function samplesTables(dialect: SqlDialect): boolean {
  return dialect !== 'clickhouse';
}

/**
 * A clause after `FROM table` that keeps a repeatable random sample of about `percent`% of the
 * rows (Bernoulli sampling, fixed seed): used to find a starting point for a fit cheaply.
 */
export function sampleClause(dialect: SqlDialect, percent: number, seed: number): string {
  check(percent > 0 && percent <= 100 && Number.isInteger(seed) && seed >= 0, `SQL: a sample needs 0 < percent ≤ 100 and a whole seed, got ${percent}% and ${seed}`);
  const p = String(percent);
  if (dialect === 'clickhouse') throw new CbmError('BAD_INPUT', 'SQL: ClickHouse samples only tables declared with SAMPLE BY; check samplesTables first');
  if (dialect === 'postgres') return `TABLESAMPLE BERNOULLI (${p}) REPEATABLE (${seed})`;
  if (dialect === 'spark') return `TABLESAMPLE (${p} PERCENT) REPEATABLE (${seed})`;
  // DuckDB: the table-level form (USING SAMPLE would have to follow WHERE).
  return `TABLESAMPLE ${p}% (bernoulli, ${seed})`;
}

/**
 * What ends a subquery whose computed columns the outer query reads several times: ` OFFSET 0`
 * on PostgreSQL, which otherwise inlines the subquery and recomputes (e.g.) an EXP for every sum
 * that reads it; nothing on DuckDB, where OFFSET is a blocking operator that would materialise
 * the whole subquery, and on Spark SQL, whose optimiser keeps expensive projections apart.
 */
export function fenceSQL(dialect: SqlDialect): string {
  return dialect === 'postgres' ? ' OFFSET 0' : '';
}

/**
 * A DATE literal from 'YYYY-MM-DD' text: `DATE '2025-01-31'`, on ClickHouse `toDate('2025-01-31')`
 * (checked here so that no caller can smuggle SQL through a date).
 *
 * @example
 * dateLiteral('postgres', '2025-01-31') // "DATE '2025-01-31'"
 */
export function dateLiteral(dialect: SqlDialect, date: string): string {
  checkDialect(dialect, 'SQL');
  check(typeof date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(date), `SQL: a date literal must be 'YYYY-MM-DD', got ${JSON.stringify(date)}`);
  return dialect === 'clickhouse' ? `toDate('${date}')` : `DATE '${date}'`;
}

/**
 * Whole days from one DATE expression to another (to − from), as an integer: DuckDB
 * `date_diff('day', from, to)`, PostgreSQL `(to - from)` (date minus date is an integer there),
 * Spark SQL `datediff(to, from)`, ClickHouse `dateDiff('day', from, to)`.
 *
 * @example
 * daysBetween('duckdb', "DATE '2025-01-01'", 'e.date') // "date_diff('day', DATE '2025-01-01', e.date)"
 */
export function daysBetween(dialect: SqlDialect, from: string, to: string): string {
  checkDialect(dialect, 'SQL');
  if (dialect === 'postgres') return `((${to}) - (${from}))`;
  if (dialect === 'spark') return `datediff(${to}, ${from})`;
  if (dialect === 'clickhouse') return `dateDiff('day', ${from}, ${to})`;
  return `date_diff('day', ${from}, ${to})`;
}

/** The name of the 8-byte integer type (row counts, day numbers). */
export function bigintType(dialect: SqlDialect): string {
  checkDialect(dialect, 'SQL');
  return 'BIGINT';
}

/**
 * The continuous quantile (linear interpolation, R type 7) of a column as an ordered-set
 * aggregate: `percentile_cont(p) WITHIN GROUP (ORDER BY expr)` in DuckDB and PostgreSQL;
 * Spark SQL has `percentile(expr, p)`. ClickHouse 18.16 has no interpolating exact quantile, so
 * it is refused there.
 *
 * @example
 * quantileCont('postgres', 0.5, 'x') // 'percentile_cont(0.5) WITHIN GROUP (ORDER BY x)'
 */
export function quantileCont(dialect: SqlDialect, p: number, expr: string): string {
  checkDialect(dialect, 'SQL');
  check(typeof p === 'number' && p >= 0 && p <= 1, `SQL: a quantile must be in [0, 1], got ${String(p)}`);
  check(dialect !== 'clickhouse', 'SQL: ClickHouse has no interpolating (R type 7) quantile; profile the table on DuckDB or PostgreSQL');
  return dialect === 'spark' ? `percentile(${expr}, ${p})` : `percentile_cont(${p}) WITHIN GROUP (ORDER BY ${expr})`;
}

/**
 * quantileCont for several p over one expression, one SQL expression per p. DuckDB computes them
 * from one aggregate (`quantile_cont(x, [p1, …])`, one sort; the identical aggregates in a SELECT
 * are evaluated once), three times faster on a million rows than one sort per p; elsewhere each p
 * is its own `percentile_cont`.
 */
export function quantilesCont(dialect: SqlDialect, ps: readonly number[], expr: string): string[] {
  const each = ps.map((p) => quantileCont(dialect, p, expr));
  if (dialect !== 'duckdb') return each;
  return ps.map((_, k) => `(quantile_cont(${expr}, [${ps.map(String).join(', ')}]))[${k + 1}]`);
}

/** The first day of the month of a DATE expression, as a DATE. */
export function monthStart(dialect: SqlDialect, expr: string): string {
  checkDialect(dialect, 'SQL');
  if (dialect === 'clickhouse') return `toStartOfMonth(${expr})`;
  return dialect === 'spark' ? `CAST(date_trunc('MONTH', ${expr}) AS DATE)` : `CAST(date_trunc('month', ${expr}) AS DATE)`;
}

/**
 * Statements that replace a table with the result of a SELECT: DROP TABLE IF EXISTS then
 * CREATE TABLE … AS (portable; `CREATE OR REPLACE TABLE` is DuckDB/Spark only).
 */
export function replaceTableSql(dialect: SqlDialect, table: string, select: string): string[] {
  const name = quoteIdentifier(dialect, table);
  return [`DROP TABLE IF EXISTS ${name}`, createTableAsSql(dialect, name, select)];
}

/**
 * CREATE TABLE `name` AS `select`, for a quoted (possibly schema-qualified) name. On ClickHouse
 * the table is a MergeTree on the connected server only (`ON CLUSTER` would need ZooKeeper).
 *
 * @example
 * createTableAsSql('clickhouse', '"scores"', 'SELECT 1 AS x') // 'CREATE TABLE "scores" ENGINE = MergeTree ORDER BY tuple() AS SELECT 1 AS x'
 */
export function createTableAsSql(dialect: SqlDialect, quotedName: string, select: string): string {
  checkDialect(dialect, 'SQL');
  const engine = dialect === 'clickhouse' ? ' ENGINE = MergeTree ORDER BY tuple()' : '';
  return `CREATE TABLE ${quotedName}${engine} AS ${select}`;
}

/**
 * One aggregate query over rows computed in stages, each stage adding named columns computed
 * from the table's columns and earlier stages' (e.g. the design values, then η, then μ), so that
 * every row's expensive values are computed once however many sums read them.
 *
 * Most dialects nest one SELECT per stage (with `fenceSQL`). ClickHouse writes one flat SELECT
 * with the stages as `WITH expr AS name` aliases: only a flat aggregate over a Distributed table
 * runs on the shards, each sending back one row of partial sums (an aggregate over a subquery
 * would pull every row to the server that received the query). ClickHouse computes a repeated
 * expression once per block, and its aliases shadow columns of the same name, so stage names
 * must not be column names of the table (cbm-kit's start with `cbm_`).
 *
 * @example
 * stagedAggregateSQL('clickhouse', { from: '"t"', where: null }, [[['cbm_x', 'CAST("x" AS Float64)']]], ['SUM(cbm_x) AS s'])
 * // 'WITH CAST("x" AS Float64) AS cbm_x SELECT SUM(cbm_x) AS s FROM "t"'
 */
export function stagedAggregateSQL(
  dialect: SqlDialect,
  source: { from: string; where: string | null },
  stages: readonly (readonly (readonly [name: string, sql: string])[])[],
  aggregates: readonly string[],
): string {
  checkDialect(dialect, 'SQL');
  check(stages.length > 0 && aggregates.length > 0, 'SQL: a staged aggregate needs at least one stage and one aggregate');
  const where = source.where === null ? '' : ` WHERE ${source.where}`;
  const list = (stage: readonly (readonly [string, string])[]) => stage.map(([name, sql]) => `${sql} AS ${name}`).join(', ');
  if (dialect === 'clickhouse') return `WITH ${stages.map(list).join(', ')} SELECT ${aggregates.join(', ')} FROM ${source.from}${where}`;
  const fence = fenceSQL(dialect);
  let rows = `SELECT ${list(stages[0])} FROM ${source.from}${where}`;
  stages.slice(1).forEach((stage, k) => {
    rows = `SELECT *, ${list(stage)} FROM (${rows}${fence}) AS stage${k}_`;
  });
  return `SELECT ${aggregates.join(', ')} FROM (${rows}${fence}) AS rows_`;
}
