/**
 * Row filters (`where`): one R-like grammar, evaluated in memory (filterRows) and written as SQL
 * (filterSQL, fitLogitInDatabase's where) with the dialect's quoting. References: R's subset()
 * semantics on wa_churn (test/fixtures/filter-reference.json, made by filter_reference.R, which
 * evaluates each filter text as R code); the database must keep the same rows as R and as
 * filterRows. Injection: the payloads of issue 18 (dollar quoting, E'' strings) are refused as
 * CbmError or kept as data, and no statement of theirs runs, on DuckDB and on PostgreSQL with
 * standard_conforming_strings on and off.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CbmError, filterColumns, filterRows, parseFilter } from '../kernel-lib/src/index';
import { filterSQL, fitLogitInDatabase } from '../kernel-lib/src/warehouse';
import { openPostgres } from '../kernel-lib/src/warehouse/postgres';
import type { SqlExecutor } from '../kernel-lib/src/sql/executor';
import { readCsv } from './helpers/csv';
import { expectCbmError } from './helpers/errors';
import { postgresBin } from './helpers/postgres';
import { sqlEngines } from './helpers/sqlEngines';
import { loadRows } from './helpers/sqlLoad';

const fixtures = join(__dirname, 'fixtures');
const reference = JSON.parse(readFileSync(join(fixtures, 'filter-reference.json'), 'utf8')) as { filters: { filter: string; rows: number[] }[] };
// As filter_reference.R reads the CSV: an empty total_charges is NA, paperless is logical.
const churn = readCsv(join(fixtures, 'wa_churn.csv')).map((r, i) => ({
  ...r,
  id: i + 1,
  total_charges: r.total_charges === '' ? null : r.total_charges,
  paperless: r.paperless_billing === 1,
}));
const churnColumns = Object.fromEntries(
  Object.keys(churn[0]).map((name) => [name, name === 'paperless' ? 'boolean' : typeof churn[0][name as keyof (typeof churn)[0]] === 'string' ? 'text' : 'double']),
) as Record<string, 'double' | 'text' | 'boolean'>;

describe('parseFilter', () => {
  it('reads the grammar with R precedence: ! below comparisons, & above |, %in% on a column', () => {
    expect(parseFilter('!x == 1')).toEqual({
      kind: 'not',
      argument: {
        kind: 'compare',
        op: '==',
        left: { kind: 'expression', expression: { kind: 'column', name: 'x' } },
        right: { kind: 'expression', expression: { kind: 'number', value: 1 } },
      },
    });
    const f = parseFilter('a | b & c');
    expect(f.kind).toBe('or');
    expect((f as { right: { kind: string } }).right.kind).toBe('and');
    expect(parseFilter('(a | b) & c').kind).toBe('and');
    expect(parseFilter('(x + 1) * 2 > 3').kind).toBe('compare');
    expect(parseFilter('`odd name` %in% c(\'a\', "b\\"", NA)')).toEqual({
      kind: 'in',
      operand: { kind: 'expression', expression: { kind: 'column', name: 'odd name' } },
      values: ['a', 'b"', null],
    });
    expect(filterColumns(parseFilter('log(income / age) > 1 & !is.na(`x y`) | g %in% c(-1, 2)'))).toEqual(['income', 'age', 'x y', 'g']);
  });

  it('refuses what is not in the grammar with FORMULA_SYNTAX and a caret, and non-text with BAD_INPUT', () => {
    const syntax: [string, RegExp][] = [
      ['x = 1', /'=' is not a comparison/],
      ['x == 1; DROP TABLE t', /unexpected ';'/],
      ['x == 1 /* comment */', /expected a column, a number or '\(' but found '\*'/],
      ['x == 1 # comment', /unexpected '#'/],
      ['1 < x < 3', /cannot be chained/],
      ["x > 'a'", /text compares only with == and !=/],
      ['x %in% 3', /%in% needs a list/],
      ['x + 1 %in% c(2)', /left side of %in% must be a column/],
      ["x %in% c(1, 'a')", /mixes numbers and text/],
      ['x && y', /use '&' for rows/],
      ['x || y', /use '\|' for rows/],
      ['x %like% y', /the only %-operator is '%in%'/],
      ['system("ls")', /function call 'system\(' is not supported/],
      ['x == "open', /unclosed " quote/],
      ["x == 'a\\x'", /unsupported escape/],
      ['x + 1', /a number is not a condition/],
      ['"a"', /text is not a condition/],
      ['is.na(x) == TRUE', /already a condition/],
      ['(x > 1', /missing '\)'/],
      ['x > 1)', /unmatched '\)'/],
      ['c(1) == x', /only after %in%/],
      [`${'('.repeat(150)}x > 1${')'.repeat(150)}`, /nesting deeper than 100/],
    ];
    for (const [text, message] of syntax) expectCbmError(() => parseFilter(text), 'FORMULA_SYNTAX', [message]);
    expectCbmError(() => parseFilter(42 as never), 'BAD_INPUT', [/must be text/]);
    expectCbmError(() => parseFilter('  '), 'BAD_INPUT', [/empty/]);
  });
});

