// Errors as Excel shows them. Microsoft's CustomFunctions.ErrorCode reference: only #VALUE! and
// #N/A carry a custom message; with #NUM!, #DIV/0!, #NULL! … "a custom error message can't be
// used", so a message there never reaches the user. The rule is enforced by the test stand-in for
// the CustomFunctions runtime (customFunctionsStandIn.js, loaded here in a vm as the browser tests
// load it), and every failure the issue lists must pass through it with its message, in the
// sheet's words: the function, what is wrong, where (once), no kernel-lib function names.
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import * as kl from '../../kernel-lib/src/index';
import * as A from '../../excel-addin/src/functions/adapters';
import { describeFailure, EXCEL_ERROR_OF } from '../../excel-addin/src/functions/excelErrors';
import { bankCardSheet } from './bankcardSheet';

type CFErrorClass = new (code: string, message?: string) => Error & { code: string };
function loadStandIn(): { CFError: CFErrorClass; violations: unknown[] } {
  const window: Record<string, any> = {};
  vm.runInNewContext(fs.readFileSync(path.join(__dirname, 'customFunctionsStandIn.js'), 'utf8'), { window, setTimeout, Promise });
  return { CFError: window.CustomFunctions.Error, violations: window.__excel.violations };
}
const { CFError, violations } = loadStandIn();

/** What functions.ts does with a failure: describeFailure, then a CustomFunctions.Error from the stand-in. */
function excelError(name: string, work: () => unknown): { code: string; message: string } {
  try {
    work();
  } catch (error) {
    const { code, message } = describeFailure(name, error);
    const e = new CFError(code, message);
    return { code: e.code, message: e.message };
  }
  throw new Error(`${name} did not fail`);
}

// kernel-lib's own function names (camelCase exports): none may appear in a message the sheet shows.
const INTERNAL = Object.entries(kl)
  .filter(([name, v]) => typeof v === 'function' && /[a-z][A-Z]/.test(name))
  .map(([name]) => name);

const sheet = bankCardSheet();
const col = (xs: ArrayLike<unknown>) => Array.from(xs, (x) => [x]);
const p = col([0.9, 0.85, 0.3, 0.2]);
const y = col([1, 0, 1, 0]);
const churn = col([0.66, 0.41, 0.51, 0.49, 0.69, 0.67, 0.76, 0.43, 0.57, 0.41]);
const revenue = col([1895, 1952, 3069, 3465, 1108, 3298, 1814, 3932, 3661, 3872]);

describe('the CustomFunctions stand-in enforces the rule (the check can fail)', () => {
  it('refuses a message with #NUM!, #DIV/0! and #NULL!, and #NAME? as an output', () => {
    for (const code of ['#NUM!', '#DIV/0!', '#NULL!']) expect(() => new CFError(code, 'threshold must be between 0 and 1')).toThrow(/drops a custom message/);
    expect(() => new CFError('#NAME?')).toThrow(/not an error a custom function can return/);
    expect(violations.length).toBe(4);
    violations.length = 0;
  });
  it('accepts #NUM! without a message, and #VALUE! and #N/A with one', () => {
    expect(new CFError('#NUM!').code).toBe('#NUM!');
    expect(new CFError('#VALUE!', 'x').message).toBe('x');
    expect(new CFError('#N/A', 'y').message).toBe('y');
  });
});

describe('every kernel-lib error code maps to #VALUE! or #N/A', () => {
  it('by the table', () => {
    for (const [code, excel] of Object.entries(EXCEL_ERROR_OF)) expect(['#VALUE!', '#N/A'], code).toContain(excel);
    expect(EXCEL_ERROR_OF.UNKNOWN_COLUMN).toBe('#N/A');
  });
});

