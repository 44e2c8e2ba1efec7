import { readFileSync } from 'node:fs';

/** Reads a small fixture CSV (no quoted fields) into row objects; numeric-looking fields become numbers. */
export function readCsv(path: string): Record<string, string | number>[] {
  const [header, ...lines] = readFileSync(path, 'utf8')
    .replace(/\r\n/g, '\n')
    .split('\n')
    .filter((l) => l.length > 0);
  const names = header.split(',').map((n) => n.replace(/^"|"$/g, ''));
  return lines.map((line) => {
    const fields = line.split(',').map((f) => f.replace(/^"|"$/g, ''));
    return Object.fromEntries(names.map((n, k) => [n, fields[k] !== '' && Number.isFinite(Number(fields[k])) ? Number(fields[k]) : fields[k]]));
  });
}

/** Relative difference |a − b| / |b| (absolute when b is 0). */
export function relativeDifference(a: number, b: number): number {
  return b === 0 ? Math.abs(a) : Math.abs(a - b) / Math.abs(b);
}
