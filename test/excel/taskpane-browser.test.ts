// The task pane in a plain browser (no Office: office.js is refused like every outside request)
// opens in preview mode on the bank-card sample. References: the notebook's final model
// (notebooks/01-bankcard-scoring.ipynb: responded ~ gender:income + income + gender:age, 12 of
// 100 selected at a = 0.8, hit rate 0.780, lift 2.778) and kernel-lib in Node for the figures.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error an .mjs helper without type declarations
import { browserUnavailable, openAddinPage, OFFICE_JS } from './browser.mjs';

const unavailable = browserUnavailable();
if (unavailable && process.env.CI) throw new Error(`browser tests cannot run in CI: ${unavailable}`);

describe.skipIf(unavailable !== null)('taskpane.html in preview mode (headless Chromium, no Office)', () => {
  let session: any;
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, with the spaces between table cells a reader sees
  const text = (selector: string): Promise<string> => session.page.locator(selector).innerText();
  beforeAll(async () => {
    session = await openAddinPage('taskpane.html', { officeJs: 'none', viewport: { width: 420, height: 900 } });
    await session.page.waitForSelector('body[data-ready="preview"]', { timeout: 60_000 });
  });
  afterAll(async () => {
    await session?.close();
  });

  it('says it is in preview mode and disables the Excel-only buttons', async () => {
    expect(await text('#mode')).toBe('preview: bank-card sample');
    expect(await session.page.locator('#preview-notice').isVisible()).toBe(true);
    expect(await text('#preview-notice')).toMatch(/not running inside Excel/);
    expect(await session.page.locator('#use-data').isDisabled()).toBe(true);
    expect(await session.page.locator('#write-model').isDisabled()).toBe(true);
  });

  it('fits the notebook model and shows its figures at a = 0.8', async () => {
    expect(await text('#model-status')).toContain('responded ~ gender:income + income + gender:age');
    const metrics = await text('#metrics');
    expect(metrics).toMatch(/selected \(P > a\)\s+12 of 100/);
    expect(metrics).toMatch(/hit rate\s+0\.7800/);
    expect(metrics).toMatch(/lift\s+2\.7778/);
  });

  it('draws the lift chart, the threshold sweep, the revenue histogram and the price curve with vega-embed', async () => {
    for (const id of ['lift-chart', 'sweep-chart', 'revenue-chart', 'price-chart']) {
      expect(await session.page.locator(`#${id} svg`).count(), id).toBe(1);
      expect(await session.page.locator(`#${id} svg .mark-rect, #${id} svg .mark-line, #${id} svg .mark-symbol`).count(), id).toBeGreaterThan(0);
    }
    expect(await text('#simulation')).toMatch(/expected \(exact\)/);
    expect(await text('#pricing-status')).toMatch(/Best price change -?\d+\.\d\d %/);
  });

  it('computes Fit, Simulate and Optimise in the worker, the page free meanwhile (structure, not speed)', async () => {
    // Worker is wrapped to record each worker the pane starts and, from its start, a 0 ms timer:
    // it fires while the worker computes, so it must still see the panel's "working" status.
    await session.page.evaluate(() => {
      const w = window as any;
      const Original = w.Worker;
      w.started = [];
      w.Worker = class extends Original {
        constructor(url: string, options?: WorkerOptions) {
          super(url, options);
          const record: { url: string; seen?: string[] } = { url };
          w.started.push(record);
          setTimeout(() => {
            record.seen = ['model-status', 'simulation-status', 'pricing-status'].map((id) => document.getElementById(id)!.textContent!);
          }, 0);
        }
      };
    });
    const panels: [string, number, string][] = [
      ['#fit', 0, 'Fitting…'],
      ['#simulate', 1, 'Simulating…'],
      ['#optimize', 2, 'Optimising…'],
    ];
    for (const [button, panel, working] of panels) {
      const before = await session.page.evaluate(() => (window as any).cbmTaskpane.offThreadRuns.worker);
      await session.page.click(button);
      await session.page.waitForFunction(
        ([i, w]: [number, string]) => ['model-status', 'simulation-status', 'pricing-status'].map((id) => document.getElementById(id)!.textContent)[i] !== w,
        [panel, working],
      );
      const started = await session.page.evaluate(() => (window as any).started.splice(0));
      expect(
        started.map((s: { url: string }) => s.url),
        button,
      ).toEqual(['functions-worker.js']);
      expect(started[0].seen[panel], button).toBe(working);
      expect(await session.page.evaluate(() => (window as any).cbmTaskpane.offThreadRuns), button).toEqual({ worker: before + 1, inline: 0 });
    }
    expect(await text('#model-status')).toContain('responded ~ gender:income + income + gender:age');
  });

  it('fits 320 px without a horizontal scroll bar, every legend whole and labelled', async () => {
    await session.page.setViewportSize({ width: 320, height: 900 });
    await session.page.waitForTimeout(200);
    const { scroll, client, legends } = await session.page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
      legends: ['lift-chart', 'sweep-chart', 'price-chart'].map((id) => {
        const chart = document.getElementById(id)!.getBoundingClientRect();
        const legend = document.querySelector(`#${id} .role-legend`);
        const box = legend?.getBoundingClientRect();
        return {
          id,
          inside: box ? box.left >= chart.left && box.right <= chart.right && box.bottom <= chart.bottom : false,
          labels: Array.from(legend?.querySelectorAll('.role-legend-label text') ?? [], (t) => t.textContent),
          title: legend?.querySelector('.role-legend-title text')?.textContent ?? null,
        };
      }),
    }));
    await session.page.setViewportSize({ width: 420, height: 900 });
    expect(scroll).toBeLessThanOrEqual(client);
    expect(legends).toEqual([
      { id: 'lift-chart', inside: true, labels: ['Lift per decile', 'Cumulative lift', 'Random selection'], title: null },
      { id: 'sweep-chart', inside: true, labels: ['Response rate', 'Hit rate', 'Share selected'], title: null },
      { id: 'price-chart', inside: true, labels: ['within the cap', 'breaks the cap'], title: 'churner cap' },
    ]);
  });

  it('says each odds ratio in raw units, in words', async () => {
    const words = await session.page.locator('#odds-words li').allInnerTexts();
    // The figure itself is checked against its closed form in odds-words.test.ts.
    expect(words.filter((w: string) => /^each \+1,000 of income multiplies the odds of responding by \d+\.\d\d$/.test(w))).toHaveLength(1);
    expect(words.filter((w: string) => / is an interaction: /.test(w))).toHaveLength(2);
  });

  it('refuses threshold 80 and clears the old model on a failed fit', async () => {
    expect(await session.page.locator('#coefficients tr').count()).toBeGreaterThan(1);
    await session.page.fill('#threshold', '80');
    await session.page.click('#fit');
    await session.page.waitForFunction(() => document.getElementById('model-status')!.classList.contains('error'));
    expect(await text('#model-status')).toMatch(/threshold must be between 0 and 1.*got 80/);
    expect(await session.page.locator('#coefficients tr').count()).toBe(0);
    expect(await session.page.locator('#odds-words li').count()).toBe(0);
    expect(await session.page.locator('#lift-chart svg').count()).toBe(0);
    await session.page.fill('#threshold', '0.8');
    await session.page.click('#fit');
    await session.page.waitForFunction(() => !document.getElementById('model-status')!.classList.contains('error'));
    await session.page.waitForSelector('#lift-chart svg');
  });

  it('shows a failure as the add-in message, without a page error', async () => {
    await session.page.fill('#formula', 'responded ~ salary');
    await session.page.click('#fit');
    await session.page.waitForFunction(() => document.getElementById('model-status')!.classList.contains('error'));
    expect(await text('#model-status')).toMatch(/^CBM\.FIT: .*'salary'/);
  });

  it('takes a screenshot', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbm-taskpane-'));
    try {
      const file = path.join(dir, 'taskpane.png');
      await session.page.screenshot({ path: file, fullPage: true });
      const png = fs.readFileSync(file);
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect(png.readUInt32BE(16)).toBe(420); // width from the IHDR chunk
      expect(png.length).toBeGreaterThan(50_000);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is the shared-runtime page: it loads functions.js, which registers nothing without Office', async () => {
    expect(await session.page.locator('script[src="functions.js"]').count()).toBe(1);
    expect(await session.page.evaluate(() => (window as any).cbmAddin?.registered)).toBe(false);
  });

  it('asked nothing from outside but office.js, which was refused', () => {
    expect(session.blocked).toEqual([OFFICE_JS]);
    expect(session.consoleErrors.filter((e: string) => !/ERR_BLOCKED_BY_CLIENT|office\.js/.test(e))).toEqual([]);
  });
});
