/**
 * Every bad input ends in its specific CbmError: the right `code` and a message that says what
 * is wrong (asserted by distinctive fragments). Each failing call is also checked for side
 * effects: its inputs are deep-copied before and compared after, and a valid fit on the same
 * data afterwards gives exactly the result it gave before (no corrupted state).
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  LogitModel,
  auc,
  baseRate,
  breakEvenThreshold,
  calibrationTable,
  confusion,
  encodeCategories,
  fitLogit,
  gainsTable,
  hitRate,
  isMissing,
  lift,
  minMaxScaler,
  parseFormula,
  responseRate,
  rocCurve,
  roi,
  sampleRows,
  seededUniform,
  stepwise,
  targetList,
  thresholdSweep,
  trainValidationSplit,
  type DataInput,
  type LogitModelJSON,
  type Row,
} from '../kernel-lib/src/index';
import { bankCardCustomers } from '../kernel-lib/src/datasets';
import { expectAliasedAsReduced } from './helpers/aliased';
import { expectCbmError } from './helpers/errors';

// ---------------------------------------------------------------------------------------------
// Data and helpers
// ---------------------------------------------------------------------------------------------

/**
 * 90 customers: whole-number x1 (0–20) and x2 (0–10), a factor g (A/B/C) and a 0/1 response y
 * that a logit of y ~ x1 + x2 + g fits without trouble (checked below).
 */
function baseRows(): Row[] {
  const uniform = seededUniform(7);
  const effect: Record<string, number> = { A: 0, B: 0.7, C: -0.5 };
  const rows: Row[] = [];
  for (let i = 0; i < 90; i++) {
    const x1 = Math.floor(uniform() * 21);
    const x2 = Math.floor(uniform() * 11);
    const g = 'ABC'[Math.floor(uniform() * 3)];
    const p = 1 / (1 + Math.exp(-(-1 + 0.15 * x1 - 0.2 * x2 + effect[g])));
    rows.push({ x1, x2, g, y: uniform() < p ? 1 : 0 });
  }
  return rows;
}

const VALID = 'y ~ x1 + x2 + g';
const BASE = baseRows();
/** The reference fit, taken before any failing call has run. */
const REFERENCE = fitLogit(BASE, VALID).toJSON();

/** The base rows with extra (possibly bad) columns computed from each row. */
function withColumns(extra: (row: Row, i: number) => Row): Row[] {
  return BASE.map((row, i) => ({ ...row, ...extra(row, i) }));
}

/** The base data as columns (arrays), plus extra columns. */
function baseColumns(extra: Record<string, ArrayLike<unknown>> = {}): Record<string, ArrayLike<unknown>> {
  return { x1: BASE.map((r) => r.x1), x2: Float64Array.from(BASE, (r) => r.x2 as number), g: BASE.map((r) => r.g), y: BASE.map((r) => r.y), ...extra };
}

/** A valid fit on `data` still gives exactly the reference result. */
function expectValidFitUnchanged(data: DataInput = BASE): void {
  expect(fitLogit(data, VALID).toJSON()).toStrictEqual(REFERENCE);
}

afterEach(() => {
  expectValidFitUnchanged();
});

it('the base data fit cleanly (sanity check of the fixture)', () => {
  expect(REFERENCE.statistics.converged).toBe(true);
  expect(REFERENCE.coefficients.map((c) => c.name)).toEqual(['(Intercept)', 'x1', 'x2', 'gB', 'gC']);
  expect(REFERENCE.warnings).toEqual([]);
  expectValidFitUnchanged(baseColumns() as DataInput);
});

// ---------------------------------------------------------------------------------------------
// Data shape
// ---------------------------------------------------------------------------------------------

describe('data that is not rows or columns', () => {
  const cases: [string, unknown, string][] = [
    ['null', null, 'expected an array of row objects or an object of columns, got null'],
    ['undefined', undefined, 'got undefined'],
    ['a number', 42, 'got number'],
    ['a string', 'x1,y\n1,0', 'got string'],
    ['an array of numbers', [1, 2, 3], 'row 0 is not an object'],
    [
      'an array of arrays',
      [
        [1, 0],
        [2, 1],
      ],
      'row 0 is not an object',
    ],
    ['an array with a null row', [{ x1: 1, y: 0 }, null], 'row 1 is not an object'],
    ['a column that is not an array', { x1: 5, y: [0, 1] }, "column 'x1' is not an array"],
  ];
  it.each(cases)('fitLogit rejects %s with BAD_INPUT', (_, data, fragment) => {
    expectCbmError(() => fitLogit(data as DataInput, 'y ~ x1'), 'BAD_INPUT', ['fitLogit', fragment], [data]);
  });

  it('columns of unequal length are rejected with BAD_INPUT naming both columns', () => {
    const data = { x1: [1, 2, 3, 4], y: [0, 1, 0] };
    expectCbmError(() => fitLogit(data, 'y ~ x1'), 'BAD_INPUT', ["column 'y' has 3 values but 'x1' has 4"], [data]);
    const more = baseColumns({ extra: [1, 2] });
    expectCbmError(() => fitLogit(more as DataInput, VALID), 'BAD_INPUT', ["column 'extra' has 2 values but 'x1' has 90"], [more]);
  });

  it('no rows at all is BAD_INPUT', () => {
    expectCbmError(() => fitLogit([], 'y ~ x1'), 'BAD_INPUT', ['the data has no rows']);
    expectCbmError(() => fitLogit({ x1: [], y: [] }, 'y ~ x1'), 'BAD_INPUT', ['the data has no rows']);
  });

  it('predict and trainValidationSplit reject non-data the same way', () => {
    const model = fitLogit(BASE, VALID);
    expectCbmError(() => model.predict(42 as unknown as DataInput), 'BAD_INPUT', ['got number']);
    expectCbmError(() => model.predict({ x1: [1, 2], x2: [1], g: ['A', 'B'] }), 'BAD_INPUT', ["column 'x2' has 1 values but 'x1' has 2"]);
    expectCbmError(() => trainValidationSplit('rows' as unknown as DataInput, { seed: 1 }), 'BAD_INPUT', ['trainValidationSplit', 'got string']);
  });
});

// ---------------------------------------------------------------------------------------------
// Columns and values
// ---------------------------------------------------------------------------------------------

