/**
 * What the task pane computes, without the DOM or Excel: fit a model on a range and make the
 * charts and figures shown beside it; simulate revenue; optimise a price. Every number comes
 * from kernel-lib (through the same adapters as the CBM functions); the charts are kernel-lib's
 * Vega-Lite spec builders.
 */
import {
  campaignMetrics,
  gainsTable,
  optimizePrice,
  readOutcome,
  seededUniform,
  simulateRevenue,
  thresholdSweep,
  trainValidationSplit,
  type CampaignMetrics,
  type LogitModel,
  type OptimizePriceResult,
  type RevenueSummary,
  type Row,
} from '@cbm-kit/kernel-lib';
import { BANKCARD_SEED, bankCardCustomers } from '@cbm-kit/kernel-lib/datasets';
import { histogramChart, liftChart, thresholdSweepChart, type VegaLiteSpec } from '@cbm-kit/kernel-lib/charts';
import { dataTable, fitModel, priceRequest, revenueRequest } from '../functions/adapters';
import { thresholdArgument } from '../functions/cells';
import { modelToTable } from '../functions/modelTable';

export type Cells = (string | number | boolean)[][];

export interface ModelRequest {
  formula: string;
  /** 'fit', 'stepwise', 'stepwise-free', … (CBM.FIT's method). */
  method: string;
  /** 'income, age' (ranges learned) or 'income: 1000..12780, age: 18..47' (fixed ranges). */
  scale: string;
  /** 'gender: M=1, F=0'. */
  encode: string;
  threshold: number;
}

export interface ModelResult {
  model: ModelView;
  table: Cells;
  metrics: CampaignMetrics;
  liftSpec: VegaLiteSpec;
  sweepSpec: VegaLiteSpec;
}

/** The scale field as CBM.FIT's scale argument: names, or rows of [column, min, max] for 'name: min..max'. */
export function scaleArgument(text: string): unknown[][] {
  const parts = text
    .split(/[,;]/)
    .map((s) => s.trim())
    .filter(Boolean);
  const ranges = parts.map((p) => /^(.+?)\s*:\s*(-?[\d.eE+-]+)\s*\.\.\s*(-?[\d.eE+-]+)$/.exec(p));
  if (parts.length && ranges.every(Boolean)) return ranges.map((m) => [m![1], Number(m![2]), Number(m![3])]);
  return [[text]];
}

/** A round step of a raw column for an odds ratio in words: the power of ten near a tenth of its range (1,000 for incomes 1,000–12,780). */
function roundStep(range: number): number {
  return 10 ** Math.max(0, Math.round(Math.log10(range / 10)));
}

/**
 * The outcome as a marketer says it: a past-tense 0/1 column ('responded', 'churned') as its
 * -ing form ('responding'); any other name as 'responded = 1', which cannot be misread.
 */
function outcomeWords(response: string): string {
  return /^[a-z]+[^e]ed$/i.test(response) ? `${response.slice(0, -2)}ing` : `${response} = 1`;
}

/**
 * Each coefficient's odds ratio in the customer's raw units, in plain words for a marketer
 * ("each +1,000 of income multiplies the odds of responding by 1.08"): a scaled column per a
 * round step of its raw values (exp(β × step / (max − min)), since the model saw
 * (x − min) / (max − min)), an encoded text column as its level coded 1 against the level coded 0,
 * a factor level against the reference. An interaction has no single odds ratio (it depends on the
 * other variable) and says so; the intercept has none.
 */
export function oddsRatioWords(model: LogitModel): string[] {
  const json = model.toJSON();
  const ranges = json.preparation?.ranges ?? {};
  const encodings = json.preparation?.encodings ?? {};
  const odds = `multiplies the odds of ${outcomeWords(model.response)} by`;
  const factor = (x: number) => (x >= 10 || x < 0.1 ? x.toPrecision(3) : x.toFixed(2));
  return json.coefficients.map((c) => {
    if (c.term === null) return '';
    if (c.estimate === null) return 'not defined because of singularities (aliased)';
    const estimate = c.estimate;
    if (c.term.includes(':')) return `${c.term} is an interaction: the effect of one variable depends on the other`;
    const variable = c.term;
    const range = ranges[variable];
    if (range) {
      const step = roundStep(range.max - range.min);
      return `each +${step.toLocaleString('en-US')} of ${variable} ${odds} ${factor(Math.exp((estimate * step) / (range.max - range.min)))}`;
    }
    const codes = encodings[variable];
    if (codes) {
      const one = Object.keys(codes).find((level) => codes[level] === 1);
      const zero = Object.keys(codes).find((level) => codes[level] === 0);
      if (one !== undefined && zero !== undefined && Object.keys(codes).length === 2) return `${variable} ${one} rather than ${zero} ${odds} ${factor(Math.exp(estimate))}`;
    }
    const levels = json.factorLevels[variable];
    if (levels && c.name.startsWith(variable)) return `${variable} ${c.name.slice(variable.length)} rather than ${levels[0]} ${odds} ${factor(Math.exp(estimate))}`;
    return `each +1 of ${variable} ${odds} ${factor(Math.exp(estimate))}`;
  });
}

/**
 * What the pane shows of a fitted model: plain data, so it crosses from the worker by
 * postMessage (a LogitModel's methods would not).
 */
