/// <reference lib="dom" />
/// <reference types="office-js" />
import { guardSpreadsheetText } from '@cbm-kit/kernel-lib';
/**
 * The task pane's calls into Excel (Office.js), kept apart so they can be tested against
 * office-addin-mock: read the selected range, write a table to a new sheet.
 */
export interface SelectedRange {
  address: string;
  values: unknown[][];
}

/** The address and values of the user's selection. */
export async function readSelection(): Promise<SelectedRange> {
  return Excel.run(async (context) => {
    const range = context.workbook.getSelectedRange();
    range.load(['address', 'values']);
    await context.sync();
    return { address: range.address, values: range.values };
  });
}

/** A sheet name not yet used in the workbook: base, then 'base 2', 'base 3', … */
async function freeSheetName(context: Excel.RequestContext, base: string): Promise<string> {
  for (let k = 1; k < 1000; k++) {
    const candidate = k === 1 ? base : `${base} ${k}`;
    const existing = context.workbook.worksheets.getItemOrNullObject(candidate);
    existing.load('isNullObject');
    await context.sync();
    if (existing.isNullObject) return candidate;
  }
  throw new Error(`no free sheet name starting with '${base}'`);
}

/**
 * Writes `values` (rectangular) to A1 of a new sheet, activates it and returns its name. Excel
 * runs a text written through `range.values` that starts with `=` as a formula, so every text goes
 * through kernel-lib's CSV-injection guard: Excel takes the added `'` as its text prefix (shown
 * and read back without it), and a model table, already guarded for a custom function's result,
 * shows the same cells on the new sheet as CBM.FIT spills.
 */
export async function writeTableToNewSheet(base: string, values: (string | number | boolean)[][]): Promise<string> {
  const width = values[0]?.length ?? 0;
  if (values.length === 0 || width === 0 || values.some((row) => row.length !== width)) throw new Error('writeTableToNewSheet: the table must be a non-empty rectangle');
  const guarded = values.map((row) => row.map((v) => (typeof v === 'string' ? guardSpreadsheetText(v) : v)));
  return Excel.run(async (context) => {
    const name = await freeSheetName(context, base);
    const sheet = context.workbook.worksheets.add(name);
    const range = sheet.getRangeByIndexes(0, 0, values.length, width);
    range.values = guarded;
    range.format.autofitColumns();
    sheet.activate();
    await context.sync();
    return name;
  });
}
