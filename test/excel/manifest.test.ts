// manifest.xml against Microsoft's Office add-in schemas (../shared/office-schemas, xmllint), and
// its cross-references: every resid names a resource, the custom-functions URLs are the files
// the build writes, the namespace is CBM.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const manifest = path.join(root, 'manifest.xml');
const schemas = path.resolve(root, '../shared/office-schemas');
const xsd = path.join(schemas, 'OfficeAppManifestV1_1.xsd');
const xmllint = spawnSync('xmllint', ['--version']).status === 0;
const xml = fs.readFileSync(manifest, 'utf8');
const why = !fs.existsSync(xsd)
  ? `skipped: ${schemas} is absent (a checkout without ../shared)`
  : !xmllint
    ? 'skipped: xmllint is not installed (apt-get install -y libxml2-utils)'
    : null;
if (why && process.env.CI && xmllint === false) throw new Error(why);

describe.skipIf(why !== null)(`manifest.xml against the Office XSDs${why ? ` (${why})` : ''}`, () => {
  it('validates', () => {
    const out = spawnSync('xmllint', ['--noout', '--schema', xsd, manifest], { encoding: 'utf8' });
    expect(out.stderr.trim()).toMatch(/manifest\.xml validates$/);
    expect(out.status).toBe(0);
  });

  it('rejects a broken copy (the check can fail)', () => {
    const broken = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cbm-manifest-')), 'manifest.xml');
    try {
      fs.writeFileSync(broken, fs.readFileSync(manifest, 'utf8').replace('lifetime="long"', 'lifetime="forever"'));
      const out = spawnSync('xmllint', ['--noout', '--schema', xsd, broken], { encoding: 'utf8' });
      expect(out.status).not.toBe(0);
      expect(out.stderr).toMatch(/lifetime/);
    } finally {
      fs.rmSync(path.dirname(broken), { recursive: true, force: true });
    }
  });
});

// Microsoft, "Configure your Office Add-in to use a shared runtime": the Runtime, the custom
// functions' Page, the FunctionFile and the task pane's SourceLocation name one resid, or the
// shared runtime does not load. XPath (xmllint) over the parsed document, not a text match.
describe.skipIf(!xmllint)('manifest.xml: one shared-runtime page', () => {
  const xpath = (expression: string): string[] => {
    const out = spawnSync('xmllint', ['--xpath', expression, manifest], { encoding: 'utf8' });
    expect(out.status, out.stderr).toBe(0);
    return [...out.stdout.matchAll(/resid="([^"]+)"/g)].map((m) => m[1]);
  };
  const el = (name: string) => `*[local-name()='${name}']`;
  const places = {
    Runtime: `//${el('Runtime')}/@resid`,
    'CustomFunctions Page': `//${el('ExtensionPoint')}[@*[local-name()='type']='CustomFunctions']/${el('Page')}/${el('SourceLocation')}/@resid`,
    FunctionFile: `//${el('FunctionFile')}/@resid`,
    'ShowTaskpane SourceLocation': `//${el('Action')}[@*[local-name()='type']='ShowTaskpane']/${el('SourceLocation')}/@resid`,
  };
  it('names the same resid in the Runtime, the Page, the FunctionFile and every ShowTaskpane action', () => {
    const found = Object.fromEntries(Object.entries(places).map(([place, expression]) => [place, xpath(expression)]));
    for (const [place, resids] of Object.entries(found)) expect(resids.length, place).toBeGreaterThanOrEqual(1);
    const all = new Set(Object.values(found).flat());
    expect([...all], JSON.stringify(found)).toEqual(['Taskpane.Url']);
    expect(xml.match(/<bt:Url id="Taskpane.Url" DefaultValue="([^"]+)"/)?.[1]).toMatch(/\/taskpane\.html$/);
  });
  it('the check can fail: a copy with functions.html as the Runtime is caught', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbm-manifest-'));
    try {
      const broken = path.join(dir, 'manifest.xml');
      fs.writeFileSync(broken, xml.replace('<Runtime resid="Taskpane.Url"', '<Runtime resid="Functions.Url"'));
      const out = spawnSync('xmllint', ['--xpath', places.Runtime, broken], { encoding: 'utf8' });
      expect(out.stdout).toContain('resid="Functions.Url"');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('manifest.xml references', () => {
  const ids = new Map([...xml.matchAll(/<bt:(?:Url|String|Image) id="([^"]+)" DefaultValue="([^"]+)"/g)].map((m) => [m[1], m[2]]));
  it('every resid names a resource', () => {
    const resids = [...xml.matchAll(/resid="([^"]+)"/g)].map((m) => m[1]);
    expect(resids.length).toBeGreaterThan(10);
    for (const r of resids) expect(ids.has(r), r).toBe(true);
  });
  it('runs the custom functions on the shared runtime, namespace CBM', () => {
    expect(ids.get('Functions.Script.Url')).toMatch(/\/functions\.js$/);
    expect(ids.get('Functions.Metadata.Url')).toMatch(/\/functions\.json$/);
    expect(ids.get('Functions.Namespace')).toBe('CBM');
    expect(xml).toMatch(/<Set Name="SharedRuntime" MinVersion="1.1"\/>/);
    expect(xml).toMatch(/<Permissions>ReadWriteDocument<\/Permissions>/);
  });
  it('has the 64 px high-resolution icon Microsoft recommends', () => {
    expect(xml).toMatch(/<HighResolutionIconUrl DefaultValue="[^"]+\/icon-64\.png"\/>/);
    const png = fs.readFileSync(path.join(root, 'excel-addin/assets/icon-64.png'));
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([64, 64]);
  });
  it('names no page but taskpane.html (functions.html is gone)', () => {
    const pages = [...ids.values()].filter((url) => url.endsWith('.html'));
    expect(new Set(pages.map((url) => url.replace(/^.*\//, '')))).toEqual(new Set(['taskpane.html']));
  });
  it('names only files the build writes', () => {
    const dist = path.join(root, 'excel-addin/dist');
    if (!fs.existsSync(dist)) return; // built by npm test's npm run build
    for (const url of new Set([...xml.matchAll(/https:\/\/localhost:3000\/([^"]+)"/g)].map((m) => m[1]))) expect(fs.existsSync(path.join(dist, url)), url).toBe(true);
  });
});