export interface ModelView {
  formula: string;
  nObs: number;
  aic: number;
  names: string[];
  coefficients: number[];
  pValues: number[];
  oddsRatios: number[];
  oddsWords: string[];
}

/** Fits the model on a range with a header row and evaluates it on the same rows. */
export function buildModel(values: unknown[][], request: ModelRequest): ModelResult {
  // The threshold first: CBM.FIT's rule (strictly between 0 and 1), before any work.
  const threshold = thresholdArgument(request.threshold);
  const model = fitModel(values, request.formula, request.method, scaleArgument(request.scale), [[request.encode]]);
  const data = dataTable(values);
  const p = model.predict(data);
  const y = readOutcome(data.cells(model.response), model.response, 'task pane');
  const gains = gainsTable(p, y);
  return {
    model: {
      formula: model.formula,
      nObs: model.statistics.nObs,
      aic: model.statistics.aic,
      names: [...model.names],
      coefficients: [...model.coefficients],
      pValues: [...model.pValues],
      oddsRatios: Array.from(model.coefficients, (b) => Math.exp(b)),
      oddsWords: oddsRatioWords(model),
    },
    table: modelToTable(model),
    metrics: campaignMetrics(p, y, threshold),
    liftSpec: liftChart(gains, { title: 'Lift by decile (fitting data)', width: 230, height: 180 }),
    sweepSpec: thresholdSweepChart(thresholdSweep(p, y), { threshold, title: 'Threshold sweep', width: 230, height: 180 }),
  };
}

export interface SimulationResult {
  summary: RevenueSummary;
  histogramSpec: VegaLiteSpec;
}

/** CBM.SIMREVENUE's simulation with the draws kept for the histogram. */
export function buildSimulation(probabilities: unknown[][], revenues: unknown[][], simulations: number, seed: number): SimulationResult {
  const { spec } = revenueRequest(probabilities, revenues, simulations, seed);
  const result = simulateRevenue(spec);
  return {
    summary: result.summary,
    histogramSpec: histogramChart(result.totals, {
      field: 'revenue',
      bins: 30,
      title: `Revenue over ${simulations.toLocaleString('en-US')} simulated periods`,
      width: 230,
      height: 180,
    }),
  };
}

export interface PricingResult {
  best: OptimizePriceResult;
  curveSpec: VegaLiteSpec;
}

/** CBM.OPTPRICE's search, with the revenue curve over the price changes searched. */
export function buildPricing(
  probabilities: unknown[][],
  revenues: unknown[][],
  slope: number,
  low: number,
  high: number,
  k: number | undefined,
  maxProbability: number | undefined,
): PricingResult {
  const best = optimizePrice(priceRequest(probabilities, revenues, slope, low, high, k, maxProbability));
  const curveSpec: VegaLiteSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'Expected revenue by price change',
    width: 230,
    height: 180,
    data: { values: best.curve.map((c) => ({ priceChange: c.priceChange, expectedRevenue: c.expectedRevenue, cap: c.feasible ? 'within the cap' : 'breaks the cap' })) },
    layer: [
      {
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'priceChange', type: 'quantitative', title: 'price change', axis: { format: '%' } },
          y: { field: 'expectedRevenue', type: 'quantitative', title: 'expected revenue', scale: { zero: false } },
          color: { field: 'cap', type: 'nominal', title: 'churner cap', scale: { domain: ['within the cap', 'breaks the cap'] } },
        },
      },
      { data: { values: [{ priceChange: best.priceChange }] }, mark: { type: 'rule', strokeDash: [6, 4] }, encoding: { x: { field: 'priceChange', type: 'quantitative' } } },
    ],
  };
  return { best, curveSpec };
}

// ---------------------------------------------------------------- preview data

const HEADER = ['id', 'gender', 'age', 'income', 'contacted', 'responded'];

/** The bank-card walk-through's training customers (2:1 split of the 150 contacted, seed 2026) as a range with a header. */
export function previewTrainingRange(): Cells {
  const customers = bankCardCustomers({ seed: BANKCARD_SEED });
  const contacted = customers.filter((c) => c.contacted).map((c) => ({ ...c, contacted: 1 }) as Row);
  const { train } = trainValidationSplit(contacted, { seed: BANKCARD_SEED });
  return [HEADER, ...train.map((r) => HEADER.map((h) => (r[h] === null ? '' : (r[h] as string | number))))];
}

/** The scaling ranges over the whole customer file (as the notebook's preparation). */
export function previewScale(): string {
  const customers = bankCardCustomers({ seed: BANKCARD_SEED });
  const ages = customers.map((c) => c.age);
  const incomes = customers.map((c) => c.income);
  return `income: ${Math.min(...incomes)}..${Math.max(...incomes)}, age: ${Math.min(...ages)}..${Math.max(...ages)}`;
}

/**
 * The preview portfolio for the simulation and pricing panels: the 1,000 bank-card customers,
 * revenue = monthly income / 10, churn probability 5–35 % drawn with seed 2026.
 */
export function previewPortfolio(): { probabilities: number[][]; revenues: number[][] } {
  const customers = bankCardCustomers({ seed: BANKCARD_SEED });
  const u = seededUniform(BANKCARD_SEED);
  return { probabilities: customers.map(() => [Math.round((0.05 + 0.3 * u()) * 1000) / 1000]), revenues: customers.map((c) => [c.income / 10]) };
}
