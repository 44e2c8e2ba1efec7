/**
 * In-database fitting and scoring on a real distributed engine: a two-shard ClickHouse cluster
 * (scripts/clickhouse-cluster.sh, Debian's clickhouse-server 18.16) with one MergeTree table per
 * shard, rows written to each shard directly, and a Distributed table over both that every fit
 * and score goes through. References: R's glm (test/fixtures/spector-logit.json from
 * spector_reference.R, infert-glm.json from infert_reference.R) to 1e-6; fitLogit / stepwise /
 * model.predict on the same rows in memory to 1e-9 (fits) and 1e-12 (scores).
 * Skipped only when clickhouse-server is not installed outside CI (in CI a missing server fails).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CbmError, fitLogit, seededUniform, type LogitModel } from '../kernel-lib/src/index';
import { bankCardCustomers, BANKCARD_SEED } from '../kernel-lib/src/datasets';
import { stepwise } from '../kernel-lib/src/model/stepwise';
import { churnModelTableSql, fitLogitInDatabase, openClickHouse, scoringQuery, stepwiseInDatabase } from '../kernel-lib/src/warehouse';
import type { SqlExecutor } from '../kernel-lib/src/sql/executor';
import { clickhouseAvailable, distributeRows, startClickHouse, type ClickHouseTestCluster } from './helpers/clickhouse';
import { readCsv, relativeDifference } from './helpers/csv';

const fixtures = join(__dirname, 'fixtures');
const spectorRows = readCsv(join(fixtures, 'spector.csv'));
/** R's glm with epsilon 1e-14 (the fixture's tight_control block), so that R's own stopping error is far below the tolerance. */
const spectorR = JSON.parse(readFileSync(join(fixtures, 'spector-logit.json'), 'utf8')).r_glm.tight_control;
const infertRows = readCsv(join(fixtures, 'infert.csv'));
const infertR = JSON.parse(readFileSync(join(fixtures, 'infert-glm.json'), 'utf8'));
const customers = bankCardCustomers({ seed: BANKCARD_SEED });

let cluster: ClickHouseTestCluster | null = null;
let shards: SqlExecutor[] = [];
/** The server the Distributed tables live on and every fit and score is sent to. */
let db: SqlExecutor;

/** The rows split over the two shards, queried through `name_all` on shard 1 (see helpers/clickhouse.ts). */
const distribute = (name: string, columns: Record<string, 'double' | 'text'>, rows: readonly Record<string, unknown>[]) =>
  distributeRows(shards, cluster!.cluster, name, columns, rows);

/** Estimates, standard errors and the log-likelihood within `tolerance` (relative; absolute near 0). */
function expectSameFit(ours: LogitModel, theirs: LogitModel, tolerance: number): void {
  expect(ours.names).toEqual(theirs.names);
  const off = (a: number, b: number) => (Math.abs(b) < 1e-3 ? Math.abs(a - b) : relativeDifference(a, b));
  const bad = ours.names.flatMap((name, j) => [
    ...(off(ours.coefficients[j], theirs.coefficients[j]) <= tolerance ? [] : [`coef ${name}: ${ours.coefficients[j]} vs ${theirs.coefficients[j]}`]),
    ...(off(ours.stdErrors[j], theirs.stdErrors[j]) <= tolerance ? [] : [`SE ${name}: ${ours.stdErrors[j]} vs ${theirs.stdErrors[j]}`]),
  ]);
  if (off(ours.statistics.logLikelihood, theirs.statistics.logLikelihood) > tolerance) bad.push('logLikelihood');
  expect(bad).toEqual([]);
  expect(ours.statistics.nObs).toBe(theirs.statistics.nObs);
  expect(ours.statistics.converged).toBe(true);
}

const available = clickhouseAvailable();

