// Types for report.mjs.
import type { Notebook } from './nbjson.mjs';
export const CSP: string;
export function escapeHtml(s: string): string;
export function sanitizeHtml(html: string): string;
export function notebookTitle(nb: Notebook, name: string): string;
export function renderNotebookHtml(nb: Notebook, name: string): string;
export function listArtifacts(outDir: string): string[];
export function writeReport(outDir: string, entries: { name: string; nb: Notebook }[]): string;
export const SUMMARY_DIR: string;
export interface SummaryFigure {
  label: string;
  value: string;
  note?: string;
}
export interface RunSummaryPage {
  file: string;
  title: string;
  text?: string;
  notebook?: string;
  figures: SummaryFigure[];
  files: { path: string; description: string }[];
}
export function readSummaries(outDir: string): RunSummaryPage[];
export function describeArtifact(outDir: string, file: string): { file: string; bytes: number; rows?: number };
export function runListing(outDir: string): string[];
