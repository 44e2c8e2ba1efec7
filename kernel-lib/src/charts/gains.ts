import { CbmError } from '../errors';
import {
  DEFAULT_HEIGHT,
  DEFAULT_SQUARE_SIZE,
  DEFAULT_WIDTH,
  REFERENCE_COLOR,
  REFERENCE_DASH,
  VEGA_LITE_SCHEMA,
  checkRows,
  finiteField,
  isFiniteNumber,
  resolveOptions,
  type VegaLiteSpec,
} from './spec';
import type { ChartOptions, GainsRow } from './types';

const MODEL_LABEL = 'Model';
const RANDOM_LABEL = 'Random selection';

/** Rows ordered from the highest-scoring group down, the order in which customers are contacted. */
function byGroup(rows: readonly GainsRow[]): GainsRow[] {
  return [...rows].sort((a, b) => a.group - b.group);
}

/** "Decile" for the usual ten groups, "Group" otherwise, so axis titles say what was cut. */
function groupNoun(rows: readonly GainsRow[]): string {
  return rows.length === 10 ? 'decile' : 'group';
}

/**
 * The cumulative gains chart: the share of all responders captured against the share of customers
 * contacted, best-scored first, next to the diagonal of random selection; the further the curve
 * bows above the diagonal, the better the model concentrates responders at the top.
 *
 * @example
 * const scores = [0.92, 0.81, 0.64, 0.55, 0.38, 0.27, 0.12, 0.05];
 * const responded = [1, 1, 0, 1, 0, 0, 1, 0];
 * gainsChart(gainsTable(scores, responded, { groups: 4 }))
 */
export function gainsChart(rows: readonly GainsRow[], options?: ChartOptions): VegaLiteSpec {
  const context = 'gainsChart';
  checkRows(context, rows);
  const resolved = resolveOptions(context, options, { title: 'Cumulative gains', width: DEFAULT_SQUARE_SIZE, height: DEFAULT_SQUARE_SIZE });
  rows.forEach((_, i) => {
    finiteField(context, rows, i, 'group');
    finiteField(context, rows, i, 'cumulativeShareContacted', { unitInterval: true });
    finiteField(context, rows, i, 'cumulativeShareOfResponders', { unitInterval: true });
  });
  // The curve starts at the origin: contacting nobody captures nobody.
  const curve = [
    { group: 0, shareContacted: 0, shareOfResponders: 0 },
    ...byGroup(rows).map((row) => ({
      group: row.group,
      shareContacted: row.cumulativeShareContacted,
      shareOfResponders: row.cumulativeShareOfResponders,
    })),
  ];
  const x = { field: 'shareContacted', type: 'quantitative' as const, title: 'Share of customers contacted', scale: { domain: [0, 1] }, axis: { format: '%' } };
  const y = { field: 'shareOfResponders', type: 'quantitative' as const, title: 'Share of responders captured', scale: { domain: [0, 1] }, axis: { format: '%' } };
  const color = { scale: { domain: [MODEL_LABEL, RANDOM_LABEL], range: ['#4c78a8', REFERENCE_COLOR] }, title: null };

  return {
    $schema: VEGA_LITE_SCHEMA,
    title: resolved.title,
    width: resolved.width,
    height: resolved.height,
    layer: [
      {
        data: {
          values: [
            { shareContacted: 0, shareOfResponders: 0 },
            { shareContacted: 1, shareOfResponders: 1 },
          ],
        },
        mark: { type: 'line', strokeDash: REFERENCE_DASH },
        encoding: { x, y, color: { datum: RANDOM_LABEL, ...color } },
      },
      {
        data: { values: curve },
        mark: { type: 'line', point: true, tooltip: true },
        encoding: { x, y, order: { field: 'group', type: 'quantitative' }, color: { datum: MODEL_LABEL, ...color } },
      },
    ],
  };
}

/**
 * The lift chart: each group's response rate relative to the overall rate (bars) and the cumulative
 * lift down to that group (line), against the reference of 1 that random selection achieves; it shows
 * how many times better than random each contacted group is.
 * Groups whose lift is not finite (e.g. empty groups) are left out.
 *
 * @example
 * const scores = [0.92, 0.81, 0.64, 0.55, 0.38, 0.27, 0.12, 0.05];
 * const responded = [1, 1, 0, 1, 0, 0, 1, 0];
 * liftChart(gainsTable(scores, responded, { groups: 4 }), { title: 'Lift, validation sample' })
 */
export function liftChart(rows: readonly GainsRow[], options?: ChartOptions): VegaLiteSpec {
  const context = 'liftChart';
  checkRows(context, rows);
  rows.forEach((_, i) => finiteField(context, rows, i, 'group'));
  const noun = groupNoun(rows);
  const resolved = resolveOptions(context, options, { title: `Lift by ${noun}`, width: DEFAULT_WIDTH, height: DEFAULT_HEIGHT });
  const values = byGroup(rows).map((row) => ({
    group: row.group,
    ...(isFiniteNumber(row.lift) ? { lift: row.lift } : {}),
    ...(isFiniteNumber(row.cumulativeLift) ? { cumulativeLift: row.cumulativeLift } : {}),
  }));
  if (!values.some((v) => 'lift' in v || 'cumulativeLift' in v)) {
    throw new CbmError('NON_FINITE', `${context}: rows must contain at least one finite lift or cumulativeLift`);
  }

  const liftLabel = `Lift per ${noun}`;
  const cumulativeLabel = 'Cumulative lift';
  const randomLabel = 'Random selection';
  const x = { field: 'group', type: 'ordinal' as const, title: `${capitalize(noun)} (1 = highest scores)`, axis: { labelAngle: 0 } };
  const color = { scale: { domain: [liftLabel, cumulativeLabel, randomLabel], range: ['#9ecae9', '#f58518', REFERENCE_COLOR] }, title: null };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: resolved.title,
    width: resolved.width,
    height: resolved.height,
    data: { values },
    layer: [
      {
        transform: [{ filter: { field: 'lift', valid: true } }],
        mark: { type: 'bar', tooltip: true },
        encoding: { x, y: { field: 'lift', type: 'quantitative', title: 'Lift' }, color: { datum: liftLabel, ...color } },
      },
      {
        transform: [{ filter: { field: 'cumulativeLift', valid: true } }],
        mark: { type: 'line', point: true, tooltip: true },
        encoding: { x, y: { field: 'cumulativeLift', type: 'quantitative' }, color: { datum: cumulativeLabel, ...color } },
      },
      {
        // Drawn last so the reference stays visible across the bars; one datum gives one rule.
        data: { values: [{}] },
        mark: { type: 'rule', strokeDash: REFERENCE_DASH },
        encoding: { y: { datum: 1 }, color: { datum: randomLabel, ...color } },
      },
    ],
  };
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
