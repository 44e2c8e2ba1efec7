import { check } from '../errors';
import { DEFAULT_HEIGHT, DEFAULT_WIDTH, VEGA_LITE_SCHEMA, resolveOptions, type VegaLiteSpec } from '../charts/spec';
import type { ChartOptions } from '../charts/types';
import type { ChurnerCount, RevenueSummary } from './revenue';

/**
 * The distribution of the number of churners: the exact probabilities (churnerDistribution) as
 * bars, and the simulated shares (simulateRevenue's churnerHistogram) beside them when given, so
 * a reader sees the Monte Carlo agree with the exact answer.
 *
 * @example
 * const p = [0.66, 0.41, 0.51, 0.49, 0.69, 0.67, 0.76, 0.43, 0.57, 0.41];
 * const simulated = simulateRevenue({ churnProbabilities: p, revenues: p.map(() => 1), simulations: 1000, seed: 1 });
 * churnerDistributionChart(churnerDistribution(p), simulated.summary.churnerHistogram);
 */
export function churnerDistributionChart(exact: ArrayLike<number>, simulated?: readonly ChurnerCount[], options?: ChartOptions): VegaLiteSpec {
  const context = 'churnerDistributionChart';
  check(exact !== null && typeof exact === 'object' && typeof exact.length === 'number' && exact.length > 0, `${context}: exact must be the array churnerDistribution returns`);
  const rows: { churners: number; probability: number; source: string }[] = [];
  for (let k = 0; k < exact.length; k++) {
    check(Number.isFinite(exact[k]) && exact[k] >= 0, `${context}: exact[${k}] must be a probability`);
    rows.push({ churners: k, probability: exact[k], source: 'exact' });
  }
  if (simulated !== undefined) {
    check(Array.isArray(simulated), `${context}: simulated must be simulateRevenue's summary.churnerHistogram`);
    simulated.forEach((row, i) => {
      check(
        row !== null && typeof row === 'object' && Number.isInteger(row.churners) && Number.isFinite(row.share),
        `${context}: simulated[${i}] must be a { churners, share } row of summary.churnerHistogram`,
      );
      rows.push({ churners: row.churners, probability: row.share, source: 'simulated' });
    });
  }
  const resolved = resolveOptions(context, options, { title: 'Number of churners', width: DEFAULT_WIDTH, height: DEFAULT_HEIGHT });
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: resolved.title,
    width: resolved.width,
    height: resolved.height,
    data: { values: rows },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: 'churners', type: 'ordinal', title: 'churners' },
      xOffset: { field: 'source', type: 'nominal' },
      y: { field: 'probability', type: 'quantitative', title: 'probability' },
      color: { field: 'source', type: 'nominal', title: '' },
    },
  };
}

/**
 * The histogram of simulated total revenue from simulateRevenue's summary (its `totalHistogram`
 * bins), so the chart carries 30 bars instead of every simulated total.
 *
 * @example
 * const { summary } = simulateRevenue({ churnProbabilities: [0.2, 0.5, 0.7], revenues: [100, 250, 80], simulations: 1000, seed: 1 });
 * revenueHistogramChart(summary, { title: 'Total revenue, 1,000 simulated years' });
 */
export function revenueHistogramChart(summary: Pick<RevenueSummary, 'totalHistogram'>, options?: ChartOptions): VegaLiteSpec {
  const context = 'revenueHistogramChart';
  check(
    summary !== null && typeof summary === 'object' && Array.isArray(summary.totalHistogram) && summary.totalHistogram.length > 0,
    `${context}: give simulateRevenue's summary`,
  );
  const resolved = resolveOptions(context, options, { title: 'Simulated total revenue', width: DEFAULT_WIDTH, height: DEFAULT_HEIGHT });
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: resolved.title,
    width: resolved.width,
    height: resolved.height,
    data: { values: summary.totalHistogram.map((b) => ({ from: b.lower, to: b.upper, count: b.count, share: b.share })) },
    // A rect spans bin edge to bin edge (x, x2) and zero to the count (y, y2); a bar with x2 but
    // no y2 would draw each bin as a thin band at its count.
    mark: { type: 'rect', tooltip: true },
    encoding: {
      x: { field: 'from', type: 'quantitative', title: 'total revenue (currency units)', axis: { format: ',.0f' }, scale: { zero: false } },
      x2: { field: 'to' },
      y: { field: 'count', type: 'quantitative', title: 'simulated periods', scale: { zero: true, padding: 0 } },
      y2: { datum: 0 },
    },
  };
}
