import { check } from '../errors';
import { dayNumber } from '../churn/dates';
import { checkOptionSchema, type OptionSchema } from '../options';
import { dateLiteral, daysBetween, doubleType, quoteIdentifier, SQL_DIALECTS, sqlNumber } from './dialect';
import type { SqlDialect } from './executor';
import { CHURN_OPTIONS, checkChurnOptions, type ChurnModelTableOptions } from '../churn/modelTable';

/** Options of {@link churnModelTableSql}: churnModelTable's options, with table names instead of data and the dialect to write. */
export interface ChurnModelTableSqlOptions extends Omit<ChurnModelTableOptions, 'customers'> {
  /** The SQL dialect to write, e.g. 'duckdb' or 'postgres'. */
  dialect: SqlDialect;
  /** The events table (customer_id, date, type, amount); default 'events'. */
  eventsTable?: string;
  /** The customers table (customer_id, signup_date, attributes); omit to take the population from the events. */
  customersTable?: string;
}

/**
 * The SQL twin of `churnModelTable`: one SELECT that builds the same table (same population,
 * features, time, event and churn_<h> columns, same order) inside the database, for tables too
 * large to pull into JavaScript. Dates become whole-day offsets from the scoring date first
 * (`daysBetween`, the one dialect difference), so the rest is integer arithmetic every engine
 * reads alike. The inactivity churn day is found with LEAD over each customer's purchases.
 * The generator is pure: it checks its options and returns text, it does not run anything.
 *
 * @example
 * churnModelTableSql({ dialect: 'duckdb', scoringDate: '2025-02-01', definition: { kind: 'cancellation' }, horizons: [21, 70] }).startsWith('WITH') // true
 */
export function churnModelTableSql(options: ChurnModelTableSqlOptions): string {
  return churnTableSql(options, 'churnModelTableSql');
}

/** churnModelTable's options in SQL: tables instead of data (`customers` is refused with a "did you mean 'customersTable'"). */
const { customers: _inMemoryOnly, ...CHURN_TABLE_OPTIONS } = CHURN_OPTIONS;
/** The options of the functions that build the churn table in a database, beside their dialect or executor. */
export const CHURN_SQL_OPTIONS: OptionSchema = {
  ...CHURN_TABLE_OPTIONS,
  eventsTable: { kind: 'text', example: "'events'" },
  customersTable: { kind: 'text', example: "'customers'" },
};

