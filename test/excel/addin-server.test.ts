// `npm run addin`'s server (excel-addin/serve.mjs) in its test mode: HTTPS with a certificate
// made for the run (nothing installed), dist/ served, sideloading steps printed on Linux.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const built = fs.existsSync(path.join(root, 'excel-addin/dist/taskpane.html'));

function get(url: string): Promise<{ status: number; type: string; body: string; protocol: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { rejectUnauthorized: false }, (res) => {
        const protocol = String((res.socket as any)?.getProtocol?.() ?? '');
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body, protocol }));
      })
      .on('error', reject);
  });
}

describe.skipIf(!built)('npm run addin (serve.mjs --self-signed)', () => {
  let child: ChildProcess | undefined;
  let output = '';
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGTERM');
  });

  it('serves dist/ over HTTPS and prints how to sideload', async () => {
    child = spawn(process.execPath, [path.join(root, 'excel-addin/serve.mjs'), '--self-signed', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (c) => (output += c));
    child.stderr!.on('data', (c) => (output += c));
    const deadline = Date.now() + 30_000;
    while (!/Sideload|Sideloading/.test(output) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    const port = Number(/https:\/\/localhost:(\d+)\//.exec(output)?.[1]);
    expect(port, output).toBeGreaterThan(0);
    const page = await get(`https://localhost:${port}/taskpane.html`);
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/html');
    expect(page.body).toContain('<script src="functions.js"></script>');
    expect(page.protocol).toMatch(/^TLS/);
    const metadata = await get(`https://localhost:${port}/functions.json`);
    expect(JSON.parse(metadata.body).functions.length).toBeGreaterThan(5);
    expect((await get(`https://localhost:${port}/../package.json`)).status).toBe(404);
    if (process.platform === 'linux') expect(output).toMatch(/Upload My Add-in, choose .*manifest\.xml/);
  });
});

// Issue 19, finding 8: without sudo, `npm run addin` crashed with a stack trace ("sudo: not
// found"). Now it says why and serves with a certificate made for the run. The environment has
// no sudo on its PATH (only node) and an empty HOME, so office-addin-dev-certs has to install.
describe.skipIf(!built)('npm run addin where no sudo exists', () => {
  let child: ChildProcess | undefined;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cbm-addin-home-'));
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'cbm-addin-bin-'));
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGTERM');
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(bin, { recursive: true, force: true });
  });

  it('falls back to a self-signed certificate with a clear message, and serves', async () => {
    let output = '';
    child = spawn(process.execPath, [path.join(root, 'excel-addin/serve.mjs'), '--port', '0'], {
      cwd: root,
      env: { PATH: bin, HOME: home, USERPROFILE: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (c) => (output += c));
    child.stderr!.on('data', (c) => (output += c));
    const deadline = Date.now() + 30_000;
    while (!/Sideload|Sideloading/.test(output) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    expect(output).toMatch(/could not install a trusted development certificate/);
    expect(output).toMatch(/self-signed certificate made for this run/);
    expect(output).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
    const port = Number(/https:\/\/localhost:(\d+)\/ \(Ctrl\+C stops\)/.exec(output)?.[1]);
    expect(port, output).toBeGreaterThan(0);
    expect((await get(`https://localhost:${port}/taskpane.html`)).status).toBe(200);
  });
});
