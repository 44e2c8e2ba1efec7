/**
 * What the teaching notebooks (01, 02) hand to a marketer and a manager, checked on the test run's
 * one notebook run (test/setup/notebookRun.ts):
 * - the model JSON against its JSON Schema (LOGIT_MODEL_SCHEMA, written by the build to kernel-lib/logit-model.schema.json), and the
 *   schema against the reader (LogitModel.fromJSON): what one refuses, the other refuses;
 * - out/target-list.csv: its header, P rounded to 3 decimals from the full-precision scores, the
 *   "mailed last month, no response" column against the customer file, the list against the rule;
 * - out/target-list.md: threshold, formula, list size and who is on it, read off the CSV;
 * - out/02-threshold-sweep.csv: B and F recorded, no "NaN", empty cells exactly where a value is
 *   undefined, profit = TP·B − selected·F (closed form);
 * - the HTML report: a summary page with the key figures and links, every code cell folded;
 * - the end-of-run listing: every file with its size, list sizes, the key figures.
 * References: the rules are the chapter's (target list = no response last time and P > a) and the
 * closed forms above; the customers come from the generator, never from the code under test.
 */
import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { CbmError, LogitModel, fitLogit, fitPreparation } from '../kernel-lib/src/index';
import { BANKCARD_SEED, bankCardCustomers } from '../kernel-lib/src/datasets';
import { REPO_ROOT, type Notebook } from '../notebooks/runner/nbjson.mjs';
import { renderNotebookHtml, runListing } from '../notebooks/runner/report.mjs';
import { readCsvText } from './helpers/csv';

const SCHEMA = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'kernel-lib', 'logit-model.schema.json'), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(SCHEMA);
const THRESHOLD = 0.8; // the chapter's a
const customers = bankCardCustomers({ seed: BANKCARD_SEED });

// The notebook run every notebook test shares (test/setup/notebookRun.ts): npm start's out/.
const OUT = path.join(REPO_ROOT, 'out');
const run = inject('notebookRun');
beforeAll(() => {
  if (run.code !== 0) throw new Error(`notebook run failed:\n${run.output.slice(-4000)}`);
});

const read = (file: string) => fs.readFileSync(path.join(OUT, file), 'utf8');
const csv = (file: string) => readCsvText(path.join(OUT, file));

describe('model JSON and its schema', () => {
  it("the notebook's model validates and records how it was made", () => {
    const json = JSON.parse(read('bankcard.model.json'));
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    // Seed, split, elimination settings and threshold: the walk-through's (notebook 01, section 7 and 10).
    expect(json.provenance).toMatchObject({
      dataSeed: BANKCARD_SEED,
      splitSeed: BANKCARD_SEED,
      split: '2:1',
      trainingRows: 100,
      validationRows: 50,
      elimination: 'backward',
      criterion: 'aic',
      hierarchical: false,
      threshold: THRESHOLD,
    });
    expect(LogitModel.fromJSON(json).formula).toBe(json.formula);
  });

  it('validates models of every shape the writer produces', () => {
    const prepare = fitPreparation(customers, { encode: { gender: { M: 1, F: 0 } }, scale: ['income', 'age'] });
    const contacted = customers.filter((c) => c.contacted);
    const shapes = [
      fitLogit(contacted, 'responded ~ gender + age', { prepare }).toJSON(),
      fitLogit(contacted, 'responded ~ gender * age', { prepare, provenance: { seed: 1, note: null, ok: true } }).toJSON(),
      fitLogit(contacted, 'responded ~ gender + income', {}).toJSON(), // gender as a factor, no preparation
      fitLogit(contacted, 'responded ~ 0 + age', { prepare }).toJSON(),
    ];
    for (const json of shapes) expect(validate(JSON.parse(JSON.stringify(json))), JSON.stringify(validate.errors)).toBe(true);
    expect(shapes[2].factorLevels).toEqual({ gender: ['F', 'M'] });
  });

  // Each edit breaks the file; the schema and the reader must both refuse it.
  const breakages: [string, (j: Record<string, any>) => void][] = [
    ['no format', (j) => delete j.format],
    ['another format', (j) => (j.format = 'cbm-kit/other')],
    ['version 2', (j) => (j.version = 2)],
    ['no formula', (j) => delete j.formula],
    ['intercept as text', (j) => (j.intercept = 'yes')],
    ['terms not a list', (j) => (j.terms = 'gender:age')],
    ['a term without variables', (j) => (j.terms[0].variables = [])],
    ['an estimate as text', (j) => (j.coefficients[0].estimate = '1.5')],
    ['no coefficients', (j) => delete j.coefficients],
    ['a covariance entry as text', (j) => (j.covariance[0][0] = 'x')],
    ['a factor with one level', (j) => (j.factorLevels = { gender: ['M'] })],
    ['a range without max', (j) => delete j.preparation.ranges.age.max],
    ['an encoding code as text', (j) => (j.preparation.encodings.gender.M = 'one')],
    ['statistics without AIC', (j) => delete j.statistics.aic],
    ['converged as a number', (j) => (j.statistics.converged = 1)],
    ['confidence level 1.5', (j) => (j.confidenceLevel = 1.5)],
    ['warnings not text', (j) => (j.warnings = [1])],
    ['nested provenance', (j) => (j.provenance = { split: { ratio: '2:1' } })],
    ['event as an object', (j) => (j.event = { level: 1 })],
  ];
  it.each(breakages)('schema and reader both refuse: %s', (_, breakIt) => {
    const json = JSON.parse(read('bankcard.model.json'));
    breakIt(json);
    expect(validate(json)).toBe(false);
    let error: unknown;
    try {
      LogitModel.fromJSON(json);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CbmError);
    expect((error as CbmError).code).toBe('BAD_MODEL_JSON');
  });

  it('the schema is stricter than the reader on one point: unknown fields (typos) are refused', () => {
    const json = { ...JSON.parse(read('bankcard.model.json')), coefficent: [] };
    expect(validate(json)).toBe(false);
  });
});

