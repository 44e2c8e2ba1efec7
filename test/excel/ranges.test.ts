// Ranges as marketers select them (issue 19, finding 5): A1:F1001 over 50 customers, whole
// columns, a blank row inside, numbers stored as text, outcomes as Yes/No or TRUE/FALSE. The
// references are the same functions on the clean range (padding must change nothing) and
// kernel-lib called directly on the customers.
import { describe, expect, it } from 'vitest';
import * as kl from '../../kernel-lib/src/index';
import * as A from '../../excel-addin/src/functions/adapters';
import { numbersFromText } from '../../excel-addin/src/functions/cells';
import { describeFailure } from '../../excel-addin/src/functions/excelErrors';
import { modelFromCells } from '../../excel-addin/src/functions/modelTable';
import { bankCardSheet } from './bankcardSheet';

const sheet = bankCardSheet();
const table = A.fit(sheet.trainRange, sheet.formula, 'stepwise-free', sheet.scaleRanges, sheet.encode);
const model = modelFromCells(table);
const blankRows = (n: number, width: number) => Array.from({ length: n }, () => new Array(width).fill(''));
/** The range padded as a selection beyond the data: blank rows below, blank columns to the right. */
const padded = (range: unknown[][], rows: number, columns: number) => [...range.map((r) => [...r, ...new Array(columns).fill('')]), ...blankRows(rows, range[0].length + columns)];
const coefficients = (t: unknown[][]) => modelFromCells(t).coefficients;
function failure(work: () => unknown, name = 'SCORE') {
  try {
    work();
  } catch (e) {
    return describeFailure(name, e);
  }
  throw new Error('expected a failure');
}

describe('trailing blank rows and columns are padding', () => {
  const fifty = sheet.all.slice(0, 51);
  it('SCORE over A1:F1001 with 50 customers: 1,000 cells, 50 scores then blanks', () => {
    const out = A.score(table, padded(fifty, 950, 0));
    expect(out.length).toBe(1000);
    expect(out.slice(0, 50).map((r) => r[0])).toEqual(Array.from(model.predict(sheet.rows.slice(0, 50))));
    expect(out.slice(50).every((r) => r[0] === '')).toBe(true);
  });
  it('FIT on a padded range fits the same model as on the customers alone', () => {
    const fitted = A.fit(padded(sheet.trainRange, 900, 3), sheet.formula, 'stepwise-free', sheet.scaleRanges, sheet.encode);
    expect(coefficients(fitted)).toEqual(model.coefficients);
    expect(fitted.some((r) => r[0] === 'warning')).toBe(false);
  });
  it('metrics over padded scores and actual (a whole column) equal those over the customers', () => {
    const p = Array.from(model.predict(sheet.train), (x) => [x]);
    const y = sheet.train.map((r) => [r.responded as number]);
    const pad = (c: unknown[][]) => [...c, ...blankRows(500, 1)];
    expect(A.lift(pad(p), pad(y), 0.8)).toBe(A.lift(p, y, 0.8));
    expect(A.gains(pad(p), pad(y))).toEqual(A.gains(p, y));
  });
});

describe('a blank row inside the data', () => {
  const withGaps = [...sheet.trainRange.slice(0, 11), ...blankRows(2, 6), ...sheet.trainRange.slice(11)];
  it('is left out of FIT, with the count in the model table', () => {
    const fitted = A.fit(withGaps, sheet.formula, 'stepwise-free', sheet.scaleRanges, sheet.encode);
    expect(coefficients(fitted)).toEqual(model.coefficients);
    expect(fitted.find((r) => r[0] === 'statistic' && r[1] === 'nObs')![2]).toBe(100);
    expect(fitted.find((r) => r[0] === 'warning')![1]).toBe('2 blank rows inside the data range were left out of the fit');
    // The count survives the JSON round trip.
    expect(A.modelTable(A.modelJson(fitted))).toEqual(fitted);
  });
  it('scores blank in SCORE; the other rows keep their place', () => {
    const out = A.score(table, withGaps);
    expect(out.length).toBe(102);
    expect(out[10][0]).toBe('');
    expect(out[11][0]).toBe('');
    const expected = model.predict(sheet.train);
    expect(out.filter((r) => r[0] !== '').map((r) => r[0])).toEqual(Array.from(expected));
  });
  it('a message names the selected row, past the blank rows', () => {
    const broken = withGaps.map((r) => [...r]);
    broken[20][2] = ''; // age of the customer on row 21 of the selection
    expect(failure(() => A.score(table, broken)).message).toMatch(/column 'age' is blank or not a number in row 21 of the data range/);
  });
});

