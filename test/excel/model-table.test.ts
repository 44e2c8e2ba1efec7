// The model table cannot lie (issue 19, finding 3): a row deleted or edited since CBM.FIT wrote
// it is refused by the check row, saying which rows changed; CBM.MODELJSON and CBM.MODELTABLE
// convert both ways; SCORE reads JSON split over a column of cells. The odds ratios and their
// intervals are R's: exp(coef) and exp(confint.default) from test/fixtures/spector-logit.json
// (spector_reference.R, glm at epsilon 1e-14).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as kl from '../../kernel-lib/src/index';
import * as A from '../../excel-addin/src/functions/adapters';
import { describeFailure } from '../../excel-addin/src/functions/excelErrors';
import { JSON_CELL_CHARACTERS, modelFromCells, modelToTable } from '../../excel-addin/src/functions/modelTable';
import { readCsvText } from '../helpers/csv';
import { bankCardSheet } from './bankcardSheet';

const sheet = bankCardSheet();
const table = A.fit(sheet.trainRange, sheet.formula, 'stepwise-free', sheet.scaleRanges, sheet.encode);
const model = modelFromCells(table);
const expected = model.predict(sheet.rows);

function failure(work: () => unknown): { code: string; message: string } {
  try {
    work();
  } catch (e) {
    return describeFailure('SCORE', e);
  }
  throw new Error('expected a failure');
}
const without = (rows: unknown[][], kind: string, name: string) => rows.filter((r) => !(r[0] === kind && r[1] === name));

describe('the check row refuses a changed table', () => {
  it('scores the table as CBM.FIT spilled it, and after a save that keeps 15 significant digits', () => {
    expect(A.score(table, sheet.all).map((r) => r[0])).toEqual(Array.from(expected));
    const saved = table.map((r) => r.map((v) => (typeof v === 'number' ? Number(v.toPrecision(15)) : v)));
    A.score(saved, sheet.all).forEach((r, i) => expect(Math.abs((r[0] as number) - expected[i])).toBeLessThan(1e-12));
  });
  it.each([
    ['scale | income', 'scale', 'income'],
    ['scale | age', 'scale', 'age'],
  ])('refuses the table without its %s row (it would score unscaled incomes)', (_, kind, name) => {
    const f = failure(() => A.score(without(table, kind, name), sheet.all));
    expect(f.code).toBe('#VALUE!');
    expect(f.message).toMatch(/1 of the 4 preparation \(scale, encode, levels\) rows CBM\.FIT wrote is missing/);
  });
  it('refuses an edited coefficient, an edited scale maximum and a deleted statistic', () => {
    const edited = table.map((r) => [...r]);
    const row = edited.findIndex((r) => r[0] === 'income');
    edited[row][1] = (edited[row][1] as number) * 2;
    expect(failure(() => A.score(edited, sheet.all)).message).toMatch(/a cell in the coefficient rows differs from what CBM\.FIT wrote/);
    const scale = table.map((r) => (r[0] === 'scale' && r[1] === 'income' ? [...r.slice(0, 3), 99999, ...r.slice(4)] : r));
    expect(failure(() => A.score(scale, sheet.all)).message).toMatch(/a cell in the preparation \(scale, encode, levels\) rows differs/);
    expect(failure(() => A.score(without(table, 'statistic', 'aic'), sheet.all)).message).toMatch(/1 of the 15 statistic rows CBM\.FIT wrote is missing/);
  });
  it('refuses a table whose check row was deleted', () => {
    expect(failure(() => A.score(table.slice(0, -1), sheet.all)).message).toMatch(/the check row .* is missing/);
  });
  it('ignores blank rows and columns around the table (a padded selection)', () => {
    const width = table[0].length + 2;
    const padded = [...table.map((r) => [...r, '', '']), new Array(width).fill(''), new Array(width).fill('')];
    expect(A.score(padded, sheet.all).map((r) => r[0])).toEqual(Array.from(expected));
  });
});

