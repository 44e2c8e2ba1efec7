import { CbmError, check, describeValue } from '../errors';
import { checkOptionSchema } from '../options';
import { checkExecutor } from './executor';
import { CHURN_SQL_OPTIONS, churnTableSql, type ChurnModelTableSqlOptions } from '../sql/churn';
import type { DriftReport } from '../monitor/drift';
import { doubleType, monthStart, quoteIdentifier, quoteString, replaceTableSql, sqlNumber } from '../sql/dialect';
import type { SqlExecutor, SqlRow } from '../sql/executor';
import { latestLoadId } from './load';

/**
 * The model-ready tables: for each loaded table, `<table>` holds the rows of its newest load
 * (without `_load_id`), or of the load pinned in `options.loads` (to keep a quarantined load out),
 * rebuilt in one transaction so readers never see half a refresh.
 *
 * @example
 * // await refreshModelTables(db, ['customers', 'events']);
 */
export async function refreshModelTables(
  db: SqlExecutor,
  tables: readonly string[],
  options: { loads?: Readonly<Record<string, number>> } = {},
): Promise<{ table: string; loadId: number }[]> {
  const context = 'refreshModelTables';
  checkExecutor(db, context);
  check(Array.isArray(tables) && tables.length > 0, `${context}: tables must be a non-empty array of loaded table names`);
  // Each pinned load id is checked with its table below.
  checkOptionSchema(options, context, { loads: { kind: 'object', example: '{ events: 3 }' } });
  const pinned = options?.loads ?? {};
  const d = db.dialect;
  const plan: { table: string; loadId: number; columns: string[] }[] = [];
  for (const table of tables) {
    check(typeof table === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(table), `${context}: ${describeValue(table)} is not a table name`);
    const loadId = Object.prototype.hasOwnProperty.call(pinned, table) ? pinned[table] : await latestLoadId(db, table);
    if (loadId === null) throw new CbmError('BAD_INPUT', `${context}: '${table}' has never been loaded; run loadFiles first`);
    check(Number.isInteger(loadId), `${context}: loads.${table} must be a load id`);
    const known = await db.run(`SELECT COUNT(*) AS n FROM cbm_load_tables WHERE table_name = ${quoteString(d, table)} AND load_id = ${loadId}`);
    if (Number(known[0].n) === 0) throw new CbmError('BAD_INPUT', `${context}: load ${loadId} did not load '${table}'`);
    const columns = (await db.run(`SELECT column_name FROM information_schema.columns WHERE table_name = ${quoteString(d, `raw_${table}`)} ORDER BY ordinal_position`))
      .map((r) => String(r.column_name))
      .filter((c) => c !== '_load_id');
    plan.push({ table, loadId, columns });
  }
  await db.transaction(async (run) => {
    for (const { table, loadId, columns } of plan) {
      for (const sql of replaceTableSql(
        d,
        table,
        `SELECT ${columns.map((c) => quoteIdentifier(d, c)).join(', ')} FROM ${quoteIdentifier(d, `raw_${table}`)} WHERE _load_id = ${loadId}`,
      ))
        await run(sql);
    }
  });
  return plan.map(({ table, loadId }) => ({ table, loadId }));
}

/**
 * Builds the churn modelling table inside the database (`churnModelTableSql` over the
 * model-ready `events` and `customers` tables) into `into` (default 'churn_model_table'),
 * after checking that the scoring date lies within the data.
 */
export async function buildChurnTable(db: SqlExecutor, options: Omit<ChurnModelTableSqlOptions, 'dialect'> & { into?: string }): Promise<{ table: string; rows: number }> {
  const context = 'buildChurnTable';
  checkExecutor(db, context);
  check(options !== undefined, `${context}: options { scoringDate, definition, horizons } are required`);
  checkOptionSchema(options, context, { ...CHURN_SQL_OPTIONS, into: { kind: 'text', example: "'churn_model_table'" } });
  const { into = 'churn_model_table', ...rest } = options;
  const sql = churnTableSql({ ...rest, dialect: db.dialect }, context);
  const events = rest.eventsTable ?? 'events';
  const bounds = (
    await db.run(`SELECT CAST(MIN(CAST(date AS DATE)) AS VARCHAR) AS first_date, CAST(MAX(CAST(date AS DATE)) AS VARCHAR) AS last_date FROM ${quoteIdentifier(db.dialect, events)}`)
  )[0];
  const first = String(bounds.first_date);
  const last = rest.dataEnd ?? String(bounds.last_date);
  if (bounds.first_date === null) throw new CbmError('BAD_INPUT', `${context}: the events table '${events}' is empty`);
  if (!(rest.scoringDate > first && rest.scoringDate <= last))
    throw new CbmError(
      'BAD_INPUT',
      `${context}: scoringDate ${rest.scoringDate} is outside the data (${first} to ${last}); pick a date after the first event and not after the data end`,
    );
  await db.transaction(async (run) => {
    for (const statement of replaceTableSql(db.dialect, into, sql)) await run(statement);
  });
  const rows = Number((await db.run(`SELECT COUNT(*) AS n FROM ${quoteIdentifier(db.dialect, into)}`))[0].n);
  return { table: into, rows };
}

/**
 * Stores a drift report for one load of one table in `cbm_drift` (replacing an earlier report
 * for the same load and table), so the dashboard can show the status of the last load.
 */
