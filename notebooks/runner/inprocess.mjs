// In-process backend, parent side: one fresh Node process per notebook
// (like one kernel per notebook), cwd = the notebook's directory.
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'inprocess-child.cjs');

/**
 * @returns {Promise<{ ok, results: Map<number, object[]>, languageInfo, failedCell?, errorText?, stray }>}
 */
export function executeInProcess(file, { env = {}, onCell = () => {}, timeoutSec = 600 } = {}) {
  return new Promise((resolve) => {
    const child = fork(CHILD, [file], {
      cwd: path.dirname(file),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: [],
    });
    const results = new Map();
    const log = [];
    let stray = '';
    let done = null;
    let failed = null;
    let timer;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        log.push(`\ncell timed out after ${timeoutSec} s\n`);
        child.kill('SIGKILL');
      }, timeoutSec * 1000);
    };
    arm();
    child.stdout.on('data', (d) => log.push(String(d)));
    child.stderr.on('data', (d) => log.push(String(d)));
    child.on('message', (msg) => {
      arm();
      if (msg.stray) stray += msg.stray;
      if (msg.type === 'cell') {
        results.set(msg.index, msg.outputs);
        if (msg.status !== 'ok' && !failed) failed = msg;
        onCell({ index: msg.index, status: msg.status, ms: msg.ms });
      } else if (msg.type === 'done') {
        done = msg;
        // Final outputs, including display updates made by later cells.
        for (const [i, outs] of Object.entries(msg.results ?? {})) results.set(Number(i), outs);
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (failed) {
        const text = failed.outputs
          .map((o) => (o.output_type === 'stream' ? o.text : ''))
          .join('')
          .trim();
        resolve({ ok: false, results, languageInfo: null, failedCell: failed.index, errorText: text || '(no output)', stray });
      } else if (!done || code !== 0) {
        resolve({
          ok: false,
          results,
          languageInfo: null,
          errorText: `in-process runner exited with code ${code}\n${log.join('').trim()}`,
          stray,
        });
      } else {
        resolve({ ok: true, results, languageInfo: done.languageInfo, stray });
      }
    });
  });
}
