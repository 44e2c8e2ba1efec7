import { CbmError, check, checkOptions } from '../errors';
import { toTable, type Cell, type DataInput, type Table } from '../data/table';
import { fitLogit, type FitOptions } from '../model/fit';
import type { LogitModel } from '../model/logit';

/** The interval label of period j (1-based): sorts chronologically as text, e.g. 'p02: days 21-69'. */
function periodLabel(j: number, start: number, end: number): string {
  return `p${String(j).padStart(2, '0')}: days ${start}-${end - 1}`;
}

function checkBreaks(breaks: unknown, context: string): number[] {
  check(Array.isArray(breaks) && breaks.length > 0, `${context}: breaks must be a non-empty array of interval ends in days, e.g. [21, 70, 365]`);
  for (let i = 0; i < breaks.length; i++) {
    check(Number.isInteger(breaks[i]) && breaks[i] > 0, `${context}: breaks[${i}] must be a positive whole number of days, got ${String(breaks[i])}`);
    check(i === 0 || breaks[i] > breaks[i - 1], `${context}: breaks must increase`);
  }
  return [...(breaks as number[])];
}

/**
 * The person-period table of a discrete-time hazard model: intervals [0, b₁), [b₁, b₂), …
 * (days from the scoring date); a customer contributes one row per interval entered while
 * still observed: churned = 1 in the interval of the churn, 0 in every interval observed in full
 * before it; an interval in which a customer is censored contributes no row (its outcome is
 * unknown), exactly as churn_<b> is censored in `churnModelTable`. `period` is a text factor.
 *
 * @example
 * personPeriodTable({ time: [5, 30, 100], event: [1, 1, 0], x: [1, 2, 3] }, { breaks: [21, 70], keep: ['x'] }).columns.churned // [1, 0, 1, 0, 0]
 */
export function personPeriodTable(
  data: DataInput | Table,
  options: { breaks: readonly number[]; keep?: readonly string[] },
): { columns: Record<string, Cell[]>; nRows: number; periods: string[] } {
  const context = 'personPeriodTable';
  checkOptions(options, context);
  check(options !== undefined, `${context}: options { breaks } are required`);
  for (const key of Object.keys(options)) check(key === 'breaks' || key === 'keep', `${context}: unknown option '${key}'; use 'breaks' or 'keep'`);
  const breaks = checkBreaks(options.breaks, context);
  const table = toTable(data, context);
  const keep = [...(options.keep ?? [])];
  const time = table.cells('time');
  const event = table.cells('event');
  const kept = keep.map((k) => table.cells(k));
  const periods = breaks.map((b, j) => periodLabel(j + 1, j === 0 ? 0 : breaks[j - 1], b));
  const columns: Record<string, Cell[]> = Object.create(null);
  for (const name of ['period', 'period_start', 'churned', ...keep]) columns[name] = [];
  for (let i = 0; i < table.nRows; i++) {
    const t = time[i];
    const e = event[i];
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) throw new CbmError('NON_FINITE', `${context}: time[${i}] is ${String(t)}; durations must be finite and ≥ 0`);
    check(e === 0 || e === 1, `${context}: event[${i}] is ${String(e)}; use 1 (churned) or 0 (censored)`);
    for (let j = 0; j < breaks.length; j++) {
      let y: number;
      if (e === 1 && t < breaks[j]) y = 1;
      else if (t >= breaks[j]) y = 0;
      else break; // censored inside this interval
      columns.period.push(periods[j]);
      columns.period_start.push(j === 0 ? 0 : breaks[j - 1]);
      columns.churned.push(y);
      keep.forEach((k, m) => columns[k].push(kept[m][i]));
      if (y === 1) break;
    }
  }
  return { columns, nRows: columns.period.length, periods };
}

