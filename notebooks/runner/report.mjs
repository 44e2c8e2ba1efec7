// Static HTML report for executed notebooks: one page per notebook plus an
// index. Self-contained (inline CSS, SVG/PNG as data URIs, no scripts, no
// CDN) and deterministic (no timestamps, no absolute paths).
//
// Notebook HTML (text/html outputs, raw HTML in markdown) is untrusted: it is
// rebuilt from an allowlist of elements and attributes, balanced so that it
// cannot close the page's own elements, and every page carries a
// Content-Security-Policy that allows no scripts, frames or remote resources.
import fs from 'node:fs';
import path from 'node:path';
import { Marked } from 'marked';
import { joinText } from './nbjson.mjs';

const marked = new Marked({ gfm: true, breaks: false });

const CSS = `
:root { --fg:#1f2328; --muted:#59636e; --border:#d1d9e0; --code-bg:#f6f8fa; --err:#b42318; --accent:#0969da; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.55 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--fg); background: #fff; }
main { max-width: 1060px; margin: 0 auto; padding: 24px 32px 64px; }
nav.top { font-size: 13px; color: var(--muted); margin-bottom: 12px; }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
h1, h2, h3, h4 { line-height: 1.25; margin: 1.2em 0 .5em; }
h1 { font-size: 1.9em; border-bottom: 1px solid var(--border); padding-bottom: .25em; }
h2 { font-size: 1.45em; border-bottom: 1px solid var(--border); padding-bottom: .2em; }
table { border-collapse: collapse; margin: .6em 0; font-size: 13.5px; }
th, td { border: 1px solid var(--border); padding: 4px 9px; text-align: left; }
th { background: var(--code-bg); }
.outputs td, .outputs th { text-align: right; } .outputs td:first-child, .outputs th:first-child { text-align: left; }
pre, code { font: 12.5px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
:not(pre) > code { background: var(--code-bg); padding: .1em .35em; border-radius: 4px; }
pre { margin: 0; padding: 8px 12px; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
.cell { margin: 14px 0; }
.cell.code .input { display: flex; gap: 8px; }
.prompt { flex: 0 0 62px; color: var(--muted); font: 12px/1.45 ui-monospace, monospace; text-align: right; padding-top: 9px; user-select: none; }
.cell.code .input pre { flex: 1; background: var(--code-bg); border: 1px solid var(--border); border-radius: 6px; }
.outputs { margin-left: 70px; }
.output { margin: 6px 0; overflow-x: auto; }
.output pre { line-height: 1.2; }
.output pre.stream { background: none; padding: 4px 0; }
.output pre.text-table { white-space: pre; overflow-wrap: normal; }
.output pre.stderr { color: var(--err); background: #fff5f5; padding: 4px 8px; }
.output img { max-width: 100%; height: auto; }
span.html-block { display: block; }
details.code > summary { cursor: pointer; color: var(--muted); font-size: 13px; margin-left: 70px; }
details.solution { border-left: 3px solid var(--border); padding-left: 10px; margin: 10px 0; }
details.solution > summary, .md details > summary { cursor: pointer; color: var(--accent); font-size: 14px; }
table.figures td:nth-child(2) { text-align: right; font-weight: 600; white-space: nowrap; }
table.figures td:nth-child(3) { color: var(--muted); }
.summary-card { border: 1px solid var(--border); border-radius: 8px; padding: 4px 18px 12px; margin: 16px 0; }
blockquote { margin: .9em 0; padding: .45em 1em; border-left: 4px solid #d4a72c; background: #fff8e5; }
blockquote p { margin: .3em 0; }
ul.nb-list li { margin: .3em 0; } .small { color: var(--muted); font-size: 13px; }
`;

/** Nothing runs, nothing loads: inline styles and data: images only. */
export const CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

