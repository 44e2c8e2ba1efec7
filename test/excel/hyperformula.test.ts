// A real spreadsheet engine (HyperFormula) evaluating the bank-card sheet with the CBM functions
// registered: the model fitted by CBM.FIT, the customers scored by CBM.SCORE, the metrics at
// a = 0.8. References: the notebook's printed figures (notebooks/01-bankcard-scoring.ipynb:
// 12 selected, 10 responders among them, hit rate 0.780, lift 2.778, ROI 2.500 with B = 60,
// F = 20) and kernel-lib's model.predict in Node for every score.
import { afterAll, describe, expect, it } from 'vitest';
import { HyperFormula } from 'hyperformula';
import * as kl from '../../kernel-lib/src/index';
import { bankCardSheet } from './bankcardSheet';
import { FIT_BLOCK, registerCbmFunctions } from './hyperformulaPlugin';

registerCbmFunctions();
const sheet = bankCardSheet();
const prepare = kl.fitPreparation(sheet.rows, { encode: { gender: { M: 1, F: 0 } }, scale: ['income', 'age'] });
const reference = kl.stepwise(sheet.train, sheet.formula, { prepare, hierarchical: false }).model;

// Sheet "Train": the 100 training customers A1:F101. Sheet "Model": preparation and the FIT.
const n = sheet.trainRange.length - 1;
const train = sheet.trainRange.map((row, r) => [...row, ...(r === 0 ? ['P'] : [])]);
train[1][6] = `=CBM.SCORE(Model!A10:AN69, A1:F${n + 1})`;
const model: unknown[][] = [
  ['income', sheet.scaleRanges[0][1], sheet.scaleRanges[0][2]],
  ['age', sheet.scaleRanges[1][1], sheet.scaleRanges[1][2]],
  [],
  ['gender', 'M', 1],
  ['gender', 'F', 0],
  [],
  [],
  [],
  [],
  [`=CBM.FIT(Train!A1:F${n + 1}, "${sheet.formula}", "stepwise-free", A1:C2, A4:C5)`],
];
const metricsSheet: unknown[][] = [
  ['hit rate', `=CBM.HITRATE(Train!G2:G${n + 1}, Train!F2:F${n + 1})`],
  ['response rate', `=CBM.RESPRATE(Train!G2:G${n + 1}, Train!F2:F${n + 1}, 0.8)`],
  ['lift', `=CBM.LIFT(Train!G2:G${n + 1}, Train!F2:F${n + 1}, 0.8)`],
  ['ROI', `=CBM.ROI(Train!G2:G${n + 1}, Train!F2:F${n + 1}, 0.8, 60, 20)`],
  ['confusion', `=CBM.CONFUSION(Train!G2:G${n + 1}, Train!F2:F${n + 1}, 0.8)`],
  [],
  ['gains', `=CBM.GAINS(Train!G2:G${n + 1}, Train!F2:F${n + 1})`],
  ...Array.from({ length: 10 }, () => []),
  ['age 26 scaled', `=CBM.NORMALIZE(26, 18, 47)`],
  ['threshold 1.5', `=CBM.HITRATE(Train!G2:G${n + 1}, Train!F2:F${n + 1}, 1.5)`],
  ['short actual', `=CBM.LIFT(Train!G2:G${n + 1}, Train!F2:F${n})`],
  ['nobody above', `=CBM.LIFT(Train!G2:G${n + 1}, Train!F2:F${n + 1}, 0.99)`],
  [],
  // SIMREVENUE on the 10 customers of kernel-lib's simulateRevenue example, seed 42.
  ['simulation', '=CBM.SIMREVENUE(Sim!A1:A10, Sim!B1:B10, 20000, 42, "summary", 8)'],
  ...Array.from({ length: 14 }, () => []),
  ['pricing', '=CBM.OPTPRICE(Sim!A1:A10, Sim!B1:B10, 3, -0.5, 0.5, 8, 0.001)'],
];
const simP = [0.66, 0.41, 0.51, 0.49, 0.69, 0.67, 0.76, 0.43, 0.57, 0.41];
const simR = [1895, 1952, 3069, 3465, 1108, 3298, 1814, 3932, 3661, 3872];

const hf = HyperFormula.buildFromSheets(
  { Train: train as never, Model: model as never, Metrics: metricsSheet as never, Sim: simP.map((p, i) => [p, simR[i]]) as never },
  { licenseKey: 'gpl-v3', smartRounding: false },
); // no display rounding: the doubles themselves
afterAll(() => hf.destroy());
const id = (name: string) => hf.getSheetId(name)!;
const value = (name: string, col: number, row: number) => hf.getCellValue({ sheet: id(name), col, row });

