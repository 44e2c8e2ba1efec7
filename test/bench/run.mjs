#!/usr/bin/env node
/**
 * cbm-kit benchmark runner (`npm run bench` builds kernel-lib first, then runs this).
 *
 * Data (synthetic.mjs): deterministic, drawn with kernel-lib's seededUniform (alea):
 *   x1 ~ Bernoulli(0.5), x2, x3 ~ U(0,1) (rounded to 9 decimals so that every CSV reader gets
 *   exactly the same doubles), logit P(y=1) = -2 + 3·x1·x3 + 2·x1·x2 + 0.5·x2
 *   (the mechanism of peers/make_synthetic.py; the generator differs, numpy vs alea).
 *   Model: y ~ (x1 + x2 + x3)^2, i.e. 7 coefficients (intercept, 3 variables, 3 pairwise products).
 * The rows are written to a CSV (y,x1,x2,x3) in a temp dir so that every peer fits the very
 * same rows; the CSV is removed at the end (--keep-csv keeps it).
 *
 * Timed (wall clock, median; three warm-up runs; GC forced before every timed run):
 *   kernel-lib fitLogit(columns, formula)        1M rows   target ≤ 0.3 s
 *   kernel-lib model.predict(columns)            1M rows   target ≤ 40 ms
 *   kernel-lib stepwise(columns, formula)        1M rows   target ≤ 2 s (default: AIC, hierarchical)
 *   kernel-lib stepwise(..., {hierarchical:false}) 1M rows (informational)
 *   kernel-lib fitLogit on the first 10k rows vs ml-logistic-regression (speed peer only)
 *   kernel-lib fitLogitParallel (all cores) vs fitLogit vs statsmodels, interleaved round by round
 *     (fitParallel.mjs; goals ≥ 1.7× fitLogit and ≥ 5× statsmodels, ratios of the same rounds)
 * Peers, each only where installed (skipped with a note otherwise), in the same run:
 *   R glm (peers/glm_peer.R: glm.fit on a prebuilt matrix, and the whole glm(formula) call),
 *   statsmodels Logit Newton (peers/statsmodels_peer.py), scikit-learn lbfgs (peers/sklearn_peer.py).
 * Ratios are peer median / kernel-lib median ("× faster"; < 1 means kernel-lib is slower).
 *
 * Output: a markdown table on stdout, progress on stderr, JSON in out/bench/results.json.
 *
 * Options: --rows=N (default 1000000)  --quick (fewer repeats, for trying the runner)
 *          --no-peers  --keep-csv  --out=PATH (JSON path)
 *          --only=SECTIONS  comma-separated, of: fit (this table), predict (fit once, then only
 *          predict against its loop), indb, simulate, monitor, excel; default all but predict
 *          (which the fit section contains).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { benchFitParallel } from './fitParallel.mjs';
import { FORMULA, MECHANISM, NAMES, SEED, TRUE_COEFFICIENTS, handWrittenPredict, synthetic, writeCsv } from './synthetic.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const require = createRequire(import.meta.url);
const kernel = require('@cbm-kit/kernel-lib');

// ---------------------------------------------------------------- options

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const option = (name, fallback) => {
  const hit = argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
};
for (const a of argv) {
  if (!/^--(rows=\d+|quick|no-peers|keep-csv|out=.+|only=[a-z,]+)$/.test(a)) {
    console.error(`bench: unknown argument '${a}'. Options: --rows=N --quick --no-peers --keep-csv --out=PATH --only=fit,predict,indb,simulate,monitor,excel`);
    process.exit(2);
  }
}
const SECTIONS = ['fit', 'predict', 'indb', 'simulate', 'monitor', 'excel'];
const ONLY = option('only', 'fit,indb,simulate,monitor,excel').split(',');
for (const section of ONLY) {
  if (!SECTIONS.includes(section)) {
    console.error(`bench: unknown section '${section}' in --only (sections: ${SECTIONS.join(', ')})`);
    process.exit(2);
  }
}
const runs = (section) => ONLY.includes(section);
const ROWS = Number(option('rows', '1000000'));
const SMALL_ROWS = Math.min(10_000, ROWS);
const QUICK = flag('quick');
const PEERS = !flag('no-peers');
const OUT = path.resolve(root, option('out', 'out/bench/results.json'));
/** Wall-clock budget per kernel-lib operation: the number of timed runs is fitted to it. */
const BUDGET_SECONDS = QUICK ? 4 : 20;
const MAX_RUNS = QUICK ? 3 : 7;
const MIN_RUNS = QUICK ? 1 : 3;
const PEER_REPEATS = { glmFit: QUICK ? 1 : 3, glmFormula: QUICK ? 1 : 3, statsmodels: QUICK ? 1 : 5, sklearn: QUICK ? 1 : 5, mlLogistic: QUICK ? 1 : 3 };
/** ml-logistic-regression: plain full-batch gradient descent, fixed number of steps. */
const ML_STEPS = 1000;
const ML_LEARNING_RATE = 5e-4;
const TARGETS = { fit: 0.3, predict: 0.04, stepwise: 2 };
/** Issue 22: model.predict at most this many times the hand-written fused loop, same run. */
const PREDICT_MAX_SLOWDOWN = 1.3;