describe('filterRows', () => {
  it.each(reference.filters)('keeps the rows R keeps: $filter', ({ filter, rows }) => {
    expect(filterRows(churn, filter).map((r) => r.id)).toEqual(rows);
  });

  it('three-valued logic, %in% never NA, undefined arithmetic NA; input unchanged; columns input too', () => {
    const rows = [
      { id: 1, x: 1, g: 'a', ok: true },
      { id: 2, x: null, g: 'b', ok: null },
      { id: 3, x: Number.NaN, g: null, ok: false },
      { id: 4, x: 0, g: 'a', ok: true },
    ];
    const before = JSON.stringify(rows);
    const ids = (f: string) => filterRows(rows, f).map((r) => r.id);
    expect(ids('x > 0 | ok')).toEqual([1, 4]);
    expect(ids('!(x > 0)')).toEqual([4]);
    expect(ids('is.na(x)')).toEqual([2, 3]);
    expect(ids('!(g %in% c("a"))')).toEqual([2, 3]);
    expect(ids('g %in% c(NA, "b")')).toEqual([2, 3]);
    expect(ids('log(x) < 1')).toEqual([1]); // log(0) is NA here, as the SQL transform gives NULL
    expect(ids('1 / x > 0')).toEqual([1]);
    expect(ids('ok == FALSE')).toEqual([3]);
    expect(JSON.stringify(rows)).toBe(before);
    expect(filterRows({ x: [1, 2, 3], g: ['a', 'b', 'c'] }, 'x >= 2 & g != "c"')).toEqual([{ x: 2, g: 'b' }]);
  });

  it('an unknown column is UNKNOWN_COLUMN; comparing kinds or using a number as a condition is BAD_INPUT', () => {
    expectCbmError(() => filterRows([{ x: 1 }], 'y > 1'), 'UNKNOWN_COLUMN', [/unknown column 'y'/]);
    expectCbmError(() => filterRows([{ x: 1 }], 'x == "1"'), 'BAD_INPUT', [/compares a number \(1\) with text/]);
    expectCbmError(() => filterRows([{ x: 1 }], 'x'), 'BAD_INPUT', [/column 'x' is used as a condition but holds a number/]);
    expectCbmError(() => filterRows([{ g: 'a' }], 'g * 2 > 1'), 'BAD_INPUT', [/holds text/]);
    expectCbmError(() => filterRows([{ x: {} as never }], 'x > 1'), 'BAD_INPUT', [/column 'x'/]);
  });
});

const { engines, cluster } = sqlEngines([
  { name: 'PostgreSQL (standard_conforming_strings on)', setup: 'SET standard_conforming_strings = on' },
  { name: 'PostgreSQL (standard_conforming_strings off)', setup: 'SET standard_conforming_strings = off' },
]);