export function escapeHtml(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function page(title, body, nav) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${nav ? `<nav class="top">${nav}</nav>\n` : ''}${body}
</main>
</body>
</html>
`;
}

// ------------------------------------------------------------ sanitising

/** Elements kept (with their content). Containers such as div become spans (see BLOCK_AS_SPAN). */
const ALLOWED_ELEMENTS = new Set(
  (
    'a abbr b bdi bdo blockquote br caption cite code col colgroup data dd del dfn dl dt em figcaption figure ' +
    'h1 h2 h3 h4 h5 h6 hr i img input ins kbd li mark ol p pre q rp rt ruby s samp small span strong sub summary ' +
    'details sup table tbody td tfoot th thead time tr u ul var wbr'
  ).split(' '),
);
/**
 * Block containers the HTML parser may close implicitly (e.g. a <li> start tag
 * pops an open div): our own </div> would then close the page's container, so
 * they are rendered as <span class="html-block"> (display: block).
 */
const BLOCK_AS_SPAN = new Set(['div', 'address', 'section', 'article', 'aside', 'header', 'footer', 'nav', 'main', 'center', 'hgroup']);
/** Dropped together with everything up to their end tag (raw-text elements: with the rest of the input when it has none). */
const RAW_TEXT_ELEMENTS = new Set('script style textarea title xmp iframe noembed noframes noscript plaintext'.split(' '));
const DROP_WITH_CONTENT = new Set([...RAW_TEXT_ELEMENTS, ...'template object applet svg math select head frameset'.split(' ')]);
const VOID_ELEMENTS = new Set(['br', 'col', 'hr', 'img', 'input', 'wbr']);
const GLOBAL_ATTRIBUTES = new Set(['class', 'title', 'lang', 'dir', 'align', 'valign']);
const ELEMENT_ATTRIBUTES = {
  a: ['href'],
  img: ['src', 'alt', 'width', 'height'],
  td: ['colspan', 'rowspan', 'headers', 'width'],
  th: ['colspan', 'rowspan', 'headers', 'scope', 'abbr', 'width'],
  col: ['span', 'width'],
  colgroup: ['span', 'width'],
  table: ['border', 'cellpadding', 'cellspacing', 'width'],
  ol: ['start', 'reversed', 'type'],
  li: ['value'],
  input: ['type', 'checked', 'disabled'],
  details: ['open'],
  time: ['datetime'],
  data: ['value'],
  del: ['datetime'],
  ins: ['datetime'],
};
const TAG_RE = /<(\/?)([a-zA-Z][a-zA-Z0-9:-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/y;
const ATTR_RE = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
/** Base64 payload (image outputs, data: URLs). */
const BASE64_RE = /^[A-Za-z0-9+/=\s]*$/;

function decodeEntities(s) {
  return s
    .replace(/&#x([0-9a-f]+);?/gi, (_, h) => String.fromCodePoint(Math.min(parseInt(h, 16), 0x10ffff)))
    .replace(/&#(\d+);?/g, (_, d) => String.fromCodePoint(Math.min(Number(d), 0x10ffff)))
    .replace(
      /&(colon|tab|newline|amp|lpar|rpar|sol|period);/gi,
      (_, n) => ({ colon: ':', tab: '\t', newline: '\n', amp: '&', lpar: '(', rpar: ')', sol: '/', period: '.' })[n.toLowerCase()],
    );
}

/** href: http(s), mailto, or a relative URL / fragment; anything else (javascript:, data:, vbscript:, ...) is dropped. */
function safeHref(raw) {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips control characters from a URL on purpose, as browsers do.
  const v = decodeEntities(raw).replace(/[\u0000-\u0020\u007f-\u009f]/g, '');
  if (/&[a-z0-9]+;?/i.test(v.split(/[/?#]/)[0])) return false; // an unknown entity could hide a scheme
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(v);
  return !scheme || ['http', 'https', 'mailto'].includes(scheme[1].toLowerCase());
}

/** img src: a base64 data: URL of an image, nothing that loads from elsewhere. */
function safeImageSrc(raw) {
  const m = /^data:image\/(png|jpeg|gif|webp|svg\+xml);base64,(.*)$/is.exec(decodeEntities(raw).trim());
  return Boolean(m) && BASE64_RE.test(m[2]);
}

function attrValue(v) {
  return v.replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function sanitizeAttributes(name, text) {
  const allowed = new Set([...GLOBAL_ATTRIBUTES, ...(ELEMENT_ATTRIBUTES[name] ?? [])]);
  const out = [];
  const seen = new Set();
  for (const m of text.matchAll(ATTR_RE)) {
    const attr = m[1].toLowerCase();
    const value = m[2] ?? m[3] ?? m[4];
    if (!allowed.has(attr) || seen.has(attr)) continue;
    if (attr === 'href' && (value == null || !safeHref(value))) continue;
    if (attr === 'src' && (value == null || !safeImageSrc(value))) continue;
    if (name === 'input' && attr === 'type' && (value ?? '').toLowerCase() !== 'checkbox') return null;
    seen.add(attr);
    out.push(value == null ? ` ${attr}` : ` ${attr}="${attrValue(value)}"`);
  }
  if (name === 'input' && !seen.has('type')) return null; // only task-list checkboxes
  return out.join('');
}

/**
 * Rebuilds untrusted HTML from the allowlist: comments, doctypes and unknown
 * elements go (content kept, except for scripts, styles, frames, objects,
 * svg/math and the like), event handlers and other attributes go, URLs are
 * restricted (no javascript:), a lone "<" becomes text, and every element is
 * closed in order, so the result stays inside whatever element contains it.
 */
export function sanitizeHtml(html) {
  const src = String(html);
  let out = '';
  const open = [];
  let i = 0;
  const closeTo = (depth) => {
    while (open.length > depth) out += `</${open.pop()}>`;
  };
  while (i < src.length) {
    const lt = src.indexOf('<', i);
    if (lt < 0) {
      out += src.slice(i).replace(/>/g, '&gt;');
      break;
    }
    out += src.slice(i, lt).replace(/>/g, '&gt;');
    i = lt;
    if (src.startsWith('<!--', i)) {
      const end = src.indexOf('-->', i + 4);
      if (end < 0) {
        out += '&lt;'; // an unclosed comment would hide the rest of the page: show it as text
        i += 1;
      } else {
        i = end + 3;
      }
      continue;
    }
    if (/^<[!?]/.test(src.slice(i, i + 2))) {
      // doctype, CDATA, processing instruction
      const end = src.indexOf('>', i);
      i = end < 0 ? src.length : end + 1;
      continue;
    }
    TAG_RE.lastIndex = i;
    const m = TAG_RE.exec(src);
    if (!m) {
      out += '&lt;';
      i += 1;
      continue;
    }
    i = TAG_RE.lastIndex;
    const closing = m[1] === '/';
    let name = m[2].toLowerCase();
    if (!closing && DROP_WITH_CONTENT.has(name)) {
      const endRe = new RegExp(`</${name}[\\s/>]`, 'ig');
      endRe.lastIndex = i;
      const e = endRe.exec(src);
      if (!e) {
        if (RAW_TEXT_ELEMENTS.has(name)) break;
        continue; // drop just the tag
      }
      const gt = src.indexOf('>', e.index);
      i = gt < 0 ? src.length : gt + 1;
      continue;
    }
    let extra = '';
    if (BLOCK_AS_SPAN.has(name)) {
      name = 'span';
      extra = ' class="html-block"';
    } else if (!ALLOWED_ELEMENTS.has(name)) {
      continue;
    }
    if (closing) {
      const at = open.lastIndexOf(name);
      if (at >= 0) closeTo(at);
      continue;
    }
    let attrs = sanitizeAttributes(name, m[3]);
    if (attrs == null) continue;
    if (extra) attrs = attrs.replace(/ class="[^"]*"/, '') + extra;
    out += `<${name}${attrs}>`;
    if (!VOID_ELEMENTS.has(name)) open.push(name);
  }
  closeTo(0);
  return out;
}

function renderMarkdown(md) {
  return sanitizeHtml(marked.parse(md, { async: false }));
}

/** Text drawn as a table with box-drawing characters (danfojs' print) keeps its lines: it scrolls, never wraps. */
function preClass(text, base = '') {
  const classes = [base, /[\u2500-\u257f]/.test(text) ? 'text-table' : ''].filter(Boolean).join(' ');
  return classes ? ` class="${classes}"` : '';
}

function dataUri(mime, payload, base64 = false) {
  const b64 = base64 ? payload.replace(/\s+/g, '') : Buffer.from(payload, 'utf8').toString('base64');
  return `data:${mime};base64,${b64}`;
}

/** Picks the richest mime type a static page can show. */
function renderData(data) {
  const get = (m) => (data[m] == null ? null : typeof data[m] === 'string' || Array.isArray(data[m]) ? joinText(data[m]) : data[m]);
  const text = (m) => (typeof get(m) === 'string' ? get(m) : null);
  if (text('text/html') != null) return `<div class="html">${sanitizeHtml(text('text/html'))}</div>`;
  // SVG as an <img>: isolates ids (vega's clip paths/gradients) between charts on one page.
  if (text('image/svg+xml') != null) return `<img alt="chart" src="${dataUri('image/svg+xml', text('image/svg+xml'))}">`;
  for (const m of ['image/png', 'image/jpeg', 'image/gif']) {
    // A payload that is not base64 could break out of the attribute: skip it.
    if (text(m) != null && BASE64_RE.test(text(m))) return `<img alt="image" src="${dataUri(m, text(m), true)}">`;
  }
  if (text('text/markdown') != null) return `<div class="md">${renderMarkdown(text('text/markdown'))}</div>`;
  if (get('text/plain') != null) {
    const plain = typeof get('text/plain') === 'string' ? get('text/plain') : JSON.stringify(get('text/plain'));
    return `<pre${preClass(plain)}>${escapeHtml(plain)}</pre>`;
  }
  const jsonMime = Object.keys(data).find((m) => /json$/.test(m));
  if (jsonMime) return `<pre>${escapeHtml(JSON.stringify(data[jsonMime], null, 1))}</pre>`;
  return '';
}

function renderOutput(o) {
  if (o.output_type === 'stream') {
    return `<div class="output"><pre${preClass(joinText(o.text), `stream ${o.name === 'stderr' ? 'stderr' : 'stdout'}`)}>${escapeHtml(joinText(o.text))}</pre></div>`;
  }
  if (o.output_type === 'error') {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removes ANSI colour escapes (ESC [ … m) from tracebacks.
    const tb = (o.traceback ?? []).join('\n').replace(/\x1b\[[0-9;]*m/g, '');
    return `<div class="output"><pre class="stderr">${escapeHtml(`${o.ename}: ${o.evalue}\n${tb}`)}</pre></div>`;
  }
  if (o.data) return `<div class="output">${renderData(o.data)}</div>`;
  return '';
}

/** Title of a notebook: its first markdown heading, else its name. */
export function notebookTitle(nb, name) {
  for (const c of nb.cells ?? []) {
    if (c.cell_type !== 'markdown') continue;
    const m = /^\s*#{1,6}\s+(.+?)\s*#*\s*$/m.exec(joinText(c.source));
    if (m) return m[1].replace(/[*_`]/g, '');
  }
  return name;
}