const startedAt = process.hrtime.bigint();
const elapsed = () => Number(process.hrtime.bigint() - startedAt) / 1e9;
const log = (message) => process.stderr.write(`[bench ${elapsed().toFixed(1).padStart(6)} s] ${message}\n`);

// A forced GC before each timed run (the peers do the same: gc.collect(), R's gc()).
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const slice = (columns, n) => Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, v.subarray(0, n)]));

// ---------------------------------------------------------------- timing

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

function seconds(fn) {
  gc();
  const t0 = process.hrtime.bigint();
  const result = fn();
  return { time: Number(process.hrtime.bigint() - t0) / 1e9, result };
}

/**
 * Runs `fn` three times untimed (warm-up; the last one's time picks the number of runs within
 * the budget), then `runs` timed runs. Returns the median, all runs and the last result.
 */
function timeIt(label, fn, { budget = BUDGET_SECONDS, maxRuns = MAX_RUNS, minRuns = MIN_RUNS } = {}) {
  // Warm-up until V8 has optimised the code (three calls), so every operation and every floor is
  // timed in steady state; the last warm-up's time picks the number of timed runs.
  seconds(fn);
  seconds(fn);
  const warm = seconds(fn);
  const runs = Math.max(minRuns, Math.min(maxRuns, Math.floor(budget / Math.max(warm.time, 1e-6))));
  log(`${label}: warm-up ${fmtSeconds(warm.time)}, ${runs} timed run${runs === 1 ? '' : 's'}`);
  const times = [];
  let result = warm.result;
  for (let r = 0; r < runs; r++) {
    const t = seconds(fn);
    times.push(t.time);
    result = t.result;
  }
  const m = median(times);
  log(`${label}: median ${fmtSeconds(m)} (min ${fmtSeconds(Math.min(...times))}, max ${fmtSeconds(Math.max(...times))})`);
  return { medianSeconds: m, runs: times, warmupSeconds: warm.time, result };
}

/**
 * Times two operations in alternating rounds (a, b, then b, a, …) after three warm-up calls each,
 * so that both see the same load on a shared machine: medians of each, and the median of the
 * per-round ratios a/b (the figure least moved by load changing between rounds; 15 rounds even
 * with --quick, as one round of predict takes a fifth of a second and five rounds on a loaded
 * machine gave ratios from 1.0 to 1.7 for the same code).
 */
function timeInterleaved(labelA, fnA, labelB, fnB, { rounds = QUICK ? 15 : 31 } = {}) {
  for (let k = 0; k < 3; k++) {
    seconds(fnA);
    seconds(fnB);
  }
  const a = [];
  const b = [];
  let resultA;
  let resultB;
  for (let r = 0; r < rounds; r++) {
    // Each goes first every other round: neither always runs after the other's garbage.
    const first = r % 2 === 0 ? seconds(fnA) : seconds(fnB);
    const second = r % 2 === 0 ? seconds(fnB) : seconds(fnA);
    const [ta, tb] = r % 2 === 0 ? [first, second] : [second, first];
    a.push(ta.time);
    b.push(tb.time);
    resultA = ta.result;
    resultB = tb.result;
  }
  const ratio = median(a.map((t, r) => t / b[r]));
  log(`${labelA}: median ${fmtSeconds(median(a))}; ${labelB}: median ${fmtSeconds(median(b))}; per-round ratio median ${ratio.toFixed(2)} (${rounds} interleaved rounds)`);
  return { a: { medianSeconds: median(a), runs: a, result: resultA }, b: { medianSeconds: median(b), runs: b, result: resultB }, ratio };
}

