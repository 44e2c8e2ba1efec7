/**
 * scoringSQL / scoringQuery: the SQL a database runs must give the numbers model.predict gives.
 * Reference: the library's own model.predict / model.linearPredictor on the same raw rows (the
 * in-memory scorer, itself checked against R's glm in reference.test.ts); agreement to 1e-12.
 * Engines: embedded DuckDB and a throwaway PostgreSQL cluster (skipped only when PostgreSQL is
 * not installed; .ci/run installs it). Spark SQL has no engine here: its text is compared with a
 * golden string written by hand from the model's coefficients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CbmError, fitLinear, fitLogit, LogitModel, seededUniform, type LogitModel as Model } from '../kernel-lib/src/index';
import { bankCardCustomers, BANKCARD_SEED } from '../kernel-lib/src/datasets';
import { fitLogitInDatabase, quoteIdentifier, quoteString, scoringQuery, scoringSQL } from '../kernel-lib/src/sql';
import { openPostgres } from '../kernel-lib/src/warehouse/postgres';
import type { SqlExecutor } from '../kernel-lib/src/sql/executor';
import { postgresBin } from './helpers/postgres';
import { sqlEngines } from './helpers/sqlEngines';
import { loadRows } from './helpers/sqlLoad';
import { expressionSQL, type SqlExpression } from '../kernel-lib/src/sql/expression';

const customers = bankCardCustomers({ seed: BANKCARD_SEED });
const contacted = customers.filter((c) => c.contacted);
const bankColumns = { id: 'double', gender: 'text', age: 'double', income: 'double', responded: 'double' } as const;

/** Synthetic rows with two text factors (3 and 2 levels) and two numbers, y from a known logit. */
function synthetic(n: number, seed: string) {
  const u = seededUniform(seed);
  const regions = ['north', 'south', 'west'];
  return Array.from({ length: n }, (_, i) => {
    const region = regions[Math.floor(u() * 3)];
    const channel = u() < 0.4 ? 'web' : 'branch';
    const x = Math.round(u() * 1e6) / 1e4;
    const z = Math.round((u() * 4 - 2) * 1e6) / 1e6;
    const v = -0.5 + (region === 'south' ? 0.7 : region === 'west' ? -0.4 : 0) + (channel === 'web' ? 0.3 : 0) + 0.01 * x - 0.6 * z + (channel === 'web' ? 0.4 * z : 0);
    return { id: i + 1, region, channel, x, z, y: u() < 1 / (1 + Math.exp(-v)) ? 1 : 0 };
  });
}
const synth = synthetic(3000, 'sql-scoring');
const synthColumns = { id: 'double', region: 'text', channel: 'text', x: 'double', z: 'double', y: 'double' } as const;

/** The models under test: every kind of preparation and design the scorer must translate. */
const models: { name: string; model: Model; table: 'bank' | 'synth' }[] = [
  {
    name: "the book's model: encoding, scaling, interactions of an encoded column",
    model: fitLogit(contacted, 'responded ~ gender:age + gender:income', { prepare: { encode: { gender: { M: 1, F: 0 } }, scale: ['income', 'age'] } }),
    table: 'bank',
  },
  {
    name: 'text factor × scaled number, plus a main effect',
    model: fitLogit(contacted, 'responded ~ gender * age + income', { prepare: { scale: ['income', 'age'] } }),
    table: 'bank',
  },
  { name: 'two text factors, three-way interaction with a number', model: fitLogit(synth, 'y ~ region * channel * z + x'), table: 'synth' },
  { name: 'no intercept: the first factor coded by all its levels (R)', model: fitLogit(synth, 'y ~ region + channel:z + x - 1'), table: 'synth' },
  { name: 'factor only inside an interaction (full indicator coding by R’s rule)', model: fitLogit(synth, 'y ~ x + region:z'), table: 'synth' },
  {
    name: 'formula transforms: log of a ratio, a power, sqrt in an interaction with a factor',
    model: fitLogit(synth, 'y ~ log((x + 1) / (z + 3)) + I(z^2) + sqrt(x):channel + region'),
    table: 'synth',
  },
  {
    name: 'transforms of scaled columns (the preparation first, as the library does)',
    model: fitLogit(synth, 'y ~ exp(z) + log(x + 1)', { prepare: { scale: ['x', 'z'] } }),
    table: 'synth',
  },
];
const linearModel = fitLinear(synth, 'log(x + 1) ~ log(z + 3) + region * channel');

