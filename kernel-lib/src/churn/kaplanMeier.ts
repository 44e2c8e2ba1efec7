import { CbmError, check, describeValue } from '../errors';
import { checkOptionSchema, type OptionSchema } from '../options';
import { isMissing, type Cell } from '../data/table';
import { normalQuantile } from '../model/distributions';

/** How survfit transforms S before adding ± z·se: `log` (its default), `log-log` or `plain` (no transform). */
export type ConfidenceType = 'log' | 'log-log' | 'plain';

/** Options of `kaplanMeier`, named after survfit's `conf.int`, `conf.type` and the strata of `~ group`. */
export interface KaplanMeierOptions {
  /** Coverage of the pointwise intervals and of the median's interval (default 0.95, survfit's `conf.int`). */
  confidenceLevel?: number;
  /** survfit's `conf.type` (default 'log'). */
  confType?: ConfidenceType;
  /** A group label per customer: one curve per level, as `survfit(Surv(time, event) ~ group)`. */
  strata?: ArrayLike<Cell>;
}

/** A median or other quantile with its confidence limits; null where the curve never gets low enough. */
export interface SurvivalQuantile {
  estimate: number | null;
  lower: number | null;
  upper: number | null;
}

/** A Kaplan–Meier curve with R `survfit` conventions. */
export interface KaplanMeier {
  /** The distinct observed times (events or censorings), ascending, as survfit's `time`. */
  time: Float64Array;
  /** Number at risk just before each time: everyone whose time is ≥ t (survfit's `n.risk`). */
  atRisk: Float64Array;
  /** Events at each time (`n.event`). */
  events: Float64Array;
  /** Censorings at each time (`n.censor`). */
  censored: Float64Array;
  /** S(t) = Π_{t_i ≤ t} (1 − d_i/n_i) (`surv`). */
  survival: Float64Array;
  /**
   * Standard error of −log S(t), Greenwood: √Σ_{t_i ≤ t} d_i/(n_i(n_i − d_i)) (survfit's `std.err`);
   * NaN once S is 0, where survfit reports NA.
   */
  stdErr: Float64Array;
  /** Pointwise lower confidence limit of S(t) (survfit's `lower`); NaN where survfit gives NA (S = 0; S = 1 for log-log). */
  lower: Float64Array;
  /** Pointwise upper limit (`upper`), clipped at 1 for 'log' and 'plain' as survfit does; NaN where survfit gives NA. */
  upper: Float64Array;
  confidenceLevel: number;
  confType: ConfidenceType;
  /** The median survival time with its confidence interval, by `quantile.survfit`'s rules. */
  median: SurvivalQuantile;
  /**
   * The restricted mean survival time ∫₀^end S(t) dt up to `end` (the largest follow-up time; with
   * strata the largest over all levels), and its standard error, as `print(fit, rmean = 'common')`.
   */
  restrictedMean: { estimate: number; stdError: number; end: number };
  /** Customers in the curve. */
  n: number;
  /** S(t) at any t: 1 before the first time, then a right-continuous step function. */
  survivalAt(t: number): number;
}

const KAPLAN_MEIER_OPTIONS: OptionSchema = {
  confidenceLevel: { kind: 'number', min: 0, max: 1, exclusive: 'both', example: '0.95' },
  confType: { kind: 'oneOf', values: ['log', 'log-log', 'plain'] },
  strata: { kind: 'any' },
};

/** Validates durations and 0/1 event flags of equal length; returns the flags as 0/1 numbers. */
export function checkSurvivalData(time: ArrayLike<number>, event: ArrayLike<number | boolean>, context: string): Uint8Array {
  check(time !== null && typeof time === 'object' && typeof time.length === 'number', `${context}: time must be an array of durations`);
  check(event !== null && typeof event === 'object' && typeof event.length === 'number', `${context}: event must be an array of 0/1 flags`);
  check(time.length === event.length, `${context}: time has ${time.length} values but event has ${event.length}`);
  check(time.length > 0, `${context}: no observations`);
  const flags = new Uint8Array(time.length);
  for (let i = 0; i < time.length; i++) {
    const t = time[i];
    if (typeof t !== 'number' || !Number.isFinite(t)) throw new CbmError('NON_FINITE', `${context}: time[${i}] is ${describeValue(t)}; every duration must be a finite number`);
    // Messages are built only on failure: a template per row would dominate the cost on large data.
    if (t < 0) throw new CbmError('BAD_INPUT', `${context}: time[${i}] is ${t}; durations cannot be negative`);
    const e = event[i];
    if (e !== 0 && e !== 1 && e !== true && e !== false) throw new CbmError('BAD_INPUT', `${context}: event[${i}] is ${describeValue(e)}; use 1 (event) or 0 (censored)`);
    flags[i] = e === 1 || e === true ? 1 : 0;
  }
  return flags;
}

