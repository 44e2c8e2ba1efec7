#!/usr/bin/env node
// `npm start`: build kernel-lib, execute every notebooks/*.ipynb (sorted) on
// the tslab kernel and write out/:
//   out/notebooks/<name>.ipynb   executed, normalised notebooks
//   out/report/index.html        static report (+ one page per notebook)
//   out/run-summary.json         what ran (backend, notebooks, artifacts, key figures)
//   out/...                      files the notebooks write themselves; key figures for the
//                                report's summary page in out/summary/<notebook>.json
// It ends by listing every file written (size, rows) and the key figures.
//
// Usage: node notebooks/run.mjs [options] [notebook-name-prefix ...]
//   --update            also write the executed notebooks back into notebooks/
//   --backend=B         auto (default) | jupyter | inprocess   (env CBM_NOTEBOOK_BACKEND)
//   --no-build          skip `npm run build` (kernel-lib)
//   --out=DIR           output directory (default <repo>/out; cells see it as $CBM_OUT_DIR)
//   --timeout=SEC       per-cell timeout, a positive number of seconds, rounded up (default 600)
//   --notebooks=DIR     run the notebooks of DIR instead of notebooks/ (used by the tests)
//
// Cells run with cwd = notebooks/ (as in Jupyter), TZ=UTC, LC_ALL=C.UTF-8,
// NODE_NO_WARNINGS=1. Every code cell runs (nbclient's skip-execution tag is
// ignored). A run fails on a cell that throws, on error output (uncaught
// exceptions, unhandled rejections, TypeScript diagnostics of module cells),
// and on an error that escapes every cell (an unawaited rejected promise, a
// throwing timer): hidden guard cells around each notebook catch those.
// SIGINT/SIGTERM stop the kernels and remove the runner's temp files.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { abortInProcess, executeInProcess } from './runner/inprocess.mjs';
import { APT_HINT, abortJupyter, detectJupyter, executeWithJupyter } from './runner/jupyter.mjs';
import {
  ESCAPED_HEADER,
  REPO_ROOT,
  NOTEBOOKS_DIR,
  assembleNotebook,
  findErrorOutputs,
  isExecutable,
  listNotebooks,
  notebookName,
  readNotebook,
  serialiseNotebook,
  writeNotebook,
} from './runner/nbjson.mjs';
import { listArtifacts, readSummaries, runListing, writeReport } from './runner/report.mjs';

export class NotebookError extends Error {}

/** The per-cell timeout in whole seconds; throws NotebookError unless `value` is a finite positive number. */
export function checkTimeout(value) {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) {
    throw new NotebookError(`--timeout must be a positive number of seconds (got ${JSON.stringify(String(value))})`);
  }
  return Math.ceil(n);
}

export function parseArgs(argv) {
  const opts = {
    update: false,
    backend: process.env.CBM_NOTEBOOK_BACKEND || 'auto',
    build: true,
    outDir: path.join(REPO_ROOT, 'out'),
    timeoutSec: 600,
    notebooksDir: NOTEBOOKS_DIR,
    filters: [],
  };
  for (const a of argv) {
    if (a === '--update') opts.update = true;
    else if (a === '--no-build') opts.build = false;
    else if (a.startsWith('--backend=')) opts.backend = a.slice('--backend='.length);
    else if (a.startsWith('--out=')) opts.outDir = path.resolve(a.slice('--out='.length));
    else if (a.startsWith('--timeout=')) opts.timeoutSec = checkTimeout(a.slice('--timeout='.length));
    else if (a.startsWith('--notebooks=')) opts.notebooksDir = path.resolve(a.slice('--notebooks='.length));
    else if (a === '--help' || a === '-h') opts.help = true;
    else if (a.startsWith('-')) throw new NotebookError(`unknown option ${a}`);
    else opts.filters.push(a);
  }
  if (!['auto', 'jupyter', 'inprocess'].includes(opts.backend)) throw new NotebookError(`unknown backend ${opts.backend}`);
  return opts;
}

function buildKernelLib(log) {
  log('building kernel-lib (npm run build) ...');
  const t0 = performance.now();
  const npmCli = process.env.npm_execpath;
  const [cmd, args] = npmCli && /\.(c?js)$/.test(npmCli) ? [process.execPath, [npmCli, 'run', 'build']] : ['npm', ['run', 'build']];
  const r = spawnSync(cmd, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) {
    throw new NotebookError(`kernel-lib build failed (npm run build):\n${(r.stdout + r.stderr).trim()}`);
  }
  log(`built kernel-lib (${Math.round(performance.now() - t0)} ms)`);
}

