// Notebook JSON helpers shared by the runner (notebooks/run.mjs) and the
// checks (test/notebooks.test.ts): canonical nbformat-4 shape, deterministic
// serialisation and a readable output diff.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const NOTEBOOKS_DIR = path.join(REPO_ROOT, 'notebooks');
/** Placeholder written instead of the repository's absolute path in outputs. */
export const REPO_PLACEHOLDER = '<repo>';

export const KERNELSPEC = Object.freeze({ display_name: 'TypeScript', language: 'typescript', name: 'tslab' });

/** Sorted absolute paths of notebooks/*.ipynb (optionally only those whose name matches a filter). */
export function listNotebooks(dir = NOTEBOOKS_DIR, filters = []) {
  const names = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ipynb') && !f.startsWith('.') && !f.startsWith('_'))
    .sort();
  const picked = filters.length ? names.filter((n) => filters.some((f) => n === f || n === `${f}.ipynb` || n.startsWith(f))) : names;
  return picked.map((n) => path.join(dir, n));
}

export function notebookName(file) {
  return path.basename(file, '.ipynb');
}

export function readNotebook(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** Joins nbformat multiline values (string or list of lines) into one string. */
export function joinText(v) {
  if (v == null) return '';
  return Array.isArray(v) ? v.join('') : String(v);
}

/** Code cells that a kernel actually executes (nbclient skips blank cells). */
export function isExecutable(cell) {
  return cell.cell_type === 'code' && joinText(cell.source).trim() !== '';
}

function isJsonMime(mime) {
  return mime === 'application/json' || /^application\/(.+\+)?json$/.test(mime);
}

// Mime types nbformat stores as lists of lines (nbformat.v4.rwbase).
function isSplitMime(mime) {
  return mime.startsWith('text/') || mime === 'application/javascript' || mime === 'image/svg+xml';
}

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

let pathPatterns = null;
function repoPathPatterns() {
  if (!pathPatterns) {
    const roots = new Set([REPO_ROOT]);
    try {
      roots.add(fs.realpathSync(REPO_ROOT));
    } catch {
      /* ignore */
    }
    // Longest first so that a realpath that extends another root wins.
    pathPatterns = [...roots].sort((a, b) => b.length - a.length).map((r) => new RegExp(`(file://)?${escapeRegExp(r)}(?=$|[/\\\\\\s'":),\\]])`, 'g'));
  }
  return pathPatterns;
}

/** Replaces absolute repository paths in output text by `<repo>`. */
export function scrubPaths(text) {
  let out = text;
  for (const re of repoPathPatterns()) out = out.replace(re, REPO_PLACEHOLDER);
  return out;
}

/** scrubPaths, plus process ids in Node's warning prefix: `(node:1234)` -> `(node:<pid>)`. */
export function scrubText(text) {
  return scrubPaths(text).replace(/\(node:\d+\)/g, '(node:<pid>)');
}

function scrubDeep(value) {
  if (typeof value === 'string') return scrubText(value);
  if (Array.isArray(value)) return value.map(scrubDeep);
  if (value && typeof value === 'object') {
    const o = {};
    for (const [k, v] of Object.entries(value)) o[k] = scrubDeep(v);
    return o;
  }
  return value;
}

/**
 * Canonical outputs: consecutive stream outputs of the same name merged,
 * multiline values joined, `transient` dropped, absolute repo paths and
 * Node's `(node:<pid>)` warning prefixes scrubbed.
 */
export function normaliseOutputs(outputs = []) {
  const res = [];
  for (const o of outputs) {
    if (o.output_type === 'stream') {
      const text = scrubText(joinText(o.text));
      const last = res[res.length - 1];
      if (last && last.output_type === 'stream' && last.name === o.name) last.text += text;
      else res.push({ output_type: 'stream', name: o.name, text });
    } else if (o.output_type === 'display_data' || o.output_type === 'execute_result') {
      const data = {};
      for (const [mime, v] of Object.entries(o.data ?? {})) {
        data[mime] = isJsonMime(mime) ? scrubDeep(v) : scrubText(joinText(v));
      }
      const out = { output_type: o.output_type, data, metadata: scrubDeep(o.metadata ?? {}) };
      if (o.output_type === 'execute_result') out.execution_count = o.execution_count ?? null;
      res.push(out);
    } else if (o.output_type === 'error') {
      res.push({
        output_type: 'error',
        ename: o.ename ?? '',
        evalue: scrubText(o.evalue ?? ''),
        traceback: (o.traceback ?? []).map(scrubText),
      });
    } else {
      res.push(scrubDeep(o));
    }
  }
  return res.filter((o) => !(o.output_type === 'stream' && o.text === ''));
}

const DROPPED_CELL_METADATA = ['execution', 'ExecuteTime', 'collapsed', 'scrolled'];

/** Deterministic cell id for cells that have none (nbformat >= 4.5 requires ids). */
export function defaultCellId(name, index) {
  return createHash('sha1').update(`${name}:${index}`).digest('hex').slice(0, 8);
}

/**
 * Builds the canonical executed notebook from the source notebook and the
 * outputs of each executed cell.
 *
 * @param source     the notebook as read from notebooks/
 * @param name       notebook name (file name without .ipynb)
 * @param results    Map cellIndex -> outputs (raw nbformat outputs); code cells
 *                   missing from the map were not executed (outputs cleared)
 * @param languageInfo language_info reported by the kernel
 */
export function assembleNotebook(source, name, results, languageInfo) {
  const metadata = { ...(source.metadata ?? {}) };
  metadata.kernelspec = { ...KERNELSPEC };
  if (languageInfo) metadata.language_info = languageInfo;
  const seen = new Set();
  let count = 0;
  const cells = (source.cells ?? []).map((cell, index) => {
    let id = typeof cell.id === 'string' && /^[a-zA-Z0-9-_]{1,64}$/.test(cell.id) ? cell.id : defaultCellId(name, index);
    while (seen.has(id)) id = defaultCellId(`${name}:${id}`, index);
    seen.add(id);
    const cellMeta = { ...(cell.metadata ?? {}) };
    for (const k of DROPPED_CELL_METADATA) delete cellMeta[k];
    const out = { cell_type: cell.cell_type, id, metadata: cellMeta, source: joinText(cell.source) };
    if (cell.attachments) out.attachments = cell.attachments;
    if (cell.cell_type === 'code') {
      const executed = isExecutable(cell) && results.has(index);
      out.execution_count = executed ? ++count : null;
      out.outputs = executed ? normaliseOutputs(results.get(index)) : [];
      // The kernel's own counter also counted the runner's hidden guard cell: results carry the notebook's count.
      for (const o of out.outputs) if (o.output_type === 'execute_result') o.execution_count = out.execution_count;
    }
    return out;
  });
  return { cells, metadata, nbformat: 4, nbformat_minor: Math.max(5, source.nbformat_minor ?? 5) };
}

/** Re-normalises an already executed notebook (e.g. one committed in notebooks/). */
export function normaliseNotebook(nb, name) {
  const results = new Map();
  (nb.cells ?? []).forEach((c, i) => {
    if (isExecutable(c) && (c.execution_count != null || (c.outputs ?? []).length > 0)) results.set(i, c.outputs ?? []);
  });
  return assembleNotebook(nb, name, results, nb.metadata?.language_info);
}

function sortKeysDeep(value) {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value && typeof value === 'object') {
    const o = {};
    for (const k of Object.keys(value).sort()) o[k] = sortKeysDeep(value[k]);
    return o;
  }
  return value;
}

