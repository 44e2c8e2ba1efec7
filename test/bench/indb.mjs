/**
 * In-database benchmarks (appended to `npm run bench`; also runnable alone: `node test/bench/indb.mjs`).
 *
 * Data: synthetic.mjs's rows (y ~ (x1 + x2 + x3)^2, 7 coefficients), written to a CSV and read by
 * the database itself (DuckDB read_csv; PostgreSQL COPY), so every timing below runs on the same
 * rows. Timed (wall clock, median of the timed runs after one warm-up; ratios in one run):
 *   DuckDB, CBM_BENCH_INDB_ROWS rows (default 10,000,000; 1,000,000 with --quick):
 *     scoring: SUM over scoringSQL(model)            vs  SUM over a hand-written expression   target ≤ 1.2×
 *     fitLogitInDatabase to convergence              vs  one hand-written 28-sum aggregate pass  target ≤ 8×
 *     export the rows to JS (columnar) + fitLogit    (informational, against fitLogitInDatabase)
 *   PostgreSQL (when installed), CBM_BENCH_PG_ROWS rows (default 1,000,000): the same three, no targets.
 *   ClickHouse (when clickhouse-server is installed), a two-shard cluster on loopback
 *   (scripts/clickhouse-cluster.sh, or the one named by CBM_CLICKHOUSE_SHARDS), CBM_BENCH_CH_ROWS rows
 *   (default: the DuckDB rows), half on each shard's MergeTree table, fitted and scored through a
 *   Distributed table: the same three, no targets, plus what each shard read and sent back per
 *   Newton pass (from each shard's system.query_log).
 *   fitLogit in memory on the generated columns (no export), for reference.
 * Environment: CBM_BENCH_INDB=0 skips this section. Alone: node test/bench/indb.mjs [--quick]
 * [--rows=N] [--engines=duckdb,postgres,clickhouse,memory] (default all).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { FORMULA, NAMES, synthetic, writeCsv } from './synthetic.mjs';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

const fmt = (s) => (s == null || !Number.isFinite(s) ? '—' : s < 1 ? `${(s * 1e3).toFixed(s < 0.1 ? 1 : 0)} ms` : `${s.toFixed(2)} s`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
};

/**
 * Times two operations that are compared in alternation (A, B, A, B, …) after one warm-up each
 * (the fit's first run above warms the database's caches too),
 * so that both see the same machine load; medians of each.
 */
async function timePair(log, labelA, fnA, labelB, fnB, runs) {
  let resultA = await fnA();
  let resultB = await fnB();
  const a = [];
  const b = [];
  for (let r = 0; r < runs; r++) {
    let t = performance.now();
    resultA = await fnA();
    a.push((performance.now() - t) / 1000);
    t = performance.now();
    resultB = await fnB();
    b.push((performance.now() - t) / 1000);
  }
  log(`${labelA}: median ${fmt(median(a))} of ${runs} (${a.map(fmt).join(', ')}); ${labelB}: median ${fmt(median(b))} (${b.map(fmt).join(', ')})`);
  return [
    { medianSeconds: median(a), runs: a, result: resultA },
    { medianSeconds: median(b), runs: b, result: resultB },
  ];
}

async function timeAsync(log, label, fn, runs) {
  const t0 = performance.now();
  let result = await fn(); // warm-up (and the result kept for checks)
  const warm = (performance.now() - t0) / 1000;
  const times = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    result = await fn();
    times.push((performance.now() - t) / 1000);
  }
  const m = median(times);
  log(`${label}: warm-up ${fmt(warm)}, median ${fmt(m)} of ${runs} (min ${fmt(Math.min(...times))}, max ${fmt(Math.max(...times))})`);
  return { medianSeconds: m, runs: times, result };
}

