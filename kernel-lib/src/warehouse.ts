/**
 * @cbm-kit/kernel-lib/warehouse – database executors (embedded DuckDB; PostgreSQL; ClickHouse) and the work
 * that runs inside them. Kept out of the numeric root entry so that browser and Excel bundles
 * never load a native module.
 *
 * @example
 * import { openDuckDB } from '@cbm-kit/kernel-lib/warehouse';
 * const db = await openDuckDB(':memory:');
 * await db.close();
 */
export { openDuckDB, DEFAULT_DUCKDB_PATH } from './warehouse/duckdb';
export { openPostgres } from './warehouse/postgres';
export { openClickHouse } from './warehouse/clickhouse';
// The SQL generators, for warehouse users' convenience (the sql entry is their home).
export * from './sql';
export {
  loadFiles,
  profileSql,
  loadHistory,
  loadProfile,
  readLoad,
  latestLoadId,
  ensureCatalog,
  COLUMN_TYPES,
  type ColumnType,
  type LoadSource,
  type LoadOptions,
  type LoadResult,
  type RejectedRow,
} from './warehouse/load';
export { refreshModelTables, buildChurnTable, buildDashboardTables, saveDriftReport, readTable } from './warehouse/refresh';
