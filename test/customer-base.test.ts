/**
 * The synthetic customer base: the shipped CSVs are exactly the default draw, the tables have the
 * documented schema, and a churn model fitted the way an analyst would (person-month table built
 * from the events, prices and competitor prices, not from the generator's internals) recovers the
 * mechanism's price coefficient within its 95 % interval.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fitLogit, CbmError } from '../kernel-lib/src/index';
import { customerBase, customerBaseCsv, CUSTOMER_BASE_MECHANISM, CUSTOMER_BASE_SEED, type CustomerBase } from '../kernel-lib/src/datasets';
import { accrualForecast } from '../notebooks/lib/forecast';

const dir = join(__dirname, '..', 'kernel-lib', 'data', 'customer-base');
const files = { customers: 'customers.csv', events: 'events.csv', prices: 'prices.csv', competitorPrices: 'competitor_prices.csv' } as const;

/** One row per customer and billed month; cancelled = 1 in the month of the cancellation. */
function personMonths(base: CustomerBase) {
  const price = new Map(base.prices.map((p) => [`${p.product}|${p.month}`, p.price]));
  const rival = new Map<string, number[]>();
  for (const c of base.competitorPrices) {
    const key = `${c.product}|${c.date.slice(0, 7)}-01`;
    if (!rival.has(key)) rival.set(key, []);
    rival.get(key)!.push(c.price);
  }
  const byId = new Map(base.customers.map((c) => [c.customer_id, c]));
  const cancelledIn = new Set(base.events.filter((e) => e.type === 'cancellation').map((e) => `${e.customer_id}|${e.date.slice(0, 7)}`));
  const rows: { cancelled: number; log_gap: number; log_our_price: number; log_tenure: number; segment: string }[] = [];
  for (const e of base.events) {
    if (e.type !== 'purchase') continue;
    const c = byId.get(e.customer_id)!;
    const month = `${e.date.slice(0, 7)}-01`;
    const ours = price.get(`${c.product}|${month}`)!;
    const theirs = rival.get(`${c.product}|${month}`)!;
    const mean = theirs.reduce((a, b) => a + b, 0) / theirs.length;
    const [sy, sm] = c.signup_date.split('-').map(Number);
    const [ey, em] = e.date.split('-').map(Number);
    const tenure = (ey - sy) * 12 + (em - sm);
    rows.push({
      cancelled: cancelledIn.has(`${e.customer_id}|${e.date.slice(0, 7)}`) ? 1 : 0,
      log_gap: Math.log(ours / mean),
      log_our_price: Math.log(ours),
      log_tenure: Math.log(1 + tenure),
      segment: c.segment,
    });
  }
  return rows;
}

