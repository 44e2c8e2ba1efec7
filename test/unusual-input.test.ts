/**
 * Hostile input outside the model core (the review's "small ones"): each case ends in the right
 * result or a specific CbmError, and leaves its input untouched.
 */
import { describe, expect, it } from 'vitest';
import { expectCbmError } from './helpers/errors';
import {
  CbmError,
  auc,
  calibrationTable,
  campaignMetrics,
  encodeCategories,
  fitLogit,
  gainsTable,
  indicatorCoding,
  minMaxScaler,
  rankByScore,
  roi,
  sampleRows,
  breakEvenThreshold,
  shuffledIndices,
  standardNormal,
  tableFromRange,
  targetList,
  thresholdSweep,
  toRows,
  trainValidationSplit,
  type CbmErrorCode,
} from '../kernel-lib/src/index';
import { gainsChart } from '../kernel-lib/src/charts';

function expectError(call: () => unknown, code: CbmErrorCode, ...fragments: string[]): void {
  let thrown: unknown;
  try {
    call();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(CbmError);
  expect((thrown as CbmError).code).toBe(code);
  for (const fragment of fragments) expect((thrown as CbmError).message).toContain(fragment);
}

/** Rows whose `__proto__` key is an own property holding an object, as JSON.parse makes them. */
const hostileRows = () =>
  JSON.parse(
    '[{"__proto__": {"polluted": 1}, "a": 1, "responded": 0}, {"__proto__": {"polluted": 2}, "a": 2, "responded": 0}, {"__proto__": {"polluted": 3}, "a": 3, "responded": 1}]',
  );

/** The row keeps `__proto__` as an own column and an ordinary prototype. */
function expectProtoColumn(row: object, value: unknown): void {
  expect(Object.keys(row)).toContain('__proto__');
  expect(Object.getOwnPropertyDescriptor(row, '__proto__')?.value).toEqual(value);
  expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
  expect((row as { polluted?: unknown }).polluted).toBeUndefined();
}

describe('a column called __proto__ is just a column', () => {
  it('toRows keeps it, from rows and from columns', () => {
    const rows = hostileRows();
    const out = toRows(rows);
    out.forEach((row, i) => expectProtoColumn(row, { polluted: i + 1 }));
    const columns = JSON.parse('{"__proto__": [{"polluted": 1}], "a": [1]}');
    expectProtoColumn(toRows(columns)[0], { polluted: 1 });
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('trainValidationSplit and sampleRows keep it', () => {
    const rows = hostileRows();
    const split = trainValidationSplit(rows, { seed: 1 });
    for (const row of [...split.train, ...split.validation]) expectProtoColumn(row, expect.anything());
    for (const row of sampleRows(rows, 2, { seed: 1 })) expectProtoColumn(row, expect.anything());
  });

  it('targetList keeps it', () => {
    const list = targetList(hostileRows(), [0.9, 0.95, 0.99], { threshold: 0.5 });
    expect(list.map((r) => r.a)).toEqual([2, 1]);
    expectProtoColumn(list[0], { polluted: 2 });
  });

  it('encodeCategories, indicatorCoding and the scaler keep it (and code it when asked)', () => {
    const data = JSON.parse('{"__proto__": ["x", "y", "x"], "a": [1, 2, 3]}');
    const encoded = encodeCategories(data, JSON.parse('{"__proto__": {"x": 0, "y": 1}}'));
    expect(Object.getPrototypeOf(encoded)).toBe(Object.prototype);
    expect(Array.from(Object.getOwnPropertyDescriptor(encoded, '__proto__')?.value)).toEqual([0, 1, 0]);
    const dummies = indicatorCoding(data, 'a');
    expect(Object.getOwnPropertyDescriptor(dummies, '__proto__')?.value).toEqual(['x', 'y', 'x']);
    const scaler = minMaxScaler(JSON.parse('{"__proto__": [10, 20, 30]}'), ['__proto__']);
    expect(scaler.scaleValue('__proto__', 15)).toBe(0.25);
    expect(Object.keys(scaler.ranges)).toEqual(['__proto__']);
  });
});

describe('scaler lookups by name', () => {
  const scaler = minMaxScaler({ age: [18, 47] }, ['age']);
  it.each(['constructor', 'toString', 'hasOwnProperty', '__proto__'])('scaleValue(%j, 5) is UNKNOWN_COLUMN, not NaN', (name) => {
    expectError(() => scaler.scaleValue(name, 5), 'UNKNOWN_COLUMN', `no range for column '${name}'`);
    expectError(() => scaler.unscaleValue(name, 0.5), 'UNKNOWN_COLUMN', `no range for column '${name}'`);
  });
  it('a value that is not a finite number is BAD_INPUT', () => {
    expectError(() => scaler.scaleValue('age', '26' as unknown as number), 'BAD_INPUT', 'value must be a finite number');
    expectError(() => scaler.unscaleValue('age', Number.NaN), 'BAD_INPUT', 'scaled must be a finite number');
  });
});

describe('BigInt, Date and BigInt64Array cells get messages that say what they are', () => {
  const y = [0, 1, 0, 1, 1, 0];
  it('in a model column', () => {
    expectError(() => fitLogit({ x: [1n, 2n, 3n, 4n, 5n, 6n] as unknown as number[], y }, 'y ~ x'), 'BAD_INPUT', "column 'x' has a BigInt (1n) in row 0", 'Number(');
    expectError(() => fitLogit({ x: new BigInt64Array([1n, 2n, 3n, 4n, 5n, 6n]) as unknown as number[], y }, 'y ~ x'), 'BAD_INPUT', 'a BigInt (1n) in row 0');
    const dates = [1, 2, 3, 4, 5, 6].map((d) => new Date(Date.UTC(2026, 0, d)));
    expectError(
      () => fitLogit({ x: dates as unknown as number[], y }, 'y ~ x'),
      'BAD_INPUT',
      "column 'x' has a Date (2026-01-01T00:00:00.000Z) in row 0",
      'convert dates to numbers',
    );
  });
  it('as scores and outcomes', () => {
    expectError(() => auc([1n, 0.5] as unknown as number[], [1, 0]), 'BAD_INPUT', 'auc: score 0 is a BigInt (1n)');
    expectError(() => auc(new BigInt64Array([1n, 2n]) as unknown as number[], [1, 0]), 'BAD_INPUT', 'auc: score 0 is a BigInt');
    expectError(() => auc([new Date(0), 0.5] as unknown as number[], [1, 0]), 'BAD_INPUT', 'auc: score 0 is a Date (1970-01-01T00:00:00.000Z)');
    expectError(() => auc([0.2, 0.5], new BigInt64Array([1n, 0n]) as unknown as number[]), 'BAD_INPUT', "the outcome 'actual' has a BigInt (1n) in row 0");
  });
  it('in a range and in an encoded column', () => {
    expectError(() => tableFromRange([['a'], [new Date(0)]]), 'BAD_INPUT', 'row 2, column 1 holds a Date');
    expectError(() => tableFromRange([['a'], [7n]]), 'BAD_INPUT', 'holds a BigInt (7n)');
    expectError(() => encodeCategories({ g: [new Date(0)] } as never, { g: { a: 1 } }), 'BAD_INPUT', "column 'g' has a Date (1970-01-01T00:00:00.000Z) in row 0");
  });
});

describe('rankByScore', () => {
  it.each([null, undefined, 5, 'abc'])('rejects %j with a CbmError, not a TypeError', (bad) => {
    expectError(() => rankByScore(bad as unknown as number[]), 'BAD_INPUT', 'rankByScore: scores must be an array of numbers');
  });
  it('rejects a non-finite score and ranks finite ones, ties in row order', () => {
    expectError(() => rankByScore([0.2, Number.NaN]), 'NON_FINITE', 'rankByScore: score 1 is NaN');
    expect(rankByScore([0.2, 0.9, 0.2, 0.5])).toEqual([1, 3, 0, 2]);
  });
});

describe('a split never leaves a part silently empty', () => {
  const rows = Array.from({ length: 30 }, (_, id) => ({ id, responded: id % 3 === 0 ? 1 : 0 }));
  it('stratifying on a unique column', () => {
    expectError(
      () => trainValidationSplit(rows, { seed: 1, stratify: 'id' }),
      'BAD_INPUT',
      'the validation part would be empty',
      "stratifying on 'id' splits 30 rows into 30 groups",
    );
  });
  it('a ratio like [1, 1e-9] or [1e-9, 1]', () => {
    expectError(() => trainValidationSplit(rows, { seed: 1, ratio: [1, 1e-9] }), 'BAD_INPUT', 'the validation part would be empty', 'ratio [1, 1e-9]');
    expectError(() => trainValidationSplit(rows, { seed: 1, ratio: [1e-9, 1] }), 'BAD_INPUT', 'the training part would be empty');
  });
  it('stratifying on the response still works', () => {
    const split = trainValidationSplit(rows, { seed: 1, stratify: 'responded' });
    expect([split.train.length, split.validation.length]).toEqual([20, 10]);
  });
});

describe('calibrationTable bins are bounded', () => {
  it('a billion bins is TOO_LARGE at the door, not an out-of-memory abort', () => {
    expectError(() => calibrationTable([0.1, 0.9], [0, 1], { bins: 1e9 }), 'TOO_LARGE', '1000000000 bins is too many', 'at most 10000');
    expect(calibrationTable([0.1, 0.9], [0, 1], { bins: 10_000 })).toHaveLength(10_000);
  });
});

describe('the evaluate functions reject unknown option names', () => {
  const scores = [0.9, 0.8, 0.3, 0.2];
  const actual = [1, 0, 1, 0];
  it.each([
    ['gainsTable', () => gainsTable(scores, actual, { group: 2 } as never), "gainsTable: unknown option 'group' (did you mean 'groups'?)"],
    ['calibrationTable', () => calibrationTable(scores, actual, { bin: 3 } as never), "calibrationTable: unknown option 'bin' (did you mean 'bins'?)"],
    ['thresholdSweep', () => thresholdSweep(scores, actual, { threshold: [0.5] } as never), "thresholdSweep: unknown option 'threshold' (did you mean 'thresholds'?)"],
    ['targetList', () => targetList([{ responded: 0 }], [0.9], { treshold: 0.5 } as never), "targetList: unknown option 'treshold'"],
    ['roi', () => roi(scores, actual, 0.5, { profit: 60, cost: 20, costs: 1 } as never), "roi: unknown option 'costs' (did you mean 'cost'?)"],
    ['breakEvenThreshold', () => breakEvenThreshold(scores, actual, { profit: 60, cost: 20, margin: 1 } as never), "breakEvenThreshold: unknown option 'margin'"],
    ['campaignMetrics', () => campaignMetrics(scores, actual, 0.5, { profit: 60, cost: 20, fixed: 1 } as never), "campaignMetrics: unknown option 'fixed'"],
    [
      'trainValidationSplit',
      () => trainValidationSplit([{ a: 1 }, { a: 2 }], { seed: 1, stratfy: 'a' } as never),
      "trainValidationSplit: unknown option 'stratfy' (did you mean 'stratify'?)",
    ],
    ['sampleRows', () => sampleRows([{ a: 1 }], 1, { seed: 1, size: 1 } as never), "sampleRows: unknown option 'size'"],
    ['tableFromRange', () => tableFromRange([['a'], [1]], { headers: true } as never), "tableFromRange: unknown option 'headers' (did you mean 'header'?)"],
  ])('%s', (_name, call, message) => {
    expectError(call, 'BAD_INPUT', message);
  });
});

describe('doors found by the fuzz test', () => {
  const nullProto = Object.create(null);
  it('a value without a usable toString in a message is described, not converted', () => {
    expectError(() => calibrationTable([0.1], [1], { bins: nullProto }), 'BAD_INPUT', 'bins must be a whole number ≥ 1, got object');
    expectError(() => trainValidationSplit([{ a: 1 }, { a: 2 }], { seed: 1, ratio: [nullProto, { toString: 5 }] as never }), 'BAD_INPUT', 'got [object, object]');
    expectError(() => trainValidationSplit([{ a: nullProto }, { a: 2 }], { seed: 1, stratify: 'a' }), 'BAD_INPUT', "the stratify column 'a' has an object in row 0");
  });
  it('an object with a huge length is not an array', () => {
    const huge = { length: 1e9 } as unknown as number[];
    expectError(() => auc(huge, huge), 'BAD_INPUT', 'auc: scores must be an array of numbers, got object');
    expectError(() => toRows({ x: huge }), 'BAD_INPUT', "column 'x' is not an array");
  });
  it('shuffledIndices and standardNormal check their arguments', () => {
    expectError(() => shuffledIndices(1e9, Math.random), 'TOO_LARGE', 'at most 100000000 rows');
    expectError(() => shuffledIndices(-1, Math.random), 'BAD_INPUT', 'n must be a whole number');
    expectError(() => shuffledIndices(3, null as never), 'BAD_INPUT', 'uniform must be a generator function');
    expectError(() => standardNormal(() => 0), 'BAD_INPUT', 'keeps returning 0');
  });
  it('a chart refuses the holes of a sparse row array', () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point of the test.
    expectError(() => gainsChart([,] as never), 'BAD_INPUT', 'gainsChart: rows[0] must be an object, got undefined');
  });
});

/** Issue 18, the smaller items: calendar dates, option names, attribute lists, sparse arrays. */
describe('issue 18: dates, options and lists are checked', () => {
  it('competitorIndex and churnModelTableSql refuse dates that do not exist', async () => {
    const { competitorIndex } = await import('../kernel-lib/src/index');
    const { churnModelTableSql } = await import('../kernel-lib/src/sql');
    const prices = [{ competitor: 'a', product: 'A', date: '2025-01-01', price: 3 }];
    expectCbmError(() => competitorIndex(prices, { product: 'A', date: '2026-13-45' }), 'BAD_INPUT', ["date must be a date 'YYYY-MM-DD'"], [prices]);
    const base = { dialect: 'duckdb' as const, definition: { kind: 'cancellation' as const }, horizons: [30] };
    expectCbmError(() => churnModelTableSql({ ...base, scoringDate: '2025-02-30' }), 'BAD_INPUT', ['scoringDate must be a date']);
    expectCbmError(() => churnModelTableSql({ ...base, scoringDate: '2025-02-01', dataEnd: '2025-04-31' }), 'BAD_INPUT', ['dataEnd must be a date']);
    expectCbmError(() => churnModelTableSql({ ...base, scoringDate: '2025-02-01', customersTable: 'c', attributes: 'seg' as never }), 'BAD_INPUT', [
      'attributes must be a list of column names',
    ]);
    expect(churnModelTableSql({ ...base, scoringDate: '2024-02-29' })).toMatch(/^WITH/);
  });

  it('buildDashboardTables and saveDriftReport refuse unknown options before touching the database', async () => {
    const { buildDashboardTables, saveDriftReport, openDuckDB } = await import('../kernel-lib/src/warehouse');
    const db = await openDuckDB(':memory:');
    try {
      await expect(buildDashboardTables(db, { horizons: [30], horizon: [60] } as never)).rejects.toMatchObject({
        code: 'BAD_INPUT',
        message: expect.stringMatching(/unknown option 'horizon'/),
      });
      await expect(saveDriftReport(db, { table: 't', loadId: 2, previousLoadId: 1, report: { rows: [] } as never, note: 'x' } as never)).rejects.toMatchObject({
        code: 'BAD_INPUT',
        message: expect.stringMatching(/unknown option 'note'/),
      });
      await expect(saveDriftReport(undefined as never, { table: 't', loadId: 2, previousLoadId: 1, report: { rows: [] } as never })).rejects.toMatchObject({ code: 'BAD_INPUT' });
      // A hole in loadFiles' sources (found by the fuzz test: a TypeError reading its path).
      const { loadFiles } = await import('../kernel-lib/src/warehouse');
      // biome-ignore lint/suspicious/noSparseArray: the hole is the point
      await expect(loadFiles(db, [,] as never)).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/sources\[0\] must be \{ table, path, schema \}/) });
    } finally {
      await db.close();
    }
  });

  it('sparse arrays: holes are refused, not skipped (rawColumns, optimizePrices); selectRows writes missing cells as null', async () => {
    const { rawColumns, optimizePrices, toRows } = await import('../kernel-lib/src/index');
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    expectCbmError(() => rawColumns(['x', , 'y'] as never), 'BAD_INPUT', ['labels must be a list']);
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    expectCbmError(() => optimizePrices([,] as never), 'BAD_INPUT', ['spec 0']);
    expect(toRows([{ a: 1 }, { b: Number.NaN }])).toEqual([
      { a: 1, b: null },
      { a: null, b: null },
    ]);
  });
});

