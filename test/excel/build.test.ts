// `npm run build -- --base-url …` (excel-addin/build.mjs) writes an add-in for another host: the
// manifest with every URL re-pointed (valid against Microsoft's XSD when xmllint and the schemas
// are here), functions.json's helpUrls, and the reference page each helpUrl names. Built into a
// temporary folder (--out) so the dist/ the other tests read is never rewritten under them.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cbm-addin-build-'));
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));
const build = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(root, 'excel-addin/build.mjs'), '--out', out, ...args], { encoding: 'utf8', env: { ...process.env, CBM_ADDIN_BASE_URL: '' } });
const xsd = path.resolve(root, '../shared/office-schemas/OfficeAppManifestV1_1.xsd');
const xmllint = spawnSync('xmllint', ['--version']).status === 0 && fs.existsSync(xsd);

describe('a build for a given base URL', () => {
  const result = build('--base-url', 'https://addins.example.com/cbm/');
  const manifest = fs.existsSync(path.join(out, 'manifest.xml')) ? fs.readFileSync(path.join(out, 'manifest.xml'), 'utf8') : '';
  it('succeeds and writes dist/manifest.xml for the host', () => {
    expect(result.status, result.stderr).toBe(0);
    expect(manifest).not.toMatch(/localhost/);
    expect(manifest).toMatch(/<AppDomain>https:\/\/addins\.example\.com<\/AppDomain>/);
    expect(manifest).toMatch(/<bt:Url id="Taskpane.Url" DefaultValue="https:\/\/addins\.example\.com\/cbm\/taskpane\.html"\/>/);
    // The root manifest stays the development one.
    expect(fs.readFileSync(path.join(root, 'manifest.xml'), 'utf8')).toMatch(/https:\/\/localhost:3000\/taskpane\.html/);
  });
  it.skipIf(!xmllint)('whose manifest validates against the Office XSD', () => {
    const check = spawnSync('xmllint', ['--noout', '--schema', xsd, path.join(out, 'manifest.xml')], { encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
  });
  it('gives every function a helpUrl to its section of the shipped reference page', () => {
    const functions = JSON.parse(fs.readFileSync(path.join(out, 'functions.json'), 'utf8')).functions as { id: string; helpUrl?: string }[];
    const page = fs.readFileSync(path.join(out, 'reference.html'), 'utf8');
    expect(functions.length).toBeGreaterThanOrEqual(18);
    for (const f of functions) {
      expect(f.helpUrl, f.id).toBe(`https://addins.example.com/cbm/reference.html#${f.id}`);
      expect(page, f.id).toContain(`<section id="${f.id}">`);
    }
  });
  it('refuses a plain-http base URL with a message', () => {
    const r = build('--base-url', 'http://addins.example.com');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Office loads add-ins over HTTPS only/);
  });
});
