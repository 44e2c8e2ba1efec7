/**
 * Price response and constrained price optimisation. References: the article's ten customers
 * (Ekne 2024, ../shared/seeds/000_*.txt: P(8+ churners) today 10.3 %, target 0.1 %), a brute-force
 * grid with the tail from a 2^10 enumeration written here, closed-form derivatives of a logit
 * (∂ ln(1 − p)/∂ ln price = −β·p for β·ln price, −b·price·p for b·price), and closed-form boundaries.
 */
import { describe, expect, it } from 'vitest';
import { CbmError, competitorIndex, fitLogit, optimizePrice, optimizePrices, retentionElasticity } from '../kernel-lib/src/index';
import { codeOf } from './helpers/errors';

const P = [0.66, 0.41, 0.51, 0.49, 0.69, 0.67, 0.76, 0.43, 0.57, 0.41];
const R = [1895, 1952, 3069, 3465, 1108, 3298, 1814, 3932, 3661, 3872];

const shifted = (p: number[], slope: number, d: number) => p.map((x) => 1 / (1 + Math.exp(-(Math.log(x / (1 - x)) + slope * Math.log(1 + d)))));
/** P(at least k churners) by enumerating all 2^n outcomes (the reference, independent of the recursion). */
function bruteTail(p: number[], k: number): number {
  let tail = 0;
  for (let mask = 0; mask < 1 << p.length; mask++) {
    let prob = 1;
    let count = 0;
    for (let i = 0; i < p.length; i++) {
      if (mask & (1 << i)) {
        prob *= p[i];
        count++;
      } else prob *= 1 - p[i];
    }
    if (count >= k) tail += prob;
  }
  return tail;
}
const revenueAt = (p: number[], d: number) => p.reduce((s, x, i) => s + (1 - x) * R[i] * (1 + d), 0);

