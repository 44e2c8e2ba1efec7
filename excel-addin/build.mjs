// Builds the Excel add-in into excel-addin/dist/: the one page of the shared runtime
// (taskpane.html, which loads functions.js and taskpane.js), the functions.json metadata
// generated from the JSDoc in functions.ts, and the icons.
// Run by the repository's `npm run build` (after kernel-lib); `node excel-addin/build.mjs`.
import * as esbuild from 'esbuild';
import { generateCustomFunctionsMetadata } from 'custom-functions-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');
const src = path.join(here, 'src');
/** The functions bundle budget (issue 13): minified, without danfojs, tfjs or vega. */
export const FUNCTIONS_BUDGET_BYTES = 300 * 1024;

fs.rmSync(dist, { recursive: true, force: true });
fs.mkdirSync(path.join(dist, 'assets'), { recursive: true });

// @cbm-kit/kernel-lib (a workspace dependency) is bundled from its ES sources, not from its
// CommonJS dist/, which esbuild could not tree-shake: the same code, a smaller bundle.
const kernelLibSources = path.resolve(here, '..', 'kernel-lib', 'src');
const common = {
  alias: { '@cbm-kit/kernel-lib': kernelLibSources },
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2019'],
  platform: 'browser',
  legalComments: 'none',
  logLevel: 'warning',
};
const functions = await esbuild.build({ ...common, entryPoints: [path.join(src, 'functions', 'functions.ts')], outfile: path.join(dist, 'functions.js'), metafile: true });
await esbuild.build({ ...common, entryPoints: [path.join(src, 'taskpane', 'taskpane.ts')], outfile: path.join(dist, 'taskpane.js') });

// functions.json comes from the JSDoc, never by hand.
const metadata = await generateCustomFunctionsMetadata(path.join(src, 'functions', 'functions.ts'));
if (metadata.errors.length) {
  console.error(metadata.errors.join('\n'));
  process.exit(1);
}
fs.writeFileSync(path.join(dist, 'functions.json'), metadata.metadataJson + '\n');

for (const file of ['taskpane/taskpane.html', 'taskpane/taskpane.css']) fs.copyFileSync(path.join(src, file), path.join(dist, path.basename(file)));
for (const file of fs.readdirSync(path.join(here, 'assets')).filter((f) => f.endsWith('.png'))) fs.copyFileSync(path.join(here, 'assets', file), path.join(dist, 'assets', file));

// The budget and the forbidden packages are checked on every build.
const bytes = fs.statSync(path.join(dist, 'functions.js')).size;
const inputs = Object.keys(functions.metafile.inputs);
const forbidden = inputs.filter((f) => /node_modules\/(danfojs|@tensorflow|vega)/.test(f));
if (bytes > FUNCTIONS_BUDGET_BYTES || forbidden.length) {
  console.error(`excel-addin: functions.js is ${bytes} bytes (budget ${FUNCTIONS_BUDGET_BYTES})${forbidden.length ? `; it bundles ${forbidden.join(', ')}` : ''}`);
  process.exit(1);
}
console.log(`excel-addin: dist/ built (functions.js ${(bytes / 1024).toFixed(1)} KB, ${JSON.parse(metadata.metadataJson).functions.length} functions)`);
