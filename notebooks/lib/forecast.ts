/**
 * Next year's revenue from today's customers, month by month, for notebook 05's dashboard.
 *
 * Each customer pays their monthly bill every month until the month they cancel (the person-month
 * data bill the month of a cancellation, too), at most `months` months; the monthly cancellation
 * hazard h comes from the fitted model at the customer's current features, held for the year. So a
 * customer who leaves in June still brings five months, where a yearly Bernoulli forecast gives
 * nothing.
 *
 * A customer may also stop paying without cancelling (the customer base's silent lapse): `lapse`
 * gives each customer's monthly probability of that, before each month's bill (the customers are
 * already paying, so from the first month, as the data generate it): months paid ≥ t with
 * probability (1 − lapse)^t·(1 − h)^(t − 1).
 *
 * Uncertainty: who cancels when (simulated, seeded), and optionally the model's own coefficients
 * (`parameterDraws`: each simulated year first draws β from N(β̂, Cov β̂), the fit's large-sample
 * distribution, and predicts with it) and a feature's movement over the year (`featureShifts`, e.g.
 * the price gap as competitors' prices move, drawn from its past year-ahead changes). Not included:
 * new customers, and tenure growing during the year. notebooks/lib/backtest.ts measures how often
 * the interval holds the year that followed (scripts/forecast-backtest.mjs).
 */
import { CbmError, LogitModel, seededUniform, standardNormal, type Row } from '@cbm-kit/kernel-lib';

export interface AccrualForecast {
  /** Mean of the simulated totals. */
  mean: number;
  /** Expected total at the fitted coefficients, in closed form: Σ bill·(1 − lapse)·(1 − q^months)/(1 − q), q = (1 − h)(1 − lapse). */
  expectedAtEstimate: number;
  sd: number;
  quantiles: { p5: number; p50: number; p95: number };
  simulations: number;
  /** The simulated totals in `HISTOGRAM_BINS` equal bins from the smallest to the largest (one bin when all are equal): what `forecastChart` draws. */
  histogram: { lower: number; upper: number; count: number }[];
}

const HISTOGRAM_BINS = 30;

function histogramOf(sorted: Float64Array): AccrualForecast['histogram'] {
  const lo = sorted[0];
  const hi = sorted[sorted.length - 1];
  if (!(hi > lo)) return [{ lower: lo, upper: lo + 1, count: sorted.length }];
  const width = (hi - lo) / HISTOGRAM_BINS;
  const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
  for (const x of sorted) counts[Math.min(HISTOGRAM_BINS - 1, Math.floor((x - lo) / width))] += 1;
  return counts.map((count, k) => ({ lower: lo + k * width, upper: k === HISTOGRAM_BINS - 1 ? hi : lo + (k + 1) * width, count }));
}

/**
 * A feature that moves during the year by an amount no one knows today, e.g. a product's log price
 * gap to its competitors: each simulated year draws one of `shifts[g]` for each group g (uniformly)
 * and moves the linear predictor of every customer i in group `group[i]` by β·shift, β the model's
 * (drawn) coefficient named `coefficient`. The shift is held for the whole year.
 */
export interface FeatureShifts {
  coefficient: string;
  group: readonly number[];
  shifts: readonly (readonly number[])[];
}