describe('CBM.MODELJSON and CBM.MODELTABLE', () => {
  it('carry a model offset (an offset row), so the table scores as the model; without the row the check refuses it', () => {
    const rows = Array.from({ length: 40 }, (_, i) => ({ y: [0, 1, 1, 0, 1][i % 5], x: (i * 7) % 11, exposure: 1 + (i % 4) }));
    const model = kl.fitLogit(rows, 'y ~ x + offset(log(exposure))');
    const cells = modelToTable(model);
    expect(cells.some((r) => r[0] === 'offset' && r[1] === 'log(exposure)')).toBe(true);
    const back = modelFromCells(cells);
    expect(back.offset).toBe('log(exposure)');
    expect(Array.from(back.predict(rows))).toEqual(Array.from(model.predict(rows)));
    expect(() => modelFromCells(cells.filter((r) => r[0] !== 'offset'))).toThrow(/settings/);
    // CBM.FIT takes the offset() term in its formula; CBM.SCORE adds it.
    const range = [['y', 'x', 'exposure'], ...rows.map((r) => [r.y, r.x, r.exposure])];
    const spilled = A.fit(range, 'y ~ x + offset(log(exposure))');
    expect(A.score(spilled, range).map((r) => r[0])).toEqual(Array.from(model.predict(rows)));
  });
  it('convert both ways without loss', () => {
    const json = A.modelJson(table);
    expect(json.length).toBe(1);
    expect(json[0][0]).not.toMatch(/\n/);
    expect(JSON.parse(json[0][0])).toEqual(JSON.parse(JSON.stringify(model.toJSON())));
    expect(A.modelTable(json)).toEqual(table);
  });
  it('split a JSON longer than a cell over a column of cells, which SCORE and MODELTABLE join', () => {
    // 62 coefficients: a factor with 61 levels besides the reference, the size the issue reports.
    const rows = Array.from({ length: 1200 }, (_, i) => ({ y: (i * 7919) % 3 === 0 ? 1 : 0, g: `level${String(i % 62).padStart(2, '0')}`, x: (i % 17) / 17 }));
    const big = kl.fitLogit(rows, 'y ~ g');
    const cells = A.modelJson(modelToTable(big));
    expect(cells.length).toBeGreaterThan(1);
    expect(cells.every((c) => c[0].length <= JSON_CELL_CHARACTERS)).toBe(true);
    expect(JSON.parse(cells.map((c) => kl.unguardSpreadsheetText(c[0])).join(''))).toEqual(JSON.parse(JSON.stringify(big.toJSON())));
    const data = [['g'], ...rows.slice(0, 100).map((r) => [r.g])];
    expect(A.score(cells, data).map((r) => r[0])).toEqual(Array.from(big.predict(rows.slice(0, 100))));
  });
  it('SCORE reads pretty-printed JSON pasted one line per cell', () => {
    const lines = JSON.stringify(model.toJSON(), null, 2)
      .split('\n')
      .map((line) => [line]);
    expect(A.score(lines, sheet.all).map((r) => r[0])).toEqual(Array.from(expected));
  });
});

describe('an aliased coefficient (R: NA) in the model table', () => {
  // incomeCopy repeats income: R's glm reports it NA, and so does the table.
  const range = sheet.trainRange.map((row, i) => [...row, i === 0 ? 'incomeCopy' : row[sheet.trainRange[0].indexOf('income')]]);
  const aliasedTable = A.fit(range, 'responded ~ income + incomeCopy + age');
  const aliasedModel = modelFromCells(aliasedTable);
  it('shows NA in every cell of the aliased row and column, and reads back to the same model', () => {
    expect([...aliasedModel.aliased]).toEqual(['incomeCopy']);
    const row = aliasedTable.find((r) => r[0] === 'incomeCopy')!;
    expect(row.slice(1, 8)).toEqual(['NA', 'NA', 'NA', 'NA', 'NA', 'NA', 'NA']);
    const header = aliasedTable.find((r) => r[0] === 'term')!;
    const column = header.indexOf('incomeCopy');
    for (const r of aliasedTable.slice(aliasedTable.indexOf(header) + 1, aliasedTable.indexOf(header) + 5)) expect(r[column]).toBe('NA');
    expect(aliasedModel.toJSON()).toEqual(kl.LogitModel.fromJSON(JSON.parse(A.modelJson(aliasedTable)[0][0])).toJSON());
    expect(A.score(aliasedTable, sheet.all).map((r) => r[0])).toEqual(Array.from(aliasedModel.predict(sheet.rows)));
  });
});

