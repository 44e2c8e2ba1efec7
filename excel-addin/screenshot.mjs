// Takes the task pane's screenshot in preview mode (headless Chromium with --no-sandbox, no Office,
// every request but this machine's refused; the bank-card sample) at 320 px, the narrowest pane
// Excel opens, into docs/excel-taskpane.png: node excel-addin/screenshot.mjs (after npm run build).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openAddinPage } from '../test/excel/browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] ?? path.join(here, '..', 'docs', 'excel-taskpane.png');
const session = await openAddinPage('taskpane.html', { officeJs: 'none', viewport: { width: 320, height: 900 } });
try {
  await session.page.waitForSelector('body[data-ready="preview"]', { timeout: 60_000 });
  await session.page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await session.close();
}