describe('unknown columns', () => {
  it('a predictor that is not a column: UNKNOWN_COLUMN listing the available columns', () => {
    const rows = withColumns(() => ({}));
    const e = expectCbmError(() => fitLogit(rows, 'y ~ x1 + income'), 'UNKNOWN_COLUMN', ["unknown column 'income'", "the data has 'x1', 'x2', 'g', 'y'"], [rows]);
    expect(e.details).toMatchObject({ column: 'income', available: ['x1', 'x2', 'g', 'y'] });
    expectValidFitUnchanged(rows);
  });

  it('the response, columns input, stepwise, and predict on rows lacking a column', () => {
    const columns = baseColumns();
    expectCbmError(() => fitLogit(columns as DataInput, 'responded ~ x1'), 'UNKNOWN_COLUMN', ["unknown column 'responded'", "'x1', 'x2', 'g', 'y'"], [columns]);
    expectCbmError(() => stepwise(BASE, 'y ~ x1 + age'), 'UNKNOWN_COLUMN', ["unknown column 'age'", "'x1', 'x2', 'g', 'y'"], [BASE]);
    const model = fitLogit(BASE, VALID);
    const newRows = [{ x1: 3, g: 'A' }];
    expectCbmError(() => model.predict(newRows), 'UNKNOWN_COLUMN', ["unknown column 'x2'", "'x1', 'g'"], [newRows]);
    expectValidFitUnchanged(columns as DataInput);
  });

  it('an unknown stratify column or scaler column', () => {
    expectCbmError(() => trainValidationSplit(BASE, { seed: 1, stratify: 'segment' }), 'UNKNOWN_COLUMN', ["unknown column 'segment'"], [BASE]);
    expectCbmError(() => minMaxScaler(BASE, ['x1', 'age']), 'UNKNOWN_COLUMN', ["unknown column 'age'"], [BASE]);
    expectCbmError(() => minMaxScaler(BASE, ['x1']).scaleValue('age', 3), 'UNKNOWN_COLUMN', ["no range for column 'age'", 'scaled columns: x1']);
  });
});

describe('missing and non-finite values', () => {
  const bad: [string, unknown, string][] = [
    ['NaN', NaN, "column 'x4' has a NaN value in row 7"],
    ['Infinity', Infinity, "column 'x4' has an infinite value (Infinity) in row 7"],
    ['-Infinity', -Infinity, "column 'x4' has an infinite value (-Infinity) in row 7"],
    ['null', null, "column 'x4' has a null value in row 7"],
    ['undefined', undefined, "column 'x4' has a missing value in row 7"],
  ];
  it.each(bad)('a %s predictor is NON_FINITE naming the column and the row', (_, value) => {
    const rows = withColumns((row, i) => ({ x4: i === 7 ? (value as number) : (row.x1 as number) * 0.5 + 1 }));
    const [, , fragment] = bad.find(([, v]) => Object.is(v, value))!;
    const e = expectCbmError(() => fitLogit(rows, 'y ~ x1 + x4', { na: 'fail' }), 'NON_FINITE', [fragment, 'remove or impute'], [rows]);
    expect(e.details).toEqual({ column: 'x4', row: 7 });
    expectValidFitUnchanged(rows);
    // By default (na: 'omit', as R's na.omit) a missing value drops its row; an infinite one is no missing value and still fails.
    if (isMissing(value)) expect(fitLogit(rows, 'y ~ x4').droppedRows).toEqual([7]);
    else expectCbmError(() => fitLogit(rows, 'y ~ x1 + x4'), 'NON_FINITE', [fragment], [rows]);
    // The same through columns (a Float64Array holding the bad value, where it can).
    const x4 = rows.map((r) => r.x4);
    const columns = baseColumns({ x4 });
    expectCbmError(() => fitLogit(columns as DataInput, 'y ~ x1 + x4', { na: 'fail' }), 'NON_FINITE', [fragment], [columns]);
    expectValidFitUnchanged(columns as DataInput);
  });

  it('a key absent from one row object counts as missing', () => {
    const rows = withColumns((row) => ({ x4: row.x1 as number }));
    delete rows[12].x4;
    expectCbmError(() => fitLogit(rows, 'y ~ x4', { na: 'fail' }), 'NON_FINITE', ["column 'x4' has a missing value in row 12"], [rows]);
    expect(fitLogit(rows, 'y ~ x4').droppedRows).toEqual([12]);
    expectValidFitUnchanged(rows);
  });

  it('a missing factor value is NON_FINITE naming column and row', () => {
    const rows = withColumns((row, i) => ({ h: i === 4 ? null : row.g }));
    expectCbmError(() => fitLogit(rows, 'y ~ x1 + h', { na: 'fail' }), 'NON_FINITE', ["column 'h'", 'row 4'], [rows]);
    expect(fitLogit(rows, 'y ~ x1 + h').droppedRows).toEqual([4]);
    expectValidFitUnchanged(rows);
  });

  it('a missing response is NON_FINITE and points to the contacted customers', () => {
    for (const missing of [null, undefined, NaN]) {
      const rows = withColumns((row, i) => ({ resp: i === 5 ? missing : row.y }));
      const e = expectCbmError(() => fitLogit(rows, 'resp ~ x1 + x2', { na: 'fail' }), 'NON_FINITE', ["the outcome 'resp' is missing in row 5", 'contacted customers'], [rows]);
      expect(e.details).toEqual({ column: 'resp', row: 5 });
      expectValidFitUnchanged(rows);
    }
  });

  it("the bank-card file itself: fitting all 1,000 customers is NON_FINITE with na: 'fail'; by default the fit is the contacted customers' (R's na.omit)", () => {
    const customers = bankCardCustomers();
    expectCbmError(
      () => fitLogit(customers, 'responded ~ gender + age + income', { na: 'fail' }),
      'NON_FINITE',
      ["the outcome 'responded' is missing", 'contacted customers'],
      [customers],
    );
    expectCbmError(() => stepwise(customers, 'responded ~ gender + age', { na: 'fail' }), 'NON_FINITE', ['stepwise', 'contacted customers'], [customers]);
    const omitted = fitLogit(customers, 'responded ~ gender + age + income');
    const contacted = fitLogit(
      customers.filter((c) => c.contacted),
      'responded ~ gender + age + income',
    );
    expect(omitted.droppedRows.length).toBe(customers.length - contacted.statistics.nObs);
    expect(Array.from(omitted.coefficients)).toEqual(Array.from(contacted.coefficients));
  });
});