function fmtSeconds(s) {
  if (s == null || !Number.isFinite(s)) return '—';
  if (s < 1e-3) return `${(s * 1e6).toFixed(0)} µs`;
  if (s < 1) return `${(s * 1e3).toFixed(s < 0.01 ? 2 : s < 0.1 ? 1 : 0)} ms`;
  return `${s.toFixed(2)} s`;
}

// ---------------------------------------------------------------- contention

/**
 * CPU time used by everything else on the machine (Linux /proc/stat minus this process),
 * to tell whether kernel-lib's timings were taken on an otherwise idle machine.
 */
function cpuSnapshot() {
  let busy = null;
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy = all but idle and iowait (USER_HZ = 100).
    busy = (f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] || 0)) / 100;
  } catch {
    busy = null;
  }
  const own = process.cpuUsage();
  return { busy, own: (own.user + own.system) / 1e6, wall: Number(process.hrtime.bigint()) / 1e9 };
}

/** Cores' worth of CPU used by other processes between two snapshots (null off Linux). */
function otherCpu(a, b) {
  if (a.busy == null || b.busy == null) return null;
  return Math.max(0, (b.busy - a.busy - (b.own - a.own)) / (b.wall - a.wall));
}

// ---------------------------------------------------------------- coefficients

function coefficientVector(model) {
  return NAMES.map((name) => model.coefficient(name));
}

/** Max |a−b| and max |a−b|/|b| over the coefficients, and the max difference in kernel-lib standard errors. */
function agreement(ours, theirs, stdErrors) {
  let maxAbs = 0;
  let maxRel = 0;
  let maxSe = 0;
  for (let j = 0; j < ours.length; j++) {
    const d = Math.abs(ours[j] - theirs[j]);
    maxAbs = Math.max(maxAbs, d);
    maxRel = Math.max(maxRel, d / Math.abs(theirs[j]));
    if (stdErrors) maxSe = Math.max(maxSe, d / stdErrors[j]);
  }
  return { maxAbsDiff: maxAbs, maxRelDiff: maxRel, maxDiffInStdErrors: stdErrors ? maxSe : null };
}

// ---------------------------------------------------------------- peers

