import { CbmError, check, checkOptions, describeValue } from '../errors';
import { checkOptionSchema, type OptionSchema } from '../options';
import { toTable, type DataInput, type Table } from '../data/table';
import { probabilityVector, tailOf, tailPruned } from '../simulate/churners';
import { simulateRevenue, type RevenueSummary } from '../simulate/revenue';
import { checkModel, priceColumn, shiftedPrice, withColumn, type ChurnModel } from './elasticity';

/** How churn responds to price in {@link optimizePrice}: a logit slope on ln(1 + d), or a fitted churn model with its data and price column. */
export type PriceResponse = { logitSlope: number } | { model: ChurnModel; data: DataInput | Table; price: string; priceScale?: 'level' | 'log'; periods?: number };

/** The churn constraints a price must meet in {@link optimizePrice}; each is optional. */
export interface PriceConstraints {
  /** P(at least `count` churners) ≤ maxProbability. */
  churnersAtLeast?: { count: number; maxProbability: number };
  /** Mean churn probability ≤ this. */
  maxChurnRate?: number;
  /** ourPrice·(1 + d)/competitorPrice − 1 ≤ maxGap (e.g. 0.05: at most 5 % above the competitor). */
  maxCompetitorGap?: { ourPrice: number; competitorPrice: number; maxGap: number };
}

/** What {@link optimizePrice} optimises: the customers' churn and revenue, the price response, the bounds, the objective and the constraints. */
export interface OptimizePriceSpec {
  /** A label echoed in the result (product or segment). */
  name?: string;
  /** Each customer's churn probability at today's price (with `logitSlope`; a model gives its own). */
  churnProbabilities?: ArrayLike<number>;
  /** Each customer's revenue at today's price if they stay. */
  revenues: ArrayLike<number>;
  priceResponse: PriceResponse;
  /** [lowest, highest] relative price change, default [−0.5, 0.5]; lowest > −1. */
  bounds?: [number, number];
  objective?: 'revenue' | 'margin';
  /** Cost of serving each retained customer for the period (a number for all, or one per customer); needed for 'margin'. */
  unitCost?: number | ArrayLike<number>;
  constraints?: PriceConstraints;
  /** Grid points of the search (and of `curve`), default 41. */
  gridPoints?: number;
  /** Simulations of the forecast at the optimum, default 10,000 (0: no forecast). */
  simulations?: number;
  /** Seed of the forecast, default 2026. */
  seed?: number | string;
}

/** One grid point of the price curve: the objective and the churn figures at a price change d. */
export interface PriceCurvePoint {
  priceChange: number;
  expectedRevenue: number;
  expectedMargin: number | null;
  expectedChurnRate: number;
  /** P(at least churnersAtLeast.count churners), null without that constraint. */
  tailProbability: number | null;
  feasible: boolean;
}

/** A constraint at the optimum: its value, its limit and whether it decides the price. */
export interface ConstraintStatus {
  constraint: 'churnersAtLeast' | 'maxChurnRate' | 'maxCompetitorGap';
  value: number;
  limit: number;
  /** At its limit (within 1e-9 relative): the constraint decides the price. */
  binding: boolean;
}

/** What {@link optimizePrice} returns: the best price change, its expected figures, today's for comparison, the constraints and the curve. */
export interface OptimizePriceResult {
  name: string | null;
  objective: 'revenue' | 'margin';
  /** The optimal relative price change d. */
  priceChange: number;
  expectedRevenue: number;
  expectedMargin: number | null;
  expectedChurnRate: number;
  expectedChurners: number;
  /** Exact P(at least churnersAtLeast.count churners) at the optimum, null without that constraint. */
  tailProbability: number | null;
  /** Today's (d = 0) figures, for comparison. */
  today: { expectedRevenue: number; expectedMargin: number | null; expectedChurnRate: number; tailProbability: number | null };
  constraints: ConstraintStatus[];
  curve: PriceCurvePoint[];
  /** Churn probabilities at the optimum, per customer. */
  churnProbabilities: Float64Array;
  forecast: RevenueSummary | null;
}

