import path from 'node:path';
import { defineConfig } from 'vitest/config';

const kernelLibSources = path.resolve(import.meta.dirname, 'kernel-lib', 'src');

// Three projects: `unit` (pure library tests, `npm run test:unit`, quick to iterate on),
// `integration` (whatever needs a build, a server, a browser, R/Python or child processes, or runs
// for tens of seconds, as the forecast backtest's calibration over 24 synthetic bases does) and
// `notebooks` (the suites that read a run of the notebooks: test/setup/notebookRun.ts runs them once
// into out/, before the tests start, and every file of the project reads that one run; its files
// run one at a time, after the others, since two tslab runs over notebooks/ at once disturb each
// other). `npm test` runs all three. A new test
// file is a unit test unless it is listed here.
const NOTEBOOKS = ['test/notebooks.test.ts', 'test/teaching.test.ts'];
const INTEGRATION = [
  'test/excel/**/*.test.ts',
  'test/sql-*.test.ts',
  'test/clickhouse*.test.ts',
  'test/warehouse*.test.ts',
  'test/churn.test.ts',
  'test/fixtures.test.ts',
  'test/entries.test.ts',
  'test/doc-examples.test.ts',
  'test/readme-example.test.ts',
  'test/cbm-examples.test.ts',
  'test/simulate-parallel.test.ts',
  'test/model-schema.test.ts',
  'test/monitor.test.ts',
  'test/render-safety.test.ts',
  'test/docs-commands.test.ts',
  'test/package.test.ts',
  'test/api-docs.test.ts',
  'test/filter.test.ts',
  'test/fit-parallel.test.ts',
  'test/sandwich.test.ts',
  'test/survival.test.ts',
  'test/crosscheck.test.ts',
  'test/fuzz.test.ts',
  'test/sql-weights-offset.test.ts',
  'test/forecast-backtest.test.ts',
];

export default defineConfig({
  // The Excel add-in imports kernel-lib as the package @cbm-kit/kernel-lib; under test it is the
  // sources (as the add-in's build bundles them), so a test and the add-in share one CbmError class.
  resolve: { alias: [{ find: /^@cbm-kit\/kernel-lib(?=\/|$)/, replacement: kernelLibSources }] },
  test: {
    // Notebook execution and the 1e-6 reference checks are slow-ish on 2 cores; benchmarks never run here.
    testTimeout: 60_000,
    hookTimeout: 600_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...INTEGRATION, ...NOTEBOOKS] } },
      { extends: true, test: { name: 'integration', include: INTEGRATION } },
      {
        extends: true,
        test: { name: 'notebooks', include: NOTEBOOKS, globalSetup: ['test/setup/notebookRun.ts'], fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
