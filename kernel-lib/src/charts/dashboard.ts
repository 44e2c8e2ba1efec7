import { check } from '../errors';
import {
  DEFAULT_HEIGHT,
  DEFAULT_WIDTH,
  REFERENCE_COLOR,
  REFERENCE_DASH,
  VEGA_LITE_SCHEMA,
  checkChartOptions,
  checkRows,
  finiteField,
  resolveOptions,
  type VegaLiteSpec,
} from './spec';
import type { ChartOptions } from './types';
import type { OptionSchema } from '../options';

const FORECAST_OPTIONS: OptionSchema = {
  // Each marker is checked where it is drawn (a label and a finite value).
  markers: { kind: 'list' },
  field: { kind: 'text' },
};

/**
 * Revenue by month, one line per product (or any group): the dashboard's view of where the
 * money comes from and how it moves. `month` is a date 'YYYY-MM-DD' (or a Date).
 *
 * @example
 * revenueTrendChart([{ month: '2025-01-01', group: 'A', revenue: 1200 }, { month: '2025-02-01', group: 'A', revenue: 1250 }])
 */
export function revenueTrendChart(rows: readonly { month: string | Date; group: string; revenue: number }[], options?: ChartOptions): VegaLiteSpec {
  const context = 'revenueTrendChart';
  checkRows(context, rows);
  const values = rows.map((r, i) => ({
    month: r.month instanceof Date ? r.month.toISOString().slice(0, 10) : String(r.month),
    group: String(r.group),
    revenue: finiteField(context, rows, i, 'revenue'),
  }));
  const resolved = resolveOptions(context, options, { title: 'Revenue by month', width: DEFAULT_WIDTH, height: DEFAULT_HEIGHT });
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: resolved.title,
    width: resolved.width,
    height: resolved.height,
    data: { values },
    mark: { type: 'line', point: true, tooltip: true },
    encoding: {
      x: { field: 'month', type: 'temporal', timeUnit: 'yearmonth', title: 'Month' },
      y: { field: 'revenue', type: 'quantitative', title: 'Revenue (currency units)', axis: { format: ',.0f' } },
      color: { field: 'group', type: 'nominal', title: null },
    },
  };
}

/**
 * Churn rate by group (segment) and outcome window: grouped bars, one group of bars per
 * segment and one bar per horizon, so short- and long-horizon churn can be read side by side.
 *
 * @example
 * churnByHorizonChart([{ group: 'consumer', horizonDays: 21, churnRate: 0.01 }, { group: 'consumer', horizonDays: 365, churnRate: 0.25 }])
 */
export function churnByHorizonChart(rows: readonly { group: string; horizonDays: number; churnRate: number }[], options?: ChartOptions): VegaLiteSpec {
  const context = 'churnByHorizonChart';
  checkRows(context, rows);
  const values = rows.map((r, i) => ({
    group: String(r.group),
    horizon: `${finiteField(context, rows, i, 'horizonDays')} days`,
    days: r.horizonDays,
    churnRate: finiteField(context, rows, i, 'churnRate'),
  }));
  const resolved = resolveOptions(context, options, { title: 'Churn rate by segment and horizon', width: DEFAULT_WIDTH, height: DEFAULT_HEIGHT });
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: resolved.title,
    width: resolved.width,
    height: resolved.height,
    data: { values },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: 'group', type: 'nominal', title: null, axis: { labelAngle: 0 } },
      xOffset: { field: 'horizon', sort: { field: 'days' } },
      y: { field: 'churnRate', type: 'quantitative', title: 'Churn rate', axis: { format: '%' } },
      color: { field: 'horizon', type: 'nominal', title: 'Within', sort: { field: 'days' } },
    },
  };
}

/**
 * Price scenarios: expected revenue against the relative price change, one line per product,
 * with today's price (d = 0) as a dashed rule and each product's chosen price as a point.
 *
 * @example
 * priceScenarioChart([{ name: 'A', curve: [{ priceChange: -0.1, expectedRevenue: 90 }, { priceChange: 0, expectedRevenue: 100 }, { priceChange: 0.1, expectedRevenue: 104 }], chosen: 0.1 }])
 */