/** A spec's options; the vectors, the price response, the bounds, the unit cost and the constraints are checked where they are read. */
const SPEC = {
  name: { kind: 'text' },
  churnProbabilities: { kind: 'any' },
  revenues: { kind: 'any' },
  priceResponse: { kind: 'any' },
  bounds: { kind: 'any' },
  objective: { kind: 'oneOf', values: ['revenue', 'margin'] },
  unitCost: { kind: 'any' },
  constraints: { kind: 'any' },
  gridPoints: { kind: 'number', integer: true, min: 3, max: 100_001 },
  simulations: { kind: 'number', integer: true, min: 0, example: '10000 (0: no forecast)' },
  seed: { kind: 'seed' },
} as const satisfies OptionSchema;
/** The constraints; each one's fields are checked where it is built. */
const CONSTRAINTS = {
  churnersAtLeast: { kind: 'object', example: '{ count: 8, maxProbability: 0.001 }' },
  maxChurnRate: { kind: 'number', min: 0, max: 1, exclusive: 'both', example: '0.2' },
  maxCompetitorGap: { kind: 'object', example: '{ ourPrice: 40, competitorPrice: 38, maxGap: 0.05 }' },
} as const satisfies OptionSchema;

/** priceResponse as a slope on the logit of today's churn probabilities. */
const SLOPE_RESPONSE = {
  logitSlope: { kind: 'number', required: true, example: '-2' },
} as const satisfies OptionSchema;
/** priceResponse as a fitted churn model over the customers' rows (model and data are checked where they are read). */
const MODEL_RESPONSE = {
  model: { kind: 'any', required: true, example: 'fitLogit(history, formula)' },
  data: { kind: 'any', required: true, example: 'the customers’ rows' },
  price: { kind: 'text', required: true, example: "'monthly_fee'" },
  priceScale: { kind: 'oneOf', values: ['level', 'log'] },
  periods: { kind: 'number', integer: true, min: 1, example: '12' },
} as const satisfies OptionSchema;
/** The fields of the churnersAtLeast constraint (its count's upper bound, the customers, is checked where it is built). */
const CHURNERS_AT_LEAST = {
  count: { kind: 'number', integer: true, min: 1, required: true, example: '8' },
  maxProbability: { kind: 'number', min: 0, max: 1, exclusive: 'both', required: true, example: '0.001' },
} as const satisfies OptionSchema;
/** The fields of the maxCompetitorGap constraint: prices positive, the gap relative (above −1). */
const MAX_COMPETITOR_GAP = {
  ourPrice: { kind: 'number', min: 0, exclusive: 'min', required: true, example: '40' },
  competitorPrice: { kind: 'number', min: 0, exclusive: 'min', required: true, example: '38' },
  maxGap: { kind: 'number', min: -1, exclusive: 'min', required: true, example: '0.05' },
} as const satisfies OptionSchema;

function logit(p: number): number {
  return Math.log(p) - Math.log1p(-p);
}

interface Problem {
  n: number;
  revenues: Float64Array;
  cost: Float64Array | null;
  probabilitiesAt(d: number): Float64Array;
  objective: 'revenue' | 'margin';
}

function nonNegativeVector(values: unknown, n: number, name: string, context: string): Float64Array {
  check(Array.isArray(values) || ArrayBuffer.isView(values), `${context}: ${name} must be an array of numbers, one per customer`);
  const v = values as ArrayLike<unknown>;
  check(v.length === n, `${context}: ${name} has ${v.length} values but there are ${n} customers`, { expected: n, got: v.length });
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x))
      throw new CbmError('NON_FINITE', `${context}: ${name}[${i}] is ${typeof x === 'number' ? String(x) : 'not a number'}`, { index: i });
    check(x >= 0, `${context}: ${name}[${i}] = ${x} is negative; it must be ≥ 0`, { index: i });
    out[i] = x;
  }
  return out;
}

