/**
 * The fits' `vcov` and `cluster` options against R's sandwich 3.0 (test/fixtures/sandwich_reference.R →
 * sandwich-reference.json, the same fixture as test/sandwich.test.ts): fitLogit / fitLinear with
 * { vcov, cluster } carry vcovHC(m, type) or vcovCL(m, cluster = ~stratum, type), and the coefficient
 * table follows lmtest::coeftest / coefci (z for the glm, t on n − k df for the lm) to 1e-7. R's glm is
 * fitted at epsilon 1e-14, hence tolerance 1e-12 here.
 */
import { describe, expect, it } from 'vitest';
import { fitLinear, fitLogit, LinearModel, LogitModel, stepwise, type RobustType } from '../kernel-lib/src/index';
import { fitLogitInDatabase } from '../kernel-lib/src/sql/index';
import { CbmError } from '../kernel-lib/src/errors';
import { relativeDifference } from './helpers/csv';
import { infert, sandwichCases, sandwichReference, type RInference } from './helpers/sandwichReference';
import { expectCbmError } from './helpers/errors';

const ref = sandwichReference;
type Robust = { vcov?: RobustType; cluster?: string };

const fits: Record<string, (data: typeof infert, robust: Robust) => LogitModel | LinearModel> = {
  'infert logit': (data, robust) => fitLogit(data, 'case ~ age + parity + induced + spontaneous', { tolerance: 1e-12, ...robust }),
  'infert logit with a factor': (data, robust) => fitLogit(data, 'case ~ education + spontaneous + induced', { tolerance: 1e-12, ...robust }),
  'infert linear': (data, robust) => fitLinear(data, 'log(age) ~ parity + education + spontaneous + induced', robust),
};

/** estimate, SE, statistic, p, interval of each row: z for a LogitModel, t for a LinearModel. */
function table(model: LogitModel | LinearModel) {
  return model instanceof LogitModel ? model.coefficientTable().map((r) => ({ ...r, statistic: r.z })) : model.coefficientTable().map((r) => ({ ...r, statistic: r.t }));
}

function expectReference(model: LogitModel | LinearModel, r: RInference): void {
  const p = model.names.length;
  const cov = model.covariance;
  for (let i = 0; i < p; i++)
    for (let j = 0; j < p; j++) expect(Math.abs(cov[i * p + j] - r.covariance[i][j]) / Math.sqrt(r.covariance[i][i] * r.covariance[j][j]), `cov[${i}][${j}]`).toBeLessThan(1e-7);
  table(model).forEach((row, j) => {
    expect(relativeDifference(row.stdError, r.std_errors[j]), `SE ${row.term}`).toBeLessThan(1e-7);
    expect(relativeDifference(row.statistic, r.statistic[j]), `statistic ${row.term}`).toBeLessThan(1e-7);
    expect(relativeDifference(row.pValue, r.p_values[j]), `p ${row.term}`).toBeLessThan(1e-7);
    expect(Math.abs(row.ciLower - r.ci_lower[j]), `CI ${row.term}`).toBeLessThan(1e-7 * r.std_errors[j]);
    expect(Math.abs(row.ciUpper - r.ci_upper[j]), `CI ${row.term}`).toBeLessThan(1e-7 * r.std_errors[j]);
  });
}

const cases = sandwichCases;

