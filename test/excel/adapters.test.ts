// The add-in's adapters in Node: Excel-shaped input in, kernel-lib's own results out.
// References: kernel-lib called directly (the adapters must add nothing), the bank-card
// notebook's printed figures (notebooks/01-bankcard-scoring.ipynb), and closed forms.
import { describe, expect, it } from 'vitest';
import * as kl from '../../kernel-lib/src/index';
import * as A from '../../excel-addin/src/functions/adapters';
import { modelToTable, tableToModelJSON, modelFromCells } from '../../excel-addin/src/functions/modelTable';
import { describeFailure } from '../../excel-addin/src/functions/excelErrors';
import { bankCardSheet } from './bankcardSheet';

const sheet = bankCardSheet();
const col = (xs: ArrayLike<number>) => Array.from(xs, (x) => [x]);
const prepare = kl.fitPreparation(sheet.rows, { encode: { gender: { M: 1, F: 0 } }, scale: ['income', 'age'] });
const reference = kl.stepwise(sheet.train, sheet.formula, { prepare, hierarchical: false }).model;

function failure(work: () => unknown, name = 'X') {
  try {
    work();
  } catch (e) {
    return describeFailure(name, e);
  }
  throw new Error('expected a failure');
}

describe('CBM.FIT and the model table', () => {
  const table = A.fit(sheet.trainRange, sheet.formula, 'stepwise-free', sheet.scaleRanges, sheet.encode);

  it('fits the notebook model: same formula and coefficients as kernel-lib stepwise', () => {
    // Reference: the notebook's final model "responded ~ gender:income + income + gender:age".
    expect(table.find((r) => r[0] === 'formula')![1]).toBe('responded ~ gender:income + income + gender:age');
    const json = tableToModelJSON(table);
    expect(json.coefficients.map((c) => c.estimate)).toEqual(Array.from(reference.coefficients));
    expect(json.coefficients.map((c) => c.stdError)).toEqual(Array.from(reference.stdErrors));
  });

  it('round-trips to the model JSON without loss', () => {
    const json = reference.toJSON();
    const back = tableToModelJSON(modelToTable(reference));
    expect(back.coefficients).toEqual(json.coefficients);
    expect(back.covariance).toEqual(json.covariance);
    expect(back.preparation).toEqual(json.preparation);
    expect(back.statistics).toEqual(json.statistics);
    expect(back.terms).toEqual(json.terms);
    expect(kl.LogitModel.fromJSON(back).toJSON()).toEqual(json);
  });

  it('carries the event and the provenance', () => {
    const rows = sheet.train.map((r) => ({ ...r, outcome: r.responded === 1 ? 'Bought' : 'No' }));
    const m = kl.fitLogit(rows, 'outcome ~ gender + age', { event: 'Bought', provenance: { seed: 2026, split: '2:1', note: null } });
    const json = m.toJSON();
    expect(tableToModelJSON(modelToTable(m))).toEqual(JSON.parse(JSON.stringify(json)));
  });

  it('is rectangular with the documented header', () => {
    const width = table[0].length;
    expect(table.every((r) => r.length === width)).toBe(true);
    const header = table.find((r) => r[0] === 'term')!;
    expect(header.slice(0, 9)).toEqual(['term', 'coefficient', 'SE', 'z', 'p', 'odds ratio', 'OR 2.5 %', 'OR 97.5 %', 'of term']);
    expect(header.slice(9, 9 + reference.names.length)).toEqual([...reference.names]);
  });

  it('learns scaling ranges from the data when only names are given', () => {
    const learned = A.fitModel(
      sheet.trainRange,
      'responded ~ gender + income + age',
      'fit',
      [['income, age']],
      [
        ['gender', 'M', 1],
        ['gender', 'F', 0],
      ],
    );
    const direct = kl.fitLogit(sheet.train, 'responded ~ gender + income + age', { prepare: { encode: { gender: { M: 1, F: 0 } }, scale: ['income', 'age'] } });
    expect(Array.from(learned.coefficients)).toEqual(Array.from(direct.coefficients));
  });

  it('fits text factors as R does when nothing is encoded', () => {
    const m = A.fitModel(sheet.trainRange, 'responded ~ gender + age', undefined);
    expect([...m.names]).toEqual(['(Intercept)', 'genderM', 'age']);
    const back = modelFromCells(modelToTable(m));
    expect(Array.from(back.predict(sheet.validation))).toEqual(Array.from(m.predict(sheet.validation)));
  });
});

