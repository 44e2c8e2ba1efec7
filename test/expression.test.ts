/**
 * Transforms in formulas (log, exp, sqrt, I over columns, numbers and + - * / ^): labels as R
 * writes them (term labels from R 4.2.2's `attr(terms(f), "term.labels")`, in the comments), the
 * parse/label round trip as a property, evaluation against plain arithmetic, and the fit and
 * scoring pipeline deriving the same columns from raw rows (also after a JSON round trip).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CbmError,
  deriveColumns,
  evaluateExpression,
  expressionColumns,
  expressionLabel,
  fitLogit,
  formatFormula,
  isDerived,
  LogitModel,
  parseExpression,
  parseFormula,
  stepwise,
  toTable,
  type Expression,
} from '../kernel-lib/src/index';
import { cbmErrorOf as cbmError } from './helpers/errors';

const labels = (formula: string) => parseFormula(formula).terms.map((t) => t.label);

describe('term labels with transforms are R’s', () => {
  it.each([
    // R: attr(terms(y ~ log(price/competitor_price) + I(age^2) + I(income/1000)), "term.labels")
    ['y ~ log(price/competitor_price) + I(age^2) + I(income/1000)', ['log(price/competitor_price)', 'I(age^2)', 'I(income/1000)']],
    ['log(volume) ~ log( price /competitor_price) + store + log(price/competitor_price):store', ['log(price/competitor_price)', 'store', 'log(price/competitor_price):store']],
    [
      'y ~ I(a+b*c) + I((a+b)*c) + I(-x^2) + I(2^-1*x) + I(a-(b-c)) + exp(-PRICE) + sqrt(x) + I((-x)^2)',
      ['I(a + b * c)', 'I((a + b) * c)', 'I(-x^2)', 'I(2^-1 * x)', 'I(a - (b - c))', 'exp(-PRICE)', 'sqrt(x)', 'I((-x)^2)'],
    ],
    ['y ~ (log(x) + g)^2', ['log(x)', 'g', 'log(x):g']],
    ['y ~ I(x^2):g + log(x)*g', ['log(x)', 'g', 'I(x^2):g', 'g:log(x)']],
    ['y ~ I(a/b/c) + I(a/(b/c)) + I(a^b^c) + I((a^b)^c) + I(1e-3*x) + I(x*.5)', ['I(a/b/c)', 'I(a/(b/c))', 'I(a^b^c)', 'I((a^b)^c)', 'I(0.001 * x)', 'I(x * 0.5)']],
  ])('%s', (formula, expected) => {
    expect(labels(formula)).toEqual(expected);
  });

  it('the response may be a transform; the formula records which variables are derived', () => {
    const f = parseFormula('log(volume) ~ log(price) + store + I(price^2)');
    expect(f.response).toBe('log(volume)');
    expect(f.derived).toEqual(['log(volume)', 'log(price)', 'I(price^2)']);
    expect(f.variables).toEqual(['log(price)', 'store', 'I(price^2)']);
  });

  it("'.' leaves out the columns the response reads (R: log(y) ~ . does not include y)", () => {
    expect(parseFormula('log(y) ~ .', { columns: ['y', 'a', 'b'] }).variables).toEqual(['a', 'b']);
  });

  it('formatFormula writes transforms so that they reparse to the same labels', () => {
    const f = parseFormula('log(volume) ~ I(x^2):g + log(price / competitor)*g - 1');
    const written = formatFormula(f.response, f.terms, f.intercept);
    const again = parseFormula(written);
    expect(again.terms).toEqual(f.terms);
    expect(again.response).toBe('log(volume)');
    expect(again.intercept).toBe(false);
  });
});

describe('parseExpression and expressionLabel', () => {
  it('builds the documented tree, with R’s precedence (^ over unary minus over * and /)', () => {
    expect(parseExpression('log(price / competitor_price)')).toEqual({
      kind: 'call',
      fn: 'log',
      argument: { kind: 'binary', op: '/', left: { kind: 'column', name: 'price' }, right: { kind: 'column', name: 'competitor_price' } },
    });
    expect(parseExpression('-x^2')).toEqual({ kind: 'negate', argument: { kind: 'binary', op: '^', left: { kind: 'column', name: 'x' }, right: { kind: 'number', value: 2 } } });
    expect(parseExpression('a - b - c')).toEqual({
      kind: 'binary',
      op: '-',
      left: { kind: 'binary', op: '-', left: { kind: 'column', name: 'a' }, right: { kind: 'column', name: 'b' } },
      right: { kind: 'column', name: 'c' },
    });
    expect(expressionColumns(parseExpression('I(income/1000 + income*age - `unit price`)'))).toEqual(['income', 'age', 'unit price']);
    expect(expressionLabel(parseExpression('log(`unit price`)'))).toBe('log(`unit price`)');
  });

  it('isDerived tells transforms from column names', () => {
    expect(isDerived('log(price)')).toBe(true);
    expect(isDerived('I(age^2)')).toBe(true);
    expect(isDerived('price')).toBe(false);
    expect(isDerived('price-2024')).toBe(false);
    expect(isDerived('logx(1)')).toBe(false);
    expect(isDerived('log(x) + 1')).toBe(false);
  });

  const columnArb = fc.constantFrom('a', 'b', 'price', 'unit price', 'x.1');
  const expressionArb: fc.Arbitrary<Expression> = fc.letrec<{ e: Expression }>((tie) => ({
    e: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      columnArb.map((name) => ({ kind: 'column', name }) as Expression),
      fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.double({ min: 1e-6, max: 1e6, noNaN: true })).map((value) => ({ kind: 'number', value }) as Expression),
      fc.record({ kind: fc.constant('call' as const), fn: fc.constantFrom('log', 'exp', 'sqrt', 'I') as fc.Arbitrary<'log' | 'exp' | 'sqrt' | 'I'>, argument: tie('e') }),
      fc.record({
        kind: fc.constant('binary' as const),
        op: fc.constantFrom('+', '-', '*', '/', '^') as fc.Arbitrary<'+' | '-' | '*' | '/' | '^'>,
        left: tie('e'),
        right: tie('e'),
      }),
      fc.record({ kind: fc.constant('negate' as const), argument: tie('e') }),
    ),
  })).e;

  it('parseExpression(expressionLabel(e)) is e, and labels are canonical (a property)', () => {
    fc.assert(
      fc.property(expressionArb, (e) => {
        const label = expressionLabel(e);
        expect(parseExpression(label)).toEqual(e);
        expect(expressionLabel(parseExpression(label))).toBe(label);
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  it('evaluateExpression agrees with the same arithmetic written in JavaScript', () => {
    const table = toTable({ price: [1, 2.5, 4], competitor_price: [2, 2, 5], age: [20, 35, 50], income: [1500, 2200, 900] });
    const check = (label: string, f: (i: number) => number) => {
      const values = evaluateExpression(parseExpression(label), table, 'test');
      expect(Array.from(values)).toEqual([0, 1, 2].map(f));
    };
    const c = table.cells('competitor_price') as number[];
    const p = table.cells('price') as number[];
    const a = table.cells('age') as number[];
    const m = table.cells('income') as number[];
    check('log(price/competitor_price)', (i) => Math.log(p[i] / c[i]));
    check('I(age^2)', (i) => a[i] ** 2);
    check('I(income/1000)', (i) => m[i] / 1000);
    check('sqrt(exp(-price) * 2 + 1)', (i) => Math.sqrt(Math.exp(-p[i]) * 2 + 1));
    check('I(2)', () => 2);
  });

  it('syntax errors point at the token; nesting beyond the limit is refused without recursion', () => {
    const e = cbmError(() => parseExpression('log(price, 10)'));
    expect(e.code).toBe('FORMULA_SYNTAX');
    expect(e.message.split('\n')[0]).toBe('parseExpression: log() takes exactly one argument (log is the natural logarithm; write log(x)/log(10) for base 10) at position 10');
    const deep = cbmError(() => parseExpression('log('.repeat(2000) + 'x' + ')'.repeat(2000)));
    expect(deep.code).toBe('FORMULA_SYNTAX');
    expect(deep.message.split('\n')[0]).toBe('parseExpression: nesting deeper than 100 levels (parentheses, calls or signs) is not supported at position 401');
    expect(cbmError(() => parseExpression('I(' + '-'.repeat(5000) + 'x)')).code).toBe('FORMULA_SYNTAX');
    expect(cbmError(() => parseExpression('I(x^' + '2^'.repeat(5000) + '2)')).code).toBe('FORMULA_SYNTAX');
  });
});

describe('non-finite transforms are NON_FINITE naming the expression, the column and the row', () => {
  const table = toTable({ price: [2, -1, 3], competitor: [1, 0, 2], label: ['a', 'b', 'c'] });
  it.each([
    [
      'log(price)',
      'test: the transform log(price) is NaN in row 1 (price = -1): log() needs positive values and price is -1; remove or fix such rows, or use a transform defined for them',
      ['price'],
    ],
    [
      'sqrt(price)',
      'test: the transform sqrt(price) is NaN in row 1 (price = -1): sqrt() needs non-negative values and price is -1; remove or fix such rows, or use a transform defined for them',
      ['price'],
    ],
    [
      'log(price/competitor)',
      'test: the transform log(price/competitor) is NaN in row 1 (price = -1, competitor = 0): competitor is 0 in the division price/competitor; remove or fix such rows, or use a transform defined for them',
      ['price', 'competitor'],
    ],
  ])('%s', (label, message, columns) => {
    const e = cbmError(() => deriveColumns(table, [label], 'test'));
    expect(e.code).toBe('NON_FINITE');
    expect(e.message).toBe(message);
    expect(e.details).toEqual({ expression: label, column: columns[0], columns, row: 1 });
  });

  it('a text column inside a transform is BAD_INPUT naming it; an unknown one UNKNOWN_COLUMN', () => {
    expect(cbmError(() => deriveColumns(table, ['log(label)'], 'test')).message).toContain("column 'label' holds text");
    expect(cbmError(() => deriveColumns(table, ['log(cost)'], 'test')).code).toBe('UNKNOWN_COLUMN');
  });

  it('deriveColumns adds the columns by label and leaves the input alone', () => {
    const input = { price: [2, 4], other: ['x', 'y'] };
    const copy = structuredClone(input);
    const view = deriveColumns(toTable(input), ['price', 'I(price^2)', 'log(price)'], 'test');
    expect(view.names).toEqual(['price', 'other', 'I(price^2)', 'log(price)']);
    expect(Array.from(view.cells('I(price^2)') as Float64Array)).toEqual([4, 16]);
    expect(input).toEqual(copy);
    const plain = toTable(input);
    expect(deriveColumns(plain, ['price', 'other'], 'test')).toBe(plain);
  });
});

describe('fitLogit and scoring through transforms', () => {
  // Simulated from a known mechanism with kernel-lib-independent arithmetic (a fixed LCG).
  let state = 12345;
  const uniform = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const rows = Array.from({ length: 400 }, () => {
    const price = 5 + 10 * uniform();
    const competitor = 5 + 10 * uniform();
    const age = 18 + Math.floor(50 * uniform());
    const v = -0.5 - 2.5 * Math.log(price / competitor) + 0.0008 * age * age - 0.05 * age;
    return { price, competitor, age, churned: uniform() < 1 / (1 + Math.exp(-v)) ? 1 : 0 };
  });
  const formula = 'churned ~ log(price/competitor) + I(age^2) + age';

  it('equals the fit on columns derived by hand (same estimates, same SEs)', () => {
    const model = fitLogit(rows, formula);
    const derived = rows.map((r) => ({ churned: r.churned, gap: Math.log(r.price / r.competitor), age2: r.age ** 2, age: r.age }));
    const manual = fitLogit(derived, 'churned ~ gap + age2 + age');
    expect(model.names).toEqual(['(Intercept)', 'log(price/competitor)', 'I(age^2)', 'age']);
    const a = model.coefficientTable();
    const b = manual.coefficientTable();
    for (let j = 0; j < a.length; j++) {
      expect(Math.abs(a[j].estimate - b[j].estimate)).toBeLessThan(1e-9 * Math.max(1, Math.abs(b[j].estimate)));
      expect(Math.abs(a[j].stdError - b[j].stdError)).toBeLessThan(1e-9 * b[j].stdError);
    }
  });

  it('predict derives the columns from raw rows, also after a JSON round trip', () => {
    const model = fitLogit(rows, formula);
    const fresh = [
      { price: 9, competitor: 10, age: 30 },
      { price: 12, competitor: 8, age: 61 },
    ];
    const expected = fresh.map((r) => {
      const v =
        model.coefficient('(Intercept)') +
        model.coefficient('log(price/competitor)') * Math.log(r.price / r.competitor) +
        model.coefficient('I(age^2)') * r.age ** 2 +
        model.coefficient('age') * r.age;
      return 1 / (1 + Math.exp(-v));
    });
    const direct = model.predict(fresh);
    for (let i = 0; i < 2; i++) expect(Math.abs(direct[i] - expected[i])).toBeLessThan(1e-14);
    const again = LogitModel.fromJSON(JSON.stringify(model.toJSON()));
    expect(again.formula).toBe(model.formula);
    expect(Array.from(again.predict(fresh))).toEqual(Array.from(direct));
    // Scoring rows that break a transform names it.
    const e = cbmError(() => again.predict([{ price: 9, competitor: 0, age: 30 }]));
    expect(e.code).toBe('NON_FINITE');
    expect(e.details.expression).toBe('log(price/competitor)');
  });

  it('stepwise keeps working with transformed terms', () => {
    const result = stepwise(rows, 'churned ~ log(price/competitor) + I(age^2) + age + log(competitor)');
    expect(result.model.names).toContain('log(price/competitor)');
    expect(parseFormula(result.model.formula).terms).toEqual(result.model.terms);
  });

  it('formulas cannot run code: unknown functions and prototype names are refused or read as columns', () => {
    for (const f of ['churned ~ eval(price)', 'churned ~ constructor(price)', 'churned ~ Function(price)', 'churned ~ log.default(price)']) {
      const e = cbmError(() => fitLogit(rows, f));
      expect(e.code, f).toBe('FORMULA_SYNTAX');
      expect(e.message).toContain('is not supported');
    }
    expect(cbmError(() => fitLogit(rows, 'churned ~ log(constructor)')).code).toBe('UNKNOWN_COLUMN');
    expect(cbmError(() => parseFormula('y ~ `log(x)`')).message).toContain("the column name 'log(x)' reads as a transform");
  });
});

describe('the transform functions check their arguments at the door', () => {
  it('arbitrary JSON-ish values end in a CbmError, never a TypeError or RangeError (fast-check)', () => {
    const table = toTable({ price: [1, 2] });
    const cyclic: Record<string, unknown> = { kind: 'negate' };
    cyclic.argument = cyclic;
    const calls: ((v: unknown) => unknown)[] = [
      (v) => expressionLabel(v as Expression),
      (v) => expressionColumns(v as Expression),
      (v) => evaluateExpression(v as Expression, table, 'test'),
      (v) => evaluateExpression(parseExpression('log(price)'), v as never, 'test'),
      (v) => deriveColumns(table, v as string[], 'test'),
      (v) => deriveColumns(v as never, ['log(price)'], 'test'),
      (v) => parseExpression(v as string),
      (v) => formatFormula('y', v as never, true),
      (v) => formatFormula(v as string, [{ label: 'x', variables: ['x'] }], true),
      (v) => parseFormula('y ~ .', v as never),
    ];
    const outcome = (call: (v: unknown) => unknown, v: unknown) => {
      try {
        call(v);
        return 'returned';
      } catch (e) {
        return e instanceof CbmError ? 'CbmError' : `${(e as Error).name}: ${(e as Error).message}`;
      }
    };
    for (const call of calls) expect(['returned', 'CbmError']).toContain(outcome(call, cyclic));
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: calls.length - 1 }), (v, k) => {
        expect(['returned', 'CbmError']).toContain(outcome(calls[k], v));
      }),
      { seed: 7, numRuns: 2000 },
    );
  });

  it('a malformed tree is BAD_INPUT naming the node', () => {
    const e = cbmError(() => expressionLabel({ kind: 'call', fn: 'system', argument: { kind: 'column', name: 'x' } } as never));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toBe("expressionLabel: expression calls 'system', which is not one of log, exp, sqrt, I");
    expect(cbmError(() => expressionColumns({ kind: 'binary', op: '+', left: { kind: 'number', value: NaN }, right: { kind: 'column', name: 'x' } } as never)).message).toBe(
      'expressionColumns: expression.left is a number node whose value is not a finite number (NaN)',
    );
  });
});

describe('transforms after a preparation', () => {
  it('the saved preparation keeps the raw columns a transform reads, and raw rows score after a round trip', () => {
    const rows = Array.from({ length: 200 }, (_, i) => {
      const gender = i % 2 ? 'M' : 'F';
      const income = 1000 + ((i * 7919) % 3000);
      const v = -1 + (gender === 'M' ? 1.2 : 0) * Math.log(income / 2000) * 3 + Math.sin(i);
      return { gender, income, other: i, responded: v > 0 ? 1 : 0 };
    });
    const model = fitLogit(rows, 'responded ~ gender:log(income) + I(income/1000)', { prepare: { encode: { gender: { M: 1, F: 0 } } } });
    expect(model.names).toEqual(['(Intercept)', 'I(income/1000)', 'gender:log(income)']);
    const json = model.toJSON();
    expect(Object.keys(json.preparation!.encodings)).toEqual(['gender']);
    const again = LogitModel.fromJSON(JSON.stringify(json));
    const raw = [
      { gender: 'M', income: 2500 },
      { gender: 'F', income: 1200 },
    ];
    const expected = raw.map((r) => {
      const v =
        model.coefficient('(Intercept)') +
        model.coefficient('I(income/1000)') * (r.income / 1000) +
        model.coefficient('gender:log(income)') * (r.gender === 'M' ? 1 : 0) * Math.log(r.income);
      return 1 / (1 + Math.exp(-v));
    });
    const p = again.predict(raw);
    for (let i = 0; i < 2; i++) expect(Math.abs(p[i] - expected[i])).toBeLessThan(1e-14);
  });
});
