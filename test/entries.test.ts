/**
 * The package's entry points: the numeric root entry bundles small for a browser or the Excel
 * add-in and loads no vega; renderSvg and the warehouse live behind their own entries, which
 * resolve both through package.json `exports` (Node, bundlers) and through the root-level
 * `render.js`/`render.d.ts` files that Node10 resolution (tslab's TypeScript) looks for.
 * The root-entry test reads the built `kernel-lib/dist`, as the notebooks do (`npm test` builds first).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..');
const lib = join(root, 'kernel-lib');
/**
 * Budgets. Issue 9 set 150 KB for the numeric root when it held the scoring core (data, prepare,
 * model, evaluate); that core is still held to 150 KB below (the names the scoring surfaces
 * import, tree-shaken). The whole root, now with the customer-base modules (simulate, pricing,
 * churn, monitor, SQL generators), is held to 250 KB, which leaves the Excel functions bundle
 * (≤ 300 KB, checked by the add-in's tests) room for its adapters.
 */
const BUDGET_BYTES = 250 * 1024;
const CORE_BUDGET_BYTES = 150 * 1024;

describe('root entry bundle', () => {
  it(`bundles for the browser under ${BUDGET_BYTES / 1024} KB minified, with no vega, DuckDB, pg or node: module`, async () => {
    const result = await build({
      entryPoints: [join(lib, 'src', 'index.ts')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      minify: true,
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const bytes = result.outputFiles[0].contents.length;
    console.log(`root entry, browser bundle minified: ${bytes} bytes (${(bytes / 1024).toFixed(1)} KB) of a ${BUDGET_BYTES / 1024} KB budget`);
    const inputs = Object.keys(result.metafile.inputs);
    // esbuild names inputs relative to the working directory with forward slashes.
    const foreign = inputs.filter((p) => !p.startsWith('kernel-lib/src/'));
    // seedrandom is the one runtime dependency; its optional `crypto` require is disabled for browsers.
    expect(foreign.filter((p) => !p.startsWith('node_modules/seedrandom/') && p !== '(disabled):crypto')).toEqual([]);
    expect(inputs.some((p) => /vega|duckdb|node_modules\/pg\//.test(p))).toBe(false);
    expect(bytes).toBeLessThan(BUDGET_BYTES);
    // Sanity of the measurement: the bundle is not empty and holds the library's code.
    expect(bytes).toBeGreaterThan(10_000);
    expect(Buffer.from(result.outputFiles[0].contents).toString()).toContain('fitLogit');
  });

  it(`the scoring core (what notebooks 01-02 and CBM.FIT/SCORE/metrics use) bundles under ${CORE_BUDGET_BYTES / 1024} KB`, async () => {
    const names = [
      'fitLogit',
      'stepwise',
      'LogitModel',
      'fitPreparation',
      'applyPreparation',
      'trainValidationSplit',
      'campaignMetrics',
      'tableFromRange',
      'confusion',
      'gainsTable',
      'thresholdSweep',
      'targetList',
      'minMaxScaler',
      'readOutcome',
    ];
    const result = await build({
      stdin: { contents: `export { ${names.join(', ')} } from './kernel-lib/src/index';`, resolveDir: root, loader: 'ts' },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      minify: true,
      write: false,
      logLevel: 'silent',
    });
    const bytes = result.outputFiles[0].contents.length;
    console.log(`scoring core, browser bundle minified: ${bytes} bytes (${(bytes / 1024).toFixed(1)} KB) of a ${CORE_BUDGET_BYTES / 1024} KB budget`);
    expect(bytes).toBeLessThan(CORE_BUDGET_BYTES);
    expect(bytes).toBeGreaterThan(10_000);
  });
});

/** Runs `code` in a fresh Node process from the repository root and returns its stdout parsed as JSON. */
function node(code: string): any {
  return JSON.parse(execFileSync(process.execPath, ['-e', code], { cwd: root, encoding: 'utf8' }));
}

describe('built package (kernel-lib/dist)', () => {
  it('has been built', () => {
    expect(existsSync(join(lib, 'dist', 'index.js')), 'run `npm run build` first').toBe(true);
  });

  it("require('@cbm-kit/kernel-lib') loads no vega, vega-lite, DuckDB or pg module", () => {
    const loaded: string[] = node(`
      const lib = require('@cbm-kit/kernel-lib');
      if (typeof lib.fitLogit !== 'function' || typeof lib.gainsChart !== 'function') throw new Error('root entry incomplete');
      if ('renderSvg' in lib) throw new Error('renderSvg leaked into the root entry');
      console.log(JSON.stringify(Object.keys(require.cache)));
    `);
    const external = loaded.map((p) => relative(root, p)).filter((p) => p.includes('node_modules'));
    expect(external.filter((p) => /vega|duckdb|[\\/]pg[\\/]/.test(p))).toEqual([]);
    // The check can fail: the render entry does load vega.
    const withRender: string[] = node(`require('@cbm-kit/kernel-lib/render'); console.log(JSON.stringify(Object.keys(require.cache)));`);
    expect(withRender.some((p) => /[\\/]vega-lite[\\/]/.test(p))).toBe(true);
  });

  it.each([
    ['render', 'renderSvg'],
    ['warehouse', 'openDuckDB'],
  ])('the %s entry (%s) resolves through exports and through its root-level .js file, to the same module', (entry, name) => {
    const result = node(`
      const viaExports = require.resolve('@cbm-kit/kernel-lib/${entry}');
      const a = require('@cbm-kit/kernel-lib/${entry}');
      const b = require(${JSON.stringify(join(lib, `${entry}.js`))});
      console.log(JSON.stringify({ viaExports, same: a.${name} === b.${name}, type: typeof b.${name} }));
    `);
    expect(result.viaExports).toBe(join(lib, 'dist', `${entry}.js`));
    expect(result.type).toBe('function');
    expect(result.same).toBe(true);
  });

  it.each(['render', 'warehouse'])('TypeScript finds the %s types with Node10 resolution (tslab) and with Node16 (exports)', (entry) => {
    const containing = join(root, 'notebooks', 'cell.ts');
    const resolve = (moduleResolution: ts.ModuleResolutionKind, module: ts.ModuleKind) =>
      ts.resolveModuleName(`@cbm-kit/kernel-lib/${entry}`, containing, { moduleResolution, module }, ts.sys).resolvedModule?.resolvedFileName;
    const node10 = resolve(ts.ModuleResolutionKind.Node10, ts.ModuleKind.CommonJS);
    const node16 = resolve(ts.ModuleResolutionKind.Node16, ts.ModuleKind.Node16);
    expect(node10 && relative(root, node10)).toBe(join('kernel-lib', `${entry}.d.ts`));
    expect(node16 && relative(root, node16)).toBe(join('kernel-lib', 'dist', `${entry}.d.ts`));
    // The root-level declaration re-exports the built one, so both name the same API.
    const program = ts.createProgram([node10!], { moduleResolution: ts.ModuleResolutionKind.Node10, module: ts.ModuleKind.CommonJS, noEmit: true, skipLibCheck: true, types: [] });
    const checker = program.getTypeChecker();
    const exportsOf = (file: string) =>
      checker
        .getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(file)!)!)
        .map((s) => s.name)
        .sort();
    const viaRoot = exportsOf(node10!);
    expect(viaRoot.length).toBeGreaterThan(0);
    const program16 = ts.createProgram([node16!], { moduleResolution: ts.ModuleResolutionKind.Node16, module: ts.ModuleKind.Node16, noEmit: true, skipLibCheck: true, types: [] });
    const checker16 = program16.getTypeChecker();
    expect(
      checker16
        .getExportsOfModule(checker16.getSymbolAtLocation(program16.getSourceFile(node16!)!)!)
        .map((s) => s.name)
        .sort(),
    ).toEqual(viaRoot);
  });
});
