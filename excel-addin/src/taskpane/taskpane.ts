/// <reference lib="dom" />
/// <reference types="office-js" />
/**
 * The task pane: a model builder, a revenue simulation and a pricing panel. In Excel it reads
 * the selected ranges and writes the model table to a new sheet; in a plain browser (no Office)
 * it opens in preview mode on the bank-card sample, so it can be tried and tested anywhere.
 * Fit, Simulate and Optimise compute in the functions' worker (functions-worker.js), never on
 * this thread, so neither the pane nor Excel freezes while they run.
 */
import embed from 'vega-embed';
import { describeFailure } from '../functions/excelErrors';
import type { Cancellation } from '../functions/longRunning';
import { offThreadRuns, runOffThread } from '../functions/offThread';
import {
  buildModel,
  buildPricing,
  buildSimulation,
  previewPortfolio,
  previewScale,
  previewTrainingRange,
  type Cells,
  type ModelResult,
  type PricingResult,
  type SimulationResult,
} from './builder';
import { readSelection, writeTableToNewSheet } from './excelBridge';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const value = (id: string) => $<HTMLInputElement>(id).value;
const num = (id: string) => Number(value(id));
const fmt = (x: number | null | undefined, digits = 4) =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : Math.abs(x) >= 1000 ? x.toLocaleString('en-US', { maximumFractionDigits: 0 }) : x.toFixed(digits);

const state: { inExcel: boolean; data: unknown[][] | null; churn: unknown[][] | null; revenue: unknown[][] | null; fitted: ModelResult | null } = {
  inExcel: false,
  data: null,
  churn: null,
  revenue: null,
  fitted: null,
};

function status(id: string, text: string, error = false): void {
  const el = $(id);
  el.textContent = text;
  el.classList.toggle('error', error);
}

function fillTable(id: string, header: string[] | null, rows: (string | number)[][]): void {
  const table = $(id);
  table.innerHTML = '';
  if (header) {
    const tr = document.createElement('tr');
    for (const h of header) tr.appendChild(Object.assign(document.createElement('th'), { textContent: h }));
    table.appendChild(tr);
  }
  for (const row of rows) {
    const tr = document.createElement('tr');
    for (const cell of row) tr.appendChild(Object.assign(document.createElement('td'), { textContent: typeof cell === 'number' ? fmt(cell) : cell }));
    table.appendChild(tr);
  }
}

/** Each panel's calculation in progress: a new click cancels it, so an older result never lands over a newer one. */
const running: Record<string, Cancellation> = {};

/**
 * Runs a panel's calculation in the worker (inline only where the runtime has no Worker);
 * resolves with its result, or with `superseded` when a later click on the same panel replaced it.
 */
async function inWorker<T>(panel: string, name: string, shownAs: string, args: unknown[], inline: () => T): Promise<T | typeof superseded> {
  const previous = running[panel];
  if (previous) {
    previous.cancelled = true;
    previous.onCancel?.();
  }
  const cancellation: Cancellation = { cancelled: false };
  running[panel] = cancellation;
  try {
    const result = await runOffThread(name, args, cancellation, inline, shownAs);
    return running[panel] === cancellation ? result : superseded;
  } catch (error) {
    if (running[panel] !== cancellation) return superseded;
    throw error;
  }
}
const superseded = Symbol('superseded');

function failure(panel: string, what: string, error: unknown): void {
  status(panel, describeFailure(what, error).message, true);
}

/** Legends go under the plot, titled where the spec titles them: beside a 230 px plot they would be squeezed or cut at 320 px. */
const PANE_CHART_CONFIG = { legend: { orient: 'bottom', direction: 'horizontal', columns: 2, labelLimit: 140 } };

async function show(id: string, spec: object): Promise<void> {
  await embed(`#${id}`, spec as never, { actions: false, renderer: 'svg', config: PANE_CHART_CONFIG as never });
}