describe('target list for the marketing team', () => {
  const full = new Map<number, number>();
  beforeAll(() => {
    for (const [id, p] of csv('bankcard-scores.csv').rows) full.set(Number(id), Number(p));
  });

  it('has a header that says what each column means', () => {
    expect(csv('target-list.csv').header).toEqual(['rank', 'id', 'gender', 'age', 'income', 'mailed_last_month_no_response', 'P_rounded']);
  });

  it('rounds P to 3 decimals from the full-precision scores', () => {
    for (const [, id, , , , , p] of csv('target-list.csv').rows) {
      expect(p).toMatch(/^(0|1)\.\d{3}$/);
      expect(p).toBe(full.get(Number(id))!.toFixed(3));
    }
  });

  it('holds exactly the customers who did not respond last month and have P > a, ranked by P', () => {
    const { rows } = csv('target-list.csv');
    const expected = customers.filter((c) => c.responded !== 1 && full.get(c.id)! > THRESHOLD).map((c) => c.id);
    expect(rows.map((r) => Number(r[1])).sort((x, y) => x - y)).toEqual(expected);
    expect(rows.map((r) => Number(r[0]))).toEqual(rows.map((_, i) => i + 1));
    const ps = rows.map((r) => full.get(Number(r[1]))!);
    for (let i = 1; i < ps.length; i++) expect(ps[i]).toBeLessThanOrEqual(ps[i - 1]);
    // The mailed column is the customer file's: mailed last month (and, being listed, no response).
    const byId = new Map(customers.map((c) => [c.id, c]));
    for (const [, id, gender, age, income, mailed] of rows) {
      const c = byId.get(Number(id))!;
      expect([gender, Number(age), Number(income), mailed]).toEqual([c.gender, c.age, c.income, c.contacted ? '1' : '0']);
    }
  });

  it('comes with target-list.md: threshold, model formula, data seed, list size and who is on it', () => {
    const md = read('target-list.md');
    const { rows } = csv('target-list.csv');
    const model = JSON.parse(read('bankcard.model.json'));
    expect(md).toContain(`| list size | **${rows.length}** of 1000 customers |`);
    expect(md).toContain(`| threshold a | ${THRESHOLD} `);
    expect(md).toContain(`\`${model.formula}\``);
    expect(md).toContain(`seed: ${BANKCARD_SEED}`);
    const genders = new Set(rows.map((r) => r[2]));
    const ages = rows.map((r) => Number(r[3]));
    const mailed = rows.filter((r) => r[5] === '1').length;
    if (genders.size === 1) expect(md).toContain(`all ${rows.length} are ${genders.has('M') ? 'men' : 'women'}`);
    expect(md).toContain(`aged ${Math.min(...ages)}–${Math.max(...ages)}`);
    expect(md).toContain(`${rows.length - mailed} were not mailed last month, ${mailed} were mailed and did not respond`);
    // Every column of the CSV is explained.
    for (const column of csv('target-list.csv').header.filter((c) => !['gender', 'age', 'income'].includes(c))) expect(md).toContain(`| ${column} |`);
  });

  it('says what the analysis recommends beside a = 0.8, with expected responders, cost and profit under labelled assumptions, and a note on gender', () => {
    const md = read('target-list.md');
    const m = md.match(/\*\*a = (0\.\d+)\*\* gives the highest profit on the training rows/);
    expect(m, 'target-list.md names the recommended threshold').not.toBeNull();
    const recommended = Number(m![1]);
    expect(recommended).toBeLessThan(THRESHOLD);
    // The recommended list follows the same rule at the recommended threshold (scores from the saved model's file).
    const full = new Map(csv('bankcard-scores.csv').rows.map(([id, p]) => [Number(id), Number(p)]));
    const expected = customers.filter((c) => c.responded !== 1 && full.get(c.id)! > recommended).map((c) => c.id);
    expect(
      csv('target-list-recommended.csv')
        .rows.map((r) => Number(r[1]))
        .sort((x, y) => x - y),
    ).toEqual(expected);
    const listed = csv('target-list.csv').rows.length;
    expect(md).toContain(`| customers on the list | ${listed} (`);
    expect(md).toContain(`| ${expected.length} (`);
    for (const row of ['expected responders', 'cost of mailing (list × F)', 'expected profit (responders × B − cost)']) expect(md).toContain(`| ${row} |`);
    // Cost = list size × F, with F = 20 as the stated assumption.
    expect(md).toContain(`| cost of mailing (list × F) | ${(listed * 20).toLocaleString('en-US')} | ${(expected.length * 20).toLocaleString('en-US')} |`);
    expect(md).toMatch(/\*\*Assumptions\*\* \(not from the book or the data\): B = 60 currency units of profit per responder, F = 20/);
    expect(md).toContain('## Using gender in targeting');
  });
});

