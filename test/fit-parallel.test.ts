/**
 * fitLogitParallel (the `parallel` entry, worker threads) gives fitLogit's model bit for bit –
 * coefficients, covariance, log-likelihood, iterations, errors – whatever the number of workers,
 * because both sum the Newton step over the same fixed blocks of rows and add the blocks in the
 * same order. Against R: Spector & Mazzeo (test/fixtures/spector-logit.json, R 4.2.2 glm at tight
 * convergence) with every row repeated k times, whose maximum-likelihood estimates are R's, whose
 * standard errors are R's divided by √k and whose log-likelihood is k times R's (the likelihood of
 * k copies is the k-th power); with an aliased column, R's glm on wa_churn (aliased_reference.R,
 * the NA in the same place, the rest to 1e-6 with SEs divided by √k). Imports the built package: worker threads run compiled JS.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCsv, relativeDifference } from './helpers/csv';

const require = createRequire(import.meta.url);
const kernel = require('../kernel-lib/dist/index.js');
const parallel = require('../kernel-lib/dist/parallel.js');

const WORKERS = [1, 2, 3];

/** Everything a model reports, as exact bits (Object.is per number). */
function expectSameModel(ours: any, serial: any): void {
  expect(ours.names).toEqual(serial.names);
  const same = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).every((v, j) => Object.is(v, b[j]));
  expect(same(ours.coefficients, serial.coefficients)).toBe(true);
  expect(same(ours.covariance, serial.covariance)).toBe(true);
  expect(ours.statistics).toEqual(serial.statistics);
  expect(Object.is(ours.statistics.logLikelihood, serial.statistics.logLikelihood)).toBe(true);
  expect(ours.warnings).toEqual(serial.warnings);
  expect(ours.aliased).toEqual(serial.aliased);
}

/** The error of a call, to compare with fitLogit's (the message names the function called). */
async function failure(call: () => unknown): Promise<{ name: string; code: string; message: string; details: unknown }> {
  try {
    await call();
  } catch (e: any) {
    return { name: e.name, code: e.code, message: e.message.replace(/^fitLogitParallel\b/, 'fitLogit'), details: e.details };
  }
  throw new Error('expected the call to fail');
}

/** 300,000 rows, logit P(y = 1) = −1 + 0.8·x1 + 1.5·x2 − 2·x1·x2 + 0.3·g, drawn with kernel-lib's seeded alea. */
function synthetic(n: number) {
  const uniform = kernel.seededUniform('fit-parallel');
  const x1 = new Float64Array(n);
  const x2 = new Float64Array(n);
  const g = new Array<string>(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x1[i] = uniform() < 0.4 ? 1 : 0;
    x2[i] = uniform() * 3;
    g[i] = ['north', 'south', 'east'][Math.floor(uniform() * 3)];
    const eta = -1 + 0.8 * x1[i] + 1.5 * x2[i] - 2 * x1[i] * x2[i] + (g[i] === 'east' ? 0.3 : 0);
    y[i] = uniform() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
  }
  return { y, x1, x2, g };
}

/** `columns` predictors U(−½, ½) on 70,001 rows (2 blocks), y drawn from logit 2·x0 with kernel-lib's seeded alea. */
function wideDesign(columns: number, seed: string) {
  const uniform = kernel.seededUniform(seed);
  const names = Array.from({ length: columns }, (_, j) => `x${j}`);
  const wide: Record<string, Float64Array> = {};
  for (const name of names) wide[name] = Float64Array.from({ length: 70_001 }, () => uniform() - 0.5);
  wide.y = Float64Array.from(wide.x0, (v) => (uniform() < 1 / (1 + Math.exp(-2 * v)) ? 1 : 0));
  return { wide, wideFormula: `y ~ ${names.join(' + ')}` };
}

/** Shared buffers of 300,000 numbers (a column of `data`) made during `work`, counted by a constructor proxy (which keeps instanceof). */
const buffersMadeBy = async (work: () => Promise<unknown>) => {
  const Original = globalThis.SharedArrayBuffer;
  let made = 0;
  globalThis.SharedArrayBuffer = new Proxy(Original, {
    construct(target, args: [number]) {
      if (args[0] === 300_000 * 8) made++;
      return Reflect.construct(target, args);
    },
  });
  try {
    await work();
  } finally {
    globalThis.SharedArrayBuffer = Original;
  }
  return made;
};

