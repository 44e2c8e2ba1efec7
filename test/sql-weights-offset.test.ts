/**
 * Prior weights and offsets in the in-database fit and in scoringSQL (issue 20, item 3), on DuckDB
 * and PostgreSQL: fitLogitInDatabase with `weights`/`offset` equals R's glm (test/fixtures/
 * weights_offset.R → weights-offset.json: esoph aggregated binomial, infert offset log(age),
 * infert zero weights with an offset), and a model with an offset scores in SQL as its predict.
 * The fixture script is rerun here and must reproduce the committed JSON.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitLinear, fitLogit, type LogitModel } from '../kernel-lib/src/index';
import type { Row } from '../kernel-lib/src/data/table';
import { scoringQuery } from '../kernel-lib/src/sql/scoring';
import type { SqlExecutor } from '../kernel-lib/src/sql/executor';
import { fitLogitInDatabase, stepwiseInDatabase } from '../kernel-lib/src/warehouse';
import { readCsv, relativeDifference } from './helpers/csv';
import { expectCbmError } from './helpers/errors';
import { sqlEngines } from './helpers/sqlEngines';
import { expectReproduced, rerunFixtureScript } from './helpers/rerunFixture';
import { loadRows } from './helpers/sqlLoad';

const fixtures = join(__dirname, 'fixtures');
const ref = JSON.parse(readFileSync(join(fixtures, 'weights-offset.json'), 'utf8'));
const esoph = ref.esoph.data as Row[];
const mtcars = ref.mtcars.data as Row[];
const infert = readCsv(join(fixtures, 'infert.csv')).map((r, i) => ({
  id: i,
  case: r.case as number,
  age: r.age as number,
  spontaneous: r.spontaneous as number,
  induced: r.induced as number,
  w: (r.stratum as number) % 3,
  shift: (r.parity as number) / 10,
}));

interface RGlm {
  coefficient_names: string[];
  coefficients: number[];
  std_errors: number[];
  nobs: number;
  df_residual: number;
  df_null: number;
  log_lik: number;
  deviance: number;
  null_deviance: number;
  aic: number;
  bic: number;
}

function expectGlm(model: LogitModel, r: RGlm): void {
  expect(model.names).toEqual(r.coefficient_names);
  r.coefficients.forEach((value, j) => expect(relativeDifference(model.coefficients[j], value), r.coefficient_names[j]).toBeLessThan(1e-7));
  r.std_errors.forEach((value, j) => expect(relativeDifference(model.stdErrors[j], value), `SE ${r.coefficient_names[j]}`).toBeLessThan(1e-7));
  const s = model.statistics;
  expect(s.nObs).toBe(r.nobs);
  expect(s.dfResidual).toBe(r.df_residual);
  expect(s.dfNull).toBe(r.df_null);
  for (const [ours, theirs] of [
    [s.logLikelihood, r.log_lik],
    [s.deviance, r.deviance],
    [s.nullDeviance, r.null_deviance],
    [s.aic, r.aic],
    [s.bic, r.bic],
  ])
    expect(relativeDifference(ours, theirs)).toBeLessThan(1e-9);
}

it('weights_offset.R reproduces the committed fixture', () => {
  const out = rerunFixtureScript('weights_offset.R', { inputs: ['infert.csv'], outputs: ['weights-offset.json'], needs: 'r-base-core' });
  expectReproduced(out['weights-offset.json'], ref, 'weights-offset.json');
});

const { engines } = sqlEngines();

describe.each(engines)('weights and offsets in the database on $name', (engine) => {
  let db: SqlExecutor;
  beforeAll(async () => {
    db = await engine.open();
    await loadRows(db, 'esoph', { agegp: 'text', alcgp: 'text', ncases: 'double', ncontrols: 'double', total: 'double', rate: 'double' }, esoph);
    await loadRows(db, 'infert', { id: 'double', case: 'double', age: 'double', spontaneous: 'double', induced: 'double', w: 'double', shift: 'double' }, infert);
    await loadRows(db, 'mtcars', { mpg: 'double', wt: 'double', hp: 'double', cyl: 'double', gear: 'double', w: 'double' }, mtcars);
  });
  afterAll(() => db.close());

  it('an aggregated binomial with weights equals R glm (esoph)', async () => {
    expectGlm(await fitLogitInDatabase(db, { table: 'esoph', formula: 'rate ~ agegp + alcgp', weights: 'total' }), ref.esoph.glm);
  });

  it('an offset in the formula or as an option equals R glm (infert, log(age))', async () => {
    expectGlm(await fitLogitInDatabase(db, { table: 'infert', formula: 'case ~ spontaneous + induced + offset(log(age))' }), ref.infert_offset);
    const model = await fitLogitInDatabase(db, { table: 'infert', formula: 'case ~ spontaneous + induced', offset: 'log(age)' });
    expectGlm(model, ref.infert_offset);
    expect(model.offset).toBe('log(age)');
  });

  it('zero weights with an offset equal R glm (infert)', async () => {
    expectGlm(await fitLogitInDatabase(db, { table: 'infert', formula: 'case ~ age + spontaneous + induced', weights: 'w', offset: 'shift' }), ref.infert_weights);
  });

  it('scoringSQL adds the offset as predict does (logit and linear models)', async () => {
    const logit = fitLogit(infert, 'case ~ spontaneous + induced + offset(log(age))');
    const rows = await db.run(scoringQuery(logit, { table: 'infert', keep: ['id'], dialect: engine.name === 'DuckDB' ? 'duckdb' : 'postgres' }));
    const expected = logit.predict(infert);
    for (const r of rows) expect(relativeDifference(Number(r.score), expected[Number(r.id)])).toBeLessThan(1e-12);
    const r = ref.infert_offset;
    r.predict_rows.forEach((i: number, k: number) => expect(relativeDifference(Number(rows.find((row) => Number(row.id) === i)!.score), r.predict_response[k])).toBeLessThan(1e-9));
    const linear = fitLinear(mtcars, 'mpg ~ wt + offset(log(hp))', { weights: 'w' });
    const scored = await db.run(scoringQuery(linear, { table: 'mtcars', keep: ['mpg', 'wt', 'hp'], dialect: engine.name === 'DuckDB' ? 'duckdb' : 'postgres' }));
    const predicted = linear.predict(scored.map((s) => ({ wt: Number(s.wt), hp: Number(s.hp) })));
    scored.forEach((s, k) => expect(relativeDifference(Number(s.score), predicted[k])).toBeLessThan(1e-12));
  });

  it('refuses what it cannot do', async () => {
    await expect(fitLogitInDatabase(db, { table: 'esoph', formula: 'ncases ~ agegp', weights: 'total' })).rejects.toThrow(/must be a proportion between 0 and 1/);
    await expect(fitLogitInDatabase(db, { table: 'infert', formula: 'case ~ age + offset(shift)', offset: 'shift' })).rejects.toThrow(/the offset is given twice/);
    await expect(stepwiseInDatabase(db, { table: 'infert', formula: 'case ~ age + spontaneous', weights: 'w' })).rejects.toThrow(/weights and offsets are options of/);
    expectCbmError(() => fitLogit(infert, 'case ~ age', { weights: 'w', cluster: 'id' }), 'BAD_INPUT', ['not available with prior weights']);
  });
});