/** The hand-written SQL a careful engineer would write for this one model: no guards, no casts. */
function handWritten(beta, dialect, table = 'bench') {
  const fence = dialect === 'postgres' ? ' OFFSET 0' : '';
  const b = beta.map((x) => String(x));
  const eta = `${b[0]} + ${b[1]} * x1 + ${b[2]} * x2 + ${b[3]} * x3 + ${b[4]} * x1 * x2 + ${b[5]} * x1 * x3 + ${b[6]} * x2 * x3`;
  const score = `1 / (1 + EXP(-(${eta})))`;
  const xs = ['1', 'x1', 'x2', 'x3', 'x1 * x2', 'x1 * x3', 'x2 * x3'];
  const sums = ['SUM(y * eta - greatest(eta, 0) - LN(1 + EXP(-abs(eta)))) AS ll'];
  for (let a = 0; a < 7; a++) {
    sums.push(`SUM(${a === 0 ? 'r' : `r * ${xs[a]}`}) AS g${a}`);
    for (let c = 0; c <= a; c++) sums.push(`SUM(w${a === 0 ? '' : ` * ${xs[a]}`}${c === 0 ? '' : ` * ${xs[c]}`}) AS h${a}_${c}`);
  }
  // One pass: η, μ, the weight and the residual per row, then 1 + 7 + 28 sums.
  // (PostgreSQL needs OFFSET 0 to compute η and μ once per row; on DuckDB it would materialise.)
  // (ClickHouse: one flat aggregate with WITH aliases, the only form a Distributed table runs on its shards.)
  const pass =
    dialect === 'clickhouse'
      ? `WITH ${eta} AS eta, 1 / (1 + EXP(-eta)) AS mu, y - mu AS r, mu * (1 - mu) AS w SELECT ${sums.join(', ')} FROM ${table}`
      : `SELECT ${sums.join(', ')} FROM (SELECT *, y - mu AS r, mu * (1 - mu) AS w FROM (SELECT *, 1 / (1 + EXP(-eta)) AS mu FROM (SELECT *, ${eta} AS eta FROM ${table}${fence}) AS a${fence}) AS b${fence}) AS c`;
  return { score, pass };
}

