import type { TopLevelSpec } from 'vega-lite';
import { CbmError, check, describeValue } from '../errors';
import { checkOptionSchema, type OptionSchema } from '../options';
import type { ChartOptions } from './types';

/**
 * A Vega-Lite 5 specification as plain JSON. Typed with Vega-Lite's own `TopLevelSpec`, so a
 * misspelt mark or channel in a builder fails to compile instead of failing in the browser.
 */
export type VegaLiteSpec = TopLevelSpec;

/** One view inside a `layer`, for layers built apart from their spec (Vega-Lite does not export the type by name). */
export type LayerView = Extract<TopLevelSpec, { layer: unknown }>['layer'][number];

/** The `$schema` every chart spec carries: Vega-Lite 5, which vega-embed, Jupyter and the renderers read. */
export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
export const DEFAULT_WIDTH = 480;
export const DEFAULT_HEIGHT = 300;
/** Charts whose two axes share one unit (ROC, gains, calibration) are drawn square. */
export const DEFAULT_SQUARE_SIZE = 360;

/** The colour of reference lines (diagonals, zero and one rules), kept grey so the data stands out. */
export const REFERENCE_COLOR = '#888888';
/** The dash pattern of reference lines. */
export const REFERENCE_DASH = [6, 4];

export interface ResolvedOptions {
  title: string;
  width: number;
  height: number;
}

/** The options every chart accepts (see `ChartOptions`). */
const CHART_OPTIONS: OptionSchema = {
  title: { kind: 'text' },
  width: { kind: 'number', min: 0, exclusive: 'min', example: '480' },
  height: { kind: 'number', min: 0, exclusive: 'min', example: '300' },
};

/**
 * Checks a chart's options against the common ones plus the chart's own (`extra`): unknown names are
 * refused with a "did you mean", so a misspelt `titel` is not silently drawn with the default title.
 */
export function checkChartOptions(context: string, options: unknown, extra: OptionSchema = {}): void {
  checkOptionSchema(options, context, { ...CHART_OPTIONS, ...extra });
}

/** Checks the options (the common ones plus the chart's own, `extra`) and fills in the defaults of one chart. */
export function resolveOptions(context: string, options: ChartOptions | undefined, defaults: ResolvedOptions, extra: OptionSchema = {}): ResolvedOptions {
  checkChartOptions(context, options, extra);
  if (options === undefined) return { ...defaults };
  const { title, width, height } = options;
  return { title: title ?? defaults.title, width: width ?? defaults.width, height: height ?? defaults.height };
}

/** Checks that `rows` is a non-empty array of objects; `what` names the rows in the message. */
export function checkRows<T>(context: string, rows: readonly T[], what = 'rows'): void {
  check(Array.isArray(rows), `${context}: ${what} must be an array, got ${describeValue(rows)}`);
  check(rows.length > 0, `${context}: ${what} must contain at least one row`);
  // A for loop, not forEach: forEach skips the holes of a sparse array such as [, row].
  for (let i = 0; i < rows.length; i++) check(rows[i] !== null && typeof rows[i] === 'object', `${context}: ${what}[${i}] must be an object, got ${describeValue(rows[i])}`);
}

/**
 * Returns `rows[i][key]` after checking that it is a finite number (within [0, 1] when `unitInterval`);
 * used for fields without which a row cannot be drawn at all. `what` names the rows in the message.
 */
export function finiteField<T extends object>(
  context: string,
  rows: readonly T[],
  i: number,
  key: keyof T & string,
  { unitInterval = false, what = 'rows' }: { unitInterval?: boolean; what?: string } = {},
): number {
  const value: unknown = rows[i][key];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new CbmError('NON_FINITE', `${context}: ${what}[${i}].${key} must be a finite number, got ${describeValue(value)}`, { row: i, field: key });
  }
  // A tolerance, because shares computed as a ratio of sums may land a rounding error past 1.
  check(!unitInterval || (value >= -UNIT_TOLERANCE && value <= 1 + UNIT_TOLERANCE), `${context}: ${what}[${i}].${key} must be in [0, 1], got ${value}`, { row: i, field: key });
  return value;
}

const UNIT_TOLERANCE = 1e-9;

/** True for numbers that survive JSON: NaN and ±Infinity become null there and are not plotted. */
export function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Escapes a data field name for a Vega-Lite encoding: Vega reads `.` and `[...]` as nested access,
 * so a column called `spend.total` must be written `spend\.total` to be found.
 */
export function fieldRef(name: string): string {
  return name.replace(/[\\.[\]'"]/g, (c) => `\\${c}`);
}

/** The one description of a bad value for error messages (defined beside CbmError). */
export { describeValue } from '../errors';
