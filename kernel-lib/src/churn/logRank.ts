import { CbmError, check } from '../errors';
import type { Cell } from '../data/table';
import { chiSquareUpperTail } from '../model/distributions';
import { choleskyInPlace, choleskySolveInPlace } from '../model/linalg';
import { checkSurvivalData, groupLevels } from './kaplanMeier';

/** Most groups logRankTest compares: its k × k covariance takes 8k² bytes. */
const MAX_GROUPS = 5_000;
/** Most k² × (distinct event times) covariance updates, a few seconds of work. */
const MAX_COVARIANCE_UPDATES = 2e9;

/** The log-rank test of equal survival curves across groups, as R's `survdiff`. */
export interface LogRankTest {
  /** The groups, in level order (numbers numerically, text in code-unit order). */
  levels: string[];
  /** Customers per group. */
  n: Record<string, number>;
  /** Events per group. */
  observed: Record<string, number>;
  /** Events expected per group if every group had the pooled hazard: Σ_t d_t·n_gt/n_t. */
  expected: Record<string, number>;
  /** The hypergeometric covariance of observed − expected, by level order (survdiff's `var`). */
  variance: number[][];
  /** (O − E)ᵀ V⁻ (O − E), V without its first row and column (survdiff's `chisq`). */
  statistic: number;
  /** Groups with some expected events, minus 1. */
  df: number;
  pValue: number;
}

/**
 * The log-rank test that survival is the same in every group, as R's
 * `survdiff(Surv(time, event) ~ group)`: at each event time t with d_t events among n_t at risk,
 * group g expects d_t·n_gt/n_t of them, and the counts have the hypergeometric covariance
 * d_t(n_t − d_t)/(n_t − 1)·(n_gt/n_t)(δ_gh − n_ht/n_t). The statistic is the quadratic form
 * (O − E)ᵀ V⁻¹ (O − E) over the groups with expected events, leaving out the first (the
 * counts sum to zero) — not the approximation Σ (O − E)²/E — on that number of groups minus 1
 * degrees of freedom. Times are compared exactly (survdiff's `timefix` does not apply); a
 * customer without a group is refused (survdiff's default na.action drops them: filter first).
 * More than 5,000 groups, or more than 2·10⁹ covariance updates (groups² × event times), is refused as
 * TOO_LARGE.
 *
 * @example
 * const test = logRankTest([3, 5, 6, 8, 10, 2, 4, 4, 5, 7], [1, 1, 0, 1, 1, 1, 1, 1, 0, 1], ['a', 'a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'b']);
 * test.df // 1
 * test.observed.b // 4
 */
export function logRankTest(time: ArrayLike<number>, event: ArrayLike<number | boolean>, group: ArrayLike<Cell>): LogRankTest {
  const context = 'logRankTest';
  const flags = checkSurvivalData(time, event, context);
  const n = time.length;
  const { levels, index } = groupLevels(group, n, context, 'group');
  const k = levels.length;
  check(k >= 2, `${context}: needs at least two groups, got only ${JSON.stringify(levels[0])}`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => time[a] - time[b]);
  // The covariance is a k × k matrix updated at every event time: refuse what would exhaust memory
  // or run for minutes (survdiff's C code has the same cost) rather than hang.
  let eventTimes = 0;
  for (let r = 0, previous = Number.NaN; r < n; r++) {
    const i = order[r];
    if (flags[i] === 1 && time[i] !== previous) {
      eventTimes++;
      previous = time[i];
    }
  }
  if (k > MAX_GROUPS || k * k * eventTimes > MAX_COVARIANCE_UPDATES)
    throw new CbmError(
      'TOO_LARGE',
      `${context}: ${k} groups over ${eventTimes} event times need ${k}² covariance updates per time (limits: ${MAX_GROUPS} groups, ${MAX_COVARIANCE_UPDATES.toExponential()} updates); merge small groups first`,
      { groups: k, eventTimes },
    );
  const atRisk = new Float64Array(k);
  for (let i = 0; i < n; i++) atRisk[index[i]]++;
  const size = Float64Array.from(atRisk);
  const observed = new Float64Array(k);
  const expected = new Float64Array(k);
  const variance = new Float64Array(k * k);
  const deaths = new Float64Array(k);
  let total = n;
  for (let r = 0; r < n; ) {
    const t = time[order[r]];
    deaths.fill(0);
    let d = 0;
    let leaving = r;
    while (leaving < n && time[order[leaving]] === t) {
      const i = order[leaving++];
      if (flags[i] === 1) {
        deaths[index[i]]++;
        d++;
      }
    }
    if (d > 0) {
      for (let g = 0; g < k; g++) {
        observed[g] += deaths[g];
        expected[g] += (d * atRisk[g]) / total;
      }
      if (total > 1) {
        const factor = (d * (total - d)) / (total - 1);
        for (let g = 0; g < k; g++) for (let h = 0; h < k; h++) variance[g * k + h] += factor * (atRisk[g] / total) * ((g === h ? 1 : 0) - atRisk[h] / total);
      }
    }
    for (; r < leaving; r++) atRisk[index[order[r]]]--;
    total = n - r;
  }
  const used = levels.map((_, g) => g).filter((g) => expected[g] > 0);
  if (used.length < 2) throw new CbmError('BAD_INPUT', `${context}: fewer than two groups have customers at risk at an event time; there is nothing to compare`);
  const rest = used.slice(1);
  const p = rest.length;
  const v = new Float64Array(p * p);
  const diff = new Float64Array(p);
  rest.forEach((g, a) => {
    diff[a] = observed[g] - expected[g];
    rest.forEach((h, b) => (v[a * p + b] = variance[g * k + h]));
  });
  const rhs = Float64Array.from(diff);
  if (choleskyInPlace(v, p) >= 0) throw new CbmError('SINGULAR', `${context}: the variance of observed − expected is singular; some groups have no information`);
  choleskySolveInPlace(v, p, rhs);
  let statistic = 0;
  for (let a = 0; a < p; a++) statistic += rhs[a] * diff[a];
  const byLevel = (values: Float64Array): Record<string, number> => {
    const out: Record<string, number> = Object.create(null);
    levels.forEach((level, g) => (out[level] = values[g]));
    return out;
  };
  const df = used.length - 1;
  return {
    levels,
    n: byLevel(size),
    observed: byLevel(observed),
    expected: byLevel(expected),
    variance: levels.map((_, g) => Array.from(variance.subarray(g * k, g * k + k))),
    statistic,
    df,
    pValue: chiSquareUpperTail(statistic, df),
  };
}