describe('bad responses', () => {
  it.each([[2], [-1], [0.5]])('a response value %s (not 0/1) is BAD_INPUT naming value and row', (value) => {
    const rows = withColumns((row, i) => ({ resp: i === 9 ? value : row.y }));
    expectCbmError(() => fitLogit(rows, 'resp ~ x1'), 'BAD_INPUT', [`the outcome 'resp' must be 0 or 1 (or yes/no, true/false), found ${value} in row 9`], [rows]);
    expectValidFitUnchanged(rows);
  });

  it('a text response with more than two values is BAD_INPUT', () => {
    const rows = withColumns((_row, i) => ({ resp: ['yes', 'no', 'maybe'][i % 3] }));
    expectCbmError(() => fitLogit(rows, 'resp ~ x1'), 'BAD_INPUT', ["the outcome 'resp' has 3 distinct text values", 'a binary outcome has two'], [rows]);
    expectValidFitUnchanged(rows);
  });

  it.each([[0], [1]])('a constant response (all %s) is CONSTANT_RESPONSE', (value) => {
    const rows = withColumns(() => ({ resp: value }));
    const e = expectCbmError(() => fitLogit(rows, 'resp ~ x1 + g'), 'CONSTANT_RESPONSE', [`the response 'resp' is ${value} in all 90 rows`, 'nothing to model'], [rows]);
    expect(e.details).toEqual({ column: 'resp' });
    expectCbmError(() => stepwise(rows, 'resp ~ x1 + g'), 'CONSTANT_RESPONSE', ['stepwise', `is ${value} in all 90 rows`], [rows]);
    expectValidFitUnchanged(rows);
  });
});

// ---------------------------------------------------------------------------------------------
// Estimation failures
// ---------------------------------------------------------------------------------------------

describe('separation', () => {
  it('perfect separation (x < 0 ⇒ y = 0, x > 0 ⇒ y = 1) is SEPARATION saying "perfect" and naming x', () => {
    const rows = withColumns((row) => ({ x: (row.x1 as number) - 10.5, ys: (row.x1 as number) > 10 ? 1 : 0 }));
    const e = expectCbmError(() => fitLogit(rows, 'ys ~ x'), 'SEPARATION', ['perfect separation', "'x'", 'do not exist'], [rows]);
    expect(e.details).toMatchObject({ complete: true, terms: ['x'] });
    expectCbmError(() => stepwise(rows, 'ys ~ x + x2'), 'SEPARATION', ['stepwise', 'perfect separation'], [rows]);
    expectValidFitUnchanged(rows);
  });

  it('perfect separation on an uncentred predictor still names that predictor among the diverging estimates', () => {
    // y = 1 exactly when x1 > 10 (x1 = 0…20): the separating term is x1, whatever the intercept does.
    const rows = withColumns((row) => ({ ys: (row.x1 as number) > 10 ? 1 : 0 }));
    const e = expectCbmError(() => fitLogit(rows, 'ys ~ x1'), 'SEPARATION', ['perfect separation', "'x1'"], [rows]);
    expect(e.details.terms).toContain('x1');
    expectValidFitUnchanged(rows);
  });

  it('quasi-complete separation by a binary x (x = 1 ⇒ y = 1, x = 0 mixed) is SEPARATION naming that term', () => {
    const rows = withColumns((row) => {
      const xb = (row.x1 as number) >= 15 ? 1 : 0;
      return { xb, yq: xb === 1 ? 1 : row.y };
    });
    // The x = 0 rows really have both outcomes: this is quasi-complete, not perfect.
    const rest = rows.filter((r) => r.xb === 0).map((r) => r.yq);
    expect(rest).toContain(0);
    expect(rest).toContain(1);
    const e = expectCbmError(() => fitLogit(rows, 'yq ~ x2 + xb'), 'SEPARATION', ['quasi-complete separation', "'xb'"], [rows]);
    expect(e.message).not.toContain("'x2'");
    expect(e.details).toMatchObject({ complete: false, terms: ['xb'] });
    expectValidFitUnchanged(rows);
  });

  it('quasi-complete separation by a factor level names the level’s coefficient', () => {
    const rows = withColumns((row) => ({ yf: row.g === 'C' ? 1 : row.y }));
    const e = expectCbmError(() => fitLogit(rows, 'yf ~ x1 + g'), 'SEPARATION', ['quasi-complete separation', "'gC'"], [rows]);
    expect(e.details.terms).toEqual(['gC']);
    expectValidFitUnchanged(rows);
  });
});

describe('aliased designs (fitted as R: the later column NA) and singular ones', () => {
  it("x3 = x1 + x2: 'x3' is NA (a combination of 'x1', 'x2'), the rest as y ~ x1 + x2", () => {
    const rows = withColumns((row) => ({ x3: (row.x1 as number) + (row.x2 as number) }));
    const reduced = fitLogit(rows, 'y ~ x1 + x2');
    expectAliasedAsReduced(fitLogit(rows, 'y ~ x1 + x2 + x3'), reduced, ['x3'], ["'x3' (a linear combination of 'x1', 'x2')"]);
    // In another order the last of the three is the aliased one.
    expectAliasedAsReduced(fitLogit(rows, 'y ~ x3 + x1 + x2'), fitLogit(rows, 'y ~ x3 + x1'), ['x2'], ["'x2' (a linear combination of 'x3', 'x1')"]);
    // stepwise drops the zero-df term first, as R's step() does.
    expect(stepwise(rows, 'y ~ x1 + x2 + x3').steps[1]).toMatchObject({ removed: 'x3', df: 0 });
    expectValidFitUnchanged(rows);
  });

  it('a duplicated column is NA, naming its original', () => {
    const rows = withColumns((row) => ({ x1copy: row.x1 }));
    expectAliasedAsReduced(fitLogit(rows, 'y ~ x1 + x1copy'), fitLogit(rows, 'y ~ x1'), ['x1copy'], ["'x1copy' (a linear combination of 'x1')"]);
    expectValidFitUnchanged(rows);
  });

  it('a constant column (aliased with the intercept) and an all-zero column are NA; with nothing left to fit, SINGULAR', () => {
    const rows = withColumns(() => ({ five: 5, zero: 0 }));
    const reduced = fitLogit(rows, 'y ~ x1');
    expectAliasedAsReduced(fitLogit(rows, 'y ~ x1 + five'), reduced, ['five'], ["'five' (a linear combination of '(Intercept)')"]);
    expectAliasedAsReduced(fitLogit(rows, 'y ~ x1 + zero'), reduced, ['zero'], ["'zero' (zero in every row)"]);
    const e = expectCbmError(() => fitLogit(rows, 'y ~ 0 + zero'), 'SINGULAR', ["'zero' is zero in every row", 'no column left to estimate'], [rows]);
    expect(e.details).toEqual({ aliased: ['zero'], dependsOn: [[]] });
    expectValidFitUnchanged(rows);
  });

  it('a factor with a single level, and a name clash between a factor level and a column, are SINGULAR', () => {
    const rows = withColumns((row) => ({ one: 'only', gB: row.x2 }));
    expectCbmError(() => fitLogit(rows, 'y ~ x1 + one'), 'SINGULAR', ["factor 'one' has a single level ('only')"], [rows]);
    expectCbmError(() => fitLogit(rows, 'y ~ g + gB'), 'SINGULAR', ["two columns are both named 'gB'"], [rows]);
    expectValidFitUnchanged(rows);
  });
});

