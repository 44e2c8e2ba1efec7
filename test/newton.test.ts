/**
 * The one Newton driver (kernel-lib/src/model/newton.ts): fitLogit answers it from columns,
 * fitLogitInDatabase from one aggregate query per request, and both must therefore propose the
 * same β at every step and stop by the same rules. References: R's glm on the Spector & Mazzeo
 * data (test/fixtures/spector-logit.json, made by spector_reference.R, tight control) for the
 * estimates; for the rules, the two fits against each other (the property the driver exists for),
 * on embedded DuckDB as test/sql-fit.test.ts runs it. The two cases where the hand-kept copies
 * had drifted (issue 17) are tests here: the iteration limit, and a stepwise candidate that
 * cannot be fitted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CbmError, fitLogit, seededUniform } from '../kernel-lib/src/index';
import type { NewtonDriverOptions, NewtonEvaluation, NewtonFit, NewtonRequest } from '../kernel-lib/src/model/newton';
import { stepwise } from '../kernel-lib/src/model/stepwise';
import type { SqlExecutor } from '../kernel-lib/src/sql/executor';
import { fitLogitInDatabase, stepwiseInDatabase } from '../kernel-lib/src/warehouse';
import { openDuckDB } from '../kernel-lib/src/warehouse/duckdb';
import { readCsv, relativeDifference } from './helpers/csv';
import { loadRows } from './helpers/sqlLoad';

/** Every run of the exported driver, with the requests it made (β copied). */
const drives = vi.hoisted(() => [] as { p: number; requests: { need: string; beta: number[] }[] }[]);
vi.mock('../kernel-lib/src/model/newton', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../kernel-lib/src/model/newton')>();
  function* recorded(p: number, options?: NewtonDriverOptions): Generator<NewtonRequest, NewtonFit, NewtonEvaluation> {
    const log = { p, requests: [] as { need: string; beta: number[] }[] };
    drives.push(log);
    const inner = actual.newtonSteps(p, options);
    let next = inner.next();
    while (!next.done) {
      log.requests.push({ need: next.value.need, beta: Array.from(next.value.beta) });
      next = inner.next(yield next.value);
    }
    return next.value;
  }
  return { ...actual, newtonSteps: recorded };
});

const fixtures = join(__dirname, 'fixtures');
const spectorRows = readCsv(join(fixtures, 'spector.csv'));
const rGlm = JSON.parse(readFileSync(join(fixtures, 'spector-logit.json'), 'utf8')).r_glm.tight_control;

/** y ~ x with a steep logit: Newton from zero needs 7 iterations (more than 5). */
const u = seededUniform('newton-iterations');
const steep = Array.from({ length: 500 }, () => {
  const x = Math.round(u() * 4e6) / 1e6;
  return { x, y: u() < 1 / (1 + Math.exp(-(-6 + 3 * x))) ? 1 : 0 };
});

/** Two text factors, every g × h cell filled; y depends on the cell. */
const v = seededUniform('newton-factors');
const cells = Array.from({ length: 600 }, () => {
  const g = ['a', 'b', 'c'][Math.floor(v() * 3)];
  const h = ['p', 'q'][Math.floor(v() * 2)];
  const x = Math.round(v() * 1e6) / 1e6;
  return { g, h, x, y: v() < (g === 'a' ? 0.3 : 0.5) + (h === 'q' && g !== 'b' ? 0.2 : 0) ? 1 : 0 };
});
/** The same with the cell g = 'c', h = 'q' empty (its rows moved to g = 'b'). */
const emptyCell = cells.map((r) => (r.g === 'c' && r.h === 'q' ? { ...r, g: 'b' } : r));

async function thrown(run: () => unknown): Promise<CbmError> {
  try {
    await run();
  } catch (e) {
    expect(e).toBeInstanceOf(CbmError);
    return e as CbmError;
  }
  throw new Error('expected a CbmError');
}

