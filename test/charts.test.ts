import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CbmError } from '../kernel-lib/src/errors';
import {
  VEGA_LITE_SCHEMA,
  calibrationChart,
  coefficientChart,
  gainsChart,
  histogramChart,
  liftChart,
  rocChart,
  thresholdSweepChart,
  type VegaLiteSpec,
} from '../kernel-lib/src/charts';
import type { CalibrationRow, CoefficientRow, GainsRow, RocPoint, SweepRow } from '../kernel-lib/src/index';
import { renderSvg } from '../kernel-lib/src/render';
import { revenueHistogramChart } from '../kernel-lib/src/simulate/charts';
import { simulateRevenue } from '../kernel-lib/src/simulate/revenue';
import { chartDefects } from './helpers/chart-check';

// ---------------------------------------------------------------------------------------------
// Fixtures: small hand-made tables of the shapes the evaluate module produces.
// ---------------------------------------------------------------------------------------------

/** A gains table of 1000 customers and 100 responders in ten deciles. */
function gainsRows(): GainsRow[] {
  const respondersPerDecile = [25, 18, 14, 11, 9, 7, 6, 5, 3, 2];
  const rows: GainsRow[] = [];
  let cumulativeCount = 0;
  let cumulativeResponders = 0;
  respondersPerDecile.forEach((responders, i) => {
    cumulativeCount += 100;
    cumulativeResponders += responders;
    rows.push({
      group: i + 1,
      count: 100,
      responders,
      responseRate: responders / 100,
      cumulativeCount,
      cumulativeResponders,
      cumulativeShareContacted: cumulativeCount / 1000,
      cumulativeShareOfResponders: cumulativeResponders / 100,
      lift: responders / 100 / 0.1,
      cumulativeLift: cumulativeResponders / cumulativeCount / 0.1,
      minScore: 0.9 - i / 10,
      maxScore: 1 - i / 10,
    });
  });
  return rows;
}

function sweepRows(): SweepRow[] {
  return [0, 0.2, 0.4, 0.6, 0.8, 1].map((threshold) => {
    const selected = Math.round(1000 * (1 - threshold));
    const nothing = selected === 0;
    return {
      threshold,
      selected,
      shareSelected: selected / 1000,
      responders: selected / 10,
      responseRate: nothing ? NaN : 0.1 + 0.2 * threshold,
      hitRate: 1 - threshold * threshold,
      lift: nothing ? NaN : 1 + 2 * threshold,
      roi: nothing ? NaN : 1.5 * threshold - 0.4,
    };
  });
}

function coefficientRows(): CoefficientRow[] {
  return [
    { term: '(Intercept)', estimate: -2.1, stdError: 0.1, z: -21, pValue: 0, ciLower: -2.3, ciUpper: -1.9, confidenceLevel: 0.95 },
    { term: 'recency', estimate: -0.4, stdError: 0.1, z: -4, pValue: 0.0001, ciLower: -0.6, ciUpper: -0.2, confidenceLevel: 0.95 },
    { term: 'age', estimate: 0.03, stdError: 0.01, z: 3, pValue: 0.003, ciLower: 0.01, ciUpper: 0.05, confidenceLevel: 0.95 },
    { term: 'genderM', estimate: 0.2, stdError: NaN, z: NaN, pValue: NaN, ciLower: NaN, ciUpper: NaN, confidenceLevel: 0.95 },
  ];
}

function rocPoints(): RocPoint[] {
  // Deliberately not in curve order, with a vertical step at fpr = 0.1 and the usual +Infinity threshold.
  return [
    { threshold: 0.5, falsePositiveRate: 0.4, truePositiveRate: 0.8 },
    { threshold: Infinity, falsePositiveRate: 0, truePositiveRate: 0 },
    { threshold: 0.8, falsePositiveRate: 0.1, truePositiveRate: 0.5 },
    { threshold: 0.9, falsePositiveRate: 0.1, truePositiveRate: 0.4 },
    { threshold: 0, falsePositiveRate: 1, truePositiveRate: 1 },
  ];
}

