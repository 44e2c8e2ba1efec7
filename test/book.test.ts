/**
 * The book's worked figures (chapter 22; tables 10.3 and 10.4), rebuilt as score/actual vectors
 * from the printed confusion counts. Independent source: the book's tables.
 *   Training (table 10.3): 100 customers, 22 with P > 0.8 of whom 18 responded; 60 correctly
 *   not selected; 36 responders in all.
 *   Validation (table 10.4): 50 customers, 8 selected of whom 5 responded; 32 correctly not
 *   selected; 15 responders in all (30%).
 */
import { describe, expect, it } from 'vitest';
import { confusion, hitRate, lift, responseRate, roi, minMaxScaler, baseRate } from '../kernel-lib/src/index';

/** Scores and outcomes with the given cells: selected rows score above a, the rest below. */
function fromTable(cells: { tp: number; fp: number; fn: number; tn: number }, threshold = 0.8) {
  const scores: number[] = [];
  const actual: number[] = [];
  const push = (count: number, selected: boolean, responded: number) => {
    for (let k = 0; k < count; k++) {
      // Spread the scores so the vectors are not degenerate; all stay on their side of a.
      scores.push(selected ? threshold + 0.01 + (0.18 * k) / Math.max(1, count) : 0.05 + (0.7 * k) / Math.max(1, count));
      actual.push(responded);
    }
  };
  push(cells.tp, true, 1);
  push(cells.fp, true, 0);
  push(cells.fn, false, 1);
  push(cells.tn, false, 0);
  return { scores, actual };
}

describe('book table 10.3 (training, a = 0.8)', () => {
  const { scores, actual } = fromTable({ tp: 18, fp: 4, fn: 18, tn: 60 });
  it('reproduces the confusion table', () => {
    expect(confusion(scores, actual, 0.8)).toMatchObject({ n: 100, selected: 22, truePositives: 18, falsePositives: 4, trueNegatives: 60, falseNegatives: 18, responders: 36 });
  });
  it('response rate 18/22 = 82%, hit rate (18 + 60)/100 = 78%, base rate 36%', () => {
    expect(responseRate(scores, actual, 0.8)).toBeCloseTo(18 / 22, 12);
    expect(Math.round(responseRate(scores, actual, 0.8) * 100)).toBe(82);
    expect(hitRate(scores, actual, 0.8)).toBeCloseTo(0.78, 12);
    expect(baseRate(actual)).toBeCloseTo(0.36, 12);
  });
  it('lift (18/22)/0.36 = 2.27; the book rounds first (82%/36% = 2.28)', () => {
    expect(lift(scores, actual, 0.8)).toBeCloseTo(2.2727, 4);
    expect(Math.round(lift(scores, actual, 0.8) * 100) / 100).toBe(2.27);
    expect(Math.round((0.82 / 0.36) * 100) / 100).toBe(2.28);
  });
  it('ROI = response rate × B / F, ≥ 1 exactly when the response rate reaches F/B', () => {
    expect(roi(scores, actual, 0.8, { profit: 50, cost: 10 })).toBeCloseTo((18 / 22) * 5, 12);
    expect(roi(scores, actual, 0.8, { profit: 22, cost: 18 })).toBeCloseTo(1, 12);
  });
});

describe('book table 10.4 (validation, a = 0.8)', () => {
  const { scores, actual } = fromTable({ tp: 5, fp: 3, fn: 10, tn: 32 });
  it('5 of 8 selected responded: 62.5% (the book prints 67.5%, an arithmetic slip)', () => {
    expect(confusion(scores, actual, 0.8)).toMatchObject({ n: 50, selected: 8, truePositives: 5, trueNegatives: 32, responders: 15 });
    expect(responseRate(scores, actual, 0.8)).toBe(0.625);
  });
  it('hit rate (32 + 5)/50 = 74%, overall rate 30%', () => {
    expect(hitRate(scores, actual, 0.8)).toBeCloseTo(0.74, 12);
    expect(baseRate(actual)).toBeCloseTo(0.3, 12);
  });
  it('lift 0.625/0.30 = 2.08 (the book’s 2.25 follows from its 67.5%)', () => {
    expect(lift(scores, actual, 0.8)).toBeCloseTo(0.625 / 0.3, 12);
    expect(Math.round(lift(scores, actual, 0.8) * 100) / 100).toBe(2.08);
  });
});

describe('book: min–max normalisation', () => {
  it('age 26 with ages 18–47 on file scales to (26 − 18)/(47 − 18) = 0.276', () => {
    const scaler = minMaxScaler({ age: [18, 30, 47, 26] }, ['age']);
    expect(scaler.scaleValue('age', 26)).toBeCloseTo(8 / 29, 14);
    expect(Math.round(scaler.scaleValue('age', 26) * 1000) / 1000).toBe(0.276);
  });
});

describe('P > a selects strictly', () => {
  it('a customer exactly at the threshold is not selected', () => {
    expect(confusion([0.8, 0.81], [1, 1], 0.8).selected).toBe(1);
  });
});