describe.each(engines)('filterSQL and where on $name', (engine) => {
  let db: SqlExecutor;
  const count = async (table: string) => Number((await db.run(`SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_name = '${table}'`))[0].n);
  beforeAll(async () => {
    db = await engine.open();
    await loadRows(db, 'churn', churnColumns, churn);
    await loadRows(db, 'secret', { s: 'text' }, [{ s: 'the secret' }]);
    await loadRows(
      db,
      't',
      { name: 'text', x: 'double', y: 'double' },
      Array.from({ length: 40 }, (_, i) => ({ name: i % 2 ? "O'Brien" : 'a\\', x: i, y: i % 3 === 0 ? 1 : 0 })),
    );
    // After loading: the test loader's literals are the dialect's too.
    if (engine.setup) await db.run(engine.setup);
  });
  afterAll(() => db.close());

  it.each(reference.filters)('selects the rows R and filterRows keep: $filter', async ({ filter, rows }) => {
    const got = await db.run(`SELECT id FROM churn WHERE ${filterSQL(db.dialect, filter)} ORDER BY id`);
    expect(got.map((r) => Number(r.id))).toEqual(rows);
  });

  it("the issue's payloads are refused as CbmError before any SQL runs, and create nothing", async () => {
    const payloads = [
      "$$'$$ IS NOT NULL); CREATE TABLE pwn AS SELECT * FROM secret; SELECT * FROM t WHERE ($$'$$ IS NOT NULL",
      "name = E'\\'' OR 1 = 1); CREATE TABLE pwn AS SELECT * FROM secret; SELECT * FROM t WHERE (E'\\''",
      "x == E'\\'' | 1 == 1); CREATE TABLE pwn AS SELECT * FROM secret; --",
      '1 = 1; DROP TABLE secret',
      "age > 0 AND '`' = '`' OR `; DROP TABLE secret; `",
    ];
    const statements: string[] = [];
    const run = (sql: string) => {
      statements.push(sql);
      return db.run(sql);
    };
    for (const where of payloads) {
      const error = await fitLogitInDatabase(run, { table: 't', formula: 'y ~ x', where, dialect: db.dialect }).catch((e) => e);
      expect(error, where).toBeInstanceOf(CbmError);
      expect(['FORMULA_SYNTAX', 'BAD_INPUT'], where).toContain((error as CbmError).code);
    }
    expect(statements).toEqual([]);
    expect(await count('pwn')).toBe(0);
    expect(Number((await db.run('SELECT COUNT(*) AS n FROM secret'))[0].n)).toBe(1);
  });

  it('payloads written as strings stay data: they match only equal values and run nothing', async () => {
    const payloads = [
      "x'); CREATE TABLE pwn AS SELECT * FROM secret; --",
      "$$'$$ IS NOT NULL); CREATE TABLE pwn AS SELECT * FROM secret; SELECT * FROM t WHERE ($$'$$ IS NOT NULL",
      "\\'); CREATE TABLE pwn AS SELECT * FROM secret; --",
      "E'\\''); CREATE TABLE pwn AS SELECT * FROM secret; --",
    ];
    for (const payload of payloads) {
      const text = `'${payload.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
      const filter = `name == ${text} | name %in% c(${text}, "O'Brien")`;
      const n = Number((await db.run(`SELECT COUNT(*) AS n FROM t WHERE ${filterSQL(db.dialect, filter)}`))[0].n);
      expect(n, payload).toBe(20);
    }
    expect(Number((await db.run(`SELECT COUNT(*) AS n FROM t WHERE ${filterSQL(db.dialect, "name == 'a\\\\'")}`))[0].n)).toBe(20);
    expect(await count('pwn')).toBe(0);
  });

  it('fitLogitInDatabase with where equals the fit on filterRows; an unknown column in where is refused by the database', async () => {
    const where = "contract != 'Two year' & !is.na(total_charges) & tenure %in% c(1, 2, 3, 4, 5, 6)";
    const model = await fitLogitInDatabase(db, { table: 'churn', formula: 'paperless_billing ~ monthly_charges', where });
    expect(model.statistics.nObs).toBe(filterRows(churn, where).length);
    await expect(fitLogitInDatabase(db, { table: 'churn', formula: 'paperless_billing ~ tenure', where: 'nope > 1' })).rejects.toMatchObject({ code: 'SQL_ERROR' });
  });
});

describe.skipIf(!postgresBin())('openPostgres runs one statement per call', () => {
  it('a text with two statements is refused by the server and runs neither', async () => {
    const db = await openPostgres(cluster().config);
    try {
      await expect(db.run('SELECT 1; CREATE TABLE chained AS SELECT 1 AS x')).rejects.toMatchObject({ code: 'SQL_ERROR' });
      expect(await db.run("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_name = 'chained'")).toEqual([{ n: 0 }]);
    } finally {
      await db.close();
    }
  });
});
