/**
 * fitLogitInDatabase: Newton's method as SQL aggregates must give the model fitLogit gives.
 * References: (1) fitLogit on the same rows in memory, to 1e-9 (same estimates, standard errors,
 * statistics, JSON shape); (2) R's glm on the infert data (test/fixtures/infert-glm.json, made by
 * infert_reference.R) to 1e-6, as reference.test.ts holds fitLogit. Engines: embedded DuckDB and
 * a throwaway PostgreSQL cluster.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CbmError, fitLogit, seededUniform, type LogitModel } from '../kernel-lib/src/index';
import { bankCardCustomers, BANKCARD_SEED } from '../kernel-lib/src/datasets';
import { fitLogitInDatabase, stepwiseInDatabase } from '../kernel-lib/src/warehouse';
import { stepwise } from '../kernel-lib/src/model/stepwise';
import type { SqlExecutor } from '../kernel-lib/src/sql/executor';
import { readCsv, relativeDifference } from './helpers/csv';
import { sqlEngines } from './helpers/sqlEngines';
import { expectAliasedAsReduced } from './helpers/aliased';
import { loadRows } from './helpers/sqlLoad';

const fixtures = join(__dirname, 'fixtures');
const infertRows = readCsv(join(fixtures, 'infert.csv'));
const infert = JSON.parse(readFileSync(join(fixtures, 'infert-glm.json'), 'utf8'));
const infertColumns = {
  education: 'text',
  age: 'double',
  parity: 'double',
  induced: 'double',
  case: 'double',
  spontaneous: 'double',
  stratum: 'double',
  'pooled.stratum': 'double',
} as const;
const customers = bankCardCustomers({ seed: BANKCARD_SEED });
const bankColumns = { id: 'double', gender: 'text', age: 'double', income: 'double', contacted: 'boolean', responded: 'double' } as const;
const bookPrepare = { encode: { gender: { M: 1, F: 0 } }, scale: ['income', 'age'] };

/** Rows with a text factor and two numbers, y from a known logit; seeded. */
function synthetic(n: number, seed: string) {
  const u = seededUniform(seed);
  return Array.from({ length: n }, () => {
    const band = ['a', 'b', 'c'][Math.floor(u() * 3)];
    const x = Math.round(u() * 1e6) / 1e6;
    const z = Math.round((u() * 2 - 1) * 1e6) / 1e6;
    const v = -1 + (band === 'b' ? 0.5 : band === 'c' ? -0.3 : 0) + 1.5 * x - 0.8 * z + 1.2 * x * z;
    return { band, x, z, y: u() < 1 / (1 + Math.exp(-v)) ? 1 : 0 };
  });
}

/** Every estimate, standard error and statistic within `tolerance` relative (absolute near 0). */
function expectSameModel(ours: LogitModel, theirs: LogitModel, tolerance: number): void {
  expect(ours.names).toEqual(theirs.names);
  expect(ours.formula).toBe(theirs.formula);
  const failures: string[] = [];
  const compare = (what: string, a: number, b: number) => {
    const d = Math.abs(b) < 1e-3 ? Math.abs(a - b) : relativeDifference(a, b);
    if (!(d <= tolerance)) failures.push(`${what}: ${a} vs ${b} (${d.toExponential(2)})`);
  };
  ours.names.forEach((name, j) => {
    compare(`coef ${name}`, ours.coefficients[j], theirs.coefficients[j]);
    compare(`SE ${name}`, ours.stdErrors[j], theirs.stdErrors[j]);
  });
  for (const key of ['logLikelihood', 'nullLogLikelihood', 'deviance', 'nullDeviance', 'aic', 'bic', 'pseudoR2', 'lrStatistic', 'nObs', 'dfResidual'] as const) {
    compare(key, ours.statistics[key] as number, theirs.statistics[key] as number);
  }
  expect(failures).toEqual([]);
  expect(ours.statistics.converged).toBe(true);
  expect(JSON.parse(JSON.stringify(ours.preparation))).toEqual(JSON.parse(JSON.stringify(theirs.preparation)));
  expect(Object.keys(ours.toJSON())).toEqual(Object.keys(theirs.toJSON()));
}

const { engines } = sqlEngines();

const synth = synthetic(5000, 'sql-fit');