describe('optimizePrice on the article’s ten customers', () => {
  const spec = {
    churnProbabilities: P,
    revenues: R,
    priceResponse: { logitSlope: 3 },
    bounds: [-0.5, 0.5] as [number, number],
    objective: 'revenue' as const,
    constraints: { churnersAtLeast: { count: 8, maxProbability: 0.001 } },
  };
  const result = optimizePrice(spec);

  it('today P(8+ churners) is 10.3 %; at the optimum it is 0.1 % exactly (the constraint binds)', () => {
    expect(result.today.tailProbability).toBeCloseTo(0.1031857049, 10);
    expect(result.tailProbability!).toBeCloseTo(0.001, 12);
    expect(bruteTail(shifted(P, 3, result.priceChange), 8)).toBeCloseTo(0.001, 12);
    expect(result.constraints[0]).toMatchObject({ constraint: 'churnersAtLeast', binding: true });
    expect(result.today.expectedRevenue).toBeCloseTo(13034.07, 8);
  });

  it('matches a brute-force grid of 20,001 price changes with the enumerated tail', () => {
    let bestD = NaN;
    let bestRevenue = -Infinity;
    const steps = 20_000;
    for (let g = 0; g <= steps; g++) {
      const d = -0.5 + g / steps;
      const p = shifted(P, 3, d);
      if (bruteTail(p, 8) > 0.001) continue;
      const revenue = revenueAt(p, d);
      if (revenue > bestRevenue) {
        bestRevenue = revenue;
        bestD = d;
      }
    }
    expect(Math.abs(result.priceChange - bestD)).toBeLessThanOrEqual(1 / steps);
    expect(result.expectedRevenue).toBeGreaterThanOrEqual(bestRevenue - 1e-9);
    expect(result.expectedRevenue).toBeCloseTo(revenueAt(shifted(P, 3, result.priceChange), result.priceChange), 9);
  });

  it('forecasts revenue at the optimum by simulation (mean within 4 SE of the expectation)', () => {
    const f = result.forecast!;
    expect(f.expectedRevenue).toBeCloseTo(result.expectedRevenue, 8);
    expect(Math.abs(f.mean - result.expectedRevenue)).toBeLessThan(4 * f.standardError);
    expect(f.quantiles.p5).toBeLessThan(f.quantiles.p95);
  });

  it('without constraints it maximises revenue: the derivative is zero there', () => {
    const free = optimizePrice({ ...spec, constraints: {} });
    const h = 1e-5;
    const slope = (revenueAt(shifted(P, 3, free.priceChange + h), free.priceChange + h) - revenueAt(shifted(P, 3, free.priceChange - h), free.priceChange - h)) / (2 * h);
    expect(Math.abs(slope)).toBeLessThan(1e-3);
    expect(free.expectedRevenue).toBeGreaterThan(result.expectedRevenue);
  });

  it('margin: the optimum of Σ(1 − p)(r(1 + d) − cost) against a brute-force grid', () => {
    const cost = 800;
    const margin = optimizePrice({ ...spec, objective: 'margin', unitCost: cost, constraints: {} });
    let best = -Infinity;
    for (let g = 0; g <= 20_000; g++) {
      const d = -0.5 + g / 20_000;
      const p = shifted(P, 3, d);
      best = Math.max(
        best,
        p.reduce((s, x, i) => s + (1 - x) * (R[i] * (1 + d) - cost), 0),
      );
    }
    expect(margin.expectedMargin!).toBeGreaterThanOrEqual(best - 1e-9);
    expect(margin.expectedMargin! - best).toBeLessThan(1e-3);
  });

  it('finds an interior optimum between the best grid point and a feasibility boundary (coarse grid)', () => {
    const free = optimizePrice({ ...spec, constraints: {}, simulations: 0 });
    // Feasible: d ≤ −0.15 (the churn rate there); the grid −0.5, −0.25, 0, … puts the optimum (≈ −0.233) between
    // the best feasible grid point −0.25 and the boundary −0.15.
    const rateAt = shifted(P, 3, -0.15).reduce((a, b) => a + b, 0) / P.length;
    const coarse = optimizePrice({ ...spec, gridPoints: 5, constraints: { maxChurnRate: rateAt }, simulations: 0 });
    expect(coarse.priceChange).toBeCloseTo(free.priceChange, 6);
    expect(coarse.constraints[0].binding).toBe(false);
  });

  it('maxChurnRate and maxCompetitorGap bind at their closed-form limits', () => {
    const capped = optimizePrice({ ...spec, bounds: [-0.5, 0.5], constraints: { maxChurnRate: 0.6 } });
    // Revenue rises with price here only until the unconstrained optimum; raise the slope's sign to test a rising case:
    const rising = optimizePrice({ ...spec, priceResponse: { logitSlope: 0.5 }, constraints: { maxChurnRate: 0.6 } });
    expect(rising.expectedChurnRate).toBeCloseTo(0.6, 12);
    expect(rising.constraints[0].binding).toBe(true);
    expect(capped.expectedChurnRate).toBeLessThanOrEqual(0.6);
    const gap = optimizePrice({ ...spec, priceResponse: { logitSlope: 0.5 }, constraints: { maxCompetitorGap: { ourPrice: 50, competitorPrice: 48, maxGap: 0.05 } } });
    expect(gap.priceChange).toBeCloseTo((1.05 * 48) / 50 - 1, 12);
  });

  it('infeasible constraints give INFEASIBLE naming the constraint and the best reachable value', () => {
    try {
      optimizePrice({ ...spec, bounds: [-0.1, 0.5] });
      throw new Error('expected INFEASIBLE');
    } catch (e) {
      expect(e).toBeInstanceOf(CbmError);
      expect((e as CbmError).code).toBe('INFEASIBLE');
      expect((e as CbmError).message).toMatch(
        /^optimizePrice: constraint churnersAtLeast cannot be met within bounds \[-0\.1, 0\.5\]: the best reachable is P\(8 or more churners\) = 0\.0401/,
      );
      // The reference: the enumerated tail at the lower bound.
      expect((e as CbmError).details.bestValue as number).toBeCloseTo(bruteTail(shifted(P, 3, -0.1), 8), 12);
    }
    expect(
      codeOf(() =>
        optimizePrice({ ...spec, constraints: { churnersAtLeast: { count: 8, maxProbability: 0.001 }, maxCompetitorGap: { ourPrice: 50, competitorPrice: 20, maxGap: 0 } } }),
      ),
    ).toBe('INFEASIBLE');
  });

  it('finds a feasible set narrower than its 41-point grid, as a 100,001-point brute force does', () => {
    // Churn that falls as the price rises (slope −3) with a churn-rate cap gives a lower bound d ≥ 0.101, the
    // competitor gap an upper bound d ≤ 0.11: a window between the grid points 0.1 and 0.125.
    const window = {
      churnProbabilities: P,
      revenues: R,
      priceResponse: { logitSlope: -3 },
      bounds: [-0.5, 0.5] as [number, number],
      constraints: { maxChurnRate: shifted(P, -3, 0.101).reduce((a, b) => a + b, 0) / P.length, maxCompetitorGap: { ourPrice: 50, competitorPrice: 50, maxGap: 0.11 } },
      simulations: 0,
    };
    const found = optimizePrice(window);
    // The reference: every one of 100,001 evenly spaced price changes, feasibility and revenue by hand.
    let bestD = Number.NaN;
    let bestRevenue = -Infinity;
    for (let k = 0; k < 100_001; k++) {
      const d = -0.5 + k / 100_000;
      const p = shifted(P, -3, d);
      if (p.reduce((a, b) => a + b, 0) / P.length > window.constraints.maxChurnRate || d > 0.11 + 1e-15) continue;
      const revenue = revenueAt(p, d);
      if (revenue > bestRevenue) {
        bestRevenue = revenue;
        bestD = d;
      }
    }
    expect(bestD).toBeGreaterThan(0.1);
    expect(Math.abs(found.priceChange - bestD)).toBeLessThanOrEqual(1e-5);
    expect(found.expectedRevenue).toBeGreaterThanOrEqual(bestRevenue - 1e-9);
    expect(found.curve.filter((c) => c.feasible)).toHaveLength(1); // the window's middle joins the grid
    expect(found.constraints.find((c) => c.constraint === 'maxCompetitorGap')!.binding).toBe(true);
  });

  it('rejects bad input with specific errors', () => {
    expect(codeOf(() => optimizePrice({ ...spec, bounds: [0.5, -0.5] }))).toBe('BAD_INPUT');
    expect(codeOf(() => optimizePrice({ ...spec, bounds: [-1, 0.5] }))).toBe('BAD_INPUT');
    expect(codeOf(() => optimizePrice({ ...spec, bounds: [-1.5, 0.5] }))).toBe('BAD_INPUT');
    expect(codeOf(() => optimizePrice({ ...spec, objective: 'margin' }))).toBe('BAD_INPUT');
    expect(codeOf(() => optimizePrice({ ...spec, revenues: R.slice(1) }))).toBe('BAD_INPUT');
    expect(codeOf(() => optimizePrice({ ...spec, revenues: [...R.slice(1), -1] }))).toBe('BAD_INPUT');
    expect(codeOf(() => optimizePrice({ ...spec, churnProbabilities: [...P.slice(1), 1.5] }))).toBe('BAD_INPUT');
    expect(codeOf(() => optimizePrice({ ...spec, churnProbabilities: [...P.slice(1), NaN] }))).toBe('NON_FINITE');
    expect(codeOf(() => optimizePrice({ ...spec, constraints: { churnersAtLeast: { count: 11, maxProbability: 0.1 } } }))).toBe('BAD_INPUT');
    expect(codeOf(() => optimizePrice({ ...spec, constraints: { maxChurn: 0.5 } as never }))).toBe('BAD_INPUT');
    expect(codeOf(() => optimizePrice({ ...spec, priceResponse: { logitSlope: NaN } }))).toBe('BAD_INPUT');
    expect(() => optimizePrice({ ...spec, bounds: [0.5, -0.5] })).toThrow(/^optimizePrice: bounds \[0\.5, -0\.5\] are out of order/);
    // A sparse array of length 2³² − 1 is TOO_LARGE before it is copied (the copy threw a RangeError).
    expect(codeOf(() => optimizePrice({ ...spec, churnProbabilities: new Array(2 ** 32 - 1) }))).toBe('TOO_LARGE');
    // Equal bounds leave nothing to optimize: said so, not called 'out of order'.
    expect(() => optimizePrice({ ...spec, bounds: [0.1, 0.1] })).toThrow(/^optimizePrice: bounds \[0\.1, 0\.1\] leave a single price change/);
  });

  it('optimizePrices runs several products in one call', () => {
    const both = optimizePrices([
      { ...spec, name: 'A' },
      { ...spec, name: 'B', constraints: {} },
    ]);
    expect(both.map((r) => r.name)).toEqual(['A', 'B']);
    expect(both[0].priceChange).toBe(result.priceChange);
    expect(() => optimizePrices([{ ...spec, name: 'A', bounds: [1, 0] }])).toThrow(/^optimizePrices: spec 0 \('A'\): bounds/);
  });
});

