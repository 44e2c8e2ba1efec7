/**
 * CbmError is recognised by its brand (Symbol.for), so two copies of the library in one process
 * (the CommonJS and the ESM build, or two versions in one bundle) still recognise each other's errors.
 */
import { describe, expect, it, vi } from 'vitest';

describe('CbmError brand', () => {
  it('an error from a second copy of the module is instanceof the first copy, and isCbmError says so', async () => {
    const first = await import('../kernel-lib/src/errors');
    vi.resetModules();
    const second = await import('../kernel-lib/src/errors');
    expect(second.CbmError).not.toBe(first.CbmError); // really two copies
    const foreign = new second.CbmError('BAD_INPUT', 'from the other copy', { option: 'x' });
    expect(foreign instanceof first.CbmError).toBe(true);
    expect(first.isCbmError(foreign)).toBe(true);
    expect(foreign).toBeInstanceOf(Error);
    expect(foreign.code).toBe('BAD_INPUT');
  });

  it('plain errors, look-alikes and primitives are not CbmErrors', async () => {
    const { CbmError, isCbmError } = await import('../kernel-lib/src/errors');
    for (const value of [new Error('x'), { code: 'BAD_INPUT', message: 'x', name: 'CbmError' }, null, undefined, 'CbmError', 3]) {
      expect(isCbmError(value)).toBe(false);
      expect(value instanceof CbmError).toBe(false);
    }
  });
});