function splitLines(s) {
  // Python's str.splitlines(True) restricted to \n, as nbformat writes it.
  const parts = s.split(/(?<=\n)/);
  return parts.length === 1 && parts[0] === '' ? [] : parts;
}

/** Serialises like nbformat.write (indent 1, sorted keys, multiline strings as line lists). */
export function serialiseNotebook(nb) {
  const copy = JSON.parse(JSON.stringify(nb));
  for (const cell of copy.cells) {
    cell.source = splitLines(joinText(cell.source));
    for (const o of cell.outputs ?? []) {
      if (o.output_type === 'stream') o.text = splitLines(joinText(o.text));
      if (o.data) {
        for (const [mime, v] of Object.entries(o.data)) {
          if (typeof v === 'string' && isSplitMime(mime)) o.data[mime] = splitLines(v);
        }
      }
    }
  }
  return JSON.stringify(sortKeysDeep(copy), null, 1) + '\n';
}

export function writeNotebook(file, nb) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, serialiseNotebook(nb));
}

// ---------------------------------------------------------------- diffing

function outputText(o) {
  if (o.output_type === 'stream') return `[${o.name}]\n${o.text}`;
  if (o.output_type === 'error') return `[error] ${o.ename}: ${o.evalue}\n${(o.traceback ?? []).join('\n')}`;
  const parts = [`[${o.output_type}]`];
  for (const mime of Object.keys(o.data ?? {}).sort()) {
    const v = o.data[mime];
    let text = typeof v === 'string' ? v : JSON.stringify(v, null, 1);
    // Long single-line payloads (SVG, JSON) are wrapped at tags/commas so the diff stays readable.
    if (text.length > 200 && !text.includes('\n')) text = text.replace(/(>)(<)/g, '$1\n$2').replace(/,(?=["{[])/g, ',\n');
    parts.push(`  ${mime}:\n${text}`);
  }
  return parts.join('\n');
}

function lineDiff(a, b, context = 3, maxLines = 40) {
  const A = a.split('\n');
  const B = b.split('\n');
  let start = 0;
  while (start < A.length && start < B.length && A[start] === B[start]) start++;
  let endA = A.length - 1;
  let endB = B.length - 1;
  while (endA >= start && endB >= start && A[endA] === B[endB]) {
    endA--;
    endB--;
  }
  const out = [];
  for (let i = Math.max(0, start - context); i < start; i++) out.push(`    ${A[i]}`);
  const removed = A.slice(start, endA + 1);
  const added = B.slice(start, endB + 1);
  const clip = (lines, sign) => {
    const shown = lines.slice(0, maxLines).map((l) => `  ${sign} ${l.length > 300 ? l.slice(0, 300) + '…' : l}`);
    if (lines.length > maxLines) shown.push(`  ${sign} … ${lines.length - maxLines} more lines`);
    return shown;
  };
  out.push(...clip(removed, '-'), ...clip(added, '+'));
  for (let i = endA + 1; i < Math.min(A.length, endA + 1 + context); i++) out.push(`    ${A[i]}`);
  return out.join('\n');
}

/**
 * Compares the outputs of two notebooks cell by cell (after normalisation).
 * Returns [] when equal, otherwise human-readable difference descriptions
 * ("-" = expected/committed, "+" = actual/fresh).
 */
export function diffNotebookOutputs(expected, actual, name = 'notebook') {
  const e = normaliseNotebook(expected, name);
  const a = normaliseNotebook(actual, name);
  const diffs = [];
  if (e.cells.length !== a.cells.length) {
    diffs.push(`[${name}] cell count differs: committed ${e.cells.length}, fresh ${a.cells.length}`);
    return diffs;
  }
  let codeNo = 0;
  e.cells.forEach((ec, i) => {
    const ac = a.cells[i];
    if (ec.cell_type !== 'code' && ac.cell_type !== 'code') return;
    codeNo++;
    const where = `[${name}] cell ${i} (code cell #${codeNo}, first line: ${JSON.stringify(ec.source.split('\n')[0].slice(0, 60))})`;
    if (ec.cell_type !== ac.cell_type) {
      diffs.push(`${where}: cell type differs (${ec.cell_type} vs ${ac.cell_type})`);
      return;
    }
    if (ec.source !== ac.source) diffs.push(`${where}: source differs\n${lineDiff(ec.source, ac.source)}`);
    if (ec.execution_count !== ac.execution_count) {
      diffs.push(`${where}: execution_count ${ec.execution_count} vs ${ac.execution_count}`);
    }
    const et = ec.outputs.map(outputText).join('\n');
    const at = ac.outputs.map(outputText).join('\n');
    if (et !== at) diffs.push(`${where}: outputs differ (- committed, + fresh)\n${lineDiff(et, at)}`);
  });
  return diffs;
}

/**
 * TypeScript diagnostics as tslab prints them for a `/** @module *\/` cell
 * ("mod.ts 3:7 - Type 'string' is not assignable ..."): tslab registers the
 * module anyway and reports success, so the runner treats them as errors.
 */
export const TS_DIAGNOSTIC_LINE = /^\S+\.tsx? \d+:\d+ - /m;

/**
 * Error outputs: nbformat "error" outputs, tslab's stderr reports of uncaught
 * exceptions / unhandled rejections, or TypeScript diagnostics of module cells
 * (a cell that throws already fails the run).
 */
export function findErrorOutputs(nb) {
  const found = [];
  (nb.cells ?? []).forEach((c, i) => {
    for (const o of c.outputs ?? []) {
      if (o.output_type === 'error') found.push({ cell: i, text: `${o.ename}: ${o.evalue}` });
      if (o.output_type === 'stream' && o.name === 'stderr') {
        const t = joinText(o.text);
        if (/UncaughtException:|UnhandledPromiseRejection:/.test(t) || TS_DIAGNOSTIC_LINE.test(t)) {
          found.push({ cell: i, text: t });
        }
      }
    }
  });
  return found;
}

// ------------------------------------------------------------ guard cells

/**
 * Hidden cells the runner wraps around every notebook (both backends), then
 * strips from the results. The first records unhandled promise rejections and
 * uncaught exceptions (the tslab kernel reports "idle" as soon as a cell's code
 * returns, so an unawaited rejected promise or a throwing timer would otherwise
 * be lost and the notebook would pass); the last lets pending callbacks run and
 * fails if anything was recorded. The first also makes an orphaned kernel exit
 * (its parent, nbconvert or the runner, has gone).
 */
/** Heading line of the last guard cell's report: "<n> error(s) escaped every cell:". */
export const ESCAPED_HEADER = 'error(s) escaped every cell:';

export const GUARD_START_SOURCE = `// cbm-kit notebook runner: hidden guard cell (records errors that escape every cell)
(() => {
  const g: any = globalThis;
  const proc: any = g.process;
  const errors: string[] = (g.__cbmRunnerEscapedErrors = []);
  const text = (kind: string, e: any) => kind + ': ' + (e && typeof e.stack === 'string' ? e.stack : String(e));
  proc.on('unhandledRejection', (reason: any) => { errors.push(text('unhandled promise rejection', reason)); });
  proc.on('uncaughtException', (err: any) => { errors.push(text('uncaught exception', err)); });
  const ppid = proc.ppid;
  const watchdog = g.setInterval(() => { if (proc.ppid !== ppid) proc.exit(1); }, 500);
  if (watchdog && typeof watchdog.unref === 'function') watchdog.unref();
})();
`;

export const GUARD_END_SOURCE = `// cbm-kit notebook runner: hidden guard cell (fails if an error escaped a cell)
{
  const g: any = globalThis;
  for (let i = 0; i < 2; i++) {
    await new Promise((resolve) => g.setTimeout(resolve, 25));
    await new Promise((resolve) => g.setImmediate(resolve));
  }
  const errors: string[] = g.__cbmRunnerEscapedErrors || [];
  if (errors.length > 0) {
    const e = new Error('escaped errors');
    e.stack = errors.length + ' ${ESCAPED_HEADER}\\n' + errors.join('\\n');
    throw e;
  }
}
`;

const GUARD_TAG = 'cbm-runner-guard';

/**
 * The notebook with the guard cells added: guarded cell index i is source
 * cell index i - 1; index 0 and cells.length + 1 are the guards.
 */
export function withGuardCells(nb) {
  const withIds = (nb.nbformat ?? 4) === 4 && (nb.nbformat_minor ?? 0) >= 5;
  const guard = (id, source) => ({
    cell_type: 'code',
    execution_count: null,
    ...(withIds ? { id } : {}),
    metadata: { tags: [GUARD_TAG] },
    outputs: [],
    source,
  });
  const cells = [guard('cbm-runner-guard-start', GUARD_START_SOURCE), ...(nb.cells ?? []), guard('cbm-runner-guard-end', GUARD_END_SOURCE)];
  return { ...nb, cells };
}

/**
 * Maps a guarded cell index back to the notebook: { cell } for a notebook cell,
 * { guard: 'start' | 'end' } for a guard cell.
 */
export function fromGuardedIndex(nb, index) {
  const n = (nb.cells ?? []).length;
  if (index === 0) return { guard: 'start' };
  if (index === n + 1) return { guard: 'end' };
  return { cell: index - 1 };
}