describe('non-convergence and fit options', () => {
  it('maxIterations: 1 is NOT_CONVERGED', () => {
    const options = { maxIterations: 1 };
    const e = expectCbmError(() => fitLogit(BASE, VALID, options), 'NOT_CONVERGED', ['did not converge in 1 iterations', 'raise maxIterations'], [BASE, options]);
    expect(e.details).toEqual({ iterations: 1 });
    expectCbmError(() => stepwise(BASE, VALID, options), 'NOT_CONVERGED', ['stepwise', 'did not converge'], [BASE, options]);
  });

  const badOptions: [string, object, string][] = [
    ['maxIterations 0', { maxIterations: 0 }, 'fitLogit: maxIterations must be a whole number from 1 to 10000, got 0'],
    ['maxIterations 2.5', { maxIterations: 2.5 }, 'fitLogit: maxIterations must be a whole number from 1 to 10000, got 2.5'],
    ['tolerance 0', { tolerance: 0 }, 'fitLogit: tolerance must be a finite number above 0 and below 1 like 1e-8, got 0'],
    ['tolerance NaN', { tolerance: NaN }, 'fitLogit: tolerance must be a finite number above 0 and below 1 like 1e-8, got NaN'],
    ['confidenceLevel 95', { confidenceLevel: 95 }, 'fitLogit: confidenceLevel must be a finite number above 0 and below 1 like 0.95, got 95'],
    ['tolerance as text', { tolerance: '1e-8' as unknown as number }, 'fitLogit: tolerance must be a finite number above 0 and below 1 like 1e-8, got "1e-8"'],
    ['a start that is not a number', { start: { x1: 'a' as unknown as number } }, "start['x1'] must be a finite number, got a"],
    ['a start that is NaN', { start: { x1: NaN } }, "start['x1'] must be a finite number, got NaN"],
    ['start with an unknown name', { start: { age: 1 } }, "start names the unknown coefficient 'age'"],
    ['prepare with an unknown option', { prepare: { scale: ['x1'], center: ['x2'] } }, "prepare: unknown option 'center'"],
  ];
  it.each(badOptions)('%s is BAD_INPUT', (_, options, fragment) => {
    expectCbmError(() => fitLogit(BASE, VALID, options), 'BAD_INPUT', [fragment], [BASE, options]);
  });

  it('a formula that is not a string is BAD_INPUT', () => {
    expectCbmError(() => fitLogit(BASE, 42 as unknown as string), 'BAD_INPUT', ['formula must be a string']);
    expectCbmError(() => fitLogit(BASE, '   '), 'BAD_INPUT', ['formula is empty']);
  });
});

// ---------------------------------------------------------------------------------------------
// Formula syntax
// ---------------------------------------------------------------------------------------------

describe('formula syntax', () => {
  /** [formula, a line with '^' under the offending token (or one past the end), message fragment]. */
  const cases: [string, string, string][] = [
    // Transforms are whitelisted (log, exp, sqrt, I); any other call is refused where it starts.
    ['y ~ poly(x1) + x2', '    ^', "function call 'poly(' is not supported"],
    ['y ~ x1 + system (x2)', '         ^', "function call 'system(' is not supported"],
    ['y ~ log(x1, 10)', '          ^', 'log() takes exactly one argument'],
    ['y ~ I(x1 : x2)', '         ^', "expected ')' but found ':'"],
    ['y ~ x1 / x2', '       ^', "nesting with '/' is not supported"],
    ['y ~ x1 %in% x2', '       ^', "'%in%' and other %-operators are not supported"],
    ['y ~ x1 + (1 | g)', '            ^', 'random effects are not supported'],
    ['y ~ (x1 + x2', '            ^', "missing ')'"],
    ['y ~ (x1 + (x2 + g)', '                  ^', "missing ')'"],
    ['y ~ x1 + x2)', '           ^', "unmatched ')'"],
    ['y x1 + x2', '         ^', "missing '~'"],
    ['y ~ x1 ~ x2', '       ^', "a formula has exactly one '~'"],
    ['y ~ (x1 + x2)^0', '              ^', "'^' needs a whole number of at least 1"],
    ['y ~ (x1 + x2)^1.5', '              ^', "'^' needs a whole number of at least 1"],
    ['y ~ x1 + 2', '         ^', 'the number 2 cannot be a term'],
    ['y ~ x1 +', '        ^', 'the formula ends where a term was expected'],
    ['y ~ x1 + y', '         ^', "the response 'y' cannot also be a predictor"],
    ['y + x2 ~ x1', '  ^', 'the response must be a single column name'],
    ['y ~ `x1 + x2', '    ^', 'unclosed backtick'],
  ];

  it.each(cases)('%s is FORMULA_SYNTAX with the caret under the offending token', (formula, marker, fragment) => {
    const position = marker.indexOf('^');
    const e = expectCbmError(() => parseFormula(formula), 'FORMULA_SYNTAX', [fragment, `at position ${position + 1}`]);
    expect(e.details).toEqual({ position, formula });
    const lines = e.message.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe(`  ${formula}`);
    expect(lines[2]).toBe(`  ${marker}`);
    // The caret's column in its line is the token's column in the echoed formula line.
    const column = lines[2].indexOf('^');
    expect(column - 2).toBe(position);
    if (position < formula.length) expect(formula[position]).not.toBe(' ');
    // The same error surfaces from fitLogit and stepwise, without touching the data.
    const rows = withColumns(() => ({}));
    expectCbmError(() => fitLogit(rows, formula), 'FORMULA_SYNTAX', [fragment, lines[2]], [rows]);
    expectCbmError(() => stepwise(rows, formula), 'FORMULA_SYNTAX', [fragment], [rows]);
    expectValidFitUnchanged(rows);
  });

  it('the caret lines up with the echoed formula even when the input has surrounding whitespace', () => {
    const e = expectCbmError(() => parseFormula('   y ~ x1 + eval(x2)  '), 'FORMULA_SYNTAX', ['function call']);
    const [, echoed, caret] = e.message.split('\n');
    expect(echoed.slice(caret.indexOf('^')).startsWith('eval(')).toBe(true);
  });

  it('a one-sided formula cannot be fitted: FORMULA_SYNTAX asking for a response', () => {
    expectCbmError(() => fitLogit(BASE, '~ x1 + x2'), 'FORMULA_SYNTAX', ["the formula needs a response on the left of '~'"], [BASE]);
  });
});

// ---------------------------------------------------------------------------------------------
// Prediction, preparation and splits
// ---------------------------------------------------------------------------------------------

