#!/usr/bin/env node
/**
 * CPU profile of one benchmark operation on the synthetic data, summarised by TypeScript
 * function and line (via kernel-lib's source maps). Build first (`npm run build`).
 *
 *   node test/bench/profile.mjs [fit|fit-parallel|predict|stepwise|stepwise-free] [--rows=N] [--runs=N] [--top=N]
 *
 * Only the timed runs are sampled (the V8 profiler is started after a warm-up run, through
 * node:inspector, i.e. the same sampler as `node --cpu-prof`). The raw profile is written to
 * out/bench/profile-<op>.cpuprofile (open it in Chrome DevTools › Performance, or VS Code).
 * Printed: wall time per run, then the top functions by inclusive and by self time, and the
 * hottest source lines, all as a share of the sampled time. `fit-parallel` samples the calling
 * thread only (its share of the Newton blocks, the design and the driver), not the pooled threads.
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import { SourceMap, createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FORMULA, synthetic } from './synthetic.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const require = createRequire(import.meta.url);
const kernel = require('@cbm-kit/kernel-lib');

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const hit = argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.slice(name.length + 3)) : fallback;
};
const op = argv.find((a) => !a.startsWith('--')) ?? 'fit';
const ROWS = option('rows', 1_000_000);
const TOP = option('top', 20);
const operations = {
  fit: { runs: 5, prepare: () => null, run: (data) => kernel.fitLogit(data, FORMULA) },
  'fit-parallel': { runs: 5, prepare: () => null, run: (data) => require('@cbm-kit/kernel-lib/parallel').fitLogitParallel(data, FORMULA, { workers: 2 }) },
  predict: { runs: 20, prepare: (data) => kernel.fitLogit(data, FORMULA), run: (data, model) => model.predict(data) },
  stepwise: { runs: 2, prepare: () => null, run: (data) => kernel.stepwise(data, FORMULA) },
  'stepwise-free': { runs: 1, prepare: () => null, run: (data) => kernel.stepwise(data, FORMULA, { hierarchical: false }) },
};
if (!operations[op]) {
  console.error(`profile: unknown operation '${op}'; one of ${Object.keys(operations).join(', ')}`);
  process.exit(2);
}
const { prepare, run } = operations[op];
const RUNS = option('runs', operations[op].runs);

const data = synthetic(ROWS);
const state = prepare(data);
await run(data, state); // warm-up, not sampled

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 }); // µs
await session.post('Profiler.start');
const times = [];
for (let r = 0; r < RUNS; r++) {
  const t0 = process.hrtime.bigint();
  await run(data, state);
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
const { profile } = await session.post('Profiler.stop');
// One more (unsampled) run with V8's precise call counts: how many passes each function made.
await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });
await session.post('Profiler.takePreciseCoverage'); // resets the counters
await run(data, state);
const { result: coverage } = await session.post('Profiler.takePreciseCoverage');
await session.post('Profiler.stopPreciseCoverage');
session.disconnect();

const outDir = path.join(root, 'out', 'bench');
fs.mkdirSync(outDir, { recursive: true });
const outFile = path.join(outDir, `profile-${op}.cpuprofile`);
fs.writeFileSync(outFile, JSON.stringify(profile));

// ---------------------------------------------------------------- summary

const maps = new Map();
/** Maps a (0-based) generated position to `src/file.ts:line` (1-based) when a source map exists. */
function original(url, line, column) {
  if (!url.startsWith('file://')) return null;
  const file = fileURLToPath(url);
  if (!maps.has(file)) {
    let map = null;
    try {
      map = new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, 'utf8')));
    } catch {
      map = null;
    }
    maps.set(file, map);
  }
  const map = maps.get(file);
  if (!map) return { file: path.relative(root, file), line: line + 1 };
  const entry = map.findEntry(line, Math.max(column, 0));
  if (!entry?.originalSource) return { file: path.relative(root, file), line: line + 1 };
  const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : path.resolve(path.dirname(file), entry.originalSource);
  return { file: path.relative(root, source), line: entry.originalLine + 1 };
}

const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const label = (n) => {
  const f = n.callFrame;
  const name = f.functionName || '(anonymous)';
  if (!f.url) return name;
  const o = original(f.url, f.lineNumber, f.columnNumber);
  return o ? `${name} ${o.file}:${o.line}` : `${name} ${f.url}:${f.lineNumber + 1}`;
};
const labels = new Map(profile.nodes.map((n) => [n.id, label(n)]));