function buildProblem(spec: OptimizePriceSpec, context: string): Problem {
  const response = spec.priceResponse;
  check(
    response !== null && typeof response === 'object' && !Array.isArray(response),
    `${context}: priceResponse must be { logitSlope } or { model, data, price }, got ${describeValue(response)}`,
  );
  const where = `${context}: priceResponse`;
  // The names of both forms first, so that a misspelt 'logitslope' is suggested 'logitSlope'; then the form's own rules.
  checkOptions(response, where, [...Object.keys(SLOPE_RESPONSE), ...Object.keys(MODEL_RESPONSE)]);
  checkOptionSchema(response, where, 'logitSlope' in response ? SLOPE_RESPONSE : MODEL_RESPONSE);
  let probabilitiesAt: (d: number) => Float64Array;
  let n: number;
  if ('logitSlope' in response) {
    const slope = response.logitSlope;
    check(spec.churnProbabilities !== undefined, `${context}: with priceResponse.logitSlope give churnProbabilities at today's price`);
    const p = probabilityVector(spec.churnProbabilities, context);
    n = p.length;
    const base = Float64Array.from(p, logit);
    probabilitiesAt = (d) => {
      const shift = slope * Math.log1p(d);
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = base[i];
        // p = 0 and p = 1 stay where they are (logit ±∞).
        out[i] = v === Infinity ? 1 : v === -Infinity ? 0 : 1 / (1 + Math.exp(-(v + shift)));
      }
      return out;
    };
  } else {
    checkModel(response.model, context);
    check(spec.churnProbabilities === undefined, `${context}: with a fitted model the churn probabilities come from the model; leave churnProbabilities out`);
    const scale = response.priceScale ?? 'level';
    const periods = response.periods ?? 1;
    const table = toTable(response.data, context);
    check(table.nRows > 0, `${context}: priceResponse.data has no rows`);
    const base = priceColumn(table, response.price, scale, context);
    n = table.nRows;
    const model = response.model;
    probabilitiesAt = (d) => {
      const hazard = model.predict(withColumn(table, response.price, shiftedPrice(base, Math.log1p(d), scale)));
      // A model is any object with predict: its answers must be probabilities, one per customer.
      check(
        hazard !== null && typeof hazard === 'object' && (hazard as ArrayLike<number>).length === table.nRows,
        `${context}: priceResponse.model.predict must return one probability per row of priceResponse.data`,
      );
      for (let i = 0; i < hazard.length; i++) {
        const h = hazard[i];
        check(
          typeof h === 'number' && h >= 0 && h <= 1,
          `${context}: priceResponse.model.predict returned ${describeValue(h)} for row ${i} at a price change of ${d}; churn probabilities must lie in [0, 1]`,
          { row: i },
        );
      }
      return periods === 1 ? Float64Array.from(hazard) : Float64Array.from(hazard, (h) => 1 - (1 - h) ** periods);
    };
  }
  check(n >= 1, `${context}: there are no customers`);
  const revenues = nonNegativeVector(spec.revenues, n, 'revenues', context);
  const objective = spec.objective ?? 'revenue';
  let cost: Float64Array | null = null;
  if (spec.unitCost !== undefined) {
    if (typeof spec.unitCost === 'number') {
      check(Number.isFinite(spec.unitCost) && spec.unitCost >= 0, `${context}: unitCost must be a finite number ≥ 0 or one per customer, got ${spec.unitCost}`);
      cost = new Float64Array(n).fill(spec.unitCost);
    } else cost = nonNegativeVector(spec.unitCost, n, 'unitCost', context);
  }
  check(objective === 'revenue' || cost !== null, `${context}: objective 'margin' needs unitCost (the cost of serving a retained customer)`);
  return { n, revenues, cost, probabilitiesAt, objective };
}

