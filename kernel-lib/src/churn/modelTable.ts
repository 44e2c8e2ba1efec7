import { CbmError, check, checkOptions } from '../errors';
import { checkOptionSchema, type OptionSchema } from '../options';
import { toTable, type Cell, type DataInput, type Table } from '../data/table';
import { dateText, dayNumber } from './dates';

/** What counts as churn: a cancellation event, or no purchase for `days` days. */
export type ChurnDefinition = { kind: 'cancellation' } | { kind: 'inactivity'; days: number };

/** The features computed from the events before the scoring date. */
export const CHURN_FEATURES = ['tenure_days', 'recency_days', 'purchases_total', 'amount_total', 'purchases_window', 'amount_window', 'amount_change'] as const;
/** One of the {@link CHURN_FEATURES}, e.g. `'recency_days'`. */
export type ChurnFeature = (typeof CHURN_FEATURES)[number];

/** Options of {@link churnModelTable} (and of the SQL builder churnModelTableSql): the date, the churn rule, the horizons. */
export interface ChurnModelTableOptions {
  /** The scoring date 'YYYY-MM-DD': features use events strictly before it, outcomes events on or after it. */
  scoringDate: string;
  /** What counts as churn: `{ kind: 'cancellation' }` or `{ kind: 'inactivity', days }`. */
  definition: ChurnDefinition;
  /** Outcome windows in days, e.g. [21, 70, 365]: churn_21 = churned within [s, s + 21). */
  horizons: readonly number[];
  /** Which features to compute (default all of CHURN_FEATURES). */
  features?: readonly ChurnFeature[];
  /** Days of the recent window for purchases_window, amount_window and amount_change (default 90). */
  windowDays?: number;
  /** Customers (customer_id, optional signup_date, attributes): the population and static attributes. */
  customers?: DataInput | Table;
  /** Columns of `customers` copied into the table (static attributes such as segment). */
  attributes?: readonly string[];
  /** The last day the data covers, 'YYYY-MM-DD' (default the last event date). */
  dataEnd?: string;
}

/** The modelling table {@link churnModelTable} builds: one row per customer active at the scoring date, by column. */
export interface ChurnModelTable {
  /** One array per column: customer_id, attributes, features, time, event, churn_<h> per horizon. */
  columns: Record<string, Cell[]>;
  /** Column names in order. */
  names: string[];
  /** Customers in the table. */
  nRows: number;
  /** The scoring date s, 'YYYY-MM-DD'. */
  scoringDate: string;
  /** The last day the data covers, 'YYYY-MM-DD': a window ending after it is censored. */
  dataEnd: string;
  /** The outcome horizons in days, ascending. */
  horizons: number[];
  /** Per horizon: customers churned, retained, censored (window not fully observed, outcome null). */
  outcomes: { horizon: number; column: string; churned: number; retained: number; censored: number }[];
}

/** churnModelTable's options; the SQL builders take them too, with tables for `customers`. */
export const CHURN_OPTIONS: OptionSchema = {
  // Dates may be 'YYYY-MM-DD' or a Date: dayNumber checks them where they are read.
  scoringDate: { kind: 'any', required: true, example: "'2025-02-01'" },
  definition: { kind: 'object', required: true, example: "{ kind: 'cancellation' }" },
  horizons: { kind: 'list', required: true, example: '[21, 70, 365]' },
  features: { kind: 'names' },
  windowDays: { kind: 'number', integer: true, min: 1, example: '90' },
  customers: { kind: 'any' },
  attributes: { kind: 'names', example: "['segment']" },
  dataEnd: { kind: 'any' },
};

/** Checks churnModelTable's options and returns them with defaults filled in. */
export function checkChurnOptions(
  options: ChurnModelTableOptions,
  context: string,
): { definition: ChurnDefinition; horizons: number[]; features: ChurnFeature[]; windowDays: number } {
  checkOptions(options, context);
  check(options !== undefined, `${context}: options { scoringDate, definition, horizons } are required`);
  checkOptionSchema(options, context, CHURN_OPTIONS);
  const d = options.definition;
  if (d.kind === 'cancellation') check(Object.keys(d).length === 1, `${context}: definition { kind: 'cancellation' } takes no other fields`);
  else if (d.kind === 'inactivity') {
    check(
      Object.keys(d).every((k) => k === 'kind' || k === 'days'),
      `${context}: definition { kind: 'inactivity' } takes only 'days'`,
    );
    check(Number.isInteger(d.days) && d.days > 0, `${context}: definition.days must be a positive whole number of days, got ${String(d.days)}`);
  } else throw new CbmError('BAD_INPUT', `${context}: unknown churn definition kind ${JSON.stringify((d as { kind?: unknown }).kind)}; use 'cancellation' or 'inactivity'`);
  check(Array.isArray(options.horizons) && options.horizons.length > 0, `${context}: horizons must be a non-empty array of days, e.g. [21, 70, 365]`);
  for (const h of options.horizons) check(Number.isInteger(h) && h > 0, `${context}: every horizon must be a positive whole number of days, got ${String(h)}`);
  check(new Set(options.horizons).size === options.horizons.length, `${context}: horizons must not repeat`);
  const features = options.features === undefined ? [...CHURN_FEATURES] : [...options.features];
  for (const f of features) check((CHURN_FEATURES as readonly string[]).includes(f), `${context}: unknown feature '${String(f)}'; choose from ${CHURN_FEATURES.join(', ')}`);
  const windowDays = options.windowDays ?? 90;
  return { definition: d, horizons: [...options.horizons].sort((a, b) => a - b), features, windowDays };
}

