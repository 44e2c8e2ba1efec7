/**
 * The command line (npm run fit:db / npm run score → kernel-lib/bin/cbm-sql.mjs) on a DuckDB file,
 * on PostgreSQL and on a two-shard ClickHouse cluster (through a Distributed table): a fit in the
 * database equals fitLogit (reference: the in-memory fit, 1e-9), and the scores table it writes
 * equals model.predict (1e-12). Needs the built dist (npm test builds).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitLogit, LogitModel } from '../kernel-lib/src/index';
import { bankCardCustomers, BANKCARD_SEED } from '../kernel-lib/src/datasets';
import { openDuckDB } from '../kernel-lib/src/warehouse/duckdb';
import { openPostgres } from '../kernel-lib/src/warehouse/postgres';
import type { SqlExecutor } from '../kernel-lib/src/sql/executor';
import { postgresBin, startPostgres, type TestCluster } from './helpers/postgres';
import { loadRows } from './helpers/sqlLoad';
import { clickhouseAvailable, distributeRows, startClickHouse, type ClickHouseTestCluster } from './helpers/clickhouse';
import { openClickHouse } from '../kernel-lib/src/warehouse/clickhouse';

const cli = join(__dirname, '..', 'kernel-lib', 'bin', 'cbm-sql.mjs');
const customers = bankCardCustomers({ seed: BANKCARD_SEED });
const prepare = { encode: { gender: { M: 1, F: 0 } }, scale: ['income', 'age'] };
const formula = 'responded ~ gender:age + gender:income';
const reference = fitLogit(
  customers.filter((c) => c.contacted),
  formula,
  { prepare },
);
const dir = mkdtempSync(join(tmpdir(), 'cbm-cli-'));
let cluster: TestCluster | null = null;

const targets: { name: string; db: () => string; open: () => Promise<SqlExecutor> }[] = [
  { name: 'DuckDB file', db: () => join(dir, 'cbm.duckdb'), open: () => openDuckDB(join(dir, 'cbm.duckdb')) },
];
if (postgresBin()) targets.push({ name: 'PostgreSQL', db: () => cluster!.url, open: () => openPostgres(cluster!.url) });

beforeAll(async () => {
  if (postgresBin()) cluster = startPostgres();
  for (const t of targets) {
    const db = await t.open();
    await loadRows(db, 'customers', { id: 'double', gender: 'text', age: 'double', income: 'double', contacted: 'boolean', responded: 'double' }, customers);
    await db.close();
  }
});
afterAll(() => {
  cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const runCli = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

describe.each(targets)('cbm-sql on $name', (target) => {
  it('fit --weights --offset equals fitLogit with the same weights and offset; score adds the offset', async () => {
    const modelPath = join(dir, `${target.name}.weighted.model.json`);
    const options = { weights: 'age', offset: 'log(age)' };
    const weighted = fitLogit(
      customers.filter((c) => c.contacted),
      'responded ~ gender + age',
      options,
    );
    const fit = runCli([
      'fit',
      '--db',
      target.db(),
      '--table',
      'customers',
      '--formula',
      'responded ~ gender + age',
      '--where',
      'contacted',
      '--weights',
      'age',
      '--offset',
      'log(age)',
      '--out',
      modelPath,
    ]);
    expect(fit.status, fit.stderr).toBe(0);
    const model = LogitModel.fromJSON(readFileSync(modelPath, 'utf8'));
    expect(model.offset).toBe('log(age)');
    model.names.forEach((_, j) => expect(Math.abs(model.coefficients[j] - weighted.coefficients[j])).toBeLessThan(1e-9 * Math.abs(weighted.coefficients[j])));
    expect(Math.abs(model.statistics.logLikelihood - weighted.statistics.logLikelihood)).toBeLessThan(1e-9 * Math.abs(weighted.statistics.logLikelihood));
    const score = runCli(['score', '--model', modelPath, '--db', target.db(), '--table', 'customers', '--into', 'scores_w']);
    expect(score.status, score.stderr).toBe(0);
    const db = await target.open();
    try {
      const rows = await db.run('SELECT id, score FROM scores_w ORDER BY id');
      const p = model.predict(customers);
      expect(rows.every((r, i) => Math.abs(Number(r.score) - p[i]) <= 1e-12)).toBe(true);
    } finally {
      await db.close();
    }
  });

  it('fit: the model written equals fitLogit; score: the table written equals model.predict; a second score needs --replace', async () => {
    const modelPath = join(dir, `${target.name}.model.json`);
    const fit = runCli([
      'fit',
      '--db',
      target.db(),
      '--table',
      'customers',
      '--formula',
      formula,
      '--where',
      'contacted',
      '--prepare',
      JSON.stringify(prepare),
      '--out',
      modelPath,
    ]);
    expect(fit.status, fit.stderr).toBe(0);
    expect(fit.stdout).toContain('Converged:          yes');
    expect(fit.stderr).toMatch(/Newton pass/);
    const model = LogitModel.fromJSON(readFileSync(modelPath, 'utf8'));
    model.names.forEach((_, j) => expect(Math.abs(model.coefficients[j] - reference.coefficients[j])).toBeLessThan(1e-9 * Math.abs(reference.coefficients[j])));

    const score = runCli(['score', '--model', modelPath, '--db', target.db(), '--table', 'customers', '--into', 'scores']);
    expect(score.status, score.stderr).toBe(0);
    expect(score.stdout.trim()).toBe('1000 rows scored into scores');
    const db = await target.open();
    try {
      const rows = await db.run('SELECT id, score FROM scores ORDER BY id');
      const p = model.predict(customers);
      expect(rows.every((r, i) => Math.abs(Number(r.score) - p[i]) <= 1e-12)).toBe(true);
    } finally {
      await db.close();
    }
    const again = runCli(['score', '--model', modelPath, '--db', target.db(), '--table', 'customers', '--into', 'scores']);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/SQL_ERROR.*--replace/);
    expect(runCli(['score', '--model', modelPath, '--db', target.db(), '--table', 'customers', '--into', 'scores', '--replace']).status).toBe(0);

    // --where is a row filter, never SQL: the score keeps the filtered rows; issue 18's payload is refused and creates nothing.
    const filtered = runCli(['score', '--model', modelPath, '--db', target.db(), '--table', 'customers', '--into', 'scores_f', '--where', 'gender == "F" & age >= 40']);
    expect(filtered.status, filtered.stderr).toBe(0);
    expect(filtered.stdout.trim()).toBe(`${customers.filter((c) => c.gender === 'F' && c.age >= 40).length} rows scored into scores_f`);
    const payload = "$$'$$ IS NOT NULL); CREATE TABLE pwn AS SELECT * FROM customers; SELECT * FROM customers WHERE ($$'$$ IS NOT NULL";
    for (const command of [
      ['fit', '--db', target.db(), '--table', 'customers', '--formula', formula, '--where', payload],
      ['score', '--model', modelPath, '--db', target.db(), '--table', 'customers', '--into', 'scores_p', '--where', payload],
    ]) {
      const refused = runCli(command);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/FORMULA_SYNTAX: .*where: unexpected '\$'/);
    }
    const check = await target.open();
    try {
      expect(Number((await check.run("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_name IN ('pwn', 'scores_p')"))[0].n)).toBe(0);
    } finally {
      await check.close();
    }
  });
});

describe.runIf(clickhouseAvailable())('cbm-sql on a two-shard ClickHouse cluster', { timeout: 300_000 }, () => {
  let chCluster: ClickHouseTestCluster;
  const contacted = customers.filter((c) => c.contacted);
  beforeAll(async () => {
    chCluster = startClickHouse();
    const shards = await Promise.all(chCluster.shards.map((url) => openClickHouse(url)));
    await distributeRows(shards, chCluster.cluster, 'customers', { id: 'double', gender: 'text', age: 'double', income: 'double', responded: 'double' }, contacted);
    for (const shard of shards) await shard.close();
  }, 120_000);
  afterAll(() => chCluster?.stop());

  it('fit through the Distributed table equals fitLogit; score --into writes a MergeTree table on the connected server equal to model.predict', async () => {
    const url = chCluster.shards[0].replace(/^http:/, 'clickhouse:');
    const modelPath = join(dir, 'clickhouse.model.json');
    const fit = runCli(['fit', '--db', url, '--table', 'customers_all', '--formula', formula, '--prepare', JSON.stringify(prepare), '--out', modelPath]);
    expect(fit.status, fit.stderr).toBe(0);
    expect(fit.stderr).toMatch(/connecting to ClickHouse/);
    expect(fit.stderr).toMatch(/Newton pass/);
    const model = LogitModel.fromJSON(readFileSync(modelPath, 'utf8'));
    model.names.forEach((_, j) => expect(Math.abs(model.coefficients[j] - reference.coefficients[j])).toBeLessThan(1e-9 * Math.abs(reference.coefficients[j])));

    const score = runCli(['score', '--model', modelPath, '--db', chCluster.shards[0], '--table', 'customers_all', '--into', 'scores']);
    expect(score.status, score.stderr).toBe(0);
    expect(score.stdout.trim()).toBe(`${contacted.length} rows scored into scores`);
    const db = await openClickHouse(chCluster.shards[0]);
    try {
      expect((await db.run("SELECT engine FROM system.tables WHERE database = currentDatabase() AND name = 'scores'"))[0].engine).toBe('MergeTree');
      const rows = await db.run('SELECT id, score FROM scores ORDER BY id');
      const p = model.predict(contacted);
      expect(rows.length).toBe(contacted.length);
      expect(rows.every((r, i) => Math.abs(Number(r.score) - p[i]) <= 1e-12)).toBe(true);
    } finally {
      await db.close();
    }
    const again = runCli(['score', '--model', modelPath, '--db', url, '--table', 'customers_all', '--into', 'scores']);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/SQL_ERROR.*already exists.*--replace/);
    expect(runCli(['score', '--model', modelPath, '--db', url, '--table', 'customers_all', '--into', 'scores', '--replace']).status).toBe(0);
  });
});

describe('cbm-sql arguments', () => {
  it('refuses unknown commands and arguments with exit code 2 and the usage', () => {
    const r = runCli(['score', '--modle', 'x']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown argument '--modle'/);
    expect(runCli(['train']).stderr).toMatch(/unknown command 'train'/);
    expect(runCli(['fit', '--db', ':memory:']).stderr).toMatch(/fit needs --table/);
  });
});
