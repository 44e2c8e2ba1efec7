// In-process backend (no Jupyter needed): executes one notebook's code cells
// with tslab's own converter + executor, the same objects the tslab Jupyter
// kernel uses, and reports outputs in nbformat-4 shape over the IPC channel.
//
// Started by notebooks/runner/inprocess.mjs as
//   fork(inprocess-child.cjs, [], { cwd: <notebook dir> })
// so that, as with Jupyter, cells run with cwd = the notebook's directory; the
// parent then sends { type: 'run', notebook } (the notebook with the runner's
// guard cells). Messages back: { type: 'start', index } before a cell runs,
// { type: 'cell', index, status, ms, outputs, stray } after it, and finally
// { type: 'done', ok, languageInfo, stray, results }.
'use strict';
const path = require('node:path');
const { createRequire } = require('node:module');
const { performance } = require('node:perf_hooks');

// tslab as the notebook sees it (so that `tslab/dist/jupyter` imported by a cell is this very
// module instance); a notebook outside the project falls back to the runner's own tslab.
function resolveTslab() {
  for (const base of [path.join(process.cwd(), '__cbm_runner__.js'), __filename]) {
    try {
      return path.dirname(createRequire(base).resolve('tslab/package.json'));
    } catch {
      /* try the next */
    }
  }
  throw new Error(`tslab is not installed (searched from ${process.cwd()} and ${__dirname}): run npm ci`);
}
const tslabRoot = resolveTslab();
const { createConverter } = require(path.join(tslabRoot, 'dist', 'converter.js'));
const { createExecutor } = require(path.join(tslabRoot, 'dist', 'executor.js'));
const jupyter = require(path.join(tslabRoot, 'dist', 'jupyter.js'));

// The runner has gone (killed): stop too, whatever the cell is doing.
process.on('disconnect', () => process.exit(1));

function send(msg) {
  return new Promise((resolve) => process.send(msg, () => resolve()));
}

const realStdoutWrite = process.stdout.write.bind(process.stdout);
const realStderrWrite = process.stderr.write.bind(process.stderr);
/** Outputs of the running cell; null between cells. */
let current = null;
/** Text written while no cell runs (timers firing late): reported as a warning, like Jupyter drops it. */
let stray = '';
/** display_id -> outputs displayed with that id (for update_display_data). */
const displays = new Map();

function writeStream(name, chunk, encoding) {
  const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString(typeof encoding === 'string' ? encoding : 'utf8');
  if (current) {
    const last = current[current.length - 1];
    if (last && last.output_type === 'stream' && last.name === name) last.text += text;
    else current.push({ output_type: 'stream', name, text });
  } else {
    stray += text;
  }
}

function makeWriter(name) {
  return function write(chunk, encoding, cb) {
    writeStream(name, chunk, encoding);
    const done = typeof encoding === 'function' ? encoding : cb;
    if (typeof done === 'function') process.nextTick(done);
    return true;
  };
}

function writeDisplayData(data, update) {
  const id = data.transient?.display_id;
  const out = { output_type: 'display_data', data: data.data, metadata: data.metadata || {} };
  if (update) {
    for (const o of displays.get(id) || []) {
      o.data = out.data;
      o.metadata = out.metadata;
    }
    return;
  }
  if (id) {
    if (!displays.has(id)) displays.set(id, []);
    displays.get(id).push(out);
  }
  (current || []).push(out);
}

class ConverterSet {
  get node() {
    if (!this._node) this._node = createConverter({ isJS: false, isBrowser: false });
    return this._node;
  }
  get browser() {
    if (!this._browser) this._browser = createConverter({ isJS: false, isBrowser: true });
    return this._browser;
  }
  close() {
    if (this._node) this._node.close();
    if (this._browser) this._browser.close();
  }
}

function receiveNotebook() {
  return new Promise((resolve) => {
    const onMessage = (msg) => {
      if (msg && msg.type === 'run') {
        process.off('message', onMessage);
        resolve(msg.notebook);
      }
    };
    process.on('message', onMessage);
  });
}

async function main() {
  const nb = await receiveNotebook();
  const convs = new ConverterSet();
  convs.node; // warm up like the kernel does
  // Same console routing as tslab's kernel: console.log/error go through process.stdout/stderr.write.
  const executor = createExecutor(process.cwd(), convs, {
    log: (...a) => console.log(...a),
    error: (...a) => console.error(...a),
  });
  process.on('uncaughtException', (err) => console.error('UncaughtException:', err));
  process.on('unhandledRejection', (reason) => console.error('UnhandledPromiseRejection:', reason));
  process.stdout.write = makeWriter('stdout');
  process.stderr.write = makeWriter('stderr');
  jupyter.lastWriteDisplayData = writeDisplayData;

  // language_info exactly as the tslab kernel reports it in kernel_info_reply.
  const languageInfo = new jupyter.JupyterHandlerImpl(executor, false).handleKernel().language_info;

  let ok = true;
  /** cell index -> outputs; kept live so that display updates from later cells reach earlier outputs (as in nbclient). */
  const results = {};
  for (let index = 0; index < nb.cells.length; index++) {
    const cell = nb.cells[index];
    const src = Array.isArray(cell.source) ? cell.source.join('') : cell.source || '';
    if (cell.cell_type !== 'code' || src.trim() === '') continue;
    // Every code cell runs, whatever its tags (the Jupyter backend disables nbclient's skip-execution tag too).
    await send({ type: 'start', index });
    current = [];
    const t0 = performance.now();
    let good;
    try {
      good = await executor.execute(src);
    } catch (e) {
      console.error(e);
      good = false;
    }
    // The cell ends as soon as execute() resolves, as in tslab's kernel (which then reports
    // "idle"): output from process.nextTick / setImmediate / timers is stray, as Jupyter drops it.
    const ms = Math.round(performance.now() - t0);
    const outputs = current;
    results[index] = outputs;
    current = null;
    // Callbacks already due (0-ms timers, setImmediate, unhandled-rejection reports) fire now,
    // between cells, as they do in the kernel while nbclient sends the next cell.
    await new Promise((r) => setTimeout(r, 1));
    await new Promise((r) => setImmediate(r));
    const warn = stray;
    stray = '';
    await send({ type: 'cell', index, status: good ? 'ok' : 'error', ms, outputs, stray: warn });
    if (!good) {
      ok = false;
      break;
    }
  }
  await send({ type: 'done', ok, languageInfo, stray, results });
  process.stdout.write = realStdoutWrite;
  process.stderr.write = realStderrWrite;
  try {
    executor.close();
  } catch {
    /* ignore */
  }
  process.exit(0);
}

main().catch(async (e) => {
  process.stderr.write = realStderrWrite;
  realStderrWrite(`in-process runner failed: ${e?.stack || e}\n`);
  process.exit(2);
});
