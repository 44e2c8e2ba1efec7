import path from 'node:path';
import { defineConfig } from 'vitest/config';

const kernelLibSources = path.resolve(import.meta.dirname, 'kernel-lib', 'src');

export default defineConfig({
  // The Excel add-in imports kernel-lib as the package @cbm-kit/kernel-lib; under test it is the
  // sources (as the add-in's build bundles them), so a test and the add-in share one CbmError class.
  resolve: { alias: [{ find: /^@cbm-kit\/kernel-lib(?=\/|$)/, replacement: kernelLibSources }] },
  test: {
    include: ['test/**/*.test.ts'],
    // Notebook execution and the 1e-6 reference checks are slow-ish on 2 cores; benchmarks never run here.
    testTimeout: 60_000,
    hookTimeout: 600_000,
  },
});
