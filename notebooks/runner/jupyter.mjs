// Jupyter backend: real `jupyter nbconvert --to notebook --execute` on the
// tslab kernel, registered in a project-local prefix (.jupyter-kernel/).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, fromGuardedIndex, withGuardCells } from './nbjson.mjs';

export const KERNEL_PREFIX = path.join(REPO_ROOT, '.jupyter-kernel');
export const JUPYTER_DATA_DIR = path.join(KERNEL_PREFIX, 'share', 'jupyter');
export const APT_HINT = 'apt-get install -y jupyter-nbconvert jupyter-client python3-ipykernel';
const PROGRESS_CONFIG = path.join(REPO_ROOT, 'notebooks', 'runner', 'nbconvert_progress.py');

/**
 * The jupyter executable to use: $JUPYTER if set (only that one; JUPYTER=none
 * simulates a machine without Jupyter), else Debian's /usr/bin/jupyter, else
 * `jupyter` on PATH.
 */
function jupyterCandidates() {
  if (process.env.JUPYTER) return [process.env.JUPYTER];
  const c = [];
  // Prefer the system Python's Jupyter: a pyenv/venv python earlier on PATH may lack nbconvert.
  if (fs.existsSync('/usr/bin/jupyter')) c.push('/usr/bin/jupyter');
  c.push('jupyter');
  return [...new Set(c)];
}

let detected;
/** Returns { jupyter, nbconvertVersion } or null when nbconvert is not installed. */
export function detectJupyter() {
  if (detected !== undefined) return detected;
  detected = null;
  for (const exe of jupyterCandidates()) {
    const r = spawnSync(exe, ['nbconvert', '--version'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) {
      detected = { jupyter: exe, nbconvertVersion: r.stdout.trim() };
      break;
    }
  }
  return detected;
}

/**
 * Writes the tslab kernelspec into .jupyter-kernel/ (what
 * `tslab install --prefix=.jupyter-kernel --binary=...` writes, but with the
 * absolute node binary so the kernel does not depend on PATH).
 * Idempotent; the file is machine-local and git-ignored.
 */
export function ensureKernelSpec() {
  const tslabBin = path.join(REPO_ROOT, 'node_modules', 'tslab', 'bin', 'tslab');
  if (!fs.existsSync(tslabBin)) throw new Error(`tslab is not installed (${tslabBin} missing): run npm ci`);
  const dir = path.join(JUPYTER_DATA_DIR, 'kernels', 'tslab');
  const spec = {
    argv: [process.execPath, tslabBin, 'kernel', '--config-path', '{connection_file}'],
    display_name: 'TypeScript',
    language: 'typescript',
  };
  const file = path.join(dir, 'kernel.json');
  const text = JSON.stringify(spec, null, 1) + '\n';
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, text);
  }
  return file;
}

/** Environment for Jupyter processes: finds the project-local kernelspec. */
export function jupyterEnv(extra = {}) {
  const jp = [JUPYTER_DATA_DIR, process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter);
  return { ...process.env, JUPYTER_PATH: jp, PYDEVD_DISABLE_FILE_VALIDATION: '1', ...extra };
}

/** True when `jupyter kernelspec list` sees the tslab kernel. */
export function kernelAvailable() {
  const j = detectJupyter();
  if (!j) return false;
  ensureKernelSpec();
  const r = spawnSync(j.jupyter, ['kernelspec', 'list', '--json'], { encoding: 'utf8', env: jupyterEnv(), timeout: 60_000 });
  if (r.status !== 0) return false;
  try {
    return Boolean(JSON.parse(r.stdout).kernelspecs?.tslab);
  } catch {
    return false;
  }
}

/** Running nbconvert processes (aborted on SIGINT/SIGTERM by notebooks/run.mjs). */
const active = new Set();

const delay = (ms) => new Promise((r) => setTimeout(r, ms).unref());

/**
 * Stops every running nbconvert: SIGINT first (nbclient then shuts its kernel
 * down), SIGKILL after `graceMs`; waits until each run has cleaned up (no
 * kernel left, temp dir removed).
 */
export async function abortJupyter(graceMs = 5000) {
  await Promise.all(
    [...active].map(async ({ child, exited, finished }) => {
      child.kill('SIGINT');
      if ((await Promise.race([exited.then(() => 'exited'), delay(graceMs)])) !== 'exited') child.kill('SIGKILL');
      await finished;
    }),
  );
}

/**
 * Pids of kernels started with a connection file in `dir` (Linux /proc; [] elsewhere).
 * A kernel outlives an nbconvert that is killed before the kernel is shut down.
 */
function kernelsUsing(dir) {
  let pids = [];
  try {
    pids = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return [];
  }
  return pids.map(Number).filter((pid) => {
    try {
      return fs
        .readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        .split('\0')
        .some((a) => a.startsWith(dir + path.sep));
    } catch {
      return false;
    }
  });
}

