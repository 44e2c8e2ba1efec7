#!/usr/bin/env node
/**
 * fitLogitParallel (the parallel entry: the Newton sums on worker threads) against fitLogit on
 * one thread and statsmodels' Newton, on the main benchmark's rows and formula. The three run
 * interleaved, round by round in rotating order (statsmodels in one long-lived Python process,
 * `statsmodels_peer.py data.csv serve`, timing its own fit), so all see the same machine load;
 * the ratios are medians of each round's ratios. Goals (issue 22): ≥ 1.7× the serial fit and
 * ≥ 5× statsmodels. The parallel model must equal the serial one bit for bit.
 *
 * Run by run.mjs in its fit section, or alone:
 *   npm run build && node test/bench/fitParallel.mjs [--rows=N] [--quick] [--workers=N]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const kernel = require('@cbm-kit/kernel-lib');
const { fitLogitParallel } = require('@cbm-kit/kernel-lib/parallel');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const now = () => Number(process.hrtime.bigint()) / 1e9;

/** statsmodels in a long-lived process: `fit()` runs one timed fit there and resolves with its seconds. */
function statsmodelsServer(csv) {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const child = spawn('/usr/bin/python3', [path.join(here, 'peers', 'statsmodels_peer.py'), csv, 'serve'], { env, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    async fit() {
      child.stdin.write('fit\n');
      const next = await lines.next();
      if (next.done) throw new Error('statsmodels_peer.py serve stopped');
      return JSON.parse(next.value);
    },
    close() {
      child.stdin.end();
    },
  };
}

/**
 * The interleaved comparison. `csv` holds the same rows for statsmodels (null: without it);
 * `gc` forces a collection before each kernel-lib run, as the peers do.
 */
export async function benchFitParallel({ data, formula, csv, workers = os.availableParallelism(), rounds = 7, gc, log = () => undefined }) {
  const runners = {
    serial: async () => kernel.fitLogit(data, formula),
    parallel: () => fitLogitParallel(data, formula, { workers }),
  };
  const server = csv ? statsmodelsServer(csv) : null;
  try {
    if (server) runners.statsmodels = () => server.fit();
    const names = Object.keys(runners);
    const timed = async (name) => {
      if (name === 'statsmodels') {
        const reply = await runners.statsmodels();
        return { seconds: reply.seconds, result: reply };
      }
      gc();
      const t0 = now();
      const result = await runners[name]();
      return { seconds: now() - t0, result };
    };
    // Warm-up: V8 optimises the kernels, the pool starts its threads, Python imports and reads.
    for (let k = 0; k < 2; k++) for (const name of names) await timed(name);
    const times = Object.fromEntries(names.map((n) => [n, []]));
    const last = {};
    for (let round = 0; round < rounds; round++) {
      const order = names.map((_, j) => names[(j + round) % names.length]);
      for (const name of order) {
        const { seconds, result } = await timed(name);
        times[name].push(seconds);
        last[name] = result;
      }
    }
    const ratios = (peer) => median(times[peer].map((t, r) => t / times.parallel[r]));
    const serial = last.serial;
    const parallel = last.parallel;
    const identical = serial.coefficients.every((v, j) => Object.is(v, parallel.coefficients[j])) && serial.statistics.logLikelihood === parallel.statistics.logLikelihood;
    const result = {
      workers,
      rounds,
      iterations: parallel.statistics.iterations,
      identicalToSerial: identical,
      parallel: { medianSeconds: median(times.parallel), runs: times.parallel },
      serial: { medianSeconds: median(times.serial), runs: times.serial },
      statsmodels: server ? { medianSeconds: median(times.statsmodels), runs: times.statsmodels, iterations: last.statsmodels.iterations } : { skipped: 'no CSV given' },
      speedupOverSerial: ratios('serial'),
      speedupOverStatsmodels: server ? ratios('statsmodels') : null,
    };
    log(
      `fitLogitParallel (${workers} workers): median ${(result.parallel.medianSeconds * 1e3).toFixed(0)} ms, serial ${(result.serial.medianSeconds * 1e3).toFixed(0)} ms` +
        `${server ? `, statsmodels ${(result.statsmodels.medianSeconds * 1e3).toFixed(0)} ms` : ''}; per-round ratios: ${result.speedupOverSerial.toFixed(2)}× serial` +
        `${server ? `, ${result.speedupOverStatsmodels.toFixed(2)}× statsmodels` : ''}; identical to fitLogit: ${identical}`,
    );
    if (!identical) throw new Error('fitLogitParallel differs from fitLogit');
    return result;
  } finally {
    server?.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const option = (name, fallback) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
  const { FORMULA, SEED, synthetic, writeCsv } = await import('./synthetic.mjs');
  const rows = Number(option('rows', '1000000'));
  const data = synthetic(rows, SEED);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbm-bench-fit-'));
  const csv = path.join(dir, 'synthetic.csv');
  writeCsv(csv, data);
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  try {
    const result = await benchFitParallel({
      data,
      formula: FORMULA,
      csv,
      workers: Number(option('workers', String(os.availableParallelism()))),
      rounds: argv.includes('--quick') ? 3 : 7,
      gc,
      log: (m) => process.stderr.write(`[bench fit] ${m}\n`),
    });
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
