/**
 * @cbm-kit/kernel-lib/charts – the library's charts as Vega-Lite 5 specifications: plain JSON,
 * no vega, browser-safe. A notebook renders them with `renderSvg` from the render entry; the
 * Excel task pane hands them to vega-embed. A separate entry so that the numeric root stays
 * within its size budget for browser and Excel bundles that draw nothing.
 *
 * @example
 * import { gainsTable } from '@cbm-kit/kernel-lib';
 * import { liftChart } from '@cbm-kit/kernel-lib/charts';
 * const spec = liftChart(gainsTable([0.9, 0.2, 0.7, 0.4], [1, 0, 1, 0], { groups: 2 }));
 */
export type { ChartOptions } from './types';
export { VEGA_LITE_SCHEMA, type VegaLiteSpec } from './spec';
export { histogramChart, type HistogramOptions } from './histogram';
export { gainsChart, liftChart } from './gains';
export { thresholdSweepChart, type ThresholdSweepOptions } from './thresholdSweep';
export { coefficientChart, type CoefficientChartOptions } from './coefficients';
export { rocChart, type RocChartOptions } from './roc';
export { calibrationChart } from './calibration';
export { driftChart } from './drift';
export { survivalChart, type SurvivalCurve } from './survival';
export { revenueTrendChart, churnByHorizonChart, priceScenarioChart, forecastChart } from './dashboard';
export { churnerDistributionChart, revenueHistogramChart } from '../simulate/charts';
export { priceCurveChart } from '../pricing/charts';