/**
 * HTML page for one executed notebook. Every code cell's source is folded into a <details>
 * element (no script needed): a reader sees prose, tables and charts and opens the code on
 * demand. Cell tags: remove-cell, remove-input, remove-output; `solution` folds the whole cell
 * (code and output) behind "Worked solution", for exercises.
 */
export function renderNotebookHtml(nb, name) {
  const parts = [];
  for (const cell of nb.cells ?? []) {
    const tags = new Set(cell.metadata?.tags ?? []);
    if (tags.has('remove-cell')) continue;
    const src = joinText(cell.source);
    if (cell.cell_type === 'markdown') {
      parts.push(`<div class="cell markdown">${renderMarkdown(src)}</div>`);
    } else if (cell.cell_type === 'code') {
      const prompt = `In [${cell.execution_count ?? ' '}]:`;
      const solution = tags.has('solution');
      let input = '';
      if (!tags.has('remove-input') && src.trim() !== '') {
        input = `<div class="input"><div class="prompt">${prompt}</div><pre><code class="language-typescript">${escapeHtml(src)}</code></pre></div>`;
        if (!solution) input = `<details class="code"><summary>code</summary>${input}</details>`;
      }
      const outs = tags.has('remove-output') ? '' : (cell.outputs ?? []).map(renderOutput).join('\n');
      const body = `${input}${outs ? `<div class="outputs">\n${outs}\n</div>` : ''}`;
      parts.push(
        solution
          ? `<details class="solution"><summary>Worked solution (code and output)</summary><div class="cell code">${body}</div></details>`
          : `<div class="cell code">${body}</div>`,
      );
    } else if (cell.cell_type === 'raw') {
      parts.push(`<div class="cell raw"><pre>${escapeHtml(src)}</pre></div>`);
    }
  }
  const nav = `<a href="index.html">Summary and report index</a> · <a href="../notebooks/${encodeURIComponent(name)}.ipynb">${escapeHtml(name)}.ipynb</a>`;
  return page(`${notebookTitle(nb, name)} — cbm-kit`, parts.join('\n'), nav);
}

