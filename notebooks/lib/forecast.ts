/**
 * Next year's revenue from today's customers, month by month, for notebook 05's dashboard.
 *
 * Each customer pays their monthly bill every month until the month they cancel (the person-month
 * data bill the month of a cancellation, too), at most `months` months; the monthly cancellation
 * hazard h comes from the fitted model at the customer's current features, held for the year. So a
 * customer who leaves in June still brings five months, where a yearly Bernoulli forecast gives
 * nothing.
 *
 * Two sources of uncertainty, each optional: who cancels when (simulated, seeded) and the model's own
 * coefficients (`parameterDraws`: each simulated year first draws β from N(β̂, Cov β̂), the fit's
 * large-sample distribution, and predicts with it). Not included: competitors' reactions to our
 * prices, new customers, and features that change during the year.
 */
import { LogitModel, seededUniform, standardNormal, type Row } from '@cbm-kit/kernel-lib';

export interface AccrualForecast {
  /** Mean of the simulated totals. */
  mean: number;
  /** Expected total at the fitted coefficients, in closed form: Σ bill·(1 − (1 − h)^months)/h. */
  expectedAtEstimate: number;
  sd: number;
  quantiles: { p5: number; p50: number; p95: number };
  simulations: number;
}

/** The lower-triangular L with L·Lᵀ = A (A symmetric positive definite, row-major p×p). */
function cholesky(a: readonly (readonly number[])[]): number[][] {
  const p = a.length;
  const l = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i][j];
      for (let k = 0; k < j; k++) s -= l[i][k] * l[j][k];
      l[i][j] = i === j ? Math.sqrt(s) : s / l[j][j];
    }
  }
  return l;
}

function quantile(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  return sorted[lo] + (h - lo) * (sorted[Math.ceil(h)] - sorted[lo]);
}

/**
 * Simulates next year's total revenue of `customers` (rows the model scores) paying `monthlyBill`
 * each until they cancel. Quantiles are R's type 7.
 */
export function accrualForecast(
  model: LogitModel,
  customers: readonly Row[],
  monthlyBill: readonly number[],
  options: { months: number; simulations: number; seed: number | string; parameterDraws: boolean },
): AccrualForecast {
  const { months, simulations, seed, parameterDraws } = options;
  const json = model.toJSON();
  // An aliased coefficient (null) is not drawn: scoring leaves it out.
  const beta = json.coefficients.map((c) => c.estimate ?? 0);
  const chol = cholesky(json.covariance.map((row) => row.map((v) => v ?? 0)));
  const uniform = seededUniform(seed);
  const expectedMonths = (h: number) => (h > 0 ? (1 - (1 - h) ** months) / h : months);
  const hAtEstimate = model.predict(customers as Row[]);
  const expectedAtEstimate = monthlyBill.reduce((s, bill, i) => s + bill * expectedMonths(hAtEstimate[i]), 0);
  const totals = new Float64Array(simulations);
  for (let s = 0; s < simulations; s++) {
    let h = hAtEstimate;
    if (parameterDraws) {
      const z = beta.map(() => standardNormal(uniform));
      const drawn = beta.map((b, i) => b + chol[i].reduce((acc, lij, j) => acc + lij * z[j], 0));
      h = LogitModel.fromJSON({ ...json, coefficients: json.coefficients.map((c, i) => ({ ...c, estimate: drawn[i] })) }).predict(customers as Row[]);
    }
    let total = 0;
    for (let i = 0; i < monthlyBill.length; i++) {
      // The month of the cancellation (1, 2, …): geometric with success probability h; it is paid.
      const u = uniform();
      const month = h[i] > 0 ? Math.ceil(Math.log(1 - u) / Math.log(1 - h[i])) : Number.POSITIVE_INFINITY;
      total += monthlyBill[i] * Math.min(months, Math.max(1, month));
    }
    totals[s] = total;
  }
  const sorted = Float64Array.from(totals).sort();
  const mean = totals.reduce((a, b) => a + b, 0) / simulations;
  const sd = Math.sqrt(totals.reduce((a, b) => a + (b - mean) ** 2, 0) / (simulations - 1));
  return { mean, expectedAtEstimate, sd, quantiles: { p5: quantile(sorted, 0.05), p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95) }, simulations };
}