describe('price response from a fitted model', () => {
  // A logit with β on a precomputed log price gap: shifting the gap by ln(1 + d) shifts the logit by β·ln(1 + d).
  const rows = Array.from({ length: 400 }, (_, i) => {
    const gap = ((i * 37) % 41) / 100 - 0.2;
    const segment = i % 3 === 0 ? 'consumer' : 'business';
    const v = -0.5 + 4 * gap + (segment === 'consumer' ? 0.4 : 0);
    return { churned: ((i * 7919) % 1000) / 1000 < 1 / (1 + Math.exp(-v)) ? 1 : 0, log_gap: gap, price: 40 + ((i * 13) % 20), segment };
  });
  const model = fitLogit(rows, 'churned ~ log_gap + segment');
  const beta = model.coefficient('log_gap');
  const p = model.predict(rows);

  it('retentionElasticity equals the closed form −β·p per customer, on average and per segment', () => {
    const e = retentionElasticity(model, rows, { price: 'log_gap', priceScale: 'log', by: 'segment' });
    for (let i = 0; i < rows.length; i++) expect(e.perCustomer[i]).toBeCloseTo(-beta * p[i], 7);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(e.average).toBeCloseTo(mean(Array.from(p, (x) => -beta * x)), 7);
    const consumer = rows.map((r, i) => (r.segment === 'consumer' ? i : -1)).filter((i) => i >= 0);
    const row = e.byGroup.find((g) => g.group === 'consumer')!;
    expect(row.customers).toBe(consumer.length);
    expect(row.average).toBeCloseTo(mean(consumer.map((i) => -beta * p[i])), 7);
    const stay = consumer.map((i) => 1 - p[i]);
    expect(row.aggregate).toBeCloseTo(consumer.reduce((s, i) => s + (1 - p[i]) * -beta * p[i], 0) / stay.reduce((a, b) => a + b, 0), 7);
  });

  it('on the level scale: a model linear in price has ε = −b·price·p, and `at` evaluates at price·(1 + at)', () => {
    const levelModel = fitLogit(rows, 'churned ~ price');
    const b = levelModel.coefficient('price');
    const at = 0.1;
    const moved = rows.map((r) => ({ ...r, price: r.price * 1.1 }));
    const pAt = levelModel.predict(moved);
    const e = retentionElasticity(levelModel, rows, { price: 'price', at });
    for (let i = 0; i < rows.length; i++) expect(e.perCustomer[i]).toBeCloseTo(-b * moved[i].price * pAt[i], 7);
    expect(rows[0].price).toBe(40); // the input is not mutated
  });

  it('optimizePrice with the model equals optimizePrice with logitSlope β on the model’s probabilities', () => {
    const viaModel = optimizePrice({
      revenues: rows.map((r) => r.price * 12),
      priceResponse: { model, data: rows, price: 'log_gap', priceScale: 'log' },
      bounds: [-0.3, 0.3],
      constraints: { maxChurnRate: 0.3 },
      simulations: 0,
    });
    const viaSlope = optimizePrice({
      churnProbabilities: p,
      revenues: rows.map((r) => r.price * 12),
      priceResponse: { logitSlope: beta },
      bounds: [-0.3, 0.3],
      constraints: { maxChurnRate: 0.3 },
      simulations: 0,
    });
    // An interior maximum pins d only to about √ε of the objective (golden section on a flat top).
    expect(viaModel.priceChange).toBeCloseTo(viaSlope.priceChange, 6);
    expect(viaModel.expectedRevenue).toBeCloseTo(viaSlope.expectedRevenue, 6);
  });

  it('rejects a missing model, a bad price column and unknown options', () => {
    expect(codeOf(() => retentionElasticity({} as never, rows, { price: 'log_gap' }))).toBe('BAD_INPUT');
    expect(codeOf(() => retentionElasticity(model, rows, { price: 'nope' }))).toBe('UNKNOWN_COLUMN');
    expect(codeOf(() => retentionElasticity(model, rows, { price: 'log_gap' }))).toBe('BAD_INPUT'); // negative "prices" on the level scale
    expect(codeOf(() => retentionElasticity(model, rows, { price: 'log_gap', priceScale: 'log', at: -1 }))).toBe('BAD_INPUT');
    expect(codeOf(() => retentionElasticity(model, rows, { price: 'log_gap', scale: 'log' } as never))).toBe('BAD_INPUT');
  });
});

