// The task pane's Excel calls against office-addin-mock (Microsoft's Office.js mock): which
// objects are loaded before they are read, what is written where. The mock answers a property
// read without load() + sync() with an error value instead of the data, as Office.js throws.
import { afterEach, describe, expect, it } from 'vitest';
import { OfficeMockObject } from 'office-addin-mock';
import { readSelection, writeTableToNewSheet } from '../../excel-addin/src/taskpane/excelBridge';

function workbookMock(existingSheets: string[]) {
  const added: { name: string; ranges: { row: number; column: number; rows: number; columns: number; values?: unknown[][]; autofit: boolean }[]; active: boolean }[] = [];
  const data = {
    context: {
      workbook: {
        selection: {
          address: 'Sheet1!A1:F101',
          values: [
            ['id', 'gender'],
            [1, 'M'],
          ],
        },
        getSelectedRange() {
          return this.selection;
        },
        worksheets: {
          // Office.js answers getItemOrNullObject with a proxy whose isNullObject must be loaded.
          lookup: Object.fromEntries([...existingSheets, 'CBM model', 'CBM model 2', 'CBM model 3'].map((name) => [name, { isNullObject: !existingSheets.includes(name) }])),
          getItemOrNullObject(name: string) {
            return (this as any).lookup[name];
          },
          add(name: string) {
            const sheet = { name, ranges: [] as (typeof added)[number]['ranges'], active: false };
            added.push(sheet);
            return {
              getRangeByIndexes(row: number, column: number, rows: number, columns: number) {
                const range = { row, column, rows, columns, values: undefined as unknown[][] | undefined, autofit: false };
                sheet.ranges.push(range);
                return {
                  set values(v: unknown[][]) {
                    range.values = v;
                  },
                  format: { autofitColumns: () => (range.autofit = true) },
                };
              },
              activate: () => (sheet.active = true),
            };
          },
        },
      },
    },
    run: async function (callback: (context: unknown) => Promise<unknown>) {
      return callback(this.context);
    },
  };
  return { mock: new OfficeMockObject(data) as any, added };
}

afterEach(() => {
  delete (globalThis as any).Excel;
});

describe('task pane ↔ Excel', () => {
  it('reads the selection after loading address and values', async () => {
    const { mock } = workbookMock([]);
    (globalThis as any).Excel = mock;
    const range = await readSelection();
    expect(range.address).toBe('Sheet1!A1:F101');
    expect(range.values).toEqual([
      ['id', 'gender'],
      [1, 'M'],
    ]);
  });

  it('writes the model table to A1 of a new sheet with a free name, and activates it', async () => {
    const { mock, added } = workbookMock(['CBM model', 'CBM model 2']);
    (globalThis as any).Excel = mock;
    const table = [
      ['format', 'cbm-kit/logit-model', ''],
      ['term', 'coefficient', 'SE'],
    ];
    const name = await writeTableToNewSheet('CBM model', table);
    expect(name).toBe('CBM model 3');
    expect(added).toHaveLength(1);
    expect(added[0].name).toBe('CBM model 3');
    expect(added[0].active).toBe(true);
    expect(added[0].ranges).toEqual([{ row: 0, column: 0, rows: 2, columns: 3, values: table, autofit: true }]);
  });

  it('writes text a spreadsheet would run as a formula with the CSV-injection guard, numbers as they are (issue 18)', async () => {
    const { mock, added } = workbookMock([]);
    (globalThis as any).Excel = mock;
    await writeTableToNewSheet('CBM model', [
      ['levels', '=HYPERLINK("http://x")', '@SUM(A1)'],
      ['x', -0.5, '-0.5'],
    ]);
    // Office.js runs a value starting with '=' as a formula; with the ' prefix Excel stores text.
    expect(added[0].ranges[0].values).toEqual([
      ['levels', `'=HYPERLINK("http://x")`, "'@SUM(A1)"],
      ['x', -0.5, "'-0.5"],
    ]);
  });

  it('refuses a ragged table before touching the workbook', async () => {
    const { mock, added } = workbookMock([]);
    (globalThis as any).Excel = mock;
    await expect(writeTableToNewSheet('CBM model', [['a', 'b'], ['c']])).rejects.toThrow(/non-empty rectangle/);
    expect(added).toHaveLength(0);
  });

  it('the mock enforces load + sync: an unloaded property reads as an error', async () => {
    const { mock } = workbookMock([]);
    const range = mock.context.workbook.getSelectedRange();
    expect(String(range.address)).toMatch(/not loaded/i);
    range.load('address');
    await mock.context.sync();
    expect(range.address).toBe('Sheet1!A1:F101');
  });
});
