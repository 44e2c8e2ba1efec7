#!/usr/bin/env node
/**
 * CBM.SCORE's first call after the page loads against a warm call (issue 22, goal first ≤ 1.5 ×
 * warm) for two builds of the Excel add-in, interleaved: each build in a Chromium of its own, page
 * loads alternating between them (old, new, new, old, …), each load timed as excel.mjs times it
 * (scoreRound: the first call and three warm ones on 100,000 rows). On a shared 2-core machine two
 * runs of excel.mjs minutes apart differ more than the builds do; loads in the same minutes do not.
 * Printed per build: the medians of the first and warm calls, their ratio, the median of the
 * per-load ratios, and the add-in's warm-up (if the build has one) as the first call started.
 * Build the old commit's add-in elsewhere first, e.g.
 *
 *   git worktree add /tmp/old <commit> && (cd /tmp/old && npm ci && npm run build)
 *   node test/bench/compare-score-first.mjs /tmp/old/excel-addin/dist excel-addin/dist [loads, default 10]
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { scoreInputs, scoreRound } from './excel.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const [oldDir, newDir, loadsArg] = process.argv.slice(2);
if (!oldDir || !newDir) {
  console.error('usage: node test/bench/compare-score-first.mjs <old excel-addin/dist> <new excel-addin/dist> [page loads per build, default 10]');
  process.exit(2);
}
const loads = Number(loadsArg ?? 10);
const browser = await import(pathToFileURL(path.join(here, '..', 'excel', 'browser.mjs')).href);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const { modelJson, data } = scoreInputs();
const builds = [];
for (const dir of [oldDir, newDir]) builds.push({ dir, session: await browser.openAddinPage('taskpane.html', { dist: path.resolve(dir) }), rounds: [] });
try {
  for (let load = 0; load < loads; load++) {
    for (const b of load % 2 === 0 ? builds : [...builds].reverse()) {
      const r = await scoreRound(b.session.page, modelJson, data, 3);
      b.rounds.push(r);
      console.error(`${b.dir} load ${load + 1}: first ${r.first.toFixed(1)} ms, warm ${r.warm.toFixed(1)} ms (${(r.first / r.warm).toFixed(2)}×)`);
    }
  }
} finally {
  for (const b of builds) await b.session.close();
}
for (const b of builds) {
  const first = median(b.rounds.map((r) => r.first));
  const warm = median(b.rounds.map((r) => r.warm));
  const ratio = median(b.rounds.map((r) => r.first / r.warm));
  const w = b.rounds.map((r) => r.warmUp).filter((u) => u.done !== undefined);
  const warmUp = w.length
    ? `; warm-up over before the first call in ${w.filter((u) => u.done).length}/${w.length} loads, longest task median ${median(w.map((u) => u.longestMs)).toFixed(1)} ms (max ${Math.max(...w.map((u) => u.longestMs)).toFixed(1)}), total median ${median(w.map((u) => u.totalMs)).toFixed(1)} ms`
    : '';
  console.log(
    `${b.dir}: ${loads} loads, first ${first.toFixed(1)} ms, warm ${warm.toFixed(1)} ms, first/warm ${(first / warm).toFixed(2)}× (median per load ${ratio.toFixed(2)}×)${warmUp}`,
  );
}
