import { CbmError, check } from '../errors';
import type { OptionSchema } from '../options';
import { DEFAULT_HEIGHT, DEFAULT_WIDTH, VEGA_LITE_SCHEMA, checkChartOptions, describeValue, fieldRef, resolveOptions, type VegaLiteSpec } from './spec';
import type { ChartOptions } from './types';

export interface HistogramOptions extends ChartOptions {
  /** The maximum number of bins (default 20); Vega picks nice bin boundaries up to this many. */
  bins?: number;
  /** The name of the variable: the data field and the x-axis title (default `'value'`). */
  field?: string;
  /** One group label per value, e.g. responder / non-responder, to stack the groups' counts in each bin. */
  groups?: ArrayLike<string | number>;
  /** The name of the group variable: the data field and the legend title (default `'group'`). */
  groupField?: string;
}

const DEFAULT_BINS = 20;

const HISTOGRAM_OPTIONS: OptionSchema = {
  bins: { kind: 'number', integer: true, min: 1, example: '20' },
  field: { kind: 'text' },
  // Any array-like of labels (a typed array too); checked label by label below.
  groups: { kind: 'any' },
  groupField: { kind: 'text' },
};

/**
 * A histogram of `values` (a binned bar chart of counts), optionally split by group, to see the
 * distribution of a score or predictor before choosing cut-offs or transformations. With groups, each
 * bar is stacked from the groups' counts in one legend colour each: its height is the bin's total, and
 * no colour stands for an overlap of two groups (overlaid translucent bars mix into a third colour
 * that no legend explains).
 * Non-finite values (and their group labels) are left out.
 *
 * @example
 * const scores = [0.92, 0.81, 0.64, 0.55, 0.38, 0.27, 0.12, 0.05];
 * const responded = [1, 1, 0, 1, 0, 0, 1, 0];
 * histogramChart(scores, { field: 'score', groups: responded.map((r) => (r ? 'responder' : 'non-responder')) })
 */
export function histogramChart(values: ArrayLike<number>, options: HistogramOptions = {}): VegaLiteSpec {
  const context = 'histogramChart';
  check(values !== null && typeof values === 'object' && typeof values.length === 'number', `${context}: values must be an array of numbers, got ${describeValue(values)}`);
  checkChartOptions(context, options, HISTOGRAM_OPTIONS);
  const { bins = DEFAULT_BINS, field = 'value', groups, groupField = 'group' } = options ?? {};
  check(field.length > 0, `${context}: field must be non-empty text, got ""`, { option: 'field' });
  check(groupField.length > 0, `${context}: groupField must be non-empty text, got ""`, { option: 'groupField' });
  if (groups !== undefined) {
    check(groups !== null && typeof groups === 'object' && typeof groups.length === 'number', `${context}: groups must be a list of labels, got ${describeValue(groups)}`, {
      option: 'groups',
    });
    check(groups.length === values.length, `${context}: groups must have one label per value (${values.length}), got ${groups.length}`, { option: 'groups' });
    check(groupField !== field, `${context}: groupField must differ from field, got ${JSON.stringify(field)} for both`, { option: 'groupField' });
  }

  const rows: Record<string, number | string>[] = [];
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    if (groups === undefined) {
      rows.push({ [field]: value });
    } else {
      const group = groups[i];
      check(
        typeof group === 'string' || (typeof group === 'number' && Number.isFinite(group)),
        `${context}: groups[${i}] must be text or a finite number, got ${describeValue(group)}`,
        { option: 'groups' },
      );
      rows.push({ [field]: value, [groupField]: group });
    }
  }
  if (rows.length === 0) throw new CbmError('NON_FINITE', `${context}: values must contain at least one finite number`);

  const resolved = resolveOptions(
    context,
    options,
    {
      title: groups === undefined ? `Distribution of ${field}` : `Distribution of ${field} by ${groupField}`,
      width: DEFAULT_WIDTH,
      height: DEFAULT_HEIGHT,
    },
    HISTOGRAM_OPTIONS,
  );
  const x = { field: fieldRef(field), type: 'quantitative' as const, bin: { maxbins: bins }, title: field };
  const y = { aggregate: 'count' as const, type: 'quantitative' as const, title: 'Count' };

  if (groups === undefined) {
    return {
      $schema: VEGA_LITE_SCHEMA,
      title: resolved.title,
      width: resolved.width,
      height: resolved.height,
      data: { values: rows },
      mark: { type: 'bar', tooltip: true },
      encoding: { x, y },
    };
  }
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: resolved.title,
    width: resolved.width,
    height: resolved.height,
    data: { values: rows },
    // Stacked: the bin boundaries are shared because Vega bins over all rows before grouping,
    // and every colour on the chart is one group of the legend.
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x,
      y: { ...y, stack: 'zero' },
      color: { field: fieldRef(groupField), type: 'nominal', title: groupField, legend: { orient: 'top' } },
    },
  };
}
