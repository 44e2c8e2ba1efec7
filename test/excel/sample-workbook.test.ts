// excel-addin/samples/bankcard-scoring.xlsx: written by make-workbook.mjs from workbookContent.ts.
// Checked three ways: the committed file holds exactly that content (formulas and cached
// results); HyperFormula with the CBM functions registered recomputes every formula cell to its
// cached result; and the headline figures are the notebook's (notebooks/01-bankcard-scoring.ipynb:
// training at a = 0.8: hit rate 0.780, response rate 10/12, lift 2.778, ROI 2.500 with B 60, F 20;
// validation: hit rate 0.680, lift 1.852, ROI 2.333). The file is written as Excel itself saves
// add-in formulas: `_xldudf_CBM_NAME(` for CBM.NAME( (OfficeDev/Excel-Custom-Functions#108: "For
// Javascript Custom Functions, we by default save out with a different prefix _xldudf"; workbooks
// saved by Excel in the wild read `_xldudf_CX_GET(…)` for CX.GET) and spilled formulas as dynamic
// arrays: cm="1" on the anchor cell, pointing at the XLDAPR block of xl/metadata.xml.
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { HyperFormula } from 'hyperformula';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { savedFormula, workbookContent, type FormulaCell } from '../../excel-addin/samples/workbookContent';
import { registerCbmFunctions } from './hyperformulaPlugin';

const file = path.resolve(__dirname, '../../excel-addin/samples/bankcard-scoring.xlsx');
const content = workbookContent();
const isFormula = (v: unknown): v is FormulaCell => v !== null && typeof v === 'object' && 'formula' in (v as object);

