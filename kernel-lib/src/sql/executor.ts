import { CbmError } from '../errors';

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

/**
 * `run` with its answers checked: a caller's own executor (a gateway, a test double) must resolve
 * to an array of row objects; anything else is a SQL_ERROR naming the statement, never a
 * TypeError deep in the code that reads the rows.
 */
export function checkedRun(run: SqlRun, context: string): SqlRun {
  return async (sql) => {
    const rows: unknown = await run(sql);
    if (!Array.isArray(rows) || !rows.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r)))
      throw new CbmError(
        'SQL_ERROR',
        `${context}: the executor answered ${Array.isArray(rows) ? 'a list that is not all row objects' : typeof rows} for '${sql.slice(0, 80)}…'; it must resolve to an array of row objects`,
        {
          sql,
        },
      );
    return rows as SqlRow[];
  };
}
