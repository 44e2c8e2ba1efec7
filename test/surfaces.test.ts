/**
 * The seams every surface (notebook, Excel, SQL) builds on: tableFromRange and campaignMetrics.
 * Expected figures are counted by hand from the inputs (closed forms), never from the code.
 */
import { describe, expect, it } from 'vitest';
import { CbmError } from '../kernel-lib/src/errors';
import { tableFromRange } from '../kernel-lib/src/data/range';
import { campaignMetrics } from '../kernel-lib/src/evaluate/campaign';

describe('tableFromRange', () => {
  it('reads a header row and turns blanks into missing values', () => {
    const t = tableFromRange([
      [' gender ', 'age', 'ok'],
      ['M', 26, true],
      ['F', '', false],
      ['M', null, true],
    ]);
    expect(t.names).toEqual(['gender', 'age', 'ok']);
    expect(Array.from(t.cells('age'))).toEqual([26, null, null]);
    expect(Array.from(t.cells('ok'))).toEqual([true, false, true]);
    expect(t.nRows).toBe(3);
  });
  it('names columns V1, V2 without a header', () => {
    const t = tableFromRange(
      [
        [1, 2],
        [3, 4],
      ],
      { header: false },
    );
    expect(t.names).toEqual(['V1', 'V2']);
    expect(Array.from(t.cells('V2'))).toEqual([2, 4]);
  });
  it('keeps columns named after Object.prototype members', () => {
    const t = tableFromRange([
      ['__proto__', 'constructor'],
      [1, 2],
    ]);
    expect(Array.from(t.cells('__proto__'))).toEqual([1]);
    expect(Array.from(t.cells('constructor'))).toEqual([2]);
  });
  it.each([
    [
      [
        ['a', 'a'],
        [1, 2],
      ],
      "the header name 'a' appears in columns 1 and 2",
    ],
    [
      [
        ['a', ''],
        [1, 2],
      ],
      'the header cell in column 2 is empty',
    ],
    [[['a', 'b'], [1]], 'row 2 of the range has 1 cells but row 1 has 2'],
    [[], 'the range is empty'],
    [[['a'], [{}]], 'the cell in row 2, column 1 holds an object; cells must be numbers, text or booleans'],
  ])('rejects %j', (range, message) => {
    expect(() => tableFromRange(range as unknown[][])).toThrow(CbmError);
    expect(() => tableFromRange(range as unknown[][])).toThrow(message);
  });
});

describe('campaignMetrics', () => {
  // 10 customers: scores above 0.8 for rows 0–3; responders are rows 0, 1, 2, 5, 6.
  const scores = [0.95, 0.9, 0.85, 0.81, 0.8, 0.7, 0.5, 0.3, 0.2, 0.1];
  const actual = [1, 1, 1, 0, 0, 1, 1, 0, 0, 0];
  it('counts once and derives every rate from the counts (P > a strictly)', () => {
    const m = campaignMetrics(scores, actual, 0.8, { profit: 100, cost: 20 });
    expect(m).toMatchObject({ n: 10, selected: 4, selectedResponders: 3, responders: 5, truePositives: 3, falsePositives: 1, trueNegatives: 4, falseNegatives: 2 });
    expect(m.responseRate).toBe(3 / 4);
    expect(m.hitRate).toBe(7 / 10);
    expect(m.baseRate).toBe(5 / 10);
    expect(m.lift).toBe(0.75 / 0.5);
    expect(m.roi).toBe((0.75 * 100) / 20);
    expect(m.profit).toBe(3 * 100 - 4 * 20);
    expect(m.selectedShare).toBe(0.4);
  });
  it('leaves ROI and profit out without economics, NaN rates when nobody is selected', () => {
    const m = campaignMetrics(scores, actual, 0.99);
    expect('roi' in m).toBe(false);
    expect(m.selected).toBe(0);
    expect(m.responseRate).toBeNaN();
    expect(m.lift).toBeNaN();
  });
  it('rejects bad input with its own name in the message', () => {
    expect(() => campaignMetrics(scores, actual.slice(1), 0.8)).toThrow('campaignMetrics: scores has 10 values but actual has 9');
    expect(() => campaignMetrics(scores, actual, 0.8, { profit: -1, cost: 1 })).toThrow('campaignMetrics: profit');
  });
});
