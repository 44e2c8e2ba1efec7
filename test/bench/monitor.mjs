/**
 * Benchmarks of issue 12 (warehouse, monitoring, churn), run by `npm run bench` after the
 * logit benchmarks (test/bench/run.mjs imports this file), or alone:
 *   node test/bench/monitor.mjs [--rows=N] [--quick]
 *
 * Data: the synthetic customer base `customerBase({ customers })` (kernel-lib, seeded), with
 * enough customers for N event rows; the first N events are written to a CSV in a temp dir.
 * Timed (wall clock, median of timed runs after one warm-up; GC forced before each run):
 *   loadFiles (declared schema, strict checks, profile of every column, one transaction)
 *     vs DuckDB's own read_csv of the same file into a table (the floor: the same parse, no checks);
 *   churnModelTable over the N events: SQL inside DuckDB (churnModelTableSql into a table) vs JS;
 *   ksTest on 1M vs 1M doubles (target ≤ 0.5 s).
 * Output: a markdown table on stdout; JSON in out/bench/monitor.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import v8 from 'node:v8';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const require = createRequire(import.meta.url);

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

const fmt = (s) => (s == null ? '—' : s < 1 ? `${(s * 1e3).toFixed(0)} ms` : `${s.toFixed(2)} s`);

async function timeAsync(label, fn, runs, log) {
  await fn(); // warm-up
  const times = [];
  let result;
  for (let r = 0; r < runs; r++) {
    gc();
    const t0 = process.hrtime.bigint();
    result = await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  log(`${label}: median ${fmt(median(times))} over ${runs} run(s)`);
  return { medianSeconds: median(times), runs: times, result };
}

export async function runMonitorBench({
  rows = 1_000_000,
  quick = false,
  out = path.join(root, 'out', 'bench', 'monitor.json'),
  log = (m) => process.stderr.write(`[bench monitor] ${m}\n`),
} = {}) {
  const kernel = require('@cbm-kit/kernel-lib');
  const { customerBase } = require('@cbm-kit/kernel-lib/datasets');
  const warehouse = require('@cbm-kit/kernel-lib/warehouse');
  const runs = quick ? 1 : 3;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbm-bench-monitor-'));
  const results = { rows, runs };
  try {
    log(`generating the customer base for ${rows.toLocaleString('en')} events`);
    const base = customerBase({ customers: Math.ceil(rows / 15) });
    if (base.events.length < rows) throw new Error(`only ${base.events.length} events generated`);
    const events = base.events.slice(0, rows);
    const eventsCsv = path.join(dir, 'events.csv');
    const lines = ['customer_id,date,type,amount'];
    for (const e of events) lines.push(`${e.customer_id},${e.date},${e.type},${e.amount}`);
    fs.writeFileSync(eventsCsv, lines.join('\n') + '\n');
    const customersCsv = path.join(dir, 'customers.csv');
    fs.writeFileSync(
      customersCsv,
      ['customer_id,segment,product,signup_date', ...base.customers.map((c) => `${c.customer_id},${c.segment},${c.product},${c.signup_date}`)].join('\n') + '\n',
    );
    const schema = { customer_id: 'BIGINT', date: 'DATE', type: 'VARCHAR', amount: 'DOUBLE' };

    const floor = await timeAsync(
      'DuckDB read_csv into a table (floor)',
      async () => {
        const db = await warehouse.openDuckDB(':memory:');
        await db.run(
          `CREATE TABLE t AS SELECT * FROM read_csv('${eventsCsv}', header = true, auto_detect = false, columns = {'customer_id': 'BIGINT', 'date': 'DATE', 'type': 'VARCHAR', 'amount': 'DOUBLE'})`,
        );
        await db.close();
      },
      runs,
      log,
    );
    const load = await timeAsync(
      'loadFiles + profile',
      async () => {
        const db = await warehouse.openDuckDB(':memory:');
        const r = await warehouse.loadFiles(db, [{ table: 'events', path: eventsCsv, schema }]);
        await db.close();
        return r;
      },
      runs,
      log,
    );

    const db = await warehouse.openDuckDB(':memory:');
    await warehouse.loadFiles(db, [
      { table: 'events', path: eventsCsv, schema },
      { table: 'customers', path: customersCsv, schema: { customer_id: 'BIGINT', segment: 'VARCHAR', product: 'VARCHAR', signup_date: 'DATE' } },
    ]);
    await warehouse.refreshModelTables(db, ['events', 'customers']);
    const churnOptions = { scoringDate: '2026-01-01', definition: { kind: 'cancellation' }, horizons: [21, 70, 365] };
    const sql = await timeAsync('churnModelTable in SQL (DuckDB)', () => warehouse.buildChurnTable(db, { ...churnOptions, customersTable: 'customers' }), runs, log);
    await db.close();
    const js = await timeAsync('churnModelTable in JS', async () => kernel.churnModelTable(events, { ...churnOptions, customers: base.customers }), runs, log);

    const u = kernel.seededUniform(12);
    const a = new Float64Array(1_000_000);
    const b = new Float64Array(1_000_000);
    for (let i = 0; i < a.length; i++) {
      a[i] = kernel.standardNormal(u);
      b[i] = kernel.standardNormal(u) + 0.001;
    }
    const ks = await timeAsync('ksTest 1M vs 1M', async () => kernel.ksTest(a, b), quick ? 1 : 5, log);

    results.load = { loadSeconds: load.medianSeconds, readCsvFloorSeconds: floor.medianSeconds, ratio: load.medianSeconds / floor.medianSeconds };
    results.churn = { sqlSeconds: sql.medianSeconds, jsSeconds: js.medianSeconds, customers: sql.result.rows };
    results.ksTest = { seconds: ks.medianSeconds, targetSeconds: 0.5, met: ks.medianSeconds <= 0.5, statistic: ks.result.statistic };
    const table = [
      '| operation | rows | kernel-lib | peer | peer time | ratio (kernel-lib / peer) | target |',
      '|---|---:|---:|---|---:|---:|---:|',
      `| loadFiles: CSV → raw table, strict schema checks, profile of every column, one transaction | ${rows.toLocaleString('en')} | ${fmt(load.medianSeconds)} | DuckDB read_csv into a table (floor) | ${fmt(floor.medianSeconds)} | ${(load.medianSeconds / floor.medianSeconds).toFixed(2)}× | — |`,
      `| churnModelTable (3 horizons, ${sql.result.rows.toLocaleString('en')} customers): SQL in DuckDB | ${rows.toLocaleString('en')} | ${fmt(sql.medianSeconds)} | same table in JS (churnModelTable) | ${fmt(js.medianSeconds)} | ${(sql.medianSeconds / js.medianSeconds).toFixed(2)}× | — |`,
      `| ksTest two-sample, asymptotic p | 1M vs 1M | ${fmt(ks.medianSeconds)} | — | — | — | ≤ 500 ms ${ks.medianSeconds <= 0.5 ? 'yes' : '**no**'} |`,
    ];
    process.stdout.write(`\nMonitoring and churn (${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, Node ${process.version}):\n\n${table.join('\n')}\n`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
    return results;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const rowsArg = argv.find((a) => a.startsWith('--rows='));
  await runMonitorBench({ rows: rowsArg ? Number(rowsArg.slice(7)) : 1_000_000, quick: argv.includes('--quick') });
}