/** A throwaway PostgreSQL cluster in a temp folder (Unix socket only), as the tests start one. */
function startPostgres(log) {
  const base = '/usr/lib/postgresql';
  if (!fs.existsSync(base)) return null;
  const version = fs
    .readdirSync(base)
    .filter((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))[0];
  if (!version) return null;
  const bin = path.join(base, version, 'bin');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbm-bench-pg-'));
  fs.chmodSync(dir, 0o755);
  const asRoot = process.getuid?.() === 0;
  const as = (command, args) => execFileSync(asRoot ? 'runuser' : command, asRoot ? ['-u', 'postgres', '--', command, ...args] : args, { stdio: 'pipe' });
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    fs.chownSync(dir, uid, gid);
  }
  const port = 20000 + Math.floor(Math.random() * 20000);
  as(path.join(bin, 'initdb'), ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', 'cbm', '--no-sync', '-E', 'UTF8']);
  as(path.join(bin, 'pg_ctl'), [
    '-D',
    path.join(dir, 'data'),
    '-w',
    '-l',
    path.join(dir, 'log'),
    '-o',
    `-k ${dir} -p ${port} -c listen_addresses='' -c fsync=off -c max_parallel_workers_per_gather=2`,
    'start',
  ]);
  log(`PostgreSQL ${version} started in ${dir}`);
  return {
    config: { host: dir, port, user: 'cbm', database: 'postgres' },
    stop() {
      try {
        as(path.join(bin, 'pg_ctl'), ['-D', path.join(dir, 'data'), '-w', '-m', 'fast', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Times scoring, one hand pass and fitLogitInDatabase on one engine; `load` creates table `bench`. */
async function benchEngine(log, name, db, rows, runs, reference, table = 'bench') {
  const warehouse = require('@cbm-kit/kernel-lib/warehouse');
  const out = { engine: name, rows };
  const fitOnce = async () => {
    let queries = 0;
    const model = await warehouse.fitLogitInDatabase(
      async (sql) => {
        queries++;
        return db.run(sql);
      },
      { table, formula: FORMULA, dialect: db.dialect },
    );
    return { model, queries };
  };
  // The hand-written pass is written at the estimates of a first fit (any β costs the same).
  const first = await fitOnce();
  const hand = handWritten(Array.from(first.model.coefficients), db.dialect, table);
  const [fit, pass] = await timePair(log, `${name} fitLogitInDatabase`, fitOnce, `${name} one hand-written aggregate pass (1 + 7 + 28 sums)`, () => db.run(hand.pass), runs);
  const model = fit.result.model;
  out.fit = { medianSeconds: fit.medianSeconds, runs: fit.runs, queries: fit.result.queries, iterations: model.statistics.iterations };
  if (reference) {
    out.maxRelDiffVsFitLogit = Math.max(...NAMES.map((_n, j) => Math.abs(model.coefficients[j] - reference.coefficients[j]) / Math.abs(reference.coefficients[j])));
  }
  out.handPass = { medianSeconds: pass.medianSeconds, runs: pass.runs };
  const libraryScore = warehouse.scoringSQL(model, { dialect: db.dialect });
  const [scoreLib, scoreHand] = await timePair(
    log,
    `${name} SUM(scoringSQL(model))`,
    () => db.run(`SELECT SUM(${libraryScore}) AS s FROM ${table}`),
    `${name} SUM(hand-written score)`,
    () => db.run(`SELECT SUM(${hand.score}) AS s FROM ${table}`),
    Math.max(runs, 3),
  );
  out.scoring = { library: scoreLib.medianSeconds, hand: scoreHand.medianSeconds, librarySum: Number(scoreLib.result[0].s), handSum: Number(scoreHand.result[0].s) };
  return out;
}

/** The two-shard cluster: the one named by CBM_CLICKHOUSE_SHARDS, or one started by scripts/clickhouse-cluster.sh (null: not installed). */
function startClickHouse(log) {
  if (process.env.CBM_CLICKHOUSE_SHARDS)
    return { shards: process.env.CBM_CLICKHOUSE_SHARDS.split(','), cluster: process.env.CBM_CLICKHOUSE_CLUSTER ?? 'cbm', stop: () => undefined };
  try {
    execFileSync('sh', ['-c', 'command -v clickhouse-server || command -v /usr/sbin/clickhouse-server'], { stdio: 'pipe' });
  } catch {
    return null;
  }
  const script = path.join(root, 'scripts', 'clickhouse-cluster.sh');
  const env = Object.fromEntries(
    execFileSync(script, ['start'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => l.split(/=(.*)/s).slice(0, 2)),
  );
  log(`ClickHouse: two shards started in ${env.CBM_CLICKHOUSE_DIR}`);
  return {
    shards: env.CBM_CLICKHOUSE_SHARDS.split(','),
    cluster: env.CBM_CLICKHOUSE_CLUSTER,
    stop: () => execFileSync(script, ['stop', env.CBM_CLICKHOUSE_DIR], { stdio: 'pipe' }),
  };
}

/** POSTs a file to a ClickHouse server as the body of an INSERT (the HTTP interface's bulk load). */
async function insertFile(url, table, file) {
  const { Readable } = require('node:stream');
  const query = new URLSearchParams({ query: `INSERT INTO ${table} FORMAT CSVWithNames` });
  const response = await fetch(`${url}/?${query}`, { method: 'POST', body: Readable.toWeb(fs.createReadStream(file)), duplex: 'half' });
  if (!response.ok) throw new Error(`ClickHouse insert into ${table}: ${await response.text()}`);
}

/**
 * The data split in halves over the shards' MergeTree tables `bench`, queried through the
 * Distributed table `bench_all`; benchEngine's timings, then one more fit whose passes are read
 * back from each shard's system.query_log: rows and bytes each shard read, rows and bytes it sent.
 */
async function benchClickHouse(log, tmp, data, runs, reference) {
  const { openClickHouse } = require('@cbm-kit/kernel-lib/warehouse');
  const cluster = startClickHouse(log);
  if (!cluster) return { skipped: 'clickhouse-server is not installed (apt-get install -y clickhouse-server clickhouse-client)' };
  const shards = [];
  try {
    for (const url of cluster.shards) shards.push(await openClickHouse(url));
    const n = data.y.length;
    const half = Math.ceil(n / 2);
    for (const [k, shard] of shards.entries()) {
      const part = Object.fromEntries(Object.entries(data).map(([name, column]) => [name, k === 0 ? column.subarray(0, half) : column.subarray(half)]));
      const file = path.join(tmp, `clickhouse-${k}.csv`);
      writeCsv(file, part);
      await shard.run('DROP TABLE IF EXISTS bench');
      await shard.run('CREATE TABLE bench (y Float64, x1 Float64, x2 Float64, x3 Float64) ENGINE = MergeTree ORDER BY tuple()');
      await insertFile(cluster.shards[k], 'bench', file);
      fs.rmSync(file);
    }
    const coordinator = shards[0];
    await coordinator.run('DROP TABLE IF EXISTS bench_all');
    await coordinator.run(`CREATE TABLE bench_all AS bench ENGINE = Distributed(${cluster.cluster}, currentDatabase(), bench)`);
    const perShard = [];
    for (const shard of shards) perShard.push(Number((await shard.run('SELECT count() AS n FROM bench'))[0].n));
    log(`ClickHouse: loaded ${perShard.map((c) => c.toLocaleString('en')).join(' + ')} rows on the two shards`);
    const out = await benchEngine(log, 'ClickHouse (2 shards)', coordinator, n, runs, reference, 'bench_all');
    out.rowsPerShard = perShard;

    // One more fit, its Newton passes found in the query logs by time window and text.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const [{ now: from }] = await coordinator.run('SELECT toString(now()) AS now');
    const model = await require('@cbm-kit/kernel-lib/warehouse').fitLogitInDatabase(coordinator, { table: 'bench_all', formula: FORMULA });
    for (const shard of shards) await shard.run('SYSTEM FLUSH LOGS');
    const passes = await coordinator.run(
      `SELECT query_id, read_rows, read_bytes, query_duration_ms FROM system.query_log WHERE type = 2 AND is_initial_query = 1 AND event_time >= toDateTime('${from}') AND position(query, ' AS ll,') > 0 ORDER BY event_time`,
    );
    const ids = passes.map((p) => `'${p.query_id}'`).join(', ') || "''";
    const remote = [];
    for (const [k, shard] of shards.entries()) {
      const [row] = await shard.run(
        `SELECT count() AS queries, avg(read_rows) AS read_rows, avg(read_bytes) AS read_bytes, avg(result_rows) AS result_rows, avg(result_bytes) AS result_bytes, avg(query_duration_ms) AS ms FROM system.query_log WHERE type = 2 AND is_initial_query = 0 AND initial_query_id IN (${ids})`,
      );
      remote.push({ shard: k + 1, ...row });
    }
    const avg = (key) => passes.reduce((sum, p) => sum + Number(p[key]), 0) / Math.max(1, passes.length);
    out.perPass = {
      passes: passes.length,
      iterations: model.statistics.iterations,
      initiator: { readRows: avg('read_rows'), readBytes: avg('read_bytes'), ms: avg('query_duration_ms') },
      remoteParts: remote,
    };
    log(`ClickHouse per pass: ${JSON.stringify(out.perPass)}`);
    return out;
  } finally {
    for (const shard of shards) await shard.close();
    cluster.stop();
  }
}

export async function runInDatabaseBench({
  quick = false,
  rows = undefined,
  engines = ['duckdb', 'postgres', 'clickhouse', 'memory'],
  log = (m) => process.stderr.write(`[indb] ${m}\n`),
} = {}) {
  if (process.env.CBM_BENCH_INDB === '0') return null;
  const { openDuckDB, openPostgres } = require('@cbm-kit/kernel-lib/warehouse');
  const { fitLogit } = require('@cbm-kit/kernel-lib');
  const ROWS = rows ?? Number(process.env.CBM_BENCH_INDB_ROWS ?? (quick ? 1_000_000 : 10_000_000));
  const CH_ROWS = Number(process.env.CBM_BENCH_CH_ROWS ?? ROWS);
  const PG_ROWS = Number(process.env.CBM_BENCH_PG_ROWS ?? 1_000_000);
  const RUNS = Number(process.env.CBM_BENCH_INDB_RUNS ?? (quick ? 1 : 3));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cbm-bench-indb-'));
  fs.chmodSync(tmp, 0o755);
  const results = { rows: ROWS, pgRows: PG_ROWS, formula: FORMULA, cpus: os.cpus().length, loadAverageAtStart: os.loadavg() };
  try {
    log(`generating ${ROWS.toLocaleString('en')} synthetic rows`);
    const data = synthetic(ROWS);
    const csv = path.join(tmp, 'bench.csv');
    writeCsv(csv, data);
    fs.chmodSync(csv, 0o644);
    const columns = "{'y': 'DOUBLE', 'x1': 'DOUBLE', 'x2': 'DOUBLE', 'x3': 'DOUBLE'}";

    // fitLogit in memory on the columns as generated (no database, no export): the reference.
    let reference;
    if (engines.includes('memory')) {
      const memory = await timeAsync(log, 'fitLogit in memory', async () => fitLogit(data, FORMULA), RUNS);
      reference = memory.result;
      results.memory = { engine: 'fitLogit in memory', rows: ROWS, medianSeconds: memory.medianSeconds, iterations: reference.statistics.iterations };
    } else reference = fitLogit(data, FORMULA);

    if (engines.includes('clickhouse')) {
      const chData = CH_ROWS === ROWS ? data : synthetic(CH_ROWS);
      results.clickhouse = await benchClickHouse(log, tmp, chData, RUNS, CH_ROWS === ROWS ? reference : fitLogit(chData, FORMULA));
    }

    // DuckDB: a file database, so that the export below can read it with its own connection.
    const file = path.join(tmp, 'bench.duckdb');
    if (engines.includes('duckdb')) {
      const duck = await openDuckDB(file);
      await duck.run(`CREATE TABLE bench AS SELECT * FROM read_csv('${csv.replace(/'/g, "''")}', header = true, columns = ${columns})`);
      log(`DuckDB: loaded ${Number((await duck.run('SELECT COUNT(*) AS n FROM bench'))[0].n).toLocaleString('en')} rows`);
      results.duckdb = await benchEngine(log, 'DuckDB', duck, ROWS, RUNS, reference);
      await duck.close();

      // The alternative: export the rows to JS (DuckDB's columnar reader, the fastest export) and fit there.
      const { DuckDBInstance } = require('@duckdb/node-api');
      const exportFit = await timeAsync(
        log,
        'DuckDB export to JS (columnar) + fitLogit',
        async () => {
          const instance = await DuckDBInstance.create(file);
          const connection = await instance.connect();
          try {
            const reader = await connection.runAndReadAll('SELECT y, x1, x2, x3 FROM bench');
            const [y, x1, x2, x3] = reader.getColumnsJS().map((c) => Float64Array.from(c));
            return fitLogit({ y, x1, x2, x3 }, FORMULA);
          } finally {
            connection.closeSync();
            instance.closeSync();
          }
        },
        Math.min(RUNS, 1),
      );
      results.duckdb.exportAndFit = { medianSeconds: exportFit.medianSeconds };
    }

    // PostgreSQL at PG_ROWS rows.
    const cluster = engines.includes('postgres') ? startPostgres(log) : null;
    if (cluster) {
      try {
        const pgCsv = path.join(tmp, 'bench-pg.csv');
        const pgData = ROWS === PG_ROWS ? data : synthetic(PG_ROWS);
        if (ROWS === PG_ROWS) fs.copyFileSync(csv, pgCsv);
        else writeCsv(pgCsv, pgData);
        fs.chmodSync(pgCsv, 0o644);
        const pg = await openPostgres(cluster.config);
        await pg.run('CREATE TABLE bench (y DOUBLE PRECISION, x1 DOUBLE PRECISION, x2 DOUBLE PRECISION, x3 DOUBLE PRECISION)');
        await pg.run(`COPY bench FROM '${pgCsv.replace(/'/g, "''")}' WITH (FORMAT csv, HEADER true)`);
        await pg.run('ANALYZE bench');
        log(`PostgreSQL: loaded ${Number((await pg.run('SELECT COUNT(*) AS n FROM bench'))[0].n).toLocaleString('en')} rows`);
        results.postgres = await benchEngine(log, 'PostgreSQL', pg, PG_ROWS, RUNS, fitLogit(pgData, FORMULA));
        await pg.close();
      } finally {
        cluster.stop();
      }
    } else if (engines.includes('postgres')) results.postgres = { skipped: 'PostgreSQL is not installed (apt-get install -y postgresql)' };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  const rowsLabel = (n) => (n >= 1e6 ? `${n / 1e6}M` : n.toLocaleString('en'));
  const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}×` : '—');
  const lines = [
    '',
    '### In-database (scoringSQL, fitLogitInDatabase)',
    '',
    '| engine | rows | operation | time (median) | compared with | its time | ratio | target | met? |',
    '|---|---:|---|---:|---|---:|---:|---:|:---:|',
  ];
  for (const r of [results.duckdb, results.postgres, results.clickhouse]) {
    if (!r || r.skipped) continue;
    const target = r.engine === 'DuckDB';
    const scoreRatio = r.scoring.library / r.scoring.hand;
    const fitRatio = r.fit.medianSeconds / r.handPass.medianSeconds;
    lines.push(
      `| ${r.engine} | ${rowsLabel(r.rows)} | score: SUM(scoringSQL(model)) | ${fmt(r.scoring.library)} | hand-written expression | ${fmt(r.scoring.hand)} | ${ratio(r.scoring.library, r.scoring.hand)} | ${target ? '≤ 1.2×' : '—'} | ${target ? (scoreRatio <= 1.2 ? 'yes' : '**no**') : '—'} |`,
    );
    lines.push(
      `| ${r.engine} | ${rowsLabel(r.rows)} | fitLogitInDatabase (${r.fit.queries} queries, ${r.fit.iterations} Newton steps) | ${fmt(r.fit.medianSeconds)} | one hand-written 28-sum pass | ${fmt(r.handPass.medianSeconds)} | ${ratio(r.fit.medianSeconds, r.handPass.medianSeconds)} | ${target ? '≤ 8×' : '—'} | ${target ? (fitRatio <= 8 ? 'yes' : '**no**') : '—'} |`,
    );
    if (r.exportAndFit)
      lines.push(
        `| ${r.engine} | ${rowsLabel(r.rows)} | export rows to JS (columnar) + fitLogit | ${fmt(r.exportAndFit.medianSeconds)} | fitLogitInDatabase | ${fmt(r.fit.medianSeconds)} | ${ratio(r.exportAndFit.medianSeconds, r.fit.medianSeconds)} | — | — |`,
      );
  }
  if (results.memory)
    lines.push(
      `| fitLogit in memory | ${rowsLabel(results.memory.rows)} | fitLogit on the columns (${results.memory.iterations} Newton steps) | ${fmt(results.memory.medianSeconds)} | — | — | — | — | — |`,
    );
  for (const r of [results.duckdb, results.postgres, results.clickhouse]) {
    if (r && !r.skipped)
      lines.push(
        '',
        `${r.engine}: fitLogitInDatabase vs fitLogit on the same rows: max relative coefficient difference ${r.maxRelDiffVsFitLogit.toExponential(1)}; SUM of scores library ${r.scoring.librarySum} vs hand ${r.scoring.handSum}.`,
      );
  }
  if (results.postgres?.skipped) lines.push('', `PostgreSQL: skipped (${results.postgres.skipped}).`);
  if (results.clickhouse?.skipped) lines.push('', `ClickHouse: skipped (${results.clickhouse.skipped}).`);
  const pass = results.clickhouse?.perPass;
  if (pass) {
    const mb = (b) => `${(Number(b) / 1e6).toFixed(1)} MB`;
    lines.push(
      '',
      `ClickHouse, per Newton pass (${pass.passes} passes, ${pass.iterations} Newton steps; from system.query_log): the initiating server read ${Math.round(pass.initiator.readRows).toLocaleString('en')} rows (${mb(pass.initiator.readBytes)}) in ${Math.round(pass.initiator.ms)} ms; ` +
        pass.remoteParts
          .filter((r) => Number(r.queries) > 0)
          .map(
            (r) =>
              `shard ${r.shard}'s part (a query from the initiator) read ${Math.round(r.read_rows).toLocaleString('en')} rows (${mb(r.read_bytes)}) in ${Math.round(r.ms)} ms and returned ${Math.round(r.result_rows)} row of partial sums (result_bytes ${Math.round(r.result_bytes).toLocaleString('en')}, ClickHouse's count for the block)`,
          )
          .join('; ') +
        '.',
    );
  }
  results.loadAverageAtEnd = os.loadavg();
  lines.push(
    '',
    `Load average at start ${results.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}, at end ${results.loadAverageAtEnd.map((l) => l.toFixed(2)).join(' ')} (${results.cpus} cores).`,
  );
  process.stdout.write(lines.join('\n') + '\n');
  const outFile = path.join(root, 'out', 'bench', 'indb.json');
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, JSON.stringify(results, null, 2) + '\n');
  log(`results written to ${path.relative(root, outFile)}`);
  return results;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const option = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const rows = option('rows');
  const engines = option('engines');
  await runInDatabaseBench({ quick: process.argv.includes('--quick'), rows: rows === undefined ? undefined : Number(rows), engines: engines?.split(',') });
}