const { engines, cluster } = sqlEngines();

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));

describe.each(engines)('scoringSQL on $name', (engine) => {
  let db: SqlExecutor;
  beforeAll(async () => {
    db = await engine.open();
    await loadRows(db, 'bank', bankColumns, customers);
    await loadRows(db, 'synth', synthColumns, synth);
  });
  afterAll(() => db.close());

  for (const { name, model, table } of models) {
    it(`equals model.predict and model.linearPredictor to 1e-12: ${name}`, async () => {
      const rows = table === 'bank' ? customers : synth;
      const p = model.predict(rows);
      const v = model.linearPredictor(rows);
      const sql = `SELECT "id", ${scoringSQL(model, { dialect: db.dialect })} AS p, ${scoringSQL(model, { dialect: db.dialect, output: 'link' })} AS v FROM "${table}" ORDER BY "id"`;
      const out = await db.run(sql);
      expect(out.length).toBe(rows.length);
      const bad = out.filter((r, i) => !close(Number(r.p), p[i]) || !close(Number(r.v), v[i]));
      expect(bad).toEqual([]);
      // Not trivially equal: scores vary across customers.
      expect(new Set(out.map((r) => Number(r.p))).size).toBeGreaterThan(10);
    });
  }

  it('a linear model with transforms (fitLinear) scores its prediction; its JSON too; log of a non-positive value gives NULL', async () => {
    const predicted = linearModel.predict(synth);
    for (const source of [linearModel, JSON.stringify(linearModel.toJSON())]) {
      const out = await db.run(`SELECT "id", ${scoringSQL(source, { dialect: db.dialect })} AS v FROM "synth" ORDER BY "id"`);
      expect(out.filter((r, i) => !close(Number(r.v), predicted[i]))).toEqual([]);
    }
    expect(() => scoringSQL(linearModel, { output: 'probability' })).toThrow("scoringSQL: a linear model predicts its response directly; use output 'link'");
    const double = db.dialect === 'postgres' ? 'DOUBLE PRECISION' : 'DOUBLE';
    const off = await db.run(
      `SELECT ${scoringSQL(linearModel, { dialect: db.dialect })} AS v FROM (SELECT CAST(-5 AS ${double}) AS "z", CAST(1 AS ${double}) AS "x", 'north' AS "region", 'web' AS "channel") t`,
    );
    expect(off[0].v).toBeNull();
  });

  it('scoringQuery writes the whole SELECT, keeping columns; a saved model (JSON text) scores the same', async () => {
    const model = models[0].model;
    const fromJson = LogitModel.fromJSON(JSON.stringify(model.toJSON()));
    const out = await db.run(`${scoringQuery(JSON.stringify(fromJson.toJSON()), { table: 'bank', keep: ['id', 'gender'], dialect: db.dialect, as: 'P' })} ORDER BY "id"`);
    const p = model.predict(customers);
    expect(Object.keys(out[0])).toEqual(['id', 'gender', 'P']);
    expect(out.every((r, i) => close(Number(r.P), p[i]) && r.gender === customers[i].gender)).toBe(true);
  });

  it('an unseen factor level, a value without an encoding and a NULL input give NULL, never a number', async () => {
    await loadRows(db, 'odd', { id: 'double', gender: 'text', age: 'double', income: 'double', region: 'text', channel: 'text', x: 'double', z: 'double' }, [
      { id: 1, gender: 'X', age: 30, income: 5000, region: 'east', channel: 'web', x: 1, z: 0 },
      { id: 2, gender: null, age: 30, income: 5000, region: null, channel: 'web', x: 1, z: 0 },
      { id: 3, gender: 'M', age: null, income: 5000, region: 'north', channel: 'web', x: null, z: 0 },
      { id: 4, gender: 'M', age: 30, income: 5000, region: 'north', channel: 'web', x: 1, z: 0 },
    ]);
    for (const k of [0, 1, 2]) {
      const out = await db.run(`${scoringQuery(models[k].model, { table: 'odd', keep: ['id'], dialect: db.dialect })} ORDER BY "id"`);
      expect(out.slice(0, 3).map((r) => r.score)).toEqual([null, null, null]);
      expect(typeof out[3].score).toBe('number');
    }
    // Links far beyond ±708: PostgreSQL's EXP would raise on them unclamped; the scores still match predict.
    const far = [
      { id: 1, region: 'north', channel: 'web', x: 1e6, z: 0 },
      { id: 2, region: 'north', channel: 'web', x: -1e6, z: 0 },
    ];
    await loadRows(db, 'far', { id: 'double', region: 'text', channel: 'text', x: 'double', z: 'double' }, far);
    const farOut = await db.run(`${scoringQuery(models[2].model, { table: 'far', keep: ['id'], dialect: db.dialect })} ORDER BY "id"`);
    const farP = models[2].model.predict(far);
    expect(Math.abs(models[2].model.linearPredictor(far)[0])).toBeGreaterThan(708);
    expect(farOut.every((r, i) => close(Number(r.score), farP[i]))).toBe(true);
    // The library refuses the same rows rather than scoring them.
    expect(() => models[1].model.predict([{ gender: 'X', age: 30, income: 5000 }])).toThrow(CbmError);
  });

  it('quotes identifiers with spaces, quotes and reserved words, and levels with quotes: nothing injects SQL', async () => {
    const evil = 'x"; DROP TABLE "bank"; --';
    const u = seededUniform('quoting');
    const rows = Array.from({ length: 400 }, (_, i) => {
      const level = ["it's", 'a"b', "'); DROP TABLE bank; --"][i % 3];
      const a = Math.round(u() * 100) / 10;
      const b = Math.round(u() * 100) / 10;
      return {
        'row id': i,
        select: level,
        'monthly "fee"': a,
        [evil]: b,
        "o'brien's": u() < 0.5 ? 'yes' : 'no',
        constructor: Math.round(u() * 10),
        group: u() < 1 / (1 + Math.exp(-(0.2 * a - 0.1 * b + (i % 3) * 0.3))) ? 1 : 0,
      };
    });
    await loadRows(
      db,
      'weird table',
      { 'row id': 'double', select: 'text', 'monthly "fee"': 'double', [evil]: 'double', "o'brien's": 'text', constructor: 'double', group: 'double' } as Record<
        string,
        'double' | 'text'
      >,
      rows,
    );
    const model = fitLogit(rows, 'group ~ select * `monthly "fee"` + `x"; DROP TABLE "bank"; --` + constructor + `o\'brien\'s`', {
      prepare: { encode: { "o'brien's": { yes: 1, no: 0 } }, scale: ['monthly "fee"'] },
    });
    for (const dialect of ['duckdb', 'postgres', 'spark'] as const) expect(scoringSQL(model, { dialect })).not.toContain('DROP TABLE "bank"; --"');
    const out = await db.run(`${scoringQuery(model, { table: 'weird table', keep: ['row id'], dialect: db.dialect })} ORDER BY "row id"`);
    const p = model.predict(rows);
    expect(out.every((r, i) => close(Number(r.score), p[i]))).toBe(true);
    // The bank table is still there.
    expect(Number((await db.run('SELECT COUNT(*) AS n FROM "bank"'))[0].n)).toBe(customers.length);
  });
});

