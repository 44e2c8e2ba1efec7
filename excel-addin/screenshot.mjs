// Takes the task pane's screenshot in preview mode (headless Chromium, no Office, bank-card
// sample) into excel-addin/screenshot-taskpane.png: node excel-addin/screenshot.mjs (after npm run build).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openAddinPage } from '../test/excel/browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] ?? path.join(here, 'screenshot-taskpane.png');
const session = await openAddinPage('taskpane.html', { officeJs: 'none', viewport: { width: 420, height: 900 } });
try {
  await session.page.waitForSelector('body[data-ready="preview"]', { timeout: 60_000 });
  await session.page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await session.close();
}
