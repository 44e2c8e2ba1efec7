// Builds the Excel add-in into excel-addin/dist/: the one page of the shared runtime
// (taskpane.html, which loads functions.js and taskpane.js), the functions.json metadata
// generated from the JSDoc in functions.ts, the function reference (reference.html, each
// function's helpUrl), the icons, and manifest.xml for the host that will serve dist/.
//
// The host: `npm run build -- --base-url https://addins.example.com/cbm` (or the environment
// variable CBM_ADDIN_BASE_URL); default https://localhost:3000, the development manifest's
// (the repository's manifest.xml, which stays as it is).
// Run by the repository's `npm run build` (after kernel-lib); `node excel-addin/build.mjs`.
import * as esbuild from 'esbuild';
import { generateCustomFunctionsMetadata } from 'custom-functions-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const DEVELOPMENT_BASE_URL = 'https://localhost:3000';

/** The base URL dist/ will be served from: https, no query or fragment, without a trailing slash. */
export function baseUrlOf(args, env) {
  const at = args.indexOf('--base-url');
  const given = at >= 0 ? args[at + 1] : env.CBM_ADDIN_BASE_URL;
  if (given === undefined || given === '') return DEVELOPMENT_BASE_URL;
  let url;
  try {
    url = new URL(given);
  } catch {
    throw new Error(`--base-url: '${given}' is not a URL; give e.g. https://addins.example.com/cbm`);
  }
  if (url.protocol !== 'https:') throw new Error(`--base-url: Office loads add-ins over HTTPS only; got ${url.protocol}//…`);
  if (url.search || url.hash) throw new Error('--base-url: give the folder dist/ is served from, without ? or #');
  return url.href.replace(/\/+$/, '');
}

let baseUrl;
try {
  baseUrl = baseUrlOf(process.argv.slice(2), process.env);
} catch (e) {
  console.error(`excel-addin: ${e.message}`);
  process.exit(1);
}
// --out DIR builds elsewhere (the build test, so it never rewrites the dist/ other tests read).
const outAt = process.argv.indexOf('--out');
const dist = outAt >= 0 ? path.resolve(process.argv[outAt + 1]) : path.join(here, 'dist');
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
// FIT and OPTPRICE run in a worker of their own (offThread.ts).
await esbuild.build({ ...common, entryPoints: [path.join(src, 'functions', 'worker.ts')], outfile: path.join(dist, 'functions-worker.js') });

// functions.json comes from the JSDoc, never by hand.
const metadata = await generateCustomFunctionsMetadata(path.join(src, 'functions', 'functions.ts'));
if (metadata.errors.length) {
  console.error(metadata.errors.join('\n'));
  process.exit(1);
}
const functionsJson = metadata.metadataJson.replaceAll(DEVELOPMENT_BASE_URL, baseUrl);
fs.writeFileSync(path.join(dist, 'functions.json'), functionsJson + '\n');
fs.writeFileSync(path.join(dist, 'reference.html'), referencePage(JSON.parse(functionsJson).functions));

// The manifest for this host: every development URL re-pointed, the AppDomain the host's origin.
const manifest = fs
  .readFileSync(path.join(here, '..', 'manifest.xml'), 'utf8')
  .replace(`<AppDomain>${DEVELOPMENT_BASE_URL}</AppDomain>`, `<AppDomain>${new URL(baseUrl).origin}</AppDomain>`)
  .replaceAll(DEVELOPMENT_BASE_URL, baseUrl);
fs.writeFileSync(path.join(dist, 'manifest.xml'), manifest);

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
console.log(
  `excel-addin: dist/ built for ${baseUrl} (functions.js ${(bytes / 1024).toFixed(1)} KB, ${JSON.parse(metadata.metadataJson).functions.length} functions, manifest dist/manifest.xml)`,
);

/** The reference page each function's helpUrl points at: one section per function, from functions.json. */
function referencePage(list) {
  const escapeHtml = (t) => String(t).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
  const section = (f) => {
    const signature = f.parameters.map((p) => (p.optional ? `[${p.name}]` : p.name)).join(', ');
    const params = f.parameters.map((p) => `<li><code>${escapeHtml(p.name)}</code>${p.optional ? ' (optional)' : ''}: ${escapeHtml(p.description ?? '')}</li>`).join('');
    return `<section id="${escapeHtml(f.id)}"><h2>CBM.${escapeHtml(f.name)}(${escapeHtml(signature)})</h2><p>${escapeHtml(f.description)}</p><ul>${params}</ul></section>`;
  };
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>cbm-kit: the CBM functions</title><link rel="stylesheet" href="taskpane.css"></head>
<body><header><h1>The CBM functions</h1></header><main class="reference">
${list.map(section).join('\n')}
</main></body>
</html>
`;
}
