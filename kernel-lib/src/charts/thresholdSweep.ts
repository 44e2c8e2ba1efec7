import { CbmError } from '../errors';
import {
  DEFAULT_HEIGHT,
  DEFAULT_WIDTH,
  REFERENCE_COLOR,
  REFERENCE_DASH,
  VEGA_LITE_SCHEMA,
  checkRows,
  finiteField,
  isFiniteNumber,
  resolveOptions,
  type LayerView,
  type VegaLiteSpec,
} from './spec';
import type { OptionSchema } from '../options';
import type { ChartOptions, SweepRow } from './types';

export interface ThresholdSweepOptions extends ChartOptions {
  /** A chosen threshold a to mark with a vertical rule, e.g. 0.8. */
  threshold?: number;
}

const SWEEP_OPTIONS: OptionSchema = { threshold: { kind: 'number' } };

/** The rates drawn on the shared [0, 1] axis, in legend order. */
const RATE_METRICS = [
  { key: 'responseRate', label: 'Response rate' },
  { key: 'hitRate', label: 'Hit rate' },
  { key: 'shareSelected', label: 'Share selected' },
] as const;

const ROI_COLOR = '#54a24b';
const X_TITLE = 'Threshold a (select P > a)';

/**
 * Response rate, hit rate and share selected (top panel, all in [0, 1]) and ROI (bottom panel, on its
 * own scale) against the score threshold a, to choose the cut-off that trades reach against response.
 * Non-finite values are left out; the ROI panel is left out when no row has a finite ROI.
 *
 * @example
 * const scores = [0.92, 0.81, 0.64, 0.55, 0.38, 0.27, 0.12, 0.05];
 * const responded = [1, 1, 0, 1, 0, 0, 1, 0];
 * thresholdSweepChart(thresholdSweep(scores, responded, { profit: 60, cost: 20 }), { threshold: 0.8 })
 */
export function thresholdSweepChart(rows: readonly SweepRow[], options: ThresholdSweepOptions = {}): VegaLiteSpec {
  const context = 'thresholdSweepChart';
  checkRows(context, rows);
  const resolved = resolveOptions(context, options, { title: 'Threshold sweep', width: DEFAULT_WIDTH, height: DEFAULT_HEIGHT }, SWEEP_OPTIONS);
  const { threshold } = options ?? {};
  rows.forEach((_, i) => finiteField(context, rows, i, 'threshold'));

  // Long format (one row per threshold and metric), so that one line mark with a colour per metric
  // draws all rates; non-finite values are dropped because JSON would turn them into null.
  const rates = rows.flatMap((row) =>
    RATE_METRICS.filter(({ key }) => isFiniteNumber(row[key])).map(({ key, label }) => ({ threshold: row.threshold, metric: label, value: row[key] })),
  );
  if (rates.length === 0) throw new CbmError('NON_FINITE', `${context}: rows must contain at least one finite responseRate, hitRate or shareSelected`);
  const roi = rows.filter((row) => isFiniteNumber(row.roi)).map((row) => ({ threshold: row.threshold, roi: row.roi }));

  const x = { field: 'threshold', type: 'quantitative' as const, title: X_TITLE };
  const thresholdLayers: LayerView[] =
    threshold === undefined
      ? []
      : [
          {
            data: { values: [{ threshold }] },
            mark: { type: 'rule', color: REFERENCE_COLOR, strokeDash: REFERENCE_DASH },
            encoding: { x },
          },
          {
            data: { values: [{ threshold, label: `a = ${threshold}` }] },
            mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, dy: 4, y: 0, color: '#555555' },
            encoding: { x, text: { field: 'label', type: 'nominal' } },
          },
        ];

  const ratesPanel: { width: number; height: number; layer: LayerView[] } = {
    width: resolved.width,
    height: resolved.height,
    layer: [
      {
        data: { values: rates },
        mark: { type: 'line', point: true, tooltip: true },
        encoding: {
          x,
          y: { field: 'value', type: 'quantitative', title: 'Rate', scale: { domain: [0, 1] }, axis: { format: '%' } },
          color: {
            field: 'metric',
            type: 'nominal',
            title: null,
            scale: { domain: RATE_METRICS.map((m) => m.label).filter((label) => rates.some((r) => r.metric === label)) },
          },
        },
      },
      ...thresholdLayers,
    ],
  };
  if (roi.length === 0) {
    return { $schema: VEGA_LITE_SCHEMA, title: resolved.title, ...ratesPanel };
  }

  const roiPanel: { width: number; height: number; layer: LayerView[] } = {
    width: resolved.width,
    // ROI is a secondary read-out, so it gets a shorter panel below the rates.
    height: Math.round(resolved.height / 2),
    layer: [
      {
        // Break-even at ROI = 1 (response rate × B/F = 1): below this line the selection loses money.
        data: { values: [{}] },
        mark: { type: 'rule', color: REFERENCE_COLOR },
        encoding: { y: { datum: 1 } },
      },
      {
        data: { values: roi },
        mark: { type: 'line', point: true, tooltip: true },
        // A colour encoding rather than a mark colour, so that the points take it too.
        encoding: { x, y: { field: 'roi', type: 'quantitative', title: 'ROI' }, color: { value: ROI_COLOR } },
      },
      // The rule only: the rates panel above names it, and a label here would sit on the ROI line.
      ...thresholdLayers.slice(0, 1),
    ],
  };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: resolved.title,
    // Both panels read against the same thresholds, so they share the x scale.
    resolve: { scale: { x: 'shared' } },
    vconcat: [ratesPanel, roiPanel],
  };
}
