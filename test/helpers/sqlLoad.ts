import { quoteIdentifier, quoteString, sqlNumber } from '../../kernel-lib/src/sql/dialect';
import type { SqlExecutor } from '../../kernel-lib/src/warehouse/executor';

/**
 * Test-only loader: creates `table` with typed columns and inserts plain rows in batches of
 * literal VALUES (every literal written by the library's dialect functions). NULL for null.
 */
export async function loadRows(db: SqlExecutor, table: string, columns: Record<string, 'double' | 'text' | 'boolean'>, rows: readonly Record<string, unknown>[]): Promise<void> {
  const d = db.dialect;
  const names = Object.keys(columns);
  const type = (t: string) => (t === 'double' ? (d === 'postgres' ? 'DOUBLE PRECISION' : 'DOUBLE') : t === 'text' ? (d === 'postgres' ? 'TEXT' : 'VARCHAR') : 'BOOLEAN');
  await db.run(`DROP TABLE IF EXISTS ${quoteIdentifier(d, table)}`);
  await db.run(`CREATE TABLE ${quoteIdentifier(d, table)} (${names.map((n) => `${quoteIdentifier(d, n)} ${type(columns[n])}`).join(', ')})`);
  const literal = (value: unknown, t: string): string => {
    if (value === null || value === undefined) return 'NULL';
    if (t === 'double') return sqlNumber(d, Number(value));
    if (t === 'boolean') return value ? 'TRUE' : 'FALSE';
    return quoteString(d, String(value));
  };
  for (let start = 0; start < rows.length; start += 500) {
    const batch = rows.slice(start, start + 500);
    await db.run(`INSERT INTO ${quoteIdentifier(d, table)} VALUES ${batch.map((r) => `(${names.map((n) => literal(r[n], columns[n])).join(', ')})`).join(', ')}`);
  }
}
