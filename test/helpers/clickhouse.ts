import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { quoteIdentifier, quoteString, sqlNumber } from '../../kernel-lib/src/sql/dialect';
import type { SqlExecutor } from '../../kernel-lib/src/sql/executor';

/**
 * The two-shard ClickHouse cluster of scripts/clickhouse-cluster.sh for tests: started for the
 * test file and stopped after it, or, when CBM_CLICKHOUSE_SHARDS is set (the script's `start`
 * output, eval'ed), the running one is reused and left running.
 *
 * Tests skip only when clickhouse-server is absent outside CI; in CI (CI set) a missing server
 * is an error, so a CI run can never pass without the distributed tests.
 */
export interface ClickHouseTestCluster {
  /** The HTTP URL of each shard's server, shard 1 first. */
  shards: string[];
  /** The <remote_servers> name of the two-shard cluster, for ENGINE = Distributed(cluster, db, table). */
  cluster: string;
  stop(): void;
}

const script = join(__dirname, '..', '..', 'scripts', 'clickhouse-cluster.sh');

function serverInstalled(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v clickhouse-server || command -v /usr/sbin/clickhouse-server'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** Whether the ClickHouse tests run here; throws in CI when the server is missing. */
export function clickhouseAvailable(): boolean {
  if (process.env.CBM_CLICKHOUSE_SHARDS) return true;
  if (serverInstalled()) return true;
  if (process.env.CI) throw new Error('CI: clickhouse-server is not installed, so the distributed tests cannot run (.ci/run installs clickhouse-server clickhouse-client)');
  return false;
}

export function startClickHouse(): ClickHouseTestCluster {
  const reuse = process.env.CBM_CLICKHOUSE_SHARDS;
  if (reuse) return { shards: reuse.split(','), cluster: process.env.CBM_CLICKHOUSE_CLUSTER ?? 'cbm', stop: () => undefined };
  const output = execFileSync(script, ['start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const env = Object.fromEntries(output.split('\n').flatMap((line) => (/^CBM_CLICKHOUSE_\w+=/.test(line) ? [line.split(/=(.*)/s).slice(0, 2)] : [])));
  const dir = env.CBM_CLICKHOUSE_DIR;
  if (!dir || !env.CBM_CLICKHOUSE_SHARDS) throw new Error(`scripts/clickhouse-cluster.sh start printed no cluster:\n${output}`);
  let stopped = false;
  return {
    shards: env.CBM_CLICKHOUSE_SHARDS.split(','),
    cluster: env.CBM_CLICKHOUSE_CLUSTER,
    stop() {
      if (stopped) return;
      stopped = true;
      execFileSync(script, ['stop', dir], { stdio: 'pipe' });
    },
  };
}

/**
 * Creates `name` as a MergeTree table on every shard, writes row i to shard i % shards directly
 * (a Distributed table's own inserts are asynchronous; exact literals: sqlNumber, quoteString),
 * with its position in a `cbm_row` column, and `name_all`, a Distributed table over them, on the
 * first shard. Returns the Distributed table's name.
 */
export async function distributeRows(
  shards: readonly SqlExecutor[],
  cluster: string,
  name: string,
  columns: Record<string, 'double' | 'text'>,
  rows: readonly Record<string, unknown>[],
): Promise<string> {
  const names = Object.keys(columns);
  const q = (n: string) => quoteIdentifier('clickhouse', n);
  const type = (n: string) => {
    const base = columns[n] === 'double' ? 'Float64' : 'String';
    return rows.some((r) => r[n] === null || r[n] === undefined) ? `Nullable(${base})` : base;
  };
  const literal = (value: unknown, kind: 'double' | 'text') =>
    value === null || value === undefined ? 'NULL' : kind === 'double' ? sqlNumber('clickhouse', Number(value)) : quoteString('clickhouse', String(value));
  for (const [k, shard] of shards.entries()) {
    await shard.run(`DROP TABLE IF EXISTS ${q(name)}`);
    await shard.run(`CREATE TABLE ${q(name)} (${q('cbm_row')} UInt32, ${names.map((n) => `${q(n)} ${type(n)}`).join(', ')}) ENGINE = MergeTree ORDER BY ${q('cbm_row')}`);
    const mine = rows.map((r, i) => ({ r, i })).filter(({ i }) => i % shards.length === k);
    for (let start = 0; start < mine.length; start += 2000) {
      const values = mine.slice(start, start + 2000).map(({ r, i }) => `(${i}, ${names.map((n) => literal(r[n], columns[n])).join(', ')})`);
      await shard.run(`INSERT INTO ${q(name)} VALUES ${values.join(', ')}`);
    }
  }
  const all = `${name}_all`;
  await shards[0].run(`DROP TABLE IF EXISTS ${q(all)}`);
  await shards[0].run(`CREATE TABLE ${q(all)} AS ${q(name)} ENGINE = Distributed(${cluster}, currentDatabase(), ${q(name)})`);
  return all;
}
