/**
 * The test suites' one way of catching a CbmError: what a call threw, its code, or a full check of
 * code, message fragments and untouched inputs.
 */
import { expect } from 'vitest';
import { CbmError, type CbmErrorCode } from '../../kernel-lib/src/errors';

/** The CbmError `call` throws; anything else (another error, or a return) fails the test. */
export function cbmErrorOf(call: () => unknown): CbmError {
  try {
    call();
  } catch (e) {
    if (e instanceof CbmError) return e;
    throw new Error(`expected a CbmError, got ${String(e)}`);
  }
  throw new Error('expected a CbmError, but the call returned');
}

/** The code of the CbmError `call` throws, or a description of what happened instead. */
export function codeOf(call: () => unknown): string {
  try {
    call();
  } catch (e) {
    return e instanceof CbmError ? e.code : `not a CbmError: ${String(e)}`;
  }
  return 'no error';
}

/**
 * Expects `call` to throw a CbmError with `code` whose message contains every fragment (text, or
 * a pattern it matches), and `inputs` to be exactly as they were before the call.
 */
export function expectCbmError(call: () => unknown, code: CbmErrorCode, fragments: readonly (string | RegExp)[], inputs: readonly unknown[] = []): CbmError {
  const before = structuredClone(inputs);
  let thrown: unknown;
  let returned: unknown;
  try {
    returned = call();
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined) throw new Error(`expected a CbmError ${code}, but the call returned ${String(returned)}`);
  if (!(thrown instanceof CbmError)) throw new Error(`expected a CbmError ${code}, got ${(thrown as Error)?.constructor?.name}: ${(thrown as Error)?.message}`);
  expect(thrown.code, thrown.message).toBe(code);
  for (const fragment of fragments) {
    if (typeof fragment === 'string') expect(thrown.message).toContain(fragment);
    else expect(thrown.message).toMatch(fragment);
  }
  expect(inputs, 'inputs were mutated').toStrictEqual(before);
  return thrown;
}
