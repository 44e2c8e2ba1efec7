/**
 * Key figures a notebook leaves for the report's summary page and for the end of `npm start`:
 * `<out>/summary/<notebook>.json`, read by notebooks/runner/report.mjs (`readSummaries`). Values
 * are preformatted text (`'77.8%'`, `'128 customers'`): the summary shows them as the notebook
 * rounded them, so a manager reads the same figure in both places.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { planSummary } from './plan';

export interface SummaryFigure {
  label: string;
  value: string;
  /** What the figure means, in a few words. */
  note?: string;
}

export interface NotebookSummary {
  /** The notebook's file name without .ipynb: the summary links to its page. */
  notebook: string;
  title: string;
  /** One paragraph for a manager. */
  text?: string;
  figures: SummaryFigure[];
  /** Relative to the output folder. */
  /** Files the notebook wrote; `kind: 'test input'` marks a file made faulty on purpose (the report lists it apart from the deliverables). */
  files: { path: string; description: string; kind?: 'deliverable' | 'test input' }[];
  /** The price plan (notebooks 04 and 05, from notebooks/lib/plan.ts): each product's price change and baseline. */
  plan?: ReturnType<typeof planSummary>;
}

/** Writes `<outDir>/summary/<notebook>.json` and returns its path. */
export function writeSummary(outDir: string, summary: NotebookSummary): string {
  const dir = path.join(outDir, 'summary');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${summary.notebook}.json`);
  fs.writeFileSync(file, JSON.stringify(summary, null, 2) + '\n');
  return file;
}
