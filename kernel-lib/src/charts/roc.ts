import {
  DEFAULT_SQUARE_SIZE,
  REFERENCE_COLOR,
  REFERENCE_DASH,
  VEGA_LITE_SCHEMA,
  checkChartOptions,
  checkRows,
  finiteField,
  isFiniteNumber,
  resolveOptions,
  type VegaLiteSpec,
} from './spec';
import type { OptionSchema } from '../options';
import type { ChartOptions, RocPoint } from './types';

export interface RocChartOptions extends ChartOptions {
  /** The area under the curve, shown in the default title. */
  auc?: number;
}

const ROC_OPTIONS: OptionSchema = { auc: { kind: 'number', min: 0, max: 1 } };

const MODEL_LABEL = 'Model';
const RANDOM_LABEL = 'Random classifier';

/**
 * The ROC curve: true against false positive rate over all score thresholds, with the diagonal of a
 * random classifier, to judge how well the scores separate responders from non-responders.
 *
 * @example
 * const scores = [0.92, 0.81, 0.64, 0.55, 0.38, 0.27, 0.12, 0.05];
 * const responded = [1, 1, 0, 1, 0, 0, 1, 0];
 * rocChart(rocCurve(scores, responded), { auc: auc(scores, responded) }) // title "ROC curve (AUC = 0.750)"
 */
export function rocChart(points: readonly RocPoint[], options: RocChartOptions = {}): VegaLiteSpec {
  const context = 'rocChart';
  checkRows(context, points, 'points');
  checkChartOptions(context, options, ROC_OPTIONS);
  const { auc } = options ?? {};
  const resolved = resolveOptions(
    context,
    options,
    {
      title: auc === undefined ? 'ROC curve' : `ROC curve (AUC = ${auc.toFixed(3)})`,
      width: DEFAULT_SQUARE_SIZE,
      height: DEFAULT_SQUARE_SIZE,
    },
    ROC_OPTIONS,
  );
  const values = points.map((point, i) => ({
    falsePositiveRate: finiteField(context, points, i, 'falsePositiveRate', { unitInterval: true, what: 'points' }),
    truePositiveRate: finiteField(context, points, i, 'truePositiveRate', { unitInterval: true, what: 'points' }),
    // The first threshold is often +Infinity (nothing selected), which JSON cannot carry.
    ...(isFiniteNumber(point.threshold) ? { threshold: point.threshold } : {}),
  }));
  // Ordered along the curve; ties in the false positive rate climb vertically.
  values.sort((a, b) => a.falsePositiveRate - b.falsePositiveRate || a.truePositiveRate - b.truePositiveRate);

  const x = { field: 'falsePositiveRate', type: 'quantitative' as const, title: 'False positive rate', scale: { domain: [0, 1] } };
  const y = { field: 'truePositiveRate', type: 'quantitative' as const, title: 'True positive rate', scale: { domain: [0, 1] } };
  const color = { scale: { domain: [MODEL_LABEL, RANDOM_LABEL], range: ['#4c78a8', REFERENCE_COLOR] }, title: null };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: resolved.title,
    width: resolved.width,
    height: resolved.height,
    layer: [
      {
        data: {
          values: [
            { falsePositiveRate: 0, truePositiveRate: 0 },
            { falsePositiveRate: 1, truePositiveRate: 1 },
          ],
        },
        mark: { type: 'line', strokeDash: REFERENCE_DASH },
        encoding: { x, y, color: { datum: RANDOM_LABEL, ...color } },
      },
      {
        data: { values },
        // A line is drawn in x order by default, which leaves ties (several points at one false positive
        // rate) in arbitrary order; order: false keeps the order sorted above. (An array of order fields
        // would say the same, but Vega-Lite 5.23 drops arrays on the order channel with a warning.)
        mark: { type: 'line', order: false, tooltip: true },
        encoding: { x, y, color: { datum: MODEL_LABEL, ...color } },
      },
    ],
  };
}