// Sample i lasts until sample i+1 (the last one gets the mean interval).
const durations = profile.timeDeltas.slice(1).map((d) => d / 1000);
durations.push(durations.length ? durations.reduce((a, b) => a + b, 0) / durations.length : 0);
const self = new Map();
const inclusive = new Map();
let total = 0;
profile.samples.forEach((id, i) => {
  const ms = durations[i];
  total += ms;
  self.set(labels.get(id), (self.get(labels.get(id)) ?? 0) + ms);
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const l = labels.get(at);
    if (seen.has(l)) continue;
    seen.add(l);
    inclusive.set(l, (inclusive.get(l) ?? 0) + ms);
  }
});

// Lines: positionTicks are self-time hits per (1-based) generated line of a node's function.
const lineHits = new Map();
let ticks = 0;
for (const n of profile.nodes) {
  for (const t of n.positionTicks ?? []) {
    ticks += t.ticks;
    const o = n.callFrame.url ? original(n.callFrame.url, t.line - 1, 0) : null;
    const key = o ? `${o.file}:${o.line}` : `${n.callFrame.functionName}:${t.line}`;
    const entry = lineHits.get(key) ?? { ticks: 0, fn: n.callFrame.functionName || '(anonymous)', o };
    entry.ticks += t.ticks;
    lineHits.set(key, entry);
  }
}
const sourceLine = (o) => {
  try {
    return fs.readFileSync(path.join(root, o.file), 'utf8').split('\n')[o.line - 1].trim().slice(0, 90);
  } catch {
    return '';
  }
};

const pct = (ms) => `${((100 * ms) / total).toFixed(1).padStart(5)} %`;
const top = (m) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP);
const sorted = [...times].sort((a, b) => a - b);
const med = sorted.length % 2 ? sorted[sorted.length >> 1] : 0.5 * (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]);
const out = [
  `profile '${op}' on ${ROWS.toLocaleString('en')} rows, ${RUNS} run(s): ${times.map((t) => `${t.toFixed(0)} ms`).join(', ')} (median ${med.toFixed(0)} ms, profiler on); sampled ${total.toFixed(0)} ms`,
  `raw profile: ${path.relative(root, outFile)}`,
  '',
  'inclusive (function on the stack):',
  ...top(inclusive).map(([l, ms]) => `  ${pct(ms)}  ${(ms / RUNS).toFixed(1).padStart(8)} ms/run  ${l}`),
  '',
  'self:',
  ...top(self).map(([l, ms]) => `  ${pct(ms)}  ${(ms / RUNS).toFixed(1).padStart(8)} ms/run  ${l}`),
  '',
  'hottest lines (self ticks):',
  ...[...lineHits.entries()]
    .sort((a, b) => b[1].ticks - a[1].ticks)
    .slice(0, TOP)
    .map(([key, e]) => `  ${((100 * e.ticks) / ticks).toFixed(1).padStart(5)} %  ${key.padEnd(38)} ${e.fn.padEnd(18)} ${e.o ? sourceLine(e.o) : ''}`),
];
// Call counts of kernel-lib functions in that one run (ranges[0] of a function is its whole body).
const calls = [];
for (const script of coverage) {
  if (!script.url.includes('/kernel-lib/dist/')) continue;
  const file = fileURLToPath(script.url);
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    continue;
  }
  for (const f of script.functions) {
    const count = f.ranges[0]?.count ?? 0;
    if (count === 0 || !f.functionName) continue;
    const before = text.slice(0, f.ranges[0].startOffset);
    const line = before.split('\n').length - 1;
    const column = f.ranges[0].startOffset - (before.lastIndexOf('\n') + 1);
    const o = original(script.url, line, column);
    calls.push([`${f.functionName} ${o ? `${o.file}:${o.line}` : ''}`, count]);
  }
}
calls.sort((a, b) => b[1] - a[1]);
out.push('', 'calls in one run (kernel-lib functions, V8 precise coverage):', ...calls.slice(0, TOP * 2).map(([l, c]) => `  ${String(c).padStart(9)}  ${l}`));
process.stdout.write(out.join('\n') + '\n');
// The parallel fit's pool (fit-parallel) would not keep the process alive, but its kept buffers are freed here too.
if (op === 'fit-parallel') await require('@cbm-kit/kernel-lib/parallel').closeWorkers();
