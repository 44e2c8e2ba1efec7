// The built functions bundle as Excel on the web loads it: dist/taskpane.html (the one
// shared-runtime page, which loads functions.js) served from
// 127.0.0.1 in headless Chromium, Office.js replaced by a CustomFunctions stand-in. Every
// function of functions.json must be registered; each is called with Excel-shaped input and
// must give what kernel-lib gives in Node (the reference), or a CustomFunctions.Error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as kl from '../../kernel-lib/src/index';
import { bankCardSheet } from './bankcardSheet';
import { WARM_UP_CALLS } from '../../excel-addin/src/functions/warmUp';
// @ts-expect-error an .mjs helper without type declarations
import { browserUnavailable, openAddinPage } from './browser.mjs';

const unavailable = browserUnavailable();
if (unavailable && process.env.CI) throw new Error(`browser tests cannot run in CI: ${unavailable}`);
const sheet = bankCardSheet();
const prepare = kl.fitPreparation(sheet.rows, { encode: { gender: { M: 1, F: 0 } }, scale: ['income', 'age'] });
const reference = kl.stepwise(sheet.train, sheet.formula, { prepare, hierarchical: false }).model;
const col = (xs: ArrayLike<number>) => Array.from(xs, (x) => [x]);

type Result = { value?: unknown; error?: { code: string | null; message: string; isCustomFunctionsError: boolean }; ms: number };