function calibrationRows(): CalibrationRow[] {
  return [
    { bin: 1, lower: 0, upper: 0.05, count: 300, meanPredicted: 0.02, observedRate: 0.025 },
    { bin: 2, lower: 0.05, upper: 0.1, count: 200, meanPredicted: 0.07, observedRate: 0.06 },
    { bin: 3, lower: 0.1, upper: 0.2, count: 0, meanPredicted: NaN, observedRate: NaN },
    { bin: 4, lower: 0.2, upper: 1, count: 50, meanPredicted: 0.13, observedRate: 0.15 },
  ];
}

/** Specs are plain JSON; reading them untyped keeps the assertions short. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const json = (spec: VegaLiteSpec): Json => spec;

/** A spec survives JSON unchanged: no NaN (which would turn into null), undefined or functions. */
function expectPlainJson(spec: VegaLiteSpec): void {
  expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
  expect(json(spec).$schema).toBe(VEGA_LITE_SCHEMA);
}

/** Asserts that `fn` throws a BAD_INPUT or NON_FINITE CbmError with exactly `message`. */
function expectError(fn: () => unknown, message: string, code: 'BAD_INPUT' | 'NON_FINITE' = 'BAD_INPUT'): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(CbmError);
  expect((thrown as CbmError).message).toBe(message);
  expect((thrown as CbmError).code).toBe(code);
}

// ---------------------------------------------------------------------------------------------
// Spec structure
// ---------------------------------------------------------------------------------------------

describe('histogramChart', () => {
  it('bins the finite values into a bar chart of counts', () => {
    const spec = histogramChart([1, 2, NaN, 3, Infinity, 2.5, -Infinity], { bins: 5, title: 'Ages', width: 200, height: 100 });
    expectPlainJson(spec);
    const s = json(spec);
    expect(s).toMatchObject({ title: 'Ages', width: 200, height: 100 });
    expect(s.mark.type).toBe('bar');
    expect(s.encoding.x).toMatchObject({ field: 'value', type: 'quantitative', bin: { maxbins: 5 }, title: 'value' });
    expect(s.encoding.y).toMatchObject({ aggregate: 'count', type: 'quantitative', title: 'Count' });
    expect(s.data.values).toEqual([{ value: 1 }, { value: 2 }, { value: 3 }, { value: 2.5 }]);
  });

  it('uses defaults: 20 bins, 480 × 300, a title naming the field', () => {
    const s = json(histogramChart(new Float64Array([0.1, 0.5, 0.9]), { field: 'score' }));
    expect(s).toMatchObject({ title: 'Distribution of score', width: 480, height: 300 });
    expect(s.encoding.x.bin).toEqual({ maxbins: 20 });
    expect(s.data.values).toEqual([{ score: 0.1 }, { score: 0.5 }, { score: 0.9 }]);
  });

  it('escapes field names that Vega would read as nested access', () => {
    const s = json(histogramChart([1, 2], { field: 'spend.total' }));
    expect(s.encoding.x.field).toBe('spend\\.total');
    expect(s.encoding.x.title).toBe('spend.total');
    expect(s.data.values).toEqual([{ 'spend.total': 1 }, { 'spend.total': 2 }]);
  });

  it('stacks the groups in each bin (no translucent overlap colour), dropping the labels of non-finite values', () => {
    const s = json(histogramChart([1, NaN, 3, 4], { groups: ['responder', 'non-responder', 'non-responder', 'responder'], groupField: 'responded' }));
    expect(s.title).toBe('Distribution of value by responded');
    expect(s.encoding.color).toMatchObject({ field: 'responded', type: 'nominal', title: 'responded' });
    expect(s.encoding.y.stack).toBe('zero');
    expect(s.mark.opacity).toBeUndefined();
    expect(s.data.values).toEqual([
      { value: 1, responded: 'responder' },
      { value: 3, responded: 'non-responder' },
      { value: 4, responded: 'responder' },
    ]);
  });

  it('rejects bad input with precise messages', () => {
    expectError(() => histogramChart([]), 'histogramChart: values must contain at least one finite number', 'NON_FINITE');
    expectError(() => histogramChart([NaN, Infinity]), 'histogramChart: values must contain at least one finite number', 'NON_FINITE');
    expectError(() => histogramChart(null as unknown as number[]), 'histogramChart: values must be an array of numbers, got null');
    expectError(() => histogramChart([1, 2], { bins: 0 }), 'histogramChart: bins must be a whole number ≥ 1 like 20, got 0');
    expectError(() => histogramChart([1, 2], { bins: 2.5 }), 'histogramChart: bins must be a whole number ≥ 1 like 20, got 2.5');
    expectError(() => histogramChart([1, 2], { groups: ['a'] }), 'histogramChart: groups must have one label per value (2), got 1');
    expectError(() => histogramChart([1, 2], { groups: ['a', null as unknown as string] }), 'histogramChart: groups[1] must be text or a finite number, got null');
    expectError(() => histogramChart([1], { groups: ['a'], field: 'group' }), 'histogramChart: groupField must differ from field, got "group" for both');
    expectError(() => histogramChart([1], { width: -5 }), 'histogramChart: width must be a finite number > 0 like 480, got -5');
    expectError(() => histogramChart([1], { title: 3 as unknown as string }), 'histogramChart: title must be text, got 3');
  });
});

