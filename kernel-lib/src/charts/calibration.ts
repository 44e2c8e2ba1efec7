import { CbmError } from '../errors';
import { DEFAULT_SQUARE_SIZE, REFERENCE_COLOR, REFERENCE_DASH, VEGA_LITE_SCHEMA, checkRows, isFiniteNumber, resolveOptions, type VegaLiteSpec } from './spec';
import type { CalibrationRow, ChartOptions } from './types';

const MODEL_LABEL = 'Model';
const PERFECT_LABEL = 'Perfect calibration';

/**
 * The calibration chart: the observed response rate against the mean predicted probability in each
 * score bin, points sized by the number of customers, next to the diagonal y = x of a perfectly
 * calibrated model, to check that predicted probabilities can be read as response rates.
 * Empty bins (and any bin with a non-finite mean) are left out. The points are not joined by a
 * line: a bin of two customers would pull such a line as far as a bin of two hundred, drawing a
 * zig-zag that reads as a pattern; the point sizes carry how much each bin counts.
 *
 * @example
 * const scores = [0.92, 0.81, 0.64, 0.55, 0.38, 0.27, 0.12, 0.05];
 * const responded = [1, 1, 0, 1, 0, 0, 0, 0];
 * calibrationChart(calibrationTable(scores, responded, { bins: 4 }))
 */
export function calibrationChart(rows: readonly CalibrationRow[], options?: ChartOptions): VegaLiteSpec {
  const context = 'calibrationChart';
  checkRows(context, rows);
  const resolved = resolveOptions(context, options, { title: 'Calibration', width: DEFAULT_SQUARE_SIZE, height: DEFAULT_SQUARE_SIZE });
  const values = rows
    .filter((row) => isFiniteNumber(row.count) && row.count > 0 && isFiniteNumber(row.meanPredicted) && isFiniteNumber(row.observedRate))
    .map((row) => ({ bin: row.bin, count: row.count, meanPredicted: row.meanPredicted, observedRate: row.observedRate }))
    .sort((a, b) => a.meanPredicted - b.meanPredicted);
  if (values.length === 0) {
    throw new CbmError('NON_FINITE', `${context}: rows must contain at least one bin with a positive count and finite meanPredicted and observedRate`);
  }

  // Response rates in direct marketing are often a few percent, so a fixed [0, 1] square would crowd
  // every point into a corner; both axes instead run from 0 to a round number above the data.
  const upper = niceCeiling(Math.max(...values.map((v) => Math.max(v.meanPredicted, v.observedRate))));
  const scale = { domain: [0, upper], nice: false };
  const x = { field: 'meanPredicted', type: 'quantitative' as const, title: 'Mean predicted probability', scale, axis: { format: '%' } };
  const y = { field: 'observedRate', type: 'quantitative' as const, title: 'Observed response rate', scale, axis: { format: '%' } };
  const color = { scale: { domain: [MODEL_LABEL, PERFECT_LABEL], range: ['#4c78a8', REFERENCE_COLOR] }, title: null };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: resolved.title,
    width: resolved.width,
    height: resolved.height,
    layer: [
      {
        data: {
          values: [
            { meanPredicted: 0, observedRate: 0 },
            { meanPredicted: upper, observedRate: upper },
          ],
        },
        mark: { type: 'line', strokeDash: REFERENCE_DASH },
        encoding: { x, y, color: { datum: PERFECT_LABEL, ...color } },
      },
      {
        data: { values },
        mark: { type: 'point', filled: true, opacity: 0.85, tooltip: { content: 'data' } },
        encoding: {
          x,
          y,
          // Area grows with the count; the floor keeps a bin of one or two customers visible.
          size: { field: 'count', type: 'quantitative', title: 'Customers in bin', scale: { range: [25, 700] } },
          color: { datum: MODEL_LABEL, ...color },
        },
      },
    ],
  };
}

/** The smallest of 1, 2, 5 or 10 times a power of ten that is at least `value`, capped at 1 for probabilities. */
function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((m) => m * power >= value * (1 - 1e-12)) ?? 10;
  return Math.min(1, Number((step * power).toPrecision(12)));
}
