/**
 * The README's "kernel-lib in ten lines" example runs as written (only the package import is
 * pointed at the source), so the README cannot drift from the API.
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
    expect(example.trim().split('\n').filter((l) => l.trim() && !l.startsWith('import')).length).toBeLessThanOrEqual(10);
  });

  it('runs and produces a model, metrics in range and a ranked target list', async () => {
    const source = example.replace("'@cbm-kit/kernel-lib'", JSON.stringify(join(__dirname, '..', 'kernel-lib', 'src', 'index.ts'))) + '\nexport { model, steps, p, y, targets, saved };\n';
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
    const [rate, hit, liftValue, roiValue] = logged[1] as number[];
    expect(hit).toBeGreaterThanOrEqual(0);
    expect(hit).toBeLessThanOrEqual(1);
    expect(rate).toBeGreaterThanOrEqual(0);
    expect(liftValue).toBeGreaterThan(0);
    expect(roiValue).toBeCloseTo((rate * 60) / 20, 12);
    const scores = module.targets.map((t: { score: number }) => t.score);
    expect(scores.every((s: number) => s > 0.8)).toBe(true);
    expect([...scores].sort((a: number, b: number) => b - a)).toEqual(scores);
    expect(module.targets.every((t: { responded: unknown }) => t.responded !== 1)).toBe(true);
    expect(typeof module.saved).toBe('string');
  });
});
