import { CbmError, check } from '../errors';
import { checkOptionSchema } from '../options';
import { checkScored, rankScores, type Outcomes } from './metrics';

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

/**
 * Cumulative gains and lift by score group (deciles by default): customers ranked by score,
 * highest first, ties in original row order, cut into `groups` groups of as equal size as
 * possible (group g holds ranks ⌊(g−1)n/G⌋ … ⌊gn/G⌋−1).
 *
 * @example
 * const p = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05];
 * const actual = [1, 1, 0, 1, 0, 0, 0, 0, 0, 0];
 * gainsTable(p, actual)[0].cumulativeLift // lift of the top 10%: 1/(3/10) = 3.33
 */
export function gainsTable(scores: ArrayLike<number>, actual: Outcomes, options: { groups?: number } = {}): GainsRow[] {
  checkOptionSchema(options, 'gainsTable', { groups: { kind: 'number', integer: true, min: 1 } });
  const y = checkScored(scores, actual, 'gainsTable');
  const groups = options.groups ?? 10;
  check(groups <= y.length, `gainsTable: groups must be a whole number from 1 to the number of customers (${y.length}), got ${groups}`);
  const order = rankScores(scores, 'gainsTable');
  const n = y.length;
  let totalResponders = 0;
  for (let i = 0; i < n; i++) totalResponders += y[i];
  const baseRate = totalResponders / n;
  const rows: GainsRow[] = [];
  let cumulativeCount = 0;
  let cumulativeResponders = 0;
  for (let g = 1; g <= groups; g++) {
    const from = Math.floor(((g - 1) * n) / groups);
    const to = Math.floor((g * n) / groups);
    let responders = 0;
    let minScore = Infinity;
    let maxScore = -Infinity;
    for (let k = from; k < to; k++) {
      const i = order[k];
      responders += y[i];
      minScore = Math.min(minScore, scores[i]);
      maxScore = Math.max(maxScore, scores[i]);
    }
    const count = to - from;
    cumulativeCount += count;
    cumulativeResponders += responders;
    const responseRate = responders / count;
    rows.push({
      group: g,
      count,
      responders,
      responseRate,
      cumulativeCount,
      cumulativeResponders,
      cumulativeShareContacted: cumulativeCount / n,
      cumulativeShareOfResponders: totalResponders ? cumulativeResponders / totalResponders : NaN,
      lift: baseRate ? responseRate / baseRate : NaN,
      cumulativeLift: baseRate ? cumulativeResponders / cumulativeCount / baseRate : NaN,
      minScore,
      maxScore,
    });
  }
  return rows;
}

/**
 * Area under the ROC curve: the probability that a random responder scores above a random
 * non-responder, ties counting one half (the Mann–Whitney statistic; equals scikit-learn's
 * roc_auc_score).
 */
export function auc(scores: ArrayLike<number>, actual: Outcomes): number {
  const y = checkScored(scores, actual, 'auc');
  const order = Array.from({ length: y.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let rankSum = 0;
  for (let k = 0; k < order.length; ) {
    let end = k;
    while (end + 1 < order.length && scores[order[end + 1]] === scores[order[k]]) end++;
    const midRank = (k + end) / 2 + 1;
    for (let m = k; m <= end; m++)
      if (y[order[m]]) {
        positives++;
        rankSum += midRank;
      }
    k = end + 1;
  }
  const negatives = y.length - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** The ROC curve: one point per distinct score used as cut-off (P ≥ score), from (0,0) to (1,1). */
export function rocCurve(scores: ArrayLike<number>, actual: Outcomes): RocPoint[] {
  const y = checkScored(scores, actual, 'rocCurve');
  const order = rankScores(scores, 'rocCurve');
  let positives = 0;
  for (let i = 0; i < y.length; i++) positives += y[i];
  const negatives = y.length - positives;
  const points: RocPoint[] = [{ threshold: Infinity, falsePositiveRate: 0, truePositiveRate: 0 }];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    if (y[order[k]]) tp++;
    else fp++;
    if (k + 1 < order.length && scores[order[k + 1]] === scores[order[k]]) continue;
    points.push({ threshold: scores[order[k]], falsePositiveRate: negatives ? fp / negatives : NaN, truePositiveRate: positives ? tp / positives : NaN });
  }
  return points;
}

/** The most bins a calibration table may have: far more than can be read, far fewer than exhaust memory. */
export const MAX_CALIBRATION_BINS = 10_000;

/**
 * Calibration: predicted probability against observed response rate in equal-width bins of
 * [0, 1]. A well-calibrated model has observed ≈ predicted in every bin with enough customers.
 */
export function calibrationTable(scores: ArrayLike<number>, actual: Outcomes, options: { bins?: number } = {}): CalibrationRow[] {
  checkOptionSchema(options, 'calibrationTable', { bins: { kind: 'number', integer: true, min: 1 } });
  const y = checkScored(scores, actual, 'calibrationTable');
  const bins = options.bins ?? 10;
  // Three arrays of `bins` doubles and one row per bin: a billion bins would exhaust memory.
  if (bins > MAX_CALIBRATION_BINS) throw new CbmError('TOO_LARGE', `calibrationTable: ${bins} bins is too many; use at most ${MAX_CALIBRATION_BINS} (10 to 20 is usual)`, { bins });
  const count = new Float64Array(bins);
  const predicted = new Float64Array(bins);
  const observed = new Float64Array(bins);
  for (let i = 0; i < y.length; i++) {
    const s = scores[i];
    check(s >= 0 && s <= 1, `calibrationTable: score ${i} is ${s}; calibration needs probabilities in [0, 1]`);
    const b = Math.min(bins - 1, Math.floor(s * bins));
    count[b]++;
    predicted[b] += s;
    observed[b] += y[i];
  }
  return Array.from({ length: bins }, (_, b) => ({
    bin: b + 1,
    lower: b / bins,
    upper: (b + 1) / bins,
    count: count[b],
    meanPredicted: count[b] ? predicted[b] / count[b] : NaN,
    observedRate: count[b] ? observed[b] / count[b] : NaN,
  }));
}