async function fitClicked(): Promise<void> {
  if (!state.data) return status('model-status', 'Select a data range with a header row, then press "Use selection as data".', true);
  status('model-status', 'Fitting…');
  const data = state.data;
  const request = { formula: value('formula'), method: value('method'), scale: value('scale'), encode: value('encode'), threshold: num('threshold') };
  try {
    const result = await inWorker<ModelResult>('model', 'PANE_MODEL', 'FIT', [data, request], () => buildModel(data, request));
    if (result === superseded) return;
    state.fitted = result;
    const m = result.model;
    status('model-status', `${m.formula} · ${m.nObs} rows · AIC ${fmt(m.aic, 2)}`);
    fillTable(
      'coefficients',
      ['term', 'coefficient', 'p', 'odds ratio'],
      m.names.map((name, j) => [name, m.coefficients[j], m.pValues[j], m.oddsRatios[j]]),
    );
    // The odds ratios in raw units, as sentences under the table (a table column is too narrow at 320 px).
    const words = $('odds-words');
    words.innerHTML = '';
    for (const sentence of m.oddsWords) if (sentence) words.appendChild(Object.assign(document.createElement('li'), { textContent: sentence }));
    const c = result.metrics;
    fillTable(
      'metrics',
      [`at a = ${c.threshold}`, 'value'],
      [
        ['selected (P > a)', `${c.selected} of ${c.n}`],
        ['response rate', c.responseRate],
        ['hit rate', c.hitRate],
        ['base rate', c.baseRate],
        ['lift', c.lift],
      ],
    );
    ($('write-model') as HTMLButtonElement).disabled = !state.inExcel;
    await show('lift-chart', result.liftSpec);
    await show('sweep-chart', result.sweepSpec);
  } catch (e) {
    // A failed fit leaves no old model on screen to be mistaken for this one.
    clearModel();
    failure('model-status', 'FIT', e);
  }
}

function clearModel(): void {
  state.fitted = null;
  ($('write-model') as HTMLButtonElement).disabled = true;
  clear('coefficients', 'odds-words', 'metrics', 'lift-chart', 'sweep-chart');
}

/** Empties tables and charts, so a failure leaves no earlier result to be mistaken for this one. */
function clear(...ids: string[]): void {
  for (const id of ids) $(id).innerHTML = '';
}

async function writeModel(): Promise<void> {
  if (!state.fitted) return;
  try {
    const name = await writeTableToNewSheet('CBM model', state.fitted.table as Cells);
    status(
      'model-status',
      `Model table written to sheet '${name}'. Score customers with =CBM.SCORE('${name}'!A1:${columnName(state.fitted.table[0].length)}${state.fitted.table.length}, data).`,
    );
  } catch (e) {
    failure('model-status', 'FIT', e);
  }
}

