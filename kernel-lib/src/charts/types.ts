/**
 * Row shapes the chart builders read. The evaluate module produces objects of exactly these
 * shapes, so they live here, free of any Vega import, for both sides to share.
 */

/** One score group of a gains table; group 1 holds the highest scores, shares are in [0, 1]. */
export interface GainsRow {
  group: number;
  count: number;
  responders: number;
  responseRate: number;
  cumulativeCount: number;
  cumulativeResponders: number;
  cumulativeShareContacted: number;
  cumulativeShareOfResponders: number;
  lift: number;
  cumulativeLift: number;
  minScore: number;
  maxScore: number;
}

/**
 * The outcome of selecting every customer whose score is above `threshold` (P > a).
 * `responseRate`, `lift` and `roi` may be NaN when nothing is selected or no break-even inputs were given.
 */
export interface SweepRow {
  threshold: number;
  selected: number;
  shareSelected: number;
  responders: number;
  responseRate: number;
  hitRate: number;
  lift: number;
  roi: number;
}

/** One term of a fitted model with its Wald statistics and 95% confidence interval. */
export interface CoefficientRow {
  term: string;
  estimate: number;
  stdError: number;
  z: number;
  pValue: number;
  ciLower: number;
  ciUpper: number;
}

/** One point of an ROC curve: the rates reached by classifying scores >= threshold as positive. */
export interface RocPoint {
  threshold: number;
  falsePositiveRate: number;
  truePositiveRate: number;
}

/** One bin of a calibration table; bins with count 0 carry NaN means. */
export interface CalibrationRow {
  bin: number;
  lower: number;
  upper: number;
  count: number;
  meanPredicted: number;
  observedRate: number;
}

/** Options every chart accepts: a title replacing the default one, and the plot size in pixels. */
export interface ChartOptions {
  title?: string;
  width?: number;
  height?: number;
}
