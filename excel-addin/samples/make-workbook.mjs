// Writes excel-addin/samples/bankcard-scoring.xlsx from workbookContent.ts (bundled on the fly
// with esbuild): node excel-addin/samples/make-workbook.mjs [out.xlsx]
import * as esbuild from 'esbuild';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
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
    for (const [range, format] of Object.entries(sheet.formats ?? {})) {
      const [from, to = from] = range.split(':').map((a) => ws.getCell(a));
      for (let r = from.row; r <= to.row; r++) for (let c = from.col; c <= to.col; c++) ws.getCell(r, c).numFmt = format;
    }
    ws.getRow(1).font = { bold: true };
  }
  // The same content gives the same bytes: exceljs stamps every zip entry with the time of writing,
  // so the package is zipped again with one fixed date (the entries and their order unchanged).
  const written = await JSZip.loadAsync(await workbook.xlsx.writeBuffer());
  const fixed = new JSZip();
  const date = new Date(Date.UTC(2026, 0, 1));
  for (const entry of Object.values(written.files)) if (!entry.dir) fixed.file(entry.name, await entry.async('nodebuffer'), { date, createFolders: false });
  fs.writeFileSync(out, await fixed.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 } }));
  console.log(`wrote ${out}`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
