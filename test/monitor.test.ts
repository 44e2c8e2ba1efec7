/**
 * Drift monitoring and churn statistics against independent references:
 * - R 4.2.2 `ks.test`, `chisq.test`, `survival::survfit` and `glm` on modeldata::wa_churn (IBM telco
 *   churn, MIT) and on seeded samples: test/fixtures/wa_churn_reference.R → wa-churn-reference.json;
 * - PSI by its closed form on hand-counted bins;
 * - planted ELT faults on the synthetic customer base (a unit change, two swapped columns, a renamed
 *   category) must be flagged; a clean reload (two random halves of the same customers) must not be.
 */
import { describe, expect, it } from 'vitest';
import { expectReproduced, rerunFixtureScript } from './helpers/rerunFixture';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CbmError, chiSquareShares, seededUniform, shuffledIndices, driftReport, fitLogit, kaplanMeier, ksTest, psi } from '../kernel-lib/src/index';
import { customerBase } from '../kernel-lib/src/datasets';
import { driftChart } from '../kernel-lib/src/charts';
import { readCsv, relativeDifference } from './helpers/csv';

const fixtures = join(__dirname, 'fixtures');
const ref = JSON.parse(readFileSync(join(fixtures, 'wa-churn-reference.json'), 'utf8'));
const wa = readCsv(join(fixtures, 'wa_churn.csv'));

describe('ksTest vs R ks.test', () => {
  for (const c of ref.ks) {
    it(`${c.name} (R: ${c.method})`, () => {
      const r = ksTest(c.x, c.y);
      // R computes D from cumulative sums of 1/n, so the last bits can differ.
      expect(Math.abs(r.statistic - c.statistic)).toBeLessThan(1e-12);
      expect(relativeDifference(r.pValue, c.p_value)).toBeLessThan(1e-9);
      expect(r.method).toBe(c.method.startsWith('Exact') ? 'exact' : 'asymptotic');
    });
  }
  for (const c of ref.ks_wa_churn) {
    it(`wa_churn: ${c.name} (asymptotic, ties)`, () => {
      const split = c.split ?? 'churn';
      const inA = (row: Record<string, unknown>) => (split === 'churn' ? row.churn === 'Yes' : row[split] === 1);
      const a = wa.filter(inA).map((r) => r[c.column] as number);
      const b = wa.filter((r) => !inA(r)).map((r) => r[c.column] as number);
      const r = ksTest(a, b);
      expect(r.ties).toBe(true);
      expect(Math.abs(r.statistic - c.statistic)).toBeLessThan(1e-12);
      expect(Math.abs(r.pValue - c.p_value)).toBeLessThan(1e-12);
    });
  }
  it('drops missing values as R does, refuses text and empty samples', () => {
    expect(ksTest([1, null, 2, NaN, 3], [2, 3, 4]).nA).toBe(3);
    expect(() => ksTest([], [1])).toThrow(CbmError);
    expect(() => ksTest(['a'] as never, [1])).toThrow(/not a number/);
    expect(() => ksTest([1], [2], { exakt: true } as never)).toThrow(/unknown option/);
  });
});

describe('chiSquareShares vs R chisq.test', () => {
  for (const c of ref.chisq) {
    it(`${c.column} churned vs stayed`, () => {
      const a = wa.filter((r) => r.churn === 'Yes').map((r) => r[c.column]);
      const b = wa.filter((r) => r.churn !== 'Yes').map((r) => r[c.column]);
      const r = chiSquareShares(a, b);
      expect(relativeDifference(r.statistic, c.statistic)).toBeLessThan(1e-12);
      expect(r.df).toBe(c.df);
      // p-values this small are compared on the log scale.
      if (c.p_value > 0) expect(Math.abs(Math.log(r.pValue) - Math.log(c.p_value))).toBeLessThan(1e-6);
      else expect(r.pValue).toBeLessThan(1e-300);
      expect(r.corrected).toBe(r.levels.length === 2);
    });
  }
});