describe('the failures of issue 19 reach the cell with their message', () => {
  const separated = [['y', 'x'], ...[1, 2, 3, 4, 5, 6].map((x) => [x > 3 ? 1 : 0, x])];
  // Nothing left to estimate (an aliased column alone is fitted as R fits it, with NA).
  const collinear = [['y', 'z'], ...[1, 2, 3, 4, 5, 1].map((_, i) => [i % 2, 0])];
  const withBlank = sheet.all.map((r) => [...r]);
  withBlank[50][2] = '';
  const model = A.fit(sheet.trainRange, sheet.formula, 'stepwise-free', sheet.scaleRanges, sheet.encode);
  const badOutcome = sheet.trainRange.map((r) => [...r]);
  badOutcome[4][3] = ''; // income of data row 3
  badOutcome[10][5] = 2; // responded of data row 9
  const cases: [string, string, () => unknown, '#VALUE!' | '#N/A', RegExp][] = [
    ['threshold 80', 'HITRATE', () => A.hitRate(p, y, 80), '#VALUE!', /threshold must be between 0 and 1.*got 80/],
    ['1e9 simulations', 'SIMREVENUE', () => A.simRevenue(churn, revenue, 1e9), '#VALUE!', /simulations must be a whole number from 1 to 1000000/],
    ['separation', 'FIT', () => A.fit(separated, 'y ~ x'), '#VALUE!', /^CBM\.FIT: 'x' splits responders from non-responders/],
    ['a singular design', 'FIT', () => A.fit(collinear, 'y ~ 0 + z'), '#VALUE!', /'z' carries no information beyond the other terms/],
    [
      'an infeasible constraint',
      'OPTPRICE',
      () => A.optPrice(churn, revenue, 3, -0.01, 0.01, 8, 1e-9),
      '#VALUE!',
      /no price change between the bounds meets the cap on churnersAtLeast/,
    ],
    ['profit 0', 'ROI', () => A.roi(p, y, 0.5, 0, 20), '#VALUE!', /profit .* must be a positive number, got 0/],
    ['a probability above 1', 'SIMREVENUE', () => A.simRevenue(col([0.5, 1.2]), col([1, 2])), '#VALUE!', /holds 1.2 at position 2; probabilities must be between 0 and 1/],
    ['an unknown column', 'FIT', () => A.fit(sheet.trainRange, 'responded ~ salary'), '#N/A', /the data has no column 'salary' \(its header row names 'id', 'gender'/],
    ['a blank in the data', 'SCORE', () => A.score(model, withBlank), '#VALUE!', /column 'age' is blank or not a number in row 51 of the data range/],
    [
      'scale names a text column',
      'FIT',
      () => A.fit(sheet.trainRange, sheet.formula, 'fit', 'gender'),
      '#VALUE!',
      /scale names column 'gender', which holds text \('M' in row 2 of the data range/,
    ],
    [
      'encode lacks a level',
      'FIT',
      () => A.fit(sheet.trainRange, sheet.formula, 'fit', undefined, 'gender: M=1'),
      '#VALUE!',
      /column 'gender' holds 'F' in row 3 .* no code \(M=1\)/,
    ],
    // Data row 3 has no income (CBM.FIT leaves it out) and data row 9 an outcome of 2: the sheet's row 11.
    [
      'an outcome that is not 0/1 below a row left out',
      'FIT',
      () => A.fit(badOutcome, sheet.formula),
      '#VALUE!',
      /^CBM\.FIT: column 'responded', row 11 of the data range .*found 2$/,
    ],
    ['a formula that does not parse', 'FIT', () => A.fit(sheet.trainRange, 'responded ~ gender +'), '#VALUE!', /^CBM\.FIT: the formula cannot be read: .*position 21$/],
    ['constant values to normalise', 'NORMALIZE', () => A.normalize(col([1, 1, 1])), '#VALUE!', /the values are all equal/],
  ];
  it.each(cases)('%s', (_, name, work, code, message) => {
    const e = excelError(name, work);
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    expect(e.message.startsWith(`CBM.${name}: `)).toBe(true);
    expect(e.message.length).toBeLessThanOrEqual(255);
    for (const internal of INTERNAL) expect(e.message, internal).not.toMatch(new RegExp(`\\b${internal}\\b`));
    expect(e.message.match(/\brow \d+/g)?.length ?? 0, 'a row named at most once').toBeLessThanOrEqual(1);
  });
  it('broke no rule of the stand-in', () => expect(violations).toEqual([]));
});
