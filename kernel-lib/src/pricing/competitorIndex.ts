import { CbmError, check } from '../errors';
import { checkOptionSchema } from '../options';
import { toTable, type DataInput, type Table } from '../data/table';

/** Options of {@link competitorIndex}: which product, on which day, summarised how. */
export interface CompetitorIndexOptions {
  /** The product, as named in the table's `product` column, e.g. 'A'. */
  product: string;
  /** 'YYYY-MM-DD': each competitor's latest price observed on or before this day counts. */
  date: string;
  /** How to summarise the competitors, default 'mean'. */
  against?: 'cheapest' | 'mean' | 'median';
}

/** What {@link competitorIndex} returns: the summarised competitor price and the observations behind it. */
export interface CompetitorIndex {
  /** The product asked for. */
  product: string;
  /** The day asked for, 'YYYY-MM-DD'. */
  date: string;
  /** How the competitors were summarised. */
  against: 'cheapest' | 'mean' | 'median';
  /** The summarised competitor price. */
  value: number;
  /** The observations used: one per competitor, its latest on or before `date`. */
  observations: { competitor: string; date: string; price: number }[];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The competitors' price for a product on a date, summarised as the cheapest, the mean or the
 * median of each competitor's latest observed price on or before that date: the denominator of
 * the price gap log(our price / competitors' price) a churn model uses. Competitor prices are a
 * table of (competitor, product, date, price) rows, e.g. kernel-lib/data/customer-base/competitor_prices.csv.
 * A price observed on `date` itself counts (on or before). When a competitor has several rows on its
 * latest day, the last of them in the table's row order wins — a same-day correction is appended
 * after the price it corrects — so sort same-day rows oldest first.
 *
 * Use it to build the price-gap predictor of a churn model row by row (each customer's month) or
 * to compare a planned price with the market.
 *
 * @example
 * const observed = [
 *   { competitor: 'alpha', product: 'A', date: '2025-01-01', price: 38 },
 *   { competitor: 'beta', product: 'A', date: '2025-01-01', price: 41 },
 *   { competitor: 'beta', product: 'A', date: '2025-02-01', price: 43 },
 * ];
 * competitorIndex(observed, { product: 'A', date: '2025-02-15', against: 'mean' }).value; // (38 + 43) / 2 = 40.5
 */
export function competitorIndex(prices: DataInput | Table, options: CompetitorIndexOptions): CompetitorIndex {
  const context = 'competitorIndex';
  check(options !== undefined, `${context}: give options { product, date, against }`);
  checkOptionSchema(options, context, {
    product: { kind: 'text', required: true, example: "'A'" },
    date: { kind: 'date', required: true, example: "'2026-02-15'" },
    against: { kind: 'oneOf', values: ['cheapest', 'mean', 'median'] },
  });
  const { product, date } = options;
  const against = options.against ?? 'mean';
  check(product.length > 0, `${context}: product must be a product name, got ''`);
  const table = toTable(prices, context);
  const competitors = table.cells('competitor');
  const products = table.cells('product');
  const dates = table.cells('date');
  const values = table.cells('price');
  const latest = new Map<string, { competitor: string; date: string; price: number }>();
  for (let i = 0; i < table.nRows; i++) {
    if (products[i] !== product) continue;
    const d = dates[i];
    check(typeof d === 'string' && DATE.test(d), `${context}: date in row ${i} must be 'YYYY-MM-DD', got ${JSON.stringify(d)}`);
    if (d > date) continue;
    const price = values[i];
    if (typeof price !== 'number' || !Number.isFinite(price))
      throw new CbmError('NON_FINITE', `${context}: price in row ${i} is not a finite number (${String(price)})`, { row: i });
    check(price > 0, `${context}: price in row ${i} is ${price}; prices must be positive`, { row: i });
    const competitor = String(competitors[i]);
    const seen = latest.get(competitor);
    // `>=`: a later row of the same day replaces an earlier one (the documented same-day rule).
    if (!seen || d >= seen.date) latest.set(competitor, { competitor, date: d, price });
  }
  if (latest.size === 0) throw new CbmError('BAD_INPUT', `${context}: no competitor price for product '${product}' on or before ${date}`, { product, date });
  const observations = [...latest.values()].sort((a, b) => (a.competitor < b.competitor ? -1 : a.competitor > b.competitor ? 1 : 0));
  const sorted = observations.map((o) => o.price).sort((a, b) => a - b);
  const m = sorted.length;
  const value =
    against === 'cheapest' ? sorted[0] : against === 'mean' ? sorted.reduce((a, b) => a + b, 0) / m : m % 2 === 1 ? sorted[(m - 1) / 2] : (sorted[m / 2 - 1] + sorted[m / 2]) / 2;
  return { product, date, against, value, observations };
}
