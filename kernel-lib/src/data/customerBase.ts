import { CbmError, check } from '../errors';
import { checkOptionSchema, type OptionSchema } from '../options';
import { seededUniform, standardNormal, type Uniform } from '../random';
import { toCsv } from './csv';

/** Options of {@link customerBase}: the seed and the size of the synthetic base. */
export interface CustomerBaseOptions {
  /** Seed of the draw, default CUSTOMER_BASE_SEED (2026). */
  seed?: number | string;
  /** Number of customers, default 5,000 (at most 100,000). */
  customers?: number;
  /** Length of the observation window in months, default 24 (at most 120). */
  months?: number;
  /** First day of the window, a first of the month 'YYYY-MM-01', default '2025-01-01'. */
  start?: string;
}

export type Segment = 'consumer' | 'small_business' | 'enterprise';
export type Product = 'A' | 'B';
export type Region = 'north' | 'south' | 'east' | 'west';

/** One row of customers.csv. */
export interface CustomerBaseCustomer {
  [column: string]: string | number;
  customer_id: number;
  segment: Segment;
  product: Product;
  region: Region;
  /** 'YYYY-MM-DD'; the day of the month is also the customer's billing day (1–28). */
  signup_date: string;
  /** Whole months from signup to the window start; 0 for customers who sign up inside the window. */
  tenure_months_at_start: number;
  /** The monthly bill at signup: list price of the signup month × seats × (1 − segment discount), rounded to cents. */
  monthly_charges: number;
  /** Licences billed each month (1 for consumers). */
  seats: number;
}

/** One row of events.csv: a monthly payment, or the cancellation that ends the contract. */
export interface CustomerBaseEvent {
  [column: string]: string | number;
  customer_id: number;
  date: string;
  type: 'purchase' | 'cancellation';
  /** The amount paid (purchase) or 0 (cancellation). */
  amount: number;
}

/** One row of prices.csv: our list price per seat of a product in a month. */
export interface CustomerBasePrice {
  [column: string]: string | number;
  product: Product;
  /** 'YYYY-MM-01'. */
  month: string;
  price: number;
}

/** One row of competitor_prices.csv: a competitor's observed price per seat, scraped on the 1st of each month. */
export interface CustomerBaseCompetitorPrice {
  [column: string]: string | number;
  competitor: string;
  product: Product;
  date: string;
  price: number;
}

/** The four tables {@link customerBase} draws, as rows (the CSV files' contents). */
export interface CustomerBase {
  /** One row per customer, in customer_id order. */
  customers: CustomerBaseCustomer[];
  /** Monthly payments and cancellations. */
  events: CustomerBaseEvent[];
  /** Our monthly list prices per product. */
  prices: CustomerBasePrice[];
  /** The three competitors' monthly prices per product. */
  competitorPrices: CustomerBaseCompetitorPrice[];
}

/**
 * The generating mechanism (every number documented in kernel-lib/data/customer-base/README.md).
 * Prices: a market factor M (random walk with drift) moves our and the competitors' prices
 * together, so leaving competitor prices out of a churn model confounds the price effect;
 * our own repricing (occasional jumps, decaying) and competitor noise move the gap.
 * Customers: a monthly life history; a month starts with a possible silent lapse (never from the
 * first month: the customer simply stops buying, no event), then the purchase, then a possible
 * cancellation with the hazard above.
 */
