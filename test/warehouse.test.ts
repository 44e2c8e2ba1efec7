/**
 * The embedded DuckDB warehouse: loads with declared schemas (rejected rows reported with their
 * line, never coerced), a failed load leaves the previous state (transaction), per-load profiles
 * checked against statistics computed here from the file, model-ready and dashboard tables.
 * Line numbers and counts in the assertions come from the hand-written files below.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CbmError, driftReport } from '../kernel-lib/src/index';
import {
  buildChurnTable,
  buildDashboardTables,
  loadFiles,
  loadHistory,
  loadProfile,
  openDuckDB,
  profileSql,
  readLoad,
  readTable,
  refreshModelTables,
  saveDriftReport,
  type SqlExecutor,
} from '../kernel-lib/src/warehouse';

const EVENTS = { customer_id: 'BIGINT', date: 'DATE', type: 'VARCHAR', amount: 'DOUBLE' } as const;
const CUSTOMERS = { customer_id: 'BIGINT', segment: 'VARCHAR', product: 'VARCHAR', signup_date: 'DATE', monthly_charges: 'DOUBLE' } as const;

describe('loadFiles', () => {
  let dir: string;
  let db: SqlExecutor;
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cbm-warehouse-'));
    db = await openDuckDB(join(dir, 'test.duckdb'));
  });
  afterAll(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const goodEvents =
    'customer_id,date,type,amount\n1,2025-01-05,purchase,10\n1,2025-02-05,purchase,10.5\n2,2025-01-09,purchase,20\n2,2025-03-01,cancellation,0\n3,2025-01-20,purchase,5\n3,2025-04-20,purchase,5\n';
  const goodCustomers = 'customer_id,segment,product,signup_date,monthly_charges\n1,consumer,A,2024-12-05,10\n2,enterprise,B,2024-11-09,20\n3,consumer,A,2024-12-20,5\n';

  it('loads, counts and profiles a clean load', async () => {
    const result = await loadFiles(
      db,
      [
        { table: 'events', path: file('events.csv', goodEvents), schema: EVENTS },
        { table: 'customers', path: file('customers.csv', goodCustomers), schema: CUSTOMERS },
      ],
      { note: 'first' },
    );
    expect(result.loadId).toBe(1);
    expect(result.tables.map((t) => [t.table, t.rows, t.rejected])).toEqual([
      ['events', 6, 0],
      ['customers', 3, 0],
    ]);
    const profile = await loadProfile(db, 'events', 1);
    const stat = (column: string, statistic: string, level: string | null = null) =>
      profile.find((r) => r.column_name === column && r.statistic === statistic && r.level === level)?.value;
    // amount: 10, 10.5, 20, 0, 5, 5 → mean 50.5/6; median (R type 7) of 0,5,5,10,10.5,20 = 7.5.
    expect(stat('amount', 'mean')).toBeCloseTo(50.5 / 6, 12);
    expect(stat('amount', 'q50')).toBe(7.5);
    expect(stat('amount', 'n')).toBe(6);
    expect(stat('type', 'share', 'purchase')).toBeCloseTo(5 / 6, 12);
    expect(stat('date', 'min')).toBe(Date.UTC(2025, 0, 5) / 86400000);
  });

  it('a row that breaks the schema fails the load with its line, and nothing is written', async () => {
    const before = await loadHistory(db);
    const rawBefore = await db.run('SELECT COUNT(*) AS n FROM raw_events');
    const bad = 'customer_id,date,type,amount\n1,2025-05-05,purchase,10\n2,2025-13-01,purchase,3\n3,2025-05-03,purchase,abc\n4.5,2025-05-04,purchase,1\n5,2025-05-05,purchase\n';
    const call = loadFiles(db, [
      { table: 'customers', path: file('customers2.csv', goodCustomers), schema: CUSTOMERS },
      { table: 'events', path: file('bad.csv', bad), schema: EVENTS },
    ]);
    await expect(call).rejects.toThrow(CbmError);
    try {
      await loadFiles(db, [{ table: 'events', path: file('bad.csv', bad), schema: EVENTS }]);
    } catch (error) {
      const e = error as CbmError;
      expect(e.code).toBe('BAD_INPUT');
      expect(e.message).toMatch(/^loadFiles: 4 rows of bad\.csv break the schema of 'events'/);
      // Lines as the file numbers them (the header is line 1): a bad date, a bad number, 4.5 as an id (DuckDB would round it), a short row (DuckDB names the missing column).
      expect((e.details.rejects as { line: number; column: string | null }[]).map((r) => [r.line, r.column])).toEqual([
        [3, 'date'],
        [4, 'amount'],
        [5, 'customer_id'],
        [6, 'amount'],
      ]);
    }
    expect(await loadHistory(db)).toEqual(before);
    expect(await db.run('SELECT COUNT(*) AS n FROM raw_events')).toEqual(rawBefore);
    expect(await db.run('SELECT COUNT(*) AS n FROM raw_customers')).toEqual([{ n: 3 }]);
  });

  it("onReject: 'skip' loads the good rows and records the rejects", async () => {
    const bad = 'customer_id,date,type,amount\n1,2025-05-05,purchase,10\n2,2025-13-01,purchase,3\n';
    const result = await loadFiles(db, [{ table: 'events', path: file('skip.csv', bad), schema: EVENTS }], { onReject: 'skip' });
    expect(result.tables[0].rows).toBe(1);
    expect(result.rejects.map((r) => r.line)).toEqual([3]);
    expect(await db.run(`SELECT line, column_name FROM cbm_load_rejects WHERE load_id = ${result.loadId}`)).toEqual([{ line: 3, column_name: 'date' }]);
  });

  it('a header that does not match the schema, an unknown type, a missing file: specific errors', async () => {
    await expect(loadFiles(db, [{ table: 'events', path: file('swapped.csv', 'customer_id,type,date,amount\n1,purchase,2025-01-01,3\n'), schema: EVENTS }])).rejects.toThrow(
      /has columns customer_id, type, date, amount but the schema of 'events' declares customer_id, date, type, amount/,
    );
    await expect(loadFiles(db, [{ table: 'events', path: file('e.csv', goodEvents), schema: { ...EVENTS, amount: 'MONEY' as never } }])).rejects.toThrow(/type "MONEY"/);
    await expect(loadFiles(db, [{ table: 'events', path: join(dir, 'nope.csv'), schema: EVENTS }])).rejects.toThrow(/does not exist/);
    await expect(loadFiles(db, [{ table: 'events', path: file('e.csv', goodEvents), schema: EVENTS }], { mode: 'append' } as never)).rejects.toThrow(/unknown option 'mode'/);
  });

  it('Parquet: declared columns must exist and convert without loss', async () => {
    const parquet = join(dir, 'events.parquet');
    await db.run(
      `COPY (SELECT * FROM (VALUES (1, DATE '2025-06-01', 'purchase', 4.0), (2, DATE '2025-06-02', 'purchase', 6.0)) t(customer_id, date, type, amount)) TO '${parquet}' (FORMAT parquet)`,
    );
    const result = await loadFiles(db, [{ table: 'events', path: parquet, schema: EVENTS }]);
    expect(result.tables[0]).toMatchObject({ format: 'parquet', rows: 2, rejected: 0 });
    const lossy = join(dir, 'lossy.parquet');
    await db.run(`COPY (SELECT * FROM (VALUES (1.5, DATE '2025-06-01', 'purchase', 4.0)) t(customer_id, date, type, amount)) TO '${lossy}' (FORMAT parquet)`);
    await expect(loadFiles(db, [{ table: 'events', path: lossy, schema: EVENTS }])).rejects.toThrow(/line 1 \(customer_id\)/);
  });

  it('readLoad returns one load; model-ready, churn and dashboard tables build from the newest load', async () => {
    const first = await readLoad(db, 'events', 1);
    expect(first.date).toEqual(['2025-01-05', '2025-02-05', '2025-01-09', '2025-03-01', '2025-01-20', '2025-04-20']);
    const reload = await loadFiles(db, [{ table: 'events', path: file('events3.csv', goodEvents), schema: EVENTS }]);
    const report = driftReport(first, await readLoad(db, 'events', reload.loadId), { ignore: ['customer_id'] });
    expect(report.status).toBe('ok');
    await saveDriftReport(db, { table: 'events', loadId: reload.loadId, previousLoadId: 1, report });
    expect(await refreshModelTables(db, ['events', 'customers'])).toEqual([
      { table: 'events', loadId: reload.loadId },
      { table: 'customers', loadId: 1 },
    ]);
    await buildChurnTable(db, { scoringDate: '2025-02-01', definition: { kind: 'cancellation' }, horizons: [30, 60], customersTable: 'customers', attributes: ['segment'] });
    const churn = await readTable(db, 'churn_model_table');
    expect(churn.map((r) => [r.customer_id, r.churn_30, r.churn_60])).toEqual([
      [1, 0, 0],
      [2, 1, 1],
      [3, 0, 0],
    ]);
    await expect(buildChurnTable(db, { scoringDate: '2030-01-01', definition: { kind: 'cancellation' }, horizons: [30] })).rejects.toThrow(/outside the data/);
    await buildDashboardTables(db, { horizons: [30, 60] });
    // Revenue by month from the hand-written events: January 10 + 20 + 5 = 35.
    const revenue = await db.run(`SELECT CAST(month AS VARCHAR) AS month, SUM(revenue) AS revenue FROM dash_monthly_revenue GROUP BY 1 ORDER BY 1`);
    expect(revenue[0]).toEqual({ month: '2025-01-01', revenue: 35 });
    const bySegment = await readTable(db, 'dash_churn_by_segment');
    expect(bySegment.find((r) => r.segment === 'enterprise' && r.horizon_days === 30)).toMatchObject({ customers: 1, churned: 1, churn_rate: 1 });
    const status = await readTable(db, 'dash_load_status');
    expect(status.find((r) => r.load_id === reload.loadId)).toMatchObject({ table_name: 'events', drifted: 0, warned: 0 });
  });
});

/**
 * Issue 18, findings 3–5: every record of a file is a loaded row or a reject with its line; paths
 * are literal files; each load records the file's size and SHA-256; one file, one database per
 * process. Lines and counts come from the hand-written files below; the hash from node:crypto.
 */