describe.runIf(available)('a two-shard ClickHouse cluster (Distributed table)', { timeout: 300_000 }, () => {
  beforeAll(async () => {
    cluster = startClickHouse();
    shards = await Promise.all(cluster.shards.map((url) => openClickHouse(url)));
    db = shards[0];
  }, 120_000);
  afterAll(async () => {
    for (const shard of shards) await shard.close();
    cluster?.stop();
  });

  it('spector (Spector & Mazzeo 1980), 16 rows per shard: fitLogitInDatabase equals R glm to 1e-8 and fitLogit to 1e-9', async () => {
    const table = await distribute('spector', { GPA: 'double', TUCE: 'double', PSI: 'double', GRADE: 'double' }, spectorRows);
    for (const shard of shards) expect((await shard.run('SELECT count() AS n FROM "spector"'))[0].n).toBe(16);
    const model = await fitLogitInDatabase(db, { table, formula: 'GRADE ~ GPA + TUCE + PSI' });
    expect(model.names).toEqual(spectorR.coefficient_names);
    model.names.forEach((name, j) => {
      expect(relativeDifference(model.coefficients[j], spectorR.coefficients[name]), name).toBeLessThan(1e-8);
      expect(relativeDifference(model.stdErrors[j], spectorR.std_errors[name]), name).toBeLessThan(1e-8);
    });
    expect(relativeDifference(model.statistics.logLikelihood, spectorR.logLik)).toBeLessThan(1e-8);
    expectSameFit(model, fitLogit(spectorRows, 'GRADE ~ GPA + TUCE + PSI'), 1e-9);
  });

  it('infert: pairwise interactions and a text factor equal R glm to 1e-6 and fitLogit to 1e-9; stepwiseInDatabase takes stepwise’s steps', async () => {
    const table = await distribute(
      'infert',
      { education: 'text', age: 'double', parity: 'double', induced: 'double', case: 'double', spontaneous: 'double', stratum: 'double' },
      infertRows,
    );
    const formula = infertR.pairwise.formula as string;
    const model = await fitLogitInDatabase(db, { table, formula });
    for (const [name, value] of Object.entries(infertR.pairwise.coefficients as Record<string, number>))
      expect(relativeDifference(model.coefficient(name), value), name).toBeLessThan(1e-6);
    expectSameFit(model, fitLogit(infertRows, formula), 1e-9);
    expectSameFit(await fitLogitInDatabase(db, { table, formula: 'case ~ education + age + spontaneous' }), fitLogit(infertRows, 'case ~ education + age + spontaneous'), 1e-9);
    // A smaller search than R's fixture (each candidate costs a few passes, and a pass on ClickHouse 18.16 spends most of its time analysing the query).
    const search = 'case ~ (age + parity + induced)^2';
    const ours = await stepwiseInDatabase(db, { table, formula: search, criterion: 'aic' });
    const theirs = stepwise(infertRows, search, { criterion: 'aic' });
    expect(ours.steps.map((s) => s.removed)).toEqual(theirs.steps.map((s) => s.removed));
    expect(ours.steps.length).toBeGreaterThan(1);
    ours.steps.forEach((s, k) => expect(relativeDifference(s.aic, theirs.steps[k].aic)).toBeLessThan(1e-9));
    expectSameFit(ours.model, theirs.model, 1e-9);
  });

  it("the book's model (encoding and scaling learned in SQL) and a text outcome with spaces and capitals equal fitLogit to 1e-9", async () => {
    const contacted = customers.filter((c) => c.contacted).map((c) => ({ ...c, answer: c.responded === 1 ? ' Yes' : 'no ' }));
    const table = await distribute('bank', { id: 'double', gender: 'text', age: 'double', income: 'double', responded: 'double', answer: 'text' }, contacted);
    const prepare = { encode: { gender: { M: 1, F: 0 } }, scale: ['income', 'age'] };
    const formula = 'responded ~ gender:age + gender:income';
    const model = await fitLogitInDatabase(db, { table, formula, prepare });
    const reference = fitLogit(contacted, formula, { prepare });
    expectSameFit(model, reference, 1e-9);
    expect(JSON.parse(JSON.stringify(model.preparation))).toEqual(JSON.parse(JSON.stringify(reference.preparation)));
    expectSameFit(await fitLogitInDatabase(db, { table, formula: 'answer ~ age + income' }), fitLogit(contacted, 'answer ~ age + income'), 1e-9);
  });

  it('110,000 rows (more than the warm-start threshold): no table sample on a Distributed table, the fit starts from zero and equals fitLogit to 1e-9', async () => {
    // Rows made by the shards themselves from a hash of the row number; read back exactly (JSON writes shortest round-trip doubles).
    const make = (shard: number) =>
      `INSERT INTO "big" SELECT number, (cityHash64(number) % 100000) / 10000 AS x, ((cityHash64(number, 1) % 2000) - 1000) / 1000 AS z, if(cityHash64(number, 2) % 1000 < 1000 / (1 + exp(-(-1 + 0.2 * x - 0.7 * z))), 1, 0) AS y FROM numbers(${shard * 55_000}, 55000)`;
    for (const [k, shard] of shards.entries()) {
      await shard.run('DROP TABLE IF EXISTS "big"');
      await shard.run('CREATE TABLE "big" (i UInt64, x Float64, z Float64, y UInt8) ENGINE = MergeTree ORDER BY i');
      await shard.run(make(k));
    }
    await db.run('DROP TABLE IF EXISTS "big_all"');
    await db.run(`CREATE TABLE "big_all" AS "big" ENGINE = Distributed(${cluster!.cluster}, currentDatabase(), "big")`);
    const rows = await db.run('SELECT x, z, y FROM "big_all"');
    expect(rows.length).toBe(110_000);
    const queries: string[] = [];
    const model = await fitLogitInDatabase(
      async (sql) => {
        queries.push(sql);
        return db.run(sql);
      },
      { table: 'big_all', formula: 'y ~ x * z', dialect: 'clickhouse' },
    );
    expectSameFit(model, fitLogit(rows as Record<string, number>[], 'y ~ x * z'), 1e-9);
    expect(queries.some((sql) => /SAMPLE/i.test(sql))).toBe(false);
    // Each Newton pass is one flat aggregate over the Distributed table (so it runs on the shards).
    const passes = queries.filter((sql) => sql.includes(' AS ll'));
    expect(passes.length).toBeGreaterThan(2);
    for (const sql of passes) expect(sql).toMatch(/^WITH .* SELECT SUM\(.* FROM "big_all"$/s);
  });

  it('scoringQuery through the Distributed table equals model.predict to 1e-12 (factors, interactions, transforms, encodings)', async () => {
    const u = seededUniform('clickhouse-scoring');
    const synth = Array.from({ length: 2000 }, (_, i) => {
      const region = ['north', 'south', 'west'][Math.floor(u() * 3)];
      const channel = u() < 0.4 ? 'web' : 'branch';
      const x = Math.round(u() * 1e6) / 1e4;
      const z = Math.round((u() * 4 - 2) * 1e6) / 1e6;
      const v = -0.5 + (region === 'south' ? 0.7 : 0) + (channel === 'web' ? 0.3 : 0) + 0.01 * x - 0.6 * z;
      return { id: i + 1, region, channel, x, z, y: u() < 1 / (1 + Math.exp(-v)) ? 1 : 0 };
    });
    const table = await distribute('synth', { id: 'double', region: 'text', channel: 'text', x: 'double', z: 'double', y: 'double' }, synth);
    const models = [
      fitLogit(synth, 'y ~ region * channel * z + x'),
      fitLogit(synth, 'y ~ log((x + 1) / (z + 3)) + I(z^2) + sqrt(x):channel + region'),
      fitLogit(synth, 'y ~ exp(z) + log(x + 1)', { prepare: { scale: ['x', 'z'] } }),
      fitLogit(synth, 'y ~ channel:x + z', { prepare: { encode: { channel: { web: 1, branch: 0 } } } }),
    ];
    for (const model of models) {
      const out = await db.run(`${scoringQuery(model, { table, keep: ['id'], dialect: 'clickhouse' })} ORDER BY "id"`);
      const p = model.predict(synth);
      expect(out.length).toBe(synth.length);
      expect(out.filter((r, i) => !(Math.abs(Number(r.score) - p[i]) <= 1e-12 * Math.max(1, p[i])))).toEqual([]);
    }
  });

  it('names and levels with quotes and backslashes round-trip; a hostile level runs no second statement', async () => {
    const evil = "x\\') THEN 1 END, 1 FROM system.one; CREATE TABLE pwn (x UInt8) ENGINE = Memory; --";
    const u = seededUniform('clickhouse-quoting');
    const levels = [evil, 'a\\"b', "it's"];
    const rows = Array.from({ length: 300 }, (_, i) => {
      const x = Math.round(u() * 1000) / 100;
      return { id: i, 'g\\"\\': levels[i % 3], 'x "\\ y': x, y: u() < 1 / (1 + Math.exp(-(-1 + 0.2 * x + (i % 3) * 0.4))) ? 1 : 0 };
    });
    const table = await distribute('quoting', { id: 'double', 'g\\"\\': 'text', 'x "\\ y': 'double', y: 'double' }, rows);
    expect((await db.run(`SELECT "g\\\\""\\\\" AS g FROM "${table}" ORDER BY "id" LIMIT 3`)).map((r) => r.g)).toEqual(levels);
    // R's escapes inside backticks: a backslash in a name is written \\ (quoteColumnName writes them so).
    const formula = 'y ~ `g\\\\"\\\\` + `x "\\\\ y`';
    const model = fitLogit(rows, formula);
    expectSameFit(await fitLogitInDatabase(db, { table, formula }), model, 1e-9);
    const out = await db.run(`${scoringQuery(model, { table, keep: ['id'], dialect: 'clickhouse' })} ORDER BY "id"`);
    const p = model.predict(rows);
    expect(out.filter((r, i) => !(Math.abs(Number(r.score) - p[i]) <= 1e-12))).toEqual([]);
    expect((await db.run("SELECT count() AS n FROM system.tables WHERE name = 'pwn'"))[0].n).toBe(0);
  });

  it("a column named like a result of the fit's queries (n, ll, g0, …) or like the score is refused with the name, not a baffling server error", async () => {
    // ClickHouse resolves a query's aliases before the table's columns, so `COUNT(*) AS n, COUNT("n")` would nest aggregates.
    const rows = spectorRows.map((r) => ({ n: r.GPA, ll: r.TUCE, score: r.PSI, GRADE: r.GRADE }));
    const table = await distribute('shadow', { n: 'double', ll: 'double', score: 'double', GRADE: 'double' }, rows);
    await expect(fitLogitInDatabase(db, { table, formula: 'GRADE ~ n' })).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: "fitLogitInDatabase: on clickhouse a column named 'n' would read as a result of the fit's queries; rename it (e.g. in a view)",
    });
    await expect(fitLogitInDatabase(db, { table, formula: 'GRADE ~ ll' })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining("named 'll'") });
    const model = await fitLogitInDatabase(db, { table, formula: 'GRADE ~ score' });
    expect(relativeDifference(model.coefficients[1], fitLogit(rows, 'GRADE ~ score').coefficients[1])).toBeLessThan(1e-9);
    expect(() => scoringQuery(model, { table, dialect: 'clickhouse' })).toThrow("scoringQuery: on clickhouse the score column 'score' would shadow the model's input of that name");
    const scored = await db.run(`${scoringQuery(model, { table, dialect: 'clickhouse', keep: ['cbm_row'], as: 'p' })} ORDER BY cbm_row`);
    expect(scored.map((r) => r.p)).toEqual(Array.from(model.predict(rows), (p) => expect.closeTo(p, 12)));
  });

  it('the executor: server messages as SQL_ERROR, statements in order, 64-bit integers, no transactions, close', async () => {
    await expect(db.run('SELECT ABS(-1)')).rejects.toMatchObject({ code: 'SQL_ERROR', message: expect.stringMatching(/^clickhouse: Unknown function ABS \(code 46\)/) });
    const results = await Promise.all(Array.from({ length: 12 }, (_, k) => db.run(`SELECT ${k} AS k`)));
    expect(results.map((r) => r[0].k)).toEqual(Array.from({ length: 12 }, (_, k) => k));
    const [wide] = await db.run('SELECT toUInt64(9007199254740993) AS big, toInt64(-5) AS small, count() AS n FROM system.one');
    expect(wide).toEqual({ big: '9007199254740993', small: -5, n: 1 });
    await expect(db.transaction(async (run) => run('SELECT 1'))).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/no transactions/) });
    const other = await openClickHouse(cluster!.shards[1].replace(/^http:/, 'clickhouse:'));
    expect((await other.run('SELECT 1 AS one'))[0].one).toBe(1);
    await other.close();
    await expect(other.run('SELECT 1')).rejects.toMatchObject({ code: 'BAD_INPUT', message: 'clickhouse: the connection is closed' });
    await expect(openClickHouse('ftp://127.0.0.1:1')).rejects.toThrow(CbmError);
    await expect(openClickHouse('http://127.0.0.1:1')).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringMatching(/^openClickHouse: cannot connect to http:\/\/127\.0\.0\.1:1/),
    });
  });

  it('churnModelTableSql: ClickHouse 18.16 has no CTE subqueries or window functions, so its text is golden only (the server refuses it)', async () => {
    const sql = churnModelTableSql({ dialect: 'clickhouse', scoringDate: '2025-02-01', definition: { kind: 'cancellation' }, horizons: [21] });
    expect(sql).toContain("dateDiff('day', toDate('2025-02-01'), CAST(date AS DATE))");
    expect(sql.startsWith('WITH ev AS (')).toBe(true);
    await expect(db.run(sql)).rejects.toMatchObject({ code: 'SQL_ERROR', message: expect.stringMatching(/^clickhouse: Syntax error: failed at position 12/) });
  });
});