function listFiles(dir, rel = '') {
  const out = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, r));
    else out.push(r);
  }
  return out;
}

/** Files the notebooks wrote into outDir (everything but the runner's own outputs). */
export function listArtifacts(outDir) {
  if (!fs.existsSync(outDir)) return [];
  return listFiles(outDir).filter((f) => !f.startsWith('notebooks/') && !f.startsWith('report/') && f !== 'run-summary.json');
}

/** Where a notebook leaves its key figures for the summary page: <outDir>/summary/<notebook>.json. */
export const SUMMARY_DIR = 'summary';

/**
 * The key figures the notebooks left in <outDir>/summary/*.json (written with notebooks/lib/summary.ts),
 * in file-name order. A file that is not such a summary is skipped with a note, never fatal.
 * @returns {{ file: string, title: string, text?: string, figures: { label: string, value: string, note?: string }[], files: { path: string, description: string, kind: 'deliverable' | 'test input' }[] }[]}
 */
export function readSummaries(outDir) {
  const dir = path.join(outDir, SUMMARY_DIR);
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const f of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    let s;
    try {
      s = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    } catch {
      continue;
    }
    if (!s || typeof s.title !== 'string' || !Array.isArray(s.figures)) continue;
    const figures = s.figures.filter((x) => x && typeof x.label === 'string' && typeof x.value === 'string');
    const files = Array.isArray(s.files)
      ? s.files
          .filter((x) => x && typeof x.path === 'string' && typeof x.description === 'string')
          .map((x) => ({ path: x.path, description: x.description, kind: x.kind === 'test input' ? 'test input' : 'deliverable' }))
      : [];
    out.push({
      file: `${SUMMARY_DIR}/${f}`,
      title: s.title,
      text: typeof s.text === 'string' ? s.text : undefined,
      notebook: typeof s.notebook === 'string' ? s.notebook : undefined,
      figures,
      files,
    });
  }
  return out;
}

