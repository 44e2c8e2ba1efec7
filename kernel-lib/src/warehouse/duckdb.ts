import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { CbmError, check } from '../errors';
import type { SqlExecutor, SqlRow } from '../sql/executor';
import { serialExecutor } from './executor';

/** The warehouse file `npm start` builds, relative to the working directory. */
export const DEFAULT_DUCKDB_PATH = 'out/cbm.duckdb';

/**
 * Opens (or creates) an embedded DuckDB database: a file path, or ':memory:'. The folder of a
 * file is created when missing. One connection serves every statement, so statements run in
 * order and a transaction sees its own writes.
 *
 * @example
 * const db = await openDuckDB(':memory:');
 * await db.run('CREATE TABLE t AS SELECT 1 AS x');
 * (await db.run('SELECT x FROM t'))[0].x; // 1
 * await db.close();
 */
export async function openDuckDB(path: string = DEFAULT_DUCKDB_PATH): Promise<SqlExecutor> {
  check(typeof path === 'string' && path.length > 0, `openDuckDB: path must be a file path or ':memory:', got ${String(path)}`);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  try {
    instance = await DuckDBInstance.create(path);
    connection = await instance.connect();
  } catch (error) {
    throw new CbmError('BAD_INPUT', `openDuckDB: cannot open '${path}': ${error instanceof Error ? error.message : String(error)}`, { path });
  }
  let open = true;
  const runNow = async (sql: string): Promise<SqlRow[]> => {
    check(open, 'duckdb: the database is closed');
    try {
      const reader = await connection.runAndReadAll(sql);
      return reader.getRowObjectsJS().map(plainRow);
    } catch (error) {
      throw new CbmError('SQL_ERROR', `duckdb: ${error instanceof Error ? error.message : String(error)}`, { sql });
    }
  };
  return serialExecutor('duckdb', {
    runNow,
    begin: 'BEGIN TRANSACTION',
    close: async () => {
      open = false;
      connection.closeSync();
      instance.closeSync();
    },
  });
}

/** BIGINT/HUGEINT arrive as bigint: numbers when exactly representable, text otherwise. */
function plainRow(row: Record<string, unknown>): SqlRow {
  const out: SqlRow = Object.create(null);
  for (const key of Object.keys(row)) {
    const value = row[key];
    out[key] = typeof value === 'bigint' ? (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString()) : value;
  }
  return out;
}
