/**
 * simulateRevenueParallel (worker threads, the `parallel` entry) gives exactly simulateRevenue's
 * numbers whatever the worker count. Imports the built package: worker threads run compiled JS.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';

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

  it('checks its input at the door like simulateRevenue', async () => {
    await expect(parallel.simulateRevenueParallel({ ...spec, revenues: [1] })).rejects.toThrow(/^simulateRevenueParallel: revenues has 1 values/);
    await expect(parallel.simulateRevenueParallel(spec, { workers: 0 })).rejects.toThrow(/workers must be a whole number/);
    await expect(parallel.simulateRevenueParallel(spec, { threads: 2 })).rejects.toThrow(/unknown option 'threads'/);
  });
});
