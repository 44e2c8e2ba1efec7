#!/usr/bin/env node
/**
 * Backtest of notebook 05's forecast (notebooks/lib/backtest.ts) across many synthetic bases: fit on
 * two years, forecast the third, count the years whose revenue falls inside the 90 % interval.
 *
 *   npm run build && node scripts/forecast-backtest.mjs [--seeds 200] [--first-seed 1] [--customers 2000] [--simulations 1000] [--no-lapse] [--no-gap-shifts] [--json out.json]
 *
 * Prints the coverage of the actual revenue and of the revenue at held prices, each with its 95 %
 * Clopper–Pearson interval, and the mean relative error of the forecast's mean.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '200' },
    'first-seed': { type: 'string', default: '1' },
    customers: { type: 'string', default: '2000' },
    simulations: { type: 'string', default: '1000' },
    'no-lapse': { type: 'boolean', default: false },
    'no-gap-shifts': { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
// notebooks/lib is TypeScript that the notebooks' kernel compiles; here esbuild bundles it, with
// kernel-lib left to the built package (npm run build).
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbm-backtest-'));
const bundle = path.join(dir, 'backtest.mjs');
await build({
  entryPoints: [path.join(root, 'notebooks/lib/backtest.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile: bundle,
  external: ['@cbm-kit/kernel-lib', '@cbm-kit/kernel-lib/*'],
  logLevel: 'error',
});
fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
const { backtestForecast } = await import(pathToFileURL(bundle).href);

const seeds = Array.from({ length: Number(values.seeds) }, (_, k) => k + Number(values['first-seed']));
const options = { seeds, customers: Number(values.customers), simulations: Number(values.simulations), lapse: !values['no-lapse'], gapShifts: !values['no-gap-shifts'] };
console.log(
  `backtest: ${seeds.length} seeds, ${options.customers} customers each, ${options.simulations} simulated years per forecast, lapses ${options.lapse ? 'counted' : 'ignored'}, price gaps ${options.gapShifts ? 'moving as in past years' : 'held'}`,
);
const result = backtestForecast(options, (_year, done) => {
  if (done % 20 === 0) console.log(`  ${done}/${seeds.length}`);
});
fs.rmSync(dir, { recursive: true, force: true });
const pct = (x) => `${(100 * x).toFixed(1)} %`;
for (const [truth, label] of [
  ['actual', 'actual revenue'],
  ['atHeldPrices', 'revenue at held prices (months paid × last bill)'],
]) {
  const c = result.coverage[truth];
  console.log(
    `${label}: inside the 90 % interval ${c.inside}/${seeds.length} = ${pct(c.share)} (95 % Clopper–Pearson ${pct(c.lower)} – ${pct(c.upper)}); below ${c.below}, above ${c.above}; mean error ${pct(result.meanError[truth])}`,
  );
}
if (values.json) fs.writeFileSync(values.json, `${JSON.stringify({ options, ...result }, null, 1)}\n`);
