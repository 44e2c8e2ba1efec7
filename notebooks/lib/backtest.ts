/**
 * A backtest of the month-by-month forecast notebooks 04 and 05 show on the synthetic customer base: for each seed,
 * draw a base of `years + 1` years, fit the monthly cancellation hazard on all but the last year,
 * forecast the last year's revenue of the customers active at its start (`customerForecast`, the
 * notebooks' function: 90 % interval with the model's own uncertainty), and compare with what they
 * actually paid. Across many
 * seeds the share of years inside the interval estimates its coverage, reported with the
 * Clopper–Pearson interval of that share.
 *
 * Two truths are compared, because the forecast makes a price assumption:
 * - `actual`: what the customers paid, at the list prices the year actually had;
 * - `atHeldPrices`: each customer's months actually paid × the last bill before the year, the
 *   quantity the forecast claims to predict when prices are held (as a plan holds them).
 */
import { CbmError, competitorIndex, fitLogit, regularizedBeta } from '@cbm-kit/kernel-lib';
import { customerBase, type CustomerBase } from '@cbm-kit/kernel-lib/datasets';
import { customerForecast } from './forecast';
import type { PersonMonth } from './plan';

const monthIndex = (date: string) => Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7)) - 1;
const monthOf = (index: number) => `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}-01`;

/**
 * The person-month table of a customer base, as notebook 04 builds it: one row per customer and
 * paid month, `cancelled` = 1 in the month of a cancellation, the log gap of our list price to the
 * competitors' mean (`competitorIndex`), log(1 + tenure in months). In customer and month order.
 */
export function personMonthsOf(base: CustomerBase): (PersonMonth & { log_our_price: number })[] {
  const ourPrice = new Map(base.prices.map((p) => [`${p.product}|${p.month}`, p.price]));
  const competitorMean = competitorMeans(base);
  const byId = new Map(base.customers.map((c) => [c.customer_id, c]));
  const cancelledIn = new Set(base.events.filter((e) => e.type === 'cancellation').map((e) => `${e.customer_id}|${e.date.slice(0, 7)}`));
  return base.events
    .filter((e) => e.type === 'purchase')
    .map((e) => {
      const c = byId.get(e.customer_id)!;
      const month = `${e.date.slice(0, 7)}-01`;
      const ours = ourPrice.get(`${c.product}|${month}`)!;
      return {
        customer_id: c.customer_id,
        month,
        product: c.product,
        segment: c.segment,
        amount: e.amount,
        cancelled: cancelledIn.has(`${e.customer_id}|${e.date.slice(0, 7)}`) ? 1 : 0,
        log_gap: Math.log(ours / competitorMean.get(`${c.product}|${month}`)!),
        log_our_price: Math.log(ours),
        log_tenure: Math.log(1 + monthIndex(e.date) - monthIndex(c.signup_date)),
      };
    });
}

/** The competitors' mean price (`competitorIndex`) of each product and month of our price list, keyed `product|YYYY-MM-01`. */
function competitorMeans(base: CustomerBase): Map<string, number> {
  return new Map(base.prices.map((p) => [`${p.product}|${p.month}`, competitorIndex(base.competitorPrices, { product: p.product, date: p.month, against: 'mean' }).value]));
}

/**
 * How each product's log price gap to the competitors' mean moved over the year after each month
 * of its history before `before` (YYYY-MM-01): the year's average gap minus the month's, one value
 * per month whose following year lies wholly before `before`. What `featureShifts` draws from.
 */
export function yearAheadGapShifts(base: CustomerBase, before: string): Map<string, number[]> {
  const competitorMean = competitorMeans(base);
  const result = new Map<string, number[]>();
  for (const product of [...new Set(base.prices.map((p) => p.product))].sort()) {
    const gaps = base.prices
      .filter((p) => p.product === product && p.month < before)
      .sort((a, b) => (a.month < b.month ? -1 : 1))
      .map((p) => Math.log(p.price / competitorMean.get(`${p.product}|${p.month}`)!));
    result.set(product, yearAheadShifts(gaps));
  }
  return result;
}

/** For a monthly series x: mean(x[m + 1 … m + 12]) − x[m] for every m with 12 months after it. */
export function yearAheadShifts(series: readonly number[]): number[] {
  const shifts: number[] = [];
  for (let m = 0; m + 12 < series.length; m++) {
    let sum = 0;
    for (let k = 1; k <= 12; k++) sum += series[m + k];
    shifts.push(sum / 12 - series[m]);
  }
  return shifts;
}

/**
 * Each segment's monthly probability of stopping silently (no purchase next month, no cancellation):
 * lapses / months at risk, the maximum-likelihood estimate of a constant rate. A month is at risk
 * when it is paid, not cancelled and not the table's last month (after which nobody is seen).
 */
export function lapseRates(personMonths: readonly PersonMonth[]): Map<string, number> {
  const last = Math.max(...personMonths.map((r) => monthIndex(String(r.month))));
  const paid = new Set(personMonths.map((r) => `${r.customer_id}|${monthIndex(String(r.month))}`));
  const counts = new Map<string, { atRisk: number; lapsed: number }>();
  for (const r of personMonths) {
    const m = monthIndex(String(r.month));
    if (Number(r.cancelled) === 1 || m === last) continue;
    const c = counts.get(r.segment) ?? { atRisk: 0, lapsed: 0 };
    c.atRisk += 1;
    if (!paid.has(`${r.customer_id}|${m + 1}`)) c.lapsed += 1;
    counts.set(r.segment, c);
  }
  return new Map([...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([segment, c]) => [segment, c.lapsed / c.atRisk]));
}

