// Types for nbjson.mjs (used by test/notebooks.test.ts).
export type Output = Record<string, any>;
export interface Cell {
  cell_type: 'code' | 'markdown' | 'raw';
  id?: string;
  metadata: Record<string, any>;
  source: string | string[];
  execution_count?: number | null;
  outputs?: Output[];
  attachments?: Record<string, any>;
}
export interface Notebook {
  cells: Cell[];
  metadata: Record<string, any>;
  nbformat: number;
  nbformat_minor: number;
}
export const REPO_ROOT: string;
export const NOTEBOOKS_DIR: string;
export const REPO_PLACEHOLDER: string;
export const KERNELSPEC: Readonly<{ display_name: string; language: string; name: string }>;
export function listNotebooks(dir?: string, filters?: string[]): string[];
export function notebookName(file: string): string;
export function readNotebook(file: string): Notebook;
export function joinText(v: unknown): string;
export function isExecutable(cell: Cell): boolean;
export function scrubPaths(text: string): string;
export function scrubText(text: string): string;
export function normaliseOutputs(outputs?: Output[]): Output[];
export function defaultCellId(name: string, index: number): string;
export function assembleNotebook(source: Notebook, name: string, results: Map<number, Output[]>, languageInfo: unknown): Notebook;
export function normaliseNotebook(nb: Notebook, name: string): Notebook;
export function serialiseNotebook(nb: Notebook): string;
export function writeNotebook(file: string, nb: Notebook): void;
export function diffNotebookOutputs(expected: Notebook, actual: Notebook, name?: string): string[];
export const TS_DIAGNOSTIC_LINE: RegExp;
export function findErrorOutputs(nb: Notebook): { cell: number; text: string }[];
export const ESCAPED_HEADER: string;
export const GUARD_START_SOURCE: string;
export const GUARD_END_SOURCE: string;
export function withGuardCells(nb: Notebook): Notebook;
export function fromGuardedIndex(nb: Notebook, index: number): { cell: number; guard?: undefined } | { cell?: undefined; guard: 'start' | 'end' };
