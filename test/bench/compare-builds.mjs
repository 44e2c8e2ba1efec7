#!/usr/bin/env node
/**
 * Compares two builds of kernel-lib on the main benchmark's hot paths, interleaved in one process
 * so that both see the same machine state (this VM's timings drift by 2× within minutes):
 * fitLogit and model.predict on 1,000,000 synthetic rows, 'y ~ (x1 + x2 + x3)^2', medians of 15
 * alternating runs, GC forced before each. Comparing a build with a copy of itself shows the
 * noise floor (a few per cent, in favour of whichever runs first).
 *
 *   git worktree add /tmp/old <commit> && ln -s "$PWD/node_modules" /tmp/old/node_modules
 *   (cd /tmp/old/kernel-lib && npx tsc -p tsconfig.json --outDir "$OLDPWD/kernel-lib/dist-old")
 *   node --expose-gc test/bench/compare-builds.mjs kernel-lib/dist-old kernel-lib/dist
 *
 * The old build goes below kernel-lib/ so that its own `require('seedrandom')` resolves.
 */
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const [oldDir, newDir] = process.argv.slice(2);
if (!oldDir || !newDir || typeof globalThis.gc !== 'function') {
  console.error('usage: node --expose-gc test/bench/compare-builds.mjs <old dist dir> <new dist dir>');
  process.exit(2);
}
const builds = [oldDir, newDir].map((dir) => ({ name: dir, k: require(path.resolve(dir, 'index.js')) }));
const N = 1_000_000;
const uniform = builds[1].k.seededUniform(1);
const x1 = new Float64Array(N);
const x2 = new Float64Array(N);
const x3 = new Float64Array(N);
const y = new Float64Array(N);
for (let i = 0; i < N; i++) {
  x1[i] = uniform() < 0.5 ? 1 : 0;
  x2[i] = uniform();
  x3[i] = uniform();
  const v = -2 + 3 * x1[i] * x3[i] + 2 * x1[i] * x2[i] + 0.5 * x2[i];
  y[i] = uniform() < 1 / (1 + Math.exp(-v)) ? 1 : 0;
}
const data = { y, x1, x2, x3 };
const FORMULA = 'y ~ (x1 + x2 + x3)^2';
const times = { fitLogit: builds.map(() => []), predict: builds.map(() => []) };
const models = builds.map((b) => b.k.fitLogit(data, FORMULA));
for (let run = 0; run < 15; run++) {
  for (const i of run % 2 ? [0, 1] : [1, 0]) {
    globalThis.gc();
    let start = performance.now();
    builds[i].k.fitLogit(data, FORMULA);
    times.fitLogit[i].push(performance.now() - start);
    globalThis.gc();
    start = performance.now();
    models[i].predict(data);
    times.predict[i].push(performance.now() - start);
  }
}
const median = (list) => [...list].sort((a, b) => a - b)[list.length >> 1];
for (const [operation, perBuild] of Object.entries(times)) {
  const [a, b] = perBuild.map(median);
  console.log(`${operation}: ${builds[0].name} ${a.toFixed(1)} ms, ${builds[1].name} ${b.toFixed(1)} ms (new / old ${(b / a).toFixed(3)})`);
}
const same = models[0].coefficients.every((v, j) => v === models[1].coefficients[j]);
console.log(`coefficients identical: ${same}`);
