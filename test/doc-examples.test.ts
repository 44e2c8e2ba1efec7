/**
 * Every `@example` in kernel-lib's doc comments compiles and runs, as readme-example.test.ts does
 * for the README, so the examples cannot drift from the API. Each example block becomes a module
 * that imports the library's exported names (the browser-safe entries', plus the render, warehouse
 * or parallel entry's for files that belong to those entries), is type-checked with the TypeScript compiler
 * API under strict settings, and is then executed. An example that writes its own imports of
 * `@cbm-kit/kernel-lib…` keeps them (pointed at the sources) instead of the generated ones.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const src = join(__dirname, '..', 'kernel-lib', 'src');
const ENTRIES = {
  root: join(src, 'index.ts'),
  datasets: join(src, 'datasets.ts'),
  charts: join(src, 'charts', 'index.ts'),
  sql: join(src, 'sql', 'index.ts'),
  render: join(src, 'render.ts'),
  warehouse: join(src, 'warehouse.ts'),
  parallel: join(src, 'parallel.ts'),
} as const;
// The worker-thread entry starts workers from the built worker.js, so its examples run against dist (npm test builds first).
const PARALLEL_DIST = join(src, '..', 'dist', 'parallel');
type Entry = keyof typeof ENTRIES;

interface Example {
  /** e.g. `prepare/scale.ts:15`, the line of the `@example` tag. */
  name: string;
  file: string;
  code: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const path = join(dir, entry);
      return statSync(path).isDirectory() ? sourceFiles(path) : entry.endsWith('.ts') ? [path] : [];
    });
}

/** The `@example` blocks of a file: the comment lines after the tag, up to the next tag or the end of the comment. */
function examplesOf(file: string, text: string): Example[] {
  const examples: Example[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*\*\s*@example\b/.test(lines[i])) continue;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j];
      if (/^\s*\*\//.test(line) || /^\s*\*\s*@\w/.test(line)) break;
      const inner = /^\s*\* ?(.*)$/.exec(line);
      body.push(inner ? inner[1] : line);
    }
    examples.push({ name: `${relative(src, file)}:${i + 1}`, file, code: body.join('\n').trim() });
    i = j - 1;
  }
  return examples;
}

/**
 * The entries an example without imports may use: the browser-safe ones (their names never clash)
 * and the entry its file belongs to (render, warehouse, parallel).
 */
function entriesOf(file: string): Entry[] {
  const path = relative(src, file);
  const common: Entry[] = ['root', 'datasets', 'charts', 'sql'];
  if (path === 'render.ts' || path.startsWith('render/')) return [...common, 'render'];
  if (path === 'warehouse.ts' || path.startsWith('warehouse/')) return [...common, 'warehouse'];
  if (path === 'parallel.ts' || path === 'simulate/parallel.ts' || path === 'simulate/worker.ts') return [...common, 'parallel'];
  return common;
}

/** Every name (value or type) an entry exports, read with the type checker. */
function exportedNames(program: ts.Program, entry: Entry): string[] {
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(ENTRIES[entry])!)!;
  return checker.getExportsOfModule(module).map((s) => s.name);
}

const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ES2022,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2022.d.ts'],
  strict: true,
  noEmit: true,
  esModuleInterop: true,
  skipLibCheck: true,
  types: ['node'],
};

const examples = sourceFiles(src).flatMap((file) => examplesOf(file, readFileSync(file, 'utf8')));
const dir = mkdtempSync(join(tmpdir(), 'cbm-doc-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entryProgram = ts.createProgram(Object.values(ENTRIES), COMPILER_OPTIONS);
const names = Object.fromEntries((Object.keys(ENTRIES) as Entry[]).map((e) => [e, exportedNames(entryProgram, e)])) as Record<Entry, string[]>;
const ownNames = new Map<string, string[]>();
function exportedNamesOfFile(file: string): string[] {
  let found = ownNames.get(file);
  if (!found) {
    // Most modules are already in the entries' program; only an unreachable one needs its own.
    const program = entryProgram.getSourceFile(file) ? entryProgram : ts.createProgram([file], COMPILER_OPTIONS);
    const checker = program.getTypeChecker();
    const module = checker.getSymbolAtLocation(program.getSourceFile(file)!);
    found = module ? checker.getExportsOfModule(module).map((s) => s.name) : [];
    ownNames.set(file, found);
  }
  return found;
}
const specifier = (entry: Entry) => JSON.stringify(entry === 'parallel' ? PARALLEL_DIST : ENTRIES[entry].replace(/\.ts$/, ''));
/** Examples with top-level await run inside an async function the module exports, so they also run as CommonJS. */
const body = (code: string) => (/\bawait\b/.test(code) ? `export const done = (async () => {\n${code}\n})();\n` : `${code}\nexport {};\n`);

/** The module an example becomes: its own imports pointed at the sources, or generated ones. */
function moduleSource(example: Example): string {
  const importsItself = /^\s*import\b/m.test(example.code);
  if (importsItself) {
    let code = example.code;
    for (const entry of Object.keys(ENTRIES) as Entry[]) {
      const name = entry === 'root' ? '@cbm-kit/kernel-lib' : `@cbm-kit/kernel-lib/${entry}`;
      code = code.replace(new RegExp(`(['"])${name}\\1`, 'g'), specifier(entry));
    }
    const lines = code.split('\n');
    const importLines = lines.filter((l) => /^\s*import\b/.test(l));
    return `${importLines.join('\n')}\n${body(lines.filter((l) => !/^\s*import\b/.test(l)).join('\n'))}`;
  }
  const entries = entriesOf(example.file);
  // A name two entries export (warehouse re-exports scoringSQL) is imported once, from the first.
  const taken = new Set<string>();
  const imports = entries.map((entry) => {
    const fresh = names[entry].filter((n) => !taken.has(n));
    for (const n of fresh) taken.add(n);
    return `import { ${fresh.join(', ')} } from ${specifier(entry)};`;
  });
  // An internal module (not re-exported by an entry) documents its own API: its names are imported too.
  const own = exportedNamesOfFile(example.file).filter((name) => !entries.some((entry) => names[entry].includes(name)));
  if (own.length > 0) imports.push(`import { ${own.join(', ')} } from ${JSON.stringify(example.file.replace(/\.ts$/, ''))};`);
  return `${imports.join('\n')}\n${body(example.code)}`;
}

const files = examples.map((example, k) => {
  const path = join(dir, `example${k}.ts`);
  writeFileSync(path, moduleSource(example));
  return path;
});
// Reuses the entries program, so the library and lib files are parsed once.
const program = ts.createProgram(files, COMPILER_OPTIONS, undefined, entryProgram);

function diagnosticsOf(path: string): string[] {
  const file = program.getSourceFile(path)!;
  return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].map((d) => {
    const line = d.start === undefined ? 0 : file.getLineAndCharacterOfPosition(d.start).line + 1;
    return `line ${line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

describe('doc-comment examples', () => {
  it('finds the examples', () => {
    // A count far below the number of documented functions would mean the extraction broke.
    expect(examples.length).toBeGreaterThan(30);
    expect(examples.every((e) => e.code.length > 0)).toBe(true);
  });

  describe.each(examples.map((example, k) => ({ ...example, path: files[k] })))('$name', ({ path, code }) => {
    it('type-checks', () => {
      expect(diagnosticsOf(path), `${code}\n`).toEqual([]);
    });

    it('runs', async () => {
      const original = console.log;
      console.log = () => undefined;
      try {
        const module = await import(path);
        if (module.done) await module.done;
      } finally {
        console.log = original;
      }
    });
  });
});