describe.each(engines)('fitLogitInDatabase on $name', (engine) => {
  let db: SqlExecutor;
  beforeAll(async () => {
    db = await engine.open();
    await loadRows(db, 'bank', bankColumns, customers);
    await loadRows(db, 'infert', infertColumns, infertRows);
    await loadRows(db, 'synth', { band: 'text', x: 'double', z: 'double', y: 'double' }, synth);
  });
  afterAll(() => db.close());

  it("the book's model on the bank-card customers (encoding, scaling learned in SQL, where) equals fitLogit to 1e-9", async () => {
    const model = await fitLogitInDatabase(db, { table: 'bank', formula: 'responded ~ gender:age + gender:income', prepare: bookPrepare, where: 'contacted' });
    const contacted = customers.filter((c) => c.contacted);
    expectSameModel(model, fitLogit(contacted, 'responded ~ gender:age + gender:income', { prepare: bookPrepare }), 1e-9);
    expect(model.statistics.nObs).toBe(150);
  });

  it('infert, all pairwise interactions: equals fitLogit to 1e-9 and R glm to 1e-6', async () => {
    const formula = infert.pairwise.formula as string;
    const model = await fitLogitInDatabase(db, { table: 'infert', formula });
    expectSameModel(model, fitLogit(infertRows, formula), 1e-9);
    // R glm (infert_reference.R, tight control): estimates and the log-likelihood.
    const r = infert.pairwise.tight_control;
    for (const [name, value] of Object.entries(r.coefficients as Record<string, number>)) expect(relativeDifference(model.coefficient(name), value)).toBeLessThan(1e-6);
    expect(relativeDifference(model.statistics.logLikelihood, r.logLik)).toBeLessThan(1e-6);
  });

  it('text factors (levels read in SQL) and a factor interaction equal fitLogit to 1e-9', async () => {
    expectSameModel(
      await fitLogitInDatabase(db, { table: 'infert', formula: 'case ~ education + age + spontaneous' }),
      fitLogit(infertRows, 'case ~ education + age + spontaneous'),
      1e-9,
    );
    expectSameModel(await fitLogitInDatabase(db, { table: 'synth', formula: 'y ~ band * x + z + x:z' }), fitLogit(synth, 'y ~ band * x + z + x:z'), 1e-9);
    expectSameModel(await fitLogitInDatabase(db, { table: 'synth', formula: 'y ~ band + x - 1' }), fitLogit(synth, 'y ~ band + x - 1'), 1e-9);
  });

  it('stepwiseInDatabase takes the same steps as stepwise and ends at the same model', async () => {
    const ours = await stepwiseInDatabase(db, { table: 'infert', formula: infert.pairwise.formula, criterion: 'aic' });
    const theirs = stepwise(infertRows, infert.pairwise.formula, { criterion: 'aic' });
    expect(ours.steps.map((s) => s.removed)).toEqual(theirs.steps.map((s) => s.removed));
    ours.steps.forEach((s, k) => expect(relativeDifference(s.aic, theirs.steps[k].aic)).toBeLessThan(1e-9));
    expect(ours.steps.map((s) => s.candidates.map((c) => c.term))).toEqual(theirs.steps.map((s) => s.candidates.map((c) => c.term)));
    expectSameModel(ours.model, theirs.model, 1e-9);
  });

  it('raises the errors fitLogit raises', async () => {
    const code = async (options: object) => {
      try {
        await fitLogitInDatabase(db, options as never);
      } catch (e) {
        expect(e).toBeInstanceOf(CbmError);
        return { code: (e as CbmError).code, message: (e as CbmError).message };
      }
      return { code: 'none', message: '' };
    };
    expect((await code({ table: 'infert', formula: 'case ~ nope' })).code).toBe('UNKNOWN_COLUMN');
    expect((await code({ table: 'bank', formula: 'responded ~ age' })).code).toBe('NON_FINITE'); // NULL responses outside the contacted
    expect((await code({ table: 'bank', formula: 'responded ~ age', where: 'contacted & responded == 0' })).code).toBe('CONSTANT_RESPONSE');
    await db.run('CREATE TABLE IF NOT EXISTS twice AS SELECT "case", age, age * 2 AS age2, parity FROM infert');
    // An aliased column is NA (as R's glm), the rest the fit without it; nothing left to fit is SINGULAR.
    const aliased = await fitLogitInDatabase(db, { table: 'twice', formula: 'case ~ age + parity + age2' });
    expectAliasedAsReduced(aliased, await fitLogitInDatabase(db, { table: 'twice', formula: 'case ~ age + parity' }), ['age2'], ["'age2' (a linear combination of", "'age')"]);
    await db.run('CREATE TABLE IF NOT EXISTS nothing AS SELECT "case", 0.0 AS zero FROM infert');
    const singular = await code({ table: 'nothing', formula: 'case ~ 0 + zero' });
    expect(singular.code).toBe('SINGULAR');
    expect(singular.message).toContain("'zero' is zero in every row");
    await db.run('CREATE TABLE IF NOT EXISTS separated AS SELECT "case", CASE WHEN "case" = 1 THEN age + 100 ELSE age END AS shifted FROM infert');
    expect((await code({ table: 'separated', formula: 'case ~ shifted' })).code).toBe('SEPARATION');
    // where is a filter in R's syntax, never SQL (test/filter.test.ts holds the injection payloads).
    expect(await code({ table: 'infert', formula: 'case ~ age', where: '1 = 1; DROP TABLE infert' })).toMatchObject({ code: 'FORMULA_SYNTAX', message: /'=' is not a comparison/ });
    expect(await code({ table: 'infert', formula: 'case ~ age', where: 'age > 0; DROP TABLE infert' })).toMatchObject({ code: 'FORMULA_SYNTAX', message: /unexpected ';'/ });
    expect((await code({ table: 'infert', formula: 'case ~ age', tolerence: 1e-6 })).message).toMatch(/unknown option 'tolerence'/);
    expect((await code({ table: 'infert', formula: 'case ~ age', maxIterations: 0 })).message).toMatch(/maxIterations must be a whole number/);
    expect((await code({ table: 'infert', formula: 'case ~ age', maxIterations: 1 })).code).toBe('NOT_CONVERGED');
    // The table survived every attempt.
    expect(Number((await db.run('SELECT COUNT(*) AS n FROM infert'))[0].n)).toBe(248);
  });

  it('predictors with a large offset are conditioned as fitLogit conditions them: R glm to 1e-6, fitLogit to 1e-9 (fixtures/offset_predictors.R)', async () => {
    const rows = readCsv(join(fixtures, 'offset-predictors.csv'));
    const reference = JSON.parse(readFileSync(join(fixtures, 'offset-predictors.json'), 'utf8'));
    await loadRows(db, 'offsets', { set: 'text', x: 'double', y: 'double' }, rows);
    for (const set of ['shifted', 'account', 'epoch']) {
      const model = await fitLogitInDatabase(db, { table: 'offsets', formula: 'y ~ x', where: `set == '${set}'` });
      const ref = reference.models.find((m: { set: string }) => m.set === set);
      for (const name of ['(Intercept)', 'x']) {
        expect(relativeDifference(model.coefficient(name), ref.coefficients[name]), `${set} ${name}`).toBeLessThan(1e-6);
        expect(relativeDifference(model.stdErrors[model.names.indexOf(name)], ref.std_errors[name]), `${set} SE ${name}`).toBeLessThan(1e-6);
      }
      expect(relativeDifference(model.statistics.logLikelihood, ref.logLik)).toBeLessThan(1e-9);
      expectSameModel(
        model,
        fitLogit(
          rows.filter((r) => r.set === set).map((r) => ({ x: r.x, y: r.y })),
          'y ~ x',
        ),
        1e-9,
      );
    }
    await db.run(`CREATE TABLE IF NOT EXISTS disguised AS SELECT x, y, 100000.0 AS c FROM offsets WHERE "set" = 'shifted'`);
    const disguised = await fitLogitInDatabase(db, { table: 'disguised', formula: 'y ~ x + c' });
    expect([...disguised.aliased]).toEqual(['c']);
    expect(disguised.warnings[0]).toContain("'c' (a linear combination of '(Intercept)')");
  });

  it('a table or column name cannot inject SQL', async () => {
    const evil = 'age" FROM infert; DROP TABLE infert; --';
    const table = 'infert"; DROP TABLE infert; --';
    await loadRows(
      db,
      table,
      { case: 'double', [evil]: 'double' },
      infertRows.map((r) => ({ case: r.case, [evil]: r.age })),
    );
    const model = await fitLogitInDatabase(db, { table, formula: 'case ~ `' + evil + '`' });
    expect(model.names).toEqual(['(Intercept)', evil]);
    expect(relativeDifference(model.coefficients[1], fitLogit(infertRows, 'case ~ age').coefficients[1])).toBeLessThan(1e-9);
    expect(Number((await db.run('SELECT COUNT(*) AS n FROM infert'))[0].n)).toBe(248);
  });
});

describe.each(engines)('fitLogitInDatabase on a larger table ($name): the sampled warm start reaches the same maximum', (engine) => {
  it('120,000 rows (114,000 after where): equals fitLogit to 1e-9', async () => {
    const rows = synthetic(120_000, 'sql-fit-large');
    const db = await engine.open();
    try {
      await loadRows(db, 'big', { band: 'text', x: 'double', z: 'double', y: 'double' }, rows);
      const queries: string[] = [];
      const run = (sql: string) => {
        queries.push(sql);
        return db.run(sql);
      };
      const model = await fitLogitInDatabase(run, { table: 'big', formula: 'y ~ band + x * z', where: 'z > -0.9', dialect: db.dialect });
      expectSameModel(
        model,
        fitLogit(
          rows.filter((r) => r.z > -0.9),
          'y ~ band + x * z',
        ),
        1e-9,
      );
      expect(model.statistics.nObs).toBeGreaterThan(100_000);
      expect(queries.some((q) => q.includes('TABLESAMPLE'))).toBe(true);
    } finally {
      await db.run('DROP TABLE big');
      await db.close();
    }
  });
});