/** A fitted discrete-time hazard model and its cumulative churn probabilities. */
export interface DiscreteHazardModel {
  /** The logit of the per-interval hazard: churned ~ period + features. */
  model: LogitModel;
  breaks: number[];
  periods: string[];
  /** Rows of the person-period table the model was fitted on. */
  nPersonPeriods: number;
  /**
   * P(churn before day b) for every break b and every customer: 1 − Π_{intervals up to b}(1 − h),
   * non-decreasing in b for every customer by construction (each factor 1 − h is in (0, 1)).
   */
  cumulative(data: DataInput | Table): Record<string, Float64Array>;
}

/**
 * Fits a discrete-time hazard model on a churn table (with `time` and `event`, e.g. from
 * `churnModelTable`): a logit for the probability of churning in each interval given survival to
 * its start, with one intercept per interval (the baseline hazard, `period` as a factor) and the
 * features as predictors. Unlike one logit per horizon, its cumulative probabilities can never
 * contradict each other: P(churn within 70 days) ≤ P(churn within 365 days) for every customer.
 *
 * @example
 * const hazard = fitDiscreteHazard({ time: [5, 30, 100, 400, 12, 80, 300, 500], event: [1, 1, 1, 0, 1, 1, 1, 0], x: [3, 2, 1, 0, 2, 3, 1, 1] }, { breaks: [21, 70, 365], features: ['x'] });
 * hazard.cumulative({ x: [1] }).churn_365[0] >= hazard.cumulative({ x: [1] }).churn_70[0] // true
 */
export function fitDiscreteHazard(data: DataInput | Table, options: { breaks: readonly number[]; features?: readonly string[]; fit?: FitOptions }): DiscreteHazardModel {
  const context = 'fitDiscreteHazard';
  checkOptions(options, context);
  check(options !== undefined, `${context}: options { breaks, features } are required`);
  for (const key of Object.keys(options)) check(['breaks', 'features', 'fit'].includes(key), `${context}: unknown option '${key}'; use 'breaks', 'features' or 'fit'`);
  const breaks = checkBreaks(options.breaks, context);
  const features = [...(options.features ?? [])];
  const pp = personPeriodTable(data, { breaks, keep: features });
  const seen = new Set(pp.columns.period);
  const missing = pp.periods.filter((p) => !seen.has(p));
  if (missing.length) throw new CbmError('BAD_INPUT', `${context}: no customer is observed in ${missing.join(', ')}; drop the breaks beyond the data`);
  const survivedThrough = new Set(pp.columns.period.filter((_, r) => pp.columns.churned[r] === 0));
  const unobserved = pp.periods.filter((p) => !survivedThrough.has(p));
  if (unobserved.length)
    throw new CbmError(
      'BAD_INPUT',
      `${context}: no customer is observed to the end of ${unobserved.join(', ')} (the data end inside it), so its hazard cannot be estimated; use an earlier scoring date or drop that break`,
    );
  const formula = `churned ~ period${features.map((f) => ` + ${f}`).join('')}`;
  const model = fitLogit(pp.columns, formula, options.fit ?? {});
  return {
    model,
    breaks,
    periods: pp.periods,
    nPersonPeriods: pp.nRows,
    cumulative(rows: DataInput | Table): Record<string, Float64Array> {
      const table = toTable(rows, `${context}.cumulative`);
      const n = table.nRows;
      const survive = new Float64Array(n).fill(1);
      const out: Record<string, Float64Array> = Object.create(null);
      const featureCells = features.map((f) => table.cells(f));
      for (let j = 0; j < breaks.length; j++) {
        const columns: Record<string, ArrayLike<Cell>> = { period: new Array<Cell>(n).fill(pp.periods[j]) };
        features.forEach((f, m) => (columns[f] = featureCells[m]));
        const hazard = model.predict(columns);
        const cumulative = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          survive[i] *= 1 - hazard[i];
          cumulative[i] = 1 - survive[i];
        }
        out[`churn_${breaks[j]}`] = cumulative;
      }
      return out;
    },
  };
}
