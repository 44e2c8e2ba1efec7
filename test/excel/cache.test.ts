// The result cache of the CBM functions (excel-addin/src/functions/cache.ts): a hit needs equal
// arguments cell by cell, a key computed once serves get and set, and a copied entry is immune to
// a caller changing its arrays afterwards (a large input is kept by reference, as Excel never
// changes the arrays it hands a call). A large input is hashed in slices with yields (structure, not
// speed: a 0 ms timer set before the hash fires before it ends) to the same key, and a hit on it is
// confirmed cell by cell in slices the same way.
import { describe, expect, it } from 'vitest';
import { hashArguments, hashArgumentsYielding, ResultCache, sameValue, sameValueYielding } from '../../excel-addin/src/functions/cache';

// The slice length that yields at every check (each 1,024 rows), however fast the machine: with 0
// a yield needs Date.now() to have moved on, and a run that compares 100,000 rows within about a
// millisecond would not yield at all (2,000 rows, one check, failed 1 run in 6 here).
const EVERY_CHECK = -1;

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
  it('hashes a large input in slices to the same key, letting a timer run in between', async () => {
    const rows: unknown[][] = [['id', 'gender', 'income']];
    for (let i = 0; i < 100_000; i++) rows.push([i, i % 3 ? 'M' : 'F', i % 7 ? 1000 + i : '']);
    const args = [rows, 'responded ~ income', null, [[true, false, undefined]], 0.8, Number.NaN];
    let fired = false;
    setTimeout(() => (fired = true), 0);
    const key = await hashArgumentsYielding('FIT', args, EVERY_CHECK).then((k) => ({ k, firedBeforeTheEnd: fired }));
    expect(key.firedBeforeTheEnd).toBe(true);
    expect(key.k).toBe(hashArguments('FIT', args));
    const changed = rows.map((r) => [...r]);
    changed[54_321][2] = 0;
    expect(await hashArgumentsYielding('FIT', [changed, ...args.slice(1)], EVERY_CHECK)).not.toBe(key.k);
    expect(await hashArgumentsYielding('SCORE', args)).not.toBe(key.k);
    expect(await hashArgumentsYielding('FIT', [[[1]], 'x'])).toBe(hashArguments('FIT', [[[1]], 'x']));
  });
  it('confirms a hit on a large input cell by cell in slices, letting a timer run in between', async () => {
    const rows: unknown[][] = [['id', 'gender', 'income']];
    for (let i = 0; i < 100_000; i++) rows.push([i, i % 3 ? 'M' : 'F', i % 7 ? 1000 + i : '']);
    const args = [rows, 'responded ~ income', Number.NaN];
    const cache = new ResultCache<string>(4);
    const key = cache.keyOf('FIT', args);
    cache.set('FIT', args, 'stored', key, false);
    // Excel hands every call fresh arrays: an equal copy hits, a copy with one cell changed misses.
    const same = [rows.map((r) => [...r]), 'responded ~ income', Number.NaN];
    let fired = false;
    setTimeout(() => (fired = true), 0);
    expect(await cache.getYielding(same, key, EVERY_CHECK)).toBe('stored');
    expect(fired).toBe(true);
    const changed = rows.map((r) => [...r]);
    changed[99_999][2] = 7;
    expect(await cache.getYielding([changed, 'responded ~ income', Number.NaN], key, EVERY_CHECK)).toBeUndefined();
    expect([cache.hits, cache.misses]).toEqual([1, 1]);
  });
  it('compares in slices exactly as sameValue does', async () => {
    const cases: [unknown[], unknown[]][] = [
      [
        [[[1, 'a']], 'x'],
        [[[1, 'a']], 'x'],
      ],
      [
        [[[1, 'a']], 'x'],
        [[[1, 'b']], 'x'],
      ],
      [[[[1], [2]]], [[[1]]]],
      [[[[Number.NaN]]], [[[Number.NaN]]]],
      [[[[0]]], [[[-0]]]],
      [
        [null, undefined],
        [null, undefined],
      ],
      [[[[1]]], [[1]]],
      [['a'], ['a', 'b']],
    ];
    for (const [a, b] of cases) expect(await sameValueYielding(a, b, 0)).toBe(sameValue(a, b));
  });
});
