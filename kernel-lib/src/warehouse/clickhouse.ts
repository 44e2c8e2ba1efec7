import { CbmError, check, describeValue } from '../errors';
import type { SqlExecutor, SqlRow } from '../sql/executor';
import { serialExecutor } from './executor';

/**
 * Connects to a ClickHouse server over its HTTP interface (port 8123 by default) with plain
 * `fetch`, no driver: `clickhouse://host:port`, `http://host:port` or `https://host:port`, with
 * an optional database as the path (`http://host:8123/crm`) and a user and password in the URL
 * (`http://user:secret@host:8123`), sent as ClickHouse's X-ClickHouse-User/-Key headers. Tested
 * against ClickHouse 18.16 (Debian's package), a single server and a two-shard cluster queried
 * through a Distributed table (the fit's aggregates run on every shard).
 *
 * The contract is the other executors': statements run one after another, rows come back as
 * plain objects (64-bit integers as numbers when they are safe integers, text otherwise; ±Infinity
 * and NaN as null, as ClickHouse's JSON writes them), a refused statement is a `SQL_ERROR`
 * CbmError with the server's message. ClickHouse has no transactions, so `transaction` refuses
 * with a `BAD_INPUT` CbmError rather than run work that could not be rolled back; run statements
 * one by one with `run` instead.
 *
 * @example
 * // const db = await openClickHouse('clickhouse://127.0.0.1:8123');
 * // (await db.run('SELECT 1 AS x'))[0].x; // 1
 * // await db.close();
 * const url = 'clickhouse://127.0.0.1:8123';
 */
export async function openClickHouse(url: string): Promise<SqlExecutor> {
  const context = 'openClickHouse';
  check(typeof url === 'string' && url.length > 0, `${context}: url must be text like 'clickhouse://127.0.0.1:8123', got ${describeValue(url)}`);
  const endpoint = clickHouseEndpoint(url, context);
  let open = true;
  const runNow = async (sql: string): Promise<SqlRow[]> => {
    check(open, 'clickhouse: the connection is closed');
    return clickHouseQuery(endpoint, sql);
  };
  try {
    await clickHouseQuery(endpoint, 'SELECT 1');
  } catch (error) {
    throw new CbmError('BAD_INPUT', `${context}: cannot connect to ${endpoint.shown}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const executor = serialExecutor('clickhouse', {
    runNow,
    begin: 'BEGIN',
    close: async () => {
      open = false;
    },
  });
  return {
    ...executor,
    transaction: async () => {
      throw new CbmError('BAD_INPUT', 'clickhouse: ClickHouse has no transactions; run the statements one by one with run()');
    },
  };
}

interface Endpoint {
  /** The query URL without credentials. */
  base: string;
  headers: Record<string, string>;
  /** host:port, for messages (never the password). */
  shown: string;
}

/** The HTTP endpoint of a clickhouse:// or http(s):// URL: the database from the path, credentials as headers. */
function clickHouseEndpoint(url: string, context: string): Endpoint {
  let parsed: URL;
  try {
    parsed = new URL(url.replace(/^clickhouse:\/\//, 'http://'));
  } catch {
    throw new CbmError('BAD_INPUT', `${context}: '${url}' is not a URL like 'clickhouse://127.0.0.1:8123' or 'http://127.0.0.1:8123/database'`);
  }
  check(parsed.protocol === 'http:' || parsed.protocol === 'https:', `${context}: the URL must start with clickhouse://, http:// or https://, got '${parsed.protocol}'`);
  const params = new URLSearchParams({ default_format: 'JSON' });
  const database = decodeURIComponent(parsed.pathname.replace(/^\/+|\/+$/g, ''));
  if (database) params.set('database', database);
  // One connection per statement: a kept-alive socket that the server closed while this process
  // was busy computing (its timers could not run) would fail the next statement with "other side
  // closed", and a statement that may have run cannot safely be sent again.
  const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' };
  if (parsed.username) headers['X-ClickHouse-User'] = decodeURIComponent(parsed.username);
  if (parsed.password) headers['X-ClickHouse-Key'] = decodeURIComponent(parsed.password);
  const shown = `${parsed.protocol}//${parsed.host}`;
  return { base: `${shown}/?${params.toString()}`, headers, shown };
}

/** 64-bit (and wider) integer types, which ClickHouse's JSON writes as quoted text. */
const WIDE_INTEGER = /^(?:Nullable\()?(?:LowCardinality\()?U?Int(?:64|128|256)\b/;

/**
 * POSTs one statement; the JSON result's rows, or [] for a statement without a result. An error
 * before the result starts comes as an HTTP error status; one during the result ends the body
 * with the server's message in place of JSON, so text that does not parse is reported as well.
 */
async function clickHouseQuery(endpoint: Endpoint, sql: string): Promise<SqlRow[]> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(endpoint.base, { method: 'POST', headers: endpoint.headers, body: sql });
    text = await response.text();
  } catch (error) {
    const reason = (error as { cause?: unknown } | null)?.cause;
    const cause = reason instanceof Error ? `: ${reason.message}` : '';
    throw new CbmError('SQL_ERROR', `clickhouse: no answer from ${endpoint.shown} (${error instanceof Error ? error.message : String(error)}${cause})`, { sql });
  }
  if (!response.ok) throw new CbmError('SQL_ERROR', `clickhouse: ${serverMessage(text)}`, { sql, status: response.status });
  if (text.trim() === '') return [];
  let result: { meta?: { name: string; type: string }[]; data?: Record<string, unknown>[] };
  try {
    result = JSON.parse(text);
  } catch {
    throw new CbmError('SQL_ERROR', `clickhouse: ${serverMessage(text.slice(-2000))}`, { sql });
  }
  const wide = (result.meta ?? []).filter((m) => WIDE_INTEGER.test(m.type)).map((m) => m.name);
  return (result.data ?? []).map((row) => {
    const out: SqlRow = Object.create(null);
    for (const key of Object.keys(row)) out[key] = row[key];
    for (const key of wide) {
      const value = out[key];
      if (typeof value === 'string') {
        const n = Number(value);
        if (Number.isSafeInteger(n)) out[key] = n;
      }
    }
    return out;
  });
}

/** The server's own words from an error body ("Code: 46, e.displayText() = DB::Exception: Unknown function ABS, e.what() = …"). */
function serverMessage(text: string): string {
  const display = /e\.displayText\(\) = (?:DB::Exception: )?([\s\S]*?)(?:, e\.what\(\) = [\w:]+)?\s*$/.exec(text.trim());
  const code = /Code: (\d+)/.exec(text);
  const message = display ? display[1] : text.trim();
  return `${message}${code ? ` (code ${code[1]})` : ''}`;
}
