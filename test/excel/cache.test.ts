// The result cache of the CBM functions (excel-addin/src/functions/cache.ts): a hit needs equal
// arguments cell by cell, a key computed once serves get and set, and a copied entry is immune to
// a caller changing its arrays afterwards (a large input is kept by reference, as Excel never
// changes the arrays it hands a call).
import { describe, expect, it } from 'vitest';
import { ResultCache } from '../../excel-addin/src/functions/cache';

describe('ResultCache', () => {
  it('hits on equal arguments, with the key computed once', () => {
    const cache = new ResultCache<number>(4);
    const args = [[[1], [2]], 'x'];
    const key = cache.keyOf('FIT', args);
    expect(cache.get('FIT', args, key)).toBeUndefined();
    cache.set('FIT', args, 42, key);
    expect(cache.get('FIT', [[[1], [2]], 'x'])).toBe(42);
    expect(cache.get('FIT', [[[1], [3]], 'x'])).toBeUndefined();
    expect(cache.get('SCORE', args)).toBeUndefined();
  });
  it('a copied entry ignores later changes to the arrays; an uncopied one is the caller’s', () => {
    const cache = new ResultCache<number>(4);
    const copied = [[[1], [2]]];
    cache.set('A', copied, 1);
    (copied[0] as number[][])[0][0] = 9;
    expect(cache.get('A', [[[1], [2]]])).toBe(1);
    const kept = [[[1], [2]]];
    cache.set('B', kept, 2, cache.keyOf('B', kept), false);
    expect(cache.get('B', [[[1], [2]]])).toBe(2);
  });
  it('keeps the most recent entries only', () => {
    const cache = new ResultCache<number>(2);
    for (let i = 0; i < 3; i++) cache.set('F', [i], i);
    expect(cache.get('F', [0])).toBeUndefined();
    expect(cache.get('F', [2])).toBe(2);
  });
});
