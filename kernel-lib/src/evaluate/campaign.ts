import { check } from '../errors';
import { confusion, checkEconomics, type Economics, type Outcomes } from './metrics';

/**
 * Every figure of a campaign at one threshold a, counted once: the row a notebook prints, a
 * spreadsheet spills and a report headlines. A customer is selected when P > a.
 *
 * | field | formula | book |
 * |---|---|---|
 * | responseRate (反馈率) | TP / selected | 18/22 = 0.82 |
 * | hitRate (击中率) | (TP + TN) / n | 78/100 = 0.78 |
 * | baseRate | responders / n | 36/100 |
 * | lift | responseRate / baseRate | 2.27 |
 * | roi (回报率) | responseRate · B / F | |
 * | profit | TP · B − selected · F | |
 */
export interface CampaignMetrics {
  threshold: number;
  /** Customers scored. */
  n: number;
  /** Customers with P > a: the target list's length. */
  selected: number;
  /** selected / n. */
  selectedShare: number;
  /** Selected customers who responded (true positives). */
  selectedResponders: number;
  /** All customers who responded. */
  responders: number;
  truePositives: number;
  falsePositives: number;
  trueNegatives: number;
  falseNegatives: number;
  /** TP / selected; NaN when nobody is selected. */
  responseRate: number;
  /** (TP + TN) / n. */
  hitRate: number;
  /** responders / n. */
  baseRate: number;
  /** responseRate / baseRate; NaN when nobody is selected or nobody responded. */
  lift: number;
  /** responseRate · B / F, when economics are given. A campaign pays when ROI ≥ 1. */
  roi?: number;
  /** TP · B − selected · F, when economics are given. */
  profit?: number;
}

/**
 * The campaign's figures at threshold a from scores and 0/1 outcomes, with ROI and profit when
 * `{ profit: B, cost: F }` are given.
 *
 * @example
 * campaignMetrics([0.9, 0.85, 0.3, 0.2], [1, 0, 1, 0], 0.8, { profit: 100, cost: 20 });
 * // { selected: 2, responseRate: 0.5, hitRate: 0.5, baseRate: 0.5, lift: 1, roi: 2.5, profit: 60, ... }
 */
export function campaignMetrics(scores: ArrayLike<number>, actual: Outcomes, threshold: number, economics?: Economics): CampaignMetrics {
  check(threshold !== undefined, 'campaignMetrics: threshold must be a finite number like 0.8, got undefined');
  if (economics !== undefined) checkEconomics(economics, 'campaignMetrics');
  const c = confusion(scores, actual, threshold, 'campaignMetrics');
  const responseRate = c.selected === 0 ? NaN : c.truePositives / c.selected;
  const baseRate = c.responders / c.n;
  const row: CampaignMetrics = {
    threshold,
    n: c.n,
    selected: c.selected,
    selectedShare: c.selected / c.n,
    selectedResponders: c.truePositives,
    responders: c.responders,
    truePositives: c.truePositives,
    falsePositives: c.falsePositives,
    trueNegatives: c.trueNegatives,
    falseNegatives: c.falseNegatives,
    responseRate,
    hitRate: (c.truePositives + c.trueNegatives) / c.n,
    baseRate,
    lift: c.selected === 0 || c.responders === 0 ? NaN : responseRate / baseRate,
  };
  if (economics !== undefined) {
    row.roi = (responseRate * economics.profit) / economics.cost;
    row.profit = c.truePositives * economics.profit - c.selected * economics.cost;
  }
  return row;
}
