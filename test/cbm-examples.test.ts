/**
 * Every @example of the simulate/, pricing/ and customer-base modules, and the code of
 * docs/customer-base.md, runs as written (transpiled TypeScript, with the library's exported names in scope).
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import ts from 'typescript';

const require = createRequire(import.meta.url);
const root = path.resolve(__dirname, '..');
const lib = require('../kernel-lib/dist/index.js');
const parallel = require('../kernel-lib/dist/parallel.js');
const datasets = require('../kernel-lib/dist/datasets.js');
const charts = require('../kernel-lib/dist/charts/index.js');
const scope: Record<string, unknown> = { ...lib, ...parallel, ...datasets, ...charts };

function examplesOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const match of text.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
    const lines = match[1].split('\n').map((l) => l.replace(/^\s*\* ?/, ''));
    const at = lines.findIndex((l) => l.trim() === '@example');
    if (at < 0) continue;
    const body: string[] = [];
    for (const l of lines.slice(at + 1)) {
      if (l.trim().startsWith('@')) break;
      body.push(l);
    }
    out.push(body.join('\n'));
  }
  return out;
}

async function run(code: string): Promise<void> {
  const stripped = code.replace(/^import .*$/gm, '');
  const { outputText, diagnostics } = ts.transpileModule(`(async () => {\n${stripped}\n})()`, {
    reportDiagnostics: true,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.None },
  });
  expect(diagnostics ?? []).toEqual([]);
  const names = Object.keys(scope);
  const fn = new Function(...names, `return ${outputText.trim().replace(/;$/, '')};`);
  await fn(...names.map((n) => scope[n]));
}

const files = [
  'kernel-lib/src/data/customerBase.ts',
  'kernel-lib/src/simulate/churners.ts',
  'kernel-lib/src/simulate/revenue.ts',
  'kernel-lib/src/simulate/parallel.ts',
  'kernel-lib/src/simulate/charts.ts',
  'kernel-lib/src/parallel.ts',
  'kernel-lib/src/pricing/competitorIndex.ts',
  'kernel-lib/src/pricing/elasticity.ts',
  'kernel-lib/src/pricing/optimize.ts',
  'kernel-lib/src/pricing/charts.ts',
];

describe('@example blocks run', () => {
  for (const file of files) {
    it(file, async () => {
      const examples = examplesOf(path.join(root, file));
      expect(examples.length).toBeGreaterThan(0);
      for (const example of examples) await run(example);
    });
  }
  it('docs/customer-base.md runs as written', async () => {
    const text = fs.readFileSync(path.join(root, 'docs', 'customer-base.md'), 'utf8');
    const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks.length).toBe(3);
    await run(blocks.join('\n'));
  });
});
