// `npm run addin`: serves excel-addin/dist/ over HTTPS on https://localhost:3000 (the URLs in
// manifest.xml) with office-addin-dev-certs' trusted development certificate, then sideloads
// the add-in where Excel is installed (office-addin-debugging, Windows/macOS) and prints how to
// sideload into Excel on the web everywhere else (Linux has no desktop Excel).
//
// Options: --port N (default 3000; 0 picks a free port), --self-signed (a certificate made for
// this run in a temporary folder and not installed anywhere: browsers will warn; for tests).
// Where the trusted certificate cannot be installed (no sudo, no administrator), the server says
// so and falls back to --self-signed instead of failing.
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const dist = path.join(here, 'dist');
const manifest = path.join(root, 'manifest.xml');
const args = process.argv.slice(2);
const port = args.includes('--port') ? Number(args[args.indexOf('--port') + 1]) : 3000;
const selfSigned = args.includes('--self-signed');
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.css': 'text/css', '.png': 'image/png' };

if (!fs.existsSync(path.join(dist, 'taskpane.html'))) {
  console.error('excel-addin/dist is not built: run npm run build (npm run addin does it for you)');
  process.exit(1);
}

async function certificate() {
  const devCerts = require('office-addin-dev-certs');
  if (selfSigned) return temporaryCertificate(devCerts);
  try {
    // Creates and trusts the development CA on first use: on Linux and macOS that runs sudo.
    return await devCerts.getHttpsServerOptions();
  } catch (error) {
    const reason =
      String(error?.message ?? error)
        .split('\n')
        .find((line) => line.trim()) ?? 'unknown error';
    console.warn(`cbm-kit add-in: could not install a trusted development certificate (${reason.trim()}).
  Serving with a self-signed certificate made for this run instead: browsers and Office will warn
  until you open https://localhost:${port === 0 ? 3000 : port}/taskpane.html once and accept it. To trust a certificate
  for good, run \`npx office-addin-dev-certs install\` where sudo (or an administrator) is available.`);
    return temporaryCertificate(devCerts);
  }
}

/** A certificate made for this run in a temporary folder and not installed anywhere. */
async function temporaryCertificate(devCerts) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbm-addin-certs-'));
  const files = ['ca.crt', 'localhost.crt', 'localhost.key'].map((f) => path.join(dir, f));
  await devCerts.generateCertificates(...files, 2);
  const [ca, cert, key] = files.map((f) => fs.readFileSync(f));
  fs.rmSync(dir, { recursive: true, force: true });
  return { ca, cert, key };
}

const server = https.createServer(await certificate(), (req, res) => {
  const url = new URL(req.url ?? '/', 'https://localhost');
  const file = path.join(dist, path.normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '') || 'taskpane.html');
  if (!file.startsWith(dist) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404).end('not found');
    return;
  }
  // Office loads the pages in its own frame: allow it, and never cache during development.
  res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store', 'access-control-allow-origin': '*' });
  fs.createReadStream(file).pipe(res);
});

server.listen(port, 'localhost', () => {
  const actual = server.address().port;
  console.log(`cbm-kit add-in: serving ${path.relative(root, dist)}/ at https://localhost:${actual}/ (Ctrl+C stops)`);
  if (actual !== 3000) console.log('note: manifest.xml names https://localhost:3000; use port 3000 to sideload');
  sideload(actual);
});

function sideload(actualPort) {
  let debugging = null;
  try {
    debugging = require.resolve('office-addin-debugging/cli.js');
  } catch {
    debugging = null;
  }
  if (process.platform !== 'linux' && debugging && !selfSigned) {
    console.log('Sideloading into Excel desktop with office-addin-debugging…');
    spawn(process.execPath, [debugging, 'start', manifest, 'desktop', '--dev-server-port', String(actualPort), '--no-debug'], { stdio: 'inherit' });
    return;
  }
  console.log(`
Sideload into Excel on the web (${process.platform === 'linux' ? 'there is no desktop Excel on Linux' : 'office-addin-debugging is not installed'}):
  1. Keep this server running; open https://localhost:${actualPort}/taskpane.html once in the same browser and accept the certificate if asked.
  2. Open a workbook at office.com (Excel on the web).
  3. Home → Add-ins → More add-ins → My Add-ins → Upload My Add-in, choose ${manifest}.
  4. The "Model builder" button appears on the Home tab; type =CBM.SCORE( in a cell for the functions.
The sample workbook excel-addin/samples/bankcard-scoring.xlsx has the formulas in place.`);
}

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
