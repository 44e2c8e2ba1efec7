/**
 * checkOptionSchema: the one declarative check of public functions' options. References are
 * closed forms: the calendar (Gregorian leap years), the declared bounds, and the message shape.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CbmError,
  checkOptionSchema,
  competitorIndex,
  gainsTable,
  isCalendarDate,
  optimizePrice,
  psi,
  retentionElasticity,
  roi,
  seededUniform,
  tableFromRange,
  toCsv,
  trainValidationSplit,
} from '../kernel-lib/src/index';
import {
  calibrationChart,
  coefficientChart,
  driftChart,
  forecastChart,
  gainsChart,
  histogramChart,
  liftChart,
  rocChart,
  survivalChart,
  thresholdSweepChart,
} from '../kernel-lib/src/charts';
import { calibrationTable, churnModelTable, readOutcome, driftReport, fitDiscreteHazard, rocCurve, simulateRevenue, thresholdSweep } from '../kernel-lib/src/index';
import { simulateRevenueParallel } from '../kernel-lib/src/simulate/parallel';
import { streamKey } from '../kernel-lib/src/simulate/streams';
import { bankCardCustomers, bankCardResponseProbabilities, customerBase } from '../kernel-lib/src/datasets';
import { scoringQuery, scoringSQL } from '../kernel-lib/src/sql';
import { applyPreparation, fitLinear, fitLogit, fitPreparation, parseFormula, stepwise } from '../kernel-lib/src/index';

/** The message of the CbmError that an async call rejects with. */
const refused = async (call: () => Promise<unknown>): Promise<string> => {
  try {
    await call();
  } catch (e) {
    expect(e).toBeInstanceOf(CbmError);
    return (e as CbmError).message;
  }
  throw new Error('expected a CbmError');
};

const error = (f: () => unknown): CbmError => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CbmError);
    return e as CbmError;
  }
  throw new Error('expected a CbmError');
};

