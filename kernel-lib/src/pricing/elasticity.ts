import { CbmError, check } from '../errors';
import { checkOptionSchema, type OptionSchema } from '../options';
import { toTable, type Cell, type DataInput, type Table } from '../data/table';

/** Options of {@link retentionElasticity}: the price column, its scale, the price change to evaluate at and a grouping. */
export interface ElasticityOptions {
  /** The price column the model reads. */
  price: string;
  /** 'level' (default): the column is a price; 'log': it is a log price or log price gap. */
  priceScale?: 'level' | 'log';
  /** Evaluate at a relative price change d (price × (1 + d)), default 0, d > −1. */
  at?: number;
  /** A column to group by (e.g. 'segment'): adds one row per group. */
  by?: string;
}

/** The elasticities of one group of customers (one value of the `by` column). */
export interface ElasticityGroup {
  /** The value of the `by` column, as text. */
  group: string;
  /** Customers in the group. */
  customers: number;
  /** Mean retention probability at the evaluated price. */
  retention: number;
  /** Mean of the customers' elasticities. */
  average: number;
  /** Elasticity of the group's expected number of stayers Σ Rᵢ: Σ Rᵢεᵢ / Σ Rᵢ. */
  aggregate: number;
}

/** What {@link retentionElasticity} returns: each customer's elasticity, their retention and the summaries. */
export interface RetentionElasticity {
  /** The price column differentiated. */
  price: string;
  /** The relative price change the elasticities are evaluated at (0 = today's prices). */
  at: number;
  /** εᵢ per customer, in data order. */
  perCustomer: Float64Array;
  /** Rᵢ = 1 − pᵢ at the evaluated price. */
  retention: Float64Array;
  /** Mean of εᵢ. */
  average: number;
  /** Elasticity of the expected number of stayers: Σ Rᵢεᵢ / Σ Rᵢ. */
  aggregate: number;
  /** One row per group of `by` (sorted by name), empty without `by`. */
  byGroup: ElasticityGroup[];
}

/** Anything that scores rows into churn probabilities (a LogitModel, or a future model type). */
export interface ChurnModel {
  /** Each row's churn probability p (retention is 1 − p). */
  predict(data: DataInput | Table): Float64Array;
}

const ELASTICITY_OPTIONS: OptionSchema = {
  price: { kind: 'text', required: true, example: "'price'" },
  priceScale: { kind: 'oneOf', values: ['level', 'log'] },
  at: { kind: 'number', min: -1, exclusive: 'min', example: '0.05 (a 5 % rise)' },
  by: { kind: 'text' },
};
const STEP = 1e-4;

/** A view of `table` with one numeric column replaced (no copy of the other columns). */
export function withColumn(table: Table, name: string, values: ArrayLike<Cell>): Table {
  return {
    nRows: table.nRows,
    names: table.names,
    has: (n) => table.has(n),
    cells: (n) => (n === name ? values : table.cells(n)),
  };
}

/** The price column moved by `logShift` in ln price: × e^shift for prices, + shift for log prices. */
export function shiftedPrice(base: Float64Array, logShift: number, scale: 'level' | 'log'): Float64Array {
  const out = new Float64Array(base.length);
  if (scale === 'log') for (let i = 0; i < base.length; i++) out[i] = base[i] + logShift;
  else {
    const factor = Math.exp(logShift);
    for (let i = 0; i < base.length; i++) out[i] = base[i] * factor;
  }
  return out;
}

/** Reads and checks the price column: finite numbers, positive on the level scale. */
export function priceColumn(table: Table, name: string, scale: 'level' | 'log', context: string): Float64Array {
  check(typeof name === 'string' && name.length > 0, `${context}: price must name the price column`);
  const cells = table.cells(name);
  const out = new Float64Array(table.nRows);
  for (let i = 0; i < out.length; i++) {
    const v = cells[i];
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new CbmError('NON_FINITE', `${context}: price column '${name}' row ${i} is not a finite number (${String(v)})`, { row: i });
    if (scale === 'level')
      check(v > 0, `${context}: price column '${name}' row ${i} is ${v}; prices must be positive (for a log price or log gap column pass priceScale: 'log')`, { row: i });
    out[i] = v;
  }
  return out;
}

