import { check } from '../errors';
import { DEFAULT_WIDTH, REFERENCE_COLOR, VEGA_LITE_SCHEMA, checkRows, describeValue, finiteField, isFiniteNumber, resolveOptions, type VegaLiteSpec } from './spec';
import type { ChartOptions, CoefficientRow } from './types';

export interface CoefficientChartOptions extends ChartOptions {
  /** Draw the intercept too (default false: it is on another scale and rarely of interest). */
  includeIntercept?: boolean;
}

/** Pixels per term when no height is given, so that long models stay legible. */
const STEP_PER_TERM = 24;

/** R's name for the intercept, which the model module uses too (`INTERCEPT` in model/design.ts). */
const INTERCEPT_TERM = '(Intercept)';

/**
 * A coefficient plot: each term's estimate as a point with its 95% confidence interval as an error
 * bar, and a rule at zero, so terms whose interval crosses zero stand out. Terms keep the given order;
 * a term whose interval is not finite is drawn without its bar.
 *
 * @example
 * const customers = bankCardCustomers();
 * const model = fitLogit(customers.filter((c) => c.contacted), 'responded ~ gender + age');
 * coefficientChart(model.coefficientTable(), { title: 'Response model' })
 */
export function coefficientChart(rows: readonly CoefficientRow[], options: CoefficientChartOptions = {}): VegaLiteSpec {
  const context = 'coefficientChart';
  checkRows(context, rows);
  const { includeIntercept = false } = options ?? {};
  check(typeof includeIntercept === 'boolean', `${context}: options.includeIntercept must be a boolean, got ${describeValue(includeIntercept)}`);
  const seen = new Set<string>();
  rows.forEach((row, i) => {
    check(typeof row.term === 'string' && row.term.length > 0, `${context}: rows[${i}].term must be a non-empty string, got ${describeValue(row.term)}`);
    check(!seen.has(row.term), `${context}: term ${JSON.stringify(row.term)} appears more than once`);
    seen.add(row.term);
    finiteField(context, rows, i, 'estimate');
  });
  const shown = rows.filter((row) => includeIntercept || row.term !== INTERCEPT_TERM);
  check(shown.length > 0, `${context}: no terms to plot besides the intercept; pass { includeIntercept: true } to plot it`);
  const resolved = resolveOptions(context, options, {
    title: 'Coefficients with 95% confidence intervals',
    width: DEFAULT_WIDTH,
    height: STEP_PER_TERM * shown.length,
  });

  const values = shown.map((row) => ({
    term: row.term,
    estimate: row.estimate,
    // Non-finite statistics are omitted rather than sent as null; the interval layer filters on them.
    ...finiteOnly({ stdError: row.stdError, z: row.z, pValue: row.pValue, ciLower: row.ciLower, ciUpper: row.ciUpper }),
  }));
  const terms = values.map((v) => v.term);
  // sort: null with an explicit domain keeps the model's term order instead of sorting alphabetically.
  const y = { field: 'term', type: 'nominal' as const, title: 'Term', sort: null, scale: { domain: terms } };
  const x = { type: 'quantitative' as const, title: 'Estimate with 95% confidence interval' };

  return {
    $schema: VEGA_LITE_SCHEMA,
    title: resolved.title,
    width: resolved.width,
    // Without a given height, a step per term lets Vega grow the plot with the number of terms.
    height: options?.height === undefined ? { step: STEP_PER_TERM } : resolved.height,
    data: { values },
    layer: [
      {
        data: { values: [{}] },
        mark: { type: 'rule', color: REFERENCE_COLOR },
        encoding: { x: { datum: 0, type: 'quantitative' } },
      },
      {
        transform: [{ filter: { and: [{ field: 'ciLower', valid: true }, { field: 'ciUpper', valid: true }] } }],
        mark: { type: 'errorbar', ticks: true },
        encoding: { y, x: { ...x, field: 'ciLower' }, x2: { field: 'ciUpper' } },
      },
      {
        mark: { type: 'point', filled: true, size: 60, tooltip: { content: 'data' } },
        encoding: { y, x: { ...x, field: 'estimate' } },
      },
    ],
  };
}

function finiteOnly(stats: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(stats).filter(([, value]) => isFiniteNumber(value)));
}
