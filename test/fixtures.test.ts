/**
 * The reference fixtures are reproducible: their committed scripts, rerun with R and statsmodels,
 * give the committed numbers. Byte-identical is expected on Debian 12's R 4.2.2 / statsmodels
 * 0.13.5; the comparison allows 1e-10 relative so that another BLAS's last digits do not fail it
 * (fixtureDifferences).
 * Skipped where R or statsmodels is missing, except in CI, whose .ci/run installs both.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureDifferences } from './helpers/rerunFixture';

const fixtures = join(__dirname, 'fixtures');
const python = '/usr/bin/python3';
const available = spawnSync('Rscript', ['--version'], { encoding: 'utf8' }).status === 0 && spawnSync(python, ['-c', 'import statsmodels'], { encoding: 'utf8' }).status === 0;
const runOrSkip = available || process.env.CI ? it : it.skip;

describe('reference fixtures', () => {
  runOrSkip(
    available
      ? 'rerunning the R and statsmodels scripts reproduces every fixture'
      : 'skipped: Rscript or python3-statsmodels not installed (apt-get install r-base-core r-cran-bayesm python3-statsmodels)',
    () => {
      expect(available, 'CI must have R and statsmodels (see .ci/run)').toBe(true);
      const work = mkdtempSync(join(tmpdir(), 'cbm-fixtures-'));
      try {
        reproduce(work);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    },
  );
});

/** Reruns every generator script in `work` and compares what they write with the committed fixtures. */
function reproduce(work: string): void {
  for (const f of readdirSync(fixtures)) if (/\.(R|py)$/.test(f)) copyFileSync(join(fixtures, f), join(work, f));
  // wa_churn_missing.R and aliased_reference.R read the committed data set (wa_churn_reference.R, checked by monitor.test.ts, writes it).
  copyFileSync(join(fixtures, 'wa_churn.csv'), join(work, 'wa_churn.csv'));
  // aliased_reference.R reads the committed lung.csv too (survival_reference.R writes it).
  copyFileSync(join(fixtures, 'lung.csv'), join(work, 'lung.csv'));
  for (const [command, script] of [
    ['Rscript', 'infert_reference.R'],
    ['Rscript', 'factor_contrasts.R'],
    ['Rscript', 'offset_predictors.R'],
    [python, 'infert_statsmodels.py'],
    [python, 'spector_reference.py'],
    ['Rscript', 'cheese_lm.R'],
    ['Rscript', 'wa_churn_missing.R'],
    ['Rscript', 'aliased_reference.R'],
  ]) {
    const run = spawnSync(command, [script], { cwd: work, encoding: 'utf8', timeout: 120_000 });
    expect(run.status, `${script} failed:\n${run.stderr}`).toBe(0);
  }
  for (const csv of ['infert.csv', 'spector.csv', 'offset-predictors.csv', 'cheese.csv'])
    expect(readFileSync(join(work, csv), 'utf8')).toBe(readFileSync(join(fixtures, csv), 'utf8'));
  for (const file of [
    'infert-glm.json',
    'factor-contrasts.json',
    'offset-predictors.json',
    'infert-statsmodels.json',
    'spector-logit.json',
    'cheese-lm.json',
    'wa-churn-missing.json',
    'aliased-reference.json',
  ]) {
    const fresh = JSON.parse(readFileSync(join(work, file), 'utf8'));
    const committed = JSON.parse(readFileSync(join(fixtures, file), 'utf8'));
    expect(fixtureDifferences(fresh, committed), file).toEqual([]);
  }
}