describe('fitLogitParallel', () => {
  afterAll(() => parallel.closeWorkers());
  const data = synthetic(300_000);
  const formula = 'y ~ x1 * x2 + g';
  const serial = kernel.fitLogit(data, formula);

  it('is bit-identical to fitLogit on 300,000 rows (5 blocks) with 1, 2 and 3 workers', async () => {
    expect(serial.statistics.converged).toBe(true);
    const before = [data.y, data.x1, data.x2].map((column) => column.slice());
    const levels = data.g.join();
    for (const workers of WORKERS) expectSameModel(await parallel.fitLogitParallel(data, formula, { workers }), serial);
    // The default (the machine's parallelism) too, and the columns are not changed.
    expectSameModel(await parallel.fitLogitParallel(data, formula), serial);
    expect([data.y, data.x1, data.x2].every((column, k) => column.every((v, i) => v === before[k][i]))).toBe(true);
    expect(data.g.join()).toBe(levels);
  });

  it('is bit-identical with a start, a preparation and conditioned columns (a large offset)', async () => {
    const shifted = { ...data, x2: data.x2.map((v) => 1e6 + v) };
    const options = { start: { x1: 0.5 }, prepare: { encode: { g: { north: 0, south: 1, east: 2 } } } };
    const reference = kernel.fitLogit(shifted, 'y ~ x1 + x2 + g', options);
    for (const workers of [2, 3]) expectSameModel(await parallel.fitLogitParallel(shifted, 'y ~ x1 + x2 + g', { ...options, workers }), reference);
  });

  it("agrees with R's glm on Spector & Mazzeo, alone (one block) and with every row 8,192 times (4 blocks on the workers)", async () => {
    const fixtures = join(__dirname, 'fixtures');
    const rows = readCsv(join(fixtures, 'spector.csv'));
    const r = JSON.parse(readFileSync(join(fixtures, 'spector-logit.json'), 'utf8')).r_glm.tight_control;
    const spectorFormula = 'GRADE ~ GPA + TUCE + PSI';
    for (const k of [1, 8192]) {
      const repeated = Array.from({ length: k }, () => rows).flat();
      const reference = kernel.fitLogit(repeated, spectorFormula);
      for (const workers of WORKERS) {
        const model = await parallel.fitLogitParallel(repeated, spectorFormula, { workers });
        expectSameModel(model, reference);
        for (const name of Object.keys(r.coefficients)) {
          expect(relativeDifference(model.coefficient(name), r.coefficients[name])).toBeLessThan(1e-6);
          expect(relativeDifference(model.stdErrors[model.names.indexOf(name)], r.std_errors[name] / Math.sqrt(k))).toBeLessThan(1e-6);
        }
        expect(relativeDifference(model.statistics.logLikelihood, k * r.logLik)).toBeLessThan(1e-6);
      }
    }
  });

  it("an aliased column is NaN at the same place, the rest bit for bit (wa_churn 20 times, 3 blocks; R's glm: aliased_reference.R)", async () => {
    // 'No internet service' is the same customers in internet_service and online_security: glm gives NA.
    const fixtures = join(__dirname, 'fixtures');
    const r = JSON.parse(readFileSync(join(fixtures, 'aliased-reference.json'), 'utf8')).glm_churn;
    const k = 20;
    const rows = Array.from({ length: k }, () => readCsv(join(fixtures, 'wa_churn.csv'))).flat();
    const formula = r.formula.replace(/^churned ~/, 'churn ~');
    const reference = kernel.fitLogit(rows, formula, { event: 'Yes' });
    expect(reference.aliased).toEqual(r.aliased);
    for (const workers of [2, 3]) {
      const model = await parallel.fitLogitParallel(rows, formula, { event: 'Yes', workers });
      expectSameModel(model, reference);
      expect(model.names).toEqual(r.coefficient_names);
      r.coefficients.forEach((b: number | null, j: number) => {
        if (b === null) {
          expect(model.coefficients[j], r.coefficient_names[j]).toBeNaN();
          expect(model.stdErrors[j], r.coefficient_names[j]).toBeNaN();
        } else {
          expect(Math.abs(model.coefficients[j] - b), r.coefficient_names[j]).toBeLessThan(1e-6 * Math.max(1, Math.abs(b)));
          expect(relativeDifference(model.stdErrors[j], r.std_errors[j] / Math.sqrt(k)), r.coefficient_names[j]).toBeLessThan(1e-6);
        }
      });
    }
  });

  it('fails with fitLogit’s CbmErrors: perfect separation, NOT_CONVERGED, bad options', async () => {
    // y = 1 exactly when x > 0, on 140,000 rows (3 blocks): SEPARATION naming x.
    const n = 140_000;
    const x = Float64Array.from({ length: n }, (_, i) => i - n / 2 + 0.5);
    const separated = { x, y: x.map((v) => (v > 0 ? 1 : 0)) };
    const expected = await failure(() => kernel.fitLogit(separated, 'y ~ x'));
    expect(expected.code).toBe('SEPARATION');
    for (const workers of [2, 3]) expect(await failure(() => parallel.fitLogitParallel(separated, 'y ~ x', { workers }))).toEqual(expected);

    const notConverged = await failure(() => kernel.fitLogit(data, formula, { maxIterations: 1 }));
    expect(notConverged.code).toBe('NOT_CONVERGED');
    for (const workers of [2, 3]) expect(await failure(() => parallel.fitLogitParallel(data, formula, { maxIterations: 1, workers }))).toEqual(notConverged);

    // After na: 'omit' dropped row 0, the infinite value is named at row 3 of the data as given (row 2 of the complete rows), as fitLogit names it.
    const infinite = { y: [1, 0, 1, 0, 1, 0, 1, 0], x: [NaN, 1, 2, Infinity, 4, 5, 6, 7] };
    const infiniteSerial = await failure(() => kernel.fitLogit(infinite, 'y ~ x'));
    expect(infiniteSerial).toMatchObject({ code: 'NON_FINITE', details: { column: 'x', row: 3 } });
    expect(infiniteSerial.message).toMatch(/infinite value \(Infinity\) in row 3;/);
    for (const workers of [1, 2]) expect(await failure(() => parallel.fitLogitParallel(infinite, 'y ~ x', { workers }))).toEqual(infiniteSerial);

    const badWorkers = await failure(() => parallel.fitLogitParallel(data, formula, { workers: 0 }));
    expect(badWorkers).toMatchObject({ name: 'CbmError', code: 'BAD_INPUT' });
    expect(badWorkers.message).toMatch(/workers must be a whole number from 1 to 64/);
    // A count read from the environment is text: the message must show it as text ("got 2" reads as a valid count; failure() writes fitLogit for fitLogitParallel).
    const textWorkers = await failure(() => parallel.fitLogitParallel(data, formula, { workers: '2' }));
    expect(textWorkers.message).toBe('fitLogit: workers must be a whole number from 1 to 64, got "2"');
    const unknown = await failure(() => parallel.fitLogitParallel(data, formula, { threads: 2 }));
    expect(unknown).toMatchObject({ name: 'CbmError', code: 'BAD_INPUT' });
    expect(unknown.message).toMatch(/unknown option 'threads'/);
  });

  it('columns in shared memory already (views past their buffer’s start, read by the threads as they are) and number[] columns: fitLogit to the bit, on exactly 2 blocks, fitted concurrently', async () => {
    // A column in shared memory goes to the threads as it is, not copied: a view sent without its
    // byteOffset would have them sum other rows. number[] columns are made numbers, then copied.
    const n = 2 * 65_536;
    const { y, x1, x2, g } = synthetic(n);
    const inShared = (column: Float64Array) => {
      const view = new Float64Array(new SharedArrayBuffer((n + 5) * 8), 24, n);
      view.set(column);
      return view;
    };
    const shared = { y: inShared(y), x1: inShared(x1), x2: inShared(x2), g };
    const plain = { y: Array.from(y), x1: Array.from(x1), x2: Array.from(x2), g };
    const reference = kernel.fitLogit({ y, x1, x2, g }, formula);
    expect(reference.statistics.converged).toBe(true);
    const fits = await Promise.all([2, 3].flatMap((workers) => [parallel.fitLogitParallel(shared, formula, { workers }), parallel.fitLogitParallel(plain, formula, { workers })]));
    for (const model of fits) expectSameModel(model, reference);
  });

  it('an interaction column that is conditioned (a·b with a ≈ 100, b ≈ 50: centred) is fitLogit to the bit, with 1 to 3 workers and on one block, and again after a fit of the same size', async () => {
    // The conditioning moments are taken about each column's first value; a product column's
    // first value must be the product's, not what its buffer held before it was filled (zero, or
    // the last fit's numbers in a reused buffer).
    const interaction = (n: number, first: number) => {
      const uniform = kernel.seededUniform(`interaction-${n}-${first}`);
      const a = Float64Array.from({ length: n }, () => 100 + uniform());
      const b = Float64Array.from({ length: n }, () => 50 + uniform());
      a[0] = first;
      const y = a.map((v, i) => (uniform() < 1 / (1 + Math.exp(-(0.3 * (v - 100.5) - 0.2 * (b[i] - 50.5)))) ? 1 : 0));
      return { y, a, b };
    };
    const small = interaction(1_000, 100.5);
    expectSameModel(await parallel.fitLogitParallel(small, 'y ~ a:b', { workers: 2 }), kernel.fitLogit(small, 'y ~ a:b'));
    const large = interaction(150_000, 100.5);
    const reference = kernel.fitLogit(large, 'y ~ a:b');
    expect(reference.statistics.converged).toBe(true);
    for (const workers of [1, 2, 3]) expectSameModel(await parallel.fitLogitParallel(large, 'y ~ a:b', { workers }), reference);
    // Another fit of the same size leaves its product's numbers in the buffers the next one reuses.
    await parallel.fitLogitParallel(interaction(150_000, 1e4), 'y ~ a:b', { workers: 2 });
    expectSameModel(await parallel.fitLogitParallel(large, 'y ~ a:b', { workers: 2 }), reference);
  });

  it('concurrent calls sharing the pool both resolve, each to its own fitLogit', async () => {
    const other = { ...data, y: data.y.map((v, i) => (i % 7 === 0 ? 1 - v : v)) };
    const otherSerial = kernel.fitLogit(other, formula);
    const [a, b] = await Promise.all([parallel.fitLogitParallel(data, formula, { workers: 2 }), parallel.fitLogitParallel(other, formula, { workers: 3 })]);
    expectSameModel(a, serial);
    expectSameModel(b, otherSerial);
  });

  it('two concurrent fits of different sizes, then a fit of each size again: each is its fitLogit (the kept shared buffers are all of one size)', async () => {
    // Both fits hand their shared columns back when done; a later fit must never be given a kept
    // buffer of the other size (it silently fitted other numbers: 1.29 for an intercept of 0.27).
    const half = { y: data.y.subarray(0, 150_001), x1: data.x1.subarray(0, 150_001), x2: data.x2.subarray(0, 150_001), g: data.g.slice(0, 150_001) };
    const halfSerial = kernel.fitLogit(half, formula);
    const [a, b] = await Promise.all([parallel.fitLogitParallel(half, formula, { workers: 2 }), parallel.fitLogitParallel(data, formula, { workers: 2 })]);
    expectSameModel(a, halfSerial);
    expectSameModel(b, serial);
    for (let round = 0; round < 2; round++) {
      expectSameModel(await parallel.fitLogitParallel(half, formula, { workers: 2 }), halfSerial);
      expectSameModel(await parallel.fitLogitParallel(data, formula, { workers: 2 }), serial);
    }
  });

  it('a fit on the calling thread alone (workers: 1) leaves the kept buffers: the next fit of the same size makes none', async () => {
    await parallel.fitLogitParallel(data, formula, { workers: 2 });
    expectSameModel(await parallel.fitLogitParallel(data, formula, { workers: 1 }), serial);
    expect(await buffersMadeBy(() => parallel.fitLogitParallel(data, formula, { workers: 2 }))).toBe(0);
  });

  it("where the SIMD kernel's memory cannot grow to the design (an engine limit on WebAssembly memory), the threads sum on the scalar loop: fitLogit to the bit, not a RangeError", async () => {
    // 24 columns need 24 + 4 chunks of 2,048 doubles, 448 KB, in each thread's kernel; V8 is held
    // to 4 pages (256 KB) per memory, process-wide (the pool's threads too), for this fit only.
    const { wide, wideFormula } = wideDesign(24, 'simd-memory');
    const reference = kernel.fitLogit(wide, wideFormula);
    const v8 = await import('node:v8');
    v8.setFlagsFromString('--wasm-max-mem-pages=4');
    try {
      expectSameModel(await parallel.fitLogitParallel(wide, wideFormula, { workers: 2 }), reference);
    } finally {
      v8.setFlagsFromString('--wasm-max-mem-pages=4294967295');
    }
  });

  it("closeWorkers frees the calling thread's SIMD kernel too: (p + 4) chunks of 2,048 doubles after a fit of p columns, none after", async () => {
    const simd = require('../kernel-lib/dist/model/newtonSimd.js');
    const { wide, wideFormula } = wideDesign(40, 'simd-release');
    await parallel.fitLogitParallel(wide, wideFormula, { workers: 2 });
    expect(simd.newtonSimdBytes()).toBeGreaterThanOrEqual((41 + 4) * 2048 * 8);
    await parallel.closeWorkers();
    expect(simd.newtonSimdBytes()).toBe(0);
  });

  it('closeWorkers during a fit rejects it with a CbmError (it never settled: its last tasks went to stopped threads), and the next fit is fitLogit again', async () => {
    await parallel.closeWorkers();
    const fromScratch = await buffersMadeBy(() => parallel.fitLogitParallel(data, formula, { workers: 3 }));
    expect(fromScratch).toBeGreaterThan(0);
    const running = parallel.fitLogitParallel(data, formula, { workers: 3 });
    const outcome = running.then(
      () => 'resolved',
      (error: Error) => error,
    );
    await parallel.closeWorkers();
    // A fit that never settles would leave this test to vitest's timeout; 20 s is far beyond a 300,000-row fit.
    const settled = await Promise.race([outcome, new Promise((resolve) => setTimeout(() => resolve('unsettled'), 20_000).unref())]);
    expect(settled).toBeInstanceOf(kernel.CbmError);
    expect((settled as Error).message).toMatch(/^fitLogitParallel: a worker thread stopped/);
    // closeWorkers() frees the kept column buffers, the interrupted fit's too: the next fit makes all of its own.
    const afterClose = await buffersMadeBy(async () => expectSameModel(await parallel.fitLogitParallel(data, formula, { workers: 3 }), serial));
    expect(afterClose).toBe(fromScratch);
  }, 60_000);
});

