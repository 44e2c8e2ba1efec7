import { readFileSync } from 'node:fs';

/**
 * The tests' one CSV reader, for the small files the fixtures and the notebooks write (no quoted
 * commas or line breaks): the header and every non-empty line split at commas, each field as text
 * with surrounding double quotes removed (R's write.csv quotes names).
 */
export function readCsvText(path: string): { header: string[]; rows: string[][] } {
  const unquote = (field: string) => field.replace(/^"|"$/g, '');
  const [header, ...lines] = readFileSync(path, 'utf8')
    .replace(/\r\n/g, '\n')
    .split('\n')
    .filter((l) => l.length > 0);
  return { header: header.split(',').map(unquote), rows: lines.map((line) => line.split(',').map(unquote)) };
}

/** A fixture CSV as row objects (readCsvText); numeric-looking fields become numbers. */
export function readCsv(path: string): Record<string, string | number>[] {
  const { header, rows } = readCsvText(path);
  return rows.map((fields) => Object.fromEntries(header.map((n, k) => [n, fields[k] !== '' && Number.isFinite(Number(fields[k])) ? Number(fields[k]) : fields[k]])));
}

/** Relative difference |a − b| / |b| (absolute when b is 0). */
export function relativeDifference(a: number, b: number): number {
  return b === 0 ? Math.abs(a) : Math.abs(a - b) / Math.abs(b);
}
