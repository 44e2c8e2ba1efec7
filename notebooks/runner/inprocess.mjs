// In-process backend, parent side: one fresh Node process per notebook
// (like one kernel per notebook), cwd = the notebook's directory.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromGuardedIndex, withGuardCells } from './nbjson.mjs';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'inprocess-child.cjs');
/** Same as the Jupyter backend's kernel startup timeout. */
const STARTUP_TIMEOUT_SEC = 120;
/** setTimeout's limit (a larger delay fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Running children (aborted on SIGINT/SIGTERM by notebooks/run.mjs). */
const active = new Set();

/** Kills every running notebook child and waits until each run has finished. */
export async function abortInProcess() {
  await Promise.all(
    [...active].map(({ child, finished }) => {
      child.kill('SIGKILL');
      return finished;
    }),
  );
}

function streamText(outputs = []) {
  return outputs
    .map((o) => (o.output_type === 'stream' ? o.text : ''))
    .join('')
    .trim();
}

/**
 * Executes one notebook (with the runner's guard cells; results are keyed by
 * the notebook's own cell indices).
 *
 * @returns {Promise<{ ok, results: Map<number, object[]>, languageInfo, failedCell?, escaped?, errorText?, stray }>}
 *   escaped: true when the failure is an error that escaped every cell (unawaited rejection, throwing timer)
 */
export function executeInProcess(file, { env = {}, onCell = () => {}, timeoutSec = 600 } = {}) {
  const source = JSON.parse(fs.readFileSync(file, 'utf8'));
  const guarded = withGuardCells(source);
  return new Promise((resolve) => {
    const child = fork(CHILD, [], {
      cwd: path.dirname(file),
      env: { ...process.env, NODE_NO_WARNINGS: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: [],
    });
    let markFinished;
    const entry = { child, finished: new Promise((r) => (markFinished = r)) };
    active.add(entry);
    const results = new Map();
    const log = [];
    let stray = '';
    let done = null;
    let failed = null;
    let running = null;
    let timedOut = null;
    let timer;
    const arm = (sec, what) => {
      clearTimeout(timer);
      timer = setTimeout(
        () => {
          timedOut = `${what} timed out after ${sec} s`;
          child.kill('SIGKILL');
        },
        Math.min(sec * 1000, MAX_TIMER_MS),
      );
    };
    arm(STARTUP_TIMEOUT_SEC, 'kernel startup');
    child.stdout.on('data', (d) => log.push(String(d)));
    child.stderr.on('data', (d) => log.push(String(d)));
    child.on('message', (msg) => {
      if (msg.stray) stray += msg.stray;
      if (msg.type === 'start') {
        running = fromGuardedIndex(source, msg.index);
        arm(Math.ceil(timeoutSec), 'cell'); // whole seconds, as nbclient's timeout
      } else if (msg.type === 'cell') {
        clearTimeout(timer);
        running = null;
        const where = fromGuardedIndex(source, msg.index);
        if (where.guard) {
          // A guard's own output is not part of the notebook; text printed by a late callback while it waited is stray.
          if (msg.status === 'ok') stray += streamText(msg.outputs) ? streamText(msg.outputs) + '\n' : '';
          else if (!failed) failed = { ...where, outputs: msg.outputs };
          return;
        }
        results.set(where.cell, msg.outputs);
        if (msg.status !== 'ok' && !failed) failed = { ...where, outputs: msg.outputs };
        onCell({ index: where.cell, status: msg.status, ms: msg.ms });
      } else if (msg.type === 'done') {
        done = msg;
        // Final outputs, including display updates made by later cells.
        for (const [i, outs] of Object.entries(msg.results ?? {})) {
          const where = fromGuardedIndex(source, Number(i));
          if (where.cell != null) results.set(where.cell, outs);
        }
      }
    });
    const closed = new Promise((r) => child.on('close', r));
    child.on('exit', async (code, signal) => {
      clearTimeout(timer);
      // A process started by a cell may hold the child's stdout/stderr open: do not wait for it forever.
      let t;
      await Promise.race([closed, new Promise((r) => (t = setTimeout(r, 2000)))]);
      clearTimeout(t);
      child.stdout.destroy();
      child.stderr.destroy();
      active.delete(entry);
      markFinished();
      if (failed) {
        const errorText = streamText(failed.outputs) || '(no output)';
        if (failed.guard === 'end') resolve({ ok: false, results, languageInfo: null, escaped: true, errorText, stray });
        else if (failed.guard) resolve({ ok: false, results, languageInfo: null, errorText: `runner guard cell failed:\n${errorText}`, stray });
        else resolve({ ok: false, results, languageInfo: null, failedCell: failed.cell, errorText, stray });
      } else if (!done || code !== 0) {
        const how = timedOut ?? `in-process runner exited with ${signal ? `signal ${signal}` : `code ${code}`}`;
        resolve({
          ok: false,
          results,
          languageInfo: null,
          failedCell: running?.cell,
          errorText: `${how}\n${log.join('').trim()}`.trim(),
          stray,
        });
      } else {
        resolve({ ok: true, results, languageInfo: done.languageInfo, stray });
      }
    });
    child.send({ type: 'run', notebook: guarded });
  });
}