describe('prediction with values the model has not seen', () => {
  it('an unseen factor level is BAD_INPUT naming the level and the known ones', () => {
    const model = fitLogit(BASE, VALID);
    const rows = [
      { x1: 3, x2: 4, g: 'A' },
      { x1: 5, x2: 1, g: 'D' },
    ];
    const e = expectCbmError(() => model.predict(rows), 'BAD_INPUT', ["column 'g' has the level 'D' in row 1", "known levels: 'A', 'B', 'C'"], [rows]);
    expect(e.details).toEqual({ column: 'g', row: 1 });
    expect(Array.from(model.predict(rows.slice(0, 1)))).toEqual(Array.from(fitLogit(BASE, VALID).predict(rows.slice(0, 1))));
  });

  it('an unseen category of an encoded column is BAD_INPUT from the stored preparation', () => {
    const contacted = bankCardCustomers().filter((c) => c.contacted);
    const model = fitLogit(contacted, 'responded ~ gender + age + income', { prepare: { encode: { gender: { M: 1, F: 0 } }, scale: ['income', 'age'] } });
    const rows = [{ gender: 'X', age: 30, income: 3000 }];
    expectCbmError(() => model.predict(rows), 'BAD_INPUT', ["column 'gender' has the value 'X' in row 0, which has no code", "'M' → 1, 'F' → 0"], [rows]);
    expectCbmError(() => model.predict([{ gender: 'M', age: NaN, income: 3000 }]), 'NON_FINITE', ["column 'age' has a NaN value in row 0"]);
  });

  it('coefficients and Wald tests of unknown names are UNKNOWN_COLUMN', () => {
    const model = fitLogit(BASE, VALID);
    expectCbmError(() => model.coefficient('age'), 'UNKNOWN_COLUMN', ["no coefficient 'age'", "'(Intercept)', 'x1', 'x2', 'gB', 'gC'"]);
    expectCbmError(() => model.waldTest('age'), 'UNKNOWN_COLUMN', ["no term 'age'", 'terms: x1, x2, g']);
  });
});

describe('encodeCategories', () => {
  const codes = { gender: { M: 1, F: 0 } };
  it.each([['X'], ['m'], ['toString'], ['__proto__']])("an uncoded value '%s' is BAD_INPUT naming value, column, row and the codes", (value) => {
    const rows = [{ gender: 'M' }, { gender: 'F' }, { gender: value }];
    const encodings = structuredClone(codes);
    const e = expectCbmError(
      () => encodeCategories(rows, encodings),
      'BAD_INPUT',
      [`column 'gender' has the value '${value}' in row 2, which has no code`, "'M' → 1, 'F' → 0"],
      [rows, encodings],
    );
    expect(e.details).toEqual({ column: 'gender', row: 2 });
  });

  it('a missing value is NON_FINITE; an unknown column UNKNOWN_COLUMN; malformed codes BAD_INPUT', () => {
    expectCbmError(() => encodeCategories([{ gender: 'M' }, { gender: null }], codes), 'NON_FINITE', ["column 'gender' has a missing value in row 1"]);
    expectCbmError(() => encodeCategories([{ sex: 'M' }], codes), 'UNKNOWN_COLUMN', ["unknown column 'gender'", "'sex'"]);
    expectCbmError(() => encodeCategories([{ gender: 'M' }], { gender: { M: 'one' } } as never), 'BAD_INPUT', ["encodings.gender['M'] must be a finite number"]);
    expectCbmError(() => encodeCategories([{ gender: 'M' }], { gender: {} }), 'BAD_INPUT', ['encodings.gender must be an object of codes']);
    // And through fitLogit's prepare option, leaving the rows untouched.
    const rows = withColumns((row) => ({ sex: row.g === 'A' ? 'M' : row.g === 'B' ? 'F' : 'D' }));
    const options = { prepare: { encode: { sex: { M: 1, F: 0 } } } };
    expectCbmError(() => fitLogit(rows, 'y ~ x1 + sex', options), 'BAD_INPUT', ["column 'sex' has the value 'D'"], [rows, options]);
    expectValidFitUnchanged(rows);
  });
});

describe('minMaxScaler', () => {
  it('a constant column is BAD_INPUT saying it is constant', () => {
    const data = { age: [30, 30, 30], income: [1000, 2000, 3000] };
    expectCbmError(() => minMaxScaler(data, ['income', 'age']), 'BAD_INPUT', ["column 'age' is constant (30)", 'cannot be scaled'], [data]);
    const rows = withColumns(() => ({ c: 4 }));
    const options = { prepare: { scale: ['x1', 'c'] } };
    expectCbmError(() => fitLogit(rows, 'y ~ x1 + c', options), 'BAD_INPUT', ["column 'c' is constant (4)"], [rows, options]);
    expectValidFitUnchanged(rows);
  });

  it('no columns, no rows, text, and non-finite values are refused', () => {
    expectCbmError(() => minMaxScaler({ age: [1, 2] }, []), 'BAD_INPUT', ['name the columns to scale']);
    expectCbmError(() => minMaxScaler({ age: [] }, ['age']), 'BAD_INPUT', ['no rows to learn ranges from']);
    expectCbmError(() => minMaxScaler({ age: ['old', 'young'] }, ['age']), 'BAD_INPUT', ["column 'age' holds text ('old' in row 0)"]);
    expectCbmError(() => minMaxScaler({ age: [1, NaN, 3] }, ['age']), 'NON_FINITE', ["column 'age' has a NaN value in row 1"]);
  });

  it('a range too wide for double precision is refused rather than scaled to NaN', () => {
    const data = { v: [-1e308, 1e308] };
    expectCbmError(() => minMaxScaler(data, ['v']), 'BAD_INPUT', ["column 'v'"], [data]);
  });
});