interface Evaluation {
  d: number;
  p: Float64Array;
  revenue: number;
  margin: number | null;
  churnRate: number;
}

function evaluate(problem: Problem, d: number): Evaluation {
  const p = problem.probabilitiesAt(d);
  let revenue = 0;
  let margin = 0;
  let churn = 0;
  const { revenues, cost } = problem;
  for (let i = 0; i < problem.n; i++) {
    const stay = 1 - p[i];
    revenue += stay * revenues[i] * (1 + d);
    if (cost) margin += stay * (revenues[i] * (1 + d) - cost[i]);
    churn += p[i];
  }
  return { d, p, revenue, margin: cost ? margin : null, churnRate: churn / problem.n };
}

/** A constraint as g(d) ≤ limit. */
interface Constraint {
  name: ConstraintStatus['constraint'];
  limit: number;
  value(e: Evaluation): number;
  /** The exact value reported (the search may use a faster exact-to-1e-25 form). */
  exact(e: Evaluation): number;
  describe(value: number): string;
}

function buildConstraints(spec: OptimizePriceSpec, n: number, context: string): Constraint[] {
  const given = spec.constraints ?? {};
  checkOptionSchema(given, `${context}: constraints`, CONSTRAINTS);
  const out: Constraint[] = [];
  if (given.churnersAtLeast !== undefined) {
    const c = given.churnersAtLeast;
    checkOptionSchema(c, `${context}: constraints.churnersAtLeast`, CHURNERS_AT_LEAST);
    check(c.count <= n, `${context}: constraints.churnersAtLeast: count must be at most the number of customers (${n}), got ${c.count}`, { option: 'count' });
    const floor = (c.maxProbability * 1e-25) / n;
    out.push({
      name: 'churnersAtLeast',
      limit: c.maxProbability,
      value: (e) => tailPruned(e.p, c.count, floor),
      exact: (e) => tailOf(e.p, c.count),
      describe: (v) => `P(${c.count} or more churners) = ${v.toPrecision(6)}`,
    });
  }
  if (given.maxChurnRate !== undefined) {
    const rate = given.maxChurnRate;
    out.push({ name: 'maxChurnRate', limit: rate, value: (e) => e.churnRate, exact: (e) => e.churnRate, describe: (v) => `the churn rate ${v.toPrecision(6)}` });
  }
  if (given.maxCompetitorGap !== undefined) {
    const g = given.maxCompetitorGap;
    checkOptionSchema(g, `${context}: constraints.maxCompetitorGap`, MAX_COMPETITOR_GAP);
    const gap = (e: Evaluation) => (g.ourPrice * (1 + e.d)) / g.competitorPrice - 1;
    out.push({ name: 'maxCompetitorGap', limit: g.maxGap, value: gap, exact: gap, describe: (v) => `the gap to the competitor ${(v * 100).toPrecision(6)} %` });
  }
  return out;
}

/** Illinois regula falsi on g(d) − limit between a feasible and an infeasible d: the feasible end of the boundary. */
function boundary(problem: Problem, c: Constraint, feasibleD: number, feasibleG: number, infeasibleD: number, infeasibleG: number): number {
  let a = feasibleD;
  let fa = feasibleG - c.limit; // ≤ 0
  let b = infeasibleD;
  let fb = infeasibleG - c.limit; // > 0
  let side = 0;
  for (let iteration = 0; iteration < 200 && Math.abs(b - a) > 1e-12; iteration++) {
    let x = (a * fb - b * fa) / (fb - fa);
    if (!(x > Math.min(a, b) && x < Math.max(a, b))) x = (a + b) / 2;
    const fx = c.value(evaluate(problem, x)) - c.limit;
    if (fx <= 0) {
      a = x;
      fa = fx;
      if (side === -1) fb /= 2;
      side = -1;
    } else {
      b = x;
      fb = fx;
      if (side === 1) fa /= 2;
      side = 1;
    }
    if (fx === 0) break;
  }
  return a;
}