describe('toCsv: CSV that spreadsheets open safely (issue 18)', () => {
  it('quotes per RFC 4180, guards formula-like text (OWASP), leaves numbers alone, and reads back', async () => {
    const { toCsv } = await import('../kernel-lib/src/index');
    const rows = [
      { id: 1, name: '=1+2', note: 'a,b', change: -0.5, flag: true },
      { id: 2, name: '+cmd|calc', note: 'say "hi"', change: 1e-7, flag: false },
      { id: 3, name: '@SUM(A1)', note: 'two\nlines', change: null, flag: null },
      { id: 4, name: '-2', note: '\tindent', change: Number.NaN, flag: null },
      { id: 5, name: 'plain', note: ' edge ', change: -Infinity, flag: null },
    ];
    const before = JSON.stringify(rows);
    const text = toCsv(rows);
    expect(JSON.stringify(rows)).toBe(before);
    expect(text).toBe(
      [
        'id,name,note,change,flag',
        `1,'=1+2,"a,b",-0.5,TRUE`,
        `2,'+cmd|calc,"say ""hi""",1e-7,FALSE`,
        `3,'@SUM(A1),"two\nlines",,`,
        `4,'-2,'\tindent,,`,
        '5,plain," edge ",-Inf,',
        '',
      ].join('\n'),
    );
    // An independent reader (DuckDB's CSV parser) reads the same cells back.
    const { openDuckDB } = await import('../kernel-lib/src/warehouse');
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'cbm-csv-'));
    const db = await openDuckDB(':memory:');
    try {
      writeFileSync(join(dir, 'out.csv'), text);
      const back = await db.run(`SELECT name, note FROM read_csv('${join(dir, 'out.csv')}', header = true, all_varchar = true) ORDER BY id`);
      expect(back.map((r) => r.note)).toEqual(['a,b', 'say "hi"', 'two\nlines', "'\tindent", ' edge ']);
      expect(back.map((r) => r.name)).toEqual(["'=1+2", "'+cmd|calc", "'@SUM(A1)", "'-2", 'plain']);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('optimizePrice with a model whose predict is not a probability (issue 18)', () => {
  it('a predict returning 1.5 is a BAD_INPUT naming the row, not churn 1.5 and feasible: true', async () => {
    const { optimizePrice } = await import('../kernel-lib/src/index');
    const rows = [{ price: 10 }, { price: 12 }];
    const model = { predict: (data: unknown) => Float64Array.from({ length: (data as { nRows?: number }).nRows ?? 2 }, () => 1.5) };
    expectCbmError(
      () => optimizePrice({ revenues: [100, 120], priceResponse: { model: model as never, data: rows, price: 'price' }, simulations: 0 }),
      'BAD_INPUT',
      ['predict returned 1.5 for row 0', 'churn probabilities must lie in [0, 1]'],
      [rows],
    );
  });
});

describe('fitLinear on a response near 1e300 (issue 18)', () => {
  it('is NON_FINITE with advice to rescale, not Infinity standard errors and a NaN R²', async () => {
    const { fitLinear } = await import('../kernel-lib/src/index');
    const data = { y: [1e300, 2e300, 3.5e300, 5e300], x: [1, 2, 3, 4] };
    expectCbmError(() => fitLinear(data, 'y ~ x'), 'NON_FINITE', ['overflow a double', 'rescale the response'], [data]);
    // The same shape at 1e100 fits: its squares (1e200) are still finite doubles.
    expect(Number.isFinite(fitLinear({ y: [1e100, 2e100, 3.5e100, 5e100], x: [1, 2, 3, 4] }, 'y ~ x').statistics.rSquared)).toBe(true);
  });
});

describe('a backtick in a column name (issue 18)', () => {
  it('is written as \\` in formulas, so the saved model reads back; the filter grammar reads it too', async () => {
    const { fitLogit, LogitModel, filterRows, parseFormula } = await import('../kernel-lib/src/index');
    const rows = [0, 1, 0, 1, 1, 0, 1, 0].map((y, i) => ({ y, 'a`b\\c': [3, 1, 4, 1, 5, 9, 2, 6][i] }));
    const model = fitLogit(rows, 'y ~ .');
    expect(model.formula).toBe('y ~ `a\\`b\\\\c`');
    const back = LogitModel.fromJSON(JSON.stringify(model.toJSON()));
    expect(back.names).toEqual(['(Intercept)', 'a`b\\c']);
    expect(Array.from(back.predict(rows))).toEqual(Array.from(model.predict(rows)));
    expect(parseFormula('y ~ `a\\b`').variables).toEqual(['a\\b']); // a backslash before anything else is itself
    expect(filterRows(rows, '`a\\`b\\\\c` > 4').length).toBe(3);
  });
});

describe('fitLogitInDatabase with a run function that answers malformed rows (issue 18)', () => {
  it('is a SQL_ERROR naming the statement, not a TypeError', async () => {
    const { fitLogitInDatabase } = await import('../kernel-lib/src/sql');
    for (const answer of [5, null, [1, 2], ['x'], [[1]], 'rows']) {
      const error = await fitLogitInDatabase(async () => answer as never, { table: 't', formula: 'y ~ x' }).catch((e) => e);
      expect(error, JSON.stringify(answer)).toMatchObject({ name: 'CbmError', code: 'SQL_ERROR', message: expect.stringMatching(/must resolve to an array of row objects/) });
    }
    // Rows of the right shape but no columns: the formula's columns are unknown.
    await expect(fitLogitInDatabase(async () => [{}], { table: 't', formula: 'y ~ x' })).rejects.toMatchObject({ code: 'UNKNOWN_COLUMN' });
  });
});

describe('a key absent from a row object (issue 18)', () => {
  it('is a missing value (as R fills rows bound by name), and a step that needs the value names its column and row', async () => {
    const { toTable, isMissing } = await import('../kernel-lib/src/index');
    const rows = [{ a: 1, b: 'x' }, { a: 2 }, { a: 3, b: 'y' }];
    // toTable: the union of the rows' keys, the absent cell a missing value.
    const table = toTable(rows);
    expect(table.names).toEqual(['a', 'b']);
    expect(Array.from(table.cells('b'), isMissing)).toEqual([false, true, false]);
    // Only own keys: a row without 'toString' has a missing toString cell, not Object.prototype.toString.
    expect(Array.from(toTable([{ toString: 1 }, {}]).cells('toString'), isMissing)).toEqual([false, true]);
    // encodeCategories cannot code a missing value: NON_FINITE naming column 'b' and row 1, not a TypeError or NaN.
    expectCbmError(() => encodeCategories(rows, { b: { x: 1, y: 0 } }), 'NON_FINITE', ["column 'b' has a missing value in row 1"], [rows]);
    // A column absent from every row is an unknown column.
    expectCbmError(() => encodeCategories(rows, { c: { x: 1 } }), 'UNKNOWN_COLUMN', ["unknown column 'c'"], [rows]);
  });
});

describe('guardSpreadsheetText: the one CSV-injection rule (issue 18, OWASP)', () => {
  it('prefixes text that starts with = + - @ tab CR (after any apostrophes), nothing else, and toCsv writes the same', async () => {
    const { guardSpreadsheetText, unguardSpreadsheetText, toCsv } = await import('../kernel-lib/src/index');
    // OWASP's CSV-injection cheat sheet: cells starting with = + - @ tab or CR are prefixed with '.
    for (const text of ['=1+2', '+1', '-x', '@SUM(A1)', '\tcmd', '\rcmd']) expect(guardSpreadsheetText(text)).toBe(`'${text}`);
    for (const text of ['plain', '', ' =1', '1-2', "'plain", "it's", '{"a":-1}']) expect(guardSpreadsheetText(text)).toBe(text);
    // A guarded text guarded again keeps one apostrophe per guard, so each guard can be undone.
    expect(guardSpreadsheetText("'=1")).toBe("''=1");
    expect(unguardSpreadsheetText("''=1")).toBe("'=1");
    // Text Excel hands back without the apostrophe (it consumed the quote prefix) is already the original.
    expect(unguardSpreadsheetText('=1')).toBe('=1');
    expect(toCsv([{ a: "'=1", b: '-0.5', c: -0.5 }])).toBe(`a,b,c\n''=1,'-0.5,-0.5\n`);
    expectCbmError(() => guardSpreadsheetText(5 as never), 'BAD_INPUT', ['text must be a string']);
  });
  it('round-trips every text, and a guarded text never starts with a formula character', async () => {
    const fc = (await import('fast-check')).default;
    const { guardSpreadsheetText, unguardSpreadsheetText } = await import('../kernel-lib/src/index');
    const text = fc.oneof(
      fc.string(),
      fc.array(fc.constantFrom("'", '=', '+', '-', '@', '\t', '\r', 'a', ' '), { maxLength: 6 }).map((cs) => cs.join('')),
    );
    fc.assert(
      fc.property(text, (s) => {
        expect(unguardSpreadsheetText(guardSpreadsheetText(s))).toBe(s);
        expect(guardSpreadsheetText(s)).not.toMatch(/^[=+\-@\t\r]/);
      }),
      { seed: 18, numRuns: 2000 },
    );
  });
});

describe('quoteString per dialect (issue 18, finding 2)', () => {
  it("doubles quotes everywhere; a backslash is doubled for Spark and ClickHouse (their strings are C-escaped) and as E'…' for PostgreSQL; DuckDB keeps it", async () => {
    const { quoteString } = await import('../kernel-lib/src/sql');
    const payload = "x\\') THEN 1 END; --";
    expect(quoteString('duckdb', payload)).toBe("'x\\'') THEN 1 END; --'");
    expect(quoteString('spark', payload)).toBe("'x\\\\'') THEN 1 END; --'");
    expect(quoteString('clickhouse', payload)).toBe("'x\\\\'') THEN 1 END; --'");
    expect(quoteString('postgres', payload)).toBe("E'x\\\\'') THEN 1 END; --'");
    // Without a backslash every dialect writes the plain standard literal.
    for (const dialect of ['duckdb', 'postgres', 'spark', 'clickhouse'] as const) expect(quoteString(dialect, "O'Brien")).toBe("'O''Brien'");
  });
});

describe('sqlNumber, which held before issue 18, still writes only number literals', () => {
  it('a finite double as CAST(<its shortest round-trip text> AS <double type>); NaN, ±Infinity and non-numbers are NON_FINITE', async () => {
    const fc = (await import('fast-check')).default;
    const { sqlNumber } = await import('../kernel-lib/src/sql');
    expect(sqlNumber('duckdb', -0.5)).toBe('CAST(-0.5 AS DOUBLE)');
    expect(sqlNumber('postgres', 1e-7)).toBe('CAST(1e-7 AS DOUBLE PRECISION)');
    expect(sqlNumber('clickhouse', -0)).toBe('CAST(0 AS Float64)');
    // Every finite double: the literal reads back as the same double (ECMAScript's Number-to-String round-trips).
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const m = /^CAST\(([-+0-9.e]+) AS DOUBLE\)$/.exec(sqlNumber('duckdb', x));
        expect(m).not.toBeNull();
        expect(Number(m![1])).toBe(Object.is(x, -0) ? 0 : x);
      }),
      { seed: 18, numRuns: 2000 },
    );
    for (const bad of [Number.NaN, Infinity, -Infinity, '1; DROP TABLE t' as never, 1n as never])
      expectCbmError(() => sqlNumber('duckdb', bad), 'NON_FINITE', ['cannot write', 'as a number literal']);
  });
});