interface History {
  firstEvent: number; // earliest event offset (< 0 for customers known before s), Infinity if none
  lastPurchase: number; // −Infinity if none before s
  purchasesTotal: number;
  amountTotal: number;
  purchasesWindow: number;
  amountWindow: number;
  amountPrevWindow: number;
  cancelledBefore: boolean;
  cancelAfter: number; // first cancellation offset ≥ 0, Infinity if none
  futurePurchases: number[]; // offsets ≥ 0
}

/** The history of a customer with no events yet. */
function newHistory(): History {
  return {
    firstEvent: Infinity,
    lastPurchase: -Infinity,
    purchasesTotal: 0,
    amountTotal: 0,
    purchasesWindow: 0,
    amountWindow: 0,
    amountPrevWindow: 0,
    cancelledBefore: false,
    cancelAfter: Infinity,
    futurePurchases: [],
  };
}

/**
 * The churn modelling table at a scoring date s: one row per customer active at s, features
 * computed only from events strictly before s (so nothing leaks from the outcome window), and
 * one outcome column per horizon h: churn_h = 1 when the customer churned on a day in [s, s + h),
 * 0 when the whole window is observed without churn, and null (censored) when the data end
 * before s + h − 1 and no churn was seen — a censored customer is never counted as retained.
 * `time` (days from s to churn, or the days observed) and `event` feed Kaplan–Meier and the
 * hazard model.
 *
 * Churn: 'cancellation' — the first cancellation on or after s; active at s means no
 * cancellation before s. 'inactivity' (days D) — a customer's activity anchor is the last purchase
 * before s (the signup date when there is none); active at s means s − anchor < D; churn happens
 * on the first day p + D after a purchase p ≥ anchor that is not followed by another purchase
 * within D days. A churn is observed when its day is ≤ the data end.
 * Population: customers with signup_date (or, without a customers table, any event) before s.
 * Features: tenure_days (s − signup or first event), recency_days (s − anchor), purchases_total,
 * amount_total, purchases_window and amount_window (purchases in [s − W, s)), amount_change
 * (amount_window minus the amount in [s − 2W, s − W)); W = windowDays.
 * Rows are sorted by customer_id (numbers numerically, text in code-unit order), as the SQL
 * builder `churnModelTableSql` returns them.
 *
 * @example
 * const table = churnModelTable(
 *   [{ customer_id: 1, date: '2025-01-05', type: 'purchase', amount: 10 }, { customer_id: 1, date: '2025-03-01', type: 'cancellation', amount: 0 },
 *    { customer_id: 2, date: '2025-01-09', type: 'purchase', amount: 12 }, { customer_id: 2, date: '2025-06-30', type: 'purchase', amount: 12 }],
 *   { scoringDate: '2025-02-01', definition: { kind: 'cancellation' }, horizons: [30, 90] });
 * table.columns.churn_90 // [1, 0]
 */
