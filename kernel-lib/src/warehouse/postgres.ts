import type { ClientConfig } from 'pg';
import { CbmError, check } from '../errors';
import type { SqlExecutor, SqlRow } from '../sql/executor';
import { loadDriver } from './driver';
import { serialExecutor } from './executor';

/**
 * Connects to a PostgreSQL server with the `pg` client: a connection string
 * (`postgres://user@host:5432/db`, or `postgresql:///db?host=/run/postgresql` for a Unix socket)
 * or a `pg` ClientConfig. One connection serves every statement, in order, as with DuckDB; each
 * `run` is one statement (sent with the extended query protocol, which refuses a second one).
 *
 * Numbers arrive as numbers: BIGINT (COUNT, SUM of integers) as a number when it is a safe
 * integer (text otherwise) and NUMERIC as the nearest double, so that the library's SQL (which
 * reads counts and sums) sees the same row shapes on PostgreSQL as on DuckDB.
 *
 * @example
 * // const db = await openPostgres('postgresql://cbm@localhost/cbm');
 * // (await db.run('SELECT 1 AS x'))[0].x; // 1
 * // await db.close();
 * const connection = 'postgresql://cbm@localhost/cbm';
 */
export async function openPostgres(connection: string | ClientConfig): Promise<SqlExecutor> {
  check(
    (typeof connection === 'string' && connection.length > 0) || (connection !== null && typeof connection === 'object' && !Array.isArray(connection)),
    `openPostgres: connection must be a connection string like 'postgresql://user@host/db' or a pg ClientConfig, got ${String(connection)}`,
  );
  const config: ClientConfig = typeof connection === 'string' ? { connectionString: connection } : { ...connection };
  const pg = await loadDriver('pg', 'openPostgres', () => import('pg'));
  config.types = { getTypeParser: typeParser(pg) as never };
  const client = new pg.Client(config);
  // A dropped connection must not crash the process; the next statement reports it.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw new CbmError('BAD_INPUT', `openPostgres: cannot connect: ${error instanceof Error ? error.message : String(error)}`);
  }
  let open = true;
  const runNow = async (sql: string): Promise<SqlRow[]> => {
    check(open, 'postgres: the connection is closed');
    try {
      // The extended protocol runs exactly one statement per call: the server refuses a text with
      // a second one, so a quoting mistake anywhere can never chain a statement.
      const result = await client.query({ text: sql, queryMode: 'extended' } as never);
      return ((result as { rows?: Record<string, unknown>[] }).rows ?? []).map((row) => Object.assign(Object.create(null), row) as SqlRow);
    } catch (error) {
      throw new CbmError('SQL_ERROR', `postgres: ${error instanceof Error ? error.message : String(error)}`, { sql });
    }
  };
  return serialExecutor('postgres', {
    runNow,
    begin: 'BEGIN',
    close: async () => {
      open = false;
      await client.end();
    },
  });
}

const INT8 = 20;
const NUMERIC = 1700;

/** BIGINT counts and NUMERIC arrive as numbers (BIGINT as text beyond 2^53); the rest as pg parses them. */
function typeParser(pg: typeof import('pg')): (oid: number, format?: 'text' | 'binary') => (value: string) => unknown {
  return (oid, format) => {
    if (oid === INT8) {
      return (value: string) => {
        const n = Number(value);
        return Number.isSafeInteger(n) ? n : value;
      };
    }
    if (oid === NUMERIC) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format ?? 'text');
  };
}