describe('WorkerPool, the threads of the parallel entry', () => {
  it('a thread that dies of an uncaught exception rejects its tasks with a CbmError naming the function, and the pool starts a fresh thread', async () => {
    // A stand-in worker script: the pooled scripts catch their own errors, so only an exception
    // they cannot catch (a worker out of memory, say) reaches the pool's 'error' event.
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const script = join(mkdtempSync(join(tmpdir(), 'cbm-pool-')), 'worker.js');
    writeFileSync(
      script,
      "require('node:worker_threads').parentPort.on('message', (t) => { if (t.kind === 'crash') throw new Error('boom'); require('node:worker_threads').parentPort.postMessage({ id: t.id }); });",
    );
    const { WorkerPool } = require('../kernel-lib/dist/workerPool.js');
    const pool = new WorkerPool(script, 'somePublicFunction');
    try {
      const [thread] = pool.take(1);
      const crashed = await pool.run(thread, { kind: 'crash' }).then(
        () => 'resolved',
        (error: Error) => error,
      );
      expect(crashed).toBeInstanceOf(kernel.CbmError);
      expect((crashed as Error).message).toBe('somePublicFunction: a worker thread failed: boom');
      const [fresh] = pool.take(1);
      expect(fresh).not.toBe(thread);
      await expect(pool.run(fresh, { kind: 'ok' })).resolves.toMatchObject({});
    } finally {
      await pool.close();
    }
  });
});
