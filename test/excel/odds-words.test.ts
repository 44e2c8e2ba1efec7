// The task pane's odds ratios in raw units (builder.ts, oddsRatioWords): for a min–max scaled
// column the model's coefficient β is per (x − min)/(max − min), so the odds ratio per +step of
// raw x is exp(β·step/(max − min)) — the closed form the words must carry; an encoded M=1/F=0
// column gives exp(β) for M against F; an interaction says it has no single odds ratio. The
// words are the marketer's: "each +1,000 of income multiplies the odds of responding by 1.08".
import { describe, expect, it } from 'vitest';
import * as kl from '../../kernel-lib/src/index';
import { oddsRatioWords } from '../../excel-addin/src/taskpane/builder';
import { bankCardSheet } from './bankcardSheet';

const sheet = bankCardSheet();
const shown = (text: string) => Number(/ by ([0-9.e+-]+)$/.exec(text)![1]);

describe('odds ratios in plain words', () => {
  const prepare = kl.fitPreparation(sheet.rows, { encode: { gender: { M: 1, F: 0 } }, scale: ['income', 'age'] });
  const model = kl.fitLogit(sheet.train, 'responded ~ gender + income + age', { prepare });
  const words = oddsRatioWords(model);
  const incomes = sheet.rows.map((r) => r.income as number);
  const range = Math.max(...incomes) - Math.min(...incomes);
  const j = (name: string) => model.names.indexOf(name);
  it('per +1,000 of income, unscaled', () => {
    const expected = Math.exp((model.coefficients[j('income')] * 1000) / range);
    expect(words[j('income')]).toMatch(/^each \+1,000 of income multiplies the odds of responding by [0-9.e+-]+$/);
    expect(Math.abs(shown(words[j('income')]) / expected - 1)).toBeLessThan(5e-3); // three significant digits
  });
  it('gender M against F, and nothing for the intercept', () => {
    expect(words[j('gender')]).toMatch(/^gender M rather than F multiplies the odds of responding by [0-9.e+-]+$/);
    expect(Math.abs(shown(words[j('gender')]) / Math.exp(model.coefficients[j('gender')]) - 1)).toBeLessThan(5e-3);
    expect(words[0]).toBe('');
  });
  it('names an outcome that is not a past-tense verb as "= 1"', () => {
    const rows = sheet.train.map((r) => ({ ...r, response: r.responded }));
    const m = kl.fitLogit(rows, 'response ~ gender + income', { prepare });
    expect(oddsRatioWords(m)[m.names.indexOf('income')]).toMatch(/multiplies the odds of response = 1 by /);
  });
  it('an interaction has no single odds ratio', () => {
    const m = kl.fitLogit(sheet.train, 'responded ~ gender + income + gender:income', { prepare });
    expect(oddsRatioWords(m)[m.names.indexOf('gender:income')]).toMatch(/^gender:income is an interaction/);
  });
});