describe('loads account for every record', () => {
  let dir: string;
  const file = (name: string, text: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const NOTES = { note: 'VARCHAR', customer_id: 'BIGINT', amount: 'DOUBLE' } as const;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cbm-records-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a quoted newline before a BIGINT column, 1e400 in a DOUBLE: rejects with their lines (fail and skip)', async () => {
    const db = await openDuckDB(':memory:');
    try {
      // Line 2–3: one record with a quoted newline; line 4: 2.5 as an id; line 5: 1e400 overflows; line 6 fine; line 7–9: quoted CRLF-free newlines again, then -1e400.
      const text = 'note,customer_id,amount\n"two\nlines",1,2\nx,2.5,3\ny,3,1e400\nz,4,5\n"a\n\nb",5,-1e400\n';
      const path = file('notes.csv', text);
      const error = await loadFiles(db, [{ table: 'notes', path, schema: NOTES }]).catch((e) => e);
      expect(error).toBeInstanceOf(CbmError);
      expect((error.details.rejects as RejectedRowShape[]).map((r) => [r.line, r.column])).toEqual([
        [4, 'customer_id'],
        [5, 'amount'],
        [7, 'amount'],
      ]);
      const result = await loadFiles(db, [{ table: 'notes', path, schema: NOTES }], { onReject: 'skip' });
      expect(result.tables[0]).toMatchObject({ rows: 2, rejected: 3 });
      expect(await db.run('SELECT note, customer_id FROM raw_notes ORDER BY customer_id')).toEqual([
        { note: 'two\nlines', customer_id: 1 },
        { note: 'z', customer_id: 4 },
      ]);
    } finally {
      await db.close();
    }
  });

  it('a record over the line limit is a reject with its line (3 MB: the reader reports it; 33 MB: it skips it silently, the scan does not)', async () => {
    const db = await openDuckDB(':memory:');
    try {
      for (const megabytes of [3, 33]) {
        const path = file(`long${megabytes}.csv`, `note,customer_id,amount\na,1,1\n${'x'.repeat(megabytes * 1024 * 1024)},2,2\nb,3.5,3\nc,4,4\n`);
        const error = await loadFiles(db, [{ table: 'notes', path, schema: NOTES }]).catch((e) => e);
        expect(error).toBeInstanceOf(CbmError);
        expect((error.details.rejects as RejectedRowShape[]).map((r) => [r.line, r.column])).toEqual([
          [3, null],
          [4, 'customer_id'],
        ]);
        expect(error.message.length).toBeLessThan(2000);
        const result = await loadFiles(db, [{ table: 'notes', path, schema: NOTES }], { onReject: 'skip' });
        expect(result.tables[0]).toMatchObject({ rows: 2, rejected: 2 });
      }
    } finally {
      await db.close();
    }
  });

  it('BOM, CRLF and a quoted CRLF: every record loads; size and SHA-256 of the file are recorded', async () => {
    const db = await openDuckDB(':memory:');
    try {
      const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('note,customer_id,amount\r\n"x\r\ny",1,2\r\n\r\nz,2,3\r\n')]);
      const path = file('bom.csv', bytes);
      const result = await loadFiles(db, [{ table: 'bom', path, schema: NOTES }]);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      expect(result.tables[0]).toMatchObject({ rows: 2, rejected: 0, bytes: bytes.length, sha256 });
      expect(await db.run(`SELECT source, size_bytes, sha256 FROM cbm_load_tables WHERE load_id = ${result.loadId}`)).toEqual([{ source: path, size_bytes: bytes.length, sha256 }]);
    } finally {
      await db.close();
    }
  });

  it('a wide file loads every column, its profile is a few statements, and each statistic is the one computed by hand', async () => {
    // Issue 18: a 12,000-column file was refused, then took minutes (a dozen scans per column).
    // 900 columns: text every third, numbers 1.5k, k and 3k in three rows.
    const count = 900;
    const names = Array.from({ length: count }, (_, k) => `c${k}`);
    const cell = (k: number, row: number) => (k % 3 === 0 ? ['a', 'b', 'a'][row] : String([1.5 * k, k, 3 * k][row]));
    const text = [names.join(','), ...[0, 1, 2].map((row) => names.map((_, k) => cell(k, row)).join(','))].join('\n');
    const schema = Object.fromEntries(names.map((n, k) => [n, k % 3 === 0 ? 'VARCHAR' : 'DOUBLE'])) as Record<string, 'VARCHAR' | 'DOUBLE'>;
    const statements = profileSql('duckdb', 'raw_wide', 'wide', schema, 1);
    expect(statements.length).toBeLessThanOrEqual(2 * Math.ceil(count / 100));
    const db = await openDuckDB(':memory:');
    try {
      const result = await loadFiles(db, [{ table: 'wide', path: file('wide-many.csv', `${text}\n`), schema }]);
      expect(result.tables[0].rows).toBe(3);
      const profile = await loadProfile(db, 'wide', result.loadId);
      const stat = (column: string, statistic: string, level: string | null = null) =>
        profile.filter((r) => r.column_name === column && r.statistic === statistic && r.level === level).map((r) => r.value);
      // Per numeric column 12 statistics (n, missing, its share, mean, sd, min, five quantiles, max),
      // per text column 3 plus one share per level.
      expect(profile.length).toBe(600 * 12 + 300 * (3 + 2));
      for (const k of [1, 2, 598, 899]) {
        const x = [1.5 * k, k, 3 * k].sort((a, b) => a - b);
        const mean = (x[0] + x[1] + x[2]) / 3;
        const sd = Math.sqrt(x.reduce((s, v) => s + (v - mean) ** 2, 0) / 2);
        expect(stat(`c${k}`, 'n')).toEqual([3]);
        expect(stat(`c${k}`, 'mean')[0]).toBeCloseTo(mean, 9);
        expect(stat(`c${k}`, 'sd')[0]).toBeCloseTo(sd, 9);
        // R type 7 on three sorted values: q25 = x1 + 0.5 (x2 − x1), q50 = x2.
        expect(stat(`c${k}`, 'q25')[0]).toBeCloseTo(x[0] + 0.5 * (x[1] - x[0]), 9);
        expect(stat(`c${k}`, 'q50')).toEqual([x[1]]);
        expect(stat(`c${k}`, 'max')).toEqual([x[2]]);
      }
      for (const k of [0, 597, 897]) {
        expect(stat(`c${k}`, 'share', 'a')[0]).toBeCloseTo(2 / 3, 12);
        expect(stat(`c${k}`, 'share', 'b')[0]).toBeCloseTo(1 / 3, 12);
        expect(stat(`c${k}`, 'missing')).toEqual([0]);
      }
    } finally {
      await db.close();
    }
  });

  it('paths are literal files: glob characters, a directory and a wide header are clear errors; a header mismatch shows names only', async () => {
    const db = await openDuckDB(':memory:');
    try {
      mkdirSync(join(dir, 'g'), { recursive: true });
      file('g/data1.csv', 'note,customer_id,amount\na,1,1\n');
      file('g/xa.csv', 'note,customer_id,amount\na,1,1\n');
      for (const path of [join(dir, 'g', 'data[1].csv'), join(dir, 'g', 'x*.csv'), join(dir, 'g', 'x?.csv')]) {
        await expect(loadFiles(db, [{ table: 'notes', path, schema: NOTES }])).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/glob character/) });
      }
      await expect(loadFiles(db, [{ table: 'notes', path: join(dir, 'g'), schema: NOTES }])).rejects.toMatchObject({
        code: 'BAD_INPUT',
        message: expect.stringMatching(/is a directory/),
      });
      // A header longer than 64 KB (50 columns of 1,400-character names) is read whole.
      const names = Array.from({ length: 50 }, (_, k) => `column_${k}_${'x'.repeat(1400)}`);
      const wide = file('wide.csv', `${names.join(',')}\n${names.map((_, k) => k).join(',')}\n`);
      const schema = Object.fromEntries(names.map((n) => [n, 'BIGINT'])) as Record<string, 'BIGINT'>;
      expect((await loadFiles(db, [{ table: 'wide', path: wide, schema }])).tables[0].rows).toBe(1);
      const secret = file('passwd.csv', `root:x:0:0:${'s'.repeat(500)}:/root:/bin/bash\nline two\n`);
      const mismatch = await loadFiles(db, [{ table: 'notes', path: secret, schema: NOTES }]).catch((e) => e);
      expect(mismatch).toBeInstanceOf(CbmError);
      expect(mismatch.message).not.toContain('s'.repeat(100));
      expect(mismatch.message).not.toContain('line two');
      expect(mismatch.message.length).toBeLessThan(400);
    } finally {
      await db.close();
    }
  });

  it('two openDuckDB calls on one file share one database: concurrent loads get ids 1 and 2, and both survive reopening', async () => {
    const path = join(dir, 'shared.duckdb');
    const csv = file('shared.csv', 'note,customer_id,amount\na,1,1\n');
    const first = await openDuckDB(path);
    const second = await openDuckDB(join(dir, '.', 'shared.duckdb'));
    const ids = await Promise.all([loadFiles(first, [{ table: 'a', path: csv, schema: NOTES }]), loadFiles(second, [{ table: 'b', path: csv, schema: NOTES }])]);
    expect(ids.map((r) => r.loadId).sort()).toEqual([1, 2]);
    await first.close();
    expect(await second.run('SELECT COUNT(*) AS n FROM cbm_loads')).toEqual([{ n: 2 }]);
    await expect(first.run('SELECT 1')).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await second.close();
    const reopened = await openDuckDB(path);
    try {
      expect(await reopened.run('SELECT table_name FROM cbm_load_tables ORDER BY load_id')).toHaveLength(2);
    } finally {
      await reopened.close();
    }
  });
});

type RejectedRowShape = { line: number; column: string | null };
