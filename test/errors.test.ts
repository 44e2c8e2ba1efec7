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

describe('row errors renumbered for the rows as the caller counts them', () => {
  it('message and details.row follow the new row, once; other errors pass as they are', async () => {
    const { CbmError, renumberRow, rowError } = await import('../kernel-lib/src/errors');
    const made = rowError(2, (row) => new CbmError('NON_FINITE', `column 'x' has a NaN value in row ${row}`, { column: 'x', row }));
    expect(made).toMatchObject({ message: "column 'x' has a NaN value in row 2", details: { column: 'x', row: 2 } });
    const shifted = renumberRow(made, (row) => row + 5);
    expect(shifted).toMatchObject({ code: 'NON_FINITE', message: "column 'x' has a NaN value in row 7", details: { column: 'x', row: 7 } });
    // A second renumbering on the way out (nested callers) leaves the caller's row alone.
    expect(renumberRow(shifted, (row) => row + 5)).toBe(shifted);
    const plain = new CbmError('BAD_INPUT', 'row 2 is named in text only', { row: 2 });
    expect(renumberRow(plain, (row) => row + 5)).toBe(plain);
    expect(renumberRow('thrown text', (row) => row + 5)).toBe('thrown text');
  });
});
