/**
 * Notebook checks.
 *
 * One run of the notebook runner (what `npm start` does) executes every notebooks/*.ipynb into
 * out/ — through real `jupyter nbconvert --execute` on the tslab kernel when Jupyter is installed,
 * else in-process through tslab's executor — and the checks below read its results (the run is
 * test/setup/notebookRun.ts, once per test run, shared with teaching.test.ts):
 *   (a) every notebook runs through real Jupyter with no error (skipped without
 *       Jupyter locally; a failure in CI, where .ci/run installs it),
 *   (b) the outputs committed in notebooks/ equal a fresh execution,
 *   (c) the artifacts exist in out/.
 * Set CBM_NOTEBOOK_TEST_REUSE=1 to check an existing out/ without re-running.
 *
 * Then the runner's own regressions on scratch notebooks in temp dirs (both
 * backends where Jupyter is installed) and the report's HTML sanitising.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LogitModel, targetList } from '../kernel-lib/src/index';
import { bankCardCustomers, BANKCARD_SEED, customerBase, CUSTOMER_BASE_SEED } from '../kernel-lib/src/datasets';
import { APT_HINT, detectJupyter, jupyterEnv, kernelAvailable } from '../notebooks/runner/jupyter.mjs';
import {
  REPO_ROOT,
  diffNotebookOutputs,
  findErrorOutputs,
  joinText,
  listNotebooks,
  normaliseOutputs,
  notebookName,
  readNotebook,
  scrubPaths,
  serialiseNotebook,
  type Cell,
  type Notebook,
} from '../notebooks/runner/nbjson.mjs';
import { CSP, renderNotebookHtml, sanitizeHtml } from '../notebooks/runner/report.mjs';
import { openDuckDB } from '../kernel-lib/src/warehouse';
import { chartDefects, notebookCharts } from './helpers/chart-check';
import { readCsvText } from './helpers/csv';

const OUT = path.join(REPO_ROOT, 'out');
const RUNNER = path.join(REPO_ROOT, 'notebooks', 'run.mjs');
const RUN_TIMEOUT_MS = 15 * 60_000;
/** CI=true/1/yes... means CI; unset, empty, "false" and "0" do not. */
function isCi(value: string | undefined): boolean {
  const v = (value ?? '').trim().toLowerCase();
  return v !== '' && v !== 'false' && v !== '0';
}
const IN_CI = isCi(process.env.CI);
const NOTEBOOKS = listNotebooks().map(notebookName);
const JUPYTER = kernelAvailable();

/** Files each notebook must leave in out/ (keyed by notebook name). */
const EXPECTED_ARTIFACTS: Record<string, string[]> = {
  '01-bankcard-scoring': ['bankcard.model.json', 'target-list.csv', 'target-list.md', 'bankcard-scores.csv', 'summary/01-bankcard-scoring.json'],
  '02-choosing-the-threshold': ['02-threshold-sweep.csv'],
  '04-pricing-and-simulation': ['pricing-forecast.json', 'summary/04-pricing-and-simulation.json'],
  '05-leadership-dashboard': ['summary/05-leadership-dashboard.json'],
};

/** The run of every notebook into out/ (test/setup/notebookRun.ts, once per test run). */
const run = inject('notebookRun');

/** Runner processes still running; afterAll stops them (e.g. after a hook timeout). */
const runners = new Set<ChildProcess>();

