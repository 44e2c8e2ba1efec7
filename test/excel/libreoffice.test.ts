// The sample workbook outside Excel (issue 19, finding 7): LibreOffice Calc, headless (Debian
// libreoffice-calc), converts every sheet to CSV as the cells are shown (`soffice --headless
// --convert-to csv`, one file per sheet). The scalar metric cells must show their cached numbers
// with the workbook's number formats (the notebook's figures: training hit rate 0.780, response
// rate 0.833, lift 2.778, ROI 2.500; validation 0.680, 0.778, 1.852, 2.333), and so must the
// built-in MIN/MAX cells. LibreOffice has no CBM functions and no dynamic arrays (tdf#127808):
// every cell of a spilled CBM formula shows #NAME?, and only those; docs/excel.md gives the count.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { workbookContent, type FormulaCell } from '../../excel-addin/samples/workbookContent';

const soffice = ['/usr/bin/soffice', '/usr/bin/libreoffice'].find((p) => fs.existsSync(p));
const file = path.resolve(__dirname, '../../excel-addin/samples/bankcard-scoring.xlsx');
// The CSV filter's options: comma, double quote, UTF-8, from line 1, standard cell format, system
// language, quoted text not as text, special numbers detected, cell contents *as shown* (the number
// formats), no formulas, no trimming, and every sheet to a file of its own (-1).
const CSV_FILTER = 'csv:Text - txt - csv (StarCalc):44,34,UTF8,1,,0,false,true,true,false,false,-1';

/** Every sheet as LibreOffice shows it: its CSV rows, split into cells. */
function convert(dir: string): Record<string, string[][]> {
  const r = spawnSync(soffice!, ['--headless', '--norestore', `-env:UserInstallation=file://${dir}/profile`, '--convert-to', CSV_FILTER, '--outdir', dir, file], {
    encoding: 'utf8',
    timeout: 170_000,
  });
  expect(r.status, r.stderr).toBe(0);
  const sheets: Record<string, string[][]> = {};
  for (const sheet of workbookContent()) {
    const csv = fs.readFileSync(path.join(dir, `bankcard-scoring-${sheet.name}.csv`), 'utf8');
    sheets[sheet.name] = csv
      .trimEnd()
      .split('\n')
      .map((line) => [...line.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)].map((m) => (m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1])));
  }
  return sheets;
}

describe.skipIf(!soffice)('the sample workbook in LibreOffice Calc (headless, CSV as shown)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbm-libreoffice-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const content = workbookContent();
  let shown: Record<string, string[][]>;
  const cell = (sheet: string, address: string) => {
    const m = /^([A-Z]+)(\d+)$/.exec(address)!;
    const col = m[1].split('').reduce((a, c) => a * 26 + c.charCodeAt(0) - 64, 0) - 1;
    return shown[sheet][Number(m[2]) - 1]?.[col] ?? '';
  };

  it('shows the scalar metric cells with their numbers, formatted', { timeout: 180_000 }, () => {
    shown = convert(dir);
    const metrics = [0, 1, 2, 3].map((k) => [cell('Metrics', `A${6 + k}`), cell('Metrics', `B${6 + k}`), cell('Metrics', `C${6 + k}`)]);
    expect(metrics).toEqual([
      ['hit rate', '0.780', '0.680'],
      ['response rate', '0.833', '0.778'],
      ['lift', '2.778', '1.852'],
      ['ROI', '2.500', '2.333'],
    ]);
    expect([cell('Model', 'B2'), cell('Model', 'C2'), cell('Model', 'B3'), cell('Model', 'C3')]).toEqual(['1,000', '12,780', '18', '47']);
  });

  it('shows #NAME? in exactly the cells of the spilled CBM formulas (the count docs/excel.md gives)', () => {
    let spilled = 0;
    for (const sheet of content) {
      for (const [address, value] of Object.entries(sheet.cells)) {
        const formula = value !== null && typeof value === 'object' ? (value as FormulaCell) : null;
        if (formula?.block) spilled += formula.block.length * Math.max(...formula.block.map((r) => r.length));
        else if (formula) expect(cell(sheet.name, address), `${sheet.name}!${address}`).not.toBe('#NAME?');
      }
    }
    const names = Object.values(shown)
      .flat(2)
      .filter((v) => v === '#NAME?').length;
    expect(names).toBe(spilled);
    expect(names).toBe(2823);
  });
});