/**
 * The levels of a group column and each row's level index. Levels are keyed by their text;
 * numbers sort numerically, text in code-unit order (as cbm-kit sorts factor levels). A missing
 * label is refused: which group the customer belongs to is unknown.
 */
export function groupLevels(group: ArrayLike<Cell>, n: number, context: string, what: string): { levels: string[]; index: Uint32Array } {
  check(group !== null && typeof group === 'object' && typeof group.length === 'number', `${context}: ${what} must be an array of group labels`);
  check(group.length === n, `${context}: ${what} has ${group.length} values but time has ${n}`);
  const kinds = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const g = group[i];
    if (isMissing(g)) throw new CbmError('NON_FINITE', `${context}: ${what}[${i}] is missing; drop the customers without a group first`, { row: i });
    check(typeof g === 'string' || typeof g === 'number' || typeof g === 'boolean', `${context}: ${what}[${i}] is ${describeValue(g)}; use text, numbers or booleans`);
    const key = String(g);
    const kind = kinds.get(key);
    check(kind === undefined || kind === typeof g, `${context}: ${what} has both the ${kind} and the ${typeof g} ${JSON.stringify(key)}; use one type per level`);
    kinds.set(key, typeof g);
  }
  const keys = [...kinds.keys()];
  const numeric = [...kinds.values()].every((k) => k === 'number');
  const levels = numeric ? keys.sort((a, b) => Number(a) - Number(b)) : keys.sort();
  const position = new Map(levels.map((l, k) => [l, k]));
  const index = new Uint32Array(n);
  for (let i = 0; i < n; i++) index[i] = position.get(String(group[i])) as number;
  return { levels, index };
}

/**
 * quantile.survfit's `findq` for one probability p: x = (0, times), y = (0, 1 − curve). With the
 * repeated y values dropped, the quantile is the mean of the x where y first reaches p − tol and
 * where it first reaches p + tol (so a curve exactly at 1 − p over an interval gives its midpoint);
 * when y ends at p, the midpoint of that point and the last time. NaN entries of y (undefined
 * limits) are skipped, as R's approx drops them.
 */
function findQuantile(time: Float64Array, curve: Float64Array, p: number): number | null {
  const tol = Math.sqrt(2.220446049250313e-16);
  const xs: number[] = [0];
  const ys: number[] = [0];
  // duplicated(y), as R: NaN duplicates NaN, numbers compare exactly. The curves rise almost
  // always, so a value above every earlier one is new without a look-up; only the rest (a plain
  // interval that turns back, NaN) goes through the Set, whose double keys hash slowly.
  let highest = 0;
  let seen: Set<number> | null = null;
  for (let i = 0; i < time.length; i++) {
    const y = 1 - curve[i];
    if (!(y > highest)) {
      seen ??= new Set(ys);
      if (seen.has(y)) continue;
    } else highest = y;
    seen?.add(y);
    xs.push(time[i]);
    ys.push(y);
  }
  if (highest < p) return null; // R: max(y, na.rm = TRUE) < p
  // approx(y ± tol, index, p, method = 'constant', f = 1): the node with the smallest y ± tol ≥ p.
  const node = (shift: number): number => {
    let best = -1;
    for (let k = 0; k < ys.length; k++) {
      const v = ys[k] + shift;
      if (!Number.isNaN(v) && v >= p && (best < 0 || v < ys[best] + shift)) best = k;
    }
    return best;
  }; // -1: p beyond the last node (approx's rule = 1 gives NA)
  const first = node(tol);
  const second = node(-tol);
  const last = ys.length - 1;
  if (!Number.isNaN(ys[last]) && Math.abs(p - ys[last]) < tol) return first < 0 ? null : midpoint(xs[first], time[time.length - 1]);
  if (first < 0 || second < 0) return null;
  return midpoint(xs[first], xs[second]);
}

