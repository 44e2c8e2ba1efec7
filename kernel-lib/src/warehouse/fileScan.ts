import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/**
 * What one streaming pass over a file tells a load, independently of the database's reader:
 * its size and SHA-256 (recorded with the load), and for a CSV the header and the structure of
 * its records under RFC 4180 (a quoted field may hold newlines and doubled quotes; a BOM and
 * CRLF line ends are allowed). The load reconciles the records counted here with the rows the
 * reader loaded plus the rows it rejected, so a record the reader skips silently fails the load.
 *
 * Units are what DuckDB's reader numbers: after the header line, each record or blank line is
 * one unit, and DuckDB reports unit u as "line" u + 2. `lineOf(u)` is the unit's first line as
 * an editor numbers the file (a record with quoted newlines spans several lines).
 */
export interface FileScan {
  bytes: number;
  sha256: string;
  csv: CsvScan | null;
}

export interface CsvScan {
  header: string[];
  /** Units after the header: records and blank lines. */
  units: number;
  /** Units that are blank lines (no record; DuckDB skips them), ascending. */
  blank: number[];
  /** Units whose text is longer than `maxLineBytes`, ascending. */
  long: number[];
  /** The first line (1 = the header) of unit `u`. */
  lineOf(u: number): number;
}

const QUOTE = 34;
const NEWLINE = 10;
const CR = 13;

/**
 * Streams `path` once: size and SHA-256, and with `csv` the record structure (see FileScan). The
 * header (unit before the first record) may be as long as `maxLineBytes`; longer is refused by
 * the caller through `headerTooLong`.
 */
export async function scanFile(path: string, csv: boolean, maxLineBytes: number): Promise<FileScan & { headerTooLong: boolean }> {
  const hash = createHash('sha256');
  let bytes = 0;
  // CSV state.
  let inQuotes = false;
  let unit = -1; // -1: the header
  let unitBytes = 0;
  let unitContent = false;
  let extraLines = 0; // newlines inside quoted fields so far
  let unitExtra = 0;
  const headerChunks: Buffer[] = [];
  let headerTooLong = false;
  const blank: number[] = [];
  const long: number[] = [];
  // Breakpoints of lineOf: from unit breakUnits[k] on, extra lines breakExtra[k].
  const breakUnits: number[] = [0];
  const breakExtra: number[] = [0];
  let headerExtra = 0;
  let first = true;
  const endUnit = () => {
    if (unit < 0) headerExtra = unitExtra;
    else {
      if (!unitContent) blank.push(unit);
      if (unitBytes > maxLineBytes) long.push(unit);
      if (unitExtra > 0) {
        breakUnits.push(unit + 1);
        breakExtra.push(extraLines - headerExtra);
      }
    }
    unit++;
    unitBytes = 0;
    unitContent = false;
    unitExtra = 0;
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
    if (!csv) continue;
    let start = 0;
    if (first) {
      first = false;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) start = 3;
    }
    let headerFrom = start;
    for (let i = start; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === QUOTE) {
        inQuotes = !inQuotes;
        unitContent = true;
        unitBytes++;
      } else if (b === NEWLINE) {
        if (inQuotes) {
          extraLines++;
          unitExtra++;
          unitBytes++;
        } else {
          if (unit < 0) {
            if (!headerTooLong) headerChunks.push(chunk.subarray(headerFrom, i));
            headerFrom = chunk.length;
          }
          endUnit();
        }
      } else {
        if (b !== CR) unitContent = true;
        unitBytes++;
      }
    }
    if (unit < 0 && !headerTooLong) {
      headerChunks.push(chunk.subarray(headerFrom));
      if (unitBytes > maxLineBytes) headerTooLong = true;
    }
  }
  if (csv && (unitContent || unitBytes > 0)) endUnit();
  const units = Math.max(unit, 0);
  const header = csv && !headerTooLong ? splitCsvRecord(Buffer.concat(headerChunks).toString('utf8').replace(/\r$/, '')) : [];
  const lineOf = (u: number): number => {
    let lo = 0;
    let hi = breakUnits.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (breakUnits[mid] <= u) lo = mid;
      else hi = mid - 1;
    }
    return 2 + headerExtra + u + breakExtra[lo];
  };
  return { bytes, sha256: hash.digest('hex'), headerTooLong, csv: csv ? { header, units, blank, long, lineOf } : null };
}

/** One CSV record's fields (RFC 4180: quoted fields, doubled quotes). */
export function splitCsvRecord(line: string): string[] {
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cell);
      cell = '';
    } else cell += ch;
  }
  out.push(cell);
  return out;
}
