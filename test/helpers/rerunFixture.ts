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
