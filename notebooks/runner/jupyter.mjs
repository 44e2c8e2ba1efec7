// Jupyter backend: real `jupyter nbconvert --to notebook --execute` on the
// tslab kernel, registered in a project-local prefix (.jupyter-kernel/).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './nbjson.mjs';

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

/**
 * Executes one notebook through `jupyter nbconvert --execute`.
 * The kernel's cwd is the notebook's directory (nbconvert's default), i.e. notebooks/.
 *
 * @returns {Promise<{ ok, results: Map<number, object[]>, languageInfo, failedCell?, errorText? }>}
 */
export async function executeWithJupyter(file, { env = {}, onCell = () => {}, timeoutSec = 600 } = {}) {
  const j = detectJupyter();
  if (!j) throw new Error(`Jupyter nbconvert not found. Install it with: ${APT_HINT}`);
  ensureKernelSpec();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cbm-nb-'));
  const base = path.basename(file, '.ipynb');
  const args = [
    'nbconvert',
    '--to',
    'notebook',
    '--execute',
    `--config=${PROGRESS_CONFIG}`,
    '--ExecutePreprocessor.kernel_name=tslab',
    `--ExecutePreprocessor.timeout=${timeoutSec}`,
    '--ExecutePreprocessor.startup_timeout=120',
    '--output-dir',
    tmp,
    '--output',
    base,
    file,
  ];
  const child = spawn(j.jupyter, args, { cwd: path.dirname(file), env: jupyterEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  let failed = null;
  let buf = '';
  child.stdout.on('data', (d) => log.push(String(d)));
  child.stderr.on('data', (d) => {
    buf += String(d);
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.startsWith('@@cbm-cell ')) {
        const ev = JSON.parse(line.slice('@@cbm-cell '.length));
        if (ev.status !== 'ok' && !failed) failed = ev;
        onCell(ev);
      } else {
        log.push(line + '\n');
      }
    }
  });
  const code = await new Promise((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  if (buf) log.push(buf);
  const outFile = path.join(tmp, `${base}.ipynb`);
  try {
    if (code !== 0 || failed) {
      const errorText = failed ? stderrOf(failed.outputs) || '(no output)' : log.join('').trim().split('\n').slice(-40).join('\n');
      return { ok: false, results: new Map(), languageInfo: null, failedCell: failed?.index, errorText };
    }
    const executed = JSON.parse(fs.readFileSync(outFile, 'utf8'));
    const results = new Map();
    executed.cells.forEach((c, i) => {
      if (c.cell_type === 'code') results.set(i, c.outputs ?? []);
    });
    return { ok: true, results, languageInfo: executed.metadata?.language_info ?? null };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
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
