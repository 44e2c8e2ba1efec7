/**
 * One notebook run per test run, shared by every test that reads its outputs (notebooks.test.ts,
 * teaching.test.ts): the `notebooks` project's globalSetup (vitest.config.mts). It runs what
 * `npm start` runs, into out/, once, before those tests start, and hands them the result through
 * `inject('notebookRun')`. A run that fails is handed over too (the tests report it with the
 * runner's output), so one broken notebook fails tests rather than the whole test run.
 *
 * Set CBM_NOTEBOOK_TEST_REUSE=1 to check an existing out/ without re-running (the runner's printed
 * output is then unknown: `output` says so and `reused` is true).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { kernelAvailable } from '../../notebooks/runner/jupyter.mjs';
import { REPO_ROOT } from '../../notebooks/runner/nbjson.mjs';

export interface NotebookRun {
  /** The runner's exit code. */
  code: number;
  /** What it printed (stdout and stderr, interleaved). */
  output: string;
  /** The backend out/run-summary.json records, or null when the run wrote none. */
  backend: string | null;
  /** True when an existing out/ was checked instead (CBM_NOTEBOOK_TEST_REUSE). */
  reused: boolean;
}

declare module 'vitest' {
  export interface ProvidedContext {
    notebookRun: NotebookRun;
  }
}

const OUT = path.join(REPO_ROOT, 'out');
const SUMMARY = path.join(OUT, 'run-summary.json');

function recordedBackend(): string | null {
  try {
    return JSON.parse(fs.readFileSync(SUMMARY, 'utf8')).backend;
  } catch {
    return null; // no summary: the run failed
  }
}

/** `node notebooks/run.mjs` as `npm start` runs it, through Jupyter where it is installed. */
function runNotebooks(): Promise<NotebookRun> {
  // A hung cell fails after 2 minutes rather than the default 10.
  const args = [path.join(REPO_ROOT, 'notebooks', 'run.mjs'), `--backend=${kernelAvailable() ? 'jupyter' : 'inprocess'}`, '--timeout=120'];
  // `npm test` has just built kernel-lib; a bare `vitest` run builds it here.
  if (process.env.npm_lifecycle_event === 'test') args.push('--no-build');
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1), output, backend: recordedBackend(), reused: false })),
  );
}

export default async function setup(project: TestProject): Promise<void> {
  const run =
    process.env.CBM_NOTEBOOK_TEST_REUSE && fs.existsSync(SUMMARY) ? { code: 0, output: '(reused existing out/)', backend: recordedBackend(), reused: true } : await runNotebooks();
  project.provide('notebookRun', run);
}
