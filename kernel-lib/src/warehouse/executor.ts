import { check, describeValue } from '../errors';
import type { SqlDialect, SqlExecutor, SqlRow } from '../sql/executor';

/** Checks that `db` is an open executor (openDuckDB, openPostgres) before it is used. */
export function checkExecutor(db: unknown, context: string): asserts db is SqlExecutor {
  check(
    db !== null && typeof db === 'object' && typeof (db as SqlExecutor).run === 'function' && typeof (db as SqlExecutor).dialect === 'string',
    `${context}: the first argument must be an open database (openDuckDB, openPostgres), got ${describeValue(db)}`,
  );
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
