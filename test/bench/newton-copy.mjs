#!/usr/bin/env node
/**
 * What the copying costs in fitLogitParallel's SIMD kernel (model/newtonSimd.ts), which copies
 * each chunk of 2,048 rows of every design column and y into its WebAssembly memory before summing
 * it. Replays the Newton passes of one fit of the benchmark's 1,000,000 rows and formula
 * (synthetic.mjs; captured from a `workers: 1` fit of the built dist: the warm start's passes over
 * its ~50,000-row subsample and the full passes, with their β) three ways, interleaved round by
 * round in rotating order:
 * - copy: the dist's own evaluator (newtonSimd(p)), as the fit runs it;
 * - resident: the same kernel instance summing columns placed in its memory once, at their
 *   addresses (no copy): the most keeping the design in WebAssembly memory could give;
 * - in-cache: as resident, but every chunk read at the first chunk's addresses (data in cache, not
 *   the data's sums): the copy's time including the reading of the columns from memory, which
 *   resident still pays.
 * Checks first that resident gives the copy's sums to the bit on every pass. Prints medians over
 * the rounds of the whole fit's passes (and of each kind of pass with one thread). One thread sums
 * every block; with --threads=2 a worker thread runs the same way at the same time, the two on
 * alternate blocks as the fit splits them, and the time is the pair's wall time (on a machine
 * whose second core is busy, that is no faster than one thread). Build first (`npm run build`).
 *
 *   node test/bench/newton-copy.mjs [dist dir, default kernel-lib/dist] [--rounds=N] [--threads=2]
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { FORMULA, synthetic } from './synthetic.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const argv = process.argv.slice(2);
const dist = path.resolve(argv.find((a) => !a.startsWith('--')) ?? path.join(here, '..', '..', 'kernel-lib', 'dist'));
const option = (name, fallback) => {
  const hit = argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.slice(name.length + 3)) : fallback;
};
const ROUNDS = option('rounds', 25);
const THREADS = isMainThread ? option('threads', 1) : 2;
const SELF = isMainThread ? 0 : workerData.self;
if (THREADS !== 1 && THREADS !== 2) {
  console.error('newton-copy: --threads is 1 or 2');
  process.exit(2);
}

const simd = require(path.join(dist, 'model', 'newtonSimd.js'));
const { BLOCK, LOG_BATCH, SUM_BLOCK, WARM_SUM_BLOCK, LARGE_DATA_ROWS } = require(path.join(dist, 'model', 'irls.js'));
const { fitLogitParallel, closeWorkers } = require(path.join(dist, 'parallel.js'));

// ---- the passes of one fit, captured through the module's export (which parallelFit.js reads at each call)
const passes = [];
const copyOf = simd.newtonSimd;
simd.newtonSimd = (p) => {
  const evaluate = copyOf(p);
  if (evaluate === null) throw new Error('newton-copy: no WebAssembly SIMD kernel on this engine');
  return (columns, y, beta, gradient, hessian, extremes, ones, from, to) => {
    if (from === 0) {
      const need = hessian ? 'hessian' : gradient ? 'gradient' : 'likelihood';
      passes.push({ columns, y, beta: beta.slice(), need, ones, blockRows: y.length > LARGE_DATA_ROWS ? SUM_BLOCK : WARM_SUM_BLOCK, kind: `${y.length}-row ${need}` });
    }
    return evaluate(columns, y, beta, gradient, hessian, extremes, ones, from, to);
  };
};
await fitLogitParallel(synthetic(1_000_000), FORMULA, { workers: 1 });
simd.newtonSimd = copyOf;
if (passes.length === 0) throw new Error('newton-copy: no pass captured (parallelFit.js no longer reads newtonSimd through its module object?)');
const p = passes[0].columns.length;
const copy = copyOf(p);

// ---- a kernel instance with the fit's columns resident in its memory: scratch first, then each data set's columns and y
const kernel = new WebAssembly.Instance(new WebAssembly.Module(simd.newtonSimdModule()), {}).exports;
const CHUNK_BYTES = BLOCK * 8;
const place = { eta: 0, residual: CHUNK_BYTES, weighted: 2 * CHUNK_BYTES, products: 3 * CHUNK_BYTES };
place.counts = place.products + 8 * (BLOCK / LOG_BATCH + 2);
place.results = place.counts + 32;
let top = place.results + 64;
const sets = [...new Set(passes.map((pass) => pass.y))];
const bytes = sets.reduce((sum, y) => sum + (p + 1) * y.length * 8, top);
kernel.memory.grow(Math.ceil((bytes - kernel.memory.buffer.byteLength) / 65536));
const resident = new Map();
for (const pass of passes) {
  if (resident.has(pass.y)) continue;
  const at = [];
  for (const column of [...pass.columns, pass.y]) {
    new Float64Array(kernel.memory.buffer, top, column.length).set(column);
    at.push(top);
    top += column.length * 8;
  }
  resident.set(pass.y, { x: at.slice(0, p), y: at[p] });
}

/** newtonSimd.ts's chunk sums (sumChunks) reading the columns at their resident addresses (inCache: always the first chunk's). */
const residentEvaluator = (inCache) => (_columns, y, beta, gradient, hessian, extremes, onesColumn, from, to) => {
  const at = resident.get(y);
  const chunk = { x: new Array(p), y: 0 };
  const columnsAt = (start) => {
    const shift = inCache ? 0 : start * 8;
    for (let j = 0; j < p; j++) chunk.x[j] = at.x[j] + shift;
    chunk.y = at.y + shift;
    return chunk;
  };
  return simd.sumChunks(kernel, place, columnsAt, p, beta, gradient, hessian, extremes, onesColumn, from, to);
};
const evaluators = { copy, resident: residentEvaluator(false), 'in-cache': residentEvaluator(true) };
const WAYS = Object.keys(evaluators);