/** Size in bytes and, for CSV files, the number of data rows (lines after the header). */
export function describeArtifact(outDir, file) {
  const full = path.join(outDir, file);
  const bytes = fs.statSync(full).size;
  const info = { file, bytes };
  if (file.endsWith('.csv')) {
    const text = fs.readFileSync(full, 'utf8');
    info.rows = Math.max(0, text.split('\n').filter((l) => l.length > 0).length - 1);
  }
  return info;
}

function humanSize(bytes) {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`;
}

/** The end-of-run listing: every file written (size, rows) and each notebook's key figures, as text lines. */
export function runListing(outDir) {
  const lines = ['files written:'];
  const described = listArtifacts(outDir).map((f) => describeArtifact(outDir, f));
  const width = Math.max(0, ...described.map((d) => d.file.length));
  for (const d of described) lines.push(`  ${d.file.padEnd(width)}  ${humanSize(d.bytes).padStart(9)}${d.rows != null ? `  ${d.rows} rows` : ''}`);
  for (const s of readSummaries(outDir)) {
    lines.push(`${s.title}:`);
    const w = Math.max(0, ...s.figures.map((x) => x.label.length));
    for (const x of s.figures) lines.push(`  ${x.label.padEnd(w)}  ${x.value}`);
  }
  return lines;
}

function summaryHtml(summaries, entries) {
  if (summaries.length === 0) return '';
  return summaries
    .map((s) => {
      const rows = s.figures.map((x) => `<tr><td>${escapeHtml(x.label)}</td><td>${escapeHtml(x.value)}</td><td>${escapeHtml(x.note ?? '')}</td></tr>`).join('\n');
      const files = s.files
        .filter((f) => f.kind === 'deliverable')
        .map((f) => `<li><a href="../${f.path.split('/').map(encodeURIComponent).join('/')}">${escapeHtml(f.path)}</a> – ${escapeHtml(f.description)}</li>`)
        .join('\n');
      const nb =
        s.notebook && entries.some((e) => e.name === s.notebook)
          ? ` <span class="small">(details: <a href="${encodeURIComponent(s.notebook)}.html">${escapeHtml(s.notebook)}</a>)</span>`
          : '';
      return `<div class="summary-card">
<h2>${escapeHtml(s.title)}${nb}</h2>
${s.text ? `<p>${escapeHtml(s.text)}</p>\n` : ''}<table class="figures"><thead><tr><th>figure</th><th>value</th><th>what it means</th></tr></thead><tbody>
${rows}
</tbody></table>
${files ? `<p><strong>Files</strong></p>\n<ul class="nb-list">\n${files}\n</ul>` : ''}
</div>`;
    })
    .join('\n');
}

/**
 * Writes outDir/report/index.html (the summary page: each notebook's key figures and files, then
 * the notebooks and every file written) and outDir/report/<name>.html.
 * @param entries [{ name, nb }] executed notebooks, in order
 */
export function writeReport(outDir, entries) {
  const reportDir = path.join(outDir, 'report');
  fs.mkdirSync(reportDir, { recursive: true });
  for (const { name, nb } of entries) {
    fs.writeFileSync(path.join(reportDir, `${name}.html`), renderNotebookHtml(nb, name));
  }
  const items = entries
    .map(
      ({ name, nb }) =>
        `<li><a href="${encodeURIComponent(name)}.html">${escapeHtml(notebookTitle(nb, name))}</a> <span class="small">(${escapeHtml(name)}.ipynb · <a href="../notebooks/${encodeURIComponent(name)}.ipynb">executed notebook</a>)</span></li>`,
    )
    .join('\n');
  const summaries = readSummaries(outDir);
  // Deliverables (named by a notebook's summary) apart from test inputs (files made broken on purpose)
  // and working files (summaries, intermediate results).
  const kindOf = new Map(summaries.flatMap((s) => s.files.map((f) => [f.path, f.kind])));
  const described = listArtifacts(outDir).map((f) => describeArtifact(outDir, f));
  const fileList = (kind) =>
    described
      .filter((d) => (kindOf.get(d.file) ?? 'working file') === kind)
      .map(
        (d) =>
          `<li><a href="../${d.file.split('/').map(encodeURIComponent).join('/')}">${escapeHtml(d.file)}</a> <span class="small">${humanSize(d.bytes)}${d.rows != null ? `, ${d.rows} rows` : ''}</span></li>`,
      )
      .join('\n');
  const section = (title, note, kind) => {
    const items = fileList(kind);
    return items ? `<h3>${title}</h3>\n<p class="small">${note}</p>\n<ul class="nb-list">\n${items}\n</ul>\n` : '';
  };
  const artifacts =
    section('Deliverables', 'What the notebooks produce for their readers (each summary above says what the file is).', 'deliverable') +
    section('Test inputs', 'Files made faulty on purpose, to show that the checks catch them: not data to use.', 'test input') +
    section('Working files', 'Key-figure summaries and intermediate results.', 'working file');
  const body = `<h1>cbm-kit: summary of the run</h1>
<p>The key figures first; each notebook's page below holds the reasoning, the tables and the charts (code folded: open “code” to see it).</p>
${summaryHtml(summaries, entries) || '<p class="small">No notebook left key figures (out/summary/*.json).</p>'}
<h2>Notebooks</h2>
<ul class="nb-list">
${items}
</ul>
<h2>Files written by the notebooks</h2>
${artifacts || '<p class="small">none</p>'}
`;
  fs.writeFileSync(path.join(reportDir, 'index.html'), page('cbm-kit: summary of the run', body));
  return path.join(reportDir, 'index.html');
}
