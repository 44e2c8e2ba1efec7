import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';

const fixtures = join(__dirname, '..', 'fixtures');

/**
 * Reruns a committed fixture script (test/fixtures/<script>, with json_helpers.R and `inputs`
 * copied beside it) in a scratch folder and returns the text of each file in `outputs` it wrote,
 * so a test can compare them with the committed fixtures. `needs` names the Debian packages the
 * failure message asks for.
 */
export function rerunFixtureScript(script: string, options: { inputs?: string[]; outputs: string[]; needs: string }): Record<string, string> {
  const work = mkdtempSync(join(tmpdir(), 'cbm-fixture-'));
  try {
    for (const f of [script, 'json_helpers.R', ...(options.inputs ?? [])]) copyFileSync(join(fixtures, f), join(work, f));
    const run = spawnSync('Rscript', [script], { cwd: work, encoding: 'utf8', timeout: 120_000 });
    expect(run.status, `Rscript ${script} failed (needs ${options.needs}):\n${run.stderr}`).toBe(0);
    return Object.fromEntries(options.outputs.map((f) => [f, readFileSync(join(work, f), 'utf8')]));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Compares a rerun fixture with the committed one: numbers to 1e-10 relative, everything else
 * (names, counts, text, nulls, shapes) exactly; returns the differences, one line each. R's QR
 * and sums go through the BLAS, and the OpenBLAS Debian installs beside R picks its kernels by
 * CPU: the committed fixtures are its Haswell kernels' numbers, and on an AVX-512 CPU glm's
 * coefficients come out a few ulps apart (test/fixtures/README.md).
 */
export function fixtureDifferences(fresh: unknown, committed: unknown, path = '$'): string[] {
  if (typeof fresh === 'number' && typeof committed === 'number') {
    const scale = Math.max(Math.abs(fresh), Math.abs(committed), 1e-300);
    return Math.abs(fresh - committed) / scale <= 1e-10 ? [] : [`${path}: ${fresh} vs ${committed}`];
  }
  if (Array.isArray(fresh) && Array.isArray(committed)) {
    if (fresh.length !== committed.length) return [`${path}: length ${fresh.length} vs ${committed.length}`];
    return fresh.flatMap((v, k) => fixtureDifferences(v, committed[k], `${path}[${k}]`));
  }
  if (fresh && committed && typeof fresh === 'object' && typeof committed === 'object' && !Array.isArray(fresh) && !Array.isArray(committed)) {
    const keys = new Set([...Object.keys(fresh), ...Object.keys(committed)]);
    return [...keys].flatMap((k) => fixtureDifferences((fresh as Record<string, unknown>)[k], (committed as Record<string, unknown>)[k], `${path}.${k}`));
  }
  return fresh === committed ? [] : [`${path}: ${JSON.stringify(fresh)} vs ${JSON.stringify(committed)}`];
}

/** Fails with every difference listed when a rerun JSON fixture is not the committed one (fixtureDifferences). */
export function expectReproduced(freshJson: string, committed: unknown, file: string): void {
  expect(fixtureDifferences(JSON.parse(freshJson), committed), file).toEqual([]);
}