describe.skipIf(unavailable !== null)('the CBM functions on taskpane.html (the shared-runtime page) in headless Chromium', () => {
  let session: any;
  const call = (id: string, ...args: unknown[]): Promise<Result> => session.page.evaluate(([i, a]: [string, unknown[]]) => (window as any).__excel.call(i, ...a), [id, args]);

  beforeAll(async () => {
    session = await openAddinPage('taskpane.html');
  });
  afterAll(async () => {
    await session?.close();
  });

  it('registers every function functions.json declares, and nothing else', async () => {
    const registered: string[] = await session.page.evaluate(() => (window as any).__excel.registered());
    const metadata = await session.page.evaluate(() => (window as any).__excel.metadata());
    expect(registered).toEqual(metadata.functions.map((f: { id: string }) => f.id).sort());
    expect(registered).toEqual(expect.arrayContaining(['FIT', 'SCORE', 'HITRATE', 'LIFT', 'RESPRATE', 'ROI', 'CONFUSION', 'GAINS', 'NORMALIZE', 'SIMREVENUE', 'OPTPRICE']));
  });

  it("warms up SCORE's path after the page loads, in tasks of its own, without touching a cache", async () => {
    // Structure, not speed (the bench times SCORE's first call): every warm-up call ran, each in
    // a task of its own (an idle callback), and no result or model was stored or looked up.
    await session.page.waitForFunction(() => (window as any).cbmAddin.warmUp.done, null, { timeout: 20_000 });
    const state = await session.page.evaluate(() => {
      const { warmUp, cache, models } = (window as any).cbmAddin;
      return { calls: warmUp.calls, lookups: [cache.hits, cache.misses, models.hits, models.misses] };
    });
    expect(state).toEqual({ calls: WARM_UP_CALLS, lookups: [0, 0, 0, 0] });
  });

  let modelTable: unknown[][];
  it('CBM.FIT spills the notebook model (coefficients equal kernel-lib stepwise in Node)', async () => {
    const r = await call('FIT', sheet.trainRange, sheet.formula, 'stepwise-free', sheet.scaleRanges, sheet.encode);
    expect(r.error).toBeUndefined();
    modelTable = r.value as unknown[][];
    const header = modelTable.find((row) => row[0] === 'term')!;
    expect(header.slice(9, 9 + reference.names.length)).toEqual([...reference.names]);
    const estimates = reference.names.map((name) => modelTable.find((row) => row[0] === name)![1] as number);
    // Chromium's V8 and Node 20's differ in the last bit of some Math results, so a Newton fit may
    // end a few ulps apart: equal to 1e-12 relative, not bit for bit.
    estimates.forEach((b, j) => expect(Math.abs(b - reference.coefficients[j])).toBeLessThanOrEqual(1e-12 * Math.abs(reference.coefficients[j])));
  });

  it('CBM.SCORE equals model.predict in Node to 1e-12, from the table and from the JSON cell', async () => {
    const expected = reference.predict(sheet.rows);
    for (const model of [modelTable, JSON.stringify(reference.toJSON(), null, 2)]) {
      const r = await call('SCORE', model, sheet.all);
      expect(r.error).toBeUndefined();
      const p = r.value as number[][];
      expect(p.length).toBe(expected.length);
      let worst = 0;
      p.forEach((row, i) => (worst = Math.max(worst, Math.abs(row[0] - expected[i]))));
      expect(worst).toBeLessThanOrEqual(1e-12);
    }
  });

  it('metrics equal kernel-lib campaignMetrics and gainsTable in Node', async () => {
    const p = reference.predict(sheet.train);
    const y = sheet.train.map((r) => r.responded as number);
    const m = kl.campaignMetrics(p, y, 0.8, { profit: 60, cost: 20 });
    expect((await call('HITRATE', col(p), col(y))).value).toBe(m.hitRate);
    expect((await call('LIFT', col(p), col(y), 0.8)).value).toBe(m.lift);
    expect((await call('RESPRATE', col(p), col(y), 0.8)).value).toBe(m.responseRate);
    expect((await call('ROI', col(p), col(y), 0.8, 60, 20)).value).toBe(m.roi);
    expect((await call('CONFUSION', col(p), col(y), 0.8)).value).toEqual([
      [m.truePositives, m.falsePositives],
      [m.falseNegatives, m.trueNegatives],
    ]);
    const gains = (await call('GAINS', col(p), col(y))).value as unknown[][];
    expect(gains.slice(1).map((row) => row[7])).toEqual(kl.gainsTable(p, y).map((g) => g.cumulativeLift));
    const ages = sheet.rows.map((r) => r.age as number);
    const scaled = kl.scalerFromRanges({ age: { min: 18, max: 47 } }).transform({ age: ages }).age as Float64Array;
    expect((await call('NORMALIZE', col(ages), 18, 47)).value).toEqual(col(scaled));
  });

  it('failures arrive as CustomFunctions.Error with the code and the message', async () => {
    const p = col([0.9, 0.85, 0.3, 0.2]);
    const y = col([1, 0, 1, 0]);
    const cases: [string, unknown[], string, RegExp][] = [
      ['LIFT', [p, col([1, 0, 1])], '#VALUE!', /^CBM\.LIFT: scores and actual have 4 and 3 rows/],
      ['HITRATE', [p, y, 1.5], '#VALUE!', /^CBM\.HITRATE: threshold must be between 0 and 1/],
      ['RESPRATE', [p, y, 0.95], '#N/A', /nobody has P > 0.95/],
      ['HITRATE', [[[0.9], [''], [0.3], [0.2]], y], '#VALUE!', /blank cell at position 2/],
      ['CONFUSION', [p, [[1], [0], ['maybe'], [0]]], '#VALUE!', /actual holds the text 'maybe' at position 3/],
      ['SCORE', [[['not a model']], sheet.all], '#VALUE!', /model must be the table CBM\.FIT spilled or model JSON text/],
      ['SCORE', [JSON.stringify(reference.toJSON()), sheet.all.map((r) => r.filter((_, j) => j !== 3))], '#N/A', /the data has no column 'income'/],
      ['FIT', [sheet.trainRange, 'responded ~ gender +'], '#VALUE!', /^CBM\.FIT: /],
      ['SIMREVENUE', [col([0.5, 0.5]), col([1, 2]), 2e6], '#VALUE!', /simulations must be a whole number from 1 to 1000000/],
      ['SIMREVENUE', [[[0.5], ['x']], col([1, 2])], '#VALUE!', /churnProbabilities holds the text 'x' at position 2/],
      [
        'OPTPRICE',
        [col([0.66, 0.41, 0.51, 0.49, 0.69, 0.67, 0.76, 0.43, 0.57, 0.41]), col([1895, 1952, 3069, 3465, 1108, 3298, 1814, 3932, 3661, 3872]), 3, -0.01, 0.01, 8, 1e-9],
        '#VALUE!',
        /^CBM\.OPTPRICE: no price change between the bounds meets the cap on churnersAtLeast/,
      ],
    ];
    for (const [id, args, code, message] of cases) {
      const r = await call(id, ...args);
      expect(r.error, `${id} should fail`).toBeDefined();
      expect(r.error!.isCustomFunctionsError).toBe(true);
      expect(r.error!.code).toBe(code);
      expect(r.error!.message).toMatch(message);
    }
    // The stand-in refuses a message with any code but #VALUE! and #N/A (Microsoft's rule) and records it.
    expect(await session.page.evaluate(() => (window as any).__excel.violations)).toEqual([]);
  });

  it('CBM.SIMREVENUE gives the numbers of kernel-lib simulateRevenue in Node for the same seed', async () => {
    const p = reference.predict(sheet.rows).map((x) => 1 - x); // any probabilities: here 1 − P of the 1,000 customers
    const revenue = sheet.rows.map((r) => (r.income as number) / 10);
    const r = await call('SIMREVENUE', col(p), col(revenue), 5000, 7, 'summary', 300);
    expect(r.error).toBeUndefined();
    const s = kl.simulateRevenue({ churnProbabilities: p, revenues: revenue, simulations: 5000, seed: 7 }).summary;
    const cells = r.value as unknown[][];
    const value = (label: string) => cells.find((row) => row[0] === label)![1];
    expect(value('mean revenue')).toBe(s.mean);
    expect(value('sd of revenue')).toBe(s.sd);
    expect(value('5% quantile')).toBe(s.quantiles.p5);
    expect(value('50% quantile')).toBe(s.quantiles.p50);
    expect(value('95% quantile')).toBe(s.quantiles.p95);
    expect(value('mean churners')).toBe(s.meanChurners);
    const histogram = (await call('SIMREVENUE', col(p), col(revenue), 5000, 7, 'histogram')).value as unknown[][];
    expect(histogram.slice(1).map((row) => row[2])).toEqual(s.totalHistogram.map((b) => b.count));
  });

  it('CBM.SIMREVENUE yields while it computes and stops when Excel cancels it', async () => {
    const n = 10_000;
    const p = Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 1000);
    const revenue = Array.from({ length: n }, (_, i) => 100 + (i % 50));
    // 10,000 customers × 50,000 simulations, 5e8 draws: about 0.3 s in Chromium here, several of
    // the loop's 50 ms slices on any machine. A call that ends within one slice never yields, so a
    // smaller one (10,000 simulations took 45-65 ms) let a fast run miss the cancel below.
    const simulations = 50_000;
    const run = (cancelAfterMs?: number, seed = 1): Promise<Result & { ticks: number; timerFiredAfter: number | null }> =>
      session.page.evaluate(
        ([a, o]: [unknown[], object]) => (window as any).__excel.callWith('SIMREVENUE', a, o),
        [[col(p), col(revenue), simulations, seed], cancelAfterMs === undefined ? {} : { cancelAfterMs }],
      );
    const full = await run();
    expect(full.error).toBeUndefined();
    // A 10 ms timer set as the call started fired while it was still computing (the loop yields
    // every 50 ms), not after: Excel's event loop was not frozen.
    // Structure, not speed: no bound on how long anything took.
    expect(full.timerFiredAfter).not.toBeNull();
    // A cancel that arrives at the first yield ends the call with Excel's cancellation.
    const cancelled = await run(1, 2);
    expect(cancelled.error?.isCustomFunctionsError).toBe(true);
    expect(cancelled.error?.message).toMatch(/cancelled/);
  });

  it('a cancel that arrives while a large input is hashed or handed over is not lost', async () => {
    // 15,000 customers: 30,000 cells, over the quick-cache size, so the call yields before it
    // computes. Excel's cancel (a 0 ms timer set as the call starts) fires at that first yield; the
    // handler must already be in place, or the cancel is lost and the call runs to its end.
    const n = 15_000;
    const p = Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 1000);
    const revenue = Array.from({ length: n }, (_, i) => 100 + (i % 50));
    const r: Result = await session.page.evaluate(([a, o]: [unknown[], object]) => (window as any).__excel.callWith('SIMREVENUE', a, o), [
      [col(p), col(revenue), 2_000, 'cancel-at-first-yield'],
      { cancelAfterMs: 0 },
    ] as [unknown[], object]);
    expect(r.error?.isCustomFunctionsError).toBe(true);
    expect(r.error?.message).toMatch(/cancelled/);
  });

  it('CBM.FIT and CBM.OPTPRICE run in a worker: the page thread stays free, and a cancel ends the call', async () => {
    // Structure, not speed: each call starts a worker (offThreadRuns), and a 10 ms timer set as the
    // call starts fires while the worker computes (null would mean the page thread was blocked).
    const before = await session.page.evaluate(() => ({ ...(window as any).cbmAddin.offThreadRuns }));
    const big = [sheet.trainRange[0], ...Array.from({ length: 100 }, () => sheet.trainRange.slice(1)).flat()];
    const run = (id: string, args: unknown[], options: object = {}): Promise<Result & { timerFiredAfter: number | null }> =>
      session.page.evaluate(([i, a, o]: [string, unknown[], object]) => (window as any).__excel.callWith(i, a, o), [id, args, options]);
    const fitted = await run('FIT', [big, sheet.formula, 'stepwise-free', sheet.scaleRanges, sheet.encode]);
    expect(fitted.error).toBeUndefined();
    expect(fitted.timerFiredAfter).not.toBeNull();
    // 10,001 rows went to the worker in two pieces (ROWS_PER_MESSAGE 10,000): the same model as in Node.
    const inNode = kl.stepwise(kl.tableFromRange(big), sheet.formula, { prepare, hierarchical: false }).model;
    const cells = fitted.value as unknown[][];
    inNode.names.forEach((name, j) =>
      expect(Math.abs((cells.find((r) => r[0] === name)![1] as number) - inNode.coefficients[j])).toBeLessThanOrEqual(1e-9 * Math.abs(inNode.coefficients[j])),
    );
    const priced = await run('OPTPRICE', [col([0.66, 0.41, 0.51, 0.49, 0.69]), col([1895, 1952, 3069, 3465, 1108]), 3]);
    expect(priced.error).toBeUndefined();
    const after = await session.page.evaluate(() => ({ ...(window as any).cbmAddin.offThreadRuns }));
    expect(after.worker - before.worker).toBe(2);
    expect(after.inline).toBe(before.inline);
    const cancelled = await run('FIT', [big, sheet.formula, 'stepwise', sheet.scaleRanges, sheet.encode], { cancelAfterMs: 20 });
    expect(cancelled.error?.isCustomFunctionsError).toBe(true);
    expect(cancelled.error?.message).toMatch(/cancelled/);
  });

  it('CBM.OPTPRICE gives kernel-lib optimizePrice in Node', async () => {
    const p = [0.66, 0.41, 0.51, 0.49, 0.69, 0.67, 0.76, 0.43, 0.57, 0.41];
    const revenue = [1895, 1952, 3069, 3465, 1108, 3298, 1814, 3932, 3661, 3872];
    const r = await call('OPTPRICE', col(p), col(revenue), 3, -0.5, 0.5, 8, 0.001);
    expect(r.error).toBeUndefined();
    const best = kl.optimizePrice({
      churnProbabilities: p,
      revenues: revenue,
      priceResponse: { logitSlope: 3 },
      bounds: [-0.5, 0.5],
      constraints: { churnersAtLeast: { count: 8, maxProbability: 0.001 } },
      simulations: 0,
    });
    const cells = r.value as unknown[][];
    const d = cells.find((row) => row[0] === 'price change')![1] as number;
    expect(Math.abs(d - best.priceChange)).toBeLessThanOrEqual(1e-12);
    expect(cells.find((row) => row[0] === 'P(churners ≥ 8)')![1]).toBeCloseTo(0.001, 9);
  });

  it('CBM.AUC, ROC, SWEEP, CALIBRATION and BREAKEVEN give kernel-lib in Node', async () => {
    const p = reference.predict(sheet.validation);
    const y = sheet.validation.map((r) => r.responded as number);
    expect((await call('AUC', col(p), col(y))).value).toBe(kl.auc(p, y));
    const roc = (await call('ROC', col(p), col(y))).value as unknown[][];
    expect(roc.slice(2).map((r) => r[1])).toEqual(
      kl
        .rocCurve(p, y)
        .slice(1)
        .map((r) => r.truePositiveRate),
    );
    const sweep = (await call('SWEEP', col(p), col(y), 0.05, 60, 20)).value as unknown[][];
    expect(sweep.slice(1).map((r) => r[5])).toEqual(kl.thresholdSweep(p, y, { profit: 60, cost: 20 }).map((r) => (Number.isFinite(r.roi) ? r.roi : '')));
    const calibration = (await call('CALIBRATION', col(p), col(y))).value as unknown[][];
    expect(calibration.slice(1).map((r) => r[3])).toEqual(kl.calibrationTable(p, y).map((r) => r.count));
    expect((await call('BREAKEVEN', 60, 20)).value).toEqual([[1 / 3]]);
  });

  it('caches results per identical input', async () => {
    const before = await session.page.evaluate(() => (window as any).cbmAddin.cache.hits);
    await call('SCORE', modelTable, sheet.all);
    const after = await session.page.evaluate(() => (window as any).cbmAddin.cache.hits);
    expect(after).toBe(before + 1);
  });

  it('reads a model once for many SCORE calls, and an edited copy of its table is still refused', async () => {
    const models = () => session.page.evaluate(() => ({ hits: (window as any).cbmAddin.models.hits, misses: (window as any).cbmAddin.models.misses }));
    await session.page.evaluate(() => (window as any).cbmAddin.models.clear());
    const before = await models();
    const first = await call('SCORE', modelTable, sheet.all.slice(0, 40));
    const second = await call('SCORE', modelTable, sheet.all.slice(0, 60));
    expect(second.error).toBeUndefined();
    expect((second.value as unknown[][]).slice(0, 39)).toEqual(first.value);
    expect(await models()).toEqual({ hits: before.hits + 1, misses: before.misses + 1 });
    // A changed cell is another model: read again, and refused by the check row.
    const edited = modelTable.map((row) => [...row]);
    const at = edited.findIndex((row) => row[0] === reference.names[1]);
    edited[at][1] = (edited[at][1] as number) + 0.5;
    const refused = await call('SCORE', edited, sheet.all.slice(0, 40));
    expect(refused.error?.code).toBe('#VALUE!');
    expect(await models()).toEqual({ hits: before.hits + 1, misses: before.misses + 2 });
  });

  it('made no request outside this machine and logged no page error', () => {
    expect(session.blocked).toEqual([]);
    expect(session.consoleErrors).toEqual([]);
  });
});
