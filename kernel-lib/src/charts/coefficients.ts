import { check } from '../errors';
import type { OptionSchema } from '../options';
import {
  DEFAULT_WIDTH,
  REFERENCE_COLOR,
  VEGA_LITE_SCHEMA,
  checkChartOptions,
  checkRows,
  describeValue,
  finiteField,
  isFiniteNumber,
  resolveOptions,
  type VegaLiteSpec,
} from './spec';
import { INTERCEPT } from '../model/design';
import type { ChartOptions, CoefficientRow } from './types';

export interface CoefficientChartOptions extends ChartOptions {
  /** Draw the intercept too (default false: it is on another scale and rarely of interest). */
  includeIntercept?: boolean;
}

/** Pixels per term when no height is given, so that long models stay legible. */
const STEP_PER_TERM = 24;

const COEFFICIENT_OPTIONS: OptionSchema = { includeIntercept: { kind: 'boolean' } };

/**
 * A coefficient plot: each term's estimate as a point with its confidence interval as an error
 * bar, and a rule at zero, so terms whose interval crosses zero stand out. The interval's level
 * comes from the rows (`confidenceLevel`, e.g. 0.9 → "90%"). Terms keep the given order; a term
 * whose interval is not finite is drawn without its bar.
 *
 * @example
 * const rows = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => ({ x: i, y: [0, 0, 1, 0, 1, 0, 1, 1][i] }));
 * coefficientChart(fitLogit(rows, 'y ~ x').coefficientTable(), { title: 'Response model' });
 */
export function coefficientChart(rows: readonly CoefficientRow[], options: CoefficientChartOptions = {}): VegaLiteSpec {
  const context = 'coefficientChart';
  checkRows(context, rows);
  checkChartOptions(context, options, COEFFICIENT_OPTIONS);
  const { includeIntercept = false } = options ?? {};
  const seen = new Set<string>();
  rows.forEach((row, i) => {
    check(typeof row.term === 'string' && row.term.length > 0, `${context}: rows[${i}].term must be a non-empty string, got ${describeValue(row.term)}`);
    check(!seen.has(row.term), `${context}: term ${JSON.stringify(row.term)} appears more than once`);
    seen.add(row.term);
    finiteField(context, rows, i, 'estimate');
  });
  const level = rows[0].confidenceLevel;
  check(typeof level === 'number' && level > 0 && level < 1, `${context}: rows[0].confidenceLevel must be a number between 0 and 1 (e.g. 0.95), got ${describeValue(level)}`);
  rows.forEach((row, i) =>
    check(
      row.confidenceLevel === level,
      `${context}: rows[${i}].confidenceLevel is ${describeValue(row.confidenceLevel)} but rows[0]'s is ${level}; plot one model's intervals at a time`,
    ),
  );
  const percent = `${Math.round(level * 1000) / 10}%`;
  const shown = rows.filter((row) => includeIntercept || row.term !== INTERCEPT);
  check(shown.length > 0, `${context}: no terms to plot besides the intercept; pass { includeIntercept: true } to plot it`);
  const resolved = resolveOptions(
    context,
    options,
    {
      title: `Coefficients with ${percent} confidence intervals`,
      width: DEFAULT_WIDTH,
      height: STEP_PER_TERM * shown.length,
    },
    COEFFICIENT_OPTIONS,
  );

  const values = shown.map((row) => ({
    term: row.term,
    estimate: row.estimate,
    // Non-finite statistics are omitted rather than sent as null; the interval layer filters on them.
    ...finiteOnly({ stdError: row.stdError, z: row.z, pValue: row.pValue, ciLower: row.ciLower, ciUpper: row.ciUpper }),
  }));
  const terms = values.map((v) => v.term);
  // sort: null with an explicit domain keeps the model's term order instead of sorting alphabetically.
  const y = { field: 'term', type: 'nominal' as const, title: 'Term', sort: null, scale: { domain: terms } };
  const x = { type: 'quantitative' as const, title: `Estimate with ${percent} confidence interval` };

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
        transform: [
          {
            filter: {
              and: [
                { field: 'ciLower', valid: true },
                { field: 'ciUpper', valid: true },
              ],
            },
          },
        ],
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