/** The lower-triangular L with L·Lᵀ = A (A symmetric positive definite, row-major p×p). */
function cholesky(a: readonly (readonly number[])[]): number[][] {
  const p = a.length;
  const l = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i][j];
      for (let k = 0; k < j; k++) s -= l[i][k] * l[j][k];
      // An aliased coefficient has a zero row and column: it gets a zero row of L (it is not drawn).
      l[i][j] = i === j ? Math.sqrt(Math.max(s, 0)) : l[j][j] === 0 ? 0 : s / l[j][j];
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
  options: { months: number; simulations: number; seed: number | string; parameterDraws: boolean; lapse?: readonly number[]; featureShifts?: FeatureShifts },
): AccrualForecast {
  const { months, simulations, seed, parameterDraws, lapse, featureShifts } = options;
  if (lapse !== undefined && (lapse.length !== monthlyBill.length || lapse.some((l) => !(l >= 0 && l < 1)))) {
    throw new CbmError('BAD_INPUT', `accrualForecast: lapse must give one monthly probability in [0, 1) per customer (${monthlyBill.length})`);
  }
  const json = model.toJSON();
  const shiftColumn = featureShifts === undefined ? -1 : json.coefficients.findIndex((c) => c.term === featureShifts.coefficient);
  if (featureShifts !== undefined) {
    const { group, shifts } = featureShifts;
    if (shiftColumn < 0) throw new CbmError('BAD_INPUT', `accrualForecast: featureShifts.coefficient '${featureShifts.coefficient}' is not a coefficient of the model`);
    if (
      group.length !== monthlyBill.length ||
      group.some((g) => !Number.isInteger(g) || g < 0 || g >= shifts.length) ||
      shifts.some((list) => list.length === 0 || list.some((x) => !Number.isFinite(x)))
    ) {
      throw new CbmError(
        'BAD_INPUT',
        `accrualForecast: featureShifts needs a group index per customer (${monthlyBill.length}) into shifts, each a non-empty list of finite numbers`,
      );
    }
  }
  // An aliased coefficient (null) is not drawn: scoring leaves it out.
  const beta = json.coefficients.map((c) => c.estimate ?? 0);
  const chol = cholesky(json.covariance.map((row) => row.map((v) => v ?? 0)));
  const uniform = seededUniform(seed);
  // Months paid ≥ t with probability (1 − l)·q^(t − 1), q = (1 − h)(1 − l) the monthly chance of neither cancelling nor lapsing.
  const expectedMonths = (h: number, l: number) => {
    const q = (1 - h) * (1 - l);
    return (1 - l) * (q < 1 ? (1 - q ** months) / (1 - q) : months);
  };
  const hAtEstimate = model.predict(customers as Row[]);
  const expectedAtEstimate = monthlyBill.reduce((s, bill, i) => s + bill * expectedMonths(hAtEstimate[i], lapse?.[i] ?? 0), 0);
  // The design columns x_j (and any offset), read once through the model's own scoring with unit
  // coefficients, so each draw's linear predictor is offset + Σ β_j x_j without re-reading the model.
  const withCoefficients = (estimates: readonly number[]) =>
    LogitModel.fromJSON({ ...json, coefficients: json.coefficients.map((c, i) => ({ ...c, estimate: c.estimate === null ? null : estimates[i] })) }).linearPredictor(
      customers as Row[],
    );
  const perDraw = parameterDraws || featureShifts !== undefined;
  const offset = perDraw ? withCoefficients(beta.map(() => 0)) : new Float64Array(0);
  const design = perDraw ? beta.map((_, j) => withCoefficients(beta.map((_b, k) => (k === j ? 1 : 0))).map((v, i) => v - offset[i])) : [];
  const totals = new Float64Array(simulations);
  for (let s = 0; s < simulations; s++) {
    let h = hAtEstimate;
    if (perDraw) {
      let drawn = beta;
      if (parameterDraws) {
        const z = beta.map(() => standardNormal(uniform));
        drawn = beta.map((b, i) => b + chol[i].reduce((acc, lij, j) => acc + lij * z[j], 0));
      }
      // This year's shift of the feature for each group, one of its candidates at random.
      const shift = featureShifts?.shifts.map((list) => list[Math.min(list.length - 1, Math.floor(uniform() * list.length))]);
      h = offset.map((o, i) => {
        let eta = o;
        for (let j = 0; j < drawn.length; j++) eta += drawn[j] * design[j][i];
        if (shift !== undefined) eta += drawn[shiftColumn] * shift[featureShifts!.group[i]];
        return 1 / (1 + Math.exp(-eta));
      });
    }
    let total = 0;
    for (let i = 0; i < monthlyBill.length; i++) {
      // The month of the cancellation (1, 2, …): geometric with success probability h; it is paid.
      const u = uniform();
      const month = h[i] > 0 ? Math.ceil(Math.log(1 - u) / Math.log(1 - h[i])) : Number.POSITIVE_INFINITY;
      // Months paid before a silent lapse (which comes before a bill): the number of months survived,
      // P(≥ t) = (1 − lapse)^t. Drawn only where there is a lapse, so a forecast without one keeps its
      // random stream.
      let beforeLapse = Number.POSITIVE_INFINITY;
      if (lapse !== undefined && lapse[i] > 0) beforeLapse = Math.floor(Math.log(1 - uniform()) / Math.log(1 - lapse[i]));
      total += monthlyBill[i] * Math.min(months, Math.max(1, month), beforeLapse);
    }
    totals[s] = total;
  }
  const sorted = Float64Array.from(totals).sort();
  const mean = totals.reduce((a, b) => a + b, 0) / simulations;
  const sd = Math.sqrt(totals.reduce((a, b) => a + (b - mean) ** 2, 0) / (simulations - 1));
  return {
    mean,
    expectedAtEstimate,
    sd,
    quantiles: { p5: quantile(sorted, 0.05), p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95) },
    simulations,
    histogram: histogramOf(sorted),
  };
}

