export type { ChartOptions } from './types';
export { VEGA_LITE_SCHEMA, type VegaLiteSpec } from './spec';
export { histogramChart, type HistogramOptions } from './histogram';
export { gainsChart, liftChart } from './gains';
export { thresholdSweepChart, type ThresholdSweepOptions } from './thresholdSweep';
export { coefficientChart, type CoefficientChartOptions } from './coefficients';
export { rocChart, type RocChartOptions } from './roc';
export { calibrationChart } from './calibration';