export function chooseBackend(requested, log = () => {}) {
  if (requested === 'inprocess') return 'inprocess';
  const j = detectJupyter();
  if (j) return 'jupyter';
  if (requested === 'jupyter') {
    throw new NotebookError(`Jupyter nbconvert not found (backend=jupyter requested). Install it with:\n  ${APT_HINT}`);
  }
  log(`Jupyter not found: running cells in-process through tslab's executor. For real Jupyter: ${APT_HINT}`);
  return 'inprocess';
}

function safeToClean(outDir) {
  if (!fs.existsSync(outDir)) return false;
  const rel = path.relative(REPO_ROOT, outDir);
  if (outDir === path.join(REPO_ROOT, 'out')) return true;
  if (rel === '' || !rel || path.resolve(outDir) === path.parse(outDir).root) return false;
  return fs.existsSync(path.join(outDir, 'run-summary.json')) || fs.readdirSync(outDir).length === 0;
}

/**
 * Runs the notebooks. Throws NotebookError on failure (message says which cell and why).
 * @returns the run summary (also written to <outDir>/run-summary.json)
 */
export async function runNotebooks(options = {}) {
  const opts = { ...parseArgs([]), ...options };
  const log = opts.log ?? ((s) => process.stdout.write(s + '\n'));
  const timeoutSec = checkTimeout(opts.timeoutSec);
  const notebooksDir = path.resolve(opts.notebooksDir);
  const tStart = performance.now();
  if (opts.build) buildKernelLib(log);
  const backend = chooseBackend(opts.backend, log);
  const files = listNotebooks(notebooksDir, opts.filters);
  if (files.length === 0) throw new NotebookError(`no notebooks found in ${path.relative(REPO_ROOT, notebooksDir) || '.'}/`);
  const fullRun = opts.filters.length === 0;
  if (fullRun && safeToClean(opts.outDir)) fs.rmSync(opts.outDir, { recursive: true, force: true });
  fs.mkdirSync(opts.outDir, { recursive: true });
  log(`backend: ${backend === 'jupyter' ? `jupyter nbconvert ${detectJupyter().nbconvertVersion} + tslab kernel` : 'in-process tslab executor'}`);

  const env = {
    CBM_OUT_DIR: opts.outDir,
    TZ: 'UTC',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    FORCE_COLOR: '0',
    NO_COLOR: '1',
    // Node's warnings ("(node:1234) Warning: ...") carry a pid and differ between machines.
    NODE_NO_WARNINGS: '1',
  };
  const executed = [];
  for (const file of files) {
    const name = notebookName(file);
    const source = readNotebook(file);
    const codeIdx = [];
    source.cells.forEach((c, i) => isExecutable(c) && codeIdx.push(i));
    log(`[${name}] ${codeIdx.length} code cells`);
    const t0 = performance.now();
    const onCell = (ev) => {
      const n = codeIdx.indexOf(ev.index) + 1;
      log(`[${name}] cell ${n}/${codeIdx.length} ${ev.status} (${ev.ms} ms)`);
    };
    const exec = backend === 'jupyter' ? executeWithJupyter : executeInProcess;
    const res = await exec(file, { env, onCell, timeoutSec });
    if (res.stray?.trim()) {
      log(`[${name}] warning: output written after its cell had finished (dropped, as Jupyter does):\n${indent(res.stray.trim())}`);
    }
    if (!res.ok && res.escaped) {
      // The guard's own report (tslab's "UnhandledPromiseRejection:" lines printed meanwhile repeat it).
      const at = res.errorText.search(new RegExp(`^\\d+ ${ESCAPED_HEADER.replace(/[()]/g, '\\$&')}`, 'm'));
      const report = at >= 0 ? res.errorText.slice(at) : res.errorText;
      throw new NotebookError(
        `[${name}] an error escaped every cell: an unawaited rejected promise, or a timer or callback that threw ` +
          `after its cell had finished. The Jupyter kernel reports such a cell as successful and drops the error; ` +
          `await the promise (or .catch it) and handle errors inside callbacks.\n` +
          `--- error(s) ---\n${indent(report)}`,
      );
    }
    if (!res.ok) {
      const where = res.failedCell != null ? `cell ${codeIdx.indexOf(res.failedCell) + 1}/${codeIdx.length} (notebook cell index ${res.failedCell})` : 'execution';
      const src = res.failedCell != null ? [source.cells[res.failedCell].source].flat().join('') : '';
      throw new NotebookError(`[${name}] ${where} failed\n` + (src ? `--- cell source ---\n${indent(src.trimEnd())}\n` : '') + `--- error ---\n${indent(res.errorText)}`);
    }
    // Every executable code cell must have run (a skipped cell would keep stale outputs).
    const notRun = codeIdx.filter((i) => !res.results.has(i));
    if (notRun.length) {
      throw new NotebookError(
        `[${name}] ${notRun.length} code cell(s) reported no execution: ` +
          notRun.map((i) => `cell ${codeIdx.indexOf(i) + 1}/${codeIdx.length} (notebook cell index ${i})`).join(', '),
      );
    }
    const nb = assembleNotebook(source, name, res.results, res.languageInfo);
    const errs = findErrorOutputs(nb);
    if (errs.length) {
      const i = errs[0].cell;
      throw new NotebookError(`[${name}] error output in cell ${codeIdx.indexOf(i) + 1}/${codeIdx.length} (notebook cell index ${i}):\n${indent(errs[0].text.trim())}`);
    }
    writeNotebook(path.join(opts.outDir, 'notebooks', `${name}.ipynb`), nb);
    if (opts.update) {
      const text = serialiseNotebook(nb);
      if (fs.readFileSync(file, 'utf8') !== text) {
        fs.writeFileSync(file, text);
        log(`[${name}] updated ${path.relative(REPO_ROOT, file)}`);
      } else {
        log(`[${name}] ${path.relative(REPO_ROOT, file)} already up to date`);
      }
    }
    log(`[${name}] done (${Math.round(performance.now() - t0)} ms)`);
    executed.push({ name, codeCells: codeIdx.length });
  }

  // Report: every notebook of notebooks/ that has an executed copy (a partial run keeps earlier ones).
  const entries = listNotebooks(notebooksDir)
    .map((f) => notebookName(f))
    .filter((n) => fs.existsSync(path.join(opts.outDir, 'notebooks', `${n}.ipynb`)))
    .map((n) => ({ name: n, nb: readNotebook(path.join(opts.outDir, 'notebooks', `${n}.ipynb`)) }));
  const index = writeReport(opts.outDir, entries);
  const summary = {
    backend,
    notebooks: executed,
    report: path.relative(opts.outDir, index).split(path.sep).join('/'),
    artifacts: listArtifacts(opts.outDir),
    keyFigures: readSummaries(opts.outDir).map((s) => ({ title: s.title, figures: s.figures.map((f) => ({ label: f.label, value: f.value })) })),
  };
  fs.writeFileSync(path.join(opts.outDir, 'run-summary.json'), JSON.stringify(summary, null, 2) + '\n');
  for (const line of runListing(opts.outDir)) log(line);
  log(`report: ${path.relative(process.cwd(), index) || index} (opens on the summary page)`);
  log(`${executed.length} notebook(s) ok in ${((performance.now() - tStart) / 1000).toFixed(1)} s`);
  return summary;
}