/**
 * The middles of the feasible windows that lie strictly between neighbouring grid points: in an
 * interval where every constraint holds at one end or the other, each violated constraint's boundary
 * (regula falsi) bounds the window from its side; a window exists where the lower bounds stay below
 * the upper ones. (Assumes, as the search does, that a constraint changes feasibility at most once
 * between neighbouring grid points.)
 */
function windowsBetween(problem: Problem, constraints: readonly Constraint[], grid: readonly Evaluation[], values: readonly number[][]): number[] {
  const out: number[] = [];
  for (let g = 0; g + 1 < grid.length; g++) {
    if (!constraints.every((c, j) => values[g][j] <= c.limit || values[g + 1][j] <= c.limit)) continue;
    let lo = grid[g].d;
    let hi = grid[g + 1].d;
    constraints.forEach((c, j) => {
      if (values[g][j] > c.limit) lo = Math.max(lo, boundary(problem, c, grid[g + 1].d, values[g + 1][j], grid[g].d, values[g][j]));
      else if (values[g + 1][j] > c.limit) hi = Math.min(hi, boundary(problem, c, grid[g].d, values[g][j], grid[g + 1].d, values[g + 1][j]));
    });
    if (lo > hi) continue;
    const middle = (lo + hi) / 2;
    const e = evaluate(problem, middle);
    if (constraints.every((c) => c.value(e) <= c.limit)) out.push(middle);
  }
  return out;
}

function objectiveOf(e: Evaluation, objective: 'revenue' | 'margin'): number {
  return objective === 'revenue' ? e.revenue : (e.margin as number);
}

/**
 * The price change that maximises expected revenue (or margin) of one product or segment under
 * churn constraints, by a bounded one-dimensional search over the relative price change d
 * (−0.1 = a 10 % cut):
 *
 *   expected revenue(d) = Σᵢ (1 − pᵢ(d))·rᵢ·(1 + d),   margin(d) = Σᵢ (1 − pᵢ(d))·(rᵢ·(1 + d) − costᵢ)
 *
 * where pᵢ(d) is each customer's churn probability at the new price: with `{ logitSlope: b }`,
 * logit pᵢ(d) = logit pᵢ + b·ln(1 + d); with a fitted churn model, the model's prediction with the
 * price column moved by ln(1 + d) (over `periods` periods: 1 − (1 − h)^periods).
 *
 * Constraints use the exact churner distribution (the Poisson-binomial recursion), so a binding
 * constraint holds with equality to solver precision (d to 1e-12): `churnersAtLeast` caps
 * P(count or more churners), `maxChurnRate` the mean churn probability, `maxCompetitorGap` our
 * new price's premium over a competitor price.
 *
 * Method: the objective and every constraint on a grid of `gridPoints` d values; each constraint's
 * feasibility boundary between neighbouring grid points by the Illinois variant of regula falsi
 * (bracketed, to |Δd| < 1e-12); the best feasible grid point refined by golden-section search within
 * its feasible neighbourhood; the feasible boundaries themselves are candidates too. It finds the
 * global optimum when the objective has one maximum between neighbouring grid points and each
 * constraint changes feasibility at most once between them (true for monotone price responses).
 * When no grid point is feasible, each interval between neighbours is searched for a window where
 * the constraints' boundaries leave room (a feasible set narrower than the grid spacing); its middle
 * joins the grid (and `curve`) and the search goes on from there.
 * `forecast` is simulateRevenue at the optimum (its summary: mean, sd, quantiles, histograms).
 *
 * @example
 * const best = optimizePrice({
 *   churnProbabilities: [0.66, 0.41, 0.51, 0.49, 0.69, 0.67, 0.76, 0.43, 0.57, 0.41],
 *   revenues: [1895, 1952, 3069, 3465, 1108, 3298, 1814, 3932, 3661, 3872],
 *   priceResponse: { logitSlope: 3 },
 *   bounds: [-0.5, 0.5],
 *   objective: 'revenue',
 *   constraints: { churnersAtLeast: { count: 8, maxProbability: 0.001 } },
 * });
 * best.priceChange; // the price change at which P(8 or more churners) = 0.1 %
 */
