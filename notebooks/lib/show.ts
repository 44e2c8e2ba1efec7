/**
 * Rich display helpers for the cbm-kit notebooks (tslab kernel).
 *
 * Import from a notebook (cells run with cwd = notebooks/):
 *
 *   import { showChart, showBundle, showHtml } from './lib/show';
 *   await showChart(spec, renderSvg);      // renderSvg from @cbm-kit/kernel-lib/render
 *
 * tslab's public `display.raw(mime, data)` can only emit ONE mime type per
 * output and always sends the value as a string. A vega-lite bundle needs
 * `image/svg+xml` (static rendering for GitHub / nbconvert / the report) and
 * `application/vnd.vegalite.v5+json` as a JSON *object* (JupyterLab renders
 * it interactively) in the same display_data output, so we call the
 * function tslab's `display` itself uses. The notebook runner's in-process
 * backend installs the same hook, so this works in both execution modes.
 */
import * as jupyter from 'tslab/dist/jupyter';

/** A Jupyter mime bundle: mime type -> string (text, svg, base64) or JSON object. */
export type MimeBundle = Record<string, unknown>;

/** Emits one display_data output carrying every entry of `data`. */
export function showBundle(data: MimeBundle, metadata: Record<string, unknown> = {}): void {
  const write = jupyter.lastWriteDisplayData as unknown as
    | ((d: { data: MimeBundle; metadata: Record<string, unknown>; transient: Record<string, unknown> }, update: boolean) => void)
    | null;
  if (write == null) {
    throw new Error('showBundle: not running inside a tslab kernel (no display hook installed)');
  }
  write({ data, metadata, transient: {} }, false);
}

/** Displays a vega-lite spec as static SVG plus the interactive vega-lite JSON. */
export async function showChart(spec: object, render: (spec: any) => Promise<string>, title = 'chart'): Promise<void> {
  const svg = await render(spec);
  showVegaLite(spec, svg, title);
}

/** Same as showChart when the SVG has already been rendered. */
export function showVegaLite(spec: object, svg: string, title = 'chart'): void {
  showBundle({
    'image/svg+xml': svg,
    'application/vnd.vegalite.v5+json': JSON.parse(JSON.stringify(spec)),
    'text/plain': `<VegaLite ${title}>`,
  });
}

export function showSvg(svg: string): void {
  showBundle({ 'image/svg+xml': svg, 'text/plain': '<svg>' });
}

/**
 * Displays HTML. The static report (notebooks/runner/report.mjs) keeps only an
 * allowlist of it: tables, text formatting, lists, headings, links (http,
 * https, mailto, relative) and base64 data: images; scripts, styles, `style`
 * and event-handler attributes, frames, forms and inline SVG are dropped.
 */
export function showHtml(html: string, plain = '<html>'): void {
  showBundle({ 'text/html': html, 'text/plain': plain });
}

export function showMarkdown(md: string): void {
  showBundle({ 'text/markdown': md, 'text/plain': md });
}

/**
 * Renders rows (array of plain objects) as an HTML table plus a plain-text
 * fallback. Numbers are printed with `digits` decimals (integers unchanged).
 */
export function showTable(rows: Record<string, unknown>[], digits = 4, maxRows = 50): void {
  const cols: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  const fmt = (v: unknown): string => (typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(digits) : v == null ? '' : String(v));
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const shown = rows.slice(0, maxRows);
  const more = rows.length > shown.length ? `\n… ${rows.length - shown.length} more rows` : '';
  const html =
    '<table class="dataframe"><thead><tr>' +
    cols.map((c) => `<th>${esc(c)}</th>`).join('') +
    '</tr></thead><tbody>' +
    shown.map((r) => '<tr>' + cols.map((c) => `<td>${esc(fmt(r[c]))}</td>`).join('') + '</tr>').join('') +
    '</tbody></table>' +
    (more ? `<p>${esc(more.trim())}</p>` : '');
  const widths = cols.map((c) => Math.max(c.length, ...shown.map((r) => fmt(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padStart(widths[i])).join('  ');
  const text = [line(cols), ...shown.map((r) => line(cols.map((c) => fmt(r[c]))))].join('\n') + more;
  showBundle({ 'text/html': html, 'text/plain': text });
}

/**
 * A rate as a percentage for a table a reader scans: `pct(0.8333)` → `'83.3%'`. Undefined rates
 * (NaN, e.g. the response rate when nobody is selected) print as an en dash, never "NaN".
 */
export function pct(x: number | undefined, digits = 1): string {
  return x !== undefined && Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : '–';
}

/** A number rounded for reading (`num(2.7777)` → `'2.78'`); undefined values print as an en dash. */
export function num(x: number | undefined, digits = 2): string {
  return x !== undefined && Number.isFinite(x) ? x.toFixed(digits) : '–';
}