function indent(s) {
  return String(s)
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

function isMainModule() {
  if (!process.argv[1]) return false;
  try {
    // Through a symlinked checkout argv[1] is the link path; import.meta.url is the real path.
    return fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/** SIGINT/SIGTERM: stop nbconvert (and so its kernel) and in-process children, remove temp dirs, exit 128 + signal. */
let aborting = null;
function onSignal(signal) {
  const code = 128 + (os.constants.signals[signal] ?? 1);
  if (aborting) process.exit(code); // a second signal: do not wait any longer
  process.stderr.write(`\n${signal}: stopping the notebook processes ...\n`);
  aborting = Promise.allSettled([abortJupyter(), abortInProcess()]).finally(() => process.exit(code));
}

if (isMainModule()) {
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(String(e.message));
    process.exit(2);
  }
  if (opts.help) {
    const lines = fs
      .readFileSync(fileURLToPath(import.meta.url), 'utf8')
      .split('\n')
      .slice(1);
    const head = lines.slice(
      0,
      lines.findIndex((l) => !l.startsWith('//')),
    );
    console.log(head.map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
    process.exit(0);
  }
  runNotebooks(opts).then(
    () => aborting || process.exit(0),
    (e) => {
      if (aborting) return; // the signal handler exits once the children are gone
      console.error(e instanceof NotebookError ? `\nFAILED: ${e.message}` : e);
      process.exit(1);
    },
  );
}