/** Refuses (BAD_INPUT) anything that is not a model with `predict(data)`, before any price is moved. */
export function checkModel(model: unknown, context: string): asserts model is ChurnModel {
  check(
    model !== null && typeof model === 'object' && typeof (model as ChurnModel).predict === 'function',
    `${context}: model must be a fitted churn model with predict(data), e.g. from fitLogit`,
  );
}

/**
 * How strongly customers' retention reacts to price: the elasticity of each customer's
 * retention probability R = 1 − p with respect to their price,
 *
 *   εᵢ = ∂ ln Rᵢ / ∂ ln priceᵢ   (a 1 % higher price changes Rᵢ by about εᵢ %),
 *
 * computed by differentiating through `model.predict` with the price column perturbed on the log
 * scale (central difference, step h = 1e-4 in ln price; truncation error O(h²) ≈ 1e-8 relative).
 * So it works for any model that reads the price column, however the formula transforms it
 * (a plain price, a log price, a log gap to competitors). For a logit with β·ln(price/…) the exact
 * value is εᵢ = −β·pᵢ, which the tests check.
 *
 * `priceScale: 'log'` says the column already holds a log price (or a log price gap): the
 * perturbation is then added to it instead of multiplying it. `at` evaluates at a relative price
 * change (0.05 = 5 % dearer). `by` groups the result, e.g. by segment.
 *
 * Use it to see which customers a price rise would lose first, and as the slope a pricing
 * decision rests on: `aggregate` is the elasticity of the expected number of customers who stay.
 *
 * @example
 * const rows = [
 *   { churned: 1, log_gap: 0.1 }, { churned: 0, log_gap: -0.1 }, { churned: 1, log_gap: 0.05 },
 *   { churned: 0, log_gap: 0.0 }, { churned: 0, log_gap: -0.05 }, { churned: 1, log_gap: -0.02 },
 * ];
 * const model = fitLogit(rows, 'churned ~ log_gap');
 * const e = retentionElasticity(model, rows, { price: 'log_gap', priceScale: 'log' });
 * e.average; // the mean of the customers' elasticities
 */
export function retentionElasticity(model: ChurnModel, data: DataInput | Table, options: ElasticityOptions): RetentionElasticity {
  const context = 'retentionElasticity';
  checkModel(model, context);
  checkOptionSchema(options, context, ELASTICITY_OPTIONS);
  const scale = options.priceScale ?? 'level';
  const at = options.at ?? 0;
  const table = toTable(data, context);
  check(table.nRows > 0, `${context}: the data has no rows`);
  const base = priceColumn(table, options.price, scale, context);
  const centre = Math.log1p(at);
  const predictAt = (shift: number) => model.predict(withColumn(table, options.price, shiftedPrice(base, shift, scale)));
  const p0 = predictAt(centre);
  const up = predictAt(centre + STEP);
  const down = predictAt(centre - STEP);
  const n = table.nRows;
  const perCustomer = new Float64Array(n);
  const retention = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    retention[i] = 1 - p0[i];
    // ln(1 − p) by log1p keeps precision when p is small.
    perCustomer[i] = (Math.log1p(-up[i]) - Math.log1p(-down[i])) / (2 * STEP);
    if (!Number.isFinite(perCustomer[i]))
      throw new CbmError('NON_FINITE', `${context}: the elasticity of row ${i} is not finite (its churn probability is ${p0[i]}: retention 0 has no elasticity)`, { row: i });
  }
  const summarise = (rows: number[] | null) => {
    let sumE = 0;
    let sumR = 0;
    let sumRE = 0;
    const count = rows ? rows.length : n;
    for (let k = 0; k < count; k++) {
      const i = rows ? rows[k] : k;
      sumE += perCustomer[i];
      sumR += retention[i];
      sumRE += retention[i] * perCustomer[i];
    }
    return { customers: count, retention: sumR / count, average: sumE / count, aggregate: sumR > 0 ? sumRE / sumR : NaN };
  };
  const byGroup: ElasticityGroup[] = [];
  if (options.by !== undefined) {
    const labels = table.cells(options.by);
    const groups = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      const label = String(labels[i]);
      if (!groups.has(label)) groups.set(label, []);
      groups.get(label)!.push(i);
    }
    for (const label of [...groups.keys()].sort()) byGroup.push({ group: label, ...summarise(groups.get(label)!) });
  }
  const all = summarise(null);
  return { price: options.price, at, perCustomer, retention, average: all.average, aggregate: all.aggregate, byGroup };
}