describe('trainValidationSplit', () => {
  const badRatios: [string, unknown][] = [
    ['[0, 1]', [0, 1]],
    ['[2, -1]', [2, -1]],
    ['[NaN, 1]', [NaN, 1]],
    ['[2, Infinity]', [2, Infinity]],
    ['[2] (one number)', [2]],
    ['[2, 1, 1] (three numbers)', [2, 1, 1]],
    ['0.8 (a share, not a pair)', 0.8],
    ["'2:1' (text)", '2:1'],
  ];
  it.each(badRatios)('ratio %s is BAD_INPUT', (_, ratio) => {
    const options = { seed: 1, ratio } as never;
    expectCbmError(() => trainValidationSplit(BASE, options), 'BAD_INPUT', ['trainValidationSplit: ratio must be two positive numbers like [2, 1]'], [BASE, options]);
  });

  it('no seed is BAD_INPUT', () => {
    expectCbmError(() => trainValidationSplit(BASE, undefined as never), 'BAD_INPUT', ['trainValidationSplit: seed is required, e.g. 1']);
    expectCbmError(() => trainValidationSplit(BASE, {} as never), 'BAD_INPUT', ['trainValidationSplit: seed is required, e.g. 1']);
    expectCbmError(() => trainValidationSplit(BASE, { seed: NaN }), 'BAD_INPUT', ['trainValidationSplit: seed must be a finite number or a non-empty string like 1, got NaN']);
    expectCbmError(() => trainValidationSplit(BASE, { seed: '' }), 'BAD_INPUT', ['seed must be']);
    expectCbmError(() => sampleRows(BASE, 10, {} as never), 'BAD_INPUT', ['sampleRows: seed is required']);
  });

  it('fewer than two rows, and sampleRows with an impossible size, are BAD_INPUT', () => {
    expectCbmError(() => trainValidationSplit([{ id: 1 }], { seed: 1 }), 'BAD_INPUT', ['need at least 2 rows, got 1']);
    expectCbmError(() => sampleRows(BASE, 91, { seed: 1 }), 'BAD_INPUT', ['size must be a whole number from 0 to 90, got 91']);
  });
});

// ---------------------------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------------------------

describe('metric functions', () => {
  const economics = { profit: 100, cost: 20 };
  type Metric = (scores: ArrayLike<number>, actual: ArrayLike<number | boolean>) => unknown;
  const metrics: [string, Metric][] = [
    ['confusion', (s, a) => confusion(s, a, 0.5)],
    ['responseRate', (s, a) => responseRate(s, a, 0.5)],
    ['hitRate', (s, a) => hitRate(s, a, 0.5)],
    ['lift', (s, a) => lift(s, a, 0.5)],
    ['roi', (s, a) => roi(s, a, 0.5, economics)],
    ['auc', (s, a) => auc(s, a)],
    ['gainsTable', (s, a) => gainsTable(s, a, { groups: 2 })],
    ['rocCurve', (s, a) => rocCurve(s, a)],
    ['calibrationTable', (s, a) => calibrationTable(s, a)],
    ['thresholdSweep', (s, a) => thresholdSweep(s, a)],
    ['breakEvenThreshold', (s, a) => breakEvenThreshold(s, a, economics)],
  ];

  it.each(metrics)('%s: mismatched lengths are BAD_INPUT', (_, metric) => {
    const scores = [0.9, 0.2, 0.7];
    const actual = [1, 0, 1, 0];
    expectCbmError(() => metric(scores, actual), 'BAD_INPUT', ['scores has 3 values but actual has 4'], [scores, actual]);
    expectCbmError(() => metric([], []), 'BAD_INPUT', ['no scores given']);
  });

  it.each(metrics)('%s: non-finite scores are NON_FINITE naming the index', (_, metric) => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const scores = new Float64Array([0.9, 0.2, bad, 0.4]);
      const actual = [1, 0, 1, 0];
      expectCbmError(() => metric(scores, actual), 'NON_FINITE', [`score 2 is ${bad}`, 'every score must be a finite number'], [scores, actual]);
    }
  });

  it.each(metrics)('%s: outcomes other than 0/1 are BAD_INPUT (missing ones NON_FINITE)', (_, metric) => {
    const scores = [0.9, 0.2, 0.7, 0.4];
    for (const bad of [2, -1, 0.5]) {
      const actual = [1, 0, bad, 0];
      expectCbmError(() => metric(scores, actual), 'BAD_INPUT', [`the outcome 'actual' must be 0 or 1 (or yes/no, true/false), found ${bad} in row 2`], [scores, actual]);
    }
    // Text outcomes follow readOutcome: yes/no and 1/0 text are read, other text needs the event named.
    expect(metric(scores, ['yes', 'no', 'YES', 'no'] as never)).toEqual(metric(scores, [1, 0, 1, 0]));
    expectCbmError(() => metric(scores, [1, 0, 'maybe', 0] as never), 'BAD_INPUT', ["cannot tell which value of 'actual' is the event"]);
    for (const missing of [null, undefined, NaN]) {
      expectCbmError(() => metric(scores, [1, 0, missing, 0] as never), 'NON_FINITE', [`the outcome 'actual' is missing in row 2`]);
    }
  });

  type Thresholded = (scores: number[], actual: number[], threshold: number) => unknown;
  const thresholded: [string, Thresholded][] = [
    ['confusion', confusion],
    ['responseRate', responseRate],
    ['hitRate', hitRate],
    ['lift', lift],
    ['roi', (s, a, t) => roi(s, a, t, economics)],
  ];
  it.each(thresholded)('%s: a threshold that is not a finite number is BAD_INPUT', (_, metric) => {
    for (const bad of [NaN, Infinity, -Infinity, undefined, null, '0.5']) {
      expectCbmError(() => metric([0.9, 0.2], [1, 0], bad as number), 'BAD_INPUT', [
        'threshold must be a finite number like 0.8',
        `got ${typeof bad === 'string' ? JSON.stringify(bad) : String(bad)}`,
      ]);
    }
  });

  it('roi and breakEvenThreshold need positive profit and cost', () => {
    const cases: [object | null, string][] = [
      [{ profit: 0, cost: 20 }, 'profit must be a finite number > 0 like 60 (B, per responder), got 0'],
      [{ profit: -100, cost: 20 }, 'profit must be a finite number > 0 like 60 (B, per responder), got -100'],
      [{ profit: NaN, cost: 20 }, 'profit must be a finite number > 0 like 60 (B, per responder), got NaN'],
      [{ profit: 100, cost: 0 }, 'cost must be a finite number > 0 like 20 (F, per contact), got 0'],
      [{ profit: 100, cost: -5 }, 'cost must be a finite number > 0 like 20 (F, per contact), got -5'],
      [{ profit: 100 }, 'cost is required, e.g. 20 (F, per contact)'],
      [{ profit: 100, cost: 20, costs: 1 }, "unknown option 'costs'"],
      [null, 'give { profit, cost }'],
    ];
    for (const [bad, fragment] of cases) {
      expectCbmError(() => roi([0.9, 0.2], [1, 0], 0.5, bad as never), 'BAD_INPUT', ['roi', fragment], [bad]);
      expectCbmError(() => breakEvenThreshold([0.9, 0.2], [1, 0], bad as never), 'BAD_INPUT', ['breakEvenThreshold', fragment]);
    }
    expectCbmError(() => thresholdSweep([0.9, 0.2], [1, 0], { profit: 100, cost: -1 }), 'BAD_INPUT', ['thresholdSweep: cost must be a finite number > 0']);
    // Economics in a sweep are optional, but together.
    expectCbmError(() => thresholdSweep([0.9, 0.2], [1, 0], { cost: 20 }), 'BAD_INPUT', ['thresholdSweep: profit is required']);
  });

  it('gainsTable needs 1 ≤ groups ≤ n, a whole number', () => {
    const scores = Array.from({ length: 10 }, (_, i) => i / 10);
    const actual = scores.map((_, i) => i % 2);
    expectCbmError(
      () => gainsTable(scores, actual, { groups: 11 }),
      'BAD_INPUT',
      ['groups must be a whole number from 1 to the number of customers (10), got 11'],
      [scores, actual],
    );
    for (const groups of [0, 2.5, NaN]) {
      expectCbmError(() => gainsTable(scores, actual, { groups }), 'BAD_INPUT', [`gainsTable: groups must be a whole number ≥ 1, got ${groups}`], [scores, actual]);
    }
  });

  it('target lists read who responded safely and never overwrite a customer field', () => {
    const customers = [
      { id: 1, responded: 'yes' },
      { id: 2, responded: 'no' },
      { id: 3, responded: null },
    ];
    const scores = [0.95, 0.9, 0.85];
    // 'yes'/'no' read as R reads a two-level response: the past responder stays off the list.
    expect(targetList(customers, scores, { threshold: 0.8 }).map((t) => t.id)).toEqual([2, 3]);
    expectCbmError(() => targetList([{ id: 1, responded: 'maybe' }], [0.9]), 'BAD_INPUT', ["cannot tell which value of 'responded' is the event"]);
    expectCbmError(() => targetList([{ id: 1, responded: 2 }], [0.9]), 'BAD_INPUT', ["the outcome 'responded' must be 0 or 1 (or yes/no, true/false), found 2 in row 0"]);
    const ranked = [{ id: 1, rank: 'gold', responded: 0 }];
    expectCbmError(() => targetList(ranked, [0.9]), 'BAD_INPUT', ["the customers already have a column 'rank'"], [ranked]);
  });

  it('null where an options object or the outcomes belong', () => {
    const scores = [0.2, 0.9];
    const actual = [0, 1];
    expectCbmError(() => baseRate(null as unknown as number[]), 'BAD_INPUT', ['baseRate: actual must be an array of 0/1 outcomes']);
    expectCbmError(() => thresholdSweep(scores, actual, null as unknown as object), 'BAD_INPUT', ['thresholdSweep: options must be an object, got null']);
    expectCbmError(() => gainsTable(scores, actual, null as unknown as object), 'BAD_INPUT', ['gainsTable: options must be an object, got null']);
    expectCbmError(() => calibrationTable(scores, actual, null as unknown as object), 'BAD_INPUT', ['calibrationTable: options must be an object, got null']);
    expectCbmError(() => targetList(BASE, new Float64Array(BASE.length), null as unknown as object), 'BAD_INPUT', ['targetList: options must be an object, got null']);
  });

  it('other evaluation inputs: baseRate, thresholds, calibration bins, target lists', () => {
    expectCbmError(() => baseRate([1, 0, 2]), 'BAD_INPUT', ['found 2 in row 2']);
    expectCbmError(() => thresholdSweep([0.2, 0.8], [0, 1], { thresholds: [0.5, NaN] }), 'BAD_INPUT', ['thresholds must be a non-empty list of finite numbers']);
    expectCbmError(() => calibrationTable([0.2, 1.5], [0, 1]), 'BAD_INPUT', ['score 1 is 1.5; calibration needs probabilities in [0, 1]']);
    expectCbmError(() => calibrationTable([0.2, 0.5], [0, 1], { bins: 0 }), 'BAD_INPUT', ['calibrationTable: bins must be a whole number ≥ 1, got 0']);
    expectCbmError(() => targetList(BASE, [0.5, 0.6], { respondedColumn: 'y' }), 'BAD_INPUT', ['2 scores for 90 customers']);
  });
});

