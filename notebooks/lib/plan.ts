/**
 * The price plan for products A and B: one definition that notebook 04 (which derives it) and
 * notebook 05 (the leadership dashboard, which shows it) both call, so leadership sees one plan.
 *
 * - The baseline: the customers active on the plan date (they paid in the last billed month and
 *   did not cancel in it), each bringing 12 × their last bill if they stay the year.
 * - The strategies (the article's): product A grows (highest expected revenue with the yearly
 *   churn rate at most today's and the list price at most 3 % above the competitors' mean);
 *   product B harvests under a churn-tail cap (highest expected revenue with at most a 5 % chance
 *   that 30 % or more of B's customers leave within the year).
 * - The price response: the fitted monthly hazard model, every customer's log price gap moved by
 *   ln(1 + d), yearly churn 1 − (1 − h)¹²; competitors assumed not to react.
 * - The forecast of the plan (`planForecast`): month by month, each customer paying the new bill
 *   until the month they cancel or stop paying, with the model's uncertainty and the price gaps
 *   moving as in past years. The strategies choose prices on the article's yearly view (a
 *   customer who leaves brings nothing that year); the forecast is what the plan is expected to bring.
 */
import { CbmError, optimizePrices, type ChurnModel, type LogitModel, type OptimizePriceResult, type OptimizePriceSpec } from '@cbm-kit/kernel-lib';
import { ALL_FORECAST_PARTS, customerForecast, type AccrualForecast, type ForecastContext, type ForecastParts } from './forecast';

/** One customer and paid month, as notebooks 04 (TypeScript) and 05 (warehouse SQL) build it. */
export type PersonMonth = {
  customer_id: number;
  /** First day of the paid month, `YYYY-MM-01`. */
  month: string;
  product: string;
  segment: string;
  /** What the customer paid that month. */
  amount: number;
  /** 1 when the customer cancelled in that month. */
  cancelled: number;
  log_gap: number;
  log_tenure: number;
};

/** The plan's fixed choices, stated once. */
export const PLAN = {
  /** The plan starts on this date; the baseline is who is active then. */
  date: '2027-01-01',
  /** The last month with bills: who paid in it and did not cancel is active on the plan date. */
  billedMonth: '2026-12-01',
  months: 12,
  bounds: [-0.2, 0.2] as [number, number],
  /** Product A: the list price at most this far above the competitors' mean. */
  maxCompetitorGap: 0.03,
  /** Product B: P(at least this share of B's customers leave within the year) ≤ tailProbability. */
  tailShare: 0.3,
  tailProbability: 0.05,
  simulations: 10000,
  seed: 2026,
  /** Simulated years of the forecast (each draws the coefficients and the gap moves anew). */
  forecastSimulations: 2000,
} as const;

export const STRATEGIES: Record<'A' | 'B', string> = {
  A: `grow: highest expected revenue with the yearly churn rate at most today's and the list price at most ${100 * PLAN.maxCompetitorGap} % above the competitors' mean`,
  B: `harvest under a churn-tail cap: highest expected revenue with at most a ${100 * PLAN.tailProbability} % chance that ${100 * PLAN.tailShare} % or more of B's customers leave within the year`,
};

/** A product's price and the competitors' mean price in the last billed month. */
export interface ProductMarket {
  listPrice: number;
  competitorMean: number;
}

export interface BaselineProduct {
  product: string;
  /** Customers active on the plan date. */
  customers: number;
  /** Σ 12 × last bill: the year's revenue if every one of them stays. */
  revenueIfAllStay: number;
}

export interface ProductPlan extends BaselineProduct {
  strategy: string;
  listPrice: number;
  competitorMean: number;
  newListPrice: number;
  result: OptimizePriceResult;
}

export interface PricePlan {
  date: string;
  /** The baseline customers (rows of the last billed month), in customer_id order. */
  customers: PersonMonth[];
  products: ProductPlan[];
}

/**
 * The customers active on the plan date: their row of the last billed month, when they did not
 * cancel in it, in customer_id order.
 */
export function planBaseline<T extends PersonMonth>(personMonths: readonly T[]): T[] {
  const rows = personMonths.filter((r) => String(r.month).slice(0, 10) === PLAN.billedMonth && Number(r.cancelled) === 0);
  if (rows.length === 0) throw new CbmError('BAD_INPUT', `planBaseline: no paid month ${PLAN.billedMonth} in the person-month table`);
  return rows.slice().sort((a, b) => Number(a.customer_id) - Number(b.customer_id));
}

const yearlyChurn = (model: ChurnModel, rows: readonly PersonMonth[]) => {
  const h = model.predict(rows);
  return Array.from(h, (x) => 1 - (1 - x) ** PLAN.months);
};