const gradient = new Float64Array(p);
const hessian = new Float64Array(p * p);
/** One pass over this thread's blocks; each block's sums appended to `out` when given. */
function runPass(evaluate, pass, out) {
  const extremes = { perfect: 0, extreme: 0 };
  for (let from = 0, block = 0; from < pass.y.length; from += pass.blockRows, block++) {
    if (THREADS === 2 && block % 2 !== SELF) continue;
    const to = Math.min(pass.y.length, from + pass.blockRows);
    const g = pass.need === 'likelihood' ? null : gradient;
    const h = pass.need === 'hessian' ? hessian : null;
    extremes.perfect = 0;
    extremes.extreme = 0;
    const logLik = evaluate(pass.columns, pass.y, pass.beta, g, h, pass.need === 'gradient' ? null : extremes, pass.ones, from, to);
    out?.push(logLik, extremes.perfect, extremes.extreme, ...(g ?? []), ...(h ?? []));
  }
}
const runAll = (way) => {
  for (const pass of passes) runPass(evaluators[way], pass);
};

for (const pass of passes) {
  const [a, b] = [[], []];
  runPass(copy, pass, a);
  runPass(evaluators.resident, pass, b);
  if (a.length !== b.length || a.some((v, i) => !Object.is(v, b[i]))) throw new Error(`newton-copy: resident sums differ from the copy's on a ${pass.kind} pass`);
}
for (let k = 0; k < 3; k++) for (const way of WAYS) runAll(way);

if (!isMainThread) {
  parentPort.postMessage('ready');
  parentPort.on('message', (way) => {
    if (way === null) process.exit(0);
    runAll(way);
    parentPort.postMessage('done');
  });
} else {
  const helper = THREADS === 2 ? new Worker(new URL(import.meta.url), { workerData: { self: 1 }, argv }) : null;
  helper?.on('error', (error) => {
    console.error(error);
    process.exit(1);
  });
  const reply = () => new Promise((resolve) => helper.once('message', resolve));
  if (helper) await reply();
  const kinds = [...new Set(passes.map((pass) => pass.kind))];
  const times = Object.fromEntries(WAYS.map((way) => [way, []]));
  const kindTimes = Object.fromEntries(WAYS.map((way) => [way, Object.fromEntries(kinds.map((kind) => [kind, []]))]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const way of WAYS.map((_, k) => WAYS[(k + round) % WAYS.length])) {
      const start = performance.now();
      if (helper) {
        const done = reply();
        helper.postMessage(way);
        runAll(way);
        await done;
      } else {
        const byKind = Object.fromEntries(kinds.map((kind) => [kind, 0]));
        for (const pass of passes) {
          const t = performance.now();
          runPass(evaluators[way], pass);
          byKind[pass.kind] += performance.now() - t;
        }
        for (const kind of kinds) kindTimes[way][kind].push(byKind[kind] / passes.filter((pass) => pass.kind === kind).length);
      }
      times[way].push(performance.now() - start);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const saving = (way) => median(times.copy.map((t, i) => t - times[way][i])).toFixed(1);
  console.log(
    `${new Date().toISOString()}: ${ROUNDS} rounds, ${THREADS} thread(s), the ${passes.length} passes of a 1M-row × ${p}-column fit (${passes.map((pass) => pass.kind).join(', ')})`,
  );
  console.log(`  resident sums identical to the copy's on every pass`);
  console.log(`  copy ${median(times.copy).toFixed(1)} ms, resident ${median(times.resident).toFixed(1)} ms, in-cache ${median(times['in-cache']).toFixed(1)} ms`);
  console.log(`  median of the rounds' savings against copy: resident ${saving('resident')} ms, in-cache ${saving('in-cache')} ms`);
  if (!helper) for (const kind of kinds) console.log(`  a ${kind} pass: ${WAYS.map((way) => `${way} ${median(kindTimes[way][kind]).toFixed(2)} ms`).join(', ')}`);
  helper?.postMessage(null);
  await closeWorkers();
}