describe('customerBase', () => {
  const base = customerBase({ seed: CUSTOMER_BASE_SEED });

  it('regenerates kernel-lib/data/customer-base/*.csv byte for byte', () => {
    const text = customerBaseCsv(base);
    for (const [key, file] of Object.entries(files)) expect(text[key as keyof typeof files], file).toBe(readFileSync(join(dir, file), 'utf8'));
  });

  it('has the documented schema and value sets', () => {
    expect(base.customers).toHaveLength(5000);
    const odd = base.customers.filter(
      (c) =>
        !['consumer', 'small_business', 'enterprise'].includes(c.segment) ||
        !['A', 'B'].includes(c.product) ||
        !['north', 'south', 'east', 'west'].includes(c.region) ||
        !/^\d{4}-\d{2}-\d{2}$/.test(c.signup_date) ||
        !Number.isInteger(c.tenure_months_at_start) ||
        !(c.monthly_charges > 0),
    );
    expect(odd).toEqual([]);
    expect(base.events.filter((e) => e.type !== 'purchase' && e.type !== 'cancellation')).toEqual([]);
    // 24 months × 2 products, plus the 48-month history before the window.
    expect(base.prices).toHaveLength((24 + CUSTOMER_BASE_MECHANISM.maxTenureAtStart) * 2);
    expect(new Set(base.competitorPrices.map((c) => c.competitor)).size).toBe(3);
    expect(base.events.every((e) => e.date >= '2025-01-01' && e.date < '2027-01-01')).toBe(true);
  });

  it('ends a contract at a cancellation, and has customers who silently stop buying', () => {
    const last = new Map<number, string>();
    let silent = 0;
    let afterCancellation = 0;
    for (const e of base.events) {
      if (last.get(e.customer_id) === 'cancellation') afterCancellation++;
      last.set(e.customer_id, e.type);
    }
    expect(afterCancellation).toBe(0);
    // A purchase as the last event more than two months before the window's end: a silent stop.
    const lastDate = new Map<number, string>();
    for (const e of base.events) lastDate.set(e.customer_id, e.date);
    for (const [id, type] of last) if (type === 'purchase' && lastDate.get(id)! < '2026-10-01') silent++;
    expect(silent).toBeGreaterThan(50);
  });

  it('a first purchase on the signup date for customers who join inside the window, with the bill at signup', () => {
    const first = new Map<number, { date: string; amount: number }>();
    for (const e of base.events) if (!first.has(e.customer_id)) first.set(e.customer_id, e);
    for (const c of base.customers) {
      if (c.tenure_months_at_start !== 0) continue;
      expect(first.get(c.customer_id)).toEqual({ customer_id: c.customer_id, date: c.signup_date, type: 'purchase', amount: c.monthly_charges });
    }
  });

  it('fitLogit on the person-month table recovers the price-gap coefficient within its 95 % interval', () => {
    const model = fitLogit(personMonths(base), 'cancelled ~ log_gap + log_tenure + segment');
    const j = model.names.indexOf('log_gap');
    // The truth is the documented mechanism, not anything the fit produced.
    expect(model.ciLower[j]).toBeLessThan(CUSTOMER_BASE_MECHANISM.hazard.priceGap);
    expect(model.ciUpper[j]).toBeGreaterThan(CUSTOMER_BASE_MECHANISM.hazard.priceGap);
    const t = model.names.indexOf('log_tenure');
    expect(model.ciLower[t]).toBeLessThan(CUSTOMER_BASE_MECHANISM.hazard.logTenure);
    expect(model.ciUpper[t]).toBeGreaterThan(CUSTOMER_BASE_MECHANISM.hazard.logTenure);
  });

  it('is deterministic in the seed and changes with it', () => {
    const a = customerBaseCsv(customerBase({ seed: 7, customers: 300, months: 6 }));
    expect(customerBaseCsv(customerBase({ seed: 7, customers: 300, months: 6 }))).toEqual(a);
    expect(customerBaseCsv(customerBase({ seed: 8, customers: 300, months: 6 })).events).not.toBe(a.events);
  });

  it('rejects bad options with a specific CbmError', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof CbmError ? e.code : 'not a CbmError';
      }
      return 'no error';
    };
    expect(code(() => customerBase({ customers: 0 }))).toBe('BAD_INPUT');
    expect(code(() => customerBase({ customers: 2.5 }))).toBe('BAD_INPUT');
    expect(code(() => customerBase({ months: 0 }))).toBe('BAD_INPUT');
    expect(code(() => customerBase({ start: '2025-01-15' }))).toBe('BAD_INPUT');
    expect(code(() => customerBase({ start: '2025-13-01' }))).toBe('BAD_INPUT');
    expect(code(() => customerBase({ customers: 100_000, months: 120 }))).toBe('TOO_LARGE');
    expect(code(() => customerBase({ seeds: 1 } as never))).toBe('BAD_INPUT');
    expect(() => customerBase({ start: '2025-01-15' })).toThrow(/^customerBase: start must be the first of a month/);
  });
});

describe('the month-by-month forecast of notebook 05 (notebooks/lib/forecast.ts)', () => {
  // An intercept-only logit on 200 months with 10 cancellations has h = 0.05 exactly (the MLE is the sample share),
  // with a wide interval: the standard error of logit h is 1/√(200·0.05·0.95) ≈ 0.32.
  const months = Array.from({ length: 200 }, (_, i) => ({ cancelled: i < 10 ? 1 : 0 }));
  // The notebooks' lib types models from the built package; this one comes from the sources (same shape).
  const model = fitLogit(months, 'cancelled ~ 1') as unknown as Parameters<typeof accrualForecast>[0];
  const h = 0.05;

  it('pays each month until the month of the cancellation: months paid follow the truncated geometric law', () => {
    const n = 20000;
    const one = accrualForecast(model, [{}], [1], { months: 12, simulations: n, seed: 1, parameterDraws: false });
    // Closed form: E[months] = Σ_{t<12} (1 − h)^t = (1 − (1 − h)^12)/h; P(all 12 paid) = (1 − h)^11.
    const expected = (1 - (1 - h) ** 12) / h;
    expect(one.expectedAtEstimate).toBeCloseTo(expected, 10);
    const sdMonths = Math.sqrt(Array.from({ length: 12 }, (_, k) => k + 1).reduce((s, m) => s + (m - expected) ** 2 * (m < 12 ? h * (1 - h) ** (m - 1) : (1 - h) ** 11), 0));
    expect(Math.abs(one.mean - expected)).toBeLessThan((4 * sdMonths) / Math.sqrt(n));
    expect(one.quantiles.p95).toBe(12);
    expect(one.quantiles.p5).toBeLessThan(12);
  });

  it('is reproducible from its seed, and the model’s own uncertainty widens the interval without moving the centre much', () => {
    const customers = Array.from({ length: 200 }, () => ({}));
    const bills = customers.map(() => 100);
    const options = { months: 12, simulations: 4000, seed: 'dash', parameterDraws: false };
    const churnOnly = accrualForecast(model, customers, bills, options);
    expect(accrualForecast(model, customers, bills, options)).toEqual(churnOnly);
    const withModel = accrualForecast(model, customers, bills, { ...options, parameterDraws: true });
    expect(withModel.sd).toBeGreaterThan(1.5 * churnOnly.sd);
    expect(Math.abs(withModel.mean - churnOnly.expectedAtEstimate)).toBeLessThan(0.03 * churnOnly.expectedAtEstimate);
  });
});