/** What a forecast of the customers active on a date reads from the past besides the model: both from the person-month table and the price lists. */
export interface ForecastContext {
  /** Each segment's monthly probability of stopping without cancelling (`lapseRates`). */
  lapse: ReadonlyMap<string, number>;
  /** Each product's past year-ahead moves of its log price gap (`yearAheadShifts`). */
  gapShifts: ReadonlyMap<string, readonly number[]>;
}

/** Which sources of uncertainty a forecast holds besides who cancels when. */
export interface ForecastParts {
  /** The coefficients drawn from their estimated distribution. */
  parameterDraws: boolean;
  /** Customers who stop paying without cancelling, at their segment's rate. */
  silentStops: boolean;
  /** Each product's price gap moving over the year as it moved in the past. */
  gapMoves: boolean;
}

/** Every part in: the forecast notebooks 04 and 05 show and the backtest measures. */
export const ALL_FORECAST_PARTS: ForecastParts = { parameterDraws: true, silentStops: true, gapMoves: true };

/**
 * Next year's revenue of `customers` (person-month rows with `segment` and `product`, each paying
 * `monthlyBill`), with the silent stops and gap moves of `context` as `parts` asks: the one way
 * notebooks 04 and 05 (through `planForecast`) and the backtest call {@link accrualForecast}.
 */
export function customerForecast(
  model: LogitModel,
  customers: readonly (Row & { segment: string; product: string })[],
  monthlyBill: readonly number[],
  context: ForecastContext,
  options: { months: number; simulations: number; seed: number | string; parts: ForecastParts },
): AccrualForecast {
  const { parts } = options;
  const products = [...context.gapShifts.keys()];
  const noShifts = parts.gapMoves ? customers.find((c) => !context.gapShifts.has(c.product)) : undefined;
  if (noShifts !== undefined) throw new CbmError('BAD_INPUT', `customerForecast: no past gap moves for product '${noShifts.product}'`);
  const noRate = parts.silentStops ? customers.find((c) => !context.lapse.has(c.segment)) : undefined;
  if (noRate !== undefined) throw new CbmError('BAD_INPUT', `customerForecast: no silent-stop rate for segment '${noRate.segment}'`);
  return accrualForecast(model, customers, monthlyBill, {
    months: options.months,
    simulations: options.simulations,
    seed: options.seed,
    parameterDraws: parts.parameterDraws,
    ...(parts.silentStops ? { lapse: customers.map((c) => context.lapse.get(c.segment)!) } : {}),
    ...(parts.gapMoves
      ? { featureShifts: { coefficient: 'log_gap', group: customers.map((c) => products.indexOf(c.product)), shifts: products.map((p) => context.gapShifts.get(p)!) } }
      : {}),
  });
}