describe('text from the data is guarded against CSV injection in every cell the add-in writes (issue 18)', () => {
  // A factor whose levels a spreadsheet would run as formulas (OWASP's CSV-injection examples).
  const levels = ['=1+2', '@SUM(A1)', '-x', '+cmd|calc'];
  const rows = Array.from({ length: 40 }, (_, i) => ({ y: [0, 1, 1, 0, 1, 0, 0][i % 7], g: levels[i % 4], x: ((i * 37) % 11) / 11 }));
  const range = [['y', 'g', 'x'], ...rows.map((r) => [r.y, r.g, r.x])];
  const fitted = A.fit(range, 'y ~ g + x');
  const reference = kl.fitLogit(rows, 'y ~ g + x').predict(rows);
  const formulaStart = /^[=+\-@\t\r]/;
  it('CBM.FIT writes no text cell a spreadsheet would run, and the levels read back exactly', () => {
    expect(fitted.flat().filter((v) => typeof v === 'string' && formulaStart.test(v))).toEqual([]);
    expect(fitted.find((r) => r[0] === 'levels')?.slice(1, 6)).toEqual(['g', "'+cmd|calc", "'-x", "'=1+2", "'@SUM(A1)"]);
    expect(modelFromCells(fitted).toJSON().factorLevels.g).toEqual(['+cmd|calc', '-x', '=1+2', '@SUM(A1)']);
    expect(A.score(fitted, range).map((r) => r[0])).toEqual(Array.from(reference));
    expect(A.modelTable(A.modelJson(fitted))).toEqual(fitted);
  });
  it('a table whose apostrophes Excel consumed (written through the task pane) still passes its check row and scores the same', () => {
    const asExcelReadsIt = fitted.map((r) => r.map((v) => (typeof v === 'string' ? kl.unguardSpreadsheetText(v) : v)));
    expect(A.score(asExcelReadsIt, range).map((r) => r[0])).toEqual(Array.from(reference));
  });
  it('CBM.MODELJSON cells are guarded where a piece starts with a formula character, and read back', () => {
    const json = JSON.stringify(modelFromCells(fitted).toJSON());
    const at = json.indexOf('-');
    expect(at).toBeGreaterThan(0);
    // Split as CBM.MODELJSON splits a long JSON, at a '-': the second cell is guarded text.
    const cells = [[json.slice(0, at)], [kl.guardSpreadsheetText(json.slice(at))]];
    expect(cells[1][0].startsWith("'-")).toBe(true);
    expect(A.score(cells, range).map((r) => r[0])).toEqual(Array.from(reference));
  });
});

describe("FIT's odds ratios and Wald intervals equal R's exp(coef) and exp(confint.default)", () => {
  const fixtures = path.join(__dirname, '..', 'fixtures');
  const r = JSON.parse(fs.readFileSync(path.join(fixtures, 'spector-logit.json'), 'utf8')).r_glm.tight_control;
  const spector = readCsvText(path.join(fixtures, 'spector.csv'));
  const range = [spector.header, ...spector.rows.map((fields) => fields.map(Number))];
  const fitted = A.fit(range, 'GRADE ~ GPA + TUCE + PSI');
  it('to 1e-8 relative', () => {
    const header = fitted.find((row) => row[0] === 'term')!;
    const column = (title: string) => header.indexOf(title);
    for (const name of r.coefficient_names as string[]) {
      const row = fitted.find((x) => x[0] === name)!;
      const close = (got: unknown, want: number) => expect(Math.abs((got as number) / want - 1), name).toBeLessThan(1e-8);
      close(row[column('odds ratio')], Math.exp(r.coefficients[name]));
      close(row[column('OR 2.5 %')], Math.exp(r.conf_int_wald_95.lower[name]));
      close(row[column('OR 97.5 %')], Math.exp(r.conf_int_wald_95.upper[name]));
    }
  });
});