export function optimizePrice(spec: OptimizePriceSpec): OptimizePriceResult {
  return optimizeOne(spec, 'optimizePrice');
}

/** optimizePrice for several products or segments in one call (each spec with its own name). */
export function optimizePrices(specs: readonly OptimizePriceSpec[]): OptimizePriceResult[] {
  check(Array.isArray(specs) && specs.length > 0, 'optimizePrices: give a non-empty array of specs, one per product or segment');
  // Array.from visits holes of a sparse array too (as undefined specs, refused), where map would skip them.
  return Array.from(specs, (spec, k) =>
    optimizeOne(spec, `optimizePrices: spec ${k}${spec && typeof spec === 'object' && typeof spec.name === 'string' ? ` ('${spec.name}')` : ''}`),
  );
}

/** The search settings of a spec, checked: the bounds, the grid, the forecast and the label. */
interface SearchSettings {
  low: number;
  high: number;
  gridPoints: number;
  simulations: number;
  seed: number | string;
  name: string | null;
}

function searchSettings(spec: OptimizePriceSpec, context: string): SearchSettings {
  checkOptionSchema(spec, context, SPEC);
  check(spec !== undefined, `${context}: give a spec { churnProbabilities, revenues, priceResponse, bounds, objective, constraints }`);
  const bounds = spec.bounds ?? [-0.5, 0.5];
  check(
    Array.isArray(bounds) && bounds.length === 2 && bounds.every((b) => typeof b === 'number' && Number.isFinite(b)),
    `${context}: bounds must be [lowest, highest] relative price changes, e.g. [-0.5, 0.5]`,
  );
  const [low, high] = bounds;
  check(low !== high, `${context}: bounds [${low}, ${high}] leave a single price change and nothing to optimize; give [lowest, highest] with lowest < highest`);
  check(low < high, `${context}: bounds [${low}, ${high}] are out of order; give [lowest, highest]`);
  check(low > -1, `${context}: the lower bound ${low} is at or below −100 %; a price cannot fall to zero or below`);
  return { low, high, gridPoints: spec.gridPoints ?? 41, simulations: spec.simulations ?? 10_000, seed: spec.seed ?? 2026, name: spec.name ?? null };
}

/** The objective and every constraint at the grid's price changes, in increasing order. */
interface Grid {
  points: Evaluation[];
  /** values[g][j]: constraint j at point g. */
  values: number[][];
}

function feasibleAt(grid: Grid, constraints: readonly Constraint[], g: number): boolean {
  return constraints.every((c, j) => grid.values[g][j] <= c.limit);
}

/**
 * The grid of `gridPoints` evenly spaced price changes over [low, high]; when no point is
 * feasible, the middles of the feasible windows between neighbours join it (a feasible set
 * narrower than the spacing). INFEASIBLE when still no point is.
 */
function searchGrid(problem: Problem, constraints: readonly Constraint[], settings: SearchSettings, context: string): Grid {
  const { low, high, gridPoints } = settings;
  const grid: Grid = { points: [], values: [] };
  for (let g = 0; g < gridPoints; g++) {
    const d = g === gridPoints - 1 ? high : low + ((high - low) * g) / (gridPoints - 1);
    const e = evaluate(problem, d);
    grid.points.push(e);
    grid.values.push(constraints.map((c) => c.value(e)));
  }
  const anyFeasible = () => grid.points.some((_, g) => feasibleAt(grid, constraints, g));
  if (anyFeasible()) return grid;
  for (const d of windowsBetween(problem, constraints, grid.points, grid.values)) {
    const e = evaluate(problem, d);
    const at = grid.points.findIndex((x) => x.d > d);
    grid.points.splice(at, 0, e);
    grid.values.splice(
      at,
      0,
      constraints.map((c) => c.value(e)),
    );
  }
  if (!anyFeasible()) throw infeasible(grid, constraints, settings, context);
  return grid;
}