describe('gainsChart', () => {
  it('draws the cumulative gains curve from the origin, in group order, with the random diagonal', () => {
    const rows = gainsRows();
    const spec = gainsChart([...rows].reverse());
    expectPlainJson(spec);
    const s = json(spec);
    expect(s).toMatchObject({ title: 'Cumulative gains', width: 360, height: 360 });
    const [diagonal, curve] = s.layer;
    expect(diagonal.mark).toMatchObject({ type: 'line', strokeDash: expect.any(Array) });
    expect(diagonal.data.values).toEqual([
      { shareContacted: 0, shareOfResponders: 0 },
      { shareContacted: 1, shareOfResponders: 1 },
    ]);
    expect(diagonal.encoding.color.datum).toBe('Random selection');
    expect(curve.mark).toMatchObject({ type: 'line', point: true });
    expect(curve.encoding.x).toMatchObject({ field: 'shareContacted', type: 'quantitative', title: 'Share of customers contacted' });
    expect(curve.encoding.y).toMatchObject({ field: 'shareOfResponders', type: 'quantitative', title: 'Share of responders captured' });
    expect(curve.encoding.color.datum).toBe('Model');
    expect(curve.data.values).toEqual([
      { group: 0, shareContacted: 0, shareOfResponders: 0 },
      ...rows.map((r) => ({ group: r.group, shareContacted: r.cumulativeShareContacted, shareOfResponders: r.cumulativeShareOfResponders })),
    ]);
  });

  it('takes title and size options', () => {
    expect(json(gainsChart(gainsRows(), { title: 'Gains, validation', width: 500, height: 400 }))).toMatchObject({ title: 'Gains, validation', width: 500, height: 400 });
  });

  it('rejects bad input with precise messages', () => {
    expectError(() => gainsChart([]), 'gainsChart: rows must contain at least one row');
    expectError(() => gainsChart({} as unknown as GainsRow[]), 'gainsChart: rows must be an array, got object');
    const rows = gainsRows();
    rows[3].cumulativeShareContacted = 1.2;
    expectError(() => gainsChart(rows), 'gainsChart: rows[3].cumulativeShareContacted must be in [0, 1], got 1.2');
    rows[3].cumulativeShareContacted = NaN;
    expectError(() => gainsChart(rows), 'gainsChart: rows[3].cumulativeShareContacted must be a finite number, got NaN', 'NON_FINITE');
    expectError(() => gainsChart(gainsRows(), { height: 0 }), 'gainsChart: height must be a finite number > 0 like 300, got 0');
  });
});

