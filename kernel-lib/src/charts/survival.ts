import { CbmError, check } from '../errors';
import { DEFAULT_HEIGHT, DEFAULT_WIDTH, VEGA_LITE_SCHEMA, checkChartOptions, describeValue, resolveOptions, type VegaLiteSpec } from './spec';
import type { ChartOptions } from './types';
import type { OptionSchema } from '../options';

const SURVIVAL_OPTIONS: OptionSchema = { timeTitle: { kind: 'text' } };

/** One curve of a survival chart: a label and S(t) at increasing times t. */
export interface SurvivalCurve {
  label: string;
  time: ArrayLike<number>;
  survival: ArrayLike<number>;
  /** 'step' for an empirical (Kaplan–Meier) curve, 'point' for model values at chosen horizons (default 'step'). */
  shape?: 'step' | 'point';
}

/**
 * Survival curves S(t) on one chart — e.g. the Kaplan–Meier curve of the customer base as a step
 * line and a churn model's average predicted survival at its horizons as points — to check a
 * model against the empirical curve. Times are days (or any unit) from the scoring date.
 *
 * @example
 * survivalChart([{ label: 'Kaplan–Meier', time: [0, 10, 20], survival: [1, 0.9, 0.8] }, { label: 'hazard model', time: [21], survival: [0.79], shape: 'point' }])
 */
export function survivalChart(curves: readonly SurvivalCurve[], options?: ChartOptions & { timeTitle?: string }): VegaLiteSpec {
  const context = 'survivalChart';
  check(Array.isArray(curves) && curves.length > 0, `${context}: curves must be a non-empty array, got ${describeValue(curves)}`);
  checkChartOptions(context, options, SURVIVAL_OPTIONS);
  const { timeTitle = 'Days since the scoring date' } = options ?? {};
  const steps: Record<string, number | string>[] = [];
  const points: Record<string, number | string>[] = [];
  for (const [k, c] of curves.entries()) {
    check(c !== null && typeof c === 'object' && typeof c.label === 'string', `${context}: curves[${k}] needs a label`);
    check(c.time.length === c.survival.length, `${context}: curves[${k}] has ${c.time.length} times but ${c.survival.length} survival values`);
    for (let i = 0; i < c.time.length; i++) {
      const t = c.time[i];
      const s = c.survival[i];
      if (!Number.isFinite(t) || !Number.isFinite(s)) throw new CbmError('NON_FINITE', `${context}: curves[${k}] has a non-finite value at ${i}`);
      (c.shape === 'point' ? points : steps).push({ curve: c.label, time: t, survival: s });
    }
  }
  const resolved = resolveOptions(
    context,
    options,
    {
      title: 'Share of customers not yet churned',
      width: DEFAULT_WIDTH,
      height: DEFAULT_HEIGHT,
    },
    SURVIVAL_OPTIONS,
  );
  const x = { field: 'time', type: 'quantitative' as const, title: timeTitle };
  const y = { field: 'survival', type: 'quantitative' as const, title: 'S(t)', axis: { format: '%' }, scale: { zero: false } };
  const color = { field: 'curve', type: 'nominal' as const, title: null };
  const layer = [];
  if (steps.length) layer.push({ data: { values: steps }, mark: { type: 'line' as const, interpolate: 'step-after' as const }, encoding: { x, y, color } });
  if (points.length)
    layer.push({
      data: { values: points },
      mark: { type: 'point' as const, filled: true, size: 80, tooltip: true },
      // Colour alone names the curve: a shape legend beside the colour legend would list the point curves twice.
      encoding: { x, y, color },
    });
  return { $schema: VEGA_LITE_SCHEMA, title: resolved.title, width: resolved.width, height: resolved.height, layer };
}
