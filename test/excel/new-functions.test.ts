// CBM.AUC, ROC, SWEEP, BREAKEVEN and CALIBRATION are thin adapters: on the bank-card training
// customers they give kernel-lib's auc, rocCurve, thresholdSweep, breakEvenThreshold and
// calibrationTable exactly, with a header row. Independent anchors: the AUC as the
// Mann–Whitney share of (responder, non-responder) pairs counted by brute force, and the
// break-even response rate F / B of the book.
import { describe, expect, it } from 'vitest';
import * as kl from '../../kernel-lib/src/index';
import * as A from '../../excel-addin/src/functions/adapters';
import { describeFailure } from '../../excel-addin/src/functions/excelErrors';
import { modelFromCells } from '../../excel-addin/src/functions/modelTable';
import { bankCardSheet } from './bankcardSheet';

const sheet = bankCardSheet();
const model = modelFromCells(A.fit(sheet.trainRange, sheet.formula, 'stepwise-free', sheet.scaleRanges, sheet.encode));
const p = model.predict(sheet.validation);
const y = sheet.validation.map((r) => r.responded as number);
const col = (xs: ArrayLike<unknown>) => Array.from(xs, (x) => [x]);
const blankIfInfinite = (x: number) => (Number.isFinite(x) ? x : '');

describe('CBM.AUC', () => {
  it("equals kernel-lib's auc and the brute-force pair count", () => {
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < p.length; i++)
      for (let j = 0; j < p.length; j++)
        if (y[i] === 1 && y[j] === 0) {
          pairs++;
          wins += p[i] > p[j] ? 1 : p[i] === p[j] ? 0.5 : 0;
        }
    expect(A.aucOf(col(p), col(y))).toBe(kl.auc(p, y));
    expect(A.aucOf(col(p), col(y))).toBeCloseTo(wins / pairs, 14);
  });
  it('is #N/A with one outcome only', () => {
    try {
      A.aucOf(col([0.2, 0.4]), col([1, 1]));
      throw new Error('no failure');
    } catch (e) {
      expect(describeFailure('AUC', e).code).toBe('#N/A');
    }
  });
});

describe('CBM.ROC, SWEEP, CALIBRATION and BREAKEVEN spill kernel-lib with a header row', () => {
  it('ROC', () => {
    const cells = A.roc(col(p), col(y));
    expect(cells[0]).toEqual(A.ROC_HEADER);
    expect(cells.slice(1)).toEqual(kl.rocCurve(p, y).map((r) => [blankIfInfinite(r.threshold), r.truePositiveRate, r.falsePositiveRate]));
  });
  it('SWEEP, with and without profit and cost', () => {
    const cells = A.sweep(col(p), col(y), 0.1, 60, 20);
    expect(cells[0]).toEqual(A.SWEEP_HEADER);
    const thresholds = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
    const reference = kl.thresholdSweep(p, y, { thresholds, profit: 60, cost: 20 });
    expect(cells.slice(1)).toEqual(reference.map((r) => [r.threshold, r.selected, blankIfInfinite(r.responseRate), r.hitRate, blankIfInfinite(r.lift), blankIfInfinite(r.roi)]));
    const plain = A.sweep(col(p), col(y));
    expect(plain.length).toBe(21);
    expect(plain.slice(1).every((r) => r[5] === '')).toBe(true);
    expect(plain[4][0]).toBe(0.15);
  });
  it('CALIBRATION', () => {
    const cells = A.calibration(col(p), col(y), 5);
    expect(cells[0]).toEqual(A.CALIBRATION_HEADER);
    expect(cells.slice(1)).toEqual(kl.calibrationTable(p, y, { bins: 5 }).map((r) => [r.bin, blankIfInfinite(r.meanPredicted), blankIfInfinite(r.observedRate), r.count]));
  });
  it('BREAKEVEN: F / B alone, the threshold with scores', () => {
    expect(A.breakEven(60, 20)).toEqual([[1 / 3]]);
    const best = kl.breakEvenThreshold(p, y, { profit: 60, cost: 20 })!;
    const cells = A.breakEven(60, 20, col(p), col(y));
    expect(cells).toEqual([
      ['break-even response rate', 1 / 3],
      ['threshold', best.threshold],
      ['selected', best.selected],
      ['response rate', best.responseRate],
      ['ROI', best.roi],
    ]);
  });
  it('refuse scores outside [0, 1] and a negative profit, as #VALUE!', () => {
    for (const work of [() => A.roc(col([50, 0.2]), col([1, 0])), () => A.sweep(col([0.5, -1]), col([1, 0])), () => A.breakEven(-60, 20)]) {
      try {
        work();
        throw new Error('no failure');
      } catch (e) {
        expect(describeFailure('X', e).code).toBe('#VALUE!');
      }
    }
  });
});