describe('kaplanMeier vs R survfit', () => {
  const check = (km: ReturnType<typeof kaplanMeier>, r: Record<string, number[]>) => {
    expect([...km.time]).toEqual(r.time);
    expect([...km.atRisk]).toEqual(r.n_risk);
    expect([...km.events]).toEqual(r.n_event);
    expect([...km.censored]).toEqual(r.n_censor);
    km.survival.forEach((s, i) => expect(Math.abs(s - r.surv[i])).toBeLessThan(1e-14));
    km.stdErr.forEach((s, i) => expect(relativeDifference(s, r.std_err[i])).toBeLessThan(1e-12));
  };
  it('small sample: censoring at time 0, tied event and censoring times', () => {
    const km = kaplanMeier(ref.km_small.input_time, ref.km_small.input_event);
    check(km, ref.km_small);
    expect(km.survivalAt(-1)).toBe(1);
    expect(km.survivalAt(4.5)).toBe(ref.km_small.surv[3]);
    expect(km.survivalAt(100)).toBe(km.survival[6]);
  });
  it('wa_churn: tenure with churn as the event', () => {
    const km = kaplanMeier(
      wa.map((r) => r.tenure as number),
      wa.map((r) => (r.churn === 'Yes' ? 1 : 0)),
    );
    check(km, ref.km);
  });
  it('refuses negative, non-finite and mismatched input', () => {
    expect(() => kaplanMeier([1, -1], [1, 0])).toThrow(/negative/);
    expect(() => kaplanMeier([1, NaN], [1, 0])).toThrow(CbmError);
    expect(() => kaplanMeier([1], [1, 0])).toThrow(/time has 1/);
    expect(() => kaplanMeier([1], [2])).toThrow(/event\[0\]/);
  });
});

describe('churn logit with text factors vs R glm (wa_churn)', () => {
  it('coefficients, SEs and logLik to 1e-6', () => {
    const rows = wa.map((r) => ({ ...r, churned: r.churn === 'Yes' ? 1 : 0 }));
    const model = fitLogit(rows, ref.glm.formula, { tolerance: 1e-12 });
    expect([...model.names]).toEqual(ref.glm.coefficient_names);
    model.names.forEach((_name, j) => {
      expect(relativeDifference(model.coefficients[j], ref.glm.coefficients[j])).toBeLessThan(1e-6);
      expect(relativeDifference(model.stdErrors[j], ref.glm.std_errors[j])).toBeLessThan(1e-6);
    });
    expect(relativeDifference(model.statistics.logLikelihood, ref.glm.log_lik)).toBeLessThan(1e-9);
    expect(relativeDifference(model.statistics.aic, ref.glm.aic)).toBeLessThan(1e-9);
  });
});

