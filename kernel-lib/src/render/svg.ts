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
 * A Vega loader that refuses every URL and file. Vega's default loader in Node reads local files
 * (`data.url: '/etc/passwd'` would end up in the SVG) and fetches http(s) URLs, so a spec from an
 * untrusted source could read the machine or probe the network. The library's charts carry their
 * data inline (`data.values`), so nothing legitimate is lost; each refused URL is recorded so that
 * the rendering fails with a CbmError naming it instead of drawing an empty chart.
 */
function refusingLoader(refused: string[]): vega.Loader {
  const refuse = (uri: unknown): Promise<never> => {
    refused.push(typeof uri === 'string' ? uri : describeValue(uri));
    return Promise.reject(new Error('renderSvg loads no URLs or files'));
  };
  return {
    options: {},
    fileAccess: false,
    load: refuse,
    sanitize: refuse,
    http: refuse,
    file: refuse,
  } as unknown as vega.Loader;
}

/**
 * Renders a Vega-Lite 5 spec to an SVG string in plain Node (no browser, no canvas package), for
 * reports, tests and notebooks without a Vega front end. The same spec always gives the same bytes.
 * It never reads a file or makes a request: data must be inline (`data.values`), as every chart
 * builder of the library produces it. Every failure is a CbmError (BAD_INPUT).
 *
 * @example
 * const rows = gainsTable([0.9, 0.2, 0.7, 0.4], [1, 0, 1, 0], { groups: 2 });
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

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function renderNow(spec: TopLevelSpec): Promise<string> {
  let compiled: vega.Spec;
  try {
    compiled = compile(spec).spec;
  } catch (error) {
    throw new CbmError('BAD_INPUT', `renderSvg: the spec is not valid Vega-Lite: ${message(error)}`);
  }
  const refused: string[] = [];
  let view: vega.View;
  try {
    view = new vega.View(vega.parse(compiled), { renderer: 'none', loader: refusingLoader(refused) });
  } catch (error) {
    throw new CbmError('BAD_INPUT', `renderSvg: Vega cannot parse the compiled spec: ${message(error)}`);
  }
  // Vega logs a failed load and carries on with empty data, so the refusals are checked explicitly.
  const checkRefused = (): void => {
    if (refused.length > 0) {
      throw new CbmError(
        'BAD_INPUT',
        `renderSvg: the spec asks to load ${JSON.stringify(refused[0].slice(0, 200))}; renderSvg reads no files or URLs, so give the chart its data inline (data: { values: [...] })`,
        { urls: refused.slice(0, 10) },
      );
    }
  };
  try {
    // Run the dataflow first, so that the ids are reset immediately before the scene is drawn.
    await view.runAsync();
    checkRefused();
    resetSvgDefIds();
    const svg = await view.toSVG();
    checkRefused();
    return svg;
  } catch (error) {
    if (error instanceof CbmError) throw error;
    throw new CbmError('BAD_INPUT', `renderSvg: Vega could not render the spec: ${message(error)}`);
  } finally {
    view.finalize();
  }
}
