import { check } from '../errors';
import { DEFAULT_WIDTH, REFERENCE_COLOR, REFERENCE_DASH, VEGA_LITE_SCHEMA, resolveOptions, type VegaLiteSpec } from '../charts/spec';
import type { ChartOptions } from '../charts/types';
import type { OptimizePriceResult } from './optimize';

/**
 * What a price change does: expected revenue (or margin) and the churn risk along optimizePrice's
 * grid, infeasible price changes greyed, the chosen price change marked. The churn panel shows
 * P(at least count churners) when the search had that constraint, else the expected churn rate.
 *
 * @example
 * const result = optimizePrice({
 *   churnProbabilities: [0.3, 0.5], revenues: [100, 200], priceResponse: { logitSlope: 2 },
 *   bounds: [-0.2, 0.2], simulations: 0,
 * });
 * priceCurveChart(result);
 */
export function priceCurveChart(result: OptimizePriceResult, options?: ChartOptions): VegaLiteSpec {
  const context = 'priceCurveChart';
  check(result !== null && typeof result === 'object' && Array.isArray(result.curve), `${context}: give the result of optimizePrice`);
  const tail = result.curve.some((p) => p.tailProbability !== null);
  const money = result.objective === 'margin' ? 'expected margin' : 'expected revenue';
  const rows = result.curve.map((p) => ({
    'price change': p.priceChange,
    [money]: result.objective === 'margin' ? p.expectedMargin : p.expectedRevenue,
    risk: tail ? p.tailProbability : p.expectedChurnRate,
    feasible: p.feasible ? 'feasible' : 'infeasible',
  }));
  const resolved = resolveOptions(context, options, {
    title: `${result.name ? `${result.name}: ` : ''}${money} and churn risk by price change`,
    width: DEFAULT_WIDTH,
    height: 200,
  });
  const riskTitle = tail ? 'P(churners ≥ k)' : 'expected churn rate';
  const rule = {
    mark: { type: 'rule' as const, color: REFERENCE_COLOR, strokeDash: REFERENCE_DASH },
    data: { values: [{ 'price change': result.priceChange }] },
    encoding: { x: { field: 'price change', type: 'quantitative' as const } },
  };
  const panel = (field: string, title: string, format?: string) => ({
    width: resolved.width,
    height: resolved.height,
    layer: [
      {
        data: { values: rows },
        mark: { type: 'line' as const, point: true, tooltip: true },
        encoding: {
          x: { field: 'price change', type: 'quantitative' as const, axis: { format: '%' }, title: 'price change' },
          y: { field, type: 'quantitative' as const, title, scale: { zero: false }, ...(format ? { axis: { format } } : {}) },
          color: { field: 'feasible', type: 'nominal' as const, title: '', scale: { domain: ['feasible', 'infeasible'], range: ['#1f77b4', '#bbbbbb'] } },
        },
      },
      rule,
    ],
  });
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: resolved.title,
    // The data carry no currency: amounts are in the currency units of the revenues given.
    vconcat: [panel(money, `${money} (currency units)`, ',.0f'), panel('risk', riskTitle)],
  };
}
