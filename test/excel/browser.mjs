// Headless Chromium on the built add-in, as Excel on the web loads it: excel-addin/dist/ served
// from 127.0.0.1, Debian's chromium driven by playwright-core, every request that is not to this
// machine refused, and Office.js replaced by a small CustomFunctions runtime stand-in
// (customFunctionsStandIn.js). Used by test/excel/*.test.ts and by test/bench/run.mjs.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DIST = path.resolve(here, '../../excel-addin/dist');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const OFFICE_JS = 'https://appsforoffice.microsoft.com/lib/1/hosted/office.js';
const STAND_IN = fs.readFileSync(path.join(here, 'customFunctionsStandIn.js'), 'utf8');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml' };

/** Why the browser tests cannot run here, or null when they can. */
export function browserUnavailable() {
  if (!fs.existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (apt-get install -y chromium)`;
  if (!fs.existsSync(path.join(DIST, 'taskpane.html'))) return 'excel-addin/dist is not built (npm run build)';
  return null;
}

/** Serves `root` on 127.0.0.1 at a free port; resolves { url, close }. */
export function serveStatic(root = DIST) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const file = path.join(root, path.normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, ''));
    if (!file.startsWith(root) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}

/**
 * Opens `page` (e.g. 'functions.html') of the served dist/ in headless Chromium.
 * officeJs: 'stand-in' serves the CustomFunctions stand-in in place of Office.js; 'none' refuses
 * it like every other outside request (a plain browser without Office: the task pane's preview mode).
 * dist: the built add-in to serve (another build's dist/ for a comparison).
 * Resolves { page, browser, blocked, consoleErrors, close }; close() ends the browser and the server.
 */
export async function openAddinPage(pageName, { officeJs = 'stand-in', viewport = { width: 420, height: 900 }, dist = DIST } = {}) {
  const { chromium } = await import('playwright-core');
  const server = await serveStatic(dist);
  let browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    const context = await browser.newContext({ viewport });
    const blocked = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url === OFFICE_JS && officeJs === 'stand-in') return route.fulfill({ status: 200, contentType: 'text/javascript', body: STAND_IN });
      const host = new URL(url).hostname;
      if (host === '127.0.0.1' || host === 'localhost') return route.continue();
      blocked.push(url);
      return route.abort('blockedbyclient');
    });
    const page = await context.newPage();
    const consoleErrors = [];
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(`${server.url}/${pageName}`, { waitUntil: 'load' });
    return {
      page,
      browser,
      blocked,
      consoleErrors,
      url: server.url,
      close: async () => {
        await browser.close();
        await server.close();
      },
    };
  } catch (e) {
    await browser?.close();
    await server.close();
    throw e;
  }
}
