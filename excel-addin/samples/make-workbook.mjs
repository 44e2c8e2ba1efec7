// Writes excel-addin/samples/bankcard-scoring.xlsx from workbookContent.ts (bundled on the fly
// with esbuild): node excel-addin/samples/make-workbook.mjs [out.xlsx]
import * as esbuild from 'esbuild';
import ExcelJS from 'exceljs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] ?? path.join(here, 'bankcard-scoring.xlsx');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbm-workbook-'));
try {
  const bundle = path.join(dir, 'content.mjs');
  await esbuild.build({ entryPoints: [path.join(here, 'workbookContent.ts')], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'warning' });
  const { workbookContent } = await import(pathToFileURL(bundle).href);
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'cbm-kit';
  // Fixed dates: the same content gives the same workbook.
  workbook.created = workbook.modified = new Date(Date.UTC(2026, 0, 1));
  for (const sheet of workbookContent()) {
    const ws = workbook.addWorksheet(sheet.name);
    for (const [address, value] of Object.entries(sheet.cells)) {
      if (value !== null && typeof value === 'object') {
        if (value.ref) {
          // An array formula over its spill block, each cell with its cached result.
          ws.getCell(address).value = { formula: value.formula, result: value.result, shareType: 'array', ref: value.ref };
          const [first] = value.ref.split(':');
          const c0 = ws.getCell(first);
          value.block.forEach((row, i) =>
            row.forEach((v, j) => {
              if (i === 0 && j === 0) return;
              ws.getCell(c0.row + i, c0.col + j).value = v === '' ? null : v;
            }),
          );
        } else ws.getCell(address).value = { formula: value.formula, result: value.result };
      } else ws.getCell(address).value = value;
    }
    for (const [col, width] of Object.entries(sheet.widths ?? {})) ws.getColumn(col).width = width;
    ws.getRow(1).font = { bold: true };
  }
  await workbook.xlsx.writeFile(out);
  console.log(`wrote ${out}`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