describe.runIf(postgresBin())('PostgreSQL literals under standard_conforming_strings off and on (issue 18)', () => {
  // A level that closes the literal early where a backslash escapes the quote (setting off) and,
  // so read, runs a second statement. Reference: the text itself (it must come back unchanged)
  // and fitLogit / model.predict on the same rows (in-memory, no SQL).
  const evil = "x\\') THEN 1 END, 1; CREATE TABLE pwn AS SELECT current_user AS u; --";
  const u = seededUniform('standard-conforming-strings');
  const levels = [evil, 'plain', "back\\slash \\' end"];
  const rows = Array.from({ length: 300 }, (_, i) => {
    const g = levels[i % 3];
    const x = Math.round(u() * 1000) / 100;
    // A column name with a backslash and a quote: PostgreSQL reads no escapes in "…" under either setting.
    return { id: i + 1, g, 'x\\" y': x, y: u() < 1 / (1 + Math.exp(-(-1 + 0.2 * x + (i % 3) * 0.4))) ? 1 : 0 };
  });
  const formula = 'y ~ g + `x\\" y`';
  const model = fitLogit(rows, formula);

  it("a backslash makes an escape string E'…' with backslashes doubled; other literals are plain", () => {
    expect(quoteString('postgres', "it's")).toBe("'it''s'");
    expect(quoteString('postgres', "a\\'b")).toBe("E'a\\\\''b'");
    expect(quoteString('duckdb', "a\\'b")).toBe("'a\\''b'");
    expect(scoringSQL(model, { dialect: 'postgres' })).toContain(`E'x\\\\'') THEN 1 END`);
  });

  for (const setting of ['off', 'on'] as const) {
    it(`setting ${setting}: the level round-trips, scoringQuery and fitLogitInDatabase run no second statement`, async () => {
      const db = await openPostgres(cluster().config);
      try {
        await db.run(`SET standard_conforming_strings = ${setting}`);
        expect((await db.run('SHOW standard_conforming_strings'))[0].standard_conforming_strings).toBe(setting);
        await loadRows(db, 'levels', { id: 'double', g: 'text', 'x\\" y': 'double', y: 'double' }, rows);
        const stored = await db.run('SELECT "g" FROM "levels" ORDER BY "id" LIMIT 3');
        expect(stored.map((r) => r.g)).toEqual(levels);
        const scored = await db.run(`${scoringQuery(model, { table: 'levels', keep: ['id'], dialect: 'postgres' })} ORDER BY "id"`);
        const p = model.predict(rows);
        expect(scored.filter((r, i) => !close(Number(r.score), p[i]))).toEqual([]);
        const fitted = await fitLogitInDatabase(db, { table: 'levels', formula });
        expect(fitted.names).toEqual(model.names);
        fitted.names.forEach((name) => expect(Math.abs(fitted.coefficient(name) - model.coefficient(name))).toBeLessThan(1e-9 * (1 + Math.abs(model.coefficient(name)))));
        expect((await db.run("SELECT to_regclass('pwn') IS NULL AS absent"))[0].absent).toBe(true);
      } finally {
        await db.close();
      }
    });
  }
});