/**
 * The plan: the baseline and both products' price changes, each the optimum of its strategy
 * under the fitted hazard `model` (a formula on log_gap, log_tenure and segment).
 */
export function pricePlan(model: ChurnModel, personMonths: readonly PersonMonth[], market: Record<'A' | 'B', ProductMarket>): PricePlan {
  const customers = planBaseline(personMonths);
  const of = (product: 'A' | 'B') => customers.filter((r) => r.product === product);
  const spec = (product: 'A' | 'B'): OptimizePriceSpec => {
    const rows = of(product);
    const base = {
      name: product,
      revenues: rows.map((r) => PLAN.months * Number(r.amount)),
      priceResponse: { model, data: rows, price: 'log_gap', priceScale: 'log' as const, periods: PLAN.months },
      bounds: [...PLAN.bounds] as [number, number],
      objective: 'revenue' as const,
      simulations: PLAN.simulations,
      seed: PLAN.seed,
    };
    if (product === 'A') {
      const today = yearlyChurn(model, rows);
      return {
        ...base,
        constraints: {
          maxChurnRate: today.reduce((a, b) => a + b, 0) / today.length,
          maxCompetitorGap: { ourPrice: market.A.listPrice, competitorPrice: market.A.competitorMean, maxGap: PLAN.maxCompetitorGap },
        },
      };
    }
    return { ...base, constraints: { churnersAtLeast: { count: Math.ceil(PLAN.tailShare * rows.length), maxProbability: PLAN.tailProbability } } };
  };
  const products = ['A', 'B'] as const;
  const results = optimizePrices(products.map(spec));
  return {
    date: PLAN.date,
    customers,
    products: products.map((product, k) => ({
      product,
      strategy: STRATEGIES[product],
      customers: of(product).length,
      revenueIfAllStay: of(product).reduce((s, r) => s + PLAN.months * Number(r.amount), 0),
      listPrice: market[product].listPrice,
      competitorMean: market[product].competitorMean,
      newListPrice: market[product].listPrice * (1 + results[k].priceChange),
      result: results[k],
    })),
  };
}

/**
 * Next year's revenue of the plan's customers (`customerForecast`): at the plan's prices (each bill
 * and log gap moved by its product's price change) or, with `atPlanPrices: false`, at today's;
 * by default with every part of the uncertainty (`ALL_FORECAST_PARTS`). Notebooks 04 and 05 both
 * call it, so leadership reads one forecast.
 */
export function planForecast(
  model: LogitModel,
  plan: PricePlan,
  context: ForecastContext,
  options: { atPlanPrices?: boolean; parts?: ForecastParts; simulations?: number } = {},
): AccrualForecast {
  const change = new Map(plan.products.map((p) => [p.product, options.atPlanPrices === false ? 0 : p.result.priceChange]));
  const rows = plan.customers.map((r) => ({ ...r, log_gap: r.log_gap + Math.log(1 + change.get(r.product)!) }));
  return customerForecast(
    model,
    rows,
    plan.customers.map((r) => r.amount * (1 + change.get(r.product)!)),
    context,
    { months: PLAN.months, simulations: options.simulations ?? PLAN.forecastSimulations, seed: PLAN.seed, parts: options.parts ?? ALL_FORECAST_PARTS },
  );
}

/** A product's price change as both notebooks' summaries show it, e.g. `-3.05 % (list price 52.22 → 50.63)`. */
export function priceChangeText(p: ProductPlan): string {
  const change = p.result.priceChange;
  return `${change >= 0 ? '+' : ''}${(100 * change).toFixed(2)} % (list price ${p.listPrice.toFixed(2)} → ${p.newListPrice.toFixed(2)})`;
}

/** The plan and its forecast as the notebooks' summaries carry them (`out/summary/04-….json`, `05-….json`): what a test compares. */
export function planSummary(plan: PricePlan, forecast: AccrualForecast) {
  return {
    date: plan.date,
    products: plan.products.map((p) => ({
      product: p.product,
      strategy: p.strategy,
      priceChange: p.result.priceChange,
      listPrice: p.listPrice,
      newListPrice: p.newListPrice,
      baseline: { customers: p.customers, revenueIfAllStay: p.revenueIfAllStay, expectedRevenue: p.result.today.expectedRevenue, churnRate: p.result.today.expectedChurnRate },
      atNewPrice: { expectedRevenue: p.result.expectedRevenue, churnRate: p.result.expectedChurnRate },
    })),
    /** `planForecast` with every part: both products' customers together. */
    forecast: { mean: forecast.mean, p5: forecast.quantiles.p5, p50: forecast.quantiles.p50, p95: forecast.quantiles.p95, simulations: forecast.simulations },
  };
}
