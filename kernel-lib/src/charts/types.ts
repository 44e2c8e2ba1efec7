/**
 * The row shapes the chart builders read are defined beside the maths that produces them
 * (evaluate/, model/); charts import them, never the other way round. Re-exported here for
 * the chart modules' convenience.
 */
export type { GainsRow, RocPoint, CalibrationRow } from '../evaluate/ranking';
export type { SweepRow } from '../evaluate/metrics';
export type { CoefficientRow } from '../model/logit';

/** Options every chart accepts: a title replacing the default one, and the plot size in pixels. */
export interface ChartOptions {
  title?: string;
  width?: number;
  height?: number;
}
