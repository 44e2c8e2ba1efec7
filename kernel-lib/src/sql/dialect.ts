import { CbmError, check } from '../errors';
import type { SqlDialect } from '../warehouse/executor';

/**
 * Every difference between the SQL dialects cbm-kit writes lives here, so that a generator
 * (scoring, fitting, loading, monitoring) writes one SQL text and asks this module for the parts
 * that differ: identifier quoting, string literals, numbers that round-trip, and the few
 * functions whose names differ.
 */
export const SQL_DIALECTS: readonly SqlDialect[] = ['duckdb', 'postgres', 'spark'];

export function checkDialect(dialect: unknown, context: string): asserts dialect is SqlDialect {
  check(typeof dialect === 'string' && (SQL_DIALECTS as readonly string[]).includes(dialect), `${context}: dialect must be one of ${SQL_DIALECTS.map((d) => `'${d}'`).join(', ')}, got ${String(dialect)}`);
}

/**
 * A quoted identifier: "name" (DuckDB, PostgreSQL; doubled inner quotes) or `name` (Spark SQL;
 * doubled inner backticks). Any text is safe, including spaces, quotes and reserved words; NUL
 * is refused because no engine stores it.
 *
 * @example
 * quoteIdentifier('duckdb', 'monthly "fee"') // '"monthly ""fee"""'
 */
export function quoteIdentifier(dialect: SqlDialect, name: string): string {
  check(typeof name === 'string' && name.length > 0, `SQL: an identifier must be non-empty text, got ${String(name)}`);
  if (name.includes('\u0000')) throw new CbmError('BAD_INPUT', 'SQL: an identifier cannot contain the NUL character');
  return dialect === 'spark' ? `\`${name.replace(/`/g, '``')}\`` : `"${name.replace(/"/g, '""')}"`;
}

/**
 * A string literal. Single quotes are doubled; Spark SQL also treats the backslash as an escape,
 * so it is doubled there.
 *
 * @example
 * quoteString('postgres', "O'Brien") // "'O''Brien'"
 */
export function quoteString(dialect: SqlDialect, value: string): string {
  if (value.includes('\u0000')) throw new CbmError('BAD_INPUT', 'SQL: a string literal cannot contain the NUL character');
  const escaped = value.replace(/'/g, "''");
  return `'${dialect === 'spark' ? escaped.replace(/\\/g, '\\\\') : escaped}'`;
}

/**
 * A finite number as a SQL literal that reads back to the same double: the shortest round-trip
 * decimal (JavaScript's own), cast to DOUBLE so no engine reads it as an exact DECIMAL.
 *
 * @example
 * sqlNumber('duckdb', 0.1) // 'CAST(0.1 AS DOUBLE)'
 */
export function sqlNumber(dialect: SqlDialect, value: number): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new CbmError('NON_FINITE', `SQL: cannot write ${String(value)} as a number literal`);
  const text = Object.is(value, -0) ? '0' : String(value);
  return `CAST(${text} AS ${doubleType(dialect)})`;
}

/** The name of the 8-byte float type. */
export function doubleType(dialect: SqlDialect): string {
  return dialect === 'postgres' ? 'DOUBLE PRECISION' : 'DOUBLE';
}
