/**
 * Notebook 05's forecast backtest (notebooks/lib/backtest.ts): the Clopper–Pearson interval against
 * its closed forms and its defining binomial tails, the lapse rates against a hand-counted table,
 * the forecast with silent lapses against its closed-form mean, and a small backtest whose 90 %
 * interval must be consistent with covering 90 % of held-out years.
 */
import { describe, expect, it } from 'vitest';
import { fitLogit } from '../kernel-lib/src/index';
import { backtestForecast, clopperPearson, lapseRates } from '../notebooks/lib/backtest';
import { accrualForecast } from '../notebooks/lib/forecast';

/** P(X = k), X ~ Binomial(n, p), summed directly (independent of the incomplete beta function). */
function binomialPmf(k: number, n: number, p: number): number {
  let logChoose = 0;
  for (let i = 1; i <= k; i++) logChoose += Math.log(n - k + i) - Math.log(i);
  return Math.exp(logChoose + k * Math.log(p) + (n - k) * Math.log1p(-p));
}
const upperTail = (x: number, n: number, p: number) => Array.from({ length: n - x + 1 }, (_, j) => binomialPmf(x + j, n, p)).reduce((a, b) => a + b, 0);
const lowerTail = (x: number, n: number, p: number) => Array.from({ length: x + 1 }, (_, k) => binomialPmf(k, n, p)).reduce((a, b) => a + b, 0);

describe('clopperPearson', () => {
  it('has the closed forms at x = 0 and x = n: 1 − (α/2)^(1/n) and (α/2)^(1/n)', () => {
    expect(clopperPearson(0, 10)).toEqual({ lower: 0, upper: expect.closeTo(1 - 0.025 ** (1 / 10), 12) });
    expect(clopperPearson(10, 10)).toEqual({ lower: expect.closeTo(0.025 ** (1 / 10), 12), upper: 1 });
    expect(clopperPearson(50, 50, 0.9).lower).toBeCloseTo(0.05 ** (1 / 50), 12);
  });

  it('puts α/2 in each binomial tail: P(X ≥ x | lower) = P(X ≤ x | upper) = α/2', () => {
    for (const [x, n, level] of [
      [18, 20, 0.95],
      [181, 200, 0.95],
      [3, 7, 0.95],
      [45, 50, 0.9],
    ]) {
      const { lower, upper } = clopperPearson(x, n, level);
      expect(upperTail(x, n, lower)).toBeCloseTo((1 - level) / 2, 10);
      expect(lowerTail(x, n, upper)).toBeCloseTo((1 - level) / 2, 10);
    }
  });

  it('refuses counts that are not a binomial outcome', () => {
    expect(() => clopperPearson(3, 2)).toThrow(/clopperPearson: need whole numbers/);
    expect(() => clopperPearson(1.5, 4)).toThrow(/clopperPearson/);
  });
});

describe('lapseRates', () => {
  it('counts a silent stop (no purchase next month, no cancellation) over the months at risk, per segment', () => {
    const row = (customer_id: number, month: string, segment: string, cancelled = 0) => ({
      customer_id,
      month,
      segment,
      product: 'A',
      amount: 10,
      cancelled,
      log_gap: 0,
      log_tenure: 0,
    });
    const months = ['2025-01-01', '2025-02-01', '2025-03-01', '2025-04-01'];
    const table = [
      ...months.map((m) => row(1, m, 'consumer')), // pays every month: 3 months at risk (April is the last month)
      row(2, months[0], 'consumer'),
      row(2, months[1], 'consumer'), // stops silently after February: 2 at risk, 1 lapse
      row(3, months[0], 'consumer'),
      row(3, months[1], 'consumer', 1), // cancels in February: 1 at risk, no lapse
      row(4, months[2], 'enterprise'), // signs up in March, stops: 1 at risk, 1 lapse
      row(5, months[3], 'enterprise'), // only the last month: not at risk
    ];
    expect([...lapseRates(table)]).toEqual([
      ['consumer', 1 / 6],
      ['enterprise', 1],
    ]);
  });
});

