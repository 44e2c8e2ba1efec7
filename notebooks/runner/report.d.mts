// Types for report.mjs.
import type { Notebook } from './nbjson.mjs';
export const CSP: string;
export function escapeHtml(s: string): string;
export function sanitizeHtml(html: string): string;
export function notebookTitle(nb: Notebook, name: string): string;
export function renderNotebookHtml(nb: Notebook, name: string): string;
export function listArtifacts(outDir: string): string[];
export function writeReport(outDir: string, entries: { name: string; nb: Notebook }[]): string;