describe('scores must lie in [0, 1] in every metric function', () => {
  const p = reference01();
  const y = sheet.train.map((row) => [row.responded as number]);
  function reference01() {
    return model.predict(sheet.train);
  }
  const times100 = Array.from(p, (x) => [x * 100]);
  it.each([
    ['HITRATE', () => A.hitRate(times100, y, 0.8)],
    ['LIFT', () => A.lift(times100, y, 0.8)],
    ['RESPRATE', () => A.responseRate(times100, y, 0.8)],
    ['ROI', () => A.roi(times100, y, 0.8, 60, 20)],
    ['CONFUSION', () => A.confusionTable(times100, y, 0.8)],
    ['GAINS', () => A.gains(times100, y)],
  ])('%s refuses scores × 100, naming the first bad cell', (_, work) => {
    const first = times100.findIndex((c) => c[0] > 1);
    const f = failure(work);
    expect(f.code).toBe('#VALUE!');
    expect(f.message).toMatch(new RegExp(`scores holds [0-9.e+-]+ at position ${first + 1}; scores are probabilities between 0 and 1 .*not percentages`));
  });
  it('refuses a negative score and a date serial', () => {
    expect(failure(() => A.lift([[0.5], [-0.1]], [[1], [0]])).message).toMatch(/scores holds -0.1 at position 2/);
    expect(failure(() => A.lift([[46000], [0.2]], [[1], [0]])).message).toMatch(/scores holds 46000 at position 1/);
  });
});

// A coefficient row starts with the coefficient's name, which the check row groups by the kind
// of row it would be: a name such as 'constructor' or '__proto__' (an Object.prototype member)
// must be a coefficient like any other, not a lookup on the prototype.
describe("a coefficient named like an Object.prototype member ('constructor', '__proto__', 'toString')", () => {
  const names = ['constructor', '__proto__', 'toString', 'responded'];
  const cells = Array.from({ length: 40 }, (_, i) => [18 + ((i * 37) % 50), i % 3 === 0 ? 'F' : 'M', 1 + ((i * 7919) % 90) / 10, (i * 13) % 7 < 3 ? 1 : 0]);
  // Row objects with these own keys (fromEntries defines them; a literal's __proto__ would not).
  const rows = cells.map((r) => Object.fromEntries(names.map((n, c) => [n, r[c]])) as Record<string, kl.Cell>);
  const range = [names, ...rows.map((r) => names.map((n) => r[n]))];
  const formula = 'responded ~ constructor + `__proto__` + toString';

  it("CBM.FIT writes the table and SCORE reads it back: P equals fitLogit's model.predict", () => {
    const reference = kl.fitLogit(rows, formula);
    const written = A.fit(range, formula);
    expect(Array.from(modelFromCells(written).coefficients)).toEqual(Array.from(reference.coefficients));
    expect(A.score(written, range)).toEqual(Array.from(reference.predict(rows), (p) => [p]));
  });

  it('and as scaled and encoded columns: the preparation survives the table', () => {
    const prepare = { encode: Object.fromEntries([['__proto__', { M: 1, F: 0 }]]), scale: ['constructor'] };
    const reference = kl.fitLogit(rows, formula, { prepare });
    const written = A.fit(range, formula, 'fit', 'constructor', '__proto__: M=1, F=0');
    expect(modelFromCells(written).preparation).toEqual(reference.preparation);
    expect(A.score(written, range)).toEqual(Array.from(reference.predict(rows), (p) => [p]));
  });
});