function peerEnv() {
  const env = { ...process.env };
  // Let the BLAS pick its own kernels (the peers' docs ask for this); no effect without OpenBLAS.
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

function available(command, args) {
  const r = spawnSync(command, args, { stdio: 'ignore', env: peerEnv(), timeout: 60_000 });
  return r.status === 0;
}

/** Runs a peer script; returns its JSON line, or { skipped } with the reason. */
function runPeer(label, command, args) {
  log(`${label}: ${[command, ...args].map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}`);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(command, args, { env: peerEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000, maxBuffer: 16 << 20 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : `exit ${r.status}${r.signal ? ` (${r.signal})` : ''}: ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`;
    log(`${label}: FAILED, ${why}`);
    return { skipped: `failed: ${why}` };
  }
  const line = r.stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (!line) {
    log(`${label}: FAILED, no JSON line on stdout`);
    return { skipped: 'failed: no JSON line on stdout' };
  }
  const json = JSON.parse(line);
  json.processWallSeconds = wall;
  log(`${label}: median ${fmtSeconds(json.medianSeconds)} over ${json.runs.length} run(s), ${json.iterations} iterations (process ${wall.toFixed(1)} s incl. CSV read)`);
  return json;
}

function detectPeers() {
  if (!PEERS) {
    const note = 'not run (--no-peers)';
    return { r: note, statsmodels: note, sklearn: note };
  }
  const py = '/usr/bin/python3';
  const hasPython = fs.existsSync(py);
  return {
    r: available('Rscript', ['-e', 'invisible(binomial())']) ? null : 'Rscript not found',
    statsmodels: hasPython && available(py, ['-c', 'import statsmodels.api, pandas']) ? null : `${py} cannot import statsmodels`,
    sklearn: hasPython && available(py, ['-c', 'import sklearn.linear_model, pandas']) ? null : `${py} cannot import sklearn`,
  };
}

function loadMlLogistic() {
  try {
    const LogisticRegression = require('ml-logistic-regression');
    const { Matrix } = require('ml-matrix');
    const version = require('ml-logistic-regression/package.json').version;
    // The package exports only the one-vs-all wrapper, whose train() on a 0/1 response fits
    // two mirror-image binary models. Its own load() hands out the binary trainer, which is
    // the like-for-like peer of one logistic fit.
    const TwoClasses = LogisticRegression.load({ name: 'LogisticRegression', numberClasses: 1, classifiers: [{ numSteps: 1, learningRate: 1 }] }).classifiers[0].constructor;
    return { TwoClasses, Matrix, version };
  } catch (e) {
    return { skipped: `ml-logistic-regression not installed (${e.message.split('\n')[0]})` };
  }
}

// ---------------------------------------------------------------- main

async function main() {
  if (!runs('fit') && !runs('predict')) return;
  // --only=predict: one untimed fit for the coefficients, then predict against its loop.
  const full = runs('fit');
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    totalMemoryGB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    kernelLib: require('@cbm-kit/kernel-lib/package.json').version,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
  const git = (...args) => {
    const r = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : null;
  };
  const source = { commit: git('rev-parse', '--short', 'HEAD'), kernelLibSrcModified: (git('status', '--porcelain', '--', 'kernel-lib/src') ?? '') !== '' };
  log(`${ROWS.toLocaleString('en')} rows, formula '${FORMULA}', ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}${QUICK ? ', --quick' : ''}`);

  const t = process.hrtime.bigint();
  const data = synthetic(ROWS, SEED);
  let responseRate = 0;
  for (let i = 0; i < ROWS; i++) responseRate += data.y[i];
  responseRate /= ROWS;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbm-bench-'));
  const csv = path.join(dir, 'synthetic.csv');
  if (full) writeCsv(csv, data);
  log(
    `data: generated${full ? ` and written to ${csv} (${(fs.statSync(csv).size / 2 ** 20).toFixed(0)} MiB)` : ''} in ${(Number(process.hrtime.bigint() - t) / 1e9).toFixed(2)} s; response rate ${responseRate.toFixed(4)}`,
  );

  const peersAvailable = full ? detectPeers() : {};
  for (const [k, why] of Object.entries(peersAvailable)) if (why) log(`peer ${k}: skipped (${why})`);

  const results = {
    machine,
    source,
    data: {
      rows: ROWS,
      seed: SEED,
      formula: FORMULA,
      coefficients: NAMES,
      responseRate,
      trueCoefficients: TRUE_COEFFICIENTS,
      generator: 'kernel-lib seededUniform (alea), test/bench/synthetic.mjs',
      mechanism: MECHANISM,
    },
    kernelLib: {},
    peers: {},
    rows: [],
  };
  try {
    // ---- kernel-lib on 1M rows
    const cpuBefore = cpuSnapshot();
    const fit = full ? timeIt('kernel-lib fitLogit', () => kernel.fitLogit(data, FORMULA)) : { result: kernel.fitLogit(data, FORMULA) };
    const model = fit.result;
    if (!model.statistics.converged) throw new Error('kernel-lib fitLogit did not converge');
    const ours = coefficientVector(model);
    results.kernelLib.fitLogit = {
      medianSeconds: fit.medianSeconds,
      runs: fit.runs,
      warmupSeconds: fit.warmupSeconds,
      iterations: model.statistics.iterations,
      coefficients: ours,
      stdErrors: NAMES.map((n) => model.stdErrors[model.names.indexOf(n)]),
      logLikelihood: model.statistics.logLikelihood,
    };
    log(`kernel-lib fitLogit: ${model.statistics.iterations} iterations, coefficients ${ours.map((v) => v.toFixed(4)).join(', ')}`);

    // The floor: one fused loop over the raw columns with the same coefficients, timed in
    // alternation with predict.
    const b = ours;
    const {
      a: predict,
      b: floor,
      ratio: predictSlowdown,
    } = timeInterleaved('kernel-lib predict', () => model.predict(data), 'hand-written JS loop predict', handWrittenPredict(data, b));
    results.kernelLib.predict = { medianSeconds: predict.medianSeconds, runs: predict.runs, slowdownToFloor: predictSlowdown };
    let maxPredictDiff = 0;
    for (let i = 0; i < ROWS; i++) maxPredictDiff = Math.max(maxPredictDiff, Math.abs(predict.result[i] - floor.result[i]));
    results.kernelLib.predictFloor = { medianSeconds: floor.medianSeconds, runs: floor.runs, maxAbsDiffToPredict: maxPredictDiff };
    if (!full) return finish(results, source, machine);

    const step = timeIt('kernel-lib stepwise (AIC, hierarchical)', () => kernel.stepwise(data, FORMULA));
    const stepFree = timeIt('kernel-lib stepwise (AIC, hierarchical: false)', () => kernel.stepwise(data, FORMULA, { hierarchical: false }));
    const stepInfo = (s) => ({
      removed: s.result.steps.slice(1).map((r) => r.removed),
      finalFormula: s.result.model.formula,
      medianSeconds: s.medianSeconds,
      runs: s.runs,
      warmupSeconds: s.warmupSeconds,
    });
    results.kernelLib.stepwise = stepInfo(step);
    results.kernelLib.stepwiseFree = stepInfo(stepFree);
    // Other processes' CPU use while kernel-lib was timed (GC and compiler threads of this process excluded).
    results.kernelLib.otherProcessesCores = otherCpu(cpuBefore, cpuSnapshot());
    if (results.kernelLib.otherProcessesCores != null)
      log(`other processes used ${results.kernelLib.otherProcessesCores.toFixed(2)} of ${machine.cpus} cores while kernel-lib was timed`);
    log(`stepwise: removed ${results.kernelLib.stepwise.removed.join(', ') || 'nothing'} → ${results.kernelLib.stepwise.finalFormula}`);
    log(`stepwise (free): removed ${results.kernelLib.stepwiseFree.removed.join(', ') || 'nothing'} → ${results.kernelLib.stepwiseFree.finalFormula}`);

    // ---- 10k rows: kernel-lib vs ml-logistic-regression
    const small = slice(data, SMALL_ROWS);
    const smallFit = timeIt(`kernel-lib fitLogit ${SMALL_ROWS} rows`, () => kernel.fitLogit(small, FORMULA), { budget: 2, maxRuns: 21 });
    const smallOurs = coefficientVector(smallFit.result);
    results.kernelLib.fitLogitSmall = {
      rows: SMALL_ROWS,
      medianSeconds: smallFit.medianSeconds,
      runs: smallFit.runs,
      iterations: smallFit.result.statistics.iterations,
      coefficients: smallOurs,
    };

    const ml = loadMlLogistic();
    if (ml.skipped) {
      results.peers.mlLogistic = { skipped: ml.skipped };
      log(`peer ml-logistic-regression: skipped (${ml.skipped})`);
    } else {
      const X = new ml.Matrix(SMALL_ROWS, NAMES.length);
      for (let i = 0; i < SMALL_ROWS; i++) {
        const a = small.x1[i];
        const c = small.x2[i];
        const d = small.x3[i];
        [1, a, c, d, a * c, a * d, c * d].forEach((v, j) => X.set(i, j, v));
      }
      const Y = ml.Matrix.columnVector(Array.from(small.y));
      const r = timeIt(
        `ml-logistic-regression ${SMALL_ROWS} rows (${ML_STEPS} GD steps, lr ${ML_LEARNING_RATE})`,
        () => {
          const c = new ml.TwoClasses({ numSteps: ML_STEPS, learningRate: ML_LEARNING_RATE });
          c.train(X, Y);
          return c;
        },
        { budget: 0, maxRuns: PEER_REPEATS.mlLogistic, minRuns: PEER_REPEATS.mlLogistic },
      );
      const theirs = r.result.weights.to1DArray();
      results.peers.mlLogistic = {
        peer: 'ml-logistic-regression',
        version: ml.version,
        rows: SMALL_ROWS,
        numSteps: ML_STEPS,
        learningRate: ML_LEARNING_RATE,
        medianSeconds: r.medianSeconds,
        runs: r.runs,
        coefficients: theirs,
        agreementWithKernelLib: agreement(
          theirs,
          smallOurs,
          NAMES.map((n) => smallFit.result.stdErrors[smallFit.result.names.indexOf(n)]),
        ),
      };
    }

    // ---- peers on the same CSV, run one at a time (nothing else runs meanwhile)
    const peers = path.join(here, 'peers');
    const py = '/usr/bin/python3';
    const peerRuns = [
      ['glmFit', 'r', 'R glm (glm.fit, prebuilt X)', 'Rscript', [path.join(peers, 'glm_peer.R'), csv, String(PEER_REPEATS.glmFit), 'fit']],
      ['glmFormula', 'r', 'R glm (glm(formula), incl. model.matrix)', 'Rscript', [path.join(peers, 'glm_peer.R'), csv, String(PEER_REPEATS.glmFormula), 'formula']],
      ['statsmodels', 'statsmodels', 'statsmodels Logit newton', py, [path.join(peers, 'statsmodels_peer.py'), csv, String(PEER_REPEATS.statsmodels)]],
      ['sklearn', 'sklearn', 'scikit-learn lbfgs', py, [path.join(peers, 'sklearn_peer.py'), csv, String(PEER_REPEATS.sklearn)]],
    ];
    for (const [key, requirement, label, command, args] of peerRuns) {
      const why = peersAvailable[requirement];
      const json = why ? { skipped: why } : runPeer(label, command, args);
      if (!json.skipped) json.agreementWithKernelLib = agreement(ours, json.coefficients, results.kernelLib.fitLogit.stdErrors);
      results.peers[key] = { label, ...json };
    }

    // ---- fitLogitParallel vs fitLogit vs statsmodels, interleaved in the same rounds
    results.kernelLib.fitLogitParallel = await benchFitParallel({
      data,
      formula: FORMULA,
      csv: peersAvailable.statsmodels ? null : csv,
      rounds: QUICK ? 3 : 7,
      gc,
      log,
    });
  } finally {
    if (flag('keep-csv')) log(`CSV kept: ${csv}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
  finish(results, source, machine);
}

/** The table (stdout) and the JSON file; with --only=predict, the predict row alone. */
function finish(results, source, machine) {
  const full = runs('fit');
  const k = results.kernelLib;
  const P = results.peers;
  const table = [];
  /** `maxSlowdown`: a target on kernel-lib / peer (per-round median when given as `slowdown`). */
  const add = (operation, rows, ours, peer, target, note, { maxSlowdown = null, slowdown = null } = {}) => {
    // An interleaved peer brings its own ratio (the median of the rounds' ratios).
    const ratio = peer?.ratio ?? (peer && peer.medianSeconds != null ? peer.medianSeconds / ours : null);
    const checks = [];
    if (target != null) checks.push(ours <= target);
    if (maxSlowdown != null && ratio != null) checks.push((slowdown ?? 1 / ratio) <= maxSlowdown);
    table.push({
      operation,
      rows,
      kernelLibSeconds: ours,
      peer: peer ? (peer.skipped ? `${peer.label ?? peer.peer} — skipped: ${peer.skipped}` : (peer.label ?? peer.peer)) : null,
      peerSeconds: peer && !peer.skipped ? peer.medianSeconds : null,
      ratio,
      targetSeconds: target,
      maxSlowdown,
      met: checks.length ? checks.every(Boolean) : null,
      note: note ?? null,
    });
  };
  if (full) {
    const fitOp = `fitLogit, 7 terms, to convergence (${k.fitLogit.iterations} iterations)`;
    let firstFitRow = true;
    for (const key of ['glmFit', 'glmFormula', 'statsmodels', 'sklearn']) {
      add(fitOp, ROWS, k.fitLogit.medianSeconds, P[key], firstFitRow ? TARGETS.fit : null);
      firstFitRow = false;
    }
  }
  const fp = full ? k.fitLogitParallel : null;
  if (fp) {
    const interleaved = (seconds, ratio) => ({ medianSeconds: seconds, ratio });
    add(
      `fitLogitParallel, ${fp.workers} threads, vs fitLogit in the same rounds (goal ≥ 1.7×; bit-identical: ${fp.identicalToSerial ? 'yes' : 'NO'})`,
      ROWS,
      fp.parallel.medianSeconds,
      { label: 'kernel-lib fitLogit, one thread (interleaved)', ...interleaved(fp.serial.medianSeconds, fp.speedupOverSerial) },
      null,
      'ratio: median of the rounds’ ratios',
    );
    add(
      `fitLogitParallel, ${fp.workers} threads, vs statsmodels in the same rounds (goal ≥ 5×)`,
      ROWS,
      fp.parallel.medianSeconds,
      fp.statsmodels.skipped
        ? { label: 'statsmodels Logit newton', skipped: fp.statsmodels.skipped }
        : { label: 'statsmodels Logit newton (one process, interleaved)', ...interleaved(fp.statsmodels.medianSeconds, fp.speedupOverStatsmodels) },
      null,
      'ratio: median of the rounds’ ratios',
    );
  }
  add(
    'predict (model.predict on raw columns)',
    ROWS,
    k.predict.medianSeconds,
    { label: 'hand-written fused JS loop (the floor), timed in alternation', medianSeconds: k.predictFloor.medianSeconds },
    TARGETS.predict,
    `predict / loop, median of per-round ratios: ${k.predict.slowdownToFloor.toFixed(2)}×`,
    { maxSlowdown: PREDICT_MAX_SLOWDOWN, slowdown: k.predict.slowdownToFloor },
  );
  if (full) addStepwiseRows(add, k, P);
  results.rows = table;
  printTable(results, source, machine, table);
}

function addStepwiseRows(add, k, P) {
  add(`stepwise AIC, hierarchical (default): drops ${k.stepwise.removed.join(', ') || 'nothing'}`, ROWS, k.stepwise.medianSeconds, null, TARGETS.stepwise);
  add(`stepwise AIC, hierarchical: false: drops ${k.stepwiseFree.removed.join(', ') || 'nothing'}`, ROWS, k.stepwiseFree.medianSeconds, null, null, 'informational');
  add(
    `fitLogit, 7 terms (${k.fitLogitSmall.iterations} iterations)`,
    SMALL_ROWS,
    k.fitLogitSmall.medianSeconds,
    P.mlLogistic.skipped ? P.mlLogistic : { label: `ml-logistic-regression ${P.mlLogistic.version} (${ML_STEPS} GD steps, inexact)`, medianSeconds: P.mlLogistic.medianSeconds },
    null,
  );
}

function printTable(results, source, machine, table) {
  const P = results.peers;
  const rowsLabel = (n) => (n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}M` : n >= 1e3 && n % 1e3 === 0 ? `${n / 1e3}k` : String(n));
  const ratioText = (r) => (r == null ? '—' : `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`);
  const lines = [
    `| operation | rows | kernel-lib median | peer | peer median | ratio (peer / kernel-lib) | target | met? |`,
    `|---|---:|---:|---|---:|---:|---:|:---:|`,
    ...table.map((r) => {
      const target =
        [r.targetSeconds == null ? null : `≤ ${fmtSeconds(r.targetSeconds)}`, r.maxSlowdown == null ? null : `≤ ${r.maxSlowdown}× the peer`].filter(Boolean).join(', ') || '—';
      const operation = r.note ? `${r.operation} (${r.note})` : r.operation;
      return `| ${operation} | ${rowsLabel(r.rows)} | ${fmtSeconds(r.kernelLibSeconds)} | ${r.peer ?? '—'} | ${fmtSeconds(r.peerSeconds)} | ${ratioText(r.ratio)} | ${target} | ${r.met == null ? '—' : r.met ? 'yes' : '**no**'} |`;
    }),
  ];
  const agreementLines = [];
  for (const key of ['glmFit', 'glmFormula', 'statsmodels', 'sklearn', 'mlLogistic']) {
    const p = P[key];
    if (!p || p.skipped || !p.agreementWithKernelLib) continue;
    const a = p.agreementWithKernelLib;
    agreementLines.push(
      `- ${p.label ?? p.peer}${p.version ? ` ${p.version}` : ''}${p.rows ? ` (${rowsLabel(p.rows)} rows)` : ''}: max relative coefficient difference ${a.maxRelDiff.toExponential(1)}, max absolute ${a.maxAbsDiff.toExponential(1)} (${a.maxDiffInStdErrors.toExponential(1)} standard errors)${p.iterations != null ? `; ${p.iterations} iterations` : ''}`,
    );
  }
  const totalSeconds = elapsed();
  results.totalSeconds = totalSeconds;
  machine.loadAverageAtEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);
  results.generatedAt = new Date().toISOString();

  const others = results.kernelLib.otherProcessesCores;
  const busyNote =
    others == null
      ? ''
      : others > 0.1
        ? ` WARNING: other processes used ${others.toFixed(2)} of ${machine.cpus} cores while kernel-lib was timed; rerun on an idle machine before quoting these figures.`
        : ` The machine was otherwise idle while kernel-lib was timed (other processes: ${others.toFixed(2)} cores).`;
  const out = [
    `kernel-lib ${machine.kernelLib} (commit ${source.commit ?? '?'}${source.kernelLibSrcModified ? ' + uncommitted changes in kernel-lib/src' : ''}) benchmark, ${results.generatedAt.slice(0, 16).replace('T', ' ')} UTC, ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, load average ${machine.loadAverageAtStart[0]} → ${machine.loadAverageAtEnd[0]}; ${ROWS.toLocaleString('en')} synthetic rows, '${FORMULA}'. Medians of timed runs after three warm-up runs; ratio > 1 means kernel-lib is faster.`,
    '',
    ...lines,
    ...(agreementLines.length ? ['', 'Coefficients against kernel-lib (same rows):', ...agreementLines] : []),
    '',
    `Total runtime ${totalSeconds.toFixed(1)} s.${busyNote}`,
  ];
  process.stdout.write(out.join('\n') + '\n');

  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(results, null, 2) + '\n');
  log(`results written to ${path.relative(root, OUT)}`);
}

// One line naming the run for every section below (each section's own header adds its details).
process.stdout.write(
  `cbm-kit benchmark run, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}, load average ${os.loadavg()[0].toFixed(2)}; sections: ${ONLY.join(', ')}. Every ratio compares runs from this run.\n\n`,
);
await main();

// ---------------------------------------------------------------- in-database (indb.mjs)
// scoringSQL and fitLogitInDatabase on DuckDB (10M rows) and PostgreSQL (1M rows); CBM_BENCH_INDB=0 skips.
if (runs('indb')) await (await import('./indb.mjs')).runInDatabaseBench({ quick: QUICK, log });
// ---------------------------------------------------------------- customer-base management
// simulateRevenue (1 thread and worker threads) vs numpy, churnerDistribution, optimizePrice;
// runnable alone: node test/bench/simulate.mjs [--quick].
if (runs('simulate')) {
  const { benchSimulate } = await import('./simulate.mjs');
  await benchSimulate();
}
// Issue 12: warehouse load + profile vs DuckDB read_csv, churnModelTable in SQL vs JS, ksTest 1M vs 1M (test/bench/monitor.mjs).
if (runs('monitor')) await (await import('./monitor.mjs')).runMonitorBench({ rows: ROWS, quick: QUICK, log });

// Excel add-in in headless Chromium (issue 13): SCORE, SIMREVENUE and the bundle size, after the table above.
if (runs('excel')) {
  const excel = await import('./excel.mjs');
  const result = await excel.benchExcelAddin({ quick: QUICK });
  process.stdout.write(excel.excelBenchMarkdown(result));
}
