/**
 * renderSvg never reads a file or makes a request: a spec is data from anywhere (a notebook cell,
 * a saved report), and Vega's default Node loader would read `data.url: '/etc/passwd'` into the
 * SVG and fetch any http URL. Each attempt ends in a CbmError naming the URL; a local HTTP server
 * counts requests to prove that none was made, and a secret file's text never reaches an SVG.
 */
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CbmError, gainsTable } from '../kernel-lib/src/index';
import { gainsChart, VEGA_LITE_SCHEMA } from '../kernel-lib/src/charts';
import { renderSvg } from '../kernel-lib/src/render';

let server: Server;
let requests = 0;
let base = '';
let dir = '';
let secretFile = '';
const SECRET = 'TOP-SECRET-LINE';

beforeAll(async () => {
  server = createServer((_request, response) => {
    requests++;
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify([{ a: SECRET, b: 1 }]));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  base = `http://127.0.0.1:${address.port}`;
  dir = mkdtempSync(join(tmpdir(), 'cbm-render-'));
  secretFile = join(dir, 'secret.csv');
  writeFileSync(secretFile, `a,b\n${SECRET},1\n`);
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

/** Renders and returns the CbmError it must end in (or fails the test with the SVG it produced). */
async function refusal(spec: object): Promise<CbmError> {
  try {
    const svg = await renderSvg(spec);
    expect(svg).not.toContain(SECRET);
    throw new Error(`renderSvg rendered instead of refusing: ${svg.slice(0, 200)}`);
  } catch (error) {
    expect(error).toBeInstanceOf(CbmError);
    return error as CbmError;
  }
}

const bar = (data: object): object => ({ $schema: VEGA_LITE_SCHEMA, data, mark: 'bar', encoding: { x: { field: 'a', type: 'nominal' }, y: { field: 'b', type: 'quantitative' } } });

describe('renderSvg loads nothing', () => {
  it('refuses a local file path, a file: URL and /etc/passwd', async () => {
    for (const url of [secretFile, `file://${secretFile}`, '/etc/passwd']) {
      const error = await refusal(bar({ url, format: { type: url.endsWith('.csv') ? 'csv' : 'tsv' } }));
      expect(error.code).toBe('BAD_INPUT');
      expect(error.message).toContain('renderSvg: the spec asks to load');
      expect(error.message).toContain('data inline');
    }
  });

  it('makes no HTTP request for data, images or a relative URL with a baseURL-like host', async () => {
    const before = requests;
    await refusal(bar({ url: `${base}/data.json` }));
    await refusal(bar({ url: `//127.0.0.1:${new URL(base).port}/data.json` }));
    await refusal({
      $schema: VEGA_LITE_SCHEMA,
      data: { values: [{ x: 1, y: 1, img: `${base}/image.png` }] },
      mark: 'image',
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, url: { field: 'img', type: 'nominal' } },
    });
    // Give a request that was wrongly started time to arrive before counting.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(requests - before).toBe(0);
  });

  it('the counting server does count a real request (so the zero above can fail)', async () => {
    const before = requests;
    await fetch(`${base}/probe`).then((r) => r.text());
    expect(requests - before).toBe(1);
  });

  it('still renders inline data, and renders after a refusal', async () => {
    expect(await renderSvg(bar({ values: [{ a: 'x', b: 2 }] }))).toMatch(/^<svg/);
    await refusal(bar({ url: '/etc/passwd' }));
    const svg = await renderSvg(gainsChart(gainsTable([0.9, 0.2, 0.7, 0.4], [1, 0, 1, 0], { groups: 2 })));
    expect(svg).toMatch(/^<svg/);
  });

  it('turns every failure into a CbmError: invalid Vega-Lite, a broken expression, a bad transform', async () => {
    for (const spec of [
      { $schema: VEGA_LITE_SCHEMA, mark: 'nonsense' },
      { ...bar({ values: [{ a: 'x', b: 2 }] }), transform: [{ calculate: 'datum.b +* 2', as: 'c' }] },
      { ...bar({ values: [{ a: 'x', b: 2 }] }), transform: [{ filter: 'nosuchfunction(datum.b)' }] },
      { ...bar({ values: [{ a: 'x', b: 2 }] }), transform: [{ calculate: 'process.exit(1)', as: 'c' }] },
    ]) {
      const error = await refusal(spec);
      expect(error.message).toMatch(/^renderSvg: /);
    }
  });
});

/**
 * Issue 18, finding 6: a link, a huge view or a data-generating transform, and a runtime error in
 * an expression each end in a CbmError. They run in a child process (on the built entry), so a
 * crash of the process or an out-of-memory abort fails the test instead of ending the test run.
 */
describe('renderSvg cannot take the process down', () => {
  it('href (encoding and mark), width/height 1e7, sequence 1e8, density steps 1e8, maxbins 1e9, a failing expression: CbmErrors in a child process that exits 0', () => {
    const script = `
      const { renderSvg } = require(${JSON.stringify(join(__dirname, '..', 'kernel-lib', 'render.js'))});
      const data = { values: [{ a: 1, b: 2, u: 'https://example.com' }] };
      const x = { field: 'a', type: 'quantitative' };
      const cases = {
        hrefEncoding: { data, mark: 'point', encoding: { x, href: { field: 'u' } } },
        hrefMark: { data, mark: { type: 'point', href: 'javascript:alert(1)' }, encoding: { x } },
        hrefConfig: { data, mark: 'point', encoding: { x }, config: { point: { href: 'https://example.com' } } },
        width: { data, mark: 'point', width: 1e7, encoding: { x } },
        height: { data, mark: 'point', height: 1e7, encoding: { x } },
        step: { data, mark: 'bar', width: { step: 1e7 }, encoding: { x: { field: 'a', type: 'nominal' } } },
        sequence: { data: { sequence: { start: 0, stop: 1e8, as: 'a' } }, mark: 'point', encoding: { x } },
        density: { data, transform: [{ density: 'a', steps: 1e8 }], mark: 'area', encoding: { x: { field: 'value', type: 'quantitative' } } },
        maxbins: { data, mark: 'bar', encoding: { x: { field: 'a', bin: { maxbins: 1e9 } }, y: { aggregate: 'count' } } },
        binTransform: { data, transform: [{ bin: { maxbins: 1e9 }, field: 'a', as: 'binned' }], mark: 'point', encoding: { x } },
        runtime: { data, transform: [{ calculate: 'datum.b.c.d', as: 'z' }], mark: 'point', encoding: { x } },
      };
      (async () => {
        const out = {};
        for (const [name, spec] of Object.entries(cases)) {
          try { await renderSvg(spec); out[name] = 'rendered'; } catch (e) { out[name] = e && e.name === 'CbmError' ? e.code + ': ' + e.message : 'not a CbmError: ' + String(e); }
        }
        out.after = (await renderSvg({ data, mark: 'point', encoding: { x } })).slice(0, 4);
        process.stdout.write(JSON.stringify(out));
      })();`;
    const child = spawnSync(process.execPath, ['--max-old-space-size=512', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(child.status, child.stderr).toBe(0);
    const out = JSON.parse(child.stdout) as Record<string, string>;
    for (const name of ['hrefEncoding', 'hrefMark', 'hrefConfig']) expect(out[name]).toMatch(/^BAD_INPUT: renderSvg: the spec sets a link at spec\..*href/);
    for (const name of ['width', 'height', 'step']) expect(out[name]).toMatch(/^TOO_LARGE: renderSvg: .* pixels; at most 20,000/);
    expect(out.sequence).toMatch(/^TOO_LARGE: .*would generate 100,000,000 values/);
    expect(out.density).toMatch(/^TOO_LARGE: .*steps/);
    expect(out.maxbins).toMatch(/^TOO_LARGE: .*bins/);
    expect(out.binTransform).toMatch(/^TOO_LARGE: .*bins/);
    expect(out.runtime).toMatch(/^BAD_INPUT: renderSvg: Vega failed while evaluating the chart: .*reading 'd'/);
    expect(out.after).toBe('<svg');
  });
});