describe('numbers stored as text', () => {
  it('are read as numbers where the column is otherwise numeric', () => {
    const texty = sheet.trainRange.map((r, i) => (i > 0 && i % 3 === 0 ? r.map((v, j) => (j === 3 ? ` ${String(v)} ` : v)) : r));
    const fitted = A.fit(texty, sheet.formula, 'stepwise-free', sheet.scaleRanges, sheet.encode);
    expect(coefficients(fitted)).toEqual(model.coefficients);
    expect(A.lift([['0.9'], [0.2], [0.85], ['0.1']], [[1], [0], [0], [0]], 0.8)).toBe(A.lift([[0.9], [0.2], [0.85], [0.1]], [[1], [0], [0], [0]], 0.8));
  });
  it('a column of text codes only stays text (a factor)', () => {
    expect(numbersFromText(['1', '2', '', '3'])).toEqual(['1', '2', '', '3']);
    expect(numbersFromText([1, '2', '', '3e0'])).toEqual([1, 2, '', 3]);
    expect(numbersFromText([1, 'two'])).toEqual([1, 'two']);
  });
});

describe("actuals through kernel-lib's one outcome reader", () => {
  const p = [[0.9], [0.2], [0.85], [0.1], [0.95]];
  const y01 = [1, 0, 0, 0, 1];
  const reference = kl.campaignMetrics(
    p.map((r) => r[0]),
    y01,
    0.8,
  );
  it.each([
    ['1/0', y01],
    ['TRUE/FALSE', y01.map((v) => v === 1)],
    ['Yes/No', y01.map((v) => (v ? 'Yes' : 'No'))],
    ["'1'/'0'", y01.map(String)],
  ])('%s', (_, actual) => {
    const col = actual.map((v) => [v]);
    expect(A.hitRate(p, col, 0.8)).toBe(reference.hitRate);
    expect(A.lift(p, col, 0.8)).toBe(reference.lift);
  });
});

describe('GAINS on fewer than ten customers', () => {
  it('defaults to one group per customer instead of refusing the omitted argument', () => {
    const g = A.gains([[0.9], [0.2], [0.85], [0.1], [0.95]], [[1], [0], [0], [0], [1]]);
    expect(g.length).toBe(6);
  });
});

describe('CBM.OPTPRICE says what holds the optimum and refuses a slope that cannot be', () => {
  const churn = [[0.66], [0.41], [0.51], [0.49], [0.69]];
  const revenue = [[1895], [1952], [3069], [3465], [1108]];
  it('refuses a negative price slope (it recommended the largest rise allowed)', () => {
    const f = failure(() => A.optPrice(churn, revenue, -3), 'OPTPRICE');
    expect(f.code).toBe('#VALUE!');
    expect(f.message).toMatch(/priceSlope must be above 0 .* got -3/);
  });
  it('names the bound that holds an optimum at a bound', () => {
    // A weak slope: revenue rises with price all the way to the upper bound 0.1.
    const cells = A.optPrice(churn, revenue, 0.1, -0.1, 0.1);
    expect(cells.find((r) => r[0] === 'price change')![1]).toBe(0.1);
    expect(cells.find((r) => r[0] === 'binding constraint')![1]).toBe('upper bound (0.1)');
  });
});
