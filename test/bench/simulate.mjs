#!/usr/bin/env node
/**
 * Customer-base-management benchmarks (kernel-lib simulate/ and pricing/). Run by
 * `npm run bench` (appended to run.mjs) or alone: `npm run build && node test/bench/simulate.mjs [--quick]`.
 *
 * Data: 10,000 customers, churn probabilities U(0.05, 0.6) and revenues U(1000, 4000) drawn with
 * kernel-lib's seededUniform('bench-cbm').
 * Timed (wall clock, median after warm-up):
 *   simulateRevenue 10,000 customers × 10,000 simulations, one thread        target ≥ 4× numpy
 *   simulateRevenueParallel, same run, on the machine's cores (pool warm)      target ≥ 6× numpy, ≤ 0.2 s
 *   the same simulation in numpy (vectorised, blocks of 500 simulations) in a long-lived process,
 *   its runs interleaved with kernel-lib's (same load on a shared machine): the ratios
 *   churnerDistribution of 10,000 customers                                     target ≤ 0.3 s
 *   optimizePrice, 10,000 customers, revenue objective, maxChurnRate + maxCompetitorGap, no forecast  target ≤ 0.1 s
 *   optimizePrice, 10,000 customers, with a churnersAtLeast (exact tail) constraint (informational)
 * Output: a markdown table on stdout, JSON in out/bench/simulate.json.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const require = createRequire(import.meta.url);
const kernel = require('@cbm-kit/kernel-lib');
const { simulateRevenueParallel, closeWorkers } = require('@cbm-kit/kernel-lib/parallel');

const QUICK = process.argv.includes('--quick');
const RUNS = QUICK ? 3 : 7;
const N = 10_000;
const SIMULATIONS = 10_000;
const TARGETS = { simulate: 0.2, distribution: 0.3, optimize: 0.1 };
/** Issue 22: numpy's median / kernel-lib's median, same run. */
const RATIO_TARGETS = { single: 4, parallel: 6 };
const log = (m) => process.stderr.write(`[bench cbm] ${m}\n`);

const uniform = kernel.seededUniform('bench-cbm');
const p = new Float64Array(N);
const r = new Float64Array(N);
for (let i = 0; i < N; i++) {
  p[i] = 0.05 + 0.55 * uniform();
  r[i] = 1000 + 3000 * uniform();
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const now = () => Number(process.hrtime.bigint()) / 1e9;
async function timeIt(label, fn, runs = RUNS) {
  await fn();
  await fn();
  const times = [];
  let result;
  for (let k = 0; k < runs; k++) {
    const t = now();
    result = await fn();
    times.push(now() - t);
  }
  const m = median(times);
  log(`${label}: median ${(m * 1000).toFixed(1)} ms (min ${(Math.min(...times) * 1000).toFixed(1)}, max ${(Math.max(...times) * 1000).toFixed(1)})`);
  return { medianSeconds: m, runs: times, result };
}

// The numpy peer runs as one long-lived process that times one simulation per request, so its
// runs interleave with kernel-lib's (round k: kernel-lib 1 thread, numpy, kernel-lib parallel)
// and every ratio compares runs taken under the same load on a shared machine.
const NUMPY_CODE = `
import sys, time, json
import numpy as np
n, sims, block = ${N}, ${SIMULATIONS}, 500
data = np.fromfile(sys.argv[1], dtype=np.float64)
p, r = data[:n], data[n:]
def simulate(seed):
    rng = np.random.default_rng(seed)
    totals = np.empty(sims)
    churners = np.empty(sims, dtype=np.int64)
    full = r.sum()
    for start in range(0, sims, block):
        b = min(block, sims - start)
        churn = rng.random((b, n)) < p          # b x n Bernoulli draws
        totals[start:start + b] = full - churn @ r  # revenue lost to churners
        churners[start:start + b] = churn.sum(axis=1)
    return totals, churners
simulate(0)
print(json.dumps({"numpy": np.__version__}), flush=True)
for line in sys.stdin:
    c, t = time.process_time(), time.perf_counter(); totals, churners = simulate(int(line))
    seconds, cpu = time.perf_counter() - t, time.process_time() - c
    print(json.dumps({"seconds": seconds, "cpu": cpu, "mean": float(totals.mean())}), flush=True)
`;

/** Starts the numpy peer; resolves to { version, run(seed) → { seconds, cpu }, close() } or { skipped }. */
async function startNumpyPeer() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbm-bench-np-'));
  const file = path.join(dir, 'pr.f64');
  const both = new Float64Array(2 * N);
  both.set(p, 0);
  both.set(r, N);
  fs.writeFileSync(file, Buffer.from(both.buffer));
  // The peer the issue names: Debian's python3-numpy (/usr/bin/python3), with the OpenBLAS
  // core-type overrides this workplace sets removed for that command alone (they slow numpy).
  const python = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  log(`numpy peer: ${python} -c <the code printed below>`);
  const child = spawn(python, ['-c', NUMPY_CODE, file], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error((stderr || 'numpy peer exited').trim().split('\n').slice(-1)[0]);
    return JSON.parse(value);
  };
  const cleanUp = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    const hello = await next();
    return {
      version: hello.numpy,
      async run(seed) {
        child.stdin.write(`${seed}\n`);
        return next();
      },
      close() {
        child.stdin.end();
        cleanUp();
      },
    };
  } catch (error) {
    child.kill();
    cleanUp();
    return { skipped: error.message };
  }
}

