/**
 * The README's "kernel-lib in ten lines" example runs as written (only the package imports are
 * pointed at the sources), so the README cannot drift from the API.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## kernel-lib in ten lines'));
const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1] ?? '';

describe('README example', () => {
  it('is ten lines of code after the import', () => {
    expect(example).toContain("from '@cbm-kit/kernel-lib'");
    expect(
      example
        .trim()
        .split('\n')
        .filter((l) => l.trim() && !l.startsWith('import')).length,
    ).toBeLessThanOrEqual(10);
  });

  it('runs and produces a model, metrics in range and a ranked target list', async () => {
    const source =
      example
        .replace("'@cbm-kit/kernel-lib'", JSON.stringify(join(__dirname, '..', 'kernel-lib', 'src', 'index.ts')))
        .replace("'@cbm-kit/kernel-lib/datasets'", JSON.stringify(join(__dirname, '..', 'kernel-lib', 'src', 'datasets.ts'))) +
      '\nexport { model, steps, p, y, metrics, targets, saved };\n';
    const dir = mkdtempSync(join(tmpdir(), 'cbm-readme-'));
    const file = join(dir, 'example.ts');
    writeFileSync(file, source);
    const logged: unknown[][] = [];
    const original = console.log;
    console.log = (...args: unknown[]) => void logged.push(args);
    let module: Record<string, any>;
    try {
      module = await import(file);
    } finally {
      console.log = original;
      rmSync(dir, { recursive: true, force: true });
    }
    expect(module.model.formula).toMatch(/^responded ~ /);
    expect(module.steps[0].removed).toBeNull();
    // campaignMetrics, recounted by hand from p and y (P > 0.8 strictly).
    const { p, y, metrics } = module as { p: Float64Array; y: number[]; metrics: Record<string, number> };
    const selected = y.filter((_, i) => p[i] > 0.8);
    const hits = y.filter((v, i) => p[i] > 0.8 === (v === 1)).length;
    expect(metrics.selected).toBe(selected.length);
    expect(metrics.responseRate).toBe(selected.filter((v) => v === 1).length / selected.length);
    expect(metrics.hitRate).toBe(hits / y.length);
    expect(metrics.roi).toBeCloseTo((metrics.responseRate * 60) / 20, 12);
    expect(metrics.profit).toBe(selected.filter((v) => v === 1).length * 60 - selected.length * 20);
    const scores = module.targets.map((t: { score: number }) => t.score);
    expect(scores.every((s: number) => s > 0.8)).toBe(true);
    expect([...scores].sort((a: number, b: number) => b - a)).toEqual(scores);
    expect(module.targets.every((t: { responded: unknown }) => t.responded !== 1)).toBe(true);
    expect(typeof module.saved).toBe('string');
  });
});
