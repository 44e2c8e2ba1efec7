import { CbmError, check, describeValue } from '../errors';
import { checkOptionSchema, type OptionSchema } from '../options';
import { readOutcome } from '../data/outcome';
import type { Cell } from '../data/table';
import { isArrayOrTyped, unsupportedCell } from '../data/cells';

/**
 * Campaign metrics at a threshold a: a customer is selected when P > a (strictly, as the book's
 * "P > a"). All metric functions take `(scores, actual, threshold)`; `actual` is 0/1 (or
 * booleans) and the same length as `scores`.
 */
export type Outcomes = ArrayLike<number | boolean>;

/** Validates scores/actual/threshold at the door and returns the outcomes as 0/1 numbers (readOutcome's rules). */
export function checkScored(scores: ArrayLike<number>, actual: Outcomes, context: string, threshold?: number): Float64Array {
  checkScores(scores, context);
  check(isArrayOrTyped(actual), `${context}: actual must be an array of 0/1 outcomes, got ${describeValue(actual)}`);
  check(scores.length === actual.length, `${context}: scores has ${scores.length} values but actual has ${actual.length}`);
  check(scores.length > 0, `${context}: no scores given`);
  if (threshold !== undefined)
    check(typeof threshold === 'number' && Number.isFinite(threshold), `${context}: threshold must be a finite number like 0.8, got ${describeValue(threshold)}`);
  return readOutcome(actual as ArrayLike<Cell>, 'actual', context);
}

/** Scores must be an array (or typed array) of finite numbers; the first bad one is named. */
export function checkScores(scores: ArrayLike<number>, context: string): void {
  check(isArrayOrTyped(scores), `${context}: scores must be an array of numbers, got ${describeValue(scores)}`);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (typeof s !== 'number' || !Number.isFinite(s)) {
      const unsupported = unsupportedCell(s);
      if (unsupported) throw new CbmError('BAD_INPUT', `${context}: score ${i} is ${unsupported}`, { row: i });
      throw new CbmError('NON_FINITE', `${context}: score ${i} is ${String(s)}; every score must be a finite number`, { row: i });
    }
  }
}

/**
 * The one confusion counter: selected customers (P > a) who responded (TP) and who did not (FP).
 * Every other cell follows from these and the totals.
 */
function countSelected(scores: ArrayLike<number>, y: ArrayLike<number>, threshold: number): { tp: number; fp: number } {
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < y.length; i++) if (scores[i] > threshold) y[i] ? tp++ : fp++;
  return { tp, fp };
}

function countOnes(y: ArrayLike<number>): number {
  let ones = 0;
  for (let i = 0; i < y.length; i++) ones += y[i];
  return ones;
}

/** The 2×2 table of selection (P > a) against the actual response. */
export interface Confusion {
  threshold: number;
  n: number;
  /** Selected and responded. */
  truePositives: number;
  /** Selected, did not respond. */
  falsePositives: number;
  /** Not selected, did not respond. */
  trueNegatives: number;
  /** Not selected, responded. */
  falseNegatives: number;
  selected: number;
  responders: number;
}

/**
 * Cross-tabulates selection P > a against the outcome (the book's tables 10.3 and 10.4).
 *
 * @example
 * confusion([0.9, 0.85, 0.3], [1, 0, 0], 0.8) // { truePositives: 1, falsePositives: 1, trueNegatives: 1, ... }
 */
export function confusion(scores: ArrayLike<number>, actual: Outcomes, threshold: number, context = 'confusion'): Confusion {
  if (typeof context !== 'string') context = 'confusion';
  // checkScored skips an undefined threshold (for its callers without one); here it is required.
  check(threshold !== undefined, `${context}: threshold must be a finite number like 0.8, got undefined`);
  const y = checkScored(scores, actual, context, threshold);
  const { tp, fp } = countSelected(scores, y, threshold);
  const responders = countOnes(y);
  const fn = responders - tp;
  const tn = y.length - responders - fp;
  return { threshold, n: y.length, truePositives: tp, falsePositives: fp, trueNegatives: tn, falseNegatives: fn, selected: tp + fp, responders };
}

/** Share of selected customers who responded, TP/(TP+FP) (book: 18/22 = 82%); NaN when nobody is selected. */
export function responseRate(scores: ArrayLike<number>, actual: Outcomes, threshold: number): number {
  const c = confusion(scores, actual, threshold);
  return c.selected === 0 ? NaN : c.truePositives / c.selected;
}

/** Share of customers predicted correctly, (TP+TN)/n (book: (18+60)/100 = 78%). */
export function hitRate(scores: ArrayLike<number>, actual: Outcomes, threshold: number): number {
  const c = confusion(scores, actual, threshold);
  return (c.truePositives + c.trueNegatives) / c.n;
}

/** Share of all customers who responded (the campaign's base rate). */
export function baseRate(actual: Outcomes): number {
  check(isArrayOrTyped(actual), `baseRate: actual must be an array of 0/1 outcomes, got ${describeValue(actual)}`);
  check(actual.length > 0, 'baseRate: no outcomes given');
  const y = readOutcome(actual as ArrayLike<Cell>, 'actual', 'baseRate');
  return countOnes(y) / y.length;
}

/** Response rate among the selected over the overall response rate (book: 82%/36% = 2.28). */
export function lift(scores: ArrayLike<number>, actual: Outcomes, threshold: number): number {
  const c = confusion(scores, actual, threshold);
  if (c.selected === 0 || c.responders === 0) return NaN;
  return c.truePositives / c.selected / (c.responders / c.n);
}

