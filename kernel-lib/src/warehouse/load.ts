import { statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { CbmError, check, describeValue } from '../errors';
import { checkOptionSchema } from '../options';
import { checkExecutor } from './executor';
import { scanFile, type CsvScan, type FileScan } from './fileScan';
import { quoteIdentifier, quoteString, sqlNumber, doubleType, quantilesCont, daysBetween } from '../sql/dialect';
import type { SqlExecutor, SqlRow, SqlDialect } from '../sql/executor';
import type { Cell } from '../data/table';

/** The column types a declared schema may use (the same names in DuckDB and PostgreSQL). */
export const COLUMN_TYPES = ['VARCHAR', 'BIGINT', 'DOUBLE', 'DATE', 'BOOLEAN'] as const;
/** One of the {@link COLUMN_TYPES} a load schema declares for a column. */
export type ColumnType = (typeof COLUMN_TYPES)[number];

/** One file to load: into raw table `raw_<table>`, checked against `schema` (column → type, in file order). */
export interface LoadSource {
  table: string;
  path: string;
  schema: Readonly<Record<string, ColumnType>>;
  /** 'csv' or 'parquet'; default from the file extension. */
  format?: 'csv' | 'parquet';
}

/** Options of {@link loadFiles}: what to do with rows that break their schema, a note and the load's timestamp. */
export interface LoadOptions {
  /** 'fail' (default): any row that breaks its schema fails the whole load, nothing is written. 'skip': such rows are left out and recorded. */
  onReject?: 'fail' | 'skip';
  /** Free text stored with the load (e.g. "monthly extract 2026-11"). */
  note?: string;
  /**
   * The load's timestamp, `YYYY-MM-DD HH:MM:SS` (or a date), default the database's clock. A fixed
   * value (the extract's date, say) makes a rebuilt warehouse identical, row for row.
   */
  loadedAt?: string;
}

/** A row that broke its schema: file line (1 = the header of a CSV; Parquet: row number from 1), column, reason. */
export interface RejectedRow {
  table: string;
  line: number;
  column: string | null;
  error: string;
}

/** What {@link loadFiles} returns: the load's id and timestamp, per-table counts and hashes, and the rejected rows. */
export interface LoadResult {
  /** The load's id in cbm_loads. */
  loadId: number;
  /** When the load was recorded, `YYYY-MM-DD HH:MM:SS`. */
  loadedAt: string;
  /** Per table: rows loaded, rejects, and the file's size in bytes and SHA-256 (hex), recorded in cbm_load_tables. */
  tables: { table: string; rawTable: string; source: string; format: 'csv' | 'parquet'; rows: number; rejected: number; bytes: number; sha256: string }[];
  rejects: RejectedRow[];
}

const CATALOG = [
  `CREATE TABLE IF NOT EXISTS cbm_loads (load_id BIGINT PRIMARY KEY, loaded_at TIMESTAMP NOT NULL, note VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS cbm_load_tables (load_id BIGINT NOT NULL, table_name VARCHAR NOT NULL, source VARCHAR NOT NULL, format VARCHAR NOT NULL, row_count BIGINT NOT NULL, rejected BIGINT NOT NULL, size_bytes BIGINT, sha256 VARCHAR)`,
  // Catalogs made before the file's size and hash were recorded gain the columns.
  `ALTER TABLE cbm_load_tables ADD COLUMN IF NOT EXISTS size_bytes BIGINT`,
  `ALTER TABLE cbm_load_tables ADD COLUMN IF NOT EXISTS sha256 VARCHAR`,
  `CREATE TABLE IF NOT EXISTS cbm_load_rejects (load_id BIGINT NOT NULL, table_name VARCHAR NOT NULL, line BIGINT NOT NULL, column_name VARCHAR, error VARCHAR NOT NULL)`,
  // One row per statistic (n, missing, missing_share, mean, sd, min, q05 … q95, max) or per level ('share').
  `CREATE TABLE IF NOT EXISTS cbm_profiles (load_id BIGINT NOT NULL, table_name VARCHAR NOT NULL, column_name VARCHAR NOT NULL, kind VARCHAR NOT NULL, statistic VARCHAR NOT NULL, level VARCHAR, value DOUBLE)`,
  `CREATE TABLE IF NOT EXISTS cbm_drift (load_id BIGINT NOT NULL, previous_load_id BIGINT NOT NULL, table_name VARCHAR NOT NULL, variable VARCHAR NOT NULL, status VARCHAR NOT NULL, psi DOUBLE, test_name VARCHAR, test_statistic DOUBLE, p_value DOUBLE, sentence VARCHAR NOT NULL)`,
];

/** Creates the warehouse's bookkeeping tables when missing (loads, rejects, profiles, drift). */
export async function ensureCatalog(run: (sql: string) => Promise<SqlRow[]>): Promise<void> {
  check(typeof run === 'function', `ensureCatalog: expected a function (sql) => Promise<rows>, got ${describeValue(run)}`);
  for (const sql of CATALOG) await run(sql);
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LOADED_AT = /^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$/;

/** A real calendar timestamp 'YYYY-MM-DD HH:MM:SS' or date (2026-02-30 is refused, not rolled over). */
function isTimestamp(value: unknown): boolean {
  if (typeof value !== 'string' || !LOADED_AT.test(value)) return false;
  const full = value.length === 10 ? `${value} 00:00:00` : value;
  const t = new Date(`${full.replace(' ', 'T')}Z`);
  return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 19).replace('T', ' ') === full;
}
const MAX_REPORTED_REJECTS = 1000;
/**
 * The longest CSV record (bytes) a load accepts; a longer one is a reject with its line. DuckDB's
 * reader reports a longer line only when it fits its buffer and skips it silently otherwise, so
 * the streaming scan finds such records itself.
 */
export const MAX_LINE_BYTES = 2_000_000;
/** Reject messages quote at most this much of the reader's text (which may hold a cell). */
const MAX_ERROR_CHARS = 200;
/** Characters DuckDB would expand as a glob in a path: a load reads exactly the file it names. */
const GLOB_CHARACTERS = /[*?[\]{}]/;

/**
 * Loads CSV and Parquet files into raw tables in one transaction, checked against declared
 * schemas, and profiles every column of every loaded table. Each call is one load: it gets the
 * next load id and a timestamp; its rows are appended to `raw_<table>` with `_load_id`, so
 * every earlier load stays readable for drift checks (`readLoad`).
 *
 * Schema checks (a row that breaks them is never coerced): a CSV header must name the declared
 * columns in order; DuckDB's reader rejects cells that do not parse as DATE, DOUBLE or BOOLEAN
 * and rows with too many or too few fields (store_rejects, with their line); BIGINT columns are
 * read as text and must match -?[0-9]+ (DuckDB would round 1.5 to 2); DOUBLE cells must be
 * finite. Parquet columns must exist and cast to the declared type without loss of a value.
 * With `onReject: 'fail'` (default) any reject throws a BAD_INPUT CbmError listing the lines,
 * and the transaction is rolled back: the warehouse keeps its previous state.
 *
 * @example
 * const db = await openDuckDB(':memory:');
 * // await loadFiles(db, [{ table: 'events', path: 'events.csv', schema: { customer_id: 'BIGINT', date: 'DATE', type: 'VARCHAR', amount: 'DOUBLE' } }]);
 * await db.close();
 */
export async function loadFiles(db: SqlExecutor, sources: readonly LoadSource[], options: LoadOptions = {}): Promise<LoadResult> {
  const context = 'loadFiles';
  const onReject = checkLoadOptions(options, context);
  checkExecutor(db, context);
  check(db.dialect === 'duckdb', `${context}: loading files needs DuckDB (its CSV/Parquet readers); got a ${db.dialect} executor`);
  const checked = checkSources(sources, context);
  // One streaming pass per file, before anything is written: size, SHA-256, and a CSV's header and records.
  const scans: FileScan[] = [];
  for (const source of checked) {
    const scan = await scanFile(source.path, source.format === 'csv', MAX_LINE_BYTES);
    if (source.format === 'csv') {
      check(!scan.headerTooLong, `${context}: the header line of ${basename(source.path)} is longer than ${MAX_LINE_BYTES.toLocaleString('en-US')} bytes`, { table: source.table });
      checkHeader(scan.csv!.header, Object.keys(source.schema), source.path, source.table, context);
    }
    scans.push(scan);
  }
  const d = db.dialect;

  return db.transaction(async (run) => {
    await ensureCatalog(run);
    const loadId = Number((await run(`SELECT COALESCE(MAX(load_id), 0) + 1 AS id FROM cbm_loads`))[0].id);
    const tables: LoadResult['tables'] = [];
    const rejects: RejectedRow[] = [];
    for (const [index, source] of checked.entries()) {
      const load: TableLoad = { run, dialect: d, source, loadId, stage: `cbm_stage_${source.table}`, context };
      await run(`DROP TABLE IF EXISTS ${quoteIdentifier(d, load.stage)}`);
      const tableRejects = source.format === 'csv' ? await stageCsv(load, scans[index].csv!) : await stageParquet(load);
      tableRejects.sort((a, b) => a.line - b.line);
      if (tableRejects.length && onReject === 'fail') throw schemaBroken(source, tableRejects, context);
      tables.push(await recordTable(load, scans[index], tableRejects));
      rejects.push(...tableRejects);
    }
    const clock = options.loadedAt === undefined ? 'CURRENT_TIMESTAMP' : `CAST(${quoteString(d, options.loadedAt)} AS TIMESTAMP)`;
    await run(`INSERT INTO cbm_loads VALUES (${loadId}, ${clock}, ${options.note === undefined ? 'NULL' : quoteString(d, options.note)})`);
    const loadedAt = String((await run(`SELECT CAST(loaded_at AS VARCHAR) AS t FROM cbm_loads WHERE load_id = ${loadId}`))[0].t);
    return { loadId, loadedAt, tables, rejects };
  });
}

/** Checks loadFiles' options; returns what to do with rejected rows. */
function checkLoadOptions(options: LoadOptions, context: string): 'fail' | 'skip' {
  // loadedAt takes a timestamp or a date: checked below.
  checkOptionSchema(options, context, { onReject: { kind: 'oneOf', values: ['fail', 'skip'] }, note: { kind: 'text' }, loadedAt: { kind: 'any' } });
  const onReject = options.onReject ?? 'fail';
  check(
    options.loadedAt === undefined || isTimestamp(options.loadedAt),
    `${context}: loadedAt must be a timestamp 'YYYY-MM-DD HH:MM:SS' or a date 'YYYY-MM-DD', got ${JSON.stringify(options.loadedAt)}`,
  );
  return onReject;
}

/** A source checked: a plain table name, once per load; one existing regular file, no glob; a schema of plain names and known types; its format settled. */
type CheckedSource = LoadSource & { format: 'csv' | 'parquet' };

function checkSources(sources: readonly LoadSource[], context: string): CheckedSource[] {
  check(Array.isArray(sources) && sources.length > 0, `${context}: sources must be a non-empty array of { table, path, schema }`);
  const seen = new Set<string>();
  // Array.from visits a sparse array's holes (map skips them, leaving holes that later read as undefined).
  return Array.from(sources, (source, i) => {
    check(source !== null && typeof source === 'object', `${context}: sources[${i}] must be { table, path, schema }`);
    for (const key of Object.keys(source)) check(['table', 'path', 'schema', 'format'].includes(key), `${context}: sources[${i}] has unknown field '${key}'`);
    check(
      typeof source.table === 'string' && NAME.test(source.table),
      `${context}: sources[${i}].table must be a plain name (letters, digits, _), got ${JSON.stringify(source.table)}`,
    );
    check(!seen.has(source.table), `${context}: table '${source.table}' appears twice in one load`);
    seen.add(source.table);
    check(typeof source.path === 'string' && source.path.length > 0, `${context}: sources[${i}].path must be a file path`);
    check(
      !GLOB_CHARACTERS.test(source.path),
      `${context}: sources[${i}].path ${JSON.stringify(source.path)} contains a glob character (* ? [ ] { }); DuckDB would read the files it matches, so rename the file`,
    );
    const stat = statSync(source.path, { throwIfNoEntry: false });
    check(stat !== undefined, `${context}: sources[${i}].path ${JSON.stringify(source.path)} does not exist`);
    check(
      stat.isFile(),
      `${context}: sources[${i}].path ${JSON.stringify(source.path)} is ${stat.isDirectory() ? 'a directory' : 'not a regular file'}; name one CSV or Parquet file`,
    );
    const format = source.format ?? (extname(source.path).toLowerCase() === '.parquet' ? 'parquet' : 'csv');
    check(format === 'csv' || format === 'parquet', `${context}: sources[${i}].format must be 'csv' or 'parquet'`);
    check(source.schema !== null && typeof source.schema === 'object' && Object.keys(source.schema).length > 0, `${context}: sources[${i}].schema must map column names to types`);
    for (const [column, type] of Object.entries(source.schema)) {
      check(NAME.test(column) && column !== '_load_id', `${context}: column name ${JSON.stringify(column)} of '${source.table}' must be a plain name`);
      check(
        (COLUMN_TYPES as readonly string[]).includes(type as string),
        `${context}: column '${column}' of '${source.table}' has type ${JSON.stringify(type)}; use one of ${COLUMN_TYPES.join(', ')}`,
      );
    }
    return { ...source, format: format as 'csv' | 'parquet' };
  });
}

/** One table of one load, inside the load's transaction: its rows are staged in `stage` before they reach raw_<table>. */
interface TableLoad {
  run: (sql: string) => Promise<SqlRow[]>;
  dialect: SqlDialect;
  source: CheckedSource;
  loadId: number;
  stage: string;
  context: string;
}

/**
 * Stages a CSV file's rows that keep its schema; returns the rows that break it: DuckDB's rejects
 * (with their file line), records over MAX_LINE_BYTES, and cells DuckDB accepted but the schema
 * does not (a BIGINT with a fraction, a non-finite DOUBLE). Every record is a staged row or a
 * reject: a record the reader skipped fails the load.
 */
async function stageCsv({ run, dialect: d, source, loadId, stage, context }: TableLoad, csv: CsvScan): Promise<RejectedRow[]> {
  const q = (name: string) => quoteIdentifier(d, name);
  const columns = Object.keys(source.schema);
  const tableRejects: RejectedRow[] = [];
  const readAs: Record<string, string> = Object.fromEntries(columns.map((c) => [c, source.schema[c] === 'BIGINT' ? 'VARCHAR' : source.schema[c]]));
  const spec = `{${columns.map((c) => `${quoteString(d, c)}: ${quoteString(d, readAs[c])}`).join(', ')}}`;
  const rejectsTable = `cbm_rejects_${loadId}_${source.table}`;
  const rejectsScan = `cbm_rejscan_${loadId}_${source.table}`;
  const read = (rejects: string, scanTable: string) =>
    `read_csv(${quoteString(d, source.path)}, header = true, auto_detect = false, columns = ${spec}, max_line_size = ${MAX_LINE_BYTES}, store_rejects = true, rejects_table = ${quoteString(d, rejects)}, rejects_scan = ${quoteString(d, scanTable)})`;
  await run(`CREATE TEMP TABLE ${q(stage)} AS SELECT * FROM ${read(rejectsTable, rejectsScan)}`);
  const rejectedUnits = new Set<number>();
  for (const r of await run(`SELECT line, column_name, error_type, error_message FROM ${q(rejectsTable)} ORDER BY line`)) {
    // DuckDB numbers the header 1 and then every record or blank line (see FileScan).
    const unit = Number(r.line) - 2;
    rejectedUnits.add(unit);
    tableRejects.push({
      table: source.table,
      line: csv.lineOf(unit),
      column: (r.column_name as string | null) ?? null,
      error: clip(`${String(r.error_type)}: ${String(r.error_message)}`),
    });
  }
  await run(`DROP TABLE IF EXISTS ${q(rejectsTable)}`);
  await run(`DROP TABLE IF EXISTS ${q(rejectsScan)}`);
  for (const unit of csv.long) {
    if (rejectedUnits.has(unit)) continue;
    rejectedUnits.add(unit);
    tableRejects.push({ table: source.table, line: csv.lineOf(unit), column: null, error: `LINE SIZE OVER MAXIMUM: the record is longer than ${MAX_LINE_BYTES} bytes` });
  }
  const returned = Number((await run(`SELECT COUNT(*) AS n FROM ${q(stage)}`))[0].n);
  const records = csv.units - csv.blank.length;
  if (returned + rejectedUnits.size !== records)
    throw new CbmError(
      'BAD_INPUT',
      `${context}: ${basename(source.path)} holds ${records} records (RFC 4180) but the reader returned ${returned} rows and rejected ${rejectedUnits.size}; ${Math.abs(records - returned - rejectedUnits.size)} records are unaccounted for, so nothing was loaded`,
      { table: source.table, records, read: returned, rejected: rejectedUnits.size },
    );
  // Cells DuckDB accepted but the schema does not: whole numbers written with a fraction, non-finite doubles (inf, nan, and overflow such as 1e400).
  const strict = columns.filter((c) => source.schema[c] === 'BIGINT' || source.schema[c] === 'DOUBLE');
  if (!strict.length) return tableRejects;
  const failing = (c: string) =>
    source.schema[c] === 'BIGINT' ? `(${q(c)} IS NOT NULL AND NOT regexp_full_match(${q(c)}, '-?[0-9]+'))` : `(${q(c)} IS NOT NULL AND NOT isfinite(${q(c)}))`;
  const bad = strict.map(failing).join(' OR ');
  const count = Number((await run(`SELECT COUNT(*) AS n FROM ${q(stage)} WHERE ${bad}`))[0].n);
  if (count === 0) return tableRejects;
  // The slow path: read again with each row's position among the rows read, and map positions to records.
  // Materialised with every column, so that the reader parses (and rejects) exactly as it did for the stage.
  const numberedTable = `cbm_numbered_${loadId}_${source.table}`;
  await run(`CREATE TEMP TABLE ${q(numberedTable)} AS SELECT row_number() OVER () - 1 AS _cbm_position, * FROM ${read(`${rejectsTable}_again`, `${rejectsScan}_again`)}`);
  const flags = strict.map((c, k) => `${failing(c)} AS f${k}`).join(', ');
  const numbered = await run(`SELECT _cbm_position AS position, ${flags} FROM ${q(numberedTable)} WHERE ${bad} ORDER BY _cbm_position`);
  for (const table of [numberedTable, `${rejectsTable}_again`, `${rejectsScan}_again`]) await run(`DROP TABLE IF EXISTS ${q(table)}`);
  const skipped = [...new Set([...csv.blank, ...rejectedUnits])].sort((a, b) => a - b);
  for (const r of numbered) {
    const unit = unitOfRow(Number(r.position), skipped);
    strict.forEach((c, k) => {
      if (r[`f${k}`] === true)
        tableRejects.push({
          table: source.table,
          line: csv.lineOf(unit),
          column: c,
          error: source.schema[c] === 'BIGINT' ? 'CAST: the value is not a whole number (BIGINT)' : 'CAST: the value is not a finite number (DOUBLE; overflow, inf or nan)',
        });
    });
  }
  check(
    numbered.length === count,
    `${context}: ${basename(source.path)} changed while it was loaded (${count} rows failed the checks, then ${numbered.length}); nothing was loaded`,
  );
  await run(`DELETE FROM ${q(stage)} WHERE ${bad}`);
  return tableRejects;
}

/** Stages a Parquet file's rows whose every declared column exists and casts to its type without loss; returns the rows that do not (row numbers from 1). */
async function stageParquet({ run, dialect: d, source, stage, context }: TableLoad): Promise<RejectedRow[]> {
  const q = (name: string) => quoteIdentifier(d, name);
  const columns = Object.keys(source.schema);
  const tableRejects: RejectedRow[] = [];
  const described = await run(`DESCRIBE SELECT * FROM read_parquet(${quoteString(d, source.path)})`);
  const present = new Set(described.map((r) => String(r.column_name)));
  for (const c of columns) {
    if (!present.has(c))
      throw new CbmError('BAD_INPUT', `${context}: ${basename(source.path)} has no column '${c}' declared for '${source.table}'; it has ${[...present].join(', ')}`, {
        table: source.table,
        column: c,
      });
  }
  const casts = columns.map((c) => `TRY_CAST(${q(c)} AS ${source.schema[c]}) AS ${q(c)}`).join(', ');
  const lost = columns.map(
    (c) =>
      `(${q(c)} IS NOT NULL AND TRY_CAST(${q(c)} AS ${source.schema[c]}) IS NULL)${source.schema[c] === 'BIGINT' ? ` OR (${q(c)} IS NOT NULL AND TRY_CAST(${q(c)} AS DOUBLE) <> TRY_CAST(TRY_CAST(${q(c)} AS BIGINT) AS DOUBLE))` : ''}`,
  );
  const file = `read_parquet(${quoteString(d, source.path)}, file_row_number = true)`;
  for (let k = 0; k < columns.length; k++) {
    for (const r of await run(`SELECT file_row_number FROM ${file} WHERE ${lost[k]} ORDER BY file_row_number LIMIT ${MAX_REPORTED_REJECTS}`)) {
      tableRejects.push({
        table: source.table,
        line: Number(r.file_row_number) + 1,
        column: columns[k],
        error: `CAST: value does not convert to ${source.schema[columns[k]]} without loss`,
      });
    }
  }
  await run(`CREATE TEMP TABLE ${q(stage)} AS SELECT ${casts} FROM ${file} WHERE NOT (${lost.map((l) => `(${l})`).join(' OR ')})`);
  const total = Number((await run(`SELECT COUNT(*) AS n FROM ${file}`))[0].n);
  const kept = Number((await run(`SELECT COUNT(*) AS n FROM ${q(stage)}`))[0].n);
  const lostRows = Number((await run(`SELECT COUNT(*) AS n FROM ${file} WHERE ${lost.map((l) => `(${l})`).join(' OR ')}`))[0].n);
  check(kept + lostRows === total, `${context}: ${basename(source.path)} has ${total} rows but ${kept} were kept and ${lostRows} rejected; nothing was loaded`);
  return tableRejects;
}

/** The BAD_INPUT error of a load with onReject 'fail' when a table has rows that break its schema: the first five, and how to go on. */
function schemaBroken(source: CheckedSource, tableRejects: readonly RejectedRow[], context: string): CbmError {
  const shown = tableRejects
    .slice(0, 5)
    .map((r) => `line ${r.line}${r.column ? ` (${r.column})` : ''}: ${r.error}`)
    .join('; ');
  return new CbmError(
    'BAD_INPUT',
    `${context}: ${tableRejects.length} row${tableRejects.length > 1 ? 's' : ''} of ${basename(source.path)} break${tableRejects.length > 1 ? '' : 's'} the schema of '${source.table}' — ${shown}${tableRejects.length > 5 ? '; …' : ''}. Fix the file or load with { onReject: 'skip' }; nothing was loaded.`,
    { table: source.table, rejects: tableRejects.slice(0, MAX_REPORTED_REJECTS) },
  );
}

/** Appends the staged rows to raw_<table> (created on first load) and records the table in the catalog: its rejects, counts, file size and hash, and profile. */
async function recordTable(
  { run, dialect: d, source, loadId, stage, context }: TableLoad,
  scan: FileScan,
  tableRejects: readonly RejectedRow[],
): Promise<LoadResult['tables'][number]> {
  const q = (name: string) => quoteIdentifier(d, name);
  const columns = Object.keys(source.schema);
  const raw = `raw_${source.table}`;
  await run(`CREATE TABLE IF NOT EXISTS ${q(raw)} (_load_id BIGINT NOT NULL, ${columns.map((c) => `${q(c)} ${source.schema[c]}`).join(', ')})`);
  const existing = new Set((await run(`SELECT column_name FROM information_schema.columns WHERE table_name = ${quoteString(d, raw)}`)).map((r) => String(r.column_name)));
  for (const c of columns)
    if (!existing.has(c))
      throw new CbmError('BAD_INPUT', `${context}: ${raw} already exists without column '${c}'; the schema of '${source.table}' changed — load it under a new table name`, {
        table: source.table,
        column: c,
      });
  await run(
    `INSERT INTO ${q(raw)} (_load_id, ${columns.map(q).join(', ')}) SELECT ${loadId}, ${columns.map((c) => `CAST(${q(c)} AS ${source.schema[c]})`).join(', ')} FROM ${q(stage)}`,
  );
  const rows = Number((await run(`SELECT COUNT(*) AS n FROM ${q(stage)}`))[0].n);
  await run(`DROP TABLE ${q(stage)}`);
  for (const r of tableRejects.slice(0, MAX_REPORTED_REJECTS)) {
    await run(
      `INSERT INTO cbm_load_rejects VALUES (${loadId}, ${quoteString(d, r.table)}, ${r.line}, ${r.column === null ? 'NULL' : quoteString(d, r.column)}, ${quoteString(d, r.error)})`,
    );
  }
  await run(
    `INSERT INTO cbm_load_tables (load_id, table_name, source, format, row_count, rejected, size_bytes, sha256) VALUES (${loadId}, ${quoteString(d, source.table)}, ${quoteString(d, source.path)}, ${quoteString(d, source.format)}, ${rows}, ${tableRejects.length}, ${scan.bytes}, ${quoteString(d, scan.sha256)})`,
  );
  for (const sql of profileSql(d, raw, source.table, source.schema, loadId)) await run(sql);
  return { table: source.table, rawTable: raw, source: source.path, format: source.format, rows, rejected: tableRejects.length, bytes: scan.bytes, sha256: scan.sha256 };
}

/** The CSV header must name the declared columns, in order. The message shows column names only, clipped: never more of the file. */
function checkHeader(header: string[], declared: string[], path: string, table: string, context: string): void {
  const same = header.length === declared.length && header.every((h, i) => h === declared[i]);
  if (same) return;
  const shown = (names: string[]) => {
    const list = names.slice(0, 12).map((n) => (n.length > 40 ? `${n.slice(0, 37)}...` : n));
    return `${list.join(', ')}${names.length > list.length ? `, … (${names.length} in all)` : ''}`;
  };
  throw new CbmError('BAD_INPUT', `${context}: ${basename(path)} has columns ${shown(header)} but the schema of '${table}' declares ${shown(declared)} (same names, same order)`, {
    table,
    header: header.slice(0, 100).map((n) => n.slice(0, 100)),
    declared,
  });
}

const clip = (text: string) => (text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS - 3)}...` : text);

/** The unit (record index, see FileScan) of the reader's row at `position`, skipping the ascending `skipped` units. */
function unitOfRow(position: number, skipped: readonly number[]): number {
  let unit = position;
  for (const s of skipped) {
    if (s <= unit) unit++;
    else break;
  }
  return unit;
}

/** Columns profiled by one statement: one scan of the load computes all their fixed statistics. */
const PROFILE_BATCH_COLUMNS = 100;

/**
 * The profile of one load of one table, as INSERT … SELECT statements into cbm_profiles:
 * every column's row count, missing count and share; numbers and dates also min and max,
 * numbers mean, sd and the 5/25/50/75/95% quantiles (type 7); text the share of each level
 * (all levels; the drift report decides what to compare). The fixed statistics of up to
 * PROFILE_BATCH_COLUMNS columns come from one aggregate row (one scan), turned into one row per
 * statistic by a join with a VALUES list of slots, so a wide file costs a few statements rather
 * than a dozen scans per column; each text column's level shares are one grouped SELECT, a batch of
 * them one statement.
 */
export function profileSql(dialect: SqlDialect, rawTable: string, table: string, schema: Readonly<Record<string, ColumnType>>, loadId: number): string[] {
  const q = (name: string) => quoteIdentifier(dialect, name);
  const s = (text: string) => quoteString(dialect, text);
  const dbl = doubleType(dialect);
  const from = `FROM ${q(rawTable)} WHERE _load_id = ${loadId}`;
  const out: string[] = [];
  const fixed: { column: string; kind: string; statistic: string; expr: string }[][] = [];
  const levels: string[] = [];
  let columnsInBatch = 0;
  for (const [column, type] of Object.entries(schema)) {
    const c = q(column);
    const kind = type === 'VARCHAR' || type === 'BOOLEAN' ? 'categorical' : type === 'DATE' ? 'date' : 'numeric';
    const stats: [string, string][] = [
      ['n', `CAST(COUNT(*) AS ${dbl})`],
      ['missing', `CAST(COUNT(*) - COUNT(${c}) AS ${dbl})`],
      ['missing_share', `CASE WHEN COUNT(*) = 0 THEN NULL ELSE CAST(COUNT(*) - COUNT(${c}) AS ${dbl}) / COUNT(*) END`],
    ];
    if (kind === 'numeric') {
      const x = `CAST(${c} AS ${dbl})`;
      stats.push(['mean', `AVG(${x})`], ['sd', `STDDEV_SAMP(${x})`], ['min', `MIN(${x})`]);
      const ps = [0.05, 0.25, 0.5, 0.75, 0.95];
      quantilesCont(dialect, ps, x).forEach((q, k) => stats.push([`q${String(Math.round(ps[k] * 100)).padStart(2, '0')}`, q]));
      stats.push(['max', `MAX(${x})`]);
    } else if (kind === 'date') {
      // Dates as day numbers since 1970-01-01, so that they profile as numbers.
      const x = `CAST(${daysBetween(dialect, "DATE '1970-01-01'", c)} AS ${dbl})`;
      stats.push(['min', `MIN(${x})`], ['max', `MAX(${x})`]);
    }
    if (columnsInBatch++ % PROFILE_BATCH_COLUMNS === 0) fixed.push([]);
    for (const [statistic, expr] of stats) fixed[fixed.length - 1].push({ column, kind, statistic, expr });
    if (kind === 'categorical')
      levels.push(
        `SELECT ${loadId}, ${s(table)}, ${s(column)}, ${s(kind)}, 'share', CAST(${c} AS VARCHAR), CAST(COUNT(*) AS ${dbl}) / SUM(COUNT(*)) OVER () ${from} AND ${c} IS NOT NULL GROUP BY ${c}`,
      );
  }
  for (const batch of fixed) {
    const values = batch.map((b, slot) => `(${slot}, ${s(b.column)}, ${s(b.kind)}, ${s(b.statistic)})`).join(', ');
    const aggregates = batch.map((b, slot) => `CAST(${b.expr} AS ${dbl}) AS s${slot}`).join(', ');
    const pick = batch.map((_, slot) => `WHEN ${slot} THEN a.s${slot}`).join(' ');
    out.push(
      `INSERT INTO cbm_profiles SELECT ${loadId}, ${s(table)}, k.column_name, k.kind, k.statistic, CAST(NULL AS VARCHAR), CASE k.slot ${pick} END FROM (SELECT ${aggregates} ${from}) a CROSS JOIN (VALUES ${values}) AS k(slot, column_name, kind, statistic)`,
    );
  }
  // Each column's level shares group by that column alone; a batch of them is one statement.
  for (let at = 0; at < levels.length; at += PROFILE_BATCH_COLUMNS) out.push(`INSERT INTO cbm_profiles ${levels.slice(at, at + PROFILE_BATCH_COLUMNS).join(' UNION ALL ')}`);
  return out;
}

/** The load ids, oldest first, with their time, note and per-table row and reject counts. */
export async function loadHistory(db: SqlExecutor): Promise<SqlRow[]> {
  checkExecutor(db, 'loadHistory');
  return db.run(
    `SELECT l.load_id, CAST(l.loaded_at AS VARCHAR) AS loaded_at, l.note, t.table_name, t.source, t.row_count, t.rejected FROM cbm_loads l JOIN cbm_load_tables t ON t.load_id = l.load_id ORDER BY l.load_id, t.table_name`,
  );
}

/** The stored profile of one load of one table (long form: one row per statistic or level). */
export async function loadProfile(db: SqlExecutor, table: string, loadId: number): Promise<SqlRow[]> {
  checkExecutor(db, 'loadProfile');
  check(typeof table === 'string', `loadProfile: table must be a table name, got ${describeValue(table)}`);
  check(Number.isInteger(loadId) && loadId > 0, `loadProfile: loadId must be a positive whole number, got ${describeValue(loadId)}`);
  return db.run(
    `SELECT column_name, kind, statistic, level, value FROM cbm_profiles WHERE table_name = ${quoteString(db.dialect, table)} AND load_id = ${loadId} ORDER BY column_name, statistic, level`,
  );
}

/**
 * The rows one load brought into `raw_<table>`, as columns (dates as 'YYYY-MM-DD' text), for
 * `driftReport(readLoad(previous), readLoad(current))`.
 */
export async function readLoad(db: SqlExecutor, table: string, loadId: number): Promise<Record<string, Cell[]>> {
  const context = 'readLoad';
  checkExecutor(db, context);
  check(typeof table === 'string' && NAME.test(table), `${context}: table must be a plain name`);
  check(Number.isInteger(loadId) && loadId > 0, `${context}: loadId must be a positive whole number, got ${describeValue(loadId)}`);
  const raw = `raw_${table}`;
  const d = db.dialect;
  const columns = await db.run(`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ${quoteString(d, raw)} ORDER BY ordinal_position`);
  if (columns.length === 0) throw new CbmError('BAD_INPUT', `${context}: no table '${table}' has been loaded`);
  const names = columns.map((c) => String(c.column_name)).filter((n) => n !== '_load_id');
  const types = new Map(columns.map((c) => [String(c.column_name), String(c.data_type)]));
  const select = names.map((n) => (types.get(n) === 'DATE' ? `CAST(${quoteIdentifier(d, n)} AS VARCHAR) AS ${quoteIdentifier(d, n)}` : quoteIdentifier(d, n))).join(', ');
  const rows = await db.run(`SELECT ${select} FROM ${quoteIdentifier(d, raw)} WHERE _load_id = ${loadId}`);
  if (rows.length === 0) throw new CbmError('BAD_INPUT', `${context}: load ${loadId} brought no rows into '${table}'`);
  const out: Record<string, Cell[]> = Object.create(null);
  for (const n of names) out[n] = rows.map((r) => r[n] as Cell);
  return out;
}

/** The newest load id that loaded `table`. */
export async function latestLoadId(db: SqlExecutor, table: string, before?: number): Promise<number | null> {
  checkExecutor(db, 'latestLoadId');
  check(typeof table === 'string', `latestLoadId: table must be a table name, got ${describeValue(table)}`);
  check(before === undefined || (typeof before === 'number' && Number.isFinite(before)), `latestLoadId: before must be a load id, got ${describeValue(before)}`);
  const rows = await db.run(
    `SELECT MAX(load_id) AS id FROM cbm_load_tables WHERE table_name = ${quoteString(db.dialect, table)}${before === undefined ? '' : ` AND load_id < ${sqlNumber(db.dialect, before)}`}`,
  );
  return rows.length && rows[0].id !== null ? Number(rows[0].id) : null;
}
