/** One result row as a plain object, column name to value. */
export type SqlRow = Record<string, unknown>;

/** The SQL dialects the generators write. */
export type SqlDialect = 'duckdb' | 'postgres' | 'spark' | 'clickhouse';

/** Runs one statement and resolves to its rows: the least a caller must supply to fit in a database. */
export type SqlRun = (sql: string) => Promise<SqlRow[]>;

/**
 * The one seam between cbm-kit's SQL and a database: anything that runs a statement and returns
 * its rows as plain objects. The SQL generators in this folder are pure and know nothing of
 * drivers; the warehouse entry's DuckDB, PostgreSQL and ClickHouse executors implement
 * `SqlExecutor`, and so can a caller's own (Spark through a gateway, a test double), or a bare
 * `SqlRun` function.
 */
export interface SqlExecutor {
  /** The dialect the SQL must be written in for this database. */
  readonly dialect: SqlDialect;
  /** Runs one statement; returns its rows (BIGINT as number when it is a safe integer). */
  run(sql: string): Promise<SqlRow[]>;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (run: SqlRun) => Promise<T>): Promise<T>;
  /** Releases the connection (or this handle's share of a shared database file); run nothing on it afterwards. */
  close(): Promise<void>;
}