export const CUSTOMER_BASE_MECHANISM = Object.freeze({
  segments: Object.freeze(['consumer', 'small_business', 'enterprise'] as const),
  segmentShares: Object.freeze([0.6, 0.3, 0.1]),
  products: Object.freeze(['A', 'B'] as const),
  shareProductA: 0.55,
  regions: Object.freeze(['north', 'south', 'east', 'west'] as const),
  /** Share of customers already customers at the window start; the rest sign up inside the window (uniform month). */
  shareExistingAtStart: 0.7,
  /** Existing customers' tenure at the start: uniform whole months 1 … this; prices are generated this far back. */
  maxTenureAtStart: 48,
  /** Seats: consumers 1; small businesses uniform 2–9; enterprises uniform 10–49. */
  seats: Object.freeze({ consumer: Object.freeze([1, 1]), small_business: Object.freeze([2, 9]), enterprise: Object.freeze([10, 49]) }),
  /** Contract discount on the list price per segment. */
  discount: Object.freeze({ consumer: 0, small_business: 0.05, enterprise: 0.12 }),
  /** List price per seat at M = 0 and no own offset. */
  basePrice: Object.freeze({ A: 40, B: 65 }),
  /** Market factor: M(t) = M(t−1) + drift + marketSd·N(0, 1), M = 0 in the first history month. */
  marketDrift: 0.002,
  marketSd: 0.01,
  /** Our own log offset o(t) = ownPersistence·o(t−1) + jump, a jump N(0, repriceSd²) with probability repriceProbability. */
  repriceProbability: 0.25,
  repriceSd: 0.07,
  ownPersistence: 0.9,
  /** Competitors' names and price levels relative to our base price, per product. */
  competitors: Object.freeze(['alpha', 'beta', 'gamma'] as const),
  competitorLevel: Object.freeze({ A: Object.freeze([0.93, 1.0, 1.08]), B: Object.freeze([0.97, 1.04, 1.1]) }),
  /** Competitor log offset q(t) = competitorPersistence·q(t−1) + competitorSd·N(0, 1). */
  competitorPersistence: 0.8,
  competitorSd: 0.03,
  /** Monthly cancellation hazard: logit h = intercept[segment] + priceGap·gap + logTenure·log(1 + tenure). */
  hazard: Object.freeze({
    intercept: Object.freeze({ consumer: -2.9, small_business: -3.4, enterprise: -4.0 }),
    priceGap: 4,
    logTenure: -0.3,
  }),
  /** Monthly probability of silently stopping (no cancellation event), from the second observed month on. */
  lapse: Object.freeze({ consumer: 0.006, small_business: 0.003, enterprise: 0.001 }),
});

/** The type of {@link CUSTOMER_BASE_MECHANISM}: every constant of the generating mechanism. */
export type CustomerBaseMechanism = typeof CUSTOMER_BASE_MECHANISM;

/** The default seed of kernel-lib/data/customer-base/*.csv. */
export const CUSTOMER_BASE_SEED = 2026;