describe('competitorIndex', () => {
  const observed = [
    { competitor: 'alpha', product: 'A', date: '2025-01-01', price: 38 },
    { competitor: 'beta', product: 'A', date: '2025-01-01', price: 41 },
    { competitor: 'gamma', product: 'A', date: '2025-01-01', price: 45 },
    { competitor: 'beta', product: 'A', date: '2025-02-01', price: 43 },
    { competitor: 'alpha', product: 'A', date: '2025-03-01', price: 30 },
    { competitor: 'alpha', product: 'B', date: '2025-01-01', price: 99 },
  ];
  it('takes each competitor’s latest price on or before the date, then the cheapest, mean or median', () => {
    const at = (against: 'cheapest' | 'mean' | 'median') => competitorIndex(observed, { product: 'A', date: '2025-02-15', against }).value;
    expect(at('cheapest')).toBe(38);
    expect(at('mean')).toBeCloseTo((38 + 43 + 45) / 3, 12);
    expect(at('median')).toBe(43);
    expect(competitorIndex(observed, { product: 'A', date: '2025-01-01', against: 'median' }).value).toBe(41);
    expect(competitorIndex(observed.slice(0, 2), { product: 'A', date: '2025-01-01', against: 'median' }).value).toBe(39.5);
    expect(competitorIndex(observed, { product: 'A', date: '2025-03-01' }).observations).toEqual([
      { competitor: 'alpha', date: '2025-03-01', price: 30 },
      { competitor: 'beta', date: '2025-02-01', price: 43 },
      { competitor: 'gamma', date: '2025-01-01', price: 45 },
    ]);
  });
  it('same day: a price observed on the date counts, and of two rows on one day the later row wins (the documented rule)', () => {
    const corrected = [...observed, { competitor: 'beta', product: 'A', date: '2025-02-01', price: 42 }];
    expect(competitorIndex(corrected, { product: 'A', date: '2025-02-01', against: 'cheapest' }).observations).toContainEqual({
      competitor: 'beta',
      date: '2025-02-01',
      price: 42,
    });
    const reversed = [corrected[0], corrected[1], corrected[2], corrected[6], corrected[3]];
    expect(competitorIndex(reversed, { product: 'A', date: '2025-02-01' }).observations).toContainEqual({ competitor: 'beta', date: '2025-02-01', price: 43 });
  });
  it('rejects what it cannot use', () => {
    expect(codeOf(() => competitorIndex(observed, { product: 'A', date: '2024-12-31' }))).toBe('BAD_INPUT');
    expect(codeOf(() => competitorIndex(observed, { product: 'A', date: '15/02/2025' }))).toBe('BAD_INPUT');
    expect(codeOf(() => competitorIndex(observed, { product: 'A', date: '2025-02-15', against: 'max' as never }))).toBe('BAD_INPUT');
    expect(codeOf(() => competitorIndex([{ competitor: 'a', product: 'A', date: '2025-01-01' }], { product: 'A', date: '2025-02-15' }))).toBe('UNKNOWN_COLUMN');
    expect(codeOf(() => competitorIndex([{ competitor: 'a', product: 'A', date: '2025-01-01', price: -3 }], { product: 'A', date: '2025-02-15' }))).toBe('BAD_INPUT');
  });
});