/** (a + b)/2 without overflowing near the largest double (halving is exact, so the result is the same elsewhere). */
function midpoint(a: number, b: number): number {
  return a / 2 + b / 2;
}

/** One curve: the product-limit estimate, Greenwood's errors, the intervals, median and restricted mean. */
function curve(time: ArrayLike<number>, flags: Uint8Array, rows: readonly number[], z: number, confType: ConfidenceType, confidenceLevel: number, end: number): KaplanMeier {
  // Event and censoring times sorted apart (native numeric sorts, no comparator), then merged.
  let nEvents = 0;
  for (const i of rows) nEvents += flags[i];
  const eventTimes = new Float64Array(nEvents);
  const censorTimes = new Float64Array(rows.length - nEvents);
  let a = 0;
  let b = 0;
  for (const i of rows) {
    if (flags[i] === 1) eventTimes[a++] = time[i];
    else censorTimes[b++] = time[i];
  }
  eventTimes.sort();
  censorTimes.sort();
  const n = rows.length;
  const times: number[] = [];
  const risk: number[] = [];
  const ev: number[] = [];
  const cens: number[] = [];
  const surv: number[] = [];
  const se: number[] = [];
  let atRisk = n;
  let s = 1;
  let greenwood = 0;
  a = 0;
  b = 0;
  while (a < eventTimes.length || b < censorTimes.length) {
    const t = b >= censorTimes.length || (a < eventTimes.length && eventTimes[a] <= censorTimes[b]) ? eventTimes[a] : censorTimes[b];
    let d = 0;
    let c = 0;
    while (a < eventTimes.length && eventTimes[a] === t) {
      d++;
      a++;
    }
    while (b < censorTimes.length && censorTimes[b] === t) {
      c++;
      b++;
    }
    if (d > 0) {
      s *= 1 - d / atRisk;
      greenwood += atRisk === d ? NaN : d / (atRisk * (atRisk - d));
    }
    times.push(t);
    risk.push(atRisk);
    ev.push(d);
    cens.push(c);
    surv.push(s);
    se.push(Math.sqrt(greenwood));
    atRisk -= d + c;
  }
  const m = times.length;
  const lower = new Float64Array(m);
  const upper = new Float64Array(m);
  // survfit_confint with logse = TRUE: se is the standard error of log S.
  for (let i = 0; i < m; i++) {
    const p = surv[i];
    const width = z * se[i];
    if (confType === 'plain') {
      lower[i] = Math.max(p - width * p, 0);
      upper[i] = Math.min(p + width * p, 1);
    } else if (confType === 'log') {
      lower[i] = p === 0 ? NaN : Math.exp(Math.log(p) - width);
      upper[i] = p === 0 ? NaN : Math.min(Math.exp(Math.log(p) + width), 1);
    } else {
      const scaled = p === 0 || p === 1 ? NaN : width / Math.log(p);
      lower[i] = Math.exp(-Math.exp(Math.log(-Math.log(p)) - scaled));
      upper[i] = Math.exp(-Math.exp(Math.log(-Math.log(p)) + scaled));
    }
  }
  const timeArray = Float64Array.from(times);
  const survival = Float64Array.from(surv);
  // survmean: rectangles under the step function from 0 to `end`; the variance sums, over event
  // times, (area after t_i)² · d_i/(n_i(n_i − d_i)) (0 where everyone at risk has the event).
  const kept = times.filter((t) => t <= end).length;
  const knots = [...times.slice(0, kept), end];
  const heights = [1, ...surv.slice(0, kept)];
  const rectangles = knots.map((t, j) => (t - (j === 0 ? 0 : knots[j - 1])) * heights[j]);
  // Areas in units of `end`, so that their squares cannot overflow on times near the largest double.
  const unit = end > 0 ? end : 1;
  let variance = 0;
  let after = 0;
  for (let j = kept - 1; j >= 0; j--) {
    after += rectangles[j + 1] / unit;
    const h = risk[j] === ev[j] ? 0 : ev[j] / (risk[j] * (risk[j] - ev[j]));
    variance += after * after * h;
  }
  return {
    time: timeArray,
    atRisk: Float64Array.from(risk),
    events: Float64Array.from(ev),
    censored: Float64Array.from(cens),
    survival,
    stdErr: Float64Array.from(se),
    lower,
    upper,
    confidenceLevel,
    confType,
    median: { estimate: findQuantile(timeArray, survival, 0.5), lower: findQuantile(timeArray, lower, 0.5), upper: findQuantile(timeArray, upper, 0.5) },
    restrictedMean: { estimate: rectangles.reduce((a, b) => a + b, 0), stdError: unit * Math.sqrt(variance), end },
    n,
    survivalAt(t: number): number {
      check(typeof t === 'number' && !Number.isNaN(t), `kaplanMeier: survivalAt needs a number, got ${describeValue(t)}`);
      let lo = 0;
      let hi = timeArray.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (timeArray[mid] <= t) lo = mid + 1;
        else hi = mid;
      }
      return lo === 0 ? 1 : survival[lo - 1];
    },
  };
}