/** The INFEASIBLE error for a grid with no feasible point: the first constraint no point meets on its own, or the conflict. */
function infeasible(grid: Grid, constraints: readonly Constraint[], { low, high }: SearchSettings, context: string): CbmError {
  const { points, values } = grid;
  for (let j = 0; j < constraints.length; j++) {
    let best = 0;
    for (let g = 1; g < points.length; g++) if (values[g][j] < values[best][j]) best = g;
    if (values[best][j] > constraints[j].limit) {
      const c = constraints[j];
      return new CbmError(
        'INFEASIBLE',
        `${context}: constraint ${c.name} cannot be met within bounds [${low}, ${high}]: the best reachable is ${c.describe(values[best][j])} (at a price change of ${(points[best].d * 100).toFixed(2)} %), above the limit ${c.limit}; widen the bounds or relax the limit`,
        { constraint: c.name, bestValue: values[best][j], at: points[best].d, limit: c.limit },
      );
    }
  }
  return new CbmError(
    'INFEASIBLE',
    `${context}: the constraints ${constraints.map((c) => c.name).join(', ')} can each be met within bounds [${low}, ${high}] but not together; relax one of them`,
    { constraints: constraints.map((c) => c.name) },
  );
}

/** The feasibility boundary inside each grid interval (g, g + 1) whose ends differ in feasibility, keyed by g. */
function feasibilityEdges(problem: Problem, constraints: readonly Constraint[], grid: Grid): Map<number, number> {
  const { points, values } = grid;
  const edges = new Map<number, number>();
  for (let g = 0; g + 1 < points.length; g++) {
    const here = feasibleAt(grid, constraints, g);
    if (here === feasibleAt(grid, constraints, g + 1)) continue;
    const [fIndex, iIndex] = here ? [g, g + 1] : [g + 1, g];
    // The boundary of the interval is where the tightest violated constraint becomes feasible.
    let d = points[iIndex].d;
    for (let j = 0; j < constraints.length; j++) {
      if (values[iIndex][j] <= constraints[j].limit) continue;
      const edge = boundary(problem, constraints[j], points[fIndex].d, values[fIndex][j], points[iIndex].d, values[iIndex][j]);
      // Several violated constraints: the edge nearest the feasible point.
      if (Math.abs(edge - points[fIndex].d) < Math.abs(d - points[fIndex].d)) d = edge;
    }
    edges.set(g, d);
  }
  return edges;
}

/** Golden-section search for the objective's maximum on [a, b] (to 1e-10 in d): the middle of the last bracket. */
function goldenSection(problem: Problem, a: number, b: number): number {
  const ratio = (Math.sqrt(5) - 1) / 2;
  const at = (d: number) => objectiveOf(evaluate(problem, d), problem.objective);
  let x1 = b - ratio * (b - a);
  let x2 = a + ratio * (b - a);
  let f1 = at(x1);
  let f2 = at(x2);
  while (b - a > 1e-10) {
    if (f1 < f2) {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = a + ratio * (b - a);
      f2 = at(x2);
    } else {
      b = x2;
      x2 = x1;
      f2 = f1;
      x1 = b - ratio * (b - a);
      f1 = at(x1);
    }
  }
  return (a + b) / 2;
}

/**
 * The best feasible price change: among every feasibility boundary, the best feasible grid point
 * and that point refined by golden-section search between its neighbours (or the boundaries
 * between it and an infeasible neighbour).
 */