describe('HyperFormula evaluating the bank-card sheet with the CBM functions', () => {
  it('CBM.FIT spills the notebook model into Model!A10', () => {
    expect(value('Model', 0, 9)).toBe('format');
    expect(value('Model', 1, 11)).toBe('responded ~ gender:income + income + gender:age');
    const names = reference.names;
    const header = hf.getRangeValues({ start: { sheet: id('Model'), col: 0, row: 15 }, end: { sheet: id('Model'), col: 8 + names.length, row: 15 } })[0];
    expect(header).toEqual(['term', 'coefficient', 'SE', 'z', 'p', 'odds ratio', 'OR 2.5 %', 'OR 97.5 %', 'of term', ...names]);
    names.forEach((name, j) => {
      expect(value('Model', 0, 16 + j)).toBe(name);
      expect(value('Model', 1, 16 + j)).toBe(reference.coefficients[j]);
    });
    // The block beyond the table is padding (FIT_BLOCK), empty.
    expect(value('Model', FIT_BLOCK.width - 1, 9 + FIT_BLOCK.height - 1)).toBeNull();
  });

  it('CBM.SCORE spills one P per customer, equal to model.predict to 1e-12', () => {
    const expected = reference.predict(sheet.train);
    for (let i = 0; i < n; i++) expect(Math.abs((value('Train', 6, 1 + i) as number) - expected[i])).toBeLessThanOrEqual(1e-12);
    expect(value('Train', 6, n + 1)).toBeNull();
  });

  it('the metrics at a = 0.8 are the notebook figures', () => {
    expect(value('Metrics', 1, 0)).toBeCloseTo(0.78, 12);
    expect(value('Metrics', 1, 1)).toBeCloseTo(10 / 12, 12);
    expect(value('Metrics', 1, 2)).toBeCloseTo(10 / 12 / 0.3, 12);
    expect(value('Metrics', 1, 3)).toBeCloseTo(2.5, 12);
    // CONFUSION spills 2×2: [[TP, FP], [FN, TN]] = [[10, 2], [20, 68]].
    expect(hf.getRangeValues({ start: { sheet: id('Metrics'), col: 1, row: 4 }, end: { sheet: id('Metrics'), col: 2, row: 5 } })).toEqual([
      [10, 2],
      [20, 68],
    ]);
  });

  it('CBM.GAINS spills the decile table with its header', () => {
    const block = hf.getRangeValues({ start: { sheet: id('Metrics'), col: 1, row: 6 }, end: { sheet: id('Metrics'), col: 10, row: 16 } });
    expect(block[0][0]).toBe('group');
    expect(block.slice(1).map((r) => r[0])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // The last cumulative share of responders is all of them.
    expect(block[10][5]).toBe(1);
    const y = sheet.train.map((r) => r.responded as number);
    expect(block.slice(1).map((r) => r[7])).toEqual(kl.gainsTable(reference.predict(sheet.train), y).map((g) => g.cumulativeLift));
  });

  it("errors are the engine's error values with the add-in's messages", () => {
    expect(value('Metrics', 1, 17)).toBeCloseTo(8 / 29, 15);
    const threshold = value('Metrics', 1, 18) as { type: string; message: string };
    expect(threshold.type).toBe('VALUE');
    expect(threshold.message).toMatch(/^CBM\.HITRATE: threshold must be between 0 and 1/);
    const short = value('Metrics', 1, 19) as { type: string; message: string };
    expect(short.type).toBe('VALUE');
    expect(short.message).toBe('CBM.LIFT: scores and actual have 100 and 99 rows; select ranges of the same length');
    const nobody = value('Metrics', 1, 20) as { type: string; message: string };
    expect(nobody.type).toBe('NA');
  });

  it('CBM.SIMREVENUE spills the summary: kernel-lib simulateRevenue with the same seed, and the closed forms', () => {
    const block = hf.getRangeValues({ start: { sheet: id('Metrics'), col: 1, row: 22 }, end: { sheet: id('Metrics'), col: 2, row: 35 } });
    const get = (label: string) => block.find((r) => r[0] === label)![1] as number;
    const s = kl.simulateRevenue({ churnProbabilities: simP, revenues: simR, simulations: 20000, seed: 42 }).summary;
    expect(get('mean revenue')).toBe(s.mean);
    expect(get('95% quantile')).toBe(s.quantiles.p95);
    // Closed forms: Σ(1 − p)·r = 13034.07 (the simulateRevenue example) and P(churners ≥ 8) = 0.1031857049 (Poisson-binomial).
    expect(get('expected revenue (exact)')).toBeCloseTo(13034.07, 6);
    expect(get('P(churners ≥ 8), exact')).toBeCloseTo(0.1031857049, 9);
  });

  it('CBM.OPTPRICE spills the optimum beside today: the cap on P(churners ≥ 8) binds', () => {
    const block = hf.getRangeValues({ start: { sheet: id('Metrics'), col: 1, row: 37 }, end: { sheet: id('Metrics'), col: 3, row: 43 } });
    expect(block[0]).toEqual([null, 'optimum', 'today']);
    const d = block.find((r) => r[0] === 'price change')![1] as number;
    const q = simP.map((pi) => 1 / (1 + Math.exp(-(Math.log(pi / (1 - pi)) + 3 * Math.log1p(d)))));
    expect(kl.churnerTail(q, 8)).toBeCloseTo(0.001, 9);
    expect(block.find((r) => r[0] === 'binding constraint')![1]).toBe('churnersAtLeast');
  });
});