export function churnModelTable(events: DataInput | Table, options: ChurnModelTableOptions): ChurnModelTable {
  const context = 'churnModelTable';
  const { definition, horizons, features, windowDays: W } = checkChurnOptions(options, context);
  const table = toTable(events, `${context} (events)`);
  for (const name of ['customer_id', 'date', 'type'])
    if (!table.has(name)) throw new CbmError('UNKNOWN_COLUMN', `${context}: events need a '${name}' column; they have ${table.names.join(', ')}`, { column: name });
  const s = dayNumber(options.scoringDate, context, 'scoringDate');
  const ids = table.cells('customer_id');
  const dates = table.cells('date');
  const types = table.cells('type');
  const amounts = table.has('amount') ? table.cells('amount') : null;
  const n = table.nRows;
  check(n > 0, `${context}: there are no events`);

  const offsets = new Float64Array(n);
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < n; i++) {
    const day = dayNumber(dates[i], context, `events row ${i} date`);
    offsets[i] = day - s;
    if (day < first) first = day;
    if (day > last) last = day;
    const ty = types[i];
    check(ty === 'purchase' || ty === 'cancellation', `${context}: events row ${i} has type ${JSON.stringify(ty)}; use 'purchase' or 'cancellation'`);
    const id = ids[i];
    check(typeof id === 'number' || (typeof id === 'string' && id !== ''), `${context}: events row ${i} has no customer_id`);
  }
  const end = options.dataEnd === undefined ? last : dayNumber(options.dataEnd, context, 'dataEnd');
  check(end >= last || options.dataEnd === undefined, `${context}: dataEnd ${options.dataEnd} is before the last event ${dateText(last)}`);
  if (!(s > first && s <= end))
    throw new CbmError(
      'BAD_INPUT',
      `${context}: scoringDate ${options.scoringDate} is outside the data (${dateText(first)} to ${dateText(end)}); pick a date after the first event and not after the data end`,
    );
  const endOffset = end - s;

  const histories = new Map<Cell, History>();
  const history = (id: Cell): History => {
    let h = histories.get(id);
    if (!h) {
      h = newHistory();
      histories.set(id, h);
    }
    return h;
  };
  for (let i = 0; i < n; i++) {
    const h = history(ids[i]);
    const t = offsets[i];
    if (t < h.firstEvent) h.firstEvent = t;
    if (types[i] === 'purchase') {
      if (t < 0) {
        const a = amounts === null ? 0 : amounts[i];
        check(typeof a === 'number' && Number.isFinite(a), `${context}: events row ${i} is a purchase without a finite amount`);
        if (t > h.lastPurchase) h.lastPurchase = t;
        h.purchasesTotal++;
        h.amountTotal += a;
        if (t >= -W) {
          h.purchasesWindow++;
          h.amountWindow += a;
        } else if (t >= -2 * W) h.amountPrevWindow += a;
      } else h.futurePurchases.push(t);
    } else if (t < 0) h.cancelledBefore = true;
    else if (t < h.cancelAfter) h.cancelAfter = t;
  }

  // The population and its static attributes.
  const attributes = [...(options.attributes ?? [])];
  let population: { id: Cell; start: number; attrs: Cell[] }[] = [];
  if (options.customers !== undefined) {
    const customers = toTable(options.customers, `${context} (customers)`);
    if (!customers.has('customer_id')) throw new CbmError('UNKNOWN_COLUMN', `${context}: customers need a 'customer_id' column`, { column: 'customer_id' });
    for (const a of attributes)
      if (!customers.has(a))
        throw new CbmError('UNKNOWN_COLUMN', `${context}: attribute '${a}' is not a column of customers; they have ${customers.names.join(', ')}`, { column: a });
    const cid = customers.cells('customer_id');
    const signup = customers.has('signup_date') ? customers.cells('signup_date') : null;
    const attrCells = attributes.map((a) => customers.cells(a));
    for (let i = 0; i < customers.nRows; i++) {
      const start = signup ? dayNumber(signup[i], context, `customers row ${i} signup_date`) - s : (histories.get(cid[i])?.firstEvent ?? Infinity);
      population.push({ id: cid[i], start, attrs: attrCells.map((c) => c[i]) });
    }
  } else {
    check(attributes.length === 0, `${context}: attributes need a customers table`);
    for (const [id, h] of histories) population.push({ id, start: h.firstEvent, attrs: [] });
  }
  population = population.filter((p) => p.start < 0);
  population.sort((a, b) => compareIds(a.id, b.id));

  const empty = newHistory(); // a customer without events
  const names = ['customer_id', ...attributes, ...features, 'time', 'event', ...horizons.map((h) => `churn_${h}`)];
  const columns: Record<string, Cell[]> = Object.create(null);
  for (const name of names) columns[name] = [];
  const outcomes = horizons.map((h) => ({ horizon: h, column: `churn_${h}`, churned: 0, retained: 0, censored: 0 }));
  for (const p of population) {
    const h = histories.get(p.id) ?? empty;
    const anchor = Math.max(h.lastPurchase, p.start);
    let churnAt: number;
    if (definition.kind === 'cancellation') {
      if (h.cancelledBefore) continue;
      churnAt = h.cancelAfter;
    } else {
      const D = definition.days;
      if (-anchor >= D) continue;
      const future = h.futurePurchases.sort((a, b) => a - b);
      let previous = anchor;
      churnAt = NaN;
      for (const t of future) {
        if (t - previous >= D) break;
        previous = t;
      }
      churnAt = previous + D;
    }
    const observed = churnAt <= endOffset;
    const time = observed ? churnAt : endOffset + 1;
    const featureValues: Record<ChurnFeature, number> = {
      tenure_days: -p.start,
      recency_days: -anchor,
      purchases_total: h.purchasesTotal,
      amount_total: h.amountTotal,
      purchases_window: h.purchasesWindow,
      amount_window: h.amountWindow,
      amount_change: h.amountWindow - h.amountPrevWindow,
    };
    columns.customer_id.push(p.id);
    attributes.forEach((a, k) => columns[a].push(p.attrs[k]));
    for (const f of features) columns[f].push(featureValues[f]);
    columns.time.push(time);
    columns.event.push(observed ? 1 : 0);
    horizons.forEach((hz, k) => {
      const y = observed && time < hz ? 1 : endOffset + 1 >= hz ? 0 : null;
      columns[`churn_${hz}`].push(y);
      if (y === 1) outcomes[k].churned++;
      else if (y === 0) outcomes[k].retained++;
      else outcomes[k].censored++;
    });
  }
  return { columns, names, nRows: columns.customer_id.length, scoringDate: dateText(s), dataEnd: dateText(end), horizons, outcomes };
}

/** Numbers numerically, text in code-unit order, numbers before text (as SQL sorts one typed column). */
export function compareIds(a: Cell, b: Cell): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