describe('accrualForecast with silent lapses', () => {
  // Intercept-only logit on 200 months with 10 cancellations: h = 0.05 exactly (the MLE is the share).
  const model = fitLogit(
    Array.from({ length: 200 }, (_, i) => ({ cancelled: i < 10 ? 1 : 0 })),
    'cancelled ~ 1',
  ) as unknown as Parameters<typeof accrualForecast>[0];

  it('pays month t with probability (1 − l)^t (1 − h)^(t − 1)', () => {
    const [h, l, n] = [0.05, 0.02, 40000];
    const one = accrualForecast(model, [{}], [1], { months: 12, simulations: n, seed: 3, parameterDraws: false, lapse: [l] });
    const paidAtLeast = Array.from({ length: 12 }, (_, k) => (1 - l) ** (k + 1) * (1 - h) ** k);
    const expected = paidAtLeast.reduce((a, b) => a + b, 0);
    expect(one.expectedAtEstimate).toBeCloseTo(expected, 10);
    // Var(months) = Σ (2t − 1)·P(months ≥ t) − E²; the simulated mean within 4 standard errors.
    const variance = paidAtLeast.reduce((s, p, k) => s + (2 * (k + 1) - 1) * p, 0) - expected ** 2;
    expect(Math.abs(one.mean - expected)).toBeLessThan(4 * Math.sqrt(variance / n));
    expect(one.quantiles.p5).toBeLessThan(1 + 1e-12);
  });

  it('refuses a lapse probability per customer that is missing or outside [0, 1)', () => {
    const options = { months: 12, simulations: 10, seed: 1, parameterDraws: false };
    expect(() => accrualForecast(model, [{}, {}], [1, 1], { ...options, lapse: [0.1] })).toThrow(/lapse must give one monthly probability/);
    expect(() => accrualForecast(model, [{}], [1], { ...options, lapse: [1] })).toThrow(/lapse/);
  });
});

describe('backtestForecast on a few synthetic bases', () => {
  // Calibration: z = (truth − forecast mean)/forecast sd is about N(0, 1) in a calibrated forecast, so
  // Σz² over 12 independent bases is about χ²(12); its 99.9 % quantile is 32.90949 (R: qchisq(0.999, 12)).
  const seeds = Array.from({ length: 12 }, (_, k) => k + 1);
  const options = { seeds, customers: 1500, simulations: 300 };
  const sumZ2 = (result: ReturnType<typeof backtestForecast>) => result.years.reduce((s, y) => s + ((y.atHeldPrices - y.mean) / y.sd) ** 2, 0);

  it('is calibrated at held prices with silent stops and moving price gaps in the forecast, and fits worse without them', () => {
    const full = backtestForecast({ ...options, lapse: true, gapShifts: true });
    expect(full.years).toHaveLength(12);
    for (const y of full.years) expect(y.p5 < y.mean && y.mean < y.p95).toBe(true);
    expect(sumZ2(full)).toBeLessThan(32.90949);
    const c = full.coverage.atHeldPrices;
    expect(c.inside + c.below + c.above).toBe(12);
    expect(c.upper).toBeGreaterThanOrEqual(0.9);
    expect(Math.abs(full.meanError.atHeldPrices)).toBeLessThan(0.02);
    // The forecast that ignores both (the same bases and seeds): further from the truth, and without
    // silent stops it promises more revenue than the customers pay.
    const naive = backtestForecast({ ...options, lapse: false, gapShifts: false });
    expect(sumZ2(naive)).toBeGreaterThan(sumZ2(full));
    expect(naive.meanError.atHeldPrices).toBeLessThan(0);
    // 24 bases drawn, fitted and forecast: about 25 s on an idle 2-core machine, more under load.
  }, 240_000);
});