/** Spawns `node notebooks/run.mjs ...args` and collects its output. */
function spawnRunner(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(process.execPath, [RUNNER, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  runners.add(child);
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const done = new Promise<{ code: number; output: string }>((resolve) =>
    child.on('close', (code, signal) => {
      runners.delete(child);
      resolve({ code: code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1), output });
    }),
  );
  return { child, done };
}

afterAll(async () => {
  // SIGTERM lets the runner stop its kernels and remove its temp files; SIGKILL if it does not exit.
  await Promise.all(
    [...runners]
      .filter((child) => child.exitCode === null && child.signalCode === null)
      .map(
        (child) =>
          new Promise<void>((resolve) => {
            const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
            child.on('exit', () => {
              clearTimeout(force);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
  );
}, 30_000);

function executed(name: string): Notebook {
  const file = path.join(OUT, 'notebooks', `${name}.ipynb`);
  if (!fs.existsSync(file)) {
    throw new Error(`out/notebooks/${name}.ipynb missing: the notebook run failed.\n--- runner output ---\n${run.output.slice(-4000)}`);
  }
  return readNotebook(file);
}

describe('notebooks', () => {
  it('there are notebooks to run', () => {
    expect(NOTEBOOKS.length).toBeGreaterThan(0);
  });

  describe('(a) execute through real jupyter nbconvert --execute', () => {
    if (IN_CI) {
      it('Jupyter and the tslab kernel are installed (CI)', () => {
        expect(JUPYTER, `CI must have Jupyter + the tslab kernel: ${APT_HINT} (see .ci/run)`).toBe(true);
      });
    } else if (!JUPYTER) {
      it.skip(`skipped: Jupyter nbconvert not installed (${APT_HINT}); notebooks ran in-process instead`, () => {});
    }
    if (JUPYTER || IN_CI) {
      it('the runner used Jupyter and succeeded', () => {
        expect(run.code, `notebook run failed:\n${run.output.slice(-6000)}`).toBe(0);
        expect(run.backend).toBe('jupyter');
      });
      it.each(NOTEBOOKS)('%s has no error outputs', (name) => {
        const nb = executed(name);
        expect(findErrorOutputs(nb)).toEqual([]);
        const codeCells = nb.cells.filter((c) => c.cell_type === 'code' && [c.source].flat().join('').trim() !== '');
        expect(codeCells.every((c) => typeof c.execution_count === 'number')).toBe(true);
      });
    }
  });

  describe('(b) committed outputs equal a fresh execution', () => {
    it.each(NOTEBOOKS)('%s', (name) => {
      const committed = readNotebook(path.join(REPO_ROOT, 'notebooks', `${name}.ipynb`));
      const diffs = diffNotebookOutputs(committed, executed(name), name);
      if (diffs.length > 0) {
        throw new Error(
          `notebooks/${name}.ipynb does not carry the outputs of a fresh run ` +
            `(${diffs.length} difference(s)). If the change is intended, run \`npm run notebooks:update\` and commit.\n\n` +
            diffs.slice(0, 8).join('\n\n') +
            (diffs.length > 8 ? `\n\n… and ${diffs.length - 8} more` : ''),
        );
      }
      // The committed file is also byte-identical to what the runner writes (canonical form).
      expect(fs.readFileSync(path.join(REPO_ROOT, 'notebooks', `${name}.ipynb`), 'utf8')).toBe(serialiseNotebook(executed(name)));
    });
  });

  describe('(c) artifacts in out/', () => {
    it('the run succeeded', () => {
      expect(run.code, `notebook run failed:\n${run.output.slice(-6000)}`).toBe(0);
    });
    it('executed notebooks and a static report exist', () => {
      const index = fs.readFileSync(path.join(OUT, 'report', 'index.html'), 'utf8');
      for (const name of NOTEBOOKS) {
        expect(fs.existsSync(path.join(OUT, 'notebooks', `${name}.ipynb`)), `out/notebooks/${name}.ipynb`).toBe(true);
        const page = fs.readFileSync(path.join(OUT, 'report', `${name}.html`), 'utf8');
        expect(index).toContain(`href="${name}.html"`);
        // Fully static: no scripts, no external stylesheets or images, no event handlers or javascript: URLs.
        expect(page).not.toMatch(/<script|<link[^>]+stylesheet|src="https?:/i);
        expect(page).not.toMatch(/<[^>]*\son\w+\s*=/i);
        expect(page).not.toMatch(/javascript:/i);
        expect(page).toContain(`<meta http-equiv="Content-Security-Policy" content="${CSP}">`);
        expect(page).not.toContain(REPO_ROOT);
        // Tables and charts still render (sanitising keeps them).
        expect(page).toContain('<table class="dataframe"><thead><tr><th>');
        expect(page).toContain('<img alt="chart" src="data:image/svg+xml;base64,');
      }
    });
    it('the saved model JSON scores the bank-card rows to the same P as the notebook, and rebuilds its target list', () => {
      const model = LogitModel.fromJSON(fs.readFileSync(path.join(OUT, 'bankcard.model.json'), 'utf8'));
      // Raw rows straight from the generator: the model applies its own encoding and scaling.
      const customers = bankCardCustomers({ seed: BANKCARD_SEED });
      const p = model.predict(customers);
      const notebookScores = readCsvText(path.join(OUT, 'bankcard-scores.csv')).rows;
      expect(notebookScores.map(([id]) => Number(id))).toEqual(customers.map((c) => c.id));
      notebookScores.forEach(([, score], i) => expect(p[i]).toBe(Number(score)));
      const list = readCsvText(path.join(OUT, 'target-list.csv')).rows.map((fields) => Number(fields[1]));
      expect(list).toEqual(targetList(customers, p, { threshold: 0.8 }).map((t) => t.id));
    });
    it('04 and 05 carry one price plan and one forecast: the same price change and baseline for each product, the same forecast of the plan', () => {
      const summaryOf = (name: string) => JSON.parse(fs.readFileSync(path.join(OUT, 'summary', `${name}.json`), 'utf8'));
      const pricing = summaryOf('04-pricing-and-simulation').plan;
      const dashboard = summaryOf('05-leadership-dashboard').plan;
      expect(pricing.products.map((p: { product: string }) => p.product)).toEqual(['A', 'B']);
      expect(dashboard.date).toBe(pricing.date);
      // The baseline from the generator itself: customers who paid in December 2026 and did not cancel in it.
      const base = customerBase({ seed: CUSTOMER_BASE_SEED });
      const product = new Map(base.customers.map((c) => [c.customer_id, c.product]));
      const inDecember = (type: string) => new Set(base.events.filter((e) => e.type === type && e.date.startsWith('2026-12')).map((e) => e.customer_id));
      const cancelled = inDecember('cancellation');
      const active = [...inDecember('purchase')].filter((id) => !cancelled.has(id));
      const yearly = new Map<number, number>();
      for (const e of base.events) if (e.type === 'purchase' && e.date.startsWith('2026-12') && !cancelled.has(e.customer_id)) yearly.set(e.customer_id, 12 * e.amount);
      pricing.products.forEach((p: any, k: number) => {
        const d = dashboard.products[k];
        expect(d.product).toBe(p.product);
        expect(d.baseline.customers).toBe(p.baseline.customers);
        expect(p.baseline.customers).toBe(active.filter((id) => product.get(id) === p.product).length);
        const revenue = active.filter((id) => product.get(id) === p.product).reduce((s, id) => s + (yearly.get(id) ?? 0), 0);
        expect(Math.abs(p.baseline.revenueIfAllStay - revenue)).toBeLessThan(1e-6 * revenue);
        expect(Math.abs(d.baseline.revenueIfAllStay - p.baseline.revenueIfAllStay)).toBeLessThan(1e-9 * revenue);
        // Same model fitted on rows built in TypeScript (04) and in SQL (05): equal up to rounding.
        expect(Math.abs(d.priceChange - p.priceChange)).toBeLessThan(1e-9);
        expect(Math.abs(d.baseline.expectedRevenue - p.baseline.expectedRevenue)).toBeLessThan(1e-9 * revenue);
        expect(Math.abs(d.atNewPrice.expectedRevenue - p.atNewPrice.expectedRevenue)).toBeLessThan(1e-9 * revenue);
      });
      // One forecast: the same customers, inputs and seed in both, so equal up to rounding.
      for (const key of ['mean', 'p5', 'p50', 'p95']) expect(Math.abs(dashboard.forecast[key] - pricing.forecast[key]), key).toBeLessThan(1e-9 * pricing.forecast[key]);
      expect(dashboard.forecast.simulations).toBe(pricing.forecast.simulations);
      // No simulated year brings more than every baseline customer paying twelve bills at the plan's prices.
      const allStayAtPlan = pricing.products.reduce((s: number, p: any) => s + p.baseline.revenueIfAllStay * (1 + p.priceChange), 0);
      expect(pricing.forecast.p5).toBeLessThan(pricing.forecast.mean);
      expect(pricing.forecast.mean).toBeLessThan(pricing.forecast.p95);
      expect(pricing.forecast.p95).toBeLessThanOrEqual(allStayAtPlan);
      // And the pages say so in the same words: the price changes and forecast figures of both summaries are the same text.
      const planFigures = (name: string) =>
        summaryOf(name)
          .figures.filter((f: { label: string }) => /^(Price change|Forecast next year|Revenue next year)/.test(f.label))
          .map((f: { label: string; value: string }) => `${f.label}: ${f.value}`);
      expect(planFigures('04-pricing-and-simulation')).toHaveLength(5);
      expect(planFigures('05-leadership-dashboard')).toEqual(planFigures('04-pricing-and-simulation'));
    });
    it.each(NOTEBOOKS.filter((n) => EXPECTED_ARTIFACTS[n]))('%s wrote its files into out/', (name) => {
      for (const f of EXPECTED_ARTIFACTS[name]) {
        expect(fs.existsSync(path.join(OUT, f)), `out/${f}`).toBe(true);
        expect(fs.statSync(path.join(OUT, f)).size, `out/${f} is empty`).toBeGreaterThan(0);
      }
    });
  });
});

/** What a value that went wrong looks like on a page: undefined, NaN or an object printed as text. */
const BROKEN_VALUE = /\bundefined\b|\bNaN\b|\[object Object\]/;

describe('what a reader sees', () => {
  it.each(NOTEBOOKS)(
    '%s: every chart renders with its bars and areas drawn and every field defined',
    async (name) => {
      const found: string[] = [];
      for (const chart of notebookCharts(executed(name))) for (const defect of await chartDefects(chart.spec)) found.push(`${chart.title}: ${defect}`);
      expect(found).toEqual([]);
    },
    120_000,
  );

  it.each(NOTEBOOKS)('%s: no output and no report page shows undefined, NaN or [object Object]', (name) => {
    const hits: string[] = [];
    executed(name).cells.forEach((cell, i) => {
      for (const o of cell.outputs ?? []) {
        const texts = [
          o.text,
          ...Object.entries(o.data ?? {})
            .filter(([mime]) => mime.startsWith('text/'))
            .map(([, v]) => v),
        ];
        for (const t of texts) {
          const text = joinText(t as string | string[] | undefined);
          const m = text.match(BROKEN_VALUE);
          if (m) hits.push(`cell ${i}: …${text.slice(Math.max(0, (m.index ?? 0) - 60), (m.index ?? 0) + 40)}…`);
        }
      }
    });
    expect(hits).toEqual([]);
    // The page itself, outside the notebook's prose (markdown may say "undefined" as a word): tables and output text.
    const page = fs.readFileSync(path.join(OUT, 'report', `${name}.html`), 'utf8');
    const cells = [...page.matchAll(/<(td|th|pre)[^>]*>([^<]*)</g)].map((m) => m[2]);
    expect(cells.filter((c) => BROKEN_VALUE.test(c))).toEqual([]);
  });
});

/** Every table of a DuckDB file, each ordered by all its columns, as text: what "the same warehouse" means. */
async function dumpWarehouse(file: string): Promise<Record<string, string>> {
  const db = await openDuckDB(file);
  try {
    const tables = await db.run(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1`);
    const dump: Record<string, string> = {};
    for (const { table_name } of tables) {
      const rows = await db.run(`SELECT * FROM "${String(table_name)}" ORDER BY ALL`);
      dump[String(table_name)] = JSON.stringify(rows, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
    }
    return dump;
  } finally {
    await db.close();
  }
}

/** Files under `dir` (relative paths), sorted. */
function filesUnder(dir: string, rel = ''): string[] {
  return fs
    .readdirSync(path.join(dir, rel), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(dir, path.join(rel, e.name)) : [path.join(rel, e.name)]))
    .sort();
}

describe('a second run writes the same files', () => {
  // The first run's out/ is copied aside and `npm start` runs again into out/ (paths stored in the
  // warehouse, such as a loaded file's, are the same only in the same place, as for a user).
  let first = '';
  let secondRun = { code: 0, output: '' };
  beforeAll(async () => {
    first = fs.mkdtempSync(path.join(os.tmpdir(), 'cbm-first-run-'));
    fs.cpSync(OUT, first, { recursive: true });
    secondRun = await spawnRunner([`--backend=${JUPYTER ? 'jupyter' : 'inprocess'}`, '--timeout=120', '--no-build']).done;
  }, RUN_TIMEOUT_MS);
  afterAll(() => {
    if (first) fs.rmSync(first, { recursive: true, force: true });
  });

  it('the same file list, byte-identical files, and a warehouse with the same rows in every table', async () => {
    expect(run.code, 'the first run failed').toBe(0);
    expect(secondRun.code, `second run failed:\n${secondRun.output.slice(-4000)}`).toBe(0);
    const files = filesUnder(first);
    expect(filesUnder(OUT)).toEqual(files);
    // DuckDB's file layout (block allocation) is not part of the promise; its tables are.
    const differing = files.filter((f) => f !== 'cbm.duckdb' && !fs.readFileSync(path.join(first, f)).equals(fs.readFileSync(path.join(OUT, f))));
    expect(differing).toEqual([]);
    const [a, b] = [await dumpWarehouse(path.join(first, 'cbm.duckdb')), await dumpWarehouse(path.join(OUT, 'cbm.duckdb'))];
    expect(Object.keys(b)).toEqual(Object.keys(a));
    for (const table of Object.keys(a)) expect(b[table], `table ${table}`).toBe(a[table]);
  }, 120_000);
});

describe('the summary page', () => {
  it('carries each notebook’s key figures: threshold advice, data status, the price plan and the forecast', () => {
    const index = fs.readFileSync(path.join(OUT, 'report', 'index.html'), 'utf8');
    for (const name of NOTEBOOKS) {
      expect(fs.existsSync(path.join(OUT, 'summary', `${name}.json`)), `summary/${name}.json`).toBe(true);
      expect(index).toContain(`(details: <a href="${name}.html">`);
    }
    for (const label of [
      'Recommended threshold',
      'Profit at a = 0.8 (validation)',
      'Data status',
      'Price change, product A',
      'Price change, product B',
      'Forecast next year under the plan',
      'Revenue next year under the plan, 90 % interval',
    ])
      expect(index).toContain(`<td>${label}`);
    const cells = [...index.matchAll(/<(td|th|li|p)[^>]*>([^<]*)</g)].map((m) => m[2]);
    expect(cells.filter((c) => BROKEN_VALUE.test(c))).toEqual([]);
  });

  it('lists the deliverables apart from the test inputs made faulty on purpose', () => {
    const index = fs.readFileSync(path.join(OUT, 'report', 'index.html'), 'utf8');
    const section = (title: string) => {
      const start = index.indexOf(`<h3>${title}</h3>`);
      expect(start, `section ${title}`).toBeGreaterThan(0);
      const end = index.indexOf('<h3>', start + 1);
      return index.slice(start, end < 0 ? undefined : end);
    };
    const deliverables = section('Deliverables');
    const tests = section('Test inputs');
    for (const f of ['target-list.csv', 'target-list-recommended.csv', 'target-list.md', 'cbm.duckdb', '02-threshold-sweep.csv', 'pricing-forecast.json'])
      expect(deliverables).toContain(`href="../${f}"`);
    for (const f of ['customers-faulty.csv', 'events-broken.csv']) {
      expect(tests).toContain(`href="../${f}"`);
      expect(deliverables).not.toContain(f);
    }
  });
});

describe('the class path through notebook 01', () => {
  const nb = readNotebook(path.join(REPO_ROOT, 'notebooks', '01-bankcard-scoring.ipynb'));
  const core = nb.cells.filter((c) => ((c.metadata?.tags as string[] | undefined) ?? []).includes('core'));
  const words = core.filter((c) => c.cell_type === 'markdown').reduce((n, c) => n + (joinText(c.source).match(/\S+/g) ?? []).length, 0);

  it('is at most 25 cells tagged core with at most 1,500 words of prose', () => {
    expect(core.length).toBeGreaterThan(10);
    expect(core.length).toBeLessThanOrEqual(25);
    expect(words).toBeLessThanOrEqual(1500);
  });

  it(
    'runs on its own: the core cells alone, in a fresh kernel, reach the target list',
    async () => {
      // Inside the checkout, so that the cells (and ./lib) resolve @cbm-kit/kernel-lib from its node_modules.
      const dir = fs.mkdtempSync(path.join(REPO_ROOT, '.cbm-core-'));
      try {
        fs.mkdirSync(path.join(dir, 'nb'));
        fs.writeFileSync(path.join(dir, 'nb', '01-core.ipynb'), JSON.stringify({ ...nb, cells: core.map((c) => ({ ...c, outputs: c.cell_type === 'code' ? [] : undefined })) }));
        // Cells run with cwd = the notebooks' folder: the core needs ./lib and figures/ as notebooks/ has them.
        fs.cpSync(path.join(REPO_ROOT, 'notebooks', 'lib'), path.join(dir, 'nb', 'lib'), { recursive: true });
        fs.cpSync(path.join(REPO_ROOT, 'notebooks', 'figures'), path.join(dir, 'nb', 'figures'), { recursive: true });
        const { code, output } = await spawnRunner(['--backend=inprocess', '--no-build', '--timeout=120', `--notebooks=${path.join(dir, 'nb')}`, `--out=${path.join(dir, 'out')}`])
          .done;
        expect(code, output.slice(-3000)).toBe(0);
        expect(fs.readFileSync(path.join(dir, 'out', 'target-list.csv'), 'utf8')).toBe(fs.readFileSync(path.join(OUT, 'target-list.csv'), 'utf8'));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
    RUN_TIMEOUT_MS,
  );
});

describe('interactive use: npm run lab', () => {
  it('notebooks/lab.mjs registers the project kernel and names the Jupyter front end it would open (or how to install one)', () => {
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'notebooks', 'lab.mjs'), '--check'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
    if (!JUPYTER) {
      expect(r.status).toBe(2);
      return;
    }
    expect(r.stdout).toContain('kernel: tslab (.jupyter-kernel/share/jupyter/kernels/tslab/kernel.json)');
    expect(r.stdout).toMatch(/front end: (lab|notebook|none\. Install a Jupyter front end)/);
    expect(r.status).toBe(/front end: none/.test(r.stdout) ? 2 : 0);
    expect(JSON.parse(fs.readFileSync(path.join(REPO_ROOT, '.jupyter-kernel', 'share', 'jupyter', 'kernels', 'tslab', 'kernel.json'), 'utf8')).argv[0]).toBe(process.execPath);
  });

  it.skipIf(!JUPYTER)(
    'the registered kernel starts through jupyter_client and runs a cell that imports kernel-lib',
    () => {
      // The Python that runs `jupyter` (its shebang) has jupyter_client; python3 on PATH may not.
      const jupyter = detectJupyter()!.jupyter;
      const shebang = fs.readFileSync(fs.existsSync(jupyter) ? jupyter : spawnSync('which', [jupyter], { encoding: 'utf8' }).stdout.trim(), 'utf8').split('\n')[0];
      const python = shebang.replace(/^#!\s*/, '').split(/\s+/)[0];
      const code = "import { fitLogit } from '@cbm-kit/kernel-lib';\nconst m = fitLogit({ y: [0, 0, 1, 1, 0, 1], x: [1, 2, 3, 4, 3.5, 2.5] }, 'y ~ x');\nm.coefficients.length";
      const r = spawnSync(python, [path.join(REPO_ROOT, 'notebooks', 'runner', 'kernel_smoke.py'), path.join(REPO_ROOT, 'notebooks'), code], {
        encoding: 'utf8',
        env: jupyterEnv(),
        timeout: 180_000,
      });
      expect(r.status, r.stderr).toBe(0);
      const result = JSON.parse(r.stdout.trim().split('\n').pop()!);
      // tslab prints a cell's last value on stdout.
      expect(result).toEqual({ status: 'ok', outputs: [{ type: 'stream', text: '2\n' }] });
    },
    200_000,
  );
});

describe('notebook normalisation', () => {
  it('merges stream outputs and scrubs the repository path', () => {
    const outs = normaliseOutputs([
      { output_type: 'stream', name: 'stdout', text: ['a\n'] },
      { output_type: 'stream', name: 'stdout', text: `${REPO_ROOT}/notebooks\n` },
      { output_type: 'display_data', data: { 'text/plain': ['x'] }, metadata: {}, transient: { display_id: 'abc' } },
    ]);
    expect(outs).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'a\n<repo>/notebooks\n' },
      { output_type: 'display_data', data: { 'text/plain': 'x' }, metadata: {} },
    ]);
    expect(scrubPaths(`at ${REPO_ROOT}x/y`)).toBe(`at ${REPO_ROOT}x/y`);
  });
  it('scrubs the pid of Node warnings', () => {
    const outs = normaliseOutputs([{ output_type: 'stream', name: 'stderr', text: '(node:12345) Warning: careful\n' }]);
    expect(outs).toEqual([{ output_type: 'stream', name: 'stderr', text: '(node:<pid>) Warning: careful\n' }]);
  });
  it('flags TypeScript diagnostics of module cells as errors', () => {
    const cell = (text: string): Cell => ({ cell_type: 'code', metadata: {}, source: 'x', outputs: [{ output_type: 'stream', name: 'stderr', text }] });
    const nb: Notebook = {
      cells: [cell("mymod.ts 2:14 - Type 'string' is not assignable to type 'number'.\n"), cell('note: 2:14 - fine\n')],
      metadata: {},
      nbformat: 4,
      nbformat_minor: 5,
    };
    expect(findErrorOutputs(nb).map((e) => e.cell)).toEqual([0]);
  });
  it('treats only a non-empty CI other than "false"/"0" as CI', () => {
    expect([undefined, '', 'false', 'FALSE', '0', ' '].map(isCi)).toEqual([false, false, false, false, false, false]);
    expect(['true', '1', 'yes', 'github'].map(isCi)).toEqual([true, true, true, true]);
  });
});

// ------------------------------------------------------------ runner regressions on scratch notebooks

const BACKENDS = JUPYTER || IN_CI ? ['jupyter', 'inprocess'] : ['inprocess'];
const SCRATCH_TIMEOUT_MS = 120_000; // a cap, not a target: jupyter runs took up to 33 s on a loaded CI machine
const scratchDirs: string[] = [];
afterAll(() => {
  for (const d of scratchDirs) fs.rmSync(d, { recursive: true, force: true });
});

type ScratchCell = string | (Partial<Cell> & { source: string });

/** A temp dir with t.ipynb made of `cells` (code cells unless told) and node_modules linked to the project's. */
function scratchNotebook(cells: ScratchCell[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbm-nbtest-'));
  scratchDirs.push(dir);
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const nb: Notebook = {
    cells: cells.map((c, i) => ({
      cell_type: 'code',
      id: `c${i}`,
      metadata: {},
      execution_count: null,
      outputs: [],
      ...(typeof c === 'string' ? { source: c } : c),
    })),
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  };
  fs.writeFileSync(path.join(dir, 't.ipynb'), JSON.stringify(nb));
  return dir;
}

function runScratch(dir: string, backend: string, extra: string[] = [], env: NodeJS.ProcessEnv = process.env) {
  const args = ['--no-build', `--backend=${backend}`, `--notebooks=${dir}`, `--out=${path.join(dir, `out-${backend}`)}`, '--timeout=60', ...extra];
  return spawnRunner(args, env);
}

/** Command lines of the processes whose working directory is `dir` (nbconvert, the kernel, the in-process child). */
function processesIn(dir: string): string[] {
  const real = fs.realpathSync(dir);
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (fs.readlinkSync(`/proc/${pid}/cwd`) === real) found.push(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim());
    } catch {
      /* gone, or a zombie */
    }
  }
  return found;
}

async function waitFor<T>(probe: () => T | null | undefined | false, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Concurrent: the runs mostly wait (kernel startup, timeouts, shutdown); each has its own temp dir.
describe.concurrent('runner regressions (scratch notebooks)', () => {
  it.each(BACKENDS)(
    '%s: an unawaited rejected promise, a rejected async call and a throwing timer fail the run',
    async (backend) => {
      const dir = scratchNotebook([
        "const p = Promise.reject(new Error('escaped-rejection'));\nconsole.log('cell 1');",
        "import * as fs from 'fs';\n(async () => { await fs.promises.readFile('/nonexistent/escaped-readfile'); })();\nconsole.log('cell 2');",
        "setTimeout(() => { throw new Error('escaped-timer'); }, 10);\nconsole.log('cell 3');",
      ]);
      const { code, output } = await runScratch(dir, backend).done;
      expect(code, output).toBe(1);
      expect(output).toContain('an error escaped every cell');
      expect(output).toContain('3 error(s) escaped every cell:');
      for (const marker of ['escaped-rejection', 'escaped-readfile', 'escaped-timer']) expect(output).toContain(marker);
    },
    SCRATCH_TIMEOUT_MS,
  );

  it.each(BACKENDS)(
    '%s: a /** @module */ cell with a type error fails the run',
    async (backend) => {
      const dir = scratchNotebook(["/** @module mymod */\nexport const x: number = 'not a number';", "console.log('next');"]);
      const { code, output } = await runScratch(dir, backend).done;
      expect(code, output).toBe(1);
      expect(output).toMatch(/error output in cell 1\/2 \(notebook cell index 0\):\n\s+mymod\.ts 2:\d+ - Type 'string' is not assignable/);
    },
    SCRATCH_TIMEOUT_MS,
  );

  it(
    `${BACKENDS.join(' and ')}: every cell runs (skip-execution too), output after a cell ended is dropped, no Node warnings, same notebook`,
    async () => {
      const dir = scratchNotebook([
        {
          source: "console.log('ran although tagged skip-execution');",
          metadata: { tags: ['skip-execution'] },
          execution_count: 7,
          outputs: [{ output_type: 'stream', name: 'stdout', text: 'stale\n' }],
        },
        "process.nextTick(() => console.log('tick'));\nsetImmediate(() => console.log('immediate'));\nsetTimeout(() => console.log('timer'), 0);\nconsole.log('sync');",
        "process.emitWarning('careful');\nconsole.log('after warning');",
        "console.log('last');",
      ]);
      const written: string[] = [];
      for (const backend of BACKENDS) {
        const { code, output } = await runScratch(dir, backend).done;
        expect(code, output).toBe(0);
        const nb = readNotebook(path.join(dir, `out-${backend}`, 'notebooks', 't.ipynb'));
        expect(
          nb.cells.map((c) => [c.execution_count, (c.outputs ?? []).map((o) => [o.name, joinText(o.text)])]),
          backend,
        ).toEqual([
          [1, [['stdout', 'ran although tagged skip-execution\n']]],
          [2, [['stdout', 'sync\n']]],
          [3, [['stdout', 'after warning\n']]],
          [4, [['stdout', 'last\n']]],
        ]);
        written.push(serialiseNotebook(nb));
      }
      for (const text of written) expect(text).toBe(written[0]);
    },
    2 * SCRATCH_TIMEOUT_MS,
  );

  it.each(BACKENDS)(
    '%s: a cell that runs past --timeout fails the run',
    async (backend) => {
      // The cell would wait ten minutes, far past this test's own time limit: the run can only end in
      // time if --timeout stopped it. No wall-clock bound here: kernel start-up under a loaded CI
      // machine varies (27 s was seen), and that is not what this test is about.
      const dir = scratchNotebook(["console.log('slow');\nawait new Promise((r) => setTimeout(r, 600_000));", "console.log('never');"]);
      // Not 1 s: the runner's hidden guard cells run under the same timeout, and tests run concurrently.
      const { code, output } = await runScratch(dir, backend, ['--timeout=3']).done;
      expect(code, output).toBe(1);
      expect(output).toMatch(/cell 1\/2 \(notebook cell index 0\) failed/);
      expect(output).toMatch(/timed out/i);
      expect(output).not.toContain('never');
    },
    SCRATCH_TIMEOUT_MS,
  );

  it.runIf(fs.existsSync('/proc/self/cwd')).each(BACKENDS)(
    '%s: SIGTERM stops the kernel and removes the temp files',
    async (backend) => {
      const dir = scratchNotebook(["console.log('started');\nawait new Promise((r) => setTimeout(r, 600_000));"]);
      const tmp = path.join(dir, 'tmp');
      fs.mkdirSync(tmp);
      const { child, done } = runScratch(dir, backend, [], { ...process.env, TMPDIR: tmp });
      const kernel = backend === 'jupyter' ? /tslab kernel/ : /inprocess-child/;
      await waitFor(() => processesIn(dir).some((p) => kernel.test(p)), 60_000, 'the kernel to start');
      await new Promise((r) => setTimeout(r, 500));
      child.kill('SIGTERM');
      const { code, output } = await done;
      expect(code, output).toBe(143);
      expect(output).toContain('SIGTERM: stopping the notebook processes');
      await waitFor(() => processesIn(dir).length === 0, 5_000, `no process left in ${dir}: ${processesIn(dir).join('; ')}`);
      expect(fs.readdirSync(tmp)).toEqual([]);
    },
    SCRATCH_TIMEOUT_MS,
  );

  it('runs when started through a symlinked checkout', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbm-nbtest-'));
    scratchDirs.push(dir);
    fs.symlinkSync(REPO_ROOT, path.join(dir, 'repo'), 'dir');
    const child = spawn(process.execPath, [path.join(dir, 'repo', 'notebooks', 'run.mjs'), '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const code = await new Promise((r) => child.on('close', r));
    expect(code).toBe(0);
    expect(out).toContain('Usage: node notebooks/run.mjs');
  });

  it.each(['abc', '0', '-5', 'Infinity', ''])('rejects --timeout=%s', async (value) => {
    const { code, output } = await spawnRunner(['--no-build', `--timeout=${value}`]).done;
    expect(code).toBe(2);
    expect(output).toContain('--timeout must be a positive number of seconds');
  });
});

// ------------------------------------------------------------ report sanitising

describe('report sanitising', () => {
  const md = (source: string): Cell => ({ cell_type: 'markdown', metadata: {}, source });
  const out = (data: Record<string, unknown>): Cell => ({
    cell_type: 'code',
    metadata: {},
    source: 'x',
    execution_count: 1,
    outputs: [{ output_type: 'display_data', metadata: {}, data }],
  });
  const hostile: Notebook = {
    cells: [
      md('# Hostile\n\n<img src=x onerror="document.title=1"> [link](javascript:alert(1)) <a href="jav&#x09;ascript:alert(1)">x</a>'),
      md('<iframe src="https://example.com"></iframe><object data="x"></object><embed src="x">\n\n<script>alert(1)</script><style>body{display:none}</style>'),
      out({ 'text/html': '<table class="dataframe"><tr><td>ok</td></tr></table></div></div></div></main><h1>ESCAPED</h1>', 'text/plain': 'p' }),
      out({ 'text/html': '<ul><li><div><li>x</li></div></li></ul><p style="position:fixed">overlay</p><b>bold<svg><script>alert(1)</script></svg>', 'text/plain': 'p' }),
      out({ 'text/html': '<a href="javascript:alert(1)" onclick="alert(1)" onmouseover=alert(1)>a</a><form action="https://evil"><input type="text"></form>', 'text/plain': 'p' }),
      out({ 'image/png': 'AAAA" onerror="alert(1)', 'text/plain': 'bad image' }),
      md('<!-- an unclosed comment\n\nstill visible'),
      md('## LAST'),
    ],
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  };
  const page = renderNotebookHtml(hostile, 'hostile');

  it('carries a Content-Security-Policy that allows no script, frame or remote resource', () => {
    expect(CSP).toBe("default-src 'none'; img-src data:; style-src 'unsafe-inline'");
    expect(page).toContain(`<meta http-equiv="Content-Security-Policy" content="${CSP}">`);
  });

  it('drops scripts, frames, objects, event handlers, javascript: URLs, forms and comments', () => {
    expect(page).not.toMatch(/<script|<iframe|<object|<embed|<form|<svg|<!--/i);
    expect(page.match(/<style/g)).toHaveLength(1); // the page's own
    expect(page).not.toMatch(/<[^>]*\son\w+\s*=/i);
    expect(page).not.toMatch(/javascript:|jav&#x09;ascript/i);
    expect(page).not.toContain('position:fixed');
    expect(page).toContain('&lt;!-- an unclosed comment');
    expect(page).toContain('still visible');
  });

  it('drops an image payload that is not base64', () => {
    expect(page).not.toContain('AAAA"');
    expect(page).toContain('<pre>bad image</pre>');
  });

  it('keeps every output inside its container', () => {
    // Strictly nested tags from <main> to </main>: nothing closes the page's own elements.
    const body = page.slice(page.indexOf('<main>'), page.indexOf('</main>') + '</main>'.length);
    const stack: string[] = [];
    for (const m of body.matchAll(/<(\/?)([a-zA-Z][\w-]*)[^>]*>/g)) {
      const name = m[2].toLowerCase();
      if (['br', 'hr', 'img', 'input', 'col', 'wbr'].includes(name)) continue;
      if (m[1]) expect(stack.pop(), `</${name}> at ${m.index}`).toBe(name);
      else stack.push(name);
    }
    expect(stack).toEqual([]);
    expect(page).toContain('<td>ok</td></tr></table><h1>ESCAPED</h1></div></div>');
    // The parser closes an open div at a <li>: divs become block spans, whose end tags cannot close the page's divs.
    expect(sanitizeHtml('<ul><li><div><li>x</div>')).toBe('<ul><li><span class="html-block"><li>x</li></span></li></ul>');
    expect(page.trimEnd().endsWith('</main>\n</body>\n</html>')).toBe(true);
  });

  it("leaves the notebooks' own HTML as it is", () => {
    const table = '<table class="dataframe"><thead><tr><th>a</th></tr></thead><tbody><tr><td>1 &lt; 2</td></tr></tbody></table><p>… 3 more rows</p>';
    expect(sanitizeHtml(table)).toBe(table);
    const markdown = '<p><a href="https://example.com/x?a=1&amp;b=2">x</a> <code>a &lt; b</code> <img src="data:image/png;base64,AAAA" alt="i"></p>';
    expect(sanitizeHtml(markdown)).toBe(markdown);
  });
});
