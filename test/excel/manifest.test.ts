// manifest.xml against Microsoft's Office add-in schemas (../shared/office-schemas, xmllint), and
// its cross-references: every resid names a resource, the custom-functions URLs are the files
// the build writes, the namespace is CBM.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const manifest = path.join(root, 'manifest.xml');
const schemas = path.resolve(root, '../shared/office-schemas');
const xsd = path.join(schemas, 'OfficeAppManifestV1_1.xsd');
const xmllint = spawnSync('xmllint', ['--version']).status === 0;
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
    const broken = path.join(fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'cbm-manifest-')), 'manifest.xml');
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

describe('manifest.xml references', () => {
  const xml = fs.readFileSync(manifest, 'utf8');
  const ids = new Map([...xml.matchAll(/<bt:(?:Url|String|Image) id="([^"]+)" DefaultValue="([^"]+)"/g)].map((m) => [m[1], m[2]]));
  it('every resid names a resource', () => {
    const resids = [...xml.matchAll(/resid="([^"]+)"/g)].map((m) => m[1]);
    expect(resids.length).toBeGreaterThan(10);
    for (const r of resids) expect(ids.has(r), r).toBe(true);
  });
  it('runs the custom functions on the shared runtime page functions.html, namespace CBM', () => {
    expect(xml).toMatch(/<Runtime resid="Functions.Url" lifetime="long"\/>/);
    expect(xml).toMatch(/<Page>\s*<SourceLocation resid="Functions.Url"\/>/);
    expect(ids.get('Functions.Url')).toMatch(/\/functions\.html$/);
    expect(ids.get('Functions.Script.Url')).toMatch(/\/functions\.js$/);
    expect(ids.get('Functions.Metadata.Url')).toMatch(/\/functions\.json$/);
    expect(ids.get('Taskpane.Url')).toMatch(/\/taskpane\.html$/);
    expect(ids.get('Functions.Namespace')).toBe('CBM');
    expect(xml).toMatch(/<Permissions>ReadWriteDocument<\/Permissions>/);
  });
  it('names only files the build writes', () => {
    const dist = path.join(root, 'excel-addin/dist');
    if (!fs.existsSync(dist)) return; // built by npm test's npm run build
    for (const url of new Set([...xml.matchAll(/https:\/\/localhost:3000\/([^"]+)"/g)].map((m) => m[1]))) expect(fs.existsSync(path.join(dist, url)), url).toBe(true);
  });
});
