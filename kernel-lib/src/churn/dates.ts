import { CbmError, describeValue } from '../errors';

const MS_PER_DAY = 86_400_000;

/**
 * A calendar date as a whole number of days since 1970-01-01 (UTC), from 'YYYY-MM-DD' text or a
 * Date (its UTC calendar day). Day numbers make date arithmetic exact and time-zone free.
 */
export function dayNumber(value: unknown, context: string, what: string): number {
  if (value instanceof Date) {
    const t = value.getTime();
    if (Number.isNaN(t)) throw new CbmError('BAD_INPUT', `${context}: ${what} is an invalid Date`);
    return Math.floor(t / MS_PER_DAY);
  }
  if (typeof value === 'string' && value.length === 10 && value[4] === '-' && value[7] === '-') {
    const y = Number(value.slice(0, 4));
    const m = Number(value.slice(5, 7));
    const d = Number(value.slice(8, 10));
    if (Number.isInteger(y) && Number.isInteger(m) && Number.isInteger(d) && m >= 1 && m <= 12 && d >= 1 && d <= 31) {
      const t = Date.UTC(y, m - 1, d);
      if (new Date(t).getUTCDate() === d) return t / MS_PER_DAY;
    }
  }
  throw new CbmError('BAD_INPUT', `${context}: ${what} must be a date 'YYYY-MM-DD', got ${describeValue(value)}`);
}

/** The 'YYYY-MM-DD' text of a day number. */
export function dateText(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}
