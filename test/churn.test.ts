/**
 * Churn modelling tables: properties that follow from the definitions (no reference numbers
 * from the code under test):
 * - leakage: moving every event on or after the scoring date changes no feature;
 * - censoring: a window that the data do not cover is null, never 0 (retained);
 * - the SQL builder (DuckDB) returns the same table as the JS builder on the synthetic base, for
 *   both churn definitions;
 * - the discrete-time hazard model's cumulative probabilities never decrease across horizons,
 *   for every customer, and without features it is the closed form events/exposure per interval;
 * - bad inputs are specific CbmErrors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CbmError, churnModelTable, fitDiscreteHazard, personPeriodTable, triggeredChurnTable, fitLogit } from '../kernel-lib/src/index';
import { customerBase } from '../kernel-lib/src/datasets';
import { churnModelTableSql } from '../kernel-lib/src/sql';
import { openDuckDB, type SqlExecutor } from '../kernel-lib/src/warehouse';

const base = customerBase();
const events = base.events;
const customers = base.customers;
const HORIZONS = [21, 70, 365];
const options = { scoringDate: '2025-07-01', definition: { kind: 'cancellation' as const }, horizons: HORIZONS, customers, attributes: ['segment', 'product'] };

describe('churnModelTable', () => {
  const table = churnModelTable(events, options);

  it('has one row per active customer, features from before the scoring date only (leakage test)', () => {
    expect(table.nRows).toBeGreaterThan(1000);
    // Shift every event on or after the scoring date by +17 days and drop a third of them.
    const shifted = events
      .filter((e, i) => e.date < '2025-07-01' || i % 3 !== 0)
      .map((e) => (e.date >= '2025-07-01' ? { ...e, date: new Date(Date.parse(e.date) + 17 * 86400000).toISOString().slice(0, 10), amount: e.amount * 3 } : e));
    const other = churnModelTable(shifted, { ...options, dataEnd: '2027-01-17' });
    const features = ['customer_id', 'segment', 'product', 'tenure_days', 'recency_days', 'purchases_total', 'amount_total', 'purchases_window', 'amount_window', 'amount_change'];
    for (const f of features) expect(other.columns[f]).toEqual(table.columns[f]);
  });

  it('censors windows the data do not cover instead of counting them as retained', () => {
    const late = churnModelTable(events, { ...options, scoringDate: '2026-11-01' });
    // 2026-11-01 + 70 days is past the data end (2026-12-31): no churn_70 = 0 anywhere, all customers are 1 or null.
    const c70 = late.columns.churn_70;
    expect(c70.filter((v) => v === 0)).toHaveLength(0);
    expect(c70.filter((v) => v === null).length).toBeGreaterThan(0);
    const c21 = late.columns.churn_21;
    expect(c21.filter((v) => v === null)).toHaveLength(0);
    const summary = late.outcomes.find((o) => o.horizon === 70)!;
    expect(summary.retained).toBe(0);
    expect(summary.churned + summary.censored).toBe(late.nRows);
    // A churn seen before the data end still counts: churn_70 = 1 exactly where churn happened within the observed days.
    late.columns.event.forEach((e, i) => expect(c70[i] === 1).toBe(e === 1 && (late.columns.time[i] as number) < 70));
  });

  it('outcomes are nested across horizons: churned within 21 days implies within 70 and 365', () => {
    for (let i = 0; i < table.nRows; i++) {
      if (table.columns.churn_21[i] === 1) expect(table.columns.churn_70[i]).toBe(1);
      if (table.columns.churn_70[i] === 1) expect(table.columns.churn_365[i]).toBe(1);
    }
  });

  it('hand-made: cancellation vs inactivity, active population, time and event', () => {
    const ev = [
      { customer_id: 'a', date: '2025-01-01', type: 'purchase', amount: 10 },
      { customer_id: 'a', date: '2025-02-01', type: 'purchase', amount: 10 },
      { customer_id: 'a', date: '2025-02-20', type: 'cancellation', amount: 0 }, // cancels 19 days after s
      { customer_id: 'b', date: '2025-01-15', type: 'purchase', amount: 5 }, // lapses: no purchase after
      { customer_id: 'c', date: '2025-01-10', type: 'cancellation', amount: 0 }, // gone before s
      { customer_id: 'd', date: '2025-01-20', type: 'purchase', amount: 7 },
      { customer_id: 'd', date: '2025-03-01', type: 'purchase', amount: 7 },
      { customer_id: 'd', date: '2025-06-30', type: 'purchase', amount: 7 },
    ];
    const cancel = churnModelTable(ev, { scoringDate: '2025-02-01', definition: { kind: 'cancellation' }, horizons: [21, 60] });
    expect(cancel.columns.customer_id).toEqual(['a', 'b', 'd']);
    expect(cancel.columns.churn_21).toEqual([1, 0, 0]);
    expect(cancel.columns.time).toEqual([19, 150, 150]); // 2025-02-01 .. 2025-06-30 is 150 days
    const lapse = churnModelTable(ev, { scoringDate: '2025-02-01', definition: { kind: 'inactivity', days: 30 }, horizons: [21, 60] });
    // a: last purchase 2025-01-01 is 31 days before s → already inactive; b: lapses on 01-15 + 30 = 02-14 (13 days after s);
    // c: no purchase, so its anchor is its first event (01-10, 22 days before s; inactivity ignores the
    // cancellation) → lapses on 02-09 (8 days after s); d: 01-20 → 03-01 is 40 days ≥ 30 → churns on 02-19 (18 days).
    expect(lapse.columns.customer_id).toEqual(['b', 'c', 'd']);
    expect(lapse.columns.time).toEqual([13, 8, 18]);
    expect(lapse.columns.churn_21).toEqual([1, 1, 1]);
  });

  it('bad inputs are specific CbmErrors', () => {
    const bad = (o: object, pattern: RegExp) => {
      const call = () => churnModelTable(events, { ...options, ...o } as never);
      expect(call).toThrow(CbmError);
      expect(call).toThrow(pattern);
    };
    bad({ definition: { kind: 'churned' } }, /unknown churn definition kind "churned"/);
    bad({ definition: { kind: 'inactivity', days: 0 } }, /days must be a positive whole number/);
    bad({ horizons: [21, 0] }, /every horizon must be a positive whole number/);
    bad({ horizons: [-5] }, /every horizon/);
    bad({ scoringDate: '2024-01-01' }, /outside the data/);
    bad({ scoringDate: '2027-03-01' }, /outside the data/);
    bad({ scoringDate: '2025-02-30' }, /must be a date/);
    bad({ features: ['age'] }, /unknown feature 'age'/);
    bad({ horizon: 21 }, /unknown option 'horizon'/);
    bad({ attributes: ['colour'] }, /attribute 'colour'/);
  });
});

describe('churnModelTableSql equals churnModelTable (DuckDB)', () => {
  let db: SqlExecutor;
  beforeAll(async () => {
    db = await openDuckDB(':memory:');
    const values = (rows: Record<string, unknown>[], names: string[]) =>
      rows.map((r) => `(${names.map((n) => (typeof r[n] === 'number' ? String(r[n]) : `'${r[n]}'`)).join(', ')})`).join(',\n');
    await db.run(`CREATE TABLE events (customer_id BIGINT, date DATE, type VARCHAR, amount DOUBLE)`);
    for (let i = 0; i < events.length; i += 20000)
      await db.run(`INSERT INTO events VALUES ${values(events.slice(i, i + 20000) as never, ['customer_id', 'date', 'type', 'amount'])}`);
    await db.run(`CREATE TABLE customers (customer_id BIGINT, segment VARCHAR, product VARCHAR, signup_date DATE)`);
    await db.run(`INSERT INTO customers VALUES ${values(customers as never, ['customer_id', 'segment', 'product', 'signup_date'])}`);
  });
  afterAll(async () => db.close());

  for (const definition of [{ kind: 'cancellation' as const }, { kind: 'inactivity' as const, days: 45 }]) {
    for (const withCustomers of [true, false]) {
      it(`${definition.kind}${withCustomers ? ', customers table' : ', population from events'}`, async () => {
        const o = { scoringDate: '2026-03-15', definition, horizons: HORIZONS, windowDays: 60 };
        const js = churnModelTable(events, withCustomers ? { ...o, customers, attributes: ['segment', 'product'] } : o);
        const rows = await db.run(churnModelTableSql({ ...o, dialect: 'duckdb', ...(withCustomers ? { customersTable: 'customers', attributes: ['segment', 'product'] } : {}) }));
        expect(rows).toHaveLength(js.nRows);
        expect(Object.keys(rows[0])).toEqual(js.names);
        rows.forEach((row, i) => {
          for (const name of js.names) {
            const a = js.columns[name][i];
            const b = row[name];
            // Sums of amounts may add in another order: equal to 1e-9 relative.
            if (typeof a === 'number' && !Number.isInteger(a)) expect(Math.abs(a - (b as number))).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(a)));
            else expect(b).toBe(a);
          }
        });
      });
    }
  }
  it('the generator is pure text and checks its options', () => {
    expect(churnModelTableSql({ dialect: 'postgres', scoringDate: '2025-02-01', definition: { kind: 'cancellation' }, horizons: [21] })).toContain(
      `(CAST("date" AS DATE)) - (DATE '2025-02-01')`.replace('"date"', 'date'),
    );
    expect(() => churnModelTableSql({ dialect: 'oracle' as never, scoringDate: '2025-02-01', definition: { kind: 'cancellation' }, horizons: [21] })).toThrow(/dialect/);
    expect(() => churnModelTableSql({ dialect: 'duckdb', scoringDate: "2025-02-01'; DROP TABLE x; --", definition: { kind: 'cancellation' }, horizons: [21] })).toThrow(CbmError);
  });
});

describe('piecewise-exponential hazard model', () => {
  const table = churnModelTable(events, options);
  const features = ['segment', 'tenure_days', 'amount_window'];
  const hazard = fitDiscreteHazard(table.columns, { breaks: HORIZONS, features });

  it('cumulative churn probabilities never decrease across horizons, for every customer', () => {
    const cumulative = hazard.cumulative(table.columns);
    for (let i = 0; i < table.nRows; i++) {
      expect(cumulative.churn_21[i]).toBeLessThanOrEqual(cumulative.churn_70[i]);
      expect(cumulative.churn_70[i]).toBeLessThanOrEqual(cumulative.churn_365[i]);
    }
  });
  it('the intercept-only model is the closed form events/exposure per interval (the piecewise-exponential MLE)', () => {
    const plain = fitDiscreteHazard(table.columns, { breaks: HORIZONS });
    const pp = personPeriodTable(table.columns, { breaks: HORIZONS });
    const cumulative = plain.cumulative({ x: [0] });
    let H = 0;
    HORIZONS.forEach((b, j) => {
      let events = 0;
      let exposure = 0;
      pp.columns.period.forEach((p, r) => {
        if (p !== pp.periods[j]) return;
        events += pp.columns.churned[r] as number;
        exposure += pp.columns.exposure[r] as number;
      });
      H += (events / exposure) * (b - (j === 0 ? 0 : HORIZONS[j - 1]));
      expect(cumulative[`churn_${b}`][0]).toBeCloseTo(1 - Math.exp(-H), 10);
    });
  });
  it('the person-period table keeps the interval in which a customer is censored, with its exposure (survSplit)', () => {
    const pp = personPeriodTable({ time: [5, 30, 100, 50, 21, 0, 0], event: [1, 1, 0, 0, 1, 0, 1] }, { breaks: [21, 70, 365] });
    // 5/event → [1]; 30/event → [0, 1]; 100/censored → [0, 0, 0]; 50/censored → [0, 0]; 21/event → [1] (intervals
    // are (start, end]); 0/censored → nothing (no exposure, no event); 0/event → [1] with exposure 0.
    expect(pp.columns.churned).toEqual([1, 0, 1, 0, 0, 0, 0, 0, 1, 1]);
    expect(pp.columns.exposure).toEqual([5, 21, 9, 21, 49, 30, 21, 29, 21, 0]);
  });
  it('fits past the data end: a break the data end inside is estimated from the exposure observed', () => {
    const late = churnModelTable(events, { ...options, scoringDate: '2026-06-01' });
    const hazard = fitDiscreteHazard(late.columns, { breaks: HORIZONS });
    const cumulative = hazard.cumulative({ x: [0] });
    expect(cumulative.churn_365[0]).toBeGreaterThan(cumulative.churn_70[0]);
    expect(cumulative.churn_365[0]).toBeLessThan(1);
  });
});

describe('triggered (3-week) churn table', () => {
  it('stacks churnModelTable at each trigger date for the triggered customers only', () => {
    const triggers = [
      ...customers
        .filter((c) => c.product === 'A')
        .slice(0, 300)
        .map((c) => ({ customer_id: c.customer_id, date: '2025-09-01' })),
      ...customers
        .filter((c) => c.product === 'B')
        .slice(0, 300)
        .map((c) => ({ customer_id: c.customer_id, date: '2026-02-01' })),
    ];
    const t = triggeredChurnTable(events, { triggers, customers, attributes: ['segment'] });
    const direct = churnModelTable(events, { scoringDate: '2025-09-01', definition: { kind: 'cancellation' }, horizons: [21], customers, attributes: ['segment'] });
    const hitA = new Set(triggers.slice(0, 300).map((x) => x.customer_id));
    const expectedA = direct.columns.customer_id.filter((id) => hitA.has(id as number));
    expect(t.columns.customer_id.slice(0, expectedA.length)).toEqual(expectedA);
    expect(t.columns.trigger_date.filter((d) => d === '2025-09-01')).toHaveLength(expectedA.length);
    expect(Object.keys(t.columns)).toContain('churn_21');
    expect(() => fitLogit(t.columns, 'churn_21 ~ segment + tenure_days')).not.toThrow(/UNKNOWN_COLUMN/);
  });
});

/**
 * The same generator on PostgreSQL (dialect 'postgres'): a throwaway cluster in a temp folder
 * (initdb + pg_ctl from Debian's postgresql package; as root they run as the postgres user).
 * Skipped, with the reason printed, only where no PostgreSQL server binaries are installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const pgBin = (() => {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort();
  return versions.length ? join(root, versions[versions.length - 1], 'bin') : null;
})();

describe.skipIf(pgBin === null)('churnModelTableSql equals churnModelTable (PostgreSQL)', () => {
  let dir = '';
  const port = 35000 + (process.pid % 1000);
  const asPostgres = (cmd: string, args: string[]) => (process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]) as [string, string[]];
  let client: import('pg').Client;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cbm-churn-pg-'));
    if (process.getuid?.() === 0) execFileSync('chown', ['postgres', dir]);
    const run = (cmd: string, args: string[]) => {
      const [c, a] = asPostgres(join(pgBin!, cmd), args);
      const r = spawnSync(c, a, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
    };
    run('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres']);
    run('pg_ctl', ['-D', join(dir, 'data'), '-o', `-k ${dir} -p ${port} -c listen_addresses= -c fsync=off`, '-l', join(dir, 'log'), '-w', 'start']);
    const { Client } = await import('pg');
    client = new Client({ host: dir, port, user: 'postgres', database: 'postgres' });
    await client.connect();
    await client.query(
      'CREATE TABLE events (customer_id BIGINT, date DATE, type VARCHAR, amount DOUBLE PRECISION); CREATE TABLE customers (customer_id BIGINT, segment VARCHAR, product VARCHAR, signup_date DATE)',
    );
    for (let i = 0; i < events.length; i += 10000) {
      await client.query(
        `INSERT INTO events VALUES ${events
          .slice(i, i + 10000)
          .map((e) => `(${e.customer_id}, '${e.date}', '${e.type}', ${e.amount})`)
          .join(', ')}`,
      );
    }
    await client.query(`INSERT INTO customers VALUES ${customers.map((c) => `(${c.customer_id}, '${c.segment}', '${c.product}', '${c.signup_date}')`).join(', ')}`);
  }, 120_000);
  afterAll(async () => {
    await client?.end();
    if (dir) {
      const [c, a] = asPostgres(join(pgBin!, 'pg_ctl'), ['-D', join(dir, 'data'), '-m', 'immediate', 'stop']);
      spawnSync(c, a);
      rmSync(dir, { recursive: true, force: true });
    }
  });
  for (const definition of [{ kind: 'cancellation' as const }, { kind: 'inactivity' as const, days: 45 }]) {
    it(definition.kind, async () => {
      const o = { scoringDate: '2026-03-15', definition, horizons: HORIZONS, windowDays: 60 };
      const js = churnModelTable(events, { ...o, customers, attributes: ['segment', 'product'] });
      const { rows } = await client.query(churnModelTableSql({ ...o, dialect: 'postgres', customersTable: 'customers', attributes: ['segment', 'product'] }));
      expect(rows).toHaveLength(js.nRows);
      rows.forEach((row: Record<string, unknown>, i: number) => {
        for (const name of js.names) {
          const a = js.columns[name][i];
          // pg returns BIGINT and SUM(integer) as text: compare as numbers.
          const b = row[name] === null || typeof a !== 'number' ? row[name] : Number(row[name]);
          if (typeof a === 'number' && !Number.isInteger(a)) expect(Math.abs(a - (b as number))).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(a)));
          else expect(b).toBe(a);
        }
      });
    });
  }
});