describe('liftChart', () => {
  it('draws lift bars, the cumulative lift line and the rule at 1, dropping non-finite lifts', () => {
    const rows = gainsRows();
    rows[9] = { ...rows[9], count: 0, responders: 0, responseRate: NaN, lift: NaN };
    const spec = liftChart(rows);
    expectPlainJson(spec);
    const s = json(spec);
    expect(s).toMatchObject({ title: 'Lift by decile', width: 480, height: 300 });
    expect(s.data.values).toHaveLength(10);
    expect(s.data.values[0]).toEqual({ group: 1, lift: 2.5, cumulativeLift: 2.5 });
    expect(s.data.values[9]).toEqual({ group: 10, cumulativeLift: rows[9].cumulativeLift });
    const [bars, line, rule] = s.layer;
    expect(bars.mark.type).toBe('bar');
    expect(bars.encoding.x).toMatchObject({ field: 'group', type: 'ordinal', title: 'Decile (1 = highest scores)' });
    expect(bars.encoding.y).toMatchObject({ field: 'lift', type: 'quantitative', title: 'Lift' });
    expect(line.mark).toMatchObject({ type: 'line', point: true });
    expect(line.encoding.y.field).toBe('cumulativeLift');
    expect(rule.mark.type).toBe('rule');
    expect(rule.encoding.y).toEqual({ datum: 1 });
  });

  it('says "group" instead of "decile" when there are not ten groups', () => {
    const s = json(liftChart(gainsRows().slice(0, 5)));
    expect(s.title).toBe('Lift by group');
    expect(s.layer[0].encoding.x.title).toBe('Group (1 = highest scores)');
  });

  it('rejects bad input with precise messages', () => {
    expectError(() => liftChart([]), 'liftChart: rows must contain at least one row');
    const noLift = gainsRows().map((r) => ({ ...r, lift: NaN, cumulativeLift: NaN }));
    expectError(() => liftChart(noLift), 'liftChart: rows must contain at least one finite lift or cumulativeLift', 'NON_FINITE');
  });
});

describe('thresholdSweepChart', () => {
  it('folds the rates into one line per metric and puts ROI in a second panel', () => {
    const rows = sweepRows();
    const spec = thresholdSweepChart(rows, { threshold: 0.8 });
    expectPlainJson(spec);
    const s = json(spec);
    expect(s.title).toBe('Threshold sweep');
    expect(s.resolve).toEqual({ scale: { x: 'shared' } });
    const [ratesPanel, roiPanel] = s.vconcat;
    expect(ratesPanel).toMatchObject({ width: 480, height: 300 });
    expect(roiPanel).toMatchObject({ width: 480, height: 150 });

    const [rates, thresholdRule, thresholdLabel] = ratesPanel.layer;
    expect(rates.mark.type).toBe('line');
    expect(rates.encoding.x).toMatchObject({ field: 'threshold', type: 'quantitative' });
    expect(rates.encoding.y).toMatchObject({ field: 'value', type: 'quantitative', scale: { domain: [0, 1] } });
    expect(rates.encoding.color).toMatchObject({ field: 'metric', type: 'nominal', scale: { domain: ['Response rate', 'Hit rate', 'Share selected'] } });
    // 6 thresholds × 3 metrics, less the response rate at threshold 1 where nothing is selected.
    expect(rates.data.values).toHaveLength(17);
    expect(rates.data.values).toContainEqual({ threshold: 0.2, metric: 'Hit rate', value: 0.96 });
    expect(rates.data.values).not.toContainEqual(expect.objectContaining({ threshold: 1, metric: 'Response rate' }));
    expect(thresholdRule.mark.type).toBe('rule');
    expect(thresholdRule.data.values).toEqual([{ threshold: 0.8 }]);
    expect(thresholdLabel.mark.type).toBe('text');
    expect(thresholdLabel.data.values).toEqual([{ threshold: 0.8, label: 'a = 0.8' }]);

    const roiLine = roiPanel.layer.find((layer: Json) => layer.encoding?.y?.field === 'roi');
    expect(roiLine.data.values).toEqual(rows.filter((r) => Number.isFinite(r.roi)).map((r) => ({ threshold: r.threshold, roi: r.roi })));
    expect(roiPanel.layer.filter((layer: Json) => layer.mark.type === 'rule')).toHaveLength(2); // break-even and threshold
  });

  it('leaves out the ROI panel, and the threshold rule, when there is nothing to draw', () => {
    const rows = sweepRows().map((r) => ({ ...r, roi: NaN }));
    const spec = thresholdSweepChart(rows, { title: 'No ROI' });
    expectPlainJson(spec);
    const s = json(spec);
    expect(s.vconcat).toBeUndefined();
    expect(s).toMatchObject({ title: 'No ROI', width: 480, height: 300 });
    expect(s.layer).toHaveLength(1);
  });

  it('keeps only the metrics that have finite values in the legend', () => {
    const rows = sweepRows().map((r) => ({ ...r, hitRate: NaN }));
    const s = json(thresholdSweepChart(rows));
    expect(s.vconcat[0].layer[0].encoding.color.scale.domain).toEqual(['Response rate', 'Share selected']);
  });

  it('rejects bad input with precise messages', () => {
    expectError(() => thresholdSweepChart([]), 'thresholdSweepChart: rows must contain at least one row');
    expectError(() => thresholdSweepChart(sweepRows(), { threshold: NaN }), 'thresholdSweepChart: threshold must be a finite number, got NaN');
    const rows = sweepRows();
    rows[2].threshold = NaN;
    expectError(() => thresholdSweepChart(rows), 'thresholdSweepChart: rows[2].threshold must be a finite number, got NaN', 'NON_FINITE');
    const empty = sweepRows().map((r) => ({ ...r, responseRate: NaN, hitRate: NaN, shareSelected: NaN }));
    expectError(() => thresholdSweepChart(empty), 'thresholdSweepChart: rows must contain at least one finite responseRate, hitRate or shareSelected', 'NON_FINITE');
  });
});