export async function saveDriftReport(db: SqlExecutor, options: { table: string; loadId: number; previousLoadId: number; report: DriftReport }): Promise<void> {
  const context = 'saveDriftReport';
  checkExecutor(db, context);
  check(options !== null && typeof options === 'object', `${context}: options { table, loadId, previousLoadId, report } are required`);
  checkOptionSchema(options, context, {
    table: { kind: 'text', required: true, example: "'drift_reports'" },
    loadId: { kind: 'number', integer: true, required: true },
    previousLoadId: { kind: 'number', integer: true, required: true },
    report: { kind: 'object', required: true, example: 'driftReport(previous, current)' },
  });
  const { table, loadId, previousLoadId, report } = options;
  check(table.length > 0, `${context}: table must be a table name, got ""`, { option: 'table' });
  check(Array.isArray(report.rows), `${context}: report must come from driftReport, got an object without rows`, { option: 'report' });
  const d = db.dialect;
  const s = (v: string | null) => (v === null ? 'NULL' : quoteString(d, v));
  const n = (v: number | null) => (v === null || !Number.isFinite(v) ? 'NULL' : sqlNumber(d, v));
  await db.transaction(async (run) => {
    await run(`DELETE FROM cbm_drift WHERE load_id = ${loadId} AND table_name = ${s(table)}`);
    for (const r of report.rows) {
      await run(
        `INSERT INTO cbm_drift VALUES (${loadId}, ${previousLoadId}, ${s(table)}, ${s(r.variable)}, ${s(r.status)}, ${n(r.psi)}, ${s(r.testName)}, ${n(r.testStatistic)}, ${n(r.pValue)}, ${s(r.sentence)})`,
      );
    }
  });
}

/**
 * The dashboard's pre-aggregated tables, rebuilt in one transaction:
 * `dash_monthly_revenue` (month, product, revenue, purchases, paying customers) from events and
 * customers; `dash_churn_by_segment` (segment, horizon, customers, churned, censored, churn rate
 * among the observed) from the churn table; `dash_load_status` (each load and table: rows,
 * rejects, drifted and warned variables).
 */
export async function buildDashboardTables(db: SqlExecutor, options: { horizons: readonly number[]; churnTable?: string; segment?: string }): Promise<string[]> {
  const context = 'buildDashboardTables';
  checkExecutor(db, context);
  check(options !== null && typeof options === 'object', `${context}: options { horizons } are required`);
  checkOptionSchema(options, context, {
    horizons: { kind: 'list', required: true, example: '[30, 90]' },
    churnTable: { kind: 'text', example: "'churn_model_table'" },
    segment: { kind: 'text', example: "'segment'" },
  });
  const { horizons, churnTable = 'churn_model_table', segment = 'segment' } = options;
  const badHorizon = horizons.find((h) => !(Number.isInteger(h) && h > 0));
  check(
    horizons.length > 0 && badHorizon === undefined,
    `${context}: horizons must be a list of positive whole numbers of days like [30, 90], got ${horizons.length === 0 ? 'an empty list' : describeValue(badHorizon)}`,
    { option: 'horizons' },
  );
  const d = db.dialect;
  const q = (x: string) => quoteIdentifier(d, x);
  const dbl = doubleType(d);
  const revenue = `SELECT ${monthStart(d, 'CAST(e.date AS DATE)')} AS month, c.product, SUM(e.amount) AS revenue, COUNT(*) AS purchases, COUNT(DISTINCT e.customer_id) AS customers
    FROM events e JOIN customers c ON c.customer_id = e.customer_id WHERE e.type = 'purchase' GROUP BY 1, 2 ORDER BY 1, 2`;
  const churn = horizons
    .map(
      (h) => `SELECT ${q(segment)} AS segment, ${h} AS horizon_days, COUNT(*) AS customers,
      SUM(CASE WHEN ${q(`churn_${h}`)} = 1 THEN 1 ELSE 0 END) AS churned,
      SUM(CASE WHEN ${q(`churn_${h}`)} IS NULL THEN 1 ELSE 0 END) AS censored,
      CAST(SUM(CASE WHEN ${q(`churn_${h}`)} = 1 THEN 1 ELSE 0 END) AS ${dbl}) / NULLIF(COUNT(${q(`churn_${h}`)}), 0) AS churn_rate
    FROM ${q(churnTable)} GROUP BY ${q(segment)}`,
    )
    .join('\n    UNION ALL ');
  const status = `SELECT t.load_id, CAST(l.loaded_at AS VARCHAR) AS loaded_at, t.table_name, t.row_count, t.rejected,
      COALESCE(SUM(CASE WHEN dr.status = 'drift' THEN 1 ELSE 0 END), 0) AS drifted,
      COALESCE(SUM(CASE WHEN dr.status = 'warn' THEN 1 ELSE 0 END), 0) AS warned
    FROM cbm_load_tables t JOIN cbm_loads l ON l.load_id = t.load_id
    LEFT JOIN cbm_drift dr ON dr.load_id = t.load_id AND dr.table_name = t.table_name
    GROUP BY t.load_id, l.loaded_at, t.table_name, t.row_count, t.rejected ORDER BY t.load_id, t.table_name`;
  await db.transaction(async (run) => {
    for (const [name, select] of [
      ['dash_monthly_revenue', revenue],
      ['dash_churn_by_segment', `SELECT * FROM (${churn}) x ORDER BY segment, horizon_days`],
      ['dash_load_status', status],
    ] as const) {
      for (const sql of replaceTableSql(d, name, select)) await run(sql);
    }
  });
  return ['dash_monthly_revenue', 'dash_churn_by_segment', 'dash_load_status'];
}

/** Rows of a warehouse table (a dashboard table, the churn table) as plain objects. */
export async function readTable(db: SqlExecutor, table: string): Promise<SqlRow[]> {
  checkExecutor(db, 'readTable');
  check(typeof table === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(table), `readTable: ${describeValue(table)} is not a table name`);
  return db.run(`SELECT * FROM ${quoteIdentifier(db.dialect, table)}`);
}