/** One timed call: wall seconds, CPU seconds of the whole process (worker threads included), the result. */
async function once(fn) {
  const cpu = process.cpuUsage();
  const t = now();
  const result = await fn();
  const seconds = now() - t;
  const used = process.cpuUsage(cpu);
  return { seconds, cpu: (used.user + used.system) / 1e6, result };
}

export async function benchSimulate() {
  const loadAtStart = os.loadavg()[0];
  const spec = { churnProbabilities: p, revenues: r, simulations: SIMULATIONS, seed: 7 };
  const workers = os.availableParallelism();
  const runSingle = () => kernel.simulateRevenue(spec);
  const runParallel = () => simulateRevenueParallel(spec, { workers });
  const numpyProcess = await startNumpyPeer();
  if (numpyProcess.skipped) log(`numpy peer skipped: ${numpyProcess.skipped}`);
  // Warm-up (V8's optimiser, the SIMD module, the worker pool), then interleaved rounds.
  for (let k = 0; k < 2; k++) {
    await runSingle();
    await runParallel();
  }
  const times = { single: [], parallel: [], numpy: [] };
  const cpu = { single: [], parallel: [], numpy: [] };
  let single;
  let parallel;
  for (let round = 0; round < RUNS; round++) {
    single = await once(runSingle);
    times.single.push(single.seconds);
    cpu.single.push(single.cpu);
    if (!numpyProcess.skipped) {
      const peer = await numpyProcess.run(round + 1);
      times.numpy.push(peer.seconds);
      cpu.numpy.push(peer.cpu);
    }
    parallel = await once(runParallel);
    times.parallel.push(parallel.seconds);
    cpu.parallel.push(parallel.cpu);
  }
  numpyProcess.close?.();
  const same = parallel.result.totals.every((x, i) => x === single.result.totals[i]);
  if (!same) throw new Error('simulateRevenueParallel differs from simulateRevenue');
  const summary = (label, xs) => {
    const m = median(xs);
    log(`${label}: median ${(m * 1000).toFixed(1)} ms (min ${(Math.min(...xs) * 1000).toFixed(1)}, max ${(Math.max(...xs) * 1000).toFixed(1)})`);
    return { medianSeconds: m, runs: xs };
  };
  const singleTimes = { ...summary('simulateRevenue (1 thread)', times.single), cpuSeconds: median(cpu.single) };
  const parallelTimes = { ...summary(`simulateRevenueParallel (${workers} workers)`, times.parallel), cpuSeconds: median(cpu.parallel) };
  const numpy = numpyProcess.skipped ? { skipped: numpyProcess.skipped } : { ...summary('numpy', times.numpy), cpuSeconds: median(cpu.numpy), version: numpyProcess.version };
  const distribution = await timeIt('churnerDistribution (10,000)', () => kernel.churnerDistribution(p));
  const price = { revenues: r, priceResponse: { logitSlope: 2 }, bounds: [-0.3, 0.3], simulations: 0 };
  const optimize = await timeIt('optimizePrice (10,000; churn rate + competitor gap)', () =>
    kernel.optimizePrice({ ...price, churnProbabilities: p, constraints: { maxChurnRate: 0.3, maxCompetitorGap: { ourPrice: 50, competitorPrice: 49, maxGap: 0.04 } } }),
  );
  const expected = p.reduce((a, b) => a + b, 0);
  const tailCount = Math.round(expected) + 40;
  const optimizeTail = await timeIt(
    `optimizePrice (10,000; P(≥ ${tailCount} churners) ≤ 1 %)`,
    () => kernel.optimizePrice({ ...price, churnProbabilities: p, constraints: { churnersAtLeast: { count: tailCount, maxProbability: 0.01 } } }),
    QUICK ? 1 : 3,
  );
  await closeWorkers();
  const rows = [
    {
      operation: `simulateRevenue ${N.toLocaleString('en')} × ${SIMULATIONS.toLocaleString('en')}, 1 thread`,
      seconds: singleTimes.medianSeconds,
      peer: numpy.skipped ? null : numpy.medianSeconds,
      target: null,
      minimumRatio: RATIO_TARGETS.single,
    },
    {
      operation: `simulateRevenueParallel, ${workers} workers`,
      seconds: parallelTimes.medianSeconds,
      peer: numpy.skipped ? null : numpy.medianSeconds,
      target: TARGETS.simulate,
      minimumRatio: RATIO_TARGETS.parallel,
    },
    { operation: `churnerDistribution ${N.toLocaleString('en')}`, seconds: distribution.medianSeconds, peer: null, target: TARGETS.distribution },
    { operation: 'optimizePrice 10,000 (churn rate + gap, no forecast)', seconds: optimize.medianSeconds, peer: null, target: TARGETS.optimize },
    { operation: `optimizePrice 10,000 (exact tail P(≥ ${tailCount}) ≤ 1 %, no forecast)`, seconds: optimizeTail.medianSeconds, peer: null, target: null },
  ];
  const ms = (s) => (s == null ? '—' : `${(s * 1000).toFixed(1)} ms`);
  for (const row of rows) {
    row.ratio = row.peer ? row.peer / row.seconds : null;
    const checks = [];
    if (row.target) checks.push(row.seconds <= row.target);
    if (row.minimumRatio && row.ratio != null) checks.push(row.ratio >= row.minimumRatio);
    row.met = checks.length ? checks.every(Boolean) : null;
  }
  const targetText = (row) => [row.minimumRatio ? `≥ ${row.minimumRatio}× numpy` : null, row.target ? `≤ ${ms(row.target)}` : null].filter(Boolean).join(', ') || '—';
  const lines = [
    `Customer-base management, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, Node ${process.version}, load average ${loadAtStart.toFixed(2)} → ${os.loadavg()[0].toFixed(2)}; numpy ${numpy.version ?? 'not run'}. simulateRevenue and numpy: medians of ${RUNS} interleaved rounds.`,
    '',
    '| operation | kernel-lib median | numpy median | ratio (numpy / kernel-lib) | target | met? |',
    '|---|---:|---:|---:|---:|:---:|',
    ...rows.map(
      (row) =>
        `| ${row.operation} | ${ms(row.seconds)} | ${ms(row.peer)} | ${row.ratio != null ? `${row.ratio.toFixed(2)}×` : '—'} | ${targetText(row)} | ${row.met == null ? '—' : row.met ? 'yes' : '**no**'} |`,
    ),
    '',
    `CPU time (user + system, every thread of the process; medians): simulateRevenue ${ms(singleTimes.cpuSeconds)}, simulateRevenueParallel ${ms(parallelTimes.cpuSeconds)}, numpy ${ms(numpy.cpuSeconds)}.`,
    '',
    'The numpy code timed (data passed as a float64 file; one `simulate` per request):',
    '```python' + NUMPY_CODE + '```',
  ];
  process.stdout.write(lines.join('\n') + '\n');
  const out = path.join(root, 'out', 'bench', 'simulate.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    out,
    JSON.stringify(
      { rows, simulateRevenue: singleTimes, simulateRevenueParallel: parallelTimes, numpy, generatedAt: new Date().toISOString(), loadAverage: os.loadavg() },
      null,
      2,
    ) + '\n',
  );
  log(`results written to ${path.relative(root, out)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await benchSimulate();
