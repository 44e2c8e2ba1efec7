// Writes excel-addin/samples/bankcard-scoring.xlsx from workbookContent.ts (bundled on the fly
// with esbuild): node excel-addin/samples/make-workbook.mjs [out.xlsx]
import * as esbuild from 'esbuild';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// exceljs writes a spilled formula as a legacy fixed-size array formula (Ctrl+Shift+Enter). Excel
// saves a dynamic-array formula as the same <f t="array" ref="…"> plus cm="1" on its cell, pointing
// at the one XLDAPR cell-metadata block (fDynamic) in xl/metadata.xml; without it Excel opens the
// formula as a legacy {=…} array that cannot spill or resize. The part, its content type and its
// workbook relationship below are the ones Excel writes.
const METADATA_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml';
const METADATA =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
  '<metadata xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray">' +
  '<metadataTypes count="1"><metadataType name="XLDAPR" minSupportedVersion="120000" copy="1" pasteAll="1" pasteValues="1" merge="1" splitFirst="1" rowColShift="1" clearFormats="1" clearComments="1" assign="1" coerce="1" cellMeta="1"/></metadataTypes>' +
  '<futureMetadata name="XLDAPR" count="1"><bk><extLst><ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}"><xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/></ext></extLst></bk></futureMetadata>' +
  '<cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata></metadata>';

/** Marks every array formula's anchor cell as a dynamic array (cm="1": the first cell-metadata block). */
function dynamicArrays(sheetXml) {
  return sheetXml.replace(/<c (r="[A-Z]+\d+"[^>]*)><f t="array"/g, '<c $1 cm="1"><f t="array"');
}

/** The workbook's relationship to xl/metadata.xml, with the next free rId. */
function withMetadataRelationship(rels) {
  const next = Math.max(...[...rels.matchAll(/Id="rId(\d+)"/g)].map((m) => Number(m[1]))) + 1;
  return rels.replace(
    '</Relationships>',
    `<Relationship Id="rId${next}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sheetMetadata" Target="metadata.xml"/></Relationships>`,
  );
}

const here = path.dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] ?? path.join(here, 'bankcard-scoring.xlsx');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbm-workbook-'));
try {
  const bundle = path.join(dir, 'content.mjs');
  await esbuild.build({ entryPoints: [path.join(here, 'workbookContent.ts')], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'warning' });
  const { workbookContent, savedFormula } = await import(pathToFileURL(bundle).href);
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'cbm-kit';
  // Fixed dates: the same content gives the same workbook.
  workbook.created = workbook.modified = new Date(Date.UTC(2026, 0, 1));
  for (const sheet of workbookContent()) {
    const ws = workbook.addWorksheet(sheet.name);
    for (const [address, value] of Object.entries(sheet.cells)) {
      if (value !== null && typeof value === 'object') {
        if (value.ref) {
          // A spilled formula over its block, each cell with its cached result (made dynamic below).
          ws.getCell(address).value = { formula: savedFormula(value.formula), result: value.result, shareType: 'array', ref: value.ref };
          const [first] = value.ref.split(':');
          const c0 = ws.getCell(first);
          value.block.forEach((row, i) =>
            row.forEach((v, j) => {
              if (i === 0 && j === 0) return;
              ws.getCell(c0.row + i, c0.col + j).value = v === '' ? null : v;
            }),
          );
        } else ws.getCell(address).value = { formula: savedFormula(value.formula), result: value.result };
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
  for (const entry of Object.values(written.files)) {
    if (entry.dir) continue;
    const text = () => entry.async('string');
    let content = await entry.async('nodebuffer');
    if (/^xl\/worksheets\/sheet\d+\.xml$/.test(entry.name)) content = dynamicArrays(await text());
    else if (entry.name === '[Content_Types].xml') content = (await text()).replace('</Types>', `<Override PartName="/xl/metadata.xml" ContentType="${METADATA_TYPE}"/></Types>`);
    else if (entry.name === 'xl/_rels/workbook.xml.rels') content = withMetadataRelationship(await text());
    fixed.file(entry.name, content, { date, createFolders: false });
  }
  fixed.file('xl/metadata.xml', METADATA, { date, createFolders: false });
  fs.writeFileSync(out, await fixed.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 } }));
  console.log(`wrote ${out}`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
