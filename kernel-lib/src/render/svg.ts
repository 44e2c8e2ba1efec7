import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { CbmError } from '../errors';
import { describeValue } from '../charts/spec';

/**
 * Vega numbers SVG clip paths and gradients from process-wide counters, so the same spec would get
 * different ids on its second rendering. Resetting them right before rendering keeps the output
 * byte-identical; the function is exported by vega-scenegraph but missing from vega's typings.
 */
const resetSvgDefIds: () => void = (vega as unknown as { resetSVGDefIds?: () => void }).resetSVGDefIds ?? (() => undefined);

/** Renderings run one after another, so that no other rendering advances the id counters in between. */
let renderQueue: Promise<unknown> = Promise.resolve();

/**
 * Renders a Vega-Lite 5 spec to an SVG string in plain Node (no browser, no canvas package), for
 * reports, tests and notebooks without a Vega front end. The same spec always gives the same bytes.
 *
 * @example
 * const svg = await renderSvg(gainsChart(rows)); // '<svg xmlns=...'
 */
export function renderSvg(spec: object): Promise<string> {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    return Promise.reject(new CbmError('BAD_INPUT', `renderSvg: spec must be a Vega-Lite spec object, got ${describeValue(spec)}`));
  }
  const rendering = renderQueue.then(() => renderNow(spec as TopLevelSpec));
  renderQueue = rendering.catch(() => undefined);
  return rendering;
}

async function renderNow(spec: TopLevelSpec): Promise<string> {
  let compiled: vega.Spec;
  try {
    compiled = compile(spec).spec;
  } catch (error) {
    throw new CbmError('BAD_INPUT', `renderSvg: the spec is not valid Vega-Lite: ${error instanceof Error ? error.message : String(error)}`);
  }
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    // Run the dataflow first, so that the ids are reset immediately before the scene is drawn.
    await view.runAsync();
    resetSvgDefIds();
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
