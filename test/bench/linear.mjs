#!/usr/bin/env node
/**
 * Benchmark of fitLinear and the formula parser against R, timed in the same run
 * (`npm run build && node test/bench/linear.mjs [--quick]`):
 *   fitLinear(cheese, 'log(VOLUME) ~ log(PRICE) + RETAILER')   5,555 rows × 89 coefficients   vs R lm()
 *   parseFormula('y ~ v0 + … + v1999')                          2,000 terms                    vs R terms()
 *   parseFormula('y ~ v0 + … + v39999')                         350 KB (no peer: R's terms() is quadratic, minutes here)
 *   formatFormula of 860 terms (40 main effects + (w0 + … + w39)^2)   (informational, no peer)
 * Medians after warm-up; ratio = R median / kernel-lib median (> 1: kernel-lib is faster).
 * R is skipped with a note when Rscript is missing.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const require = createRequire(import.meta.url);
const kernel = require('@cbm-kit/kernel-lib');
const QUICK = process.argv.includes('--quick');
const REPEATS = QUICK ? 3 : 9;
const TERMS = 40_000;
const PEER_TERMS = 2_000;

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}
function time(fn) {
  fn();
  fn();
  const times = [];
  let result;
  for (let r = 0; r < REPEATS; r++) {
    const t0 = process.hrtime.bigint();
    result = fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { seconds: median(times), result };
}
const fmt = (s) => (s == null ? '—' : s < 1e-3 ? `${(s * 1e6).toFixed(0)} µs` : s < 1 ? `${(s * 1e3).toFixed(1)} ms` : `${s.toFixed(2)} s`);

// The cheese fixture (RFC 4180: retailer names hold commas).
const csvPath = path.join(root, 'test', 'fixtures', 'cheese.csv');
const text = fs.readFileSync(csvPath, 'utf8').trim().split('\n').slice(1);
const columns = { RETAILER: [], VOLUME: new Float64Array(text.length), DISP: new Float64Array(text.length), PRICE: new Float64Array(text.length) };
text.forEach((line, i) => {
  const m = /^"((?:[^"]|"")*)",([^,]+),([^,]+),([^,]+)$/.exec(line);
  columns.RETAILER.push(m[1].replace(/""/g, '"'));
  columns.VOLUME[i] = Number(m[2]);
  columns.DISP[i] = Number(m[3]);
  columns.PRICE[i] = Number(m[4]);
});

const fit = time(() => kernel.fitLinear(columns, 'log(VOLUME) ~ log(PRICE) + RETAILER'));
const source = `y ~ ${Array.from({ length: TERMS }, (_, i) => `v${i}`).join(' + ')}`;
const parse = time(() => kernel.parseFormula(source));
const peerSource = `y ~ ${Array.from({ length: PEER_TERMS }, (_, i) => `v${i}`).join(' + ')}`;
const parseSmall = time(() => kernel.parseFormula(peerSource));
const mixed = kernel.parseFormula(`y ~ ${Array.from({ length: 40 }, (_, i) => `v${i}`).join(' + ')} + (${Array.from({ length: 40 }, (_, i) => `w${i}`).join(' + ')})^2`);
const format = time(() => kernel.formatFormula('y', mixed.terms, true));

let r = { skipped: 'Rscript not found' };
if (spawnSync('Rscript', ['--version']).status === 0) {
  const run = spawnSync('Rscript', ['--max-ppsize=500000', path.join(here, 'peers', 'lm_peer.R'), csvPath, String(REPEATS), String(PEER_TERMS)], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  r = run.status === 0 ? JSON.parse(run.stdout.trim().split('\n').pop()) : { skipped: (run.stderr || String(run.error ?? 'failed')).trim().split('\n')[0].slice(0, 200) };
}
const ratio = (peer, ours) => (peer == null ? '—' : `${(peer / ours).toFixed(2)}×`);
const rows = [
  ['fitLinear log(VOLUME) ~ log(PRICE) + RETAILER (5,555 rows, 89 coefficients)', fit.seconds, 'R lm()', r.lm],
  [`parseFormula, ${PEER_TERMS.toLocaleString('en')} terms`, parseSmall.seconds, 'R terms()', r.terms],
  [`parseFormula, ${TERMS.toLocaleString('en')} terms (${(source.length / 1024).toFixed(0)} KB)`, parse.seconds, '—', null],
  [`formatFormula, ${mixed.terms.length} terms`, format.seconds, '—', null],
];
console.log(`| operation | kernel-lib median | peer | peer median | ratio (peer / kernel-lib) |`);
console.log(`|---|---:|---|---:|---:|`);
for (const [op, ours, peer, theirs] of rows)
  console.log(`| ${op} | ${fmt(ours)} | ${r.skipped && peer !== '—' ? `${peer} — skipped: ${r.skipped}` : peer} | ${fmt(theirs)} | ${ratio(theirs, ours)} |`);
if (!r.skipped) {
  const diff = Math.abs(fit.result.coefficient('log(PRICE)') - r.elasticity) / Math.abs(r.elasticity);
  console.log(
    `\nElasticity: kernel-lib ${fit.result.coefficient('log(PRICE)')}, ${r.r} ${r.elasticity} (relative difference ${diff.toExponential(1)}); R terms() found ${r.termsCount} terms.`,
  );
}