describe('psi', () => {
  it('closed form on explicit breaks', () => {
    // expected bins (≤1, (1,2], >2): 2, 1, 1 of 4; actual: 1, 1, 2 of 4.
    const r = psi([0, 1, 2, 3], [1, 2, 3, 4], { breaks: [1, 2] });
    const want = (0.25 - 0.5) * Math.log(0.25 / 0.5) + 0 + (0.5 - 0.25) * Math.log(0.5 / 0.25);
    expect(r.psi).toBeCloseTo(want, 15);
  });
  it('levels, with an empty share floored at 1e-4', () => {
    const r = psi(['a', 'a', 'b', 'b'], ['a', 'a', 'a', 'a']);
    const want = (1 - 0.5) * Math.log(1 / 0.5) + (1e-4 - 0.5) * Math.log(1e-4 / 0.5);
    expect(r.psi).toBeCloseTo(want, 12);
  });
  it('is zero for identical samples and refuses bad options', () => {
    expect(psi([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]).psi).toBe(0);
    expect(() => psi([1], [1], { breaks: [2, 1] })).toThrow(/increasing/);
    expect(() => psi([1], [1], { bins: 1 })).toThrow(/bins/);
    expect(() => psi([1], [1], { breaks: [1], bins: 3 } as never)).toThrow(/not both/);
  });
  it('a constant reference bins on the pooled deciles: a complete shift is a major shift (issue 18)', () => {
    // Pooled: 100 threes and 100 thousands. Deciles (type 7): 3 four times, 501.5 (h = 99.5), 1000
    // four times; 1000 is the maximum, so the breaks are 3 and 501.5. Expected is all in the first
    // bin, actual all in the last: PSI = 2·(1 − 1e-4)·ln(1 / 1e-4).
    const r = psi(Array(100).fill(3), Array(100).fill(1000));
    expect(r.bins.map((b) => b.bin)).toEqual(['≤ 3', '≤ 501.5', '> 501.5']);
    expect(r.psi).toBeCloseTo(2 * (1 - 1e-4) * Math.log(1e4), 12);
    expect(r.psi).toBeGreaterThan(0.25);
    // The same constant on both sides is stable.
    expect(psi(Array(50).fill(3), Array(80).fill(3)).psi).toBe(0);
  });
  it('top edge: the largest reference value lies in the top bin (no break at the maximum)', () => {
    // Deciles of 1..10 (type 7): 1.9, 2.8, …, 9.1; all below the maximum 10, so ten bins, the top one (9.1, ∞).
    const r = psi([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [10, 10]);
    expect(r.bins).toHaveLength(10);
    expect(r.bins[9]).toMatchObject({ bin: '> 9.1', expectedShare: 0.1, actualShare: 1 });
    // Deciles of 1, 2 and eight 3s: 1.9, 2.8, then 3 = the maximum, which is no break: the top bin (2.8, ∞) holds the eight 3s.
    expect(psi([1, 2, 3, 3, 3, 3, 3, 3, 3, 3], [3]).bins.map((b) => [b.expectedShare, b.actualShare])).toEqual([
      [0.1, 0],
      [0.1, 0],
      [0.8, 1],
    ]);
  });
});

describe('driftReport on the synthetic customer base', () => {
  const base = customerBase().customers;
  const cols = (rows: typeof base) => ({
    segment: rows.map((r) => r.segment),
    product: rows.map((r) => r.product),
    region: rows.map((r) => r.region),
    tenure_months_at_start: rows.map((r) => r.tenure_months_at_start),
    monthly_charges: rows.map((r) => r.monthly_charges),
    seats: rows.map((r) => r.seats),
  });
  const previous = cols(base);

  it('a clean reload (two random halves of the same customers) is not flagged', () => {
    const order = shuffledIndices(base.length, seededUniform(11));
    const half = base.length / 2;
    const first = cols(Array.from(order.slice(0, half), (i) => base[i]));
    const second = cols(Array.from(order.slice(half), (i) => base[i]));
    const report = driftReport(first, second);
    expect(report.status).toBe('ok');
    expect(report.flagged).toEqual([]);
    expect(report.summary).toMatch(/stable/);
  });
  it('a unit change (charges in cents) is caught on that variable only', () => {
    const broken = { ...previous, monthly_charges: previous.monthly_charges.map((v) => Math.round(v * 100)) };
    const report = driftReport(previous, broken);
    expect(report.status).toBe('drift');
    expect(report.flagged.map((r) => r.variable)).toEqual(['monthly_charges']);
    expect(report.flagged[0].sentence).toMatch(/^monthly_charges: PSI \d+\.\d\d > 0\.25 — distribution shifted/);
  });
  it('two swapped columns are caught on both', () => {
    const broken = { ...previous, monthly_charges: previous.tenure_months_at_start, tenure_months_at_start: previous.monthly_charges };
    const report = driftReport(previous, broken);
    expect(report.flagged.map((r) => r.variable).sort()).toEqual(['monthly_charges', 'tenure_months_at_start']);
    expect(report.flagged.every((r) => r.status === 'drift')).toBe(true);
  });
  it('a renamed category is caught as a new and a vanished level', () => {
    const broken = { ...previous, segment: previous.segment.map((s) => (s === 'small_business' ? 'SMB' : s)) };
    const report = driftReport(previous, broken);
    expect(report.flagged.map((r) => r.variable)).toEqual(['segment']);
    expect(report.flagged[0].sentence).toMatch(/new level 'SMB' .* and level 'small_business' .* vanished — a category renamed\?/);
  });
  it('a vanished column and a type change are drift; the chart carries every variable', () => {
    const { seats: _dropped, ...rest } = previous;
    const report = driftReport(previous, { ...rest, region: previous.seats });
    expect(report.flagged.map((r) => `${r.variable}:${r.kind}`).sort()).toEqual(['region:type changed', 'seats:missing column']);
    const spec = driftChart(report) as { layer: { data: { values: unknown[] } }[] };
    expect(spec.layer[0].data.values).toHaveLength(report.rows.length);
  });
  it('refuses unknown thresholds and empty loads', () => {
    expect(() => driftReport(previous, previous, { psy: 0.2 } as never)).toThrow(/driftReport: unknown option 'psy'; options are 'psi', 'psiWarn'/);
    expect(() => driftReport({ x: [] }, { x: [1] })).toThrow(/previous load has no rows/);
  });
});

describe('wa_churn_reference.R reproduces the committed fixtures', () => {
  it('wa_churn.csv byte for byte, wa-churn-reference.json to 1e-10 relative (the last digits of another BLAS)', () => {
    const written = rerunFixtureScript('wa_churn_reference.R', { outputs: ['wa_churn.csv', 'wa-churn-reference.json'], needs: 'r-base-core, r-cran-survival, r-cran-modeldata' });
    expect(written['wa_churn.csv']).toBe(readFileSync(join(fixtures, 'wa_churn.csv'), 'utf8'));
    expectReproduced(written['wa-churn-reference.json'], ref, 'wa-churn-reference.json');
  });
});

describe('monitoring and dashboard charts render', () => {
  it('driftChart, survivalChart, revenueTrendChart, churnByHorizonChart, priceScenarioChart and forecastChart are valid Vega-Lite (rendered to SVG)', async () => {
    const { renderSvg } = await import('../kernel-lib/src/render');
    const { survivalChart, revenueTrendChart, churnByHorizonChart, priceScenarioChart, forecastChart } = await import('../kernel-lib/src/charts');
    const report = driftReport(
      { fee: [10, 12, 11, 13, 12, 10], tier: ['a', 'b', 'a', 'b', 'a', 'b'] },
      { fee: [1000, 1200, 1100, 1300, 1200, 1000], tier: ['a', 'c', 'a', 'c', 'a', 'c'] },
    );
    const specs = [
      driftChart(report),
      survivalChart([
        { label: 'KM', time: [0, 5, 9], survival: [1, 0.9, 0.7] },
        { label: 'model', time: [5], survival: [0.88], shape: 'point' },
      ]),
      revenueTrendChart([
        { month: '2025-01-01', group: 'A', revenue: 10 },
        { month: '2025-02-01', group: 'A', revenue: 12 },
      ]),
      churnByHorizonChart([
        { group: 'consumer', horizonDays: 21, churnRate: 0.01 },
        { group: 'consumer', horizonDays: 365, churnRate: 0.2 },
      ]),
      priceScenarioChart([
        {
          name: 'A',
          curve: [
            { priceChange: -0.1, expectedRevenue: 90 },
            { priceChange: 0.1, expectedRevenue: 100 },
          ],
          chosen: 0.05,
        },
      ]),
      forecastChart(
        [
          { lower: 90, upper: 100, count: 3 },
          { lower: 100, upper: 110, count: 5 },
        ],
        { markers: [{ label: 'median', value: 101 }] },
      ),
    ];
    for (const spec of specs) expect(await renderSvg(spec)).toMatch(/^<svg/);
    expect(() => survivalChart([{ label: 'x', time: [1, 2], survival: [1] }])).toThrow(/2 times but 1 survival/);
    expect(() =>
      priceScenarioChart([
        {
          name: 'A',
          curve: [
            { priceChange: 0, expectedRevenue: NaN },
            { priceChange: 1, expectedRevenue: 1 },
          ],
        },
      ]),
    ).toThrow(CbmError);
    // A null row or marker is a specific CbmError, not a TypeError from reading its fields.
    expect(() => revenueTrendChart([null as never])).toThrow('revenueTrendChart: rows[0] must be an object, got null');
    expect(() => forecastChart([{ lower: 1, upper: 2, count: 3 }], { markers: [null as never] })).toThrow('forecastChart: markers[0] must be an object, got null');
    expect(() => priceScenarioChart([{ name: 'A', curve: [{ priceChange: 0, expectedRevenue: 1 }, null as never] }])).toThrow(
      'priceScenarioChart: products[0].curve[1] must be an object, got null',
    );
    expect(() => forecastChart([{ lower: 1, upper: 2, count: Number.NaN }])).toThrow('forecastChart: bins[0].count must be a finite number, got NaN');
  });
});

/**
 * One-sided ksTest and the warnings of ksTest and chiSquareShares against R 4.2's ks.test and
 * chisq.test on seeded samples: test/fixtures/monitor_reference.R → monitor-reference.json.
 */
describe('ksTest alternatives and warnings, chiSquareShares expected counts (reference: ks.test, chisq.test)', () => {
  const monitor = JSON.parse(readFileSync(join(fixtures, 'monitor-reference.json'), 'utf8'));
  for (const c of monitor.ks) {
    it(`ks.test ${c.name}, alternative = '${c.alternative}'`, () => {
      const r = ksTest(c.x, c.y, { alternative: c.alternative });
      expect(r.alternative).toBe(c.alternative);
      expect(Math.abs(r.statistic - c.statistic)).toBeLessThan(1e-12);
      expect(Math.abs(r.pValue - c.p_value)).toBeLessThanOrEqual(1e-9 * c.p_value);
      expect(r.method).toBe(c.method.startsWith('Exact') ? 'exact' : 'asymptotic');
      expect(r.warnings).toEqual(c.warnings);
    });
  }
  for (const c of monitor.chisq) {
    it(`chisq.test ${c.name}`, () => {
      const r = chiSquareShares(c.a, c.b);
      expect(r.levels.map((l) => l.level)).toEqual(c.levels);
      expect(relativeDifference(r.statistic, c.statistic)).toBeLessThan(1e-12);
      expect(relativeDifference(r.pValue, c.p_value)).toBeLessThan(1e-10);
      r.levels.forEach((l, k) => {
        expect(relativeDifference(l.expectedA, c.expected_a[k])).toBeLessThan(1e-14);
        expect(relativeDifference(l.expectedB, c.expected_b[k])).toBeLessThan(1e-14);
      });
      expect(r.warnings).toEqual(c.warnings);
    });
  }
  it('refuses an unknown alternative', () => {
    expect(() => ksTest([1, 2], [3, 4], { alternative: 'two-sided' as never })).toThrow(/alternative must be one of 'two.sided', 'less', 'greater'/);
  });
  it('monitor_reference.R reproduces monitor-reference.json', () => {
    const written = rerunFixtureScript('monitor_reference.R', { outputs: ['monitor-reference.json'], needs: 'r-base-core' });
    expectReproduced(written['monitor-reference.json'], monitor, 'monitor-reference.json');
  });
});

describe('ksTest and chiSquareShares: hostile input', () => {
  it('an exact p-value too large to count is refused (TOO_LARGE) instead of running for hours', () => {
    const a = Array.from({ length: 20_000 }, (_, i) => i);
    const b = Array.from({ length: 20_000 }, (_, i) => i + 0.5);
    let code = '';
    try {
      ksTest(a, b, { exact: true });
    } catch (e) {
      code = e instanceof CbmError ? e.code : String(e);
    }
    expect(code).toBe('TOO_LARGE');
    // The asymptotic p is the default at this size.
    expect(ksTest(a, b).method).toBe('asymptotic');
    // A sparse array of length 2³² − 1: TOO_LARGE before the copy's allocation (a RangeError before).
    let huge = '';
    try {
      ksTest(new Array(2 ** 32 - 1), [1]);
    } catch (e) {
      huge = e instanceof CbmError ? e.code : String(e);
    }
    expect(huge).toBe('TOO_LARGE');
  });

  it('options by the declared schema; __proto__ and constructor are ordinary levels', () => {
    expect(() => ksTest([1], [2], { exact: 1 } as never)).toThrow(/exact must be true or false/);
    expect(() => chiSquareShares(['a'], ['b'], { corect: false } as never)).toThrow(/unknown option 'corect'/);
    expect(() => chiSquareShares(['a'], ['b'], { correct: 'no' } as never)).toThrow(/correct must be true or false/);
    const result = chiSquareShares(['__proto__', 'constructor', 'a'], ['__proto__', 'a', 'a']);
    expect(result.levels.map((l) => l.level)).toEqual(['__proto__', 'a', 'constructor']);
    expect(result.levels[0].expectedA).toBe(1); // 3·2/6, chisq.test's expected
  });
});
