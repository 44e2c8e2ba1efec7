import { afterAll, beforeAll } from 'vitest';
import type { SqlExecutor } from '../../kernel-lib/src/sql/executor';
import { openDuckDB } from '../../kernel-lib/src/warehouse/duckdb';
import { openPostgres } from '../../kernel-lib/src/warehouse/postgres';
import { postgresBin, startPostgres, type TestCluster } from './postgres';

/** One engine an in-database test runs on; `setup` is a statement to run on each new connection. */
export interface SqlEngine {
  name: string;
  open: () => Promise<SqlExecutor>;
  setup?: string;
}

/**
 * The engines of an in-database test file: embedded DuckDB, and PostgreSQL where it is installed,
 * on a throwaway cluster started before the file's tests and stopped after them (call this at the
 * top level of the file). `postgres` lists the PostgreSQL engines (by default one, with no setup),
 * e.g. one per standard_conforming_strings setting. `cluster()` is the running cluster, for tests
 * that connect to it themselves.
 */
export function sqlEngines(postgres: readonly { name: string; setup?: string }[] = [{ name: 'PostgreSQL' }]): { engines: SqlEngine[]; cluster: () => TestCluster } {
  let running: TestCluster | null = null;
  const cluster = () => {
    if (!running) throw new Error('the PostgreSQL test cluster is not running');
    return running;
  };
  const engines: SqlEngine[] = [{ name: 'DuckDB', open: () => openDuckDB(':memory:') }];
  if (postgresBin()) for (const p of postgres) engines.push({ ...p, open: () => openPostgres(cluster().config) });
  beforeAll(() => {
    if (postgresBin()) running = startPostgres();
  });
  afterAll(() => running?.stop());
  return { engines, cluster };
}
