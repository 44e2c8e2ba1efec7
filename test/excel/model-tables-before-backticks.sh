#!/usr/bin/env bash
# Writes model-tables-before-backticks.json: two model tables as CBM.FIT spilled them before 7e3f3dd
# (the 'of term' cell held the term's label, unquoted), by modelToTable at 0649fcb on the rows of
# model-table.test.ts ('colon': y ~ `a:b` + a + b; 'backtick': y ~ `\`x`:z + z). Run from the
# repository root after `npm ci`: bash test/excel/model-tables-before-backticks.sh
set -euo pipefail
root="$(pwd)"
old="$(mktemp -d)"
trap 'git -C "$root" worktree remove --force "$old"' EXIT
git worktree add --detach -q "$old" 0649fcb
ln -s "$root/node_modules" "$old/node_modules"
cat > "$old/test/excel/zz-before-backticks.test.ts" <<'TS'
import fs from 'node:fs';
import { it } from 'vitest';
import * as kl from '../../kernel-lib/src/index';
import { modelToTable } from '../../excel-addin/src/functions/modelTable';

// model-table.test.ts's rowsOf, numeric columns only.
const rowsOf = (names: readonly string[]) =>
  Array.from({ length: 40 }, (_, i) => {
    const row: Record<string, kl.Cell> = { y: [0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 1][(i * 7) % 11] };
    names.forEach((n, k) => (row[n] = ((i * (3 + 2 * k) + k) % 11) / 4));
    return row;
  });
it('writes the tables', () => {
  const table = (names: string[], formula: string) => modelToTable(kl.fitLogit(rowsOf(names), formula));
  const out = {
    source: 'modelToTable at 0649fcb (before 7e3f3dd) on model-table.test.ts rows; made by test/excel/model-tables-before-backticks.sh',
    colon: table(['a:b', 'a', 'b'], 'y ~ `a:b` + a + b'),
    backtick: table(['`x', 'z'], 'y ~ `\\`x`:z + z'),
  };
  fs.writeFileSync(process.env.OUT as string, `${JSON.stringify(out, null, 1)}\n`);
});
TS
(cd "$old" && OUT="$root/test/excel/model-tables-before-backticks.json" npx vitest run --project integration test/excel/zz-before-backticks.test.ts >/dev/null)
echo "wrote test/excel/model-tables-before-backticks.json"
