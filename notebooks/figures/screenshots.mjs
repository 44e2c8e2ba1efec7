// Screenshots of the HTML report as a reader sees it in Chromium at 1280 px wide, one PNG per
// screen-high tile of each page, to check that the charts and tables are readable.
//
//   npm start && node notebooks/figures/screenshots.mjs [out/report] [notebooks/figures/screenshots]
//
// Needs Debian's chromium (/usr/bin/chromium, `apt-get install chromium`). Headless Chromium's
// --screenshot captures one viewport, so each tile loads the page in an iframe shifted up by the
// tile's offset; tiles stop at the first blank one (a blank PNG is tiny).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const WIDTH = 1280;
const TILE = 1000;
const MAX_TILES = 40;
/** A tile whose PNG is smaller than this is blank: the page has ended. */
const BLANK_BYTES = 12_000;

const reportDir = path.resolve(process.argv[2] ?? 'out/report');
const outDir = path.resolve(process.argv[3] ?? 'notebooks/figures/screenshots');
if (!fs.existsSync(CHROMIUM)) {
  console.error(`${CHROMIUM} not found: apt-get install chromium (or set CHROMIUM=/path/to/chromium)`);
  process.exit(2);
}
if (!fs.existsSync(path.join(reportDir, 'index.html'))) {
  console.error(`${reportDir}/index.html not found: run npm start first`);
  process.exit(2);
}
fs.mkdirSync(outDir, { recursive: true });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cbm-shots-'));
try {
  for (const page of fs
    .readdirSync(reportDir)
    .filter((f) => f.endsWith('.html'))
    .sort()) {
    const name = page.replace(/\.html$/, '');
    for (let k = 0; k < MAX_TILES; k++) {
      const wrapper = path.join(tmp, `${name}-${k}.html`);
      fs.writeFileSync(
        wrapper,
        `<!DOCTYPE html><html><body style="margin:0;overflow:hidden;background:#fff">` +
          `<iframe src="file://${path.join(reportDir, page)}" style="border:0;display:block;width:${WIDTH}px;height:${(k + 1) * TILE + 200}px;margin-top:-${k * TILE}px"></iframe>` +
          `</body></html>`,
      );
      const png = path.join(outDir, `${name}-${String(k + 1).padStart(2, '0')}.png`);
      const r = spawnSync(
        CHROMIUM,
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
          '--disable-quic',
          '--hide-scrollbars',
          '--allow-file-access-from-files',
          `--screenshot=${png}`,
          `--window-size=${WIDTH},${TILE}`,
          `file://${wrapper}`,
        ],
        { stdio: 'ignore', timeout: 60_000 },
      );
      if (r.status !== 0 || !fs.existsSync(png)) throw new Error(`chromium failed on ${page} tile ${k + 1}`);
      if (fs.statSync(png).size < BLANK_BYTES) {
        fs.rmSync(png);
        break;
      }
      console.log(path.relative(process.cwd(), png));
    }
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