describe('CBM.SCORE', () => {
  it('equals model.predict to 1e-12 from the table and from the JSON cell', () => {
    const expected = reference.predict(sheet.rows);
    const fromTable = A.score(modelToTable(reference), sheet.all);
    const fromJson = A.score([[JSON.stringify(reference.toJSON(), null, 2)]], sheet.all);
    expect(fromTable.length).toBe(1000);
    for (let i = 0; i < expected.length; i++) {
      expect(Math.abs((fromTable[i][0] as number) - expected[i])).toBeLessThanOrEqual(1e-12);
      expect(Math.abs((fromJson[i][0] as number) - expected[i])).toBeLessThanOrEqual(1e-12);
    }
  });

  it('names a missing column and a malformed model', () => {
    const noIncome = sheet.all.map((r) => r.filter((_, j) => j !== 3));
    const f = failure(() => A.score(modelToTable(reference), noIncome), 'SCORE');
    expect(f.code).toBe('#N/A');
    expect(f.message).toMatch(/^CBM\.SCORE: .*'income'/);
    const broken = modelToTable(reference).map((r) => [...r]);
    broken[8][1] = 'abc';
    const g = failure(() => A.score(broken, sheet.all), 'SCORE');
    expect(g.code).toBe('#VALUE!');
    expect(g.message).toMatch(/model table: a cell in the coefficient rows differs from what CBM\.FIT wrote/);
    expect(failure(() => A.score([['{"format": "other"}']], sheet.all)).message).toMatch(/format is 'other'/);
    expect(failure(() => A.score([['{not json']], sheet.all)).message).toMatch(/not valid JSON/);
  });
});

describe('campaign metrics on the bank-card training customers', () => {
  const p = reference.predict(sheet.train);
  const y = sheet.train.map((r) => r.responded as number);
  it('gives the notebook figures at a = 0.8', () => {
    // Reference: the notebook's table: selected 12, response rate 0.833, hit rate 0.780, lift 2.778, ROI 2.500 (B 60, F 20).
    expect(A.hitRate(col(p), col(y), 0.8)).toBeCloseTo(0.78, 12);
    expect(A.responseRate(col(p), col(y))).toBeCloseTo(10 / 12, 12);
    expect(A.lift(col(p), col(y), 0.8)).toBeCloseTo(10 / 12 / 0.3, 12);
    expect(A.roi(col(p), col(y), 0.8, 60, 20)).toBeCloseTo(2.5, 12);
    expect(A.confusionTable(col(p), col(y), 0.8)).toEqual([
      [10, 2],
      [20, 68],
    ]);
  });
  it('gains: deciles equal kernel-lib gainsTable', () => {
    const g = A.gains(col(p), col(y));
    expect(g[0]).toEqual(A.GAINS_HEADER);
    const ref = kl.gainsTable(p, y);
    expect(g.slice(1).map((r) => r[7])).toEqual(ref.map((r) => r.cumulativeLift));
  });
  it('accepts a row as well as a column', () => {
    expect(A.hitRate([Array.from(p)], [y], 0.8)).toBe(A.hitRate(col(p), col(y), 0.8));
  });
});

