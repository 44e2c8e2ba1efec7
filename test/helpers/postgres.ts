import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throwaway PostgreSQL cluster for tests: initdb in a temp folder, pg_ctl start listening only
 * on a Unix socket in that folder (no TCP), trust authentication for the user 'cbm'; stop()
 * shuts it down and removes the folder. Needs Debian's postgresql package (any major version
 * under /usr/lib/postgresql). initdb refuses to run as root, so as root it runs as 'postgres'.
 */
export interface TestCluster {
  /** A `pg` ClientConfig for the cluster. */
  config: { host: string; port: number; user: string; database: string };
  /** The same as a connection string. */
  url: string;
  stop(): void;
}

export function postgresBin(): string | null {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(base, versions[0], 'bin') : null;
}

export function startPostgres(): TestCluster {
  const bin = postgresBin();
  if (!bin) throw new Error('PostgreSQL is not installed (apt-get install -y postgresql)');
  const dir = mkdtempSync(join(tmpdir(), 'cbm-pg-'));
  const asRoot = process.getuid?.() === 0;
  const as = (command: string, args: string[]) => {
    if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], { stdio: 'pipe' });
    else execFileSync(command, args, { stdio: 'pipe' });
  };
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const port = 20000 + Math.floor(Math.random() * 20000);
  as(join(bin, 'initdb'), ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'cbm', '--no-sync', '-E', 'UTF8']);
  as(join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-w', '-l', join(dir, 'log'), '-o', `-k ${dir} -p ${port} -c listen_addresses='' -c fsync=off`, 'start']);
  let stopped = false;
  return {
    config: { host: dir, port, user: 'cbm', database: 'postgres' },
    url: `postgresql://cbm@/postgres?host=${encodeURIComponent(dir)}&port=${port}`,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        as(join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-w', '-m', 'fast', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