describe('coefficientChart', () => {
  it("labels the interval with the rows' confidence level (90% here), not a fixed 95%", () => {
    const s = json(coefficientChart(coefficientRows().map((r) => ({ ...r, confidenceLevel: 0.9 }))));
    expect(s.title).toBe('Coefficients with 90% confidence intervals');
    expect(JSON.stringify(s)).toContain('Estimate with 90% confidence interval');
    expect(JSON.stringify(s)).not.toContain('95%');
  });

  it('draws points with 95% error bars and a zero rule, terms in the given order, without the intercept', () => {
    const spec = coefficientChart(coefficientRows());
    expectPlainJson(spec);
    const s = json(spec);
    expect(s.title).toBe('Coefficients with 95% confidence intervals');
    expect(s.height).toEqual({ step: 24 });
    expect(s.data.values.map((v: Json) => v.term)).toEqual(['recency', 'age', 'genderM']);
    // Non-finite statistics are left out of the row instead of becoming null.
    expect(s.data.values[2]).toEqual({ term: 'genderM', estimate: 0.2 });
    const [zero, errorbar, points] = s.layer;
    expect(zero.mark.type).toBe('rule');
    expect(zero.encoding.x.datum).toBe(0);
    expect(errorbar.mark.type).toBe('errorbar');
    expect(errorbar.encoding.x.field).toBe('ciLower');
    expect(errorbar.encoding.x2.field).toBe('ciUpper');
    expect(points.mark.type).toBe('point');
    expect(points.encoding.x).toMatchObject({ field: 'estimate', type: 'quantitative' });
    for (const layer of [errorbar, points]) {
      expect(layer.encoding.y).toMatchObject({ field: 'term', type: 'nominal', sort: null, scale: { domain: ['recency', 'age', 'genderM'] } });
    }
  });

  it('includes the intercept on request, and takes a fixed height', () => {
    const s = json(coefficientChart(coefficientRows(), { includeIntercept: true, height: 200 }));
    expect(s.height).toBe(200);
    expect(s.layer[2].encoding.y.scale.domain).toEqual(['(Intercept)', 'recency', 'age', 'genderM']);
  });

  it('rejects bad input with precise messages', () => {
    expectError(() => coefficientChart([]), 'coefficientChart: rows must contain at least one row');
    const [intercept, recency] = coefficientRows();
    expectError(() => coefficientChart([intercept]), 'coefficientChart: no terms to plot besides the intercept; pass { includeIntercept: true } to plot it');
    expectError(() => coefficientChart([recency, recency]), 'coefficientChart: term "recency" appears more than once');
    expectError(() => coefficientChart([{ ...recency, estimate: NaN }]), 'coefficientChart: rows[0].estimate must be a finite number, got NaN', 'NON_FINITE');
    expectError(() => coefficientChart([{ ...recency, term: '' }]), 'coefficientChart: rows[0].term must be a non-empty string, got ""');
    expectError(
      () => coefficientChart([recency, { ...coefficientRows()[2], confidenceLevel: 0.9 }]),
      "coefficientChart: rows[1].confidenceLevel is 0.9 but rows[0]'s is 0.95; plot one model's intervals at a time",
    );
    expectError(() => coefficientChart([{ ...recency, confidenceLevel: 95 }]), 'coefficientChart: rows[0].confidenceLevel must be a number between 0 and 1 (e.g. 0.95), got 95');
    expectError(() => coefficientChart([recency], { includeIntercept: 'yes' as unknown as boolean }), 'coefficientChart: includeIntercept must be true or false, got "yes"');
  });
});