describe('errors with Excel codes and messages that say what to fix', () => {
  const p = col([0.9, 0.85, 0.3, 0.2]);
  const y = col([1, 0, 1, 0]);
  it.each([
    ['mismatched sizes', () => A.lift(p, col([1, 0, 1]), 0.8), '#VALUE!', /scores and actual have 4 and 3 rows/],
    ['blank cell', () => A.lift([[0.9], [''], [0.3], [0.2]], y), '#VALUE!', /blank cell at position 2/],
    ['text in scores (a header)', () => A.lift([['P'], [0.9], [0.3], [0.2]], y), '#VALUE!', /text 'P' at position 1 \(a header\?/],
    ['threshold outside (0, 1)', () => A.hitRate(p, y, 1.5), '#VALUE!', /threshold must be between 0 and 1/],
    ['threshold 0', () => A.hitRate(p, y, 0), '#VALUE!', /threshold must be between 0 and 1/],
    ['non-binary actual', () => A.hitRate(p, col([1, 2, 0, 0]), 0.5), '#VALUE!', /actual holds 2 at position 2; outcomes must be 1 or 0/],
    ['nobody selected', () => A.lift(p, y, 0.95), '#N/A', /nobody has P > 0.95/],
    [
      'a block instead of a column',
      () =>
        A.lift(
          [
            [1, 2],
            [3, 4],
          ],
          y,
        ),
      '#VALUE!',
      /one column or one row, got 2 rows × 2 columns/,
    ],
    ['unknown method', () => A.fit(sheet.trainRange, sheet.formula, 'forward'), '#VALUE!', /method must be 'fit' or 'stepwise'/],
    ['unknown column in the formula', () => A.fit(sheet.trainRange, 'responded ~ salary'), '#N/A', /'salary'/],
    ['no header row', () => A.fit(sheet.trainRange.slice(1), sheet.formula), '#VALUE!', /header/],
    [
      'constant response',
      () =>
        A.fit(
          [
            ['y', 'x'],
            [1, 1],
            [1, 2],
            [1, 3],
          ],
          'y ~ x',
        ),
      '#VALUE!',
      /every customer has the same 'y', so there is nothing to model/,
    ],
    ['normalize with one bound', () => A.normalize(col([1, 2, 3]), 0), '#VALUE!', /give both min and max/],
    ['groups beyond the rows', () => A.gains(p, y, 5), '#VALUE!', /groups must be a whole number from 1 to 4/],
  ])('%s', (_, work, code, message) => {
    const f = failure(work, 'LIFT');
    expect(f.code).toBe(code);
    expect(f.message).toMatch(message);
    expect(f.message.startsWith('CBM.LIFT: ')).toBe(true);
  });
});

describe('CBM.NORMALIZE', () => {
  it('is (x − min)/(max − min) with learned or given bounds', () => {
    // Closed form: age 26 with the file's range 18..47 → 8/29 (the notebook prints 0.276).
    expect(A.normalize(col([26, 18, 47]))[0][0]).toBeCloseTo(8 / 29, 15);
    expect(A.normalize(col([26]), 18, 47)).toEqual([[8 / 29]]);
    expect(A.normalize([[18, 47]])).toEqual([[0, 1]]);
  });
});

describe('CBM.SIMREVENUE', () => {
  // The sim example of kernel-lib's simulateRevenue JSDoc: 10 customers.
  const p = [0.66, 0.41, 0.51, 0.49, 0.69, 0.67, 0.76, 0.43, 0.57, 0.41];
  const r = [1895, 1952, 3069, 3465, 1108, 3298, 1814, 3932, 3661, 3872];
  const cells = A.simRevenue(col(p), col(r), 20000, 42, undefined, 8);
  const value = (label: string) => cells.find((row) => row[0] === label)![1] as number;
  it('equals kernel-lib simulateRevenue with the same seed', () => {
    const s = kl.simulateRevenue({ churnProbabilities: p, revenues: r, simulations: 20000, seed: 42 }).summary;
    expect(value('mean revenue')).toBe(s.mean);
    expect(value('sd of revenue')).toBe(s.sd);
    expect(value('5% quantile')).toBe(s.quantiles.p5);
    expect(value('95% quantile')).toBe(s.quantiles.p95);
  });
  it('agrees with the closed forms', () => {
    // Closed forms: E[revenue] = Σ(1 − p)·r, E[churners] = Σp; P(churners ≥ 8) exact (Poisson-binomial) = 0.1031857049…
    const expected = p.reduce((acc, pi, i) => acc + (1 - pi) * r[i], 0);
    expect(value('expected revenue (exact)')).toBeCloseTo(expected, 8);
    expect(value('expected churners (exact)')).toBeCloseTo(
      p.reduce((a, b) => a + b, 0),
      12,
    );
    expect(value('P(churners ≥ 8), exact')).toBeCloseTo(0.1031857049, 9);
    const se = Math.sqrt((0.1031857049 * (1 - 0.1031857049)) / 20000);
    expect(Math.abs(value('P(churners ≥ 8), simulated') - 0.1031857049)).toBeLessThan(4 * se);
    expect(Math.abs(value('mean revenue') - expected)).toBeLessThan((4 * value('sd of revenue')) / Math.sqrt(20000));
  });
  it('spills the histogram and the churner distribution', () => {
    const h = A.simRevenue(col(p), col(r), 1000, 42, 'histogram');
    expect(h[0]).toEqual(['lower', 'upper', 'count', 'share']);
    expect(h.slice(1).reduce((a, row) => a + (row[2] as number), 0)).toBe(1000);
    const c = A.simRevenue(col(p), col(r), 1000, 42, 'churners');
    expect(c.slice(1).reduce((a, row) => a + (row[2] as number), 0)).toBeCloseTo(1, 12);
  });
  it.each([
    ['too many simulations', () => A.simRevenue(col(p), col(r), 5e6), '#VALUE!', /simulations must be a whole number from 1 to 1000000/],
    ['a probability above 1', () => A.simRevenue(col([0.5, 1.2]), col([1, 2])), '#VALUE!', /holds 1.2 at position 2; probabilities must be between 0 and 1/],
    ['mismatched lengths', () => A.simRevenue(col(p), col(r.slice(1))), '#VALUE!', /have 10 and 9 rows/],
    ['unknown output', () => A.simRevenue(col(p), col(r), 100, 1, 'table'), '#VALUE!', /output must be 'summary', 'histogram' or 'churners'/],
    ['negative revenue', () => A.simRevenue(col([0.5]), col([-1])), '#VALUE!', /negative/],
  ])('%s', (_, work, code, message) => {
    const f = failure(work, 'SIMREVENUE');
    expect(f.code).toBe(code);
    expect(f.message).toMatch(message);
  });
});

describe('CBM.OPTPRICE', () => {
  // The example of kernel-lib's optimizePrice JSDoc: 10 customers, logit slope 3.
  const p = [0.66, 0.41, 0.51, 0.49, 0.69, 0.67, 0.76, 0.43, 0.57, 0.41];
  const r = [1895, 1952, 3069, 3465, 1108, 3298, 1814, 3932, 3661, 3872];
  const at = (d: number) => p.map((pi) => 1 / (1 + Math.exp(-(Math.log(pi / (1 - pi)) + 3 * Math.log1p(d)))));
  const revenueAt = (d: number) => at(d).reduce((acc, q, i) => acc + (1 - q) * r[i] * (1 + d), 0);
  const get = (cells: unknown[][], label: string, column = 1) => cells.find((row) => row[0] === label)![column] as number;

  it('equals kernel-lib optimizePrice and holds the binding constraint with equality', () => {
    const cells = A.optPrice(col(p), col(r), 3, -0.5, 0.5, 8, 0.001);
    const best = kl.optimizePrice({
      churnProbabilities: p,
      revenues: r,
      priceResponse: { logitSlope: 3 },
      bounds: [-0.5, 0.5],
      constraints: { churnersAtLeast: { count: 8, maxProbability: 0.001 } },
      simulations: 0,
    });
    const d = get(cells, 'price change');
    expect(d).toBe(best.priceChange);
    // Independent check: the exact Poisson-binomial tail at the new probabilities is the cap.
    expect(kl.churnerTail(at(d), 8)).toBeCloseTo(0.001, 9);
    expect(get(cells, 'P(churners ≥ 8)')).toBeCloseTo(0.001, 9);
    expect(get(cells, 'expected revenue')).toBeCloseTo(revenueAt(d), 6);
    expect(get(cells, 'P(churners ≥ 8)', 2)).toBeCloseTo(0.1031857049, 9); // today's tail (closed form)
    expect(cells.find((row) => row[0] === 'binding constraint')![1]).toBe('churnersAtLeast');
  });

  it('without constraints it is a maximum of Σ(1 − p(d))·r·(1 + d)', () => {
    const d = get(A.optPrice(col(p), col(r), 3), 'price change');
    expect(revenueAt(d)).toBeGreaterThanOrEqual(revenueAt(d + 1e-4));
    expect(revenueAt(d)).toBeGreaterThanOrEqual(revenueAt(d - 1e-4));
  });

  it.each([
    ['an infeasible constraint', () => A.optPrice(col(p), col(r), 3, -0.01, 0.01, 8, 1e-9), '#VALUE!', /no price change between the bounds meets the cap on churnersAtLeast/],
    ['bounds in the wrong order', () => A.optPrice(col(p), col(r), 3, 0.2, 0.1), '#VALUE!', /−1 < lowerBound < upperBound/],
    ['k without its probability', () => A.optPrice(col(p), col(r), 3, -0.5, 0.5, 8), '#VALUE!', /give churnersAtLeast and maxProbability together/],
    ['a missing slope', () => A.optPrice(col(p), col(r), ''), '#VALUE!', /priceSlope is required/],
  ])('%s', (_, work, code, message) => {
    const f = failure(work, 'OPTPRICE');
    expect(f.code).toBe(code);
    expect(f.message).toMatch(message);
  });
});

// SCORE hands predict only the columns the model reads (modelColumns). Reference: kernel-lib's
// model.predict on the same customers as row objects, bit for bit; a failure must read as predict's
// on the whole range. Made-up customers, a different scale in each column so a mixed-up column shows.
describe("CBM.SCORE on the model's columns only", () => {
  const customers = Array.from({ length: 40 }, (_, i) => ({
    id: 5001 + i,
    gender: i % 3 === 0 ? 'F' : 'M',
    income: 1000 + ((i * 7919) % 9000),
    age: 18 + ((i * 37) % 50),
    responded: (i * 13) % 7 < 3 ? 1 : 0,
  }));
  const rangeOf = (rows: Record<string, kl.Cell>[], names = Object.keys(rows[0])) => [names, ...rows.map((r) => names.map((n) => r[n]))];
  const scores = (model: kl.LogitModel, rows: Record<string, kl.Cell>[]) => Array.from(model.predict(rows), (p) => [p]);

  it('an intercept-only model with an (empty) preparation scores every row, P = the mean response', () => {
    // A notebook's stepwise may drop every term: the model keeps an empty preparation in its JSON.
    const model = kl.fitLogit(customers, 'responded ~ 1', { prepare: { scale: ['income'] } });
    expect(model.preparation).toEqual({ encodings: {}, ranges: {} });
    const got = A.score([[JSON.stringify(model.toJSON())]], rangeOf(customers));
    expect(got).toEqual(scores(model, customers));
    const mean = customers.filter((c) => c.responded === 1).length / customers.length;
    for (const [p] of got) expect(Math.abs((p as number) - mean)).toBeLessThan(1e-12);
  });

  it('reads the columns of a transform, also beside a column named like the transform', () => {
    // A sheet may hold its own log(income) column; the model's log(income) is still log of income.
    const rows = customers.map((c) => ({ ...c, 'log(income)': 0, 'I(age^2)': 0 }));
    const model = kl.fitLogit(customers, 'responded ~ gender + log(income) + I(age^2)', { prepare: { encode: { gender: { M: 1, F: 0 } } } });
    expect(A.scoreWith(model, rangeOf(rows))).toEqual(scores(model, customers));
    expect(A.scoreWith(model, rangeOf(customers))).toEqual(scores(model, customers));
  });

  it('applies a preparation naming a column the model does not read, as predict does', () => {
    // Model JSON written elsewhere (by hand, another tool) may keep the whole preparation.
    const model = kl.fitLogit(customers, 'responded ~ gender + income', { prepare: { encode: { gender: { M: 1, F: 0 } }, scale: ['income'] } });
    const json = model.toJSON();
    json.preparation = { encodings: json.preparation!.encodings, ranges: { ...json.preparation!.ranges, age: { min: 18, max: 67 } } };
    const full = kl.LogitModel.fromJSON(json);
    expect(A.scoreWith(full, rangeOf(customers))).toEqual(scores(full, customers));
    // Without that column the failure is predict's on the whole range: it lists the range's columns.
    const f = failure(() => A.scoreWith(full, rangeOf(customers, ['id', 'gender', 'income', 'responded'])), 'SCORE');
    expect(f.code).toBe('#N/A');
    expect(f.message).toBe(
      "CBM.SCORE: the data has no column 'age' (its header row names 'id', 'gender', 'income', 'responded'); the header row must name every column the formula or the model uses",
    );
  });

  it('a cell no Excel range holds (an object) fails in a column the model reads, not in one it does not read', () => {
    // Before 78b17ab a model with a preparation read every column and failed on the id's cell;
    // a model without one never did. SCORE's P does not depend on a column the model does not read.
    const model = kl.fitLogit(customers, 'responded ~ gender + income', { prepare: { encode: { gender: { M: 1, F: 0 } }, scale: ['income'] } });
    const odd: unknown[][] = rangeOf(customers).map((row) => [...row]);
    odd[3][0] = { id: 5003 };
    expect(A.scoreWith(model, odd)).toEqual(scores(model, customers));
    odd[3][2] = { income: 1 };
    const f = failure(() => A.scoreWith(model, odd), 'SCORE');
    expect(f.code).toBe('#VALUE!');
    expect(f.message).toMatch(/column 'income', row 4 of the data range/);
  });
});

// A header such as '2024' (a year's spend) is an array index as an object key: JavaScript lists
// such keys first, so a column's place must not be read from the order of a table's names.
describe('a header name that looks like a number', () => {
  const customers = Array.from({ length: 40 }, (_, i) => ({
    id: 5001 + i,
    gender: i % 3 === 0 ? 'F' : 'M',
    '2024': 100 + ((i * 7919) % 900),
    age: 18 + ((i * 37) % 50),
    responded: (i * 13) % 7 < 3 ? 1 : 0,
  }));
  const names = ['id', 'gender', '2024', 'age', 'responded'];
  const range = [names, ...customers.map((c) => names.map((n) => c[n as keyof typeof c]))];
  const formula = 'responded ~ gender + `2024` + age';

  it('CBM.SCORE reads its column: P equals model.predict bit for bit', () => {
    const model = kl.fitLogit(customers, formula);
    expect(A.scoreWith(model, range)).toEqual(Array.from(model.predict(customers), (p) => [p]));
  });

  it("CBM.FIT reads its column: the coefficients are fitLogit's", () => {
    expect(Array.from(A.fitModel(range, formula).coefficients)).toEqual(Array.from(kl.fitLogit(customers, formula).coefficients));
  });
});
