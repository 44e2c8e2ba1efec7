import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

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
    execFileSync('sh', ['-c', 'command -v clickhouse-server'], { stdio: 'pipe' });
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
