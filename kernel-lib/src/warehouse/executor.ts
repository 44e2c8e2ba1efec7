/**
 * The one seam between cbm-kit's SQL and a database: anything that runs a statement and returns
 * its rows as plain objects. The SQL generators (`sql/`) are pure and know nothing of drivers;
 * DuckDB and PostgreSQL executors implement this interface, and so can a caller's own (Spark
 * through a gateway, a test double).
 */
export type SqlRow = Record<string, unknown>;

export type SqlDialect = 'duckdb' | 'postgres' | 'spark';

export interface SqlExecutor {
  /** The dialect the SQL must be written in for this database. */
  readonly dialect: SqlDialect;
  /** Runs one statement; returns its rows (BIGINT as number when it is a safe integer). */
  run(sql: string): Promise<SqlRow[]>;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (run: (sql: string) => Promise<SqlRow[]>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
