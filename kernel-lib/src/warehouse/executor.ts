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

/**
 * An executor over one connection: statements run one after another (a transaction sees its own
 * writes, nothing interleaves with it), `transaction` wraps work in BEGIN/COMMIT and rolls back
 * when it throws, and `close` runs after what is queued. Each driver supplies how to run one
 * statement, its BEGIN statement and how to close; the queue and the transaction rule live here.
 */
export function serialExecutor(dialect: SqlDialect, driver: { runNow: (sql: string) => Promise<SqlRow[]>; begin: string; close: () => Promise<void> }): SqlExecutor {
  let queue: Promise<unknown> = Promise.resolve();
  let open = true;
  const enqueue = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work);
    queue = next.catch(() => undefined);
    return next;
  };
  const { runNow } = driver;
  return {
    dialect,
    run: (sql) => enqueue(() => runNow(sql)),
    transaction: (work) =>
      enqueue(async () => {
        await runNow(driver.begin);
        try {
          const result = await work(runNow);
          await runNow('COMMIT');
          return result;
        } catch (error) {
          await runNow('ROLLBACK');
          throw error;
        }
      }),
    close: () =>
      enqueue(async () => {
        if (!open) return;
        open = false;
        await driver.close();
      }),
  };
}