describe.each(engines)('transforms as SQL on $name (sql/expression.ts)', (engine) => {
  // Reference: JavaScript's Math.log/exp/sqrt/pow (what the library evaluates); a non-finite JS
  // value (where the library raises NON_FINITE) must be NULL in SQL, never a number or an error.
  const col = (name: string): SqlExpression => ({ kind: 'column', name });
  const num = (value: number): SqlExpression => ({ kind: 'number', value });
  const cases: { label: string; expr: SqlExpression; js: (a: number, b: number) => number }[] = [
    { label: 'log(a)', expr: { kind: 'call', fn: 'log', argument: col('a') }, js: (a) => Math.log(a) },
    { label: 'log(a/b)', expr: { kind: 'call', fn: 'log', argument: { kind: 'binary', op: '/', left: col('a'), right: col('b') } }, js: (a, b) => Math.log(a / b) },
    { label: 'sqrt(a)', expr: { kind: 'call', fn: 'sqrt', argument: col('a') }, js: (a) => Math.sqrt(a) },
    { label: 'exp(b)', expr: { kind: 'call', fn: 'exp', argument: col('b') }, js: (_, b) => Math.exp(b) },
    { label: 'I(a^2)', expr: { kind: 'call', fn: 'I', argument: { kind: 'binary', op: '^', left: col('a'), right: num(2) } }, js: (a) => a ** 2 },
    { label: 'I(a^0.5)', expr: { kind: 'call', fn: 'I', argument: { kind: 'binary', op: '^', left: col('a'), right: num(0.5) } }, js: (a) => a ** 0.5 },
    { label: 'I(a^-1)', expr: { kind: 'call', fn: 'I', argument: { kind: 'binary', op: '^', left: col('a'), right: num(-1) } }, js: (a) => a ** -1 },
    {
      label: 'I(-a + b*3 - 1)',
      expr: {
        kind: 'binary',
        op: '-',
        left: { kind: 'binary', op: '+', left: { kind: 'negate', argument: col('a') }, right: { kind: 'binary', op: '*', left: col('b'), right: num(3) } },
        right: num(1),
      },
      js: (a, b) => -a + b * 3 - 1,
    },
  ];
  const values = [
    [2.5, 0.5],
    [0, 1],
    [-3, 0],
    [1e-100, 800],
    [7, -2],
    [0.25, -800],
    [-2, 3],
  ];
  let db: SqlExecutor;
  beforeAll(async () => {
    db = await engine.open();
    await loadRows(
      db,
      'tx',
      { id: 'double', a: 'double', b: 'double' },
      values.map(([a, b], i) => ({ id: i, a, b })),
    );
  });
  afterAll(() => db.close());
  for (const c of cases) {
    it(`${c.label}: equal to JS where finite, NULL where JS is not`, async () => {
      const sql = expressionSQL(db.dialect, c.expr, (name) => `"${name}"`);
      const out = await db.run(`SELECT id, ${sql} AS v FROM tx ORDER BY id`);
      out.forEach((r, i) => {
        const expected = c.js(values[i][0], values[i][1]);
        if (Number.isFinite(expected)) expect(Math.abs(Number(r.v) - expected), `${c.label} at ${values[i]}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(expected)));
        else expect(r.v, `${c.label} at ${values[i]}`).toBeNull();
      });
    });
  }
});

describe('scoringSQL text', () => {
  /** A hand-made saved model: intercept −1.5, genderM 0.25, age (scaled 18–48) 2, genderM:age 0.5. */
  const json = {
    format: 'cbm-kit/logit-model',
    version: 1,
    formula: 'responded ~ gender * age',
    response: 'responded',
    intercept: true,
    terms: [
      { label: 'gender', variables: ['gender'] },
      { label: 'age', variables: ['age'] },
      { label: 'gender:age', variables: ['gender', 'age'] },
    ],
    factorLevels: { gender: ['F', 'M'] },
    preparation: { encodings: {}, ranges: { age: { min: 18, max: 48 } } },
    confidenceLevel: 0.95,
    coefficients: [
      { name: '(Intercept)', term: null, estimate: -1.5, stdError: 0.1 },
      { name: 'genderM', term: 'gender', estimate: 0.25, stdError: 0.1 },
      { name: 'age', term: 'age', estimate: 2, stdError: 0.1 },
      { name: 'genderM:age', term: 'gender:age', estimate: 0.5, stdError: 0.1 },
    ],
    covariance: [
      [0.01, 0, 0, 0],
      [0, 0.01, 0, 0],
      [0, 0, 0.01, 0],
      [0, 0, 0, 0.01],
    ],
    statistics: {
      nObs: 100,
      nParameters: 4,
      dfResidual: 96,
      dfNull: 99,
      logLikelihood: -50,
      nullLogLikelihood: -60,
      deviance: 100,
      nullDeviance: 120,
      aic: 108,
      bic: 118,
      pseudoR2: 0.1667,
      iterations: 5,
      converged: true,
      lrStatistic: 20,
      lrPValue: 0.0002,
    },
    warnings: [],
  };

  it('Spark SQL: backtick identifiers, DOUBLE casts, the golden text written by hand', () => {
    const age = '((CAST(`age` AS DOUBLE) - CAST(18 AS DOUBLE)) / CAST(30 AS DOUBLE))';
    const golden =
      "CASE WHEN `gender` IN ('F', 'M') AND `age` IS NOT NULL THEN 1 / (1 + EXP(-(CAST(-1.5 AS DOUBLE)" +
      " + (CASE WHEN `gender` = 'M' THEN CAST(0.25 AS DOUBLE) ELSE CAST(0 AS DOUBLE) END)" +
      ` + CAST(2 AS DOUBLE) * ${age}` +
      ` + (CASE WHEN \`gender\` = 'M' THEN CAST(0.5 AS DOUBLE) * ${age} ELSE CAST(0 AS DOUBLE) END)))) END`;
    expect(scoringSQL(json as never, { dialect: 'spark' })).toBe(golden);
    expect(scoringQuery(json as never, { dialect: 'spark', table: ['crm', 'customer base'], keep: ['id'] })).toBe(
      `SELECT \`id\`, ${golden} AS \`score\` FROM \`crm\`.\`customer base\``,
    );
  });

  it('ClickHouse: Float64 casts, lower-case functions where 18.16 needs them, backslashes escaped in names and literals (runs in clickhouse.test.ts)', () => {
    const age = '((CAST("age" AS Float64) - CAST(18 AS Float64)) / CAST(30 AS Float64))';
    expect(scoringSQL(json as never, { dialect: 'clickhouse' })).toBe(
      `CASE WHEN "gender" IN ('F', 'M') AND "age" IS NOT NULL THEN 1 / (1 + EXP(-(CAST(-1.5 AS Float64)` +
        ` + (CASE WHEN "gender" = 'M' THEN CAST(0.25 AS Float64) ELSE CAST(0 AS Float64) END)` +
        ` + CAST(2 AS Float64) * ${age}` +
        ` + (CASE WHEN "gender" = 'M' THEN CAST(0.5 AS Float64) * ${age} ELSE CAST(0 AS Float64) END)))) END`,
    );
    expect(quoteIdentifier('clickhouse', 'a\\"b')).toBe('"a\\\\""b"');
    expect(quoteString('clickhouse', "a\\'b")).toBe("'a\\\\''b'");
    expect(quoteString('clickhouse', "it's")).toBe("'it''s'");
  });

  it('PostgreSQL clamps the link before EXP (its EXP raises on overflow); numbers round-trip', () => {
    const sql = scoringSQL(json as never, { dialect: 'postgres' });
    expect(sql.startsWith(`CASE WHEN "gender" IN ('F', 'M') AND "age" IS NOT NULL THEN 1 / (1 + EXP(-LEAST(GREATEST(CAST(-1.5 AS DOUBLE PRECISION) + `)).toBe(true);
    expect(sql).toContain('CAST(0.25 AS DOUBLE PRECISION)');
    const tricky = { ...json, coefficients: json.coefficients.map((c, j) => ({ ...c, estimate: [0.1 + 0.2, -1 / 3, 1e-300, 123456789.12345679][j] })) };
    const text = scoringSQL(tricky as never, { dialect: 'duckdb', output: 'link' });
    for (const x of [0.1 + 0.2, -1 / 3, 1e-300, 123456789.12345679]) expect(text).toContain(`CAST(${String(x)} AS DOUBLE)`);
    for (const x of [0.1 + 0.2, -1 / 3, 1e-300, 123456789.12345679]) expect(Number(String(x))).toBe(x);
  });

  it('rejects bad options with a specific message', () => {
    expect(() => scoringSQL(json as never, { dialect: 'oracle' as never })).toThrow(/scoringSQL: dialect must be one of/);
    expect(() => scoringSQL(json as never, { output: 'odds' as never })).toThrow(/scoringSQL: output must be/);
    expect(() => scoringSQL(json as never, { dialects: 'duckdb' } as never)).toThrow(/scoringSQL: unknown option 'dialects'/);
    expect(() => scoringQuery(json as never, { table: '' })).toThrow(/scoringQuery: table must be/);
    expect(() => scoringQuery(json as never, { table: 't', keep: ['score'] })).toThrow(/would repeat a kept column/);
    expect(() => scoringSQL('{"format":"nope"}')).toThrow(expect.objectContaining({ code: 'BAD_MODEL_JSON' }));
  });
});