// ---------------------------------------------------------------------------------------------
// Saved models
// ---------------------------------------------------------------------------------------------

describe('LogitModel.fromJSON', () => {
  const plain = (): LogitModelJSON => fitLogit(BASE, VALID).toJSON();
  const contacted = bankCardCustomers().filter((c) => c.contacted);
  const prepared = (): LogitModelJSON =>
    fitLogit(contacted, 'responded ~ gender:age + gender:income', { prepare: { encode: { gender: { M: 1, F: 0 } }, scale: ['income', 'age'] } }).toJSON();

  it('the unbroken saved forms load (so the failures below are caused by the breakage alone)', () => {
    expect(LogitModel.fromJSON(plain()).toJSON()).toStrictEqual(plain());
    expect(LogitModel.fromJSON(JSON.stringify(prepared())).toJSON()).toStrictEqual(prepared());
  });

  const breakages: [string, () => unknown, string][] = [
    ['the wrong format', () => ({ ...plain(), format: 'sklearn/pickle' }), "format is 'sklearn/pickle', expected 'cbm-kit/logit-model'"],
    ['no format', () => ({ ...plain(), format: undefined }), "format is 'undefined'"],
    ['the wrong version', () => ({ ...plain(), version: 2 }), 'version 2 is not supported (this library reads version 1)'],
    ['one coefficient too few', () => ({ ...plain(), coefficients: plain().coefficients.slice(0, 4) }), 'expected 5 coefficients for the terms, found 4'],
    [
      'one coefficient too many',
      () => ({ ...plain(), coefficients: [...plain().coefficients, { name: 'x3', term: 'x3', estimate: 1, stdError: 1 }] }),
      'expected 5 coefficients for the terms, found 6',
    ],
    ['no coefficients', () => ({ ...plain(), coefficients: undefined }), 'expected 5 coefficients for the terms, found none'],
    [
      'a renamed coefficient',
      () => {
        const j = plain();
        j.coefficients[1].name = 'age';
        return j;
      },
      "coefficient 1 should be 'x1', found 'age'",
    ],
    [
      'swapped coefficients',
      () => {
        const j = plain();
        [j.coefficients[1], j.coefficients[2]] = [j.coefficients[2], j.coefficients[1]];
        return j;
      },
      "coefficient 1 should be 'x1', found 'x2'",
    ],
    [
      'a non-numeric estimate',
      () => {
        const j = plain();
        (j.coefficients[2] as { estimate: unknown }).estimate = '0.1';
        return j;
      },
      "coefficient 'x2' has no finite estimate",
    ],
    ['factor levels that do not match the coefficients', () => ({ ...plain(), factorLevels: { g: ['A', 'B'] } }), 'expected 4 coefficients for the terms, found 5'],
    ['a covariance of the wrong size', () => ({ ...plain(), covariance: plain().covariance.slice(1) }), 'covariance must be a 5×5 matrix'],
    ['terms that are not a list', () => ({ ...plain(), terms: 'x1 + x2' }), 'terms must be a list of { label, variables }'],
    ['no statistics', () => ({ ...plain(), statistics: undefined }), 'statistics are missing'],
    ['null', () => null, 'expected an object'],
    ['a number', () => 42, 'expected an object'],
    ['a preparation without ranges', () => ({ ...prepared(), preparation: { encodings: {} } }), 'preparation must be { encodings, ranges }'],
    [
      'a preparation with an empty range',
      () => {
        const j = prepared();
        (j.preparation!.ranges as Record<string, { min: number; max: number }>).income = { min: 5, max: 5 };
        return j;
      },
      "preparation is invalid: scaling range for 'income'",
    ],
    [
      'a preparation with a non-numeric code',
      () => {
        const j = prepared();
        (j.preparation!.encodings as Record<string, Record<string, unknown>>).gender.M = 'male';
        return j;
      },
      "preparation is invalid: encodings.gender['M'] must be a finite number",
    ],
    [
      'a preparation with ranges null',
      () => {
        const j = prepared();
        (j.preparation as { ranges: unknown }).ranges = null;
        return j;
      },
      'preparation is invalid',
    ],
    ['a confidence level in percent', () => ({ ...plain(), confidenceLevel: 95 }), 'confidenceLevel must be between 0 and 1, found 95'],
    [
      'a negative variance',
      () => {
        const j = plain();
        j.covariance[1][1] = -1;
        return j;
      },
      "covariance has a variance of -1 for 'x1'",
    ],
    [
      'an asymmetric covariance',
      () => {
        const j = plain();
        j.covariance[2][1]! += 1;
        return j;
      },
      "covariance is not symmetric at ('x2', 'x1')",
    ],
    [
      'a non-finite covariance',
      () => {
        const j = plain();
        (j.covariance[0] as unknown[])[0] = null;
        return j;
      },
      'covariance row 0 must have 5 finite numbers',
    ],
    ['statistics with only nObs', () => ({ ...plain(), statistics: { nObs: 90 } }), 'statistics.nParameters must be a number, found nothing'],
    [
      'statistics without converged',
      () => {
        const j = plain();
        delete (j.statistics as Partial<typeof j.statistics>).converged;
        return j;
      },
      'statistics.converged must be true or false',
    ],
    [
      'a term label that disagrees with its variables',
      () => {
        const j = plain();
        j.terms[0].label = 'age';
        return j;
      },
      "term 'age' does not match its variables x1",
    ],
    [
      'a factor with one level',
      () => {
        const j = fitLogit(BASE, 'y ~ x1 + g').toJSON();
        j.factorLevels.g = ['A'];
        return j;
      },
      'factorLevels.g must list at least two distinct levels',
    ],
    [
      'a factor with a repeated level',
      () => {
        const j = fitLogit(BASE, 'y ~ x1 + g').toJSON();
        j.factorLevels.g = [j.factorLevels.g[0], ...j.factorLevels.g];
        return j;
      },
      'factorLevels.g must list at least two distinct levels',
    ],
    ['warnings that are not text', () => ({ ...plain(), warnings: [1] }), 'warnings must be a list of strings'],
  ];

  it('a loaded model is independent of the object it was read from', () => {
    const json = fitLogit(BASE, 'y ~ x1 + g').toJSON();
    const model = LogitModel.fromJSON(json);
    const before = Array.from(model.predict(BASE));
    json.terms[0].variables[0] = 'g';
    json.factorLevels.g[1] = 'changed';
    json.coefficients[0].estimate = 99;
    json.covariance[0][0] = 99;
    expect(Array.from(model.predict(BASE))).toEqual(before);
    expect(model.toJSON()).toStrictEqual(fitLogit(BASE, 'y ~ x1 + g').toJSON());
  });

  it('an intercept-only model survives the round trip with a readable summary', () => {
    const model = LogitModel.fromJSON(JSON.stringify(fitLogit(BASE, 'y ~ 1').toJSON()));
    expect(Number.isNaN(model.statistics.lrPValue)).toBe(true);
    expect(model.summary()).toContain('none (this is the null model)');
  });

  it.each(breakages)('%s is BAD_MODEL_JSON', (_, make, fragment) => {
    const json = make();
    expectCbmError(() => LogitModel.fromJSON(json as LogitModelJSON), 'BAD_MODEL_JSON', ['model JSON: ', fragment], [json]);
    // As text too.
    expectCbmError(() => LogitModel.fromJSON(JSON.stringify(json)), 'BAD_MODEL_JSON', [fragment]);
  });

  it.each([['{"format": '], ['not json'], [''], ["{'format': 'cbm-kit/logit-model'}"]])('invalid JSON text %j is BAD_MODEL_JSON', (text) => {
    expectCbmError(() => LogitModel.fromJSON(text), 'BAD_MODEL_JSON', ['model JSON: not valid JSON']);
  });
});

