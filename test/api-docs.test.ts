/**
 * Every export of kernel-lib has a doc comment: TypeDoc (typedoc.json, the configuration
 * `npm run docs` builds the API reference with) validates the entries and warns about each
 * exported function, class, interface, type alias, variable or enum without documentation, and
 * about links that do not resolve. This test runs that validation as `npm run docs` would, without
 * writing the site, and fails on any such warning, naming each one.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..');
const run = promisify(execFile);

/** TypeDoc's exit code and messages (colour codes removed), one per line, with their level. */
async function typedoc(): Promise<{ code: number; output: string; messages: { level: string; text: string }[] }> {
  // TypeDoc exits non-zero when it warns (treatValidationWarningsAsErrors) or fails: the output says why.
  const { code, stdout, stderr } = await run(process.execPath, [join(root, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--emit', 'none'], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    maxBuffer: 16 * 2 ** 20,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? 1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
  );
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape starts ANSI colour codes.
  const output = `${stdout}\n${stderr}`.replace(/\u001b\[[0-9;]*m/g, '');
  const messages = output
    .split('\n')
    .map((line) => /^\[(\w+)\]\s*(.*)$/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ level: m[1], text: m[2] }));
  return { code, output, messages };
}

describe('API reference (TypeDoc validation)', () => {
  it('every export has a doc comment and every link resolves', { timeout: 600_000 }, async () => {
    const { code, output, messages } = await typedoc();
    // "index.stepwise (CallSignature), defined in …/stepwise.ts, does not have any documentation"
    const undocumented = messages.filter((m) => m.level === 'warning' && m.text.endsWith('does not have any documentation')).map((m) => m.text);
    expect(undocumented, 'exports without a doc comment (write one, with an @example on a function)').toEqual([]);
    // Anything else TypeDoc reports (a broken {@link}, a failed conversion) also fails, with its text.
    const summary = /^Found \d+ errors? and \d+ warnings?$/;
    const other = messages.filter((m) => (m.level === 'warning' || m.level === 'error') && !m.text.endsWith('does not have any documentation') && !summary.test(m.text));
    expect(other.map((m) => `[${m.level}] ${m.text}`)).toEqual([]);
    // A run that failed without a message above (a crash, a bad option) fails too.
    expect(code, output).toBe(0);
  });
});
