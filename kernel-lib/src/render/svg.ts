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
  const record = (uri: unknown) => refused.push(typeof uri === 'string' ? uri : describeValue(uri));
  const refuse = (uri: unknown): Promise<never> => {
    record(uri);
    return Promise.reject(new Error('renderSvg loads no URLs or files'));
  };
  return {
    options: {},
    fileAccess: false,
    load: refuse,
    // The SVG renderer sanitises a link (`href`) and then writes to the result without checking
    // it: a rejection there is an uncaught TypeError that ends the process. A link resolves to
    // "no link" instead, and the refusal is reported as a CbmError after rendering.
    sanitize: (uri: unknown, options?: { context?: string }) => {
      if (options?.context === 'href') {
        record(uri);
        return Promise.resolve({ href: null });
      }
      return refuse(uri);
    },
    http: refuse,
    file: refuse,
  } as unknown as vega.Loader;
}

/** Caps checked before anything is computed: larger requests would hang or exhaust memory. */
const RENDER_LIMITS = Object.freeze({
  /** Width, height or step of a view, in pixels. */
  pixels: 20_000,
  /** Values a `sequence` generator may produce. */
  sequenceValues: 1_000_000,
  /** Steps of a density estimate. */
  densitySteps: 10_000,
  /** Maximum bins of a binning. */
  maxbins: 10_000,
  /** Nodes of a spec (objects, arrays and values inside it). */
  specNodes: 5_000_000,
});

/**
 * Refuses a spec that asks for more than RENDER_LIMITS (TOO_LARGE) or for links (`href`, which
 * renderSvg does not write), walking every object of it, so a setting nested in a layer, a
 * config or a transform is found too. Runs on the Vega-Lite spec and on the compiled Vega spec.
 */
function checkSpec(spec: unknown, what: string): void {
  let nodes = 0;
  const tooLarge = (path: string, message: string) => new CbmError('TOO_LARGE', `renderSvg: ${path} (in ${what}) ${message}`, { path });
  const stack: [unknown, string, number][] = [[spec, 'spec', 0]];
  while (stack.length > 0) {
    const [node, path, depth] = stack.pop()!;
    if (++nodes > RENDER_LIMITS.specNodes) throw tooLarge('', `has more than ${RENDER_LIMITS.specNodes.toLocaleString('en-US')} parts`);
    if (node === null || typeof node !== 'object') continue;
    if (depth > 200) throw new CbmError('BAD_INPUT', `renderSvg: ${what} nests deeper than 200 levels (or is cyclic) at ${path}`);
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) stack.push([node[i], `${path}[${i}]`, depth + 1]);
      continue;
    }
    const record = node as Record<string, unknown>;
    for (const [key, value] of Object.entries(record)) {
      const at = `${path}.${key}`;
      if (key === 'href') throw new CbmError('BAD_INPUT', `renderSvg: ${what} sets a link at ${at}; renderSvg writes no links (href), so remove it`, { path: at });
      if (typeof value === 'number') {
        const size = Math.abs(value);
        if ((key === 'width' || key === 'height') && size > RENDER_LIMITS.pixels)
          throw tooLarge(at, `is ${value} pixels; at most ${RENDER_LIMITS.pixels.toLocaleString('en-US')} are allowed`);
        if (key === 'maxbins' && value > RENDER_LIMITS.maxbins) throw tooLarge(at, `is ${value}; at most ${RENDER_LIMITS.maxbins.toLocaleString('en-US')} bins are allowed`);
        if (key === 'steps' && value > RENDER_LIMITS.densitySteps)
          throw tooLarge(at, `is ${value}; at most ${RENDER_LIMITS.densitySteps.toLocaleString('en-US')} steps are allowed`);
      }
      // A view size by step: { width: { step: 40 } }.
      if ((key === 'width' || key === 'height') && isObject(value) && typeof (value as { step?: unknown }).step === 'number') {
        const step = Math.abs((value as { step: number }).step);
        if (step > RENDER_LIMITS.pixels) throw tooLarge(`${at}.step`, `is ${step} pixels; at most ${RENDER_LIMITS.pixels.toLocaleString('en-US')} are allowed`);
      }
      stack.push([value, at, depth + 1]);
    }
    // A sequence: Vega-Lite's data generator { sequence: { start, stop, step } } or Vega's transform { type: 'sequence', ... }.
    const sequence = (record.type === 'sequence' ? record : null) ?? (isObject(record.sequence) ? (record.sequence as Record<string, unknown>) : null);
    if (sequence) {
      const start = typeof sequence.start === 'number' ? sequence.start : 0;
      const stop = sequence.stop;
      const step = typeof sequence.step === 'number' ? sequence.step : 1;
      if (typeof stop === 'number' && typeof start === 'number') {
        const count = step === 0 ? Number.POSITIVE_INFINITY : (stop - start) / step;
        if (!(count <= RENDER_LIMITS.sequenceValues))
          throw tooLarge(
            `${path}.sequence`,
            `would generate ${Number.isFinite(count) ? Math.ceil(count).toLocaleString('en-US') : 'endless'} values; at most ${RENDER_LIMITS.sequenceValues.toLocaleString('en-US')} are allowed`,
          );
      }
    }
  }
}

const isObject = (value: unknown): boolean => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Renders a Vega-Lite 5 spec to an SVG string in plain Node (no browser, no canvas package), for
 * reports, tests and notebooks without a Vega front end. The same spec always gives the same bytes.
 * It never reads a file or makes a request: data must be inline (`data.values`), as every chart
 * builder of the library produces it, and it writes no links (`href` is refused). Sizes are
 * capped before anything is computed (RENDER_LIMITS: width, height, sequences, density steps,
 * bins; TOO_LARGE), and an error while Vega evaluates the chart (an expression that fails on
 * a row) is a CbmError rather than a message on the console and an empty chart. Every failure is
 * a CbmError (BAD_INPUT, or TOO_LARGE).
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
  checkSpec(spec, 'the spec');
  let compiled: vega.Spec;
  try {
    compiled = compile(spec).spec;
  } catch (error) {
    throw new CbmError('BAD_INPUT', `renderSvg: the spec is not valid Vega-Lite: ${message(error)}`);
  }
  checkSpec(compiled, 'the compiled Vega spec');
  const refused: string[] = [];
  // Vega reports dataflow errors (an expression failing on a row) to its logger and carries on.
  const errors: string[] = [];
  const logger = vega.logger(vega.Error, undefined, (_method: string, _level: string, input: ArrayLike<unknown>) => {
    errors.push(Array.from(input, (x) => message(x)).join(' '));
  });
  let view: vega.View;
  try {
    view = new vega.View(vega.parse(compiled), { renderer: 'none', loader: refusingLoader(refused), logger });
  } catch (error) {
    throw new CbmError('BAD_INPUT', `renderSvg: Vega cannot parse the compiled spec: ${message(error)}`);
  }
  // Vega logs a failed load and carries on with empty data, so the refusals are checked explicitly.
  const checkRefused = (): void => {
    if (errors.length > 0) throw new CbmError('BAD_INPUT', `renderSvg: Vega failed while evaluating the chart: ${errors[0].slice(0, 300)}`, { errors: errors.slice(0, 10) });
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
