// Types for jupyter.mjs (used by test/notebooks.test.ts).
export const KERNEL_PREFIX: string;
export const JUPYTER_DATA_DIR: string;
export const APT_HINT: string;
export function detectJupyter(): { jupyter: string; nbconvertVersion: string } | null;
export function ensureKernelSpec(): string;
export function jupyterEnv(extra?: Record<string, string>): NodeJS.ProcessEnv;
export function kernelAvailable(): boolean;
export function abortJupyter(graceMs?: number): Promise<void>;
export function executeWithJupyter(
  file: string,
  opts?: { env?: Record<string, string>; onCell?: (ev: { index: number; status: string; ms: number }) => void; timeoutSec?: number },
): Promise<{ ok: boolean; results: Map<number, Record<string, any>[]>; languageInfo: unknown; failedCell?: number; escaped?: boolean; errorText?: string }>;
