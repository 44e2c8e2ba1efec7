#!/usr/bin/env node
/**
 * Compares fitLogitParallel of two builds of kernel-lib, interleaved in one process so that both
 * see the same machine state: the main benchmark's 1,000,000 synthetic rows and formula
 * (synthetic.mjs), two threads each (each build has its own pool), two warm-up fits each, then
 * nine rounds in alternation with GC forced before each fit; prints the medians and the median
 * of the rounds' new/old ratios. Run it both ways round (`--swap` times the new build first):
 * whichever runs first gains a few per cent. Make the old build as compare-builds.mjs says.
 *
 *   node --expose-gc test/bench/compare-parallel.mjs kernel-lib/dist-old kernel-lib/dist [--swap]
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { FORMULA, synthetic } from './synthetic.mjs';

const require = createRequire(import.meta.url);
const [oldDir, newDir] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (!oldDir || !newDir || typeof globalThis.gc !== 'function') {
  console.error('usage: node --expose-gc test/bench/compare-parallel.mjs <old dist dir> <new dist dir> [--swap]');
  process.exit(2);
}
const builds = { old: require(path.resolve(oldDir, 'parallel.js')), new: require(path.resolve(newDir, 'parallel.js')) };
const order = process.argv.includes('--swap') ? ['new', 'old'] : ['old', 'new'];
const data = synthetic(1_000_000);
const fitWith = (name) => builds[name].fitLogitParallel(data, FORMULA, { workers: 2 });
for (let k = 0; k < 2; k++) for (const name of order) await fitWith(name);
const times = { old: [], new: [] };
for (let round = 0; round < 9; round++) {
  for (const name of order) {
    globalThis.gc();
    const start = performance.now();
    await fitWith(name);
    times[name].push(performance.now() - start);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const ratio = median(times.new.map((t, i) => t / times.old[i]));
console.log(`${order.join(' then ')}: old ${median(times.old).toFixed(1)} ms, new ${median(times.new).toFixed(1)} ms, new/old ${ratio.toFixed(3)} (median of the rounds' ratios)`);
for (const build of Object.values(builds)) await build.closeWorkers();
