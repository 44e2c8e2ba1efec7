import { CbmError, check } from '../errors';

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
  /** Standard error of −log S(t), Greenwood: √Σ_{t_i ≤ t} d_i/(n_i(n_i − d_i)) (survfit's `std.err`). */
  stdErr: Float64Array;
  /** S(t) at any t: 1 before the first time, then a right-continuous step function. */
  survivalAt(t: number): number;
}

/**
 * The Kaplan–Meier estimate of the survival curve from durations and event flags (1 = the event,
 * e.g. churn; 0 = censored), as R's `survival::survfit(Surv(time, event) ~ 1)`: at a time with
 * both events and censorings the censored customers are still at risk (they left after the
 * events); a censoring at time 0 keeps the customer in the first risk set; times are reported
 * wherever anything happened, censorings included, with S unchanged there.
 * Standard errors are Greenwood's, on the log scale, as survfit's `std.err`.
 *
 * @example
 * const km = kaplanMeier([1, 2, 2, 3], [1, 1, 0, 1]);
 * km.survivalAt(2) // 0.5
 */
export function kaplanMeier(time: ArrayLike<number>, event: ArrayLike<number | boolean>): KaplanMeier {
  const context = 'kaplanMeier';
  check(time !== null && typeof time === 'object' && typeof time.length === 'number', `${context}: time must be an array of durations`);
  check(event !== null && typeof event === 'object' && typeof event.length === 'number', `${context}: event must be an array of 0/1 flags`);
  check(time.length === event.length, `${context}: time has ${time.length} values but event has ${event.length}`);
  check(time.length > 0, `${context}: no observations`);
  const n = time.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const t = time[i];
    if (typeof t !== 'number' || !Number.isFinite(t)) throw new CbmError('NON_FINITE', `${context}: time[${i}] is ${String(t)}; every duration must be a finite number`);
    check(t >= 0, `${context}: time[${i}] is ${t}; durations cannot be negative`);
    const e = event[i];
    check(e === 0 || e === 1 || e === true || e === false, `${context}: event[${i}] is ${String(e)}; use 1 (event) or 0 (censored)`);
    order[i] = i;
  }
  order.sort((a, b) => time[a] - time[b]);
  const times: number[] = [];
  const risk: number[] = [];
  const ev: number[] = [];
  const cens: number[] = [];
  const surv: number[] = [];
  const se: number[] = [];
  let atRisk = n;
  let s = 1;
  let greenwood = 0;
  for (let k = 0; k < n; ) {
    const t = time[order[k]];
    let d = 0;
    let c = 0;
    while (k < n && time[order[k]] === t) {
      const e = event[order[k]];
      if (e === 1 || e === true) d++;
      else c++;
      k++;
    }
    if (d > 0) {
      s *= 1 - d / atRisk;
      greenwood += atRisk === d ? Infinity : d / (atRisk * (atRisk - d));
    }
    times.push(t);
    risk.push(atRisk);
    ev.push(d);
    cens.push(c);
    surv.push(s);
    se.push(Math.sqrt(greenwood));
    atRisk -= d + c;
  }
  const timeArray = Float64Array.from(times);
  const survival = Float64Array.from(surv);
  return {
    time: timeArray,
    atRisk: Float64Array.from(risk),
    events: Float64Array.from(ev),
    censored: Float64Array.from(cens),
    survival,
    stdErr: Float64Array.from(se),
    survivalAt(t: number): number {
      check(typeof t === 'number' && !Number.isNaN(t), `${context}: survivalAt needs a number, got ${String(t)}`);
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