const DEFAULTS = { customers: 5000, months: 24, start: '2025-01-01' };
/** customers × months above this would take seconds and hundreds of MB of row objects. */
const MAX_CUSTOMER_MONTHS = 3_000_000;
const CUSTOMER_BASE_OPTIONS: OptionSchema = {
  seed: { kind: 'seed', example: '7' },
  customers: { kind: 'number', integer: true, min: 1, max: 100_000, example: '5000' },
  months: { kind: 'number', integer: true, min: 1, max: 120, example: '24' },
  // The first of a month, checked below.
  start: { kind: 'text', example: "'2025-01-01'" },
};

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Month index (year·12 + month − 1) → 'YYYY-MM-DD'. */
function dateOf(monthIndex: number, day: number): string {
  const year = Math.floor(monthIndex / 12);
  const month = (monthIndex % 12) + 1;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function whole(uniform: Uniform, low: number, high: number): number {
  return low + Math.floor(uniform() * (high - low + 1));
}

function pick(uniform: Uniform, shares: readonly number[]): number {
  const u = uniform();
  let cumulative = 0;
  for (let k = 0; k < shares.length - 1; k++) {
    cumulative += shares[k];
    if (u < cumulative) return k;
  }
  return shares.length - 1;
}

/**
 * A seeded synthetic subscription business for the customer-base-management notebooks: customers
 * of two products (A, B) in three segments, their monthly purchases and cancellations, our monthly
 * list prices and three competitors' prices. The data are synthetic but the mechanism is documented
 * and frozen (CUSTOMER_BASE_MECHANISM, kernel-lib/data/customer-base/README.md), so a churn model
 * fitted to them can be checked against the truth: the monthly cancellation hazard is
 *
 *   logit h = intercept[segment] + priceGap·log(our list price / competitors' mean price)
 *             + logTenure·log(1 + tenure in months).
 *
 * Use it to try churn models, survival curves and price simulations on a base whose true effects
 * are known; the committed CSV files are this function's output at the default options.
 *
 * Draw order from one seeded generator (so the files are reproducible
 * from the seed alone): (1) the price history month by month from `start − maxTenureAtStart`
 * months: market step; for A then B our repricing (a uniform, then a normal if it fires);
 * for A then B each competitor's step; (2) for each customer in id order: segment, product,
 * region, existing or new, tenure (existing) or signup month (new), billing day, seats;
 * (3) for each customer in id order, month by month: lapse (from the second month), cancellation,
 * and the cancellation day if it happens.
 *
 * @example
 * const base = customerBase({ seed: 7, customers: 200, months: 12 });
 * base.customers.length; // 200
 * base.events.filter((e) => e.type === 'cancellation').length; // customers who cancelled
 */
export function customerBase(options: CustomerBaseOptions = {}): CustomerBase {
  checkOptionSchema(options, 'customerBase', CUSTOMER_BASE_OPTIONS);
  const nCustomers = options?.customers ?? DEFAULTS.customers;
  const months = options?.months ?? DEFAULTS.months;
  const start = options?.start ?? DEFAULTS.start;
  if (nCustomers * months > MAX_CUSTOMER_MONTHS) {
    throw new CbmError(
      'TOO_LARGE',
      `customerBase: customers × months = ${nCustomers * months} exceeds ${MAX_CUSTOMER_MONTHS.toLocaleString('en-US')}; draw fewer customers or months`,
      { customers: nCustomers, months },
    );
  }
  const startMatch = typeof start === 'string' ? /^(\d{4})-(\d{2})-01$/.exec(start) : null;
  check(
    startMatch !== null && Number(startMatch[2]) >= 1 && Number(startMatch[2]) <= 12,
    `customerBase: start must be the first of a month as 'YYYY-MM-01', got ${JSON.stringify(start)}`,
  );
  const m = CUSTOMER_BASE_MECHANISM;
  const uniform = seededUniform(options.seed ?? CUSTOMER_BASE_SEED);
  const startMonth = Number(startMatch[1]) * 12 + Number(startMatch[2]) - 1;
  const historyMonths = m.maxTenureAtStart + months;
  const firstMonth = startMonth - m.maxTenureAtStart;

  // (1) Prices, history month h = 0 … historyMonths − 1 (calendar month firstMonth + h).
  const listPrice = { A: new Float64Array(historyMonths), B: new Float64Array(historyMonths) };
  const competitorMean = { A: new Float64Array(historyMonths), B: new Float64Array(historyMonths) };
  const prices: CustomerBasePrice[] = [];
  const competitorPrices: CustomerBaseCompetitorPrice[] = [];
  let market = 0;
  const own = { A: 0, B: 0 };
  const rival = { A: [0, 0, 0], B: [0, 0, 0] };
  for (let h = 0; h < historyMonths; h++) {
    if (h > 0) market += m.marketDrift + m.marketSd * standardNormal(uniform);
    for (const product of m.products) {
      own[product] *= m.ownPersistence;
      if (uniform() < m.repriceProbability) own[product] += m.repriceSd * standardNormal(uniform);
    }
    for (const product of m.products) {
      for (let c = 0; c < m.competitors.length; c++) rival[product][c] = m.competitorPersistence * rival[product][c] + m.competitorSd * standardNormal(uniform);
    }
    const month = dateOf(firstMonth + h, 1);
    for (const product of m.products) {
      const price = round2(m.basePrice[product] * Math.exp(market + own[product]));
      listPrice[product][h] = price;
      prices.push({ product, month, price });
      let sum = 0;
      for (let c = 0; c < m.competitors.length; c++) {
        const theirs = round2(m.basePrice[product] * m.competitorLevel[product][c] * Math.exp(market + rival[product][c]));
        sum += theirs;
        competitorPrices.push({ competitor: m.competitors[c], product, date: month, price: theirs });
      }
      competitorMean[product][h] = sum / m.competitors.length;
    }
  }
  prices.sort((a, b) => (a.product < b.product ? -1 : a.product > b.product ? 1 : a.month < b.month ? -1 : 1));
  competitorPrices.sort((a, b) =>
    a.competitor !== b.competitor ? (a.competitor < b.competitor ? -1 : 1) : a.product !== b.product ? (a.product < b.product ? -1 : 1) : a.date < b.date ? -1 : 1,
  );

  // (2) Customers.
  interface Profile {
    segment: Segment;
    product: Product;
    /** History month of signup. */
    signup: number;
    day: number;
    seats: number;
  }
  const profiles: Profile[] = [];
  const customers: CustomerBaseCustomer[] = [];
  for (let i = 0; i < nCustomers; i++) {
    const segment = m.segments[pick(uniform, m.segmentShares)];
    const product: Product = uniform() < m.shareProductA ? 'A' : 'B';
    const region = m.regions[Math.floor(uniform() * m.regions.length)];
    const existing = uniform() < m.shareExistingAtStart;
    const tenure = existing ? whole(uniform, 1, m.maxTenureAtStart) : 0;
    const signup = existing ? m.maxTenureAtStart - tenure : m.maxTenureAtStart + whole(uniform, 0, months - 1);
    const day = whole(uniform, 1, 28);
    const [low, high] = m.seats[segment];
    const seats = whole(uniform, low, high);
    profiles.push({ segment, product, signup, day, seats });
    customers.push({
      customer_id: i + 1,
      segment,
      product,
      region,
      signup_date: dateOf(firstMonth + signup, day),
      tenure_months_at_start: tenure,
      monthly_charges: round2(listPrice[product][signup] * seats * (1 - m.discount[segment])),
      seats,
    });
  }

  // (3) Life histories inside the window.
  const events: CustomerBaseEvent[] = [];
  for (let i = 0; i < nCustomers; i++) {
    const { segment, product, signup, day, seats } = profiles[i];
    const first = Math.max(signup, m.maxTenureAtStart);
    for (let h = first; h < historyMonths; h++) {
      if (h > first && uniform() < m.lapse[segment]) break;
      events.push({ customer_id: i + 1, date: dateOf(firstMonth + h, day), type: 'purchase', amount: round2(listPrice[product][h] * seats * (1 - m.discount[segment])) });
      const gap = Math.log(listPrice[product][h] / competitorMean[product][h]);
      const v = m.hazard.intercept[segment] + m.hazard.priceGap * gap + m.hazard.logTenure * Math.log(1 + (h - signup));
      if (uniform() < 1 / (1 + Math.exp(-v))) {
        events.push({ customer_id: i + 1, date: dateOf(firstMonth + h, whole(uniform, day, 28)), type: 'cancellation', amount: 0 });
        break;
      }
    }
  }
  return { customers, events, prices, competitorPrices };
}

const COLUMNS = {
  customers: ['customer_id', 'segment', 'product', 'region', 'signup_date', 'tenure_months_at_start', 'monthly_charges', 'seats'],
  events: ['customer_id', 'date', 'type', 'amount'],
  prices: ['product', 'month', 'price'],
  competitorPrices: ['competitor', 'product', 'date', 'price'],
} as const;

function csv(rows: readonly Record<string, string | number>[], columns: readonly string[]): string {
  return toCsv(rows as never, { columns });
}

/**
 * The four tables as CSV text (header row, LF line ends, numbers as JavaScript prints them):
 * what kernel-lib/data/customer-base/{customers,events,prices,competitor_prices}.csv hold.
 *
 * @example
 * const csv = customerBaseCsv(customerBase({ seed: 7, customers: 10, months: 3 }));
 * csv.customers.split('\n')[0]; // 'customer_id,segment,product,region,signup_date,...'
 */
export function customerBaseCsv(base: CustomerBase): { customers: string; events: string; prices: string; competitorPrices: string } {
  check(
    base !== null && typeof base === 'object' && ['customers', 'events', 'prices', 'competitorPrices'].every((k) => Array.isArray((base as unknown as Record<string, unknown>)[k])),
    'customerBaseCsv: expected the object customerBase() returns',
  );
  return {
    customers: csv(base.customers, COLUMNS.customers),
    events: csv(base.events, COLUMNS.events),
    prices: csv(base.prices, COLUMNS.prices),
    competitorPrices: csv(base.competitorPrices, COLUMNS.competitorPrices),
  };
}
