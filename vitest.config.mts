import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Notebook execution and the 1e-6 reference checks are slow-ish on 2 cores; benchmarks never run here.
    testTimeout: 60_000,
    hookTimeout: 600_000,
  },
});