describe('checkOptionSchema', () => {
  const schema = {
    seed: { kind: 'seed', required: true, example: '7' },
    share: { kind: 'number', min: 0, max: 1, exclusive: 'both' },
    groups: { kind: 'number', integer: true, min: 1 },
    scale: { kind: 'oneOf', values: ['level', 'log'] },
  } as const;

  it('accepts exactly the numbers inside the declared bounds', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: false }), (share) => {
        const inside = Number.isFinite(share) && share > 0 && share < 1;
        let threw = false;
        try {
          checkOptionSchema({ seed: 1, share }, 'f', schema);
        } catch (e) {
          threw = true;
          expect((e as CbmError).code).toBe('BAD_INPUT');
          expect((e as CbmError).message).toMatch(/^f: share must be a finite number above 0 and below 1, got /);
          expect((e as CbmError).details.option).toBe('share');
        }
        expect(threw).toBe(!inside);
      }),
    );
  });

  it('names a missing required option with its example, an unknown name with a suggestion, a bad kind with what is expected', () => {
    expect(error(() => checkOptionSchema({}, 'f', schema)).message).toBe('f: seed is required, e.g. 7');
    expect(error(() => checkOptionSchema(undefined, 'f', schema)).message).toBe('f: seed is required, e.g. 7');
    expect(error(() => checkOptionSchema({ seed: 1, group: 2 }, 'f', schema)).message).toMatch(/unknown option 'group' \(did you mean 'groups'\?\)/);
    expect(error(() => checkOptionSchema({ seed: 1, groups: 2.5 }, 'f', schema)).message).toBe('f: groups must be a whole number ≥ 1, got 2.5');
    expect(error(() => checkOptionSchema({ seed: 1, scale: 'logarithmic' }, 'f', schema)).message).toBe(`f: scale must be one of 'level', 'log', got "logarithmic"`);
    expect(error(() => checkOptionSchema({ seed: null }, 'f', schema)).message).toBe('f: seed must be a finite number or a non-empty string like 7, got null');
    expect(error(() => checkOptionSchema([], 'f', schema)).message).toMatch(/options must be an object/);
  });

  it('one seed rule: seededUniform, streamKey and a seed option accept and refuse the same values, in the same words', () => {
    const refusal = (f: () => unknown): string | undefined => {
      try {
        f();
        return undefined;
      } catch (e) {
        expect((e as CbmError).code).toBe('BAD_INPUT');
        return (e as CbmError).message;
      }
    };
    const candidates = fc.oneof(fc.double(), fc.string({ maxLength: 3 }), fc.anything());
    fc.assert(
      fc.property(candidates, (seed) => {
        const valid = (typeof seed === 'number' && Number.isFinite(seed)) || (typeof seed === 'string' && seed.length > 0);
        const uniform = refusal(() => seededUniform(seed as never));
        expect(uniform === undefined).toBe(valid);
        expect(refusal(() => streamKey(seed as never))).toBe(uniform);
        const option = refusal(() => checkOptionSchema({ seed }, 'f', schema));
        // undefined is a missing option there ('seed is required'), not a bad seed.
        if (seed !== undefined) expect(option === undefined).toBe(valid);
      }),
      { seed: 2026 },
    );
    expect(refusal(() => seededUniform(Number.NaN))).toBe('seed must be a finite number or a non-empty string, got NaN');
    expect(refusal(() => streamKey(''))).toBe('seed must be a finite number or a non-empty string, got ""');
  });

  it('does not mutate the options', () => {
    const options = Object.freeze({ seed: 3, share: 0.5 });
    checkOptionSchema(options, 'f', schema);
    expect(options).toEqual({ seed: 3, share: 0.5 });
  });

  it('isCalendarDate follows the Gregorian calendar (leap years: divisible by 4, not by 100 unless by 400)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1600, max: 2400 }), (year) => {
        const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
        expect(isCalendarDate(`${year}-02-29`)).toBe(leap);
        expect(isCalendarDate(`${year}-02-28`)).toBe(true);
        expect(isCalendarDate(`${year}-04-31`)).toBe(false);
        expect(isCalendarDate(`${year}-13-01`)).toBe(false);
      }),
      { seed: 1582 },
    );
    expect(isCalendarDate('2025-1-05')).toBe(false);
    expect(isCalendarDate(20250105)).toBe(false);
  });

  it('public functions speak through it: one message style', () => {
    const model = { predict: () => new Float64Array(1) };
    expect(error(() => retentionElasticity(model, [{ price: 1 }], { price: 'price', at: -2 })).message).toBe(
      'retentionElasticity: at must be a finite number > -1 like 0.05 (a 5 % rise), got -2',
    );
    expect(error(() => trainValidationSplit([{ a: 1 }, { a: 2 }], { seed: 1, stratify: 3 as never })).message).toBe(
      "trainValidationSplit: stratify must be text like 'responded', got 3",
    );
    // Each message as the declared rule words it: '<function>: <option> must be <rule>, got <value>'.
    const spec = { churnProbabilities: [0.2, 0.4], revenues: [10, 20], priceResponse: { logitSlope: 2 }, simulations: 0 };
    const cases: [() => unknown, string][] = [
      [() => optimizePrice({ ...spec, gridPoints: 2 }), 'optimizePrice: gridPoints must be a whole number from 3 to 100001, got 2'],
      [() => optimizePrice({ ...spec, objective: 'profit' as never }), "optimizePrice: objective must be one of 'revenue', 'margin', got \"profit\""],
      [() => optimizePrice({ ...spec, gridpoints: 9 } as never), "optimizePrice: unknown option 'gridpoints'"],
      [() => optimizePrice({ ...spec, constraints: { maxChurnRate: 1 } }), 'optimizePrice: constraints: maxChurnRate must be a finite number above 0 and below 1 like 0.2, got 1'],
      [() => optimizePrice({ ...spec, priceResponse: { logitSlope: Number.NaN } }), 'optimizePrice: priceResponse: logitSlope must be a finite number like -2, got NaN'],
      [() => optimizePrice({ ...spec, priceResponse: { logitslope: 2 } as never }), "optimizePrice: priceResponse: unknown option 'logitslope' (did you mean 'logitSlope'?)"],
      [
        () => optimizePrice({ ...spec, churnProbabilities: undefined, priceResponse: { model, data: [{ fee: 1 }, { fee: 2 }], price: 'fee', periods: 0 } }),
        'optimizePrice: priceResponse: periods must be a whole number ≥ 1 like 12, got 0',
      ],
      [() => optimizePrice({ ...spec, priceResponse: { logitSlope: 2, model } as never }), "optimizePrice: priceResponse: unknown option 'model'"],
      [
        () => optimizePrice({ ...spec, constraints: { churnersAtLeast: { count: 1, maxProbability: 1 } } }),
        'optimizePrice: constraints.churnersAtLeast: maxProbability must be a finite number above 0 and below 1 like 0.001, got 1',
      ],
      [
        () => optimizePrice({ ...spec, constraints: { churnersAtLeast: { count: 3, maxProbability: 0.1 } } }),
        'optimizePrice: constraints.churnersAtLeast: count must be at most the number of customers (2), got 3',
      ],
      [
        () => optimizePrice({ ...spec, constraints: { maxCompetitorGap: { ourPrice: 40, competitorPrice: 0, maxGap: 0.05 } } }),
        'optimizePrice: constraints.maxCompetitorGap: competitorPrice must be a finite number > 0 like 38, got 0',
      ],
      [() => optimizePrice({ ...spec, unitCost: -1 }), 'optimizePrice: unitCost must be a finite number ≥ 0 or one per customer, got -1'],
      [
        () => competitorIndex([], { product: 'A', date: '2026-02-15', against: 'max' as never }),
        "competitorIndex: against must be one of 'cheapest', 'mean', 'median', got \"max\"",
      ],
      [() => psi([1, 2], [1, 2], { floor: 0 }), 'psi: floor must be a finite number above 0 and below 1 like 1e-4, got 0'],
      [() => psi([1, 2], [1, 2], { bins: 1 }), 'psi: bins must be a whole number ≥ 2, got 1'],
      [() => gainsTable([0.2, 0.8], [0, 1], { groups: 0 }), 'gainsTable: groups must be a whole number ≥ 1, got 0'],
      [() => roi([0.2, 0.8], [0, 1], 0.5, { profit: 60, cost: -1 }), 'roi: cost must be a finite number > 0 like 20 (F, per contact), got -1'],
      [() => tableFromRange([['a'], [1]], { header: 'yes' as never }), 'tableFromRange: header must be true or false, got "yes"'],
      [() => toCsv([{ a: 1 }], { columns: 'a' as never }), "toCsv: columns must be a list of column names like ['id', 'score'], got \"a\""],
    ];
    for (const [call, message] of cases) expect(error(call).message.startsWith(message), `${error(call).message} vs ${message}`).toBe(true);
  });

  describe('chart builders refuse unknown option names (they used to draw with the default and say nothing)', () => {
    const scores = [0.92, 0.81, 0.64, 0.55, 0.38, 0.27, 0.12, 0.05];
    const actual = [1, 1, 0, 1, 0, 0, 1, 0];
    const curves = [{ label: 'Kaplan–Meier', time: [0, 10], survival: [1, 0.9] }];
    const coefficients = [{ term: 'x', estimate: 0.5, stdError: 0.1, z: 5, pValue: 0.001, ciLower: 0.3, ciUpper: 0.7, confidenceLevel: 0.95 }];
    const bins = [{ lower: 90, upper: 100, count: 3 }];
    const drift = driftReport({ fee: [10, 12, 11, 13] }, { fee: [10, 12, 11, 14] });
    // [builder, call with the given options]: every builder, so one that skips the schema fails here.
    const builders: [string, (options: object) => unknown][] = [
      ['histogramChart', (o) => histogramChart(scores, o)],
      ['rocChart', (o) => rocChart(rocCurve(scores, actual), o)],
      ['gainsChart', (o) => gainsChart(gainsTable(scores, actual, { groups: 4 }), o)],
      ['liftChart', (o) => liftChart(gainsTable(scores, actual, { groups: 4 }), o)],
      ['calibrationChart', (o) => calibrationChart(calibrationTable(scores, actual, { bins: 2 }), o)],
      ['thresholdSweepChart', (o) => thresholdSweepChart(thresholdSweep(scores, actual), o)],
      ['coefficientChart', (o) => coefficientChart(coefficients as never, o)],
      ['driftChart', (o) => driftChart(drift, o)],
      ['survivalChart', (o) => survivalChart(curves, o)],
      ['forecastChart', (o) => forecastChart(bins, o)],
    ];
    it.each(builders)('%s: a misspelt common option is refused with a suggestion, a bad size in the one style', (name, build) => {
      expect(build({ title: 'ok', width: 200, height: 100 })).toBeTruthy();
      const unknown = error(() => build({ titles: 'Gains' }));
      expect(unknown.message).toMatch(new RegExp(`^${name}: unknown option 'titles' \\(did you mean 'title'\\?\\)`));
      expect(unknown.details).toEqual({ option: 'titles' });
      expect(error(() => build({ widths: 200 })).message).toMatch(/\(did you mean 'width'\?\)/);
      expect(error(() => build({ height: -1 })).message).toBe(`${name}: height must be a finite number > 0 like 300, got -1`);
    });
    it("each chart's own options: a misspelt name suggests the right one, a bad value is worded by its rule", () => {
      const cases: [() => unknown, string][] = [
        [() => histogramChart(scores, { bin: 10 } as never), "histogramChart: unknown option 'bin' (did you mean 'bins'?)"],
        [() => histogramChart(scores, { bins: 0 }), 'histogramChart: bins must be a whole number ≥ 1 like 20, got 0'],
        [() => histogramChart(scores, { group: actual } as never), "histogramChart: unknown option 'group' (did you mean 'groups'?)"],
        [() => rocChart(rocCurve(scores, actual), { aucs: 0.7 } as never), "rocChart: unknown option 'aucs' (did you mean 'auc'?)"],
        [() => rocChart(rocCurve(scores, actual), { auc: 1.5 }), 'rocChart: auc must be a finite number from 0 to 1, got 1.5'],
        [() => thresholdSweepChart(thresholdSweep(scores, actual), { thresholds: 0.5 } as never), "thresholdSweepChart: unknown option 'thresholds' (did you mean 'threshold'?)"],
        [
          () => coefficientChart(coefficients as never, { includeIntercepts: true } as never),
          "coefficientChart: unknown option 'includeIntercepts' (did you mean 'includeIntercept'?)",
        ],
        [() => survivalChart(curves, { timeTitles: 'days' } as never), "survivalChart: unknown option 'timeTitles' (did you mean 'timeTitle'?)"],
        [() => survivalChart(curves, { timeTitle: 7 as never }), 'survivalChart: timeTitle must be text, got 7'],
        [() => forecastChart(bins, { marker: [] } as never), "forecastChart: unknown option 'marker' (did you mean 'markers'?)"],
        [() => forecastChart(bins, { markers: { p5: 1 } as never }), 'forecastChart: markers must be a list, got'],
      ];
      for (const [call, message] of cases) expect(error(call).message.startsWith(message), `${error(call).message} vs ${message}`).toBe(true);
    });
  });

  it('simulateRevenue and simulateRevenueParallel: misspelt names suggested, values worded by their rule', async () => {
    const spec = { churnProbabilities: [0.2, 0.5], revenues: [100, 250], simulations: 100, seed: 1 };
    const cases: [() => unknown, string][] = [
      [() => simulateRevenue({ ...spec, simulation: 10 } as never), "simulateRevenue: unknown option 'simulation' (did you mean 'simulations'?)"],
      [() => simulateRevenue({ ...spec, keepDraw: false } as never), "simulateRevenue: unknown option 'keepDraw' (did you mean 'keepDraws'?)"],
      [() => simulateRevenue({ ...spec, simulations: 2.5 }), 'simulateRevenue: simulations must be a whole number ≥ 1 like 10000, got 2.5'],
      [() => simulateRevenue({ ...spec, seed: undefined as never }), 'simulateRevenue: seed is required, e.g. 7'],
      [() => simulateRevenue({ ...spec, histogramBins: 10_001 }), 'simulateRevenue: histogramBins must be a whole number from 1 to 10000 like 30, got 10001'],
      [() => simulateRevenue({ ...spec, keepDraws: 'no' as never }), 'simulateRevenue: keepDraws must be true or false, got "no"'],
      [() => simulateRevenue({ ...spec, blockSize: 0 }), 'simulateRevenue: blockSize must be a whole number ≥ 1, got 0'],
    ];
    for (const [call, message] of cases) expect(error(call).message.startsWith(message), `${error(call).message} vs ${message}`).toBe(true);
    // The parallel entry checks its own options before any worker starts (the spec is the same check as above).
    const refused = async (options: object, extra: object = {}): Promise<string> => {
      try {
        await simulateRevenueParallel({ ...spec, ...extra }, options as never);
      } catch (e) {
        expect(e).toBeInstanceOf(CbmError);
        return (e as CbmError).message;
      }
      throw new Error('expected a CbmError');
    };
    expect(await refused({ worker: 2 })).toMatch(/^simulateRevenueParallel: unknown option 'worker' \(did you mean 'workers'\?\)/);
    expect(await refused({ workers: 0 })).toBe('simulateRevenueParallel: workers must be a whole number from 1 to 64, got 0');
    expect(await refused({ minDrawsPerWorker: -1 })).toBe('simulateRevenueParallel: minDrawsPerWorker must be a finite number ≥ 0 like 10000000, got -1');
    expect(await refused({ workers: 1 }, { simulation: 5 })).toMatch(/^simulateRevenueParallel: unknown option 'simulation' \(did you mean 'simulations'\?\)/);
  });

  it('fitDiscreteHazard (its fit sub-options) and churnModelTable: misspelt names suggested, values worded by their rule', () => {
    const data = { time: [5, 30, 100, 400, 12, 80, 300, 500], event: [1, 1, 1, 0, 1, 1, 1, 0] };
    const events = [{ customer_id: 1, date: '2025-01-05', type: 'purchase', amount: 10 }];
    const churn = { scoringDate: '2025-01-10', definition: { kind: 'cancellation' as const }, horizons: [21] };
    const cases: [() => unknown, string][] = [
      [
        () => fitDiscreteHazard(data, { breaks: [100], fit: { maxIteration: 5 } as never }),
        "fitDiscreteHazard: fit: unknown option 'maxIteration' (did you mean 'maxIterations'?)",
      ],
      [() => fitDiscreteHazard(data, { breaks: [100], fit: { maxIterations: 0 } }), 'fitDiscreteHazard: fit: maxIterations must be a whole number ≥ 1 like 100, got 0'],
      [() => fitDiscreteHazard(data, { breaks: [100], fit: { tolerance: 1 } }), 'fitDiscreteHazard: fit: tolerance must be a finite number above 0 and below 1 like 1e-14, got 1'],
      [() => churnModelTable(events, { ...churn, horizon: 21 } as never), "churnModelTable: unknown option 'horizon' (did you mean 'horizons'?)"],
      [() => churnModelTable(events, { ...churn, windowDay: 30 } as never), "churnModelTable: unknown option 'windowDay' (did you mean 'windowDays'?)"],
      [() => churnModelTable(events, { ...churn, windowDays: 0 }), 'churnModelTable: windowDays must be a whole number ≥ 1 like 90, got 0'],
      [() => churnModelTable(events, { ...churn, definition: undefined as never }), "churnModelTable: definition is required, e.g. { kind: 'cancellation' }"],
    ];
    for (const [call, message] of cases) expect(error(call).message.startsWith(message), `${error(call).message} vs ${message}`).toBe(true);
  });

  it('scoringSQL and scoringQuery: misspelt names suggested, values worded by their rule', () => {
    const model = fitLogit({ y: [0, 1, 0, 1, 1, 0], age: [20, 30, 40, 50, 35, 45] }, 'y ~ age');
    const cases: [() => unknown, string][] = [
      [() => scoringSQL(model, { dialects: 'duckdb' } as never), "scoringSQL: unknown option 'dialects' (did you mean 'dialect'?)"],
      [() => scoringSQL(model, { output: 'odds' as never }), "scoringSQL: output must be one of 'probability', 'link', got \"odds\""],
      [() => scoringSQL(model, { dialect: 'oracle' as never }), "scoringSQL: dialect must be one of 'duckdb', 'postgres', 'spark', 'clickhouse', got \"oracle\""],
      [() => scoringQuery(model, { table: 'customers', keeps: ['id'] } as never), "scoringQuery: unknown option 'keeps' (did you mean 'keep'?)"],
      [() => scoringQuery(model, { keep: ['id'] } as never), "scoringQuery: table is required, e.g. 'customers'"],
      [() => scoringQuery(model, { table: 'customers', keep: 'id' as never }), 'scoringQuery: keep must be a list of column names like [\'id\'], got "id"'],
      [() => scoringQuery(model, { table: 'customers', as: '' }), 'scoringQuery: as must be a column name like \'score\', got ""'],
    ];
    for (const [call, message] of cases) expect(error(call).message.startsWith(message), `${error(call).message} vs ${message}`).toBe(true);
  });

  it('refreshModelTables, saveDriftReport and buildDashboardTables: misspelt names suggested before the database is touched', async () => {
    const { buildDashboardTables, openDuckDB, refreshModelTables, saveDriftReport } = await import('../kernel-lib/src/warehouse');
    const db = await openDuckDB(':memory:');
    const drift = { table: 'drift', loadId: 2, previousLoadId: 1, report: driftReport({ fee: [1, 2, 3] }, { fee: [1, 2, 4] }) };
    try {
      expect(await refused(() => refreshModelTables(db, ['events'], { load: { events: 1 } } as never))).toMatch(
        /^refreshModelTables: unknown option 'load' \(did you mean 'loads'\?\)/,
      );
      expect(await refused(() => refreshModelTables(db, ['events'], { loads: 3 } as never))).toBe('refreshModelTables: loads must be an object like { events: 3 }, got 3');
      expect(await refused(() => saveDriftReport(db, { ...drift, loadID: 2 } as never))).toMatch(/^saveDriftReport: unknown option 'loadID' \(did you mean 'loadId'\?\)/);
      expect(await refused(() => saveDriftReport(db, { ...drift, loadId: 2.5 }))).toBe('saveDriftReport: loadId must be a whole number, got 2.5');
      expect(await refused(() => buildDashboardTables(db, { horizons: [30], segments: 'seg' } as never))).toMatch(
        /^buildDashboardTables: unknown option 'segments' \(did you mean 'segment'\?\)/,
      );
      expect(await refused(() => buildDashboardTables(db, { horizons: [30, 0] }))).toBe(
        'buildDashboardTables: horizons must be a list of positive whole numbers of days like [30, 90], got 0',
      );
    } finally {
      await db.close();
    }
  });

  it('bankCardCustomers: a misspelt name suggested, a bad seed worded by its rule', () => {
    expect(error(() => bankCardCustomers({ mechanisms: {} } as never)).message).toMatch(/^bankCardCustomers: unknown option 'mechanisms' \(did you mean 'mechanism'\?\)/);
    expect(error(() => bankCardCustomers({ seed: Number.NaN })).message).toBe('bankCardCustomers: seed must be a finite number or a non-empty string like 7, got NaN');
  });

  it("bankCardCustomers and bankCardResponseProbabilities: the mechanism's settings, each worded by its rule", () => {
    expect(error(() => bankCardCustomers({ mechanism: { ceilings: 0.9 } as never })).message).toMatch(
      /^bankCardCustomers: mechanism: unknown option 'ceilings' \(did you mean 'ceiling'\?\)/,
    );
    expect(error(() => bankCardCustomers({ mechanism: { contacted: -1 } })).message).toBe('bankCardCustomers: mechanism: contacted must be a whole number ≥ 0, got -1');
    expect(error(() => bankCardCustomers({ mechanism: { incomeLogSd: -0.1 } })).message).toBe('bankCardCustomers: mechanism: incomeLogSd must be a finite number ≥ 0, got -0.1');
    const customers = bankCardCustomers({ mechanism: { customers: 20, contacted: 5 } });
    expect(error(() => bankCardResponseProbabilities(customers, { ceiling: 1.5 })).message).toBe(
      'bankCardResponseProbabilities: mechanism: ceiling must be a finite number from 0 to 1, got 1.5',
    );
    expect(error(() => bankCardResponseProbabilities(customers, { slope: 1 } as never)).message).toMatch(/^bankCardResponseProbabilities: mechanism: unknown option 'slope'/);
  });

  it('buildChurnTable and churnModelTableSql: errors name the function called, misspelt names suggested', async () => {
    const { buildChurnTable, openDuckDB } = await import('../kernel-lib/src/warehouse');
    const { churnModelTableSql } = await import('../kernel-lib/src/sql');
    const base = { scoringDate: '2025-02-01', definition: { kind: 'cancellation' as const }, horizons: [30] };
    expect(error(() => churnModelTableSql({ ...base, dialect: 'duckdb', customers: [] } as never)).message).toMatch(
      /^churnModelTableSql: unknown option 'customers' \(did you mean 'customersTable'\?\)/,
    );
    expect(error(() => churnModelTableSql({ ...base, dialect: 'sqlite' as never })).message).toBe(
      "churnModelTableSql: dialect must be one of 'duckdb', 'postgres', 'spark', 'clickhouse', got \"sqlite\"",
    );
    const db = await openDuckDB(':memory:');
    try {
      expect(await refused(() => buildChurnTable(db, { ...base, horizons: [30, 0] }))).toBe('buildChurnTable: every horizon must be a positive whole number of days, got 0');
      expect(await refused(() => buildChurnTable(db, { ...base, scoringDate: '2025-02-30' }))).toMatch(/^buildChurnTable: scoringDate must be a date/);
      expect(await refused(() => buildChurnTable(db, { ...base, eventTable: 'events' } as never))).toMatch(
        /^buildChurnTable: unknown option 'eventTable' \(did you mean 'eventsTable'\?\)/,
      );
      expect(await refused(() => buildChurnTable(db, { ...base, dialect: 'postgres' } as never))).toMatch(/^buildChurnTable: unknown option 'dialect'/);
      expect(await refused(() => buildChurnTable(db, { ...base, into: 7 } as never))).toBe("buildChurnTable: into must be text like 'churn_model_table', got 7");
    } finally {
      await db.close();
    }
  });

  it('customerBase: a misspelt name suggested, a size out of range worded by its rule', () => {
    expect(error(() => customerBase({ month: 6 } as never)).message).toMatch(/^customerBase: unknown option 'month' \(did you mean 'months'\?\)/);
    expect(error(() => customerBase({ customers: 2.5 })).message).toBe('customerBase: customers must be a whole number from 1 to 100000 like 5000, got 2.5');
    expect(error(() => customerBase({ months: 121 })).message).toBe('customerBase: months must be a whole number from 1 to 120 like 24, got 121');
  });

  it('readOutcome: a misspelt name suggested, a bad event and missingAsZero worded in the one style', () => {
    expect(error(() => readOutcome(['Yes', 'No'], 'bought', 'fitLogit', { events: 'Yes' } as never)).message).toMatch(
      /^fitLogit: unknown option 'events' \(did you mean 'event'\?\)/,
    );
    expect(error(() => readOutcome(['Yes', 'No'], 'bought', 'fitLogit', { missingAsZero: 1 as never })).message).toBe('fitLogit: missingAsZero must be true or false, got 1');
    expect(error(() => readOutcome(['Yes', 'No'], 'bought', 'fitLogit', { event: ['Yes'] as never })).message).toBe(
      "fitLogit: event must be the text, number or boolean that marks the event like 'Yes', got an array",
    );
  });

  it('prepare: errors name the function called (fitLogit, fitLinear, predict, fitPreparation), a misspelt name suggested, a bad scale list worded in the one style', () => {
    const rows = { y: [0, 1, 0, 1, 1, 0], age: [20, 30, 40, 50, 35, 45], gender: ['M', 'F', 'F', 'M', 'F', 'M'] };
    expect(error(() => fitLogit(rows, 'y ~ age', { prepare: { scales: ['age'] } as never })).message).toMatch(
      /^fitLogit: prepare: unknown option 'scales' \(did you mean 'scale'\?\)/,
    );
    expect(error(() => fitLinear(rows, 'age ~ y', { prepare: { scale: 'age' as never } })).message).toBe(
      "fitLinear: prepare: scale must be a list of column names like ['income', 'age'], got \"age\"",
    );
    expect(error(() => fitLogit(rows, 'y ~ age', { prepare: 'age' as never })).message).toMatch(/^fitLogit: prepare must be an object like /);
    expect(error(() => fitLogit(rows, 'y ~ gender', { prepare: { encode: { gender: {} } } })).message).toBe(
      'fitLogit: prepare.encode.gender must be an object of codes like { M: 1, F: 0 }',
    );
    // What the data says of the preparation: a level without a code, a constant column, a text column to scale.
    expect(error(() => fitLogit(rows, 'y ~ gender', { prepare: { encode: { gender: { M: 1 } } } })).message).toMatch(
      /^fitLogit: column 'gender' has the value 'F' in row 1, which has no code/,
    );
    expect(error(() => fitLinear({ ...rows, age: [30, 30, 30, 30, 30, 30] }, 'y ~ age', { prepare: { scale: ['age'] } })).message).toBe(
      "fitLinear: column 'age' is constant (30) in the data, so it cannot be scaled to [0, 1]",
    );
    expect(error(() => fitLogit(rows, 'y ~ age', { prepare: { scale: ['gender'] } })).message).toMatch(/^fitLogit: column 'gender' holds text/);
    expect(error(() => fitLogit(rows, 'y ~ age', { prepare: { scale: ['tenure'] } })).message).toMatch(/^fitLogit: unknown column 'tenure'/);
    // Scoring with a model's preparation names the scoring function.
    const model = fitLogit(rows, 'y ~ gender + age', { prepare: { encode: { gender: { M: 1, F: 0 } }, scale: ['age'] } });
    expect(error(() => model.predict({ gender: ['X'], age: [30] })).message).toMatch(/^predict: column 'gender' has the value 'X' in row 0, which has no code/);
    expect(error(() => model.linearPredictor({ gender: ['M'], age: ['old'] })).message).toMatch(/^linearPredictor: column 'age' holds text/);
    // Called directly, the preparation functions name themselves.
    expect(error(() => fitPreparation(rows, { scales: ['age'] } as never)).message).toMatch(/^fitPreparation: unknown option 'scales' \(did you mean 'scale'\?\)/);
    expect(error(() => fitPreparation(rows, { encode: { gender: { M: 1 } } })).message).toMatch(/^fitPreparation: column 'gender' has the value 'F' in row 1/);
    expect(error(() => fitPreparation(rows, { encode: { gender: { M: '1' } } } as never)).message).toBe('fitPreparation: encode.gender[\'M\'] must be a finite number, got "1"');
    expect(error(() => applyPreparation({ encodings: { gender: { M: 1 } }, ranges: {} }, rows)).message).toMatch(/^applyPreparation: column 'gender' has the value 'F'/);
  });

  it('the fits (fitLogit, fitLinear, stepwise, fitLogitInDatabase), predict and parseFormula: rules declared, misspelt names suggested', async () => {
    const rows = { y: [0, 1, 0, 1, 1, 0], age: [20, 30, 40, 50, 35, 45] };
    expect(error(() => fitLogit(rows, 'y ~ age', { tolerence: 1e-6 } as never)).message).toMatch(/^fitLogit: unknown option 'tolerence' \(did you mean 'tolerance'\?\)/);
    expect(error(() => fitLogit(rows, 'y ~ age', { na: 'drop' as never })).message).toBe("fitLogit: na must be one of 'omit', 'fail', got \"drop\"");
    expect(error(() => fitLinear(rows, 'age ~ y', { na: 'pass' as never })).message).toBe("fitLinear: na must be one of 'omit', 'fail', got \"pass\"");
    expect(error(() => stepwise(rows, 'y ~ age', { criterion: 'AIC' as never })).message).toBe("stepwise: criterion must be one of 'aic', 'bic', 'p-value', got \"AIC\"");
    expect(error(() => stepwise(rows, 'y ~ age', { alpha: 0 })).message).toBe('stepwise: alpha must be a finite number above 0 and below 1 like 0.05, got 0');
    const model = fitLogit(rows, 'y ~ age');
    expect(error(() => model.predict(rows, { na: 'omit' as never })).message).toBe("predict: na must be one of 'pass', 'fail', got \"omit\"");
    expect(error(() => model.predict(rows, { nas: 'pass' } as never)).message).toMatch(/^predict: unknown option 'nas' \(did you mean 'na'\?\)/);
    expect(error(() => parseFormula('y ~ .', { columns: 'y' as never })).message).toBe(
      "parseFormula: columns must be a list of column names like ['responded', 'gender', 'age'], got \"y\"",
    );
    const { fitLogitInDatabase } = await import('../kernel-lib/src/sql');
    const run = async (): Promise<never> => {
      throw new Error('no query expected');
    };
    expect(await refused(() => fitLogitInDatabase(run, { table: 't', dialect: 'duckdb' } as never))).toBe(
      "fitLogitInDatabase: formula is required, e.g. 'responded ~ gender + age'",
    );
    expect(await refused(() => fitLogitInDatabase(run, { table: 't', formula: 'y ~ age', warmStart: 'yes' as never }))).toBe(
      'fitLogitInDatabase: warmStart must be true or false, got "yes"',
    );
  });

  it('prepare of fitLogitInDatabase: the same check as in memory, before any query', async () => {
    const { fitLogitInDatabase } = await import('../kernel-lib/src/sql');
    const run = async (): Promise<never> => {
      throw new Error('no query expected');
    };
    const fitWith = (prepare: unknown) => () => fitLogitInDatabase(run, { table: 't', formula: 'y ~ age', dialect: 'duckdb', prepare: prepare as never });
    expect(await refused(fitWith({ scales: ['age'] }))).toMatch(/^fitLogitInDatabase: prepare: unknown option 'scales' \(did you mean 'scale'\?\)/);
    expect(await refused(fitWith({ scale: 'age' }))).toBe("fitLogitInDatabase: prepare: scale must be a list of column names like ['income', 'age'], got \"age\"");
    expect(await refused(fitWith({ scale: { length: 1 } }))).toBe("fitLogitInDatabase: prepare: scale must be a list of column names like ['income', 'age'], got object");
    expect(await refused(fitWith({ encode: { gender: { M: Number.NaN } } }))).toBe("fitLogitInDatabase: prepare.encode.gender['M'] must be a finite number, got NaN");
  });
});
