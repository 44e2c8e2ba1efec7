/**
 * simulateRevenueParallel (worker threads, the `parallel` entry) gives exactly simulateRevenue's
 * numbers whatever the worker count. Imports the built package: worker threads run compiled JS.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const kernel = require('../kernel-lib/dist/index.js');
const parallel = require('../kernel-lib/dist/parallel.js');

describe('simulateRevenueParallel', () => {
  afterAll(() => parallel.closeWorkers());
  const n = 200;
  const spec = {
    churnProbabilities: Array.from({ length: n }, (_, i) => ((i * 37) % 100) / 100),
    revenues: Array.from({ length: n }, (_, i) => 100 + ((i * 53) % 900)),
    simulations: 20_000,
    seed: 'workers',
  };
  const reference = kernel.simulateRevenue(spec);

  it('is identical across 1, 2 and 3 workers, with and without kept draws', async () => {
    for (const workers of [1, 2, 3]) {
      const result = await parallel.simulateRevenueParallel(spec, { workers, minDrawsPerWorker: 0 });
      expect(result.totals).toEqual(reference.totals);
      expect(result.churners).toEqual(reference.churners);
      expect(result.summary).toEqual(reference.summary);
    }
    const streamed = kernel.simulateRevenue({ ...spec, keepDraws: false }).summary;
    for (const workers of [2, 3]) {
      const result = await parallel.simulateRevenueParallel({ ...spec, keepDraws: false }, { workers, minDrawsPerWorker: 0 });
      expect(result.summary).toEqual(streamed);
      expect(result.summary.probabilityBelow(streamed.quantiles.p50)).toBe(streamed.probabilityBelow(streamed.quantiles.p50));
    }
  });

  it('splits anywhere (counts no SIMD pass or 4,096-simulation chunk divides, up to 7 workers) and still gives the serial numbers', async () => {
    // 4,099 on 7 workers puts whole ranges inside one chunk; 12,290 on 3 cuts two chunks.
    for (const simulations of [8, 9, 1003, 4099, 12_290]) {
      const odd = { ...spec, simulations, seed: simulations };
      const serial = kernel.simulateRevenue(odd);
      const streamed = kernel.simulateRevenue({ ...odd, keepDraws: false }).summary;
      for (const workers of [2, 3, 7]) {
        const result = await parallel.simulateRevenueParallel(odd, { workers, minDrawsPerWorker: 0 });
        expect(result.totals).toEqual(serial.totals);
        expect(result.churners).toEqual(serial.churners);
        expect(result.summary).toEqual(serial.summary);
        const summary = (await parallel.simulateRevenueParallel({ ...odd, keepDraws: false }, { workers, minDrawsPerWorker: 0 })).summary;
        expect(summary).toEqual(streamed);
        expect(Object.is(summary.mean, streamed.mean) && Object.is(summary.sd, streamed.sd)).toBe(true);
      }
    }
  });

  it('concurrent calls each resolve with the serial numbers (issue 18 finding 7)', async () => {
    const seeds = ['a', 'b', 'c'];
    const serial = seeds.map((seed) => kernel.simulateRevenue({ ...spec, seed }));
    const streamedSerial = seeds.map((seed) => kernel.simulateRevenue({ ...spec, seed, keepDraws: false }).summary);
    const concurrent = await Promise.all([
      ...seeds.map((seed) => parallel.simulateRevenueParallel({ ...spec, seed }, { workers: 2, minDrawsPerWorker: 0 })),
      ...seeds.map((seed) => parallel.simulateRevenueParallel({ ...spec, seed, keepDraws: false }, { workers: 3, minDrawsPerWorker: 0 })),
    ]);
    seeds.forEach((_, k) => {
      expect(concurrent[k].totals).toEqual(serial[k].totals);
      expect(concurrent[k].churners).toEqual(serial[k].churners);
      expect(concurrent[k].summary).toEqual(serial[k].summary);
      expect(concurrent[seeds.length + k].summary).toEqual(streamedSerial[k]);
    });
  });

  it('a queued call keeps the process alive until it resolves (a plain node process with nothing else pending)', () => {
    // The pool's threads must not keep an idle process alive, but must while any call is queued on
    // them: here two calls share both threads, and the process has nothing else to wait for.
    const script = `
      const parallel = require(${JSON.stringify(path.resolve(__dirname, '../kernel-lib/dist/parallel.js'))});
      const n = 500;
      const spec = { churnProbabilities: Array.from({ length: n }, (_, i) => ((i * 37) % 100) / 100), revenues: Array.from({ length: n }, (_, i) => 100 + i), simulations: 40000 };
      const resolved = [];
      for (const seed of [1, 2, 3]) parallel.simulateRevenueParallel({ ...spec, seed }, { workers: 2, minDrawsPerWorker: 0 }).then((r) => resolved.push([seed, r.summary.mean]));
      process.on('exit', () => console.log(JSON.stringify(resolved.sort((a, b) => a[0] - b[0]))));
    `;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(0);
    const resolved = JSON.parse(run.stdout.trim());
    expect(resolved.map((r: [number, number]) => r[0])).toEqual([1, 2, 3]);
    // And each resolved with the serial kernel's numbers.
    const n = 500;
    for (const [seed, mean] of resolved as [number, number][]) {
      const serial = kernel.simulateRevenue({
        churnProbabilities: Array.from({ length: n }, (_, i) => ((i * 37) % 100) / 100),
        revenues: Array.from({ length: n }, (_, i) => 100 + i),
        simulations: 40000,
        seed,
      });
      expect(mean).toBe(serial.summary.mean);
    }
  });

  it('closeWorkers rejects the calls still running with a CbmError, and the pool starts afresh after', async () => {
    const long = parallel.simulateRevenueParallel({ ...spec, simulations: 400_000, keepDraws: false }, { workers: 2, minDrawsPerWorker: 0 });
    const outcome = long.then(
      () => 'resolved',
      (error: Error) => error,
    );
    await parallel.closeWorkers();
    const error = await outcome;
    expect(error).toBeInstanceOf(kernel.CbmError);
    expect((error as Error).message).toMatch(/^simulateRevenueParallel: a worker thread stopped/);
    const again = await parallel.simulateRevenueParallel(spec, { workers: 2, minDrawsPerWorker: 0 });
    expect(again.totals).toEqual(reference.totals);
  });

  it('checks its input at the door like simulateRevenue', async () => {
    await expect(parallel.simulateRevenueParallel({ ...spec, revenues: [1] })).rejects.toThrow(/^simulateRevenueParallel: revenues has 1 values/);
    await expect(parallel.simulateRevenueParallel(spec, { workers: 0 })).rejects.toThrow(/workers must be a whole number/);
    await expect(parallel.simulateRevenueParallel(spec, { threads: 2 })).rejects.toThrow(/unknown option 'threads'/);
  });
});