function columnName(n: number): string {
  let s = '';
  for (; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

async function simulate(): Promise<void> {
  if (!state.churn || !state.revenue) return status('simulation-status', 'Select the churn probabilities and the revenues first.', true);
  status('simulation-status', 'Simulating…');
  const args = [state.churn, state.revenue, num('simulations'), num('seed')] as const;
  try {
    const result = await inWorker<SimulationResult>('simulation', 'PANE_SIMULATION', 'SIMREVENUE', [...args], () => buildSimulation(...args));
    if (result === superseded) return;
    const { summary, histogramSpec } = result;
    status('simulation-status', `${summary.customers.toLocaleString('en-US')} customers × ${summary.simulations.toLocaleString('en-US')} simulations, seed ${value('seed')}`);
    fillTable(
      'simulation',
      ['revenue', 'value'],
      [
        ['expected (exact)', summary.expectedRevenue],
        ['mean (simulated)', summary.mean],
        ['sd', summary.sd],
        ['5 % quantile', summary.quantiles.p5],
        ['median', summary.quantiles.p50],
        ['95 % quantile', summary.quantiles.p95],
        ['expected churners', summary.expectedChurners],
      ],
    );
    await show('revenue-chart', histogramSpec);
  } catch (e) {
    clear('simulation', 'revenue-chart');
    failure('simulation-status', 'SIMREVENUE', e);
  }
}

async function optimize(): Promise<void> {
  if (!state.churn || !state.revenue) return status('pricing-status', 'Select the churn probabilities and the revenues first (simulation panel).', true);
  status('pricing-status', 'Optimising…');
  const k = value('k') === '' ? undefined : num('k');
  const args = [state.churn, state.revenue, num('slope'), num('low'), num('high'), k, k === undefined ? undefined : num('maxp')] as const;
  try {
    const result = await inWorker<PricingResult>('pricing', 'PANE_PRICING', 'OPTPRICE', [...args], () => buildPricing(...args));
    if (result === superseded) return;
    const { best, curveSpec } = result;
    const binding = best.constraints.filter((c) => c.binding).map((c) => c.constraint);
    status('pricing-status', `Best price change ${(best.priceChange * 100).toFixed(2)} %${binding.length ? ` (binding: ${binding.join(', ')})` : ''}`);
    fillTable(
      'pricing',
      ['', 'optimum', 'today'],
      [
        ['price change', `${(best.priceChange * 100).toFixed(2)} %`, '0 %'],
        ['expected revenue', best.expectedRevenue, best.today.expectedRevenue],
        ['expected churn rate', best.expectedChurnRate, best.today.expectedChurnRate],
        [`P(churners ≥ ${k ?? 'k'})`, best.tailProbability ?? NaN, best.today.tailProbability ?? NaN],
      ],
    );
    await show('price-chart', curveSpec);
  } catch (e) {
    clear('pricing', 'price-chart');
    failure('pricing-status', 'OPTPRICE', e);
  }
}

function useSelection(target: 'data' | 'churn' | 'revenue', label: string): void {
  readSelection()
    .then((range) => {
      state[target] = range.values;
      $(label).textContent = `${range.address} (${range.values.length} rows)`;
    })
    .catch((e) => failure(target === 'data' ? 'model-status' : 'simulation-status', target === 'data' ? 'FIT' : 'SIMREVENUE', e));
}

async function officeHost(): Promise<string | null> {
  if (typeof Office === 'undefined' || typeof Office.onReady !== 'function') return null;
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), 3000));
  const info = await Promise.race([Office.onReady(), timeout]);
  return info?.host ? String(info.host) : null;
}

async function start(): Promise<void> {
  $('fit').addEventListener('click', fitClicked);
  $('write-model').addEventListener('click', writeModel);
  $('simulate').addEventListener('click', simulate);
  $('optimize').addEventListener('click', optimize);
  $('use-data').addEventListener('click', () => useSelection('data', 'data-source'));
  $('use-churn').addEventListener('click', () => useSelection('churn', 'churn-source'));
  $('use-revenue').addEventListener('click', () => useSelection('revenue', 'revenue-source'));
  const host = await officeHost();
  state.inExcel = host === 'Excel';
  if (state.inExcel) {
    $('mode').textContent = 'Excel';
    return;
  }
  // Preview mode: the bank-card walk-through's data, and a preview portfolio.
  $('mode').textContent = 'preview: bank-card sample';
  $('preview-notice').hidden = false;
  for (const id of ['use-data', 'use-churn', 'use-revenue']) ($(id) as HTMLButtonElement).disabled = true;
  state.data = previewTrainingRange();
  ($('scale') as HTMLInputElement).value = previewScale();
  $('data-source').textContent = `bank-card training customers (${state.data.length - 1} rows)`;
  const portfolio = previewPortfolio();
  state.churn = portfolio.probabilities;
  state.revenue = portfolio.revenues;
  $('churn-source').textContent = 'preview: 1,000 customers, churn 5–35 %';
  $('revenue-source').textContent = 'preview: income / 10';
  await fitClicked();
  await simulate();
  await optimize();
  document.body.dataset.ready = 'preview';
}

// For the structure test: how many panel calculations ran in a worker.
(globalThis as unknown as { cbmTaskpane: unknown }).cbmTaskpane = { offThreadRuns };

start().catch((e) => status('model-status', String(e), true));