// ---------------------------------------------------------------------------------------------
// Stepwise options
// ---------------------------------------------------------------------------------------------

describe('start values', () => {
  it('a start so far out that every weight vanishes still ends at the MLE (no false collinearity)', () => {
    const reference = fitLogit(BASE, VALID);
    const far = fitLogit(BASE, VALID, { start: { x1: 1e6 } });
    far.coefficients.forEach((b, j) => expect(b).toBeCloseTo(reference.coefficients[j], 8));
  });
});

describe('stepwise options', () => {
  const reference = () => {
    const { model, steps } = stepwise(BASE, 'y ~ x1 * x2 + g');
    return { model: model.toJSON(), steps };
  };
  const before = reference();

  it.each([['aicc'], ['AIC'], ['likelihood'], [42]])('criterion %j is BAD_INPUT', (criterion) => {
    const options = { criterion } as never;
    expectCbmError(
      () => stepwise(BASE, 'y ~ x1 * x2 + g', options),
      'BAD_INPUT',
      [`stepwise: criterion must be one of 'aic', 'bic', 'p-value', got ${JSON.stringify(criterion)}`],
      [BASE, options],
    );
    expect(reference()).toStrictEqual(before);
  });

  it.each([[0], [1], [-0.05], [1.5], [NaN]])('alpha %s is BAD_INPUT', (alpha) => {
    const options = { criterion: 'p-value' as const, alpha };
    expectCbmError(
      () => stepwise(BASE, 'y ~ x1 * x2 + g', options),
      'BAD_INPUT',
      [`stepwise: alpha must be a finite number above 0 and below 1 like 0.05, got ${alpha}`],
      [BASE, options],
    );
    expect(reference()).toStrictEqual(before);
  });
});