/**
 * Executes one notebook through `jupyter nbconvert --execute`, with the
 * runner's guard cells added (the notebook goes in on stdin, so the kernel's
 * cwd is nbconvert's, set to the notebook's directory, i.e. notebooks/).
 * Results are keyed by the notebook's own cell indices and hold only cells
 * that reported an execution.
 *
 * @returns {Promise<{ ok, results: Map<number, object[]>, languageInfo, failedCell?, escaped?, errorText? }>}
 *   escaped: true when the failure is an error that escaped every cell (unawaited rejection, throwing timer)
 */
export async function executeWithJupyter(file, { env = {}, onCell = () => {}, timeoutSec = 600 } = {}) {
  const j = detectJupyter();
  if (!j) throw new Error(`Jupyter nbconvert not found. Install it with: ${APT_HINT}`);
  ensureKernelSpec();
  const source = JSON.parse(fs.readFileSync(file, 'utf8'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cbm-nb-'));
  const base = path.basename(file, '.ipynb');
  const args = [
    'nbconvert',
    '--to',
    'notebook',
    '--execute',
    `--config=${PROGRESS_CONFIG}`,
    '--ExecutePreprocessor.kernel_name=tslab',
    // nbclient takes whole seconds; the in-process backend rounds the same way.
    `--ExecutePreprocessor.timeout=${Math.ceil(timeoutSec)}`,
    '--ExecutePreprocessor.startup_timeout=120',
    // In our temp dir: the kernel's command line names it, so a kernel left behind can be found.
    `--KernelManager.connection_file=${path.join(tmp, 'kernel.json')}`,
    '--output-dir',
    tmp,
    '--output',
    base,
    '--stdin',
  ];
  const child = spawn(j.jupyter, args, {
    cwd: path.dirname(file),
    env: jupyterEnv({ NODE_NO_WARNINGS: '1', ...env }),
    stdio: ['pipe', 'pipe', 'pipe'],
    // Own process group: a terminal's Ctrl-C reaches only the runner, which stops nbconvert once (abortJupyter).
    detached: true,
  });
  let markFinished;
  const exited = new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  const closed = new Promise((resolve) => child.on('close', resolve));
  const entry = { child, exited, finished: new Promise((r) => (markFinished = r)) };
  active.add(entry);
  child.stdin.on('error', () => {}); // nbconvert died before reading: reported below from its exit code
  child.stdin.end(JSON.stringify(withGuardCells(source)));
  const log = [];
  const executedOk = new Set();
  let failed = null;
  let running = null;
  let buf = '';
  child.stdout.on('data', (d) => log.push(String(d)));
  child.stderr.on('data', (d) => {
    buf += String(d);
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.startsWith('@@cbm-cell ')) {
        log.push(line + '\n');
        continue;
      }
      const ev = JSON.parse(line.slice('@@cbm-cell '.length));
      const where = fromGuardedIndex(source, ev.index);
      if (ev.event === 'start') {
        running = where;
        continue;
      }
      running = null;
      if (ev.status !== 'ok' && !failed) failed = { ...where, outputs: ev.outputs };
      if (where.cell == null) continue;
      if (ev.status === 'ok') executedOk.add(where.cell);
      onCell({ index: where.cell, status: ev.status, ms: ev.ms });
    }
  });
  const outFile = path.join(tmp, `${base}.ipynb`);
  try {
    const code = await exited;
    // A kernel left behind (nbconvert killed while starting it) holds nbconvert's stdout/stderr open.
    if ((await Promise.race([closed.then(() => 'closed'), delay(2000)])) !== 'closed') {
      for (const pid of kernelsUsing(tmp)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone meanwhile */
        }
      }
      if ((await Promise.race([closed.then(() => 'closed'), delay(2000)])) !== 'closed') {
        child.stdout.destroy();
        child.stderr.destroy();
      }
    }
    if (buf) log.push(buf);
    if (failed) {
      const errorText = stderrOf(failed.outputs) || '(no output)';
      if (failed.guard === 'end') return { ok: false, results: new Map(), languageInfo: null, escaped: true, errorText };
      if (failed.guard) return { ok: false, results: new Map(), languageInfo: null, errorText: `runner guard cell failed:\n${errorText}` };
      return { ok: false, results: new Map(), languageInfo: null, failedCell: failed.cell, errorText };
    }
    if (code !== 0) {
      const errorText = log.join('').trim().split('\n').slice(-40).join('\n');
      return { ok: false, results: new Map(), languageInfo: null, failedCell: running?.cell, errorText };
    }
    const executed = JSON.parse(fs.readFileSync(outFile, 'utf8'));
    const results = new Map();
    executed.cells.forEach((c, i) => {
      const where = fromGuardedIndex(source, i);
      // Final outputs (nbclient applies display updates made by later cells), for cells that really ran.
      if (where.cell != null && executedOk.has(where.cell)) results.set(where.cell, c.outputs ?? []);
    });
    return { ok: true, results, languageInfo: executed.metadata?.language_info ?? null };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    active.delete(entry);
    markFinished();
  }
}

function stderrOf(outputs = []) {
  return outputs
    .map((o) => {
      if (o.output_type === 'stream') return (Array.isArray(o.text) ? o.text.join('') : o.text) ?? '';
      if (o.output_type === 'error') return `${o.ename}: ${o.evalue}\n${(o.traceback ?? []).join('\n')}`;
      return '';
    })
    .join('')
    .trim();
}