/** p with I_p(a, b) = target, by bisection (I is increasing in p). */
function betaQuantile(target: number, a: number, b: number): number {
  let lo = 0;
  let hi = 1;
  for (let k = 0; k < 200 && hi - lo > 1e-15; k++) {
    const mid = (lo + hi) / 2;
    if (regularizedBeta(mid, a, b) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The Clopper–Pearson ("exact") interval for a binomial proportion x/n (R: `binom.test(x, n)$conf.int`). */
export function clopperPearson(x: number, n: number, level = 0.95): { lower: number; upper: number } {
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(x) || x < 0 || x > n || !(level > 0 && level < 1)) {
    throw new CbmError('BAD_INPUT', `clopperPearson: need whole numbers 0 ≤ x ≤ n, n ≥ 1 and a level in (0, 1), got x = ${x}, n = ${n}, level = ${level}`);
  }
  const alpha = 1 - level;
  return { lower: x === 0 ? 0 : betaQuantile(alpha / 2, x, n - x + 1), upper: x === n ? 1 : betaQuantile(1 - alpha / 2, x + 1, n - x) };
}

/** Options of {@link backtestForecast}. */
export interface BacktestOptions {
  /** The bases' seeds, one backtest year each. */
  seeds: readonly (number | string)[];
  /** Customers per base (the notebooks' base has 5,000). */
  customers: number;
  /** Simulated years per forecast (its quantiles). */
  simulations: number;
  /** Count silent lapses as leaving (each segment's lapse rate from the fitting years). */
  lapse: boolean;
  /** Let each product's price gap move over the year as it did in the past (`yearAheadGapShifts`). */
  gapShifts: boolean;
}

/** One seed's held-out year. */
export interface BacktestYear {
  seed: number | string;
  customers: number;
  p5: number;
  p95: number;
  mean: number;
  /** Standard deviation of the simulated totals. */
  sd: number;
  actual: number;
  atHeldPrices: number;
}

/** What {@link backtestForecast} measured: each year, and the 90 % interval's coverage of both truths. */
export interface BacktestResult {
  years: BacktestYear[];
  coverage: Record<'actual' | 'atHeldPrices', { inside: number; below: number; above: number; share: number; lower: number; upper: number }>;
  /** Mean of (truth − forecast mean) / forecast mean. */
  meanError: Record<'actual' | 'atHeldPrices', number>;
}

/** One seed: fit on two years, forecast the third (see the file's comment). */
export function backtestYear(seed: number | string, options: Omit<BacktestOptions, 'seeds'>): BacktestYear {
  const fitMonths = 24;
  const start = '2024-01-01';
  const base = customerBase({ seed, customers: options.customers, months: fitMonths + 12, start });
  const firstHeldOut = monthIndex(start) + fitMonths;
  const all = personMonthsOf(base);
  const past = all.filter((r) => monthIndex(r.month) < firstHeldOut);
  const model = fitLogit(past, 'cancelled ~ log_gap + log_tenure + segment');
  const lastMonth = monthOf(firstHeldOut - 1);
  const active = past.filter((r) => r.month === lastMonth && r.cancelled === 0);
  const context = { lapse: lapseRates(past), gapShifts: yearAheadGapShifts(base, monthOf(firstHeldOut)) };
  const forecast = customerForecast(
    model,
    active,
    active.map((r) => r.amount),
    context,
    { months: 12, simulations: options.simulations, seed, parts: { parameterDraws: true, silentStops: options.lapse, gapMoves: options.gapShifts } },
  );
  const lastBill = new Map(active.map((r) => [r.customer_id, r.amount]));
  let actual = 0;
  let atHeldPrices = 0;
  for (const r of all) {
    if (monthIndex(r.month) < firstHeldOut || !lastBill.has(r.customer_id)) continue;
    actual += r.amount;
    atHeldPrices += lastBill.get(r.customer_id)!;
  }
  return { seed, customers: active.length, p5: forecast.quantiles.p5, p95: forecast.quantiles.p95, mean: forecast.mean, sd: forecast.sd, actual, atHeldPrices };
}

/** The backtest over `seeds`: each year's forecast and truth, the coverage of the 90 % interval with its 95 % Clopper–Pearson interval. */
export function backtestForecast(options: BacktestOptions, onYear?: (year: BacktestYear, done: number) => void): BacktestResult {
  const years = options.seeds.map((seed, k) => {
    const year = backtestYear(seed, options);
    onYear?.(year, k + 1);
    return year;
  });
  const coverageOf = (truth: 'actual' | 'atHeldPrices') => {
    const below = years.filter((y) => y[truth] < y.p5).length;
    const above = years.filter((y) => y[truth] > y.p95).length;
    const inside = years.length - below - above;
    return { inside, below, above, share: inside / years.length, ...clopperPearson(inside, years.length) };
  };
  const errorOf = (truth: 'actual' | 'atHeldPrices') => years.reduce((s, y) => s + (y[truth] - y.mean) / y.mean, 0) / years.length;
  return {
    years,
    coverage: { actual: coverageOf('actual'), atHeldPrices: coverageOf('atHeldPrices') },
    meanError: { actual: errorOf('actual'), atHeldPrices: errorOf('atHeldPrices') },
  };
}