/**
 * The Kaplan–Meier estimate of the survival curve from durations and event flags (1 = the event,
 * e.g. churn; 0 = censored), as R's `survival::survfit(Surv(time, event) ~ 1)`: at a time with
 * both events and censorings the censored customers are still at risk (they left after the
 * events); a censoring at time 0 keeps the customer in the first risk set; times are reported
 * wherever anything happened, censorings included, with S unchanged there. Times are compared
 * exactly (survfit's `timefix` merging of times equal to ~1e-8 does not apply).
 *
 * Beside the curve: Greenwood standard errors on the log scale (survfit's `std.err`); pointwise
 * intervals by survfit's `conf.type` ('log', its default: exp(log S ± z·se), upper clipped at 1;
 * 'log-log': exp(−exp(log(−log S) ∓ z·se/log S)); 'plain': S ± z·se·S within [0, 1]); the median
 * with its interval by `quantile.survfit` (estimate where S first reaches 0.5, the midpoint of the
 * interval where S is exactly 0.5; the lower limit where the lower curve first reaches 0.5, the upper
 * limit where the upper curve does; null where a curve never gets that low); and the restricted mean
 * to the largest follow-up time with its standard error, as `print(fit, rmean = 'common')`.
 *
 * With `strata` (a group label per customer) it returns one curve per level, keyed by the level's
 * text, as `survfit(Surv(time, event) ~ group)`; the restricted means then share one end, the largest
 * time over all levels ('common').
 *
 * @example
 * const km = kaplanMeier([1, 2, 2, 3, 5, 8], [1, 1, 0, 1, 0, 1]);
 * km.survivalAt(2) // 0.6666…
 * km.median.estimate // 3
 * const bySegment = kaplanMeier([1, 2, 2, 3, 5, 8], [1, 1, 0, 1, 0, 1], { strata: ['a', 'b', 'a', 'b', 'a', 'b'], confType: 'log-log' });
 * bySegment.b.median.estimate // 3
 */
export function kaplanMeier(time: ArrayLike<number>, event: ArrayLike<number | boolean>, options: KaplanMeierOptions & { strata: ArrayLike<Cell> }): Record<string, KaplanMeier>;
export function kaplanMeier(time: ArrayLike<number>, event: ArrayLike<number | boolean>, options?: KaplanMeierOptions & { strata?: undefined }): KaplanMeier;
export function kaplanMeier(time: ArrayLike<number>, event: ArrayLike<number | boolean>, options: KaplanMeierOptions = {}): KaplanMeier | Record<string, KaplanMeier> {
  const context = 'kaplanMeier';
  checkOptionSchema(options, context, KAPLAN_MEIER_OPTIONS);
  const { confidenceLevel = 0.95, confType = 'log' } = options ?? {};
  const flags = checkSurvivalData(time, event, context);
  const z = normalQuantile(1 - (1 - confidenceLevel) / 2);
  let end = 0;
  for (let i = 0; i < time.length; i++) end = Math.max(end, time[i]);
  if (options?.strata === undefined)
    return curve(
      time,
      flags,
      Array.from({ length: time.length }, (_, i) => i),
      z,
      confType,
      confidenceLevel,
      end,
    );
  const { levels, index } = groupLevels(options.strata, time.length, context, 'strata');
  // The rows of each level in one pass: filtering all rows once per level costs n × levels.
  const members: number[][] = levels.map(() => []);
  for (let i = 0; i < time.length; i++) members[index[i]].push(i);
  const result: Record<string, KaplanMeier> = Object.create(null);
  levels.forEach((level, k) => {
    result[level] = curve(time, flags, members[k], z, confType, confidenceLevel, end);
  });
  return result;
}