describe('the one Newton driver, in memory and in DuckDB', () => {
  let db: SqlExecutor;
  beforeAll(async () => {
    db = await openDuckDB(':memory:');
    await loadRows(db, 'spector', { GPA: 'double', TUCE: 'double', PSI: 'double', GRADE: 'double' }, spectorRows);
    await loadRows(db, 'steep', { x: 'double', y: 'double' }, steep);
    await loadRows(db, 'cells', { g: 'text', h: 'text', x: 'double', y: 'double' }, cells);
    await loadRows(db, 'empty_cell', { g: 'text', h: 'text', x: 'double', y: 'double' }, emptyCell);
  });
  afterAll(() => db.close());

  it('both fits run the exported driver, which proposes the same β at every request; estimates equal R glm (spector) to 1e-8', async () => {
    const formula = 'GRADE ~ GPA + TUCE + PSI';
    drives.length = 0;
    const memory = fitLogit(spectorRows, formula);
    expect(drives).toHaveLength(1);
    const inDatabase = await fitLogitInDatabase(db, { table: 'spector', formula });
    expect(drives).toHaveLength(2);
    const [a, b] = drives;
    expect(a.p).toBe(4);
    expect(b.requests.map((r) => r.need)).toEqual(a.requests.map((r) => r.need));
    a.requests.forEach((request, k) =>
      request.beta.forEach((value, j) => expect(Math.abs(value - b.requests[k].beta[j]), `request ${k}, β${j}`).toBeLessThan(1e-10 * (1 + Math.abs(value)))),
    );
    expect(inDatabase.statistics.iterations).toBe(memory.statistics.iterations);
    memory.names.forEach((name, j) => {
      expect(Math.abs(inDatabase.coefficients[j] - memory.coefficients[j])).toBeLessThan(1e-10 * (1 + Math.abs(memory.coefficients[j])));
      expect(relativeDifference(memory.coefficients[j], rGlm.coefficients[name]), name).toBeLessThan(1e-8);
      expect(relativeDifference(inDatabase.coefficients[j], rGlm.coefficients[name]), name).toBeLessThan(1e-8);
    });
    expect(relativeDifference(inDatabase.statistics.logLikelihood, rGlm.logLik)).toBeLessThan(1e-10);
  });

  it('the iteration limit is the same rule in both: one short of the iterations needed is NOT_CONVERGED in both, exactly enough converges in both', async () => {
    const needed = fitLogit(steep, 'y ~ x').statistics.iterations;
    expect(needed).toBeGreaterThan(5);
    for (const maxIterations of [5, needed - 1]) {
      const memory = await thrown(() => fitLogit(steep, 'y ~ x', { maxIterations }));
      const inDatabase = await thrown(() => fitLogitInDatabase(db, { table: 'steep', formula: 'y ~ x', maxIterations }));
      expect([memory.code, inDatabase.code]).toEqual(['NOT_CONVERGED', 'NOT_CONVERGED']);
      expect(inDatabase.details).toEqual(memory.details);
      expect(memory.details).toEqual({ iterations: maxIterations });
    }
    const memory = fitLogit(steep, 'y ~ x', { maxIterations: needed });
    const inDatabase = await fitLogitInDatabase(db, { table: 'steep', formula: 'y ~ x', maxIterations: needed });
    expect([memory.statistics.iterations, inDatabase.statistics.iterations]).toEqual([needed, needed]);
    memory.coefficients.forEach((value, j) => expect(Math.abs(inDatabase.coefficients[j] - value)).toBeLessThan(1e-10 * (1 + Math.abs(value))));
  });

  it('stepwise and stepwiseInDatabase take the same steps through an aliased candidate (y ~ g + g:h, two text factors)', async () => {
    // Dropping g leaves g:h alone beside the intercept: all six g × h indicator columns, rank 6 of
    // 7 (as R's model.matrix(~ g:h)), so that candidate has one NA column and costs no rank: both
    // searches drop it first, as R's step() drops a zero-df term.
    const options = { hierarchical: false } as const;
    const memory = stepwise(cells, 'y ~ g + g:h', options);
    const inDatabase = await stepwiseInDatabase(db, { table: 'cells', formula: 'y ~ g + g:h', ...options });
    expect(memory.steps[1]).toMatchObject({ removed: 'g', df: 0 });
    expect(memory.steps.flatMap((s) => s.candidates.filter((c) => c.skipped))).toEqual([]);
    expect(inDatabase.steps.map((s) => [s.removed, s.df])).toEqual(memory.steps.map((s) => [s.removed, s.df]));
    expect(inDatabase.steps.map((s) => s.candidates.map((c) => c.term))).toEqual(memory.steps.map((s) => s.candidates.map((c) => c.term)));
    inDatabase.steps.forEach((s, k) => expect(relativeDifference(s.aic, memory.steps[k].aic)).toBeLessThan(1e-9));
    expect(inDatabase.model.formula).toBe(memory.model.formula);
    expect(inDatabase.model.aliased).toEqual(memory.model.aliased);
  });

  it('y ~ g * h with an empty interaction cell: both stepwise searches fit the full model with that cell NA (R: NA), alike', async () => {
    const memory = stepwise(emptyCell, 'y ~ g * h');
    const inDatabase = await stepwiseInDatabase(db, { table: 'empty_cell', formula: 'y ~ g * h' });
    expect([...memory.initial.aliased]).toEqual(['gc:hq']);
    expect([...inDatabase.initial.aliased]).toEqual(['gc:hq']);
    expect(inDatabase.initial.warnings).toEqual(memory.initial.warnings);
    memory.initial.coefficients.forEach((value, j) =>
      Number.isNaN(value)
        ? expect(inDatabase.initial.coefficients[j]).toBeNaN()
        : expect(Math.abs(inDatabase.initial.coefficients[j] - value)).toBeLessThan(1e-8 * (1 + Math.abs(value))),
    );
    expect(inDatabase.steps.map((s) => s.removed)).toEqual(memory.steps.map((s) => s.removed));
  });
});