/** Profit per responder B and cost per contact F. */
export interface Economics {
  profit: number;
  cost: number;
}

/** Profit per responder B and cost per contact F, both positive. */
const ECONOMICS = {
  profit: { kind: 'number', min: 0, exclusive: 'min', required: true, example: '60 (B, per responder)' },
  cost: { kind: 'number', min: 0, exclusive: 'min', required: true, example: '20 (F, per contact)' },
} as const satisfies OptionSchema;

/** Checks `{ profit, cost }` (any other name is refused, as an option typo). */
export function checkEconomics(economics: Economics, context: string): void {
  check(economics !== null && typeof economics === 'object' && !Array.isArray(economics), `${context}: give { profit, cost }: profit per responder B and cost per contact F`);
  checkOptionSchema(economics, context, ECONOMICS);
}

/**
 * Return on the campaign: response rate × B / F. A campaign pays when ROI ≥ 1, i.e. when the
 * response rate among the contacted reaches F/B.
 *
 * @example
 * roi([0.9, 0.85, 0.3, 0.2], [1, 0, 1, 0], 0.8, { profit: 100, cost: 20 }) // response rate 1/2 × 100/20 = 2.5
 */
export function roi(scores: ArrayLike<number>, actual: Outcomes, threshold: number, economics: Economics): number {
  checkEconomics(economics, 'roi');
  return (responseRate(scores, actual, threshold) * economics.profit) / economics.cost;
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

/**
 * Response rate, hit rate, share selected, lift and ROI for each threshold a (default
 * 0, 0.05, …, 0.95): how a trades accuracy against reach.
 */
export function thresholdSweep(scores: ArrayLike<number>, actual: Outcomes, options: { thresholds?: readonly number[] } & Partial<Economics> = {}): SweepRow[] {
  // profit and cost are optional, but together: with one, the other is required.
  const withEconomics = options !== null && typeof options === 'object' && (options.profit !== undefined || options.cost !== undefined);
  checkOptionSchema(options, 'thresholdSweep', {
    thresholds: { kind: 'list', example: '[0.5, 0.8]' },
    profit: { ...ECONOMICS.profit, required: withEconomics },
    cost: { ...ECONOMICS.cost, required: withEconomics },
  });
  const y = checkScored(scores, actual, 'thresholdSweep');
  const thresholds = options.thresholds ?? Array.from({ length: 20 }, (_, k) => k / 20);
  check(thresholds.length > 0 && thresholds.every((t) => Number.isFinite(t)), 'thresholdSweep: thresholds must be a non-empty list of finite numbers');
  const responders = countOnes(y);
  return thresholds.map((threshold) => {
    const { tp, fp } = countSelected(scores, y, threshold);
    const selected = tp + fp;
    const rate = selected ? tp / selected : NaN;
    const tn = y.length - responders - fp;
    return {
      threshold,
      selected,
      shareSelected: selected / y.length,
      responders: tp,
      responseRate: rate,
      hitRate: (tp + tn) / y.length,
      lift: responders ? rate / (responders / y.length) : NaN,
      roi: withEconomics ? (rate * options.profit!) / options.cost! : NaN,
    };
  });
}

/**
 * The lowest threshold whose selection still pays (ROI ≥ 1), i.e. the widest profitable reach,
 * scanning every distinct score as a cut-off. Null when no selection pays. The response rate
 * needed to break even is F/B whatever the scores.
 */
export function breakEvenThreshold(
  scores: ArrayLike<number>,
  actual: Outcomes,
  economics: Economics,
): { threshold: number; selected: number; responseRate: number; roi: number; breakEvenResponseRate: number } | null {
  checkEconomics(economics, 'breakEvenThreshold');
  const y = checkScored(scores, actual, 'breakEvenThreshold');
  const order = rankScores(scores, 'breakEvenThreshold');
  const breakEvenResponseRate = economics.cost / economics.profit;
  let best: { threshold: number; selected: number; responseRate: number; roi: number } | null = null;
  let tp = 0;
  // Walk down the ranking; a cut is only possible between distinct scores.
  for (let k = 0; k < order.length; k++) {
    tp += y[order[k]];
    const next = k + 1 < order.length ? scores[order[k + 1]] : -Infinity;
    if (next === scores[order[k]]) continue;
    const selected = k + 1;
    const rate = tp / selected;
    if (rate >= breakEvenResponseRate) {
      // Selecting everybody: 0 does it for probabilities; otherwise anything below the lowest score.
      const lowest = scores[order[k]];
      const threshold = Number.isFinite(next) ? next : lowest > 0 ? 0 : lowest - 1;
      best = { threshold, selected, responseRate: rate, roi: (rate * economics.profit) / economics.cost };
    }
  }
  return best ? { ...best, breakEvenResponseRate } : null;
}

/**
 * Row indices ranked by score, highest first; ties keep the original row order. This one
 * deterministic ranking is used by gains tables and target lists alike.
 */
export function rankByScore(scores: ArrayLike<number>): number[] {
  return rankScores(scores, 'rankByScore');
}

/** rankByScore with the caller's name in its error messages. */
export function rankScores(scores: ArrayLike<number>, context: string): number[] {
  checkScores(scores, context);
  const order = Array.from({ length: scores.length }, (_, i) => i);
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  return order;
}