describe('the sample workbook', () => {
  it('regenerates byte for byte (fixed zip dates)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbm-workbook-'));
    try {
      const again = path.join(dir, 'again.xlsx');
      const r = spawnSync(process.execPath, [path.resolve(__dirname, '../../excel-addin/samples/make-workbook.mjs'), again], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(fs.readFileSync(again).equals(fs.readFileSync(file))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('saves CBM functions with _xldudf_ names and spilled formulas as dynamic arrays, as Excel does', async () => {
    expect(savedFormula('CBM.LIFT(Training!G2:G101,Training!F2:F101,$B$1)+MIN(A1:A2)')).toBe('_xldudf_CBM_LIFT(Training!G2:G101,Training!F2:F101,$B$1)+MIN(A1:A2)');
    const zip = await JSZip.loadAsync(fs.readFileSync(file));
    const part = (name: string) => zip.file(name)!.async('string');
    const sheets = Object.keys(zip.files).filter((n) => /^xl\/worksheets\/sheet\d+\.xml$/.test(n));
    expect(sheets).toHaveLength(content.length);
    let anchors = 0;
    let udfs = 0;
    for (const name of sheets) {
      const xml = await part(name);
      const formulas = [...xml.matchAll(/<c ([^>]*)><f([^>]*)>([^<]*)<\/f>/g)];
      for (const [, cellAttributes, formulaAttributes, text] of formulas) {
        expect(text, name).not.toMatch(/\bCBM\./);
        if (text.includes('_xldudf_CBM_')) udfs++;
        // Every spilled formula is a dynamic array, and only those carry the cell metadata.
        expect(/\bcm="1"/.test(cellAttributes), `${name}: ${cellAttributes}`).toBe(/t="array"/.test(formulaAttributes));
        if (/t="array"/.test(formulaAttributes)) anchors++;
      }
    }
    const spills = content.flatMap((s) => Object.values(s.cells)).filter((v) => isFormula(v) && v.ref).length;
    const cbmFormulas = content.flatMap((s) => Object.values(s.cells)).filter((v) => isFormula(v) && v.formula.startsWith('CBM.')).length;
    expect(anchors).toBe(spills);
    expect(udfs).toBe(cbmFormulas);
    const metadata = await part('xl/metadata.xml');
    expect(metadata).toContain('<metadataType name="XLDAPR"');
    expect(metadata).toContain('<xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/>');
    expect(metadata).toContain('<cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata>');
    expect(await part('[Content_Types].xml')).toContain(
      '<Override PartName="/xl/metadata.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"/>',
    );
    expect(await part('xl/_rels/workbook.xml.rels')).toMatch(
      /Type="http:\/\/schemas\.openxmlformats\.org\/officeDocument\/2006\/relationships\/sheetMetadata" Target="metadata\.xml"/,
    );
  });

  it('has number formats and a labelled confusion table', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    expect(wb.getWorksheet('Training')!.getCell('G2').numFmt).toBe('0.000');
    expect(wb.getWorksheet('Metrics')!.getCell('B6').numFmt).toBe('0.000');
    expect(wb.getWorksheet('Customers')!.getCell('D2').numFmt).toBe('#,##0');
    const metrics = wb.getWorksheet('Metrics')!;
    expect([metrics.getCell('B11').value, metrics.getCell('C11').value]).toEqual(['responded', 'did not']);
    expect([metrics.getCell('A12').value, metrics.getCell('A13').value]).toEqual(['selected (P > a)', 'not selected']);
  });

  it('the committed file holds the generated content', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    expect(wb.worksheets.map((w) => w.name)).toEqual(content.map((s) => s.name));
    for (const sheet of content) {
      const ws = wb.getWorksheet(sheet.name)!;
      for (const [address, expected] of Object.entries(sheet.cells)) {
        const cell = ws.getCell(address).value as any;
        if (isFormula(expected)) {
          expect(cell?.formula, `${sheet.name}!${address}`).toBe(savedFormula(expected.formula));
          expect(cell?.result, `${sheet.name}!${address}`).toEqual(expected.result);
          if (expected.ref) expect(cell?.ref ?? cell?.shareType === 'array', `${sheet.name}!${address}`).toBeTruthy();
        } else expect(cell, `${sheet.name}!${address}`).toEqual(expected);
      }
    }
  });

  it('HyperFormula recomputes every formula to its cached result', () => {
    registerCbmFunctions();
    const sheets: Record<string, unknown[][]> = {};
    for (const sheet of content) {
      const grid: unknown[][] = [];
      for (const [address, value] of Object.entries(sheet.cells)) {
        const m = /^([A-Z]+)(\d+)$/.exec(address)!;
        const col = m[1].split('').reduce((a, c) => a * 26 + c.charCodeAt(0) - 64, 0) - 1;
        const row = Number(m[2]) - 1;
        if (!grid[row]) grid[row] = [];
        grid[row][col] = isFormula(value) ? `=${value.formula}` : value;
      }
      for (let r = 0; r < grid.length; r++) if (!grid[r]) grid[r] = [];
      sheets[sheet.name] = grid;
    }
    const hf = HyperFormula.buildFromSheets(sheets as never, { licenseKey: 'gpl-v3', smartRounding: false });
    try {
      let checked = 0;
      for (const sheet of content) {
        const id = hf.getSheetId(sheet.name)!;
        for (const [address, value] of Object.entries(sheet.cells)) {
          if (!isFormula(value)) continue;
          const m = /^([A-Z]+)(\d+)$/.exec(address)!;
          const col = m[1].split('').reduce((a, c) => a * 26 + c.charCodeAt(0) - 64, 0) - 1;
          const row = Number(m[2]) - 1;
          const blocks = value.block ?? [[value.result]];
          blocks.forEach((r, i) =>
            r.forEach((expected, j) => {
              const got = hf.getCellValue({ sheet: id, col: col + j, row: row + i });
              const want = expected === '' ? null : expected;
              if (typeof want === 'number')
                expect(Math.abs((got as number) - want), `${sheet.name}!${address}+(${i},${j})`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want)));
              else expect(got, `${sheet.name}!${address}+(${i},${j})`).toEqual(want);
              checked++;
            }),
          );
        }
      }
      expect(checked).toBeGreaterThan(2000);
    } finally {
      hf.destroy();
    }
  });

  it('shows the notebook figures at a = 0.8', () => {
    const metrics = content.find((s) => s.name === 'Metrics')!.cells;
    const result = (a: string) => (metrics[a] as FormulaCell).result as number;
    expect(metrics.A6).toBe('hit rate');
    expect(result('B6')).toBeCloseTo(0.78, 12);
    expect(result('B7')).toBeCloseTo(10 / 12, 12);
    expect(result('B8')).toBeCloseTo(2.7778, 4);
    expect(result('B9')).toBeCloseTo(2.5, 12);
    expect(result('C6')).toBeCloseTo(0.68, 12);
    expect(result('C8')).toBeCloseTo(1.852, 3);
    expect(result('C9')).toBeCloseTo(2.333, 3);
    const model = content.find((s) => s.name === 'Model')!.cells.A10 as FormulaCell;
    expect(model.block!.find((r) => r[0] === 'formula')![1]).toBe('responded ~ gender:income + income + gender:age');
  });
});