export function priceScenarioChart(
  products: readonly { name: string; curve: readonly { priceChange: number; expectedRevenue: number }[]; chosen?: number }[],
  options?: ChartOptions,
): VegaLiteSpec {
  const context = 'priceScenarioChart';
  checkRows(context, products, 'products');
  const lines: { product: string; priceChange: number; expectedRevenue: number }[] = [];
  const chosen: { product: string; priceChange: number; expectedRevenue: number }[] = [];
  for (const [k, p] of products.entries()) {
    check(
      p !== null && typeof p === 'object' && typeof p.name === 'string' && Array.isArray(p.curve) && p.curve.length > 1,
      `${context}: products[${k}] needs a name and a curve of at least two points`,
    );
    checkRows(context, p.curve, `products[${k}].curve`);
    for (let j = 0; j < p.curve.length; j++) {
      finiteField(context, p.curve, j, 'priceChange', { what: `products[${k}].curve` });
      finiteField(context, p.curve, j, 'expectedRevenue', { what: `products[${k}].curve` });
    }
    const curve = [...p.curve].sort((a, b) => a.priceChange - b.priceChange);
    for (const point of curve) lines.push({ product: p.name, priceChange: point.priceChange, expectedRevenue: point.expectedRevenue });
    if (p.chosen !== undefined) {
      const d = finiteField(context, products, k, 'chosen', { what: 'products' });
      // The chosen point's revenue, interpolated on the curve (the optimiser's point lies between grid points).
      let r = curve[curve.length - 1].expectedRevenue;
      for (let i = 1; i < curve.length; i++) {
        if (d <= curve[i].priceChange) {
          const a = curve[i - 1];
          const b = curve[i];
          r = a.expectedRevenue + ((d - a.priceChange) / (b.priceChange - a.priceChange || 1)) * (b.expectedRevenue - a.expectedRevenue);
          break;
        }
      }
      chosen.push({ product: p.name, priceChange: d, expectedRevenue: r });
    }
  }
  const resolved = resolveOptions(context, options, { title: 'Expected revenue by price change', width: DEFAULT_WIDTH, height: DEFAULT_HEIGHT });
  const x = { field: 'priceChange', type: 'quantitative' as const, title: 'Price change', axis: { format: '+%' } };
  const y = { field: 'expectedRevenue', type: 'quantitative' as const, title: 'Expected revenue (currency units)', scale: { zero: false }, axis: { format: ',.0f' } };
  const color = { field: 'product', type: 'nominal' as const, title: null };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: resolved.title,
    width: resolved.width,
    height: resolved.height,
    layer: [
      {
        data: { values: [{ priceChange: 0 }] },
        mark: { type: 'rule', color: REFERENCE_COLOR, strokeDash: REFERENCE_DASH },
        encoding: { x: { field: 'priceChange', type: 'quantitative' } },
      },
      { data: { values: lines }, mark: { type: 'line' }, encoding: { x, y, color } },
      ...(chosen.length ? [{ data: { values: chosen }, mark: { type: 'point' as const, filled: true, size: 90, tooltip: true }, encoding: { x, y, color } }] : []),
    ],
  };
}

/**
 * A forecast distribution from pre-binned counts (e.g. `simulateRevenue(...).summary.totalHistogram`):
 * bars over [lower, upper) with dashed rules at chosen quantiles (e.g. the 5 %, 50 % and 95 %
 * points), so the interval a manager plans with is read straight off the chart, and the spec stays
 * small however many simulations were drawn.
 *
 * @example
 * forecastChart([{ lower: 90, upper: 100, count: 3 }, { lower: 100, upper: 110, count: 5 }], { markers: [{ label: 'median', value: 101 }] })
 */
export function forecastChart(
  bins: readonly { lower: number; upper: number; count: number }[],
  options: ChartOptions & { markers?: readonly { label: string; value: number }[]; field?: string } = {},
): VegaLiteSpec {
  const context = 'forecastChart';
  checkRows(context, bins, 'bins');
  checkChartOptions(context, options, FORECAST_OPTIONS);
  const { markers = [], field = 'Revenue' } = options ?? {};
  const values = bins.map((_, i) => ({
    lower: finiteField(context, bins, i, 'lower', { what: 'bins' }),
    upper: finiteField(context, bins, i, 'upper', { what: 'bins' }),
    count: finiteField(context, bins, i, 'count', { what: 'bins' }),
  }));
  // An empty list is allowed (no rules); otherwise every marker must be an object.
  if (markers.length !== 0) checkRows(context, markers, 'markers');
  const rules = markers.map((m, i) => ({ label: String(m.label), value: finiteField(context, markers, i, 'value', { what: 'markers' }) }));
  const resolved = resolveOptions(
    context,
    options,
    {
      title: `Distribution of ${field}`,
      width: DEFAULT_WIDTH,
      height: DEFAULT_HEIGHT,
    },
    FORECAST_OPTIONS,
  );
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: resolved.title,
    width: resolved.width,
    height: resolved.height,
    layer: [
      {
        data: { values },
        mark: { type: 'rect', tooltip: true, color: '#4c78a8', opacity: 0.8 },
        encoding: {
          x: { field: 'lower', type: 'quantitative', title: field, axis: { format: ',.0f' }, scale: { zero: false } },
          x2: { field: 'upper' },
          y: { field: 'count', type: 'quantitative', title: 'Simulations' },
          y2: { datum: 0 },
        },
      },
      ...(rules.length
        ? [
            {
              data: { values: rules },
              mark: { type: 'rule' as const, color: REFERENCE_COLOR, strokeDash: REFERENCE_DASH },
              encoding: { x: { field: 'value', type: 'quantitative' as const } },
            },
            {
              data: { values: rules },
              mark: { type: 'text' as const, align: 'left' as const, dx: 3, dy: -4, baseline: 'bottom' as const },
              encoding: { x: { field: 'value', type: 'quantitative' as const }, y: { value: 0 }, text: { field: 'label', type: 'nominal' as const } },
            },
          ]
        : []),
    ],
  };
}
