/**
 * The notebooks' sources, read as text (no kernel): every CSV a notebook writes for people to open
 * in a spreadsheet goes through kernel-lib's toCsv (quoting and the CSV-injection guard), never a
 * hand-made join(',') (issue 18, finding 9: notebook 01 wrote target-list.csv that way).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const NOTEBOOKS = join(__dirname, '..', 'notebooks');

/** Each code cell's source, joined, per notebook. */
function codeCells(file: string): string[] {
  const notebook = JSON.parse(readFileSync(join(NOTEBOOKS, file), 'utf8')) as { cells: { cell_type: string; source: string[] | string }[] };
  return notebook.cells.filter((c) => c.cell_type === 'code').map((c) => (Array.isArray(c.source) ? c.source.join('') : c.source));
}

/** The writeFileSync calls of a cell whose target names a .csv file, as the statement text up to its end. */
function csvWrites(source: string): string[] {
  const out: string[] = [];
  const pattern = /writeFileSync\(\s*path\.join\([^)]*\.csv'\)/g;
  for (const match of source.matchAll(pattern)) {
    const end = source.indexOf(');\n', match.index);
    out.push(source.slice(match.index, end === -1 ? undefined : end + 2));
  }
  return out;
}

describe('notebook sources', () => {
  const files = readdirSync(NOTEBOOKS).filter((f) => f.endsWith('.ipynb'));

  it('finds the notebooks and the CSV files they write', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
    const writes = files.flatMap((f) => codeCells(f).flatMap(csvWrites));
    // 01: target-list.csv, bankcard-scores.csv, target-list-recommended.csv; 02: the threshold sweep.
    expect(writes.length).toBeGreaterThanOrEqual(4);
  });

  it.each(files)('%s writes every named CSV file through toCsv', (file) => {
    for (const write of codeCells(file).flatMap(csvWrites)) {
      expect(write, write).toMatch(/\btoCsv\(/);
      expect(write, write).not.toMatch(/\.join\(','\)/);
    }
  });

  it('the check would catch a bare join', () => {
    const bad = "fs.writeFileSync(path.join(OUT, 'x.csv'), rows.map((r) => r.join(',')).join('\\n'));\n";
    expect(csvWrites(bad)).toHaveLength(1);
    expect(csvWrites(bad)[0]).not.toMatch(/\btoCsv\(/);
  });
});
