import { mkdirSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { CbmError, check } from '../errors';
import type { SqlExecutor, SqlRow } from '../sql/executor';
import { loadDriver } from './driver';
import { serialExecutor } from './executor';

/** The warehouse file `npm start` builds, relative to the working directory. */
export const DEFAULT_DUCKDB_PATH = 'out/cbm.duckdb';

/**
 * Opens (or creates) an embedded DuckDB database: a file path, or ':memory:'. The folder of a
 * file is created when missing. One connection serves every statement, so statements run in
 * order and a transaction sees its own writes.
 *
 * A file is opened once per process: a second `openDuckDB` of the same file (by its real path)
 * returns a handle on the same connection and statement queue, so two callers' transactions run
 * one after the other and never both take the same load id; the database closes when the last
 * handle is closed. Each ':memory:' call is its own database.
 *
 * @example
 * const db = await openDuckDB(':memory:');
 * await db.run('CREATE TABLE t AS SELECT 1 AS x');
 * (await db.run('SELECT x FROM t'))[0].x; // 1
 * await db.close();
 */
export async function openDuckDB(path: string = DEFAULT_DUCKDB_PATH): Promise<SqlExecutor> {
  check(typeof path === 'string' && path.length > 0, `openDuckDB: path must be a file path or ':memory:', got ${String(path)}`);
  if (path === ':memory:') {
    const memory = await connect(path);
    return handle(memory, () => memory.close());
  }
  mkdirSync(dirname(path), { recursive: true });
  const key = fileKey(path);
  let entry = shared.get(key);
  if (!entry) {
    // Registered before the first await, so that concurrent opens of one file share one connection.
    const created: SharedDatabase = { executor: connect(path), handles: 0 };
    entry = created;
    shared.set(key, created);
    created.executor.catch(() => {
      if (shared.get(key) === created) shared.delete(key);
    });
  }
  const opened = entry;
  opened.handles++;
  let executor: SqlExecutor;
  try {
    executor = await opened.executor;
  } catch (error) {
    opened.handles--;
    throw error;
  }
  return handle(executor, async () => {
    if (--opened.handles > 0) return;
    if (shared.get(key) === opened) shared.delete(key);
    await executor.close();
  });
}

interface SharedDatabase {
  executor: Promise<SqlExecutor>;
  handles: number;
}

/** Open DuckDB files of this process by real path. */
const shared = new Map<string, SharedDatabase>();

/** The file's real path (symbolic links and '..' resolved; the folder's when the file does not exist yet). */
function fileKey(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    try {
      return join(realpathSync(dirname(absolute)), basename(absolute));
    } catch {
      return absolute;
    }
  }
}

/** A caller's view of an executor: its own close (once), after which its statements are refused. */
function handle(executor: SqlExecutor, release: () => Promise<void> | void): SqlExecutor {
  let open = true;
  const ensureOpen = () => check(open, 'duckdb: the database is closed');
  return {
    dialect: executor.dialect,
    run: async (sql) => {
      ensureOpen();
      return executor.run(sql);
    },
    transaction: async (work) => {
      ensureOpen();
      return executor.transaction(work);
    },
    close: async () => {
      if (!open) return;
      open = false;
      await release();
    },
  };
}

async function connect(path: string): Promise<SqlExecutor> {
  const duckdb = await loadDriver('@duckdb/node-api', 'openDuckDB', () => import('@duckdb/node-api'));
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  try {
    instance = await duckdb.DuckDBInstance.create(path);
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