describe('rocChart', () => {
  it('draws the curve in curve order next to the diagonal, with the AUC in the title', () => {
    const spec = rocChart(rocPoints(), { auc: 0.81234 });
    expectPlainJson(spec);
    const s = json(spec);
    expect(s).toMatchObject({ title: 'ROC curve (AUC = 0.812)', width: 360, height: 360 });
    const [diagonal, curve] = s.layer;
    expect(diagonal.data.values).toEqual([
      { falsePositiveRate: 0, truePositiveRate: 0 },
      { falsePositiveRate: 1, truePositiveRate: 1 },
    ]);
    expect(curve.mark).toMatchObject({ type: 'line', order: false });
    expect(curve.encoding.x).toMatchObject({ field: 'falsePositiveRate', title: 'False positive rate' });
    expect(curve.encoding.y).toMatchObject({ field: 'truePositiveRate', title: 'True positive rate' });
    expect(curve.data.values).toEqual([
      { falsePositiveRate: 0, truePositiveRate: 0 }, // the +Infinity threshold is left out
      { falsePositiveRate: 0.1, truePositiveRate: 0.4, threshold: 0.9 },
      { falsePositiveRate: 0.1, truePositiveRate: 0.5, threshold: 0.8 },
      { falsePositiveRate: 0.4, truePositiveRate: 0.8, threshold: 0.5 },
      { falsePositiveRate: 1, truePositiveRate: 1, threshold: 0 },
    ]);
    expect(json(rocChart(rocPoints())).title).toBe('ROC curve');
  });

  it('rejects bad input with precise messages', () => {
    expectError(() => rocChart([]), 'rocChart: points must contain at least one row');
    expectError(() => rocChart(rocPoints(), { auc: 1.2 }), 'rocChart: auc must be a finite number from 0 to 1, got 1.2');
    const points = rocPoints();
    points[1].truePositiveRate = -0.5;
    expectError(() => rocChart(points), 'rocChart: points[1].truePositiveRate must be in [0, 1], got -0.5');
  });
});