describe('02-threshold-sweep.csv', () => {
  it('records B and F and the profit, rounded, in snake_case, and writes no "NaN": undefined values are empty cells', () => {
    const { header, rows } = csv('02-threshold-sweep.csv');
    expect(header).toEqual([
      'sample',
      'threshold',
      'selected',
      'selected_responders',
      'response_rate',
      'hit_rate',
      'lift',
      'roi',
      'profit',
      'profit_per_responder_B',
      'cost_per_contact_F',
    ]);
    expect(read('02-threshold-sweep.csv')).not.toMatch(/nan|infinity|undefined|null/i);
    expect(rows.length).toBe(40);
    const col = (name: string) => header.indexOf(name);
    let emptyRows = 0;
    for (const r of rows) {
      const [selected, tp, B, F] = ['selected', 'selected_responders', 'profit_per_responder_B', 'cost_per_contact_F'].map((n) => Number(r[col(n)]));
      expect([B, F]).toEqual([60, 20]);
      // Closed forms: profit = TP·B − selected·F; response rate = TP/selected; ROI = response rate·B/F (rounded to 4 and 3 decimals).
      expect(Number(r[col('profit')])).toBe(tp * B - selected * F);
      if (selected === 0) {
        emptyRows++;
        for (const name of ['response_rate', 'lift', 'roi']) expect(r[col(name)]).toBe('');
      } else {
        expect(Number(r[col('response_rate')])).toBe(Number((tp / selected).toFixed(4)));
        expect(Number(r[col('roi')])).toBe(Number((((tp / selected) * B) / F).toFixed(3)));
      }
      for (const name of ['response_rate', 'hit_rate']) expect(r[col(name)]).toMatch(/^$|^[01](\.\d{1,4})?$/);
      for (const name of ['lift', 'roi']) expect(r[col(name)]).toMatch(/^$|^\d+(\.\d{1,3})?$/);
      for (const name of ['selected', 'selected_responders', 'hit_rate', 'profit']) expect(r[col(name)]).not.toBe('');
    }
    // At a = 0.95 no validation customer is selected on the walk-through split: the empty case occurs.
    expect(emptyRows).toBeGreaterThan(0);
    // Every column is explained in 02-threshold-sweep.md.
    const md = read('02-threshold-sweep.md');
    for (const name of header) expect(md).toContain(`| ${name} |`);
  });
});

