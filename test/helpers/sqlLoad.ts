import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quoteIdentifier, quoteString, sqlNumber } from '../../kernel-lib/src/sql/dialect';
import type { SqlExecutor } from '../../kernel-lib/src/sql/executor';

/**
 * Test-only loader: creates `table` with typed columns and inserts plain rows, NULL for null.
 * PostgreSQL: batches of literal VALUES written by the library's dialect functions. DuckDB: a
 * temporary CSV read with explicit column types (its parser reads shortest round-trip decimals
 * back to the same doubles), because DuckDB parses long VALUES lists slowly.
 */
export async function loadRows(db: SqlExecutor, table: string, columns: Record<string, 'double' | 'text' | 'boolean'>, rows: readonly Record<string, unknown>[]): Promise<void> {
  const d = db.dialect;
  const names = Object.keys(columns);
  const type = (t: string) => (t === 'double' ? (d === 'postgres' ? 'DOUBLE PRECISION' : 'DOUBLE') : t === 'text' ? (d === 'postgres' ? 'TEXT' : 'VARCHAR') : 'BOOLEAN');
  await db.run(`DROP TABLE IF EXISTS ${quoteIdentifier(d, table)}`);
  await db.run(`CREATE TABLE ${quoteIdentifier(d, table)} (${names.map((n) => `${quoteIdentifier(d, n)} ${type(columns[n])}`).join(', ')})`);
  if (rows.length === 0) return;
  if (d === 'duckdb') {
    const dir = mkdtempSync(join(tmpdir(), 'cbm-load-'));
    try {
      const file = join(dir, 'rows.csv');
      const cell = (value: unknown, t: string) =>
        value === null || value === undefined ? '' : t === 'text' ? `"${String(value).replace(/"/g, '""')}"` : t === 'boolean' ? (value ? 'true' : 'false') : String(Number(value));
      writeFileSync(file, rows.map((r) => names.map((n) => cell(r[n], columns[n])).join(',')).join('\n') + '\n');
      const spec = names.map((n, k) => `'c${k}': '${type(columns[n])}'`).join(', ');
      await db.run(`INSERT INTO ${quoteIdentifier(d, table)} SELECT * FROM read_csv(${quoteString(d, file)}, header = false, quote = '"', escape = '"', columns = {${spec}})`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return;
  }
  const literal = (value: unknown, t: string): string => {
    if (value === null || value === undefined) return 'NULL';
    if (t === 'double') return sqlNumber(d, Number(value));
    if (t === 'boolean') return value ? 'TRUE' : 'FALSE';
    return quoteString(d, String(value));
  };
  for (let start = 0; start < rows.length; start += 1000) {
    const batch = rows.slice(start, start + 1000);
    await db.run(`INSERT INTO ${quoteIdentifier(d, table)} VALUES ${batch.map((r) => `(${names.map((n) => literal(r[n], columns[n])).join(', ')})`).join(', ')}`);
  }
}