/** churnModelTableSql, its errors naming `context`: the function the caller called (buildChurnTable builds through it). */
export function churnTableSql(options: ChurnModelTableSqlOptions, context: string): string {
  check(options !== undefined, `${context}: options { dialect, scoringDate, definition, horizons } are required`);
  checkOptionSchema(options, context, { ...CHURN_SQL_OPTIONS, dialect: { kind: 'oneOf', values: SQL_DIALECTS, required: true } });
  const { dialect, eventsTable = 'events', customersTable, ...rest } = options;
  const { definition, horizons, features, windowDays: W } = checkChurnOptions(rest as ChurnModelTableOptions, context);
  // Calendar dates only: dateLiteral checks the form, dayNumber that the day exists (not 2025-02-30).
  dayNumber(rest.scoringDate, context, 'scoringDate');
  if (rest.dataEnd !== undefined) dayNumber(rest.dataEnd, context, 'dataEnd');
  check(
    rest.attributes === undefined || Array.from(rest.attributes).every((a) => a.length > 0),
    `${context}: attributes must be a list of column names like ['segment'], got an empty name`,
  );
  const q = (name: string) => quoteIdentifier(dialect, name);
  const s = dateLiteral(dialect, rest.scoringDate);
  const offset = (expr: string) => daysBetween(dialect, s, `CAST(${expr} AS DATE)`);
  const attributes = [...(rest.attributes ?? [])];
  check(attributes.length === 0 || customersTable !== undefined, `${context}: attributes need customersTable`);
  const dbl = doubleType(dialect);
  const endExpr = rest.dataEnd === undefined ? '(SELECT MAX(t) FROM ev)' : daysBetween(dialect, s, dateLiteral(dialect, rest.dataEnd));
  const purchase = `type = 'purchase'`;
  const population =
    customersTable === undefined
      ? `SELECT customer_id, MIN(t) AS start_t FROM ev GROUP BY customer_id`
      : `SELECT customer_id, ${offset('signup_date')} AS start_t${attributes.map((a) => `, ${q(a)}`).join('')} FROM ${q(customersTable)}`;
  const featureSql: Record<string, string> = {
    tenure_days: '-p.start_t',
    recency_days: '-p.anchor_t',
    purchases_total: 'COALESCE(h.purchases_total, 0)',
    amount_total: `COALESCE(h.amount_total, ${sqlNumber(dialect, 0)})`,
    purchases_window: 'COALESCE(h.purchases_window, 0)',
    amount_window: `COALESCE(h.amount_window, ${sqlNumber(dialect, 0)})`,
    amount_change: `COALESCE(h.amount_window, ${sqlNumber(dialect, 0)}) - COALESCE(h.amount_prev_window, ${sqlNumber(dialect, 0)})`,
  };
  const churnSql =
    definition.kind === 'cancellation'
      ? `SELECT customer_id, MIN(t) AS churn_t FROM ev WHERE type = 'cancellation' AND t >= 0 GROUP BY customer_id`
      : `SELECT customer_id, MIN(t) + ${definition.days} AS churn_t FROM (
    SELECT customer_id, t, LEAD(t) OVER (PARTITION BY customer_id ORDER BY t) AS next_t FROM (
      SELECT customer_id, anchor_t AS t FROM active
      UNION ALL SELECT e.customer_id, e.t FROM ev e JOIN active a ON a.customer_id = e.customer_id WHERE e.${purchase} AND e.t >= 0
    ) seq
  ) gaps WHERE next_t IS NULL OR next_t - t >= ${definition.days} GROUP BY customer_id`;
  const activeFilter = definition.kind === 'cancellation' ? 'h.cancelled_before IS NULL' : `p.anchor_t > -${definition.days}`;
  const sql = `WITH ev AS (
  SELECT customer_id, type, CAST(amount AS ${dbl}) AS amount, ${offset('date')} AS t FROM ${q(eventsTable)}
),
bounds AS (SELECT ${endExpr} AS end_t),
hist AS (
  SELECT customer_id,
    MAX(CASE WHEN ${purchase} AND t < 0 THEN t END) AS last_purchase_t,
    SUM(CASE WHEN ${purchase} AND t < 0 THEN 1 ELSE 0 END) AS purchases_total,
    SUM(CASE WHEN ${purchase} AND t < 0 THEN amount ELSE ${sqlNumber(dialect, 0)} END) AS amount_total,
    SUM(CASE WHEN ${purchase} AND t < 0 AND t >= -${W} THEN 1 ELSE 0 END) AS purchases_window,
    SUM(CASE WHEN ${purchase} AND t < 0 AND t >= -${W} THEN amount ELSE ${sqlNumber(dialect, 0)} END) AS amount_window,
    SUM(CASE WHEN ${purchase} AND t < -${W} AND t >= -${2 * W} THEN amount ELSE ${sqlNumber(dialect, 0)} END) AS amount_prev_window,
    MIN(CASE WHEN type = 'cancellation' AND t < 0 THEN t END) AS cancelled_before
  FROM ev GROUP BY customer_id
),
pop AS (${population}),
people AS (
  SELECT pop.*, CASE WHEN h.last_purchase_t IS NULL OR h.last_purchase_t < pop.start_t THEN pop.start_t ELSE h.last_purchase_t END AS anchor_t
  FROM pop LEFT JOIN hist h ON h.customer_id = pop.customer_id WHERE pop.start_t < 0
),
active AS (
  SELECT p.* FROM people p LEFT JOIN hist h ON h.customer_id = p.customer_id WHERE ${activeFilter}
),
churn AS (
  ${churnSql}
),
timed AS (
  SELECT a.customer_id,
    CASE WHEN c.churn_t IS NOT NULL AND c.churn_t <= b.end_t THEN 1 ELSE 0 END AS event,
    CASE WHEN c.churn_t IS NOT NULL AND c.churn_t <= b.end_t THEN c.churn_t ELSE b.end_t + 1 END AS time,
    b.end_t
  FROM active a CROSS JOIN bounds b LEFT JOIN churn c ON c.customer_id = a.customer_id
)
SELECT p.customer_id${attributes.map((a) => `, p.${q(a)}`).join('')}${features.map((f) => `,\n  ${featureSql[f]} AS ${q(f)}`).join('')},
  tm.time AS ${q('time')}, tm.event AS ${q('event')}${horizons.map((hz) => `,\n  CASE WHEN tm.event = 1 AND tm.time < ${hz} THEN 1 WHEN tm.end_t + 1 >= ${hz} THEN 0 END AS ${q(`churn_${hz}`)}`).join('')}
FROM active p
JOIN timed tm ON tm.customer_id = p.customer_id
LEFT JOIN hist h ON h.customer_id = p.customer_id
ORDER BY p.customer_id`;
  return sql;
}
