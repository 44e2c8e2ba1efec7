// Static HTML report for executed notebooks: one page per notebook plus an
// index. Self-contained (inline CSS, SVG/PNG as data URIs, no scripts, no
// CDN) and deterministic (no timestamps, no absolute paths).
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
pre { margin: 0; padding: 8px 12px; overflow-x: auto; white-space: pre; }
.cell { margin: 14px 0; }
.cell.code .input { display: flex; gap: 8px; }
.prompt { flex: 0 0 62px; color: var(--muted); font: 12px/1.45 ui-monospace, monospace; text-align: right; padding-top: 9px; user-select: none; }
.cell.code .input pre { flex: 1; background: var(--code-bg); border: 1px solid var(--border); border-radius: 6px; }
.outputs { margin-left: 70px; }
.output { margin: 6px 0; overflow-x: auto; }
.output pre { line-height: 1.2; }
.output pre.stream { background: none; padding: 4px 0; }
.output pre.stderr { color: var(--err); background: #fff5f5; padding: 4px 8px; }
.output img { max-width: 100%; height: auto; }
details > summary { cursor: pointer; color: var(--muted); font-size: 13px; margin-left: 70px; }
ul.nb-list li { margin: .3em 0; } .small { color: var(--muted); font-size: 13px; }
`;

export function escapeHtml(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function page(title, body, nav) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
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

function renderMarkdown(md) {
  return marked.parse(md, { async: false });
}

function dataUri(mime, payload, base64 = false) {
  const b64 = base64 ? payload.replace(/\s+/g, '') : Buffer.from(payload, 'utf8').toString('base64');
  return `data:${mime};base64,${b64}`;
}

/** Picks the richest mime type a static page can show. */
function renderData(data) {
  const get = (m) => (data[m] == null ? null : typeof data[m] === 'string' || Array.isArray(data[m]) ? joinText(data[m]) : data[m]);
  if (get('text/html') != null) return `<div class="html">${get('text/html')}</div>`;
  // SVG as an <img>: isolates ids (vega's clip paths/gradients) between charts on one page.
  if (get('image/svg+xml') != null) return `<img alt="chart" src="${dataUri('image/svg+xml', get('image/svg+xml'))}">`;
  for (const m of ['image/png', 'image/jpeg', 'image/gif']) {
    if (get(m) != null) return `<img alt="image" src="${dataUri(m, get(m), true)}">`;
  }
  if (get('text/markdown') != null) return `<div class="md">${renderMarkdown(get('text/markdown'))}</div>`;
  if (get('text/plain') != null) return `<pre>${escapeHtml(get('text/plain'))}</pre>`;
  const jsonMime = Object.keys(data).find((m) => /json$/.test(m));
  if (jsonMime) return `<pre>${escapeHtml(JSON.stringify(data[jsonMime], null, 1))}</pre>`;
  return '';
}

function renderOutput(o) {
  if (o.output_type === 'stream') {
    return `<div class="output"><pre class="stream ${o.name === 'stderr' ? 'stderr' : 'stdout'}">${escapeHtml(joinText(o.text))}</pre></div>`;
  }
  if (o.output_type === 'error') {
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

/** HTML page for one executed notebook. Cell tags: remove-cell, remove-input, remove-output, hide-input. */
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
      let input = '';
      if (!tags.has('remove-input') && src.trim() !== '') {
        input = `<div class="input"><div class="prompt">${prompt}</div><pre><code class="language-typescript">${escapeHtml(src)}</code></pre></div>`;
        if (tags.has('hide-input')) input = `<details><summary>code</summary>${input}</details>`;
      }
      const outs = tags.has('remove-output') ? '' : (cell.outputs ?? []).map(renderOutput).join('\n');
      parts.push(`<div class="cell code">${input}${outs ? `<div class="outputs">\n${outs}\n</div>` : ''}</div>`);
    } else if (cell.cell_type === 'raw') {
      parts.push(`<div class="cell raw"><pre>${escapeHtml(src)}</pre></div>`);
    }
  }
  const nav = `<a href="index.html">Report index</a> · <a href="../notebooks/${encodeURIComponent(name)}.ipynb">${escapeHtml(name)}.ipynb</a>`;
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

/**
 * Writes outDir/report/index.html and outDir/report/<name>.html.
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
  const artifacts = listArtifacts(outDir)
    .map((f) => `<li><a href="../${f.split('/').map(encodeURIComponent).join('/')}">${escapeHtml(f)}</a></li>`)
    .join('\n');
  const body = `<h1>cbm-kit notebooks</h1>
<p>Executed notebooks, rendered statically.</p>
<h2>Notebooks</h2>
<ul class="nb-list">
${items}
</ul>
<h2>Files written by the notebooks</h2>
${artifacts ? `<ul class="nb-list">\n${artifacts}\n</ul>` : '<p class="small">none</p>'}
`;
  fs.writeFileSync(path.join(reportDir, 'index.html'), page('cbm-kit notebooks', body));
  return path.join(reportDir, 'index.html');
}