describe('calibrationChart', () => {
  it('plots observed against predicted per non-empty bin, sized by count, with the diagonal', () => {
    const spec = calibrationChart(calibrationRows());
    expectPlainJson(spec);
    const s = json(spec);
    expect(s).toMatchObject({ title: 'Calibration', width: 360, height: 360 });
    // Two layers: the diagonal and the points; no line joins the bins (it would zig-zag through small ones).
    expect(s.layer).toHaveLength(2);
    const [diagonal, points] = s.layer;
    // The axes end at a round number above the largest rate (0.15 → 0.2), not at 1.
    expect(diagonal.data.values).toEqual([
      { meanPredicted: 0, observedRate: 0 },
      { meanPredicted: 0.2, observedRate: 0.2 },
    ]);
    expect(points.encoding.x).toMatchObject({ field: 'meanPredicted', scale: { domain: [0, 0.2] }, title: 'Mean predicted probability' });
    expect(points.encoding.y).toMatchObject({ field: 'observedRate', scale: { domain: [0, 0.2] }, title: 'Observed response rate' });
    expect(points.encoding.size).toMatchObject({ field: 'count', type: 'quantitative' });
    expect(points.mark.type).toBe('point');
    expect(points.data.values).toEqual([
      { bin: 1, count: 300, meanPredicted: 0.02, observedRate: 0.025 },
      { bin: 2, count: 200, meanPredicted: 0.07, observedRate: 0.06 },
      { bin: 4, count: 50, meanPredicted: 0.13, observedRate: 0.15 },
    ]);
  });

  it('caps the axes at 1', () => {
    const s = json(calibrationChart([{ bin: 1, lower: 0.5, upper: 1, count: 10, meanPredicted: 0.93, observedRate: 1 }]));
    expect(s.layer[0].data.values[1]).toEqual({ meanPredicted: 1, observedRate: 1 });
  });

  it('rejects bad input with precise messages', () => {
    expectError(() => calibrationChart([]), 'calibrationChart: rows must contain at least one row');
    const empty = calibrationRows().map((r) => ({ ...r, count: 0, meanPredicted: NaN, observedRate: NaN }));
    expectError(
      () => calibrationChart(empty),
      'calibrationChart: rows must contain at least one bin with a positive count and finite meanPredicted and observedRate',
      'NON_FINITE',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

describe('renderSvg', () => {
  const values = Array.from({ length: 300 }, (_, i) => Math.sin(i) * 10 + i / 30);
  const cases: { name: string; spec: () => VegaLiteSpec; texts: string[] }[] = [
    { name: 'histogram', spec: () => histogramChart(values, { field: 'spend.total' }), texts: ['Distribution of spend.total', 'spend.total', 'Count'] },
    {
      name: 'grouped histogram',
      spec: () => histogramChart(values, { field: 'score', groups: values.map((_, i) => (i % 3 ? 'non-responder' : 'responder')) }),
      texts: ['Distribution of score by group', 'responder', 'non-responder'],
    },
    { name: 'gains', spec: () => gainsChart(gainsRows()), texts: ['Cumulative gains', 'Share of customers contacted', 'Share of responders captured', 'Random selection'] },
    { name: 'lift', spec: () => liftChart(gainsRows()), texts: ['Lift by decile', 'Decile (1 = highest scores)', 'Cumulative lift'] },
    { name: 'threshold sweep', spec: () => thresholdSweepChart(sweepRows(), { threshold: 0.8 }), texts: ['Threshold sweep', 'Hit rate', 'ROI', 'a = 0.8'] },
    { name: 'coefficients', spec: () => coefficientChart(coefficientRows()), texts: ['Estimate with 95% confidence interval', 'recency', 'genderM'] },
    { name: 'ROC', spec: () => rocChart(rocPoints(), { auc: 0.8 }), texts: ['ROC curve (AUC = 0.800)', 'False positive rate', 'True positive rate'] },
    { name: 'calibration', spec: () => calibrationChart(calibrationRows()), texts: ['Calibration', 'Mean predicted probability', 'Observed response rate'] },
  ];

  let warn: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    warn = vi.spyOn(console, 'warn');
  });
  afterEach(() => {
    warn.mockRestore();
  });

  it.each(cases)('renders the $name chart to a deterministic SVG without warnings', async ({ spec, texts }) => {
    const first = await renderSvg(spec());
    const second = await renderSvg(spec());
    expect(first.startsWith('<svg')).toBe(true);
    expect(first.trimEnd().endsWith('</svg>')).toBe(true);
    for (const text of texts) expect(first).toContain(`>${text}</text>`);
    expect(second).toBe(first);
    // Vega-Lite reports dropped or ignored encodings through console.warn.
    expect(warn).not.toHaveBeenCalled();
  });

  it('gives the same bytes when renderings run concurrently', async () => {
    // Layered specs with explicit domains clip, and clip ids come from a process-wide counter.
    const spec = { ...json(gainsChart(gainsRows())), layer: json(gainsChart(gainsRows())).layer.map((l: Json) => ({ ...l, mark: { ...l.mark, clip: true } })) };
    const alone = await renderSvg(spec);
    expect(alone).toContain('clip-path="url(#clip1)"');
    const together = await Promise.all([renderSvg(spec), renderSvg(spec), renderSvg(histogramChart(values))]);
    expect(together[0]).toBe(alone);
    expect(together[1]).toBe(alone);
  });

  it('rejects what is not a valid Vega-Lite spec', async () => {
    await expect(renderSvg(null as unknown as object)).rejects.toThrow('renderSvg: spec must be a Vega-Lite spec object, got null');
    await expect(renderSvg([] as unknown as object)).rejects.toThrow('renderSvg: spec must be a Vega-Lite spec object, got an array');
    await expect(renderSvg({ $schema: VEGA_LITE_SCHEMA, mark: 'nonsense' })).rejects.toThrow(/^renderSvg: the spec is not valid Vega-Lite: /);
    // A failed rendering does not block the ones after it.
    expect((await renderSvg(gainsChart(gainsRows()))).startsWith('<svg')).toBe(true);
  });
});

describe('the chart check the notebook test applies (test/helpers/chart-check.ts)', () => {
  const rows = [
    { from: 0, to: 10, count: 3 },
    { from: 10, to: 20, count: 7 },
    { from: 20, to: 30, count: 1 },
  ];
  const unit = (mark: string, encoding: Json) => ({ $schema: VEGA_LITE_SCHEMA, data: { values: rows }, mark, encoding });
  const binned = { x: { field: 'from', type: 'quantitative' }, x2: { field: 'to' }, y: { field: 'count', type: 'quantitative' } };

  it('flags a bar with x and x2 but no y2 (the thin bands), and passes it with y2', async () => {
    expect((await chartDefects(unit('bar', binned))).join('\n')).toMatch(/ranged on x \(x, x2\) with a quantitative y but no y2/);
    expect(await chartDefects(unit('rect', { ...binned, y2: { datum: 0 } }))).toEqual([]);
  });

  it('flags a channel whose field was undefined, and a field no row carries', async () => {
    expect((await chartDefects(unit('point', { x: { field: undefined, type: 'quantitative' }, y: { field: 'count', type: 'quantitative' } }))).join('\n')).toMatch(
      /channel x has field undefined|channel x has no field, value or datum/,
    );
    expect((await chartDefects(unit('point', { x: { field: 'revenue', type: 'quantitative' }, y: { field: 'count', type: 'quantitative' } }))).join('\n')).toMatch(
      /no data row has the field "revenue"/,
    );
  });

  it('flags bars of zero area', async () => {
    const flat = {
      $schema: VEGA_LITE_SCHEMA,
      data: { values: rows.map((r) => ({ ...r, count: 0 })) },
      mark: 'bar',
      encoding: { x: { field: 'from', type: 'ordinal' }, y: { field: 'count', type: 'quantitative' } },
    };
    expect((await chartDefects(flat)).join('\n')).toMatch(/zero total area/);
  });

  it('passes revenueHistogramChart: each bin spans its edges and rises from zero to its count', async () => {
    const { summary } = simulateRevenue({ churnProbabilities: [0.2, 0.5, 0.7], revenues: [100, 250, 80], simulations: 1000, seed: 1 });
    const spec = json(revenueHistogramChart(summary));
    expect(await chartDefects(spec)).toEqual([]);
    expect(spec.encoding.y2).toEqual({ datum: 0 });
  });
});