describe('the HTML report', () => {
  it('opens on a summary page with the key figures and links to the notebooks and files', () => {
    const index = read('report/index.html');
    expect(index).toMatch(/<h1>[^<]*summary[^<]*<\/h1>/i);
    for (const label of ['Target list size', 'Base rate', 'Selected', 'Response rate', 'Hit rate', 'Lift', 'ROI']) expect(index).toContain(`<td>${label}`);
    const listed = csv('target-list.csv').rows.length;
    expect(index).toContain(`<td>${listed} customers</td>`);
    for (const link of ['01-bankcard-scoring.html', '02-choosing-the-threshold.html', '../target-list.csv', '../target-list.md', '../bankcard.model.json'])
      expect(index).toContain(`href="${link}"`);
    // The summary precedes the list of notebooks.
    expect(index.indexOf('Target list size')).toBeLessThan(index.indexOf('<h2>Notebooks</h2>'));
  });

  it('folds every code cell of the notebook pages', () => {
    for (const page of ['01-bankcard-scoring', '02-choosing-the-threshold']) {
      const html = read(`report/${page}.html`);
      const nb = JSON.parse(read(`notebooks/${page}.ipynb`)) as Notebook;
      const codeCells = nb.cells.filter((c) => c.cell_type === 'code' && [c.source].flat().join('').trim() !== '').length;
      const folded = (html.match(/<details class="code"><summary>code<\/summary><div class="input">/g) ?? []).length;
      const solutions = (html.match(/<details class="solution"><summary>Worked solution/g) ?? []).length;
      expect(folded + solutions).toBe(codeCells);
      expect(solutions).toBeGreaterThanOrEqual(3); // every exercise has a worked solution
      // No code block outside a <details>: every input is folded.
      const unfolded = html.replace(/<details[\s\S]*?<\/details>/g, '');
      expect(unfolded).not.toContain('class="language-typescript"');
    }
  });

  it('wraps long lines instead of scrolling them off the page', () => {
    expect(read('report/01-bankcard-scoring.html')).toMatch(/pre \{[^}]*white-space: pre-wrap/);
  });

  it('renders a solution cell folded with its output, and markdown unfolded', () => {
    const nb: Notebook = {
      cells: [
        { cell_type: 'markdown', metadata: {}, source: '# T\n\nprose' },
        { cell_type: 'code', metadata: {}, source: 'const x = 1;', execution_count: 1, outputs: [{ output_type: 'stream', name: 'stdout', text: 'shown\n' }] },
        {
          cell_type: 'code',
          metadata: { tags: ['solution'] },
          source: 'answer()',
          execution_count: 2,
          outputs: [{ output_type: 'stream', name: 'stdout', text: 'hidden answer\n' }],
        },
      ],
      metadata: {},
      nbformat: 4,
      nbformat_minor: 5,
    };
    const html = renderNotebookHtml(nb, 't');
    expect(html).toContain('<p>prose</p>');
    expect(html).toMatch(
      /<details class="code"><summary>code<\/summary>[\s\S]*const x = 1;[\s\S]*<\/details><div class="outputs">\n<div class="output"><pre class="stream stdout">shown/,
    );
    expect(html).toMatch(/<details class="solution"><summary>Worked solution \(code and output\)<\/summary>[\s\S]*answer\(\)[\s\S]*hidden answer[\s\S]*<\/details>/);
  });
});

describe('the end of npm start', () => {
  it('lists every file written with its size, the list size and the key figures', () => {
    const lines = runListing(OUT);
    const listed = csv('target-list.csv').rows.length;
    expect(lines[0]).toBe('files written:');
    for (const f of ['target-list.csv', 'target-list.md', 'bankcard.model.json', 'bankcard-scores.csv', '02-threshold-sweep.csv']) {
      const line = lines.find((l) => l.trim().startsWith(`${f} `));
      expect(line, f).toBeDefined();
      expect(line).toMatch(/\d+(\.\d)? (B|KB)/);
    }
    expect(lines.find((l) => l.trim().startsWith('target-list.csv'))).toContain(`${listed} rows`);
    expect(lines.some((l) => /Target list size\s+\d+ customers/.test(l))).toBe(true);
    expect(lines.some((l) => /Response rate \(validation\)\s+\d+\.\d%/.test(l))).toBe(true);
    // And the runner prints it (unknown when the tests check an existing out/).
    if (!run.reused) for (const l of lines) expect(run.output).toContain(l);
  });
});