// A term's label is its variables joined by ':', so a column named 'a:b' and the interaction of
// columns 'a' and 'b' have one label: the 'of term' cell writes such a name in backticks (\` and \\
// escaped), and SCORE must read it back as that column. References are fitLogit's on the same rows.
describe("a column whose name holds ':' or starts with a backtick, in the 'of term' cell", () => {
  const rowsOf = (names: readonly string[], factors: Record<string, readonly string[]> = {}) =>
    Array.from({ length: 40 }, (_, i) => {
      const row: Record<string, kl.Cell> = { y: [0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 1][(i * 7) % 11] };
      names.forEach((n, k) => {
        row[n] = factors[n] ? factors[n][(i + k) % factors[n].length] : ((i * (3 + 2 * k) + k) % 11) / 4;
      });
      return row;
    });
  const rangeOf = (rows: Record<string, kl.Cell>[]) => {
    const names = Object.keys(rows[0]);
    return [names, ...rows.map((r) => names.map((n) => r[n]))];
  };
  // As a saved and reopened workbook holds the table: numbers to 15 digits, the guards' apostrophes consumed.
  const asSaved = (cells: unknown[][]) =>
    cells.map((r) => r.map((v) => (typeof v === 'number' ? Number(v.toPrecision(15)) : typeof v === 'string' ? kl.unguardSpreadsheetText(v) : v)));
  // The distinct 'of term' cells of the coefficient rows (a factor's coefficients share one).
  const termCells = (cells: unknown[][]) => {
    const header = cells.findIndex((r) => r[0] === 'term');
    const p = cells[header].length - 9;
    return [...new Set(cells.slice(header + 1, header + 1 + p).map((r) => r[8]))].filter((v) => v !== '');
  };

  it.each([
    ['a column a:b beside columns a and b', ['a:b', 'a', 'b'], 'y ~ `a:b` + a + b', {}, ['`a:b`', 'a', 'b']],
    ['a three-way interaction with it', ['a:b', 'c', 'd'], 'y ~ c + `a:b`:c:d', {}, ['c', 'c:`a:b`:d']],
    [
      'names starting with a backtick, ending in a backslash',
      ['`x', 'p:q\\', 'r\\', 's`:t'],
      'y ~ `\\`x` + `p:q\\\\`:`r\\\\` + `s\\`:t`',
      {},
      ['`\\`x`', '`s\\`:t`', '`p:q\\\\`:r\\'],
    ],
    ['names a spreadsheet would run', ['=a:b', '@c', '-d:e', '+f'], 'y ~ `=a:b` + `@c`:`-d:e` + `+f`', {}, ['`=a:b`', "'+f", "'@c:`-d:e`"]],
    ['transforms of it', ['a:b', 'c'], 'y ~ log(`a:b` + 1) + I(`a:b` * 2):c', {}, ['`log(\\`a:b\\` + 1)`', '`I(\\`a:b\\` * 2)`:c']],
    ['a factor with ":" in its name and levels', ['g:h', 'x'], 'y ~ `g:h` + `g:h`:x', { 'g:h': ['u:v', 'w', 'u'] }, ['`g:h`', '`g:h`:x']],
  ] as [string, string[], string, Record<string, string[]>, string[]][])(
    "%s: CBM.FIT's table scores as fitLogit, also as a saved workbook holds it",
    (_, names, formula, factors, written) => {
      const rows = rowsOf(names, factors);
      const range = rangeOf(rows);
      const reference = kl.fitLogit(rows, formula).predict(rows);
      const table = A.fit(range, formula);
      expect(termCells(table)).toEqual(written);
      expect(A.score(table, range)).toEqual(Array.from(reference, (p) => [p]));
      A.score(asSaved(table), range).forEach((r, i) => expect(Math.abs((r[0] as number) - reference[i])).toBeLessThan(1e-12));
      expect(A.modelTable(A.modelJson(table))).toEqual(table);
    },
  );

  it('as scaled and encoded columns', () => {
    const rows = rowsOf(['a:b', 'g:h', 'c'], { 'g:h': ['M:1', 'F:2'] });
    const range = rangeOf(rows);
    const formula = 'y ~ `a:b` + `g:h` + `a:b`:c';
    const reference = kl.fitLogit(rows, formula, { prepare: { scale: ['a:b'], encode: { 'g:h': { 'M:1': 1, 'F:2': 0 } } } }).predict(rows);
    const table = A.fit(range, formula, 'fit', 'a:b', [
      ['g:h', 'M:1', 1],
      ['g:h', 'F:2', 0],
    ]);
    expect(A.score(table, range)).toEqual(Array.from(reference, (p) => [p]));
  });

  // Tables CBM.FIT spilled before the backticks (7e3f3dd), written by that version's modelToTable
  // on these rows: a workbook saved then keeps them, and SCORE recalculates on them when the data
  // changes. The formula row says which variables each term has; the 'of term' cell holds the label.
  const before = JSON.parse(fs.readFileSync(path.join(__dirname, 'model-tables-before-backticks.json'), 'utf8')) as Record<string, unknown[][]>;
  it.each([
    ['colon', ['a:b', 'a', 'b'], 'y ~ `a:b` + a + b'],
    ['backtick', ['`x', 'z'], 'y ~ `\\`x`:z + z'],
  ])('a table written before the backticks (%s) still scores as fitLogit', (key, names, formula) => {
    const rows = rowsOf(names);
    const reference = kl.fitLogit(rows, formula).predict(rows);
    expect(A.score(before[key], rangeOf(rows))).toEqual(Array.from(reference, (p) => [p]));
  });
});
