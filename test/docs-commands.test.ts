/**
 * Every shell block of README.md and docs/*.md runs as written. Each ```sh / ```bash block runs
 * with `bash -e` in a clean copy of the repository (the tracked files, with this checkout's
 * node_modules and kernel-lib build linked in) and must exit 0. A block that cannot run here says
 * why on the line before its fence: `<!-- no-run: the reason -->` (a remote host, sudo, a
 * long-running server, sideloading into Excel, the test run itself).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..');

interface Block {
  where: string;
  code: string;
  noRun: string | null;
}

/** The shell blocks of a markdown file, each with the no-run reason written before it (or null). */
function shellBlocks(file: string, text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(sh|bash|shell)\s*$/.exec(lines[i]);
    if (!fence) continue;
    let j = i + 1;
    while (j < lines.length && !lines[j].startsWith('```')) j++;
    const before = i > 0 ? /^<!--\s*no-run:\s*(.*?)\s*-->\s*$/.exec(lines[i - 1]) : null;
    blocks.push({ where: `${file}:${i + 1}`, code: lines.slice(i + 1, j).join('\n'), noRun: before ? before[1] : null });
    i = j;
  }
  return blocks;
}

const files = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const blocks = files.flatMap((file) => shellBlocks(file, readFileSync(join(root, file), 'utf8')));

let copy = '';
function cleanCopy(): string {
  if (copy) return copy;
  copy = mkdtempSync(join(tmpdir(), 'cbm-docs-'));
  const tracked = spawnSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).stdout.split('\0').filter(Boolean);
  for (const file of tracked) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(root, file), join(copy, file), { dereference: false });
  }
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
  // npm test builds before the tests run; the copy reuses that build rather than rebuilding it.
  cpSync(join(root, 'kernel-lib', 'dist'), join(copy, 'kernel-lib', 'dist'), { recursive: true });
  return copy;
}

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

describe('shell blocks in README.md and docs/', () => {
  it('finds the blocks, and every skipped block says why', () => {
    expect(blocks.length).toBeGreaterThan(3);
    for (const block of blocks) if (block.noRun !== null) expect(block.noRun.length, `${block.where}: a no-run marker needs its reason`).toBeGreaterThan(10);
  });

  for (const block of blocks) {
    it.skipIf(block.noRun !== null)(
      `${block.where} runs${block.noRun ? ` (not run: ${block.noRun})` : ''}`,
      () => {
        const cwd = cleanCopy();
        const r = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', block.code], { cwd, encoding: 'utf8', timeout: 600_000, env: { ...process.env, CI: 'true' } });
        expect(r.status, `${block.where} exited ${r.status}:\n${block.code}\n--- stdout\n${r.stdout.slice(-2000)}\n--- stderr\n${r.stderr.slice(-4000)}`).toBe(0);
      },
      600_000,
    );
  }
});
