/**
 * Notebook checks.
 *
 * One run of the notebook runner (what `npm start` does) executes every
 * notebooks/*.ipynb into out/ — through real `jupyter nbconvert --execute` on
 * the tslab kernel when Jupyter is installed, else in-process through tslab's
 * executor — and the checks below read its results:
 *   (a) every notebook runs through real Jupyter with no error (skipped without
 *       Jupyter locally; a failure in CI, where .ci/run installs it),
 *   (b) the outputs committed in notebooks/ equal a fresh execution,
 *   (c) the artifacts exist in out/.
 * Set CBM_NOTEBOOK_TEST_REUSE=1 to check an existing out/ without re-running.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LogitModel, bankCardCustomers, BANKCARD_SEED, targetList } from '../kernel-lib/src/index';
import { APT_HINT, kernelAvailable } from '../notebooks/runner/jupyter.mjs';
import {
  REPO_ROOT,
  diffNotebookOutputs,
  findErrorOutputs,
  listNotebooks,
  normaliseOutputs,
  notebookName,
  readNotebook,
  scrubPaths,
  serialiseNotebook,
  type Notebook,
} from '../notebooks/runner/nbjson.mjs';

const OUT = path.join(REPO_ROOT, 'out');
const RUN_TIMEOUT_MS = 15 * 60_000;
const IN_CI = Boolean(process.env.CI);
const NOTEBOOKS = listNotebooks().map(notebookName);
const JUPYTER = kernelAvailable();

/** Files each notebook must leave in out/ (keyed by notebook name). */
const EXPECTED_ARTIFACTS: Record<string, string[]> = {
  '01-bankcard-scoring': ['bankcard.model.json', 'target-list.csv', 'bankcard-scores.csv'],
};

interface RunResult {
  code: number;
  output: string;
  backend: string | null;
}
let run: RunResult;

function runRunner(): Promise<RunResult> {
  const args = [path.join(REPO_ROOT, 'notebooks', 'run.mjs'), `--backend=${JUPYTER ? 'jupyter' : 'inprocess'}`];
  // `npm test` has just built kernel-lib; a bare `vitest` run builds it here.
  if (process.env.npm_lifecycle_event === 'test') args.push('--no-build');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => {
      let backend: string | null = null;
      try {
        backend = JSON.parse(fs.readFileSync(path.join(OUT, 'run-summary.json'), 'utf8')).backend;
      } catch {
        /* no summary: the run failed */
      }
      resolve({ code: code ?? 1, output, backend });
    });
  });
}

function executed(name: string): Notebook {
  const file = path.join(OUT, 'notebooks', `${name}.ipynb`);
  if (!fs.existsSync(file)) {
    throw new Error(`out/notebooks/${name}.ipynb missing: the notebook run failed.\n--- runner output ---\n${run.output.slice(-4000)}`);
  }
  return readNotebook(file);
}

beforeAll(async () => {
  if (process.env.CBM_NOTEBOOK_TEST_REUSE && fs.existsSync(path.join(OUT, 'run-summary.json'))) {
    const backend = JSON.parse(fs.readFileSync(path.join(OUT, 'run-summary.json'), 'utf8')).backend;
    run = { code: 0, output: '(reused existing out/)', backend };
    return;
  }
  run = await runRunner();
}, RUN_TIMEOUT_MS);

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
        // Fully static: no scripts, no external stylesheets or images.
        expect(page).not.toMatch(/<script|<link[^>]+stylesheet|src="https?:/i);
        expect(page).not.toContain(REPO_ROOT);
      }
    });
    it('the saved model JSON scores the bank-card rows to the same P as the notebook, and rebuilds its target list', () => {
      const model = LogitModel.fromJSON(fs.readFileSync(path.join(OUT, 'bankcard.model.json'), 'utf8'));
      // Raw rows straight from the generator: the model applies its own encoding and scaling.
      const customers = bankCardCustomers({ seed: BANKCARD_SEED });
      const p = model.predict(customers);
      const notebookScores = fs.readFileSync(path.join(OUT, 'bankcard-scores.csv'), 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));
      expect(notebookScores.map(([id]) => Number(id))).toEqual(customers.map((c) => c.id));
      notebookScores.forEach(([, score], i) => expect(p[i]).toBe(Number(score)));
      const list = fs.readFileSync(path.join(OUT, 'target-list.csv'), 'utf8').trim().split('\n').slice(1).map((line) => Number(line.split(',')[1]));
      expect(list).toEqual(targetList(customers, p, { threshold: 0.8 }).map((t) => t.id));
    });
    it.each(NOTEBOOKS.filter((n) => EXPECTED_ARTIFACTS[n]))('%s wrote its files into out/', (name) => {
      for (const f of EXPECTED_ARTIFACTS[name]) {
        expect(fs.existsSync(path.join(OUT, f)), `out/${f}`).toBe(true);
        expect(fs.statSync(path.join(OUT, f)).size, `out/${f} is empty`).toBeGreaterThan(0);
      }
    });
  });
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
});
