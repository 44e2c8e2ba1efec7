// Finishes the ESM build (tsc -p tsconfig.esm.json → dist/esm): Node's ESM loader wants full file
// names, which the sources leave out (tslab and the CommonJS build resolve them), so every
// relative specifier in dist/esm's .js and .d.ts files gets its .js or /index.js, deep imports
// into packages without an exports map (seedrandom/lib/alea) get .js, and dist/esm/package.json
// marks the folder as ES modules with no side effects.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const esm = new URL('../dist/esm/', import.meta.url).pathname;
const require = createRequire(import.meta.url);

function files(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? files(path) : /\.(js|d\.ts)$/.test(entry) ? [path] : [];
  });
}

function withExtension(file, specifier) {
  if (/\.(js|mjs|cjs|json)$/.test(specifier)) return specifier;
  if (specifier.startsWith('.')) {
    const base = join(dirname(file), specifier);
    if (existsSync(`${base}.js`) || existsSync(`${base}.d.ts`)) return `${specifier}.js`;
    if (existsSync(join(base, 'index.js')) || existsSync(join(base, 'index.d.ts'))) return `${specifier}/index.js`;
    throw new Error(`${file}: cannot resolve ${specifier}`);
  }
  // A deep import into a package that has no exports map (Node would not add the extension).
  const parts = specifier.split('/');
  const packageLength = specifier.startsWith('@') ? 2 : 1;
  if (parts.length > packageLength) {
    const manifest = require(`${parts.slice(0, packageLength).join('/')}/package.json`);
    if (!manifest.exports) return `${specifier}.js`;
  }
  return specifier;
}

let rewritten = 0;
for (const file of files(esm)) {
  const text = readFileSync(file, 'utf8');
  const out = text.replace(/(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])([^'"]+)\2/g, (match, before, quote, specifier) => {
    const next = withExtension(file, specifier);
    return next === specifier ? match : `${before}${quote}${next}${quote}`;
  });
  if (out !== text) {
    writeFileSync(file, out);
    rewritten++;
  }
}
writeFileSync(join(esm, 'package.json'), `${JSON.stringify({ type: 'module', sideEffects: false }, null, 2)}\n`);
console.log(`dist/esm: ${rewritten} files given full specifiers`);