describe('fitLogit / fitLinear with { vcov, cluster } (reference: sandwich::vcovHC / vcovCL, lmtest::coeftest)', () => {
  it.each(cases)('%s, %s: coefficient table, summary and JSON round trip', (name, key, m) => {
    const clustered = key.startsWith('CL_');
    const type = (clustered ? key.slice(3) : key) as RobustType;
    const model = fits[name](infert, clustered ? { vcov: type, cluster: m.cluster } : { vcov: type });
    m.coefficients.forEach((b, j) => expect(relativeDifference(model.coefficients[j], b)).toBeLessThan(1e-8));
    expectReference(model, m[key] as RInference);
    expect(model.vcov).toEqual({ type, cluster: clustered ? 'stratum' : null });
    expect(model.summary()).toContain(clustered ? `Standard errors: clustered by stratum (${type}; R: vcovCL)` : `Standard errors: ${type} (sandwich, R: vcovHC)`);
    const text = JSON.stringify(model.toJSON());
    const back = model instanceof LogitModel ? LogitModel.fromJSON(text) : LinearModel.fromJSON(text);
    expect(back.vcov).toEqual(model.vcov);
    expect(back.summary()).toBe(model.summary());
    expectReference(back, m[key] as RInference);
  });

  it("defaults to sandwich's types: HC3 when only vcov is wanted (vcovHC), HC1 with a cluster (vcovCL)", () => {
    const m = ref.models[0];
    const clustered = fitLogit(infert, m.formula, { tolerance: 1e-12, cluster: 'stratum' });
    expect(clustered.vcov).toEqual({ type: 'HC1', cluster: 'stratum' });
    expectReference(clustered, m.CL_HC1 as RInference);
    const linear = ref.models[2];
    const hc3 = fitLinear(infert, linear.formula, { vcov: undefined, cluster: undefined });
    expect(hc3.vcov).toBeNull();
    expect(hc3.toJSON()).not.toHaveProperty('vcov');
    expect(fitLinear(infert, linear.formula, { cluster: 'stratum' }).vcov).toEqual({ type: 'HC1', cluster: 'stratum' });
  });

  it('clusters the fitted rows: rows dropped for a missing value (na: omit) leave the same numbers as R on the complete rows', () => {
    // Three incomplete rows (a missing predictor), interleaved, with clusters of their own and of existing sets.
    const extra = [
      { ...infert[0], age: null, stratum: 999 },
      { ...infert[5], parity: null, stratum: infert[5].stratum },
      { ...infert[9], case: null, induced: null, stratum: 1000 },
    ];
    const data = [...infert.slice(0, 10), extra[0], ...infert.slice(10, 100), extra[1], ...infert.slice(100), extra[2]];
    const m = ref.models[0];
    const model = fitLogit(data, m.formula, { tolerance: 1e-12, vcov: 'HC1', cluster: 'stratum' });
    expect(model.droppedRows).toEqual([10, 101, 250]);
    expectReference(model, m.CL_HC1 as RInference);
    const linear = ref.models[2];
    const lm = fitLinear(data, linear.formula, { vcov: 'HC0', cluster: 'stratum' });
    expect(lm.statistics.nObs).toBe(248);
    expectReference(lm, linear.CL_HC0 as RInference);
  });

  it('refuses bad vcov and cluster options with specific errors, touching no input', () => {
    const f = 'case ~ age + parity';
    for (const fitWith of [(o: object) => fitLogit(infert, f, o), (o: object) => fitLinear(infert, 'age ~ parity', o)]) {
      expectCbmError(() => fitWith({ vcov: 'HC4' }), 'BAD_INPUT', ["vcov must be 'HC0', 'HC1', 'HC2' or 'HC3', got \"HC4\""], [infert]);
      expectCbmError(() => fitWith({ vcov: 'HC3', cluster: 'stratum' }), 'BAD_INPUT', ["clustered covariances are 'HC0' or 'HC1'"]);
      expectCbmError(() => fitWith({ cluster: 'nope' }), 'UNKNOWN_COLUMN', ["'nope'"]);
      expectCbmError(() => fitWith({ cluster: 3 }), 'BAD_INPUT', ['cluster must be a column name']);
    }
    const holed = infert.map((r, i) => (i === 7 ? { ...r, stratum: Number.NaN } : r));
    expectCbmError(() => fitLogit(holed, f, { cluster: 'stratum' }), 'NON_FINITE', ["cluster column 'stratum' is missing in row 7"], [holed]);
    expectCbmError(() => fitLinear(holed, 'age ~ parity', { cluster: 'stratum' }), 'NON_FINITE', ["cluster column 'stratum' is missing in row 7"], [holed]);
    // Row 9 of the input is the 8th fitted row once rows 2 and 5 are dropped for a missing age: the message names the input's row.
    const gapped = infert.map((r, i) => (i === 2 || i === 5 ? { ...r, age: null } : i === 9 ? { ...r, stratum: null } : r));
    expectCbmError(() => fitLogit(gapped, f, { cluster: 'stratum' }), 'NON_FINITE', ["cluster column 'stratum' is missing in row 9"], [gapped]);
    expectCbmError(() => fitLinear(gapped, 'age ~ parity', { vcov: 'HC0', cluster: 'stratum' }), 'NON_FINITE', ["cluster column 'stratum' is missing in row 9"], [gapped]);
    const single = infert.map((r) => ({ ...r, clinic: 'north' }));
    expectCbmError(() => fitLogit(single, f, { cluster: 'clinic' }), 'BAD_INPUT', ["cluster 'clinic' has a single value"], [single]);
    expectCbmError(() => fitLinear(single, 'age ~ parity', { vcov: 'HC0', cluster: 'clinic' }), 'BAD_INPUT', ["cluster 'clinic' has a single value"], [single]);
  });

  it('stepwise and the in-database fit refuse vcov/cluster: options of fitLogit and fitLinear only', async () => {
    expectCbmError(() => stepwise(infert, 'case ~ age + parity + induced', { vcov: 'HC3' } as never), 'BAD_INPUT', [
      'stepwise: vcov (robust standard errors) is an option of fitLogit and fitLinear only',
    ]);
    let queried = false;
    const run = async () => {
      queried = true;
      return [];
    };
    const error = await fitLogitInDatabase(run, { table: 'infert', formula: 'case ~ age', vcov: 'HC1', cluster: 'stratum' } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CbmError);
    expect((error as CbmError).code).toBe('BAD_INPUT');
    expect((error as CbmError).message).toContain('fitLogitInDatabase: vcov and cluster (robust standard errors) are options of fitLogit and fitLinear only');
    expect(queried).toBe(false);
  });

  it('reads vcov from saved JSON only in its schema form (BAD_MODEL_JSON otherwise)', () => {
    const json = fitLogit(infert, 'case ~ age + parity', { vcov: 'HC0' }).toJSON();
    expect(json.vcov).toEqual({ type: 'HC0', cluster: null });
    const bad = (vcov: unknown) => JSON.stringify({ ...json, vcov });
    expectCbmError(() => LogitModel.fromJSON(bad({ type: 'HC5', cluster: null })), 'BAD_MODEL_JSON', ["vcov.type must be 'HC0', 'HC1', 'HC2' or 'HC3'"]);
    expectCbmError(() => LogitModel.fromJSON(bad({ type: 'HC3', cluster: 'stratum' })), 'BAD_MODEL_JSON', ["clustered covariances are 'HC0' or 'HC1'"]);
    expectCbmError(() => LogitModel.fromJSON(bad({ type: 'HC0', cluster: null, extra: 1 })), 'BAD_MODEL_JSON', ['extra']);
    expectCbmError(() => LogitModel.fromJSON(bad('HC0')), 'BAD_MODEL_JSON', ['vcov must be']);
    const linear = fitLinear(infert, 'age ~ parity', { vcov: 'HC2' }).toJSON();
    expectCbmError(() => LinearModel.fromJSON({ ...linear, vcov: { type: 'HC2' } } as never), 'BAD_MODEL_JSON', ['vcov.cluster must be a column name or null']);
  });
});
