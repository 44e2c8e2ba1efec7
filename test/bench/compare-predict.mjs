#!/usr/bin/env node
/**
 * model.predict of two builds of kernel-lib and the hand-written loop (synthetic.mjs), interleaved
 * in one process on the benchmark's 1,000,000 rows: the issue-22 figure (predict / loop, goal
 * ≤ 1.3) for both builds from the same rounds, which on a shared machine moves less than two bench
 * runs minutes apart. Each round runs the three in a different order (six orders in turn, so none
 * is always first); printed: medians of the per-round ratios, wall clock and CPU time (this
 * process's user + system, less disturbed by other work), and whether the builds' predictions are
 * identical to the bit. Build an old commit as compare-builds.mjs says, then
 *
 *   node test/bench/compare-predict.mjs kernel-lib/dist-old kernel-lib/dist [rounds]
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { FORMULA, NAMES, handWrittenPredict, synthetic } from './synthetic.mjs';

const require = createRequire(import.meta.url);
const [oldDir, newDir, roundsArg] = process.argv.slice(2);
if (!oldDir || !newDir) {
  console.error('usage: node test/bench/compare-predict.mjs <old dist dir> <new dist dir> [rounds, default 42]');
  process.exit(2);
}
const rounds = Number(roundsArg ?? 42);
const builds = [oldDir, newDir].map((dir) => ({ name: dir, k: require(path.resolve(dir, 'index.js')) }));
const data = synthetic(1_000_000);
const models = builds.map((b) => b.k.fitLogit(data, FORMULA));
const b = NAMES.map((name) => models[1].coefficient(name));
const runners = [handWrittenPredict(data, b), () => models[0].predict(data), () => models[1].predict(data)];
const ORDERS = [
  [0, 1, 2],
  [1, 2, 0],
  [2, 0, 1],
  [0, 2, 1],
  [2, 1, 0],
  [1, 0, 2],
];
const time = (run) => {
  const cpu = process.cpuUsage();
  const start = performance.now();
  run();
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1000 };
};
for (let k = 0; k < 5; k++) for (const run of runners) run();
const times = runners.map(() => []);
for (let r = 0; r < rounds; r++) for (const j of ORDERS[r % ORDERS.length]) times[j].push(time(runners[j]));
const median = (list) => [...list].sort((x, y) => x - y)[list.length >> 1];
const ratio = (j, k, key) => median(times[j].map((t, r) => t[key] / times[k][r][key]));
console.log(`hand-written loop: median ${median(times[0].map((t) => t.wall)).toFixed(1)} ms (${rounds} rounds)`);
for (const j of [1, 2]) {
  const wall = median(times[j].map((t) => t.wall));
  console.log(
    `${builds[j - 1].name}: predict median ${wall.toFixed(1)} ms; / loop, per-round medians: wall ${ratio(j, 0, 'wall').toFixed(3)}, CPU ${ratio(j, 0, 'cpu').toFixed(3)}`,
  );
}
console.log(`${builds[1].name} / ${builds[0].name}, per-round medians: wall ${ratio(2, 1, 'wall').toFixed(3)}, CPU ${ratio(2, 1, 'cpu').toFixed(3)}`);
const [p, q] = runners.slice(1).map((run) => new Uint32Array(run().buffer));
console.log(`predictions identical: ${p.length === q.length && p.every((v, i) => v === q[i])}`);