function bestFeasible(problem: Problem, constraints: readonly Constraint[], grid: Grid): Evaluation {
  const { points } = grid;
  const feasible = (g: number) => feasibleAt(grid, constraints, g);
  const edges = feasibilityEdges(problem, constraints, grid);
  const candidates = [...edges.values()];
  let bestGrid = -1;
  for (let g = 0; g < points.length; g++) {
    if (feasible(g) && (bestGrid < 0 || objectiveOf(points[g], problem.objective) > objectiveOf(points[bestGrid], problem.objective))) bestGrid = g;
  }
  candidates.push(points[bestGrid].d);
  const a = bestGrid === 0 ? points[0].d : feasible(bestGrid - 1) ? points[bestGrid - 1].d : (edges.get(bestGrid - 1) ?? points[bestGrid].d);
  const b = bestGrid === points.length - 1 ? points[bestGrid].d : feasible(bestGrid + 1) ? points[bestGrid + 1].d : (edges.get(bestGrid) ?? points[bestGrid].d);
  if (b > a) candidates.push(goldenSection(problem, a, b));
  let best: Evaluation | null = null;
  for (const d of candidates) {
    const e = evaluate(problem, d);
    if (!constraints.every((c) => c.value(e) <= c.limit)) continue;
    if (!best || objectiveOf(e, problem.objective) > objectiveOf(best, problem.objective)) best = e;
  }
  return best ?? points[bestGrid];
}

/** The result at the optimum: its figures, today's, each constraint's status, the curve and the forecast. */
function report(problem: Problem, constraints: readonly Constraint[], grid: Grid, optimum: Evaluation, settings: SearchSettings): OptimizePriceResult {
  const tailConstraint = constraints.find((c) => c.name === 'churnersAtLeast');
  const today = evaluate(problem, 0);
  const curve: PriceCurvePoint[] = grid.points.map((e, g) => ({
    priceChange: e.d,
    expectedRevenue: e.revenue,
    expectedMargin: e.margin,
    expectedChurnRate: e.churnRate,
    tailProbability: tailConstraint ? grid.values[g][constraints.indexOf(tailConstraint)] : null,
    feasible: feasibleAt(grid, constraints, g),
  }));
  const status: ConstraintStatus[] = constraints.map((c) => {
    const value = c.exact(optimum);
    return { constraint: c.name, value, limit: c.limit, binding: Math.abs(value - c.limit) <= 1e-9 * Math.max(Math.abs(c.limit), 1e-300) };
  });
  let forecast: RevenueSummary | null = null;
  if (settings.simulations > 0) {
    const newRevenues = Float64Array.from(problem.revenues, (r) => r * (1 + optimum.d));
    forecast = simulateRevenue({ churnProbabilities: optimum.p, revenues: newRevenues, simulations: settings.simulations, seed: settings.seed }).summary;
  }
  let expectedChurners = 0;
  for (let i = 0; i < problem.n; i++) expectedChurners += optimum.p[i];
  return {
    name: settings.name,
    objective: problem.objective,
    priceChange: optimum.d,
    expectedRevenue: optimum.revenue,
    expectedMargin: optimum.margin,
    expectedChurnRate: optimum.churnRate,
    expectedChurners,
    tailProbability: tailConstraint ? tailConstraint.exact(optimum) : null,
    today: {
      expectedRevenue: today.revenue,
      expectedMargin: today.margin,
      expectedChurnRate: today.churnRate,
      tailProbability: tailConstraint ? tailConstraint.exact(today) : null,
    },
    constraints: status,
    curve,
    churnProbabilities: optimum.p,
    forecast,
  };
}

function optimizeOne(spec: OptimizePriceSpec, context: string): OptimizePriceResult {
  const settings = searchSettings(spec, context);
  const problem = buildProblem(spec, context);
  const constraints = buildConstraints(spec, problem.n, context);
  const grid = searchGrid(problem, constraints, settings, context);
  return report(problem, constraints, grid, bestFeasible(problem, constraints, grid), settings);
}
