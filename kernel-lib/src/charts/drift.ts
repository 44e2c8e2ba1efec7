import { CbmError } from '../errors';
import type { DriftReport } from '../monitor/drift';
import { DEFAULT_WIDTH, REFERENCE_COLOR, REFERENCE_DASH, VEGA_LITE_SCHEMA, describeValue, resolveOptions, type VegaLiteSpec } from './spec';
import type { ChartOptions } from './types';
import { check } from '../errors';

const STATUS_COLORS = { ok: '#54a24b', warn: '#f58518', drift: '#e45756' };

/**
 * The drift chart of one load: a horizontal bar per variable with its PSI against the previous
 * load, coloured by status (ok / warn / drift), with dashed rules at the warning and drift
 * thresholds, so a manager sees at a glance which variable moved and by how much. Variables
 * without a PSI (a missing column, a type change) are drawn at the drift threshold with their
 * status colour. The tooltip carries the report's sentence.
 *
 * @example
 * driftChart(driftReport({ fee: [10, 12, 11, 13] }, { fee: [1000, 1200, 1100, 1300] }))
 */
export function driftChart(report: DriftReport, options?: ChartOptions): VegaLiteSpec {
  const context = 'driftChart';
  check(
    report !== null && typeof report === 'object' && Array.isArray((report as DriftReport).rows),
    `${context}: report must be the result of driftReport, got ${describeValue(report)}`,
  );
  if (report.rows.length === 0) throw new CbmError('BAD_INPUT', `${context}: the report has no variables`);
  const { psi: drift, psiWarn: warn } = report.thresholds;
  const values = report.rows.map((row) => ({
    variable: row.variable,
    psi: row.psi ?? drift,
    // A bar past the axis end would hide the thresholds; its true value stays in the tooltip.
    shown: Math.min(row.psi ?? drift, 4 * drift),
    status: row.status,
    sentence: row.sentence,
    // Bars cut at the axis end carry their true PSI as a label.
    label: (row.psi ?? drift) > 4 * drift ? `PSI ${(row.psi ?? drift).toFixed(2)} ▸` : '',
  }));
  const resolved = resolveOptions(context, options, {
    title: `Drift against the previous load (${report.status})`,
    width: DEFAULT_WIDTH,
    height: Math.max(120, 22 * values.length),
  });
  const x = {
    field: 'shown',
    type: 'quantitative' as const,
    title: `PSI (previous load → this load; bars beyond ${4 * drift} are cut, their label gives the PSI)`,
    scale: { domain: [0, 4 * drift] },
  };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: resolved.title,
    width: resolved.width,
    height: resolved.height,
    layer: [
      {
        data: { values },
        mark: { type: 'bar', tooltip: true },
        encoding: {
          y: { field: 'variable', type: 'nominal', sort: null, title: null },
          x,
          color: { field: 'status', type: 'nominal', title: 'Status', scale: { domain: Object.keys(STATUS_COLORS), range: Object.values(STATUS_COLORS) } },
          tooltip: [
            { field: 'variable', type: 'nominal' },
            { field: 'psi', type: 'quantitative', format: '.3f', title: 'PSI' },
            { field: 'sentence', type: 'nominal', title: 'Finding' },
          ],
        },
      },
      {
        data: { values: values.filter((v) => v.label !== '') },
        mark: { type: 'text', align: 'right', dx: -4, color: 'white', fontWeight: 'bold' },
        encoding: { y: { field: 'variable', type: 'nominal', sort: null, title: null }, x, text: { field: 'label', type: 'nominal' } },
      },
      {
        data: {
          values: [
            { threshold: warn, label: `warn ${warn}` },
            { threshold: drift, label: `drift ${drift}` },
          ],
        },
        mark: { type: 'rule', color: REFERENCE_COLOR, strokeDash: REFERENCE_DASH },
        encoding: { x: { field: 'threshold', type: 'quantitative' } },
      },
    ],
  };
}
