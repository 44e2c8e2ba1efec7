// The warm-up of CBM.SCORE's path (excel-addin/src/functions/warmUp.ts) in Node: its model is a
// real fit of its made-up rows (refitted here with kernel-lib), and what it scores is what
// kernel-lib's predict gives on the same customers.
import { describe, expect, it } from 'vitest';
import * as kl from '../../kernel-lib/src/index';
import { scoreWith } from '../../excel-addin/src/functions/adapters';
import { modelFromCells } from '../../excel-addin/src/functions/modelTable';
import { WARM_UP_MODEL_JSON, WARM_UP_ROWS, warmUpRange, warmUpScoring } from '../../excel-addin/src/functions/warmUp';

const customers = (range: unknown[][]) => range.slice(1).map(([, t, i, d]) => ({ t, i, d }) as Record<string, kl.Cell>);

describe('the SCORE warm-up', () => {
  it("its model is fitLogit's on warmUpRange(200), y = 1 where (r·7919) mod 101 < 30", () => {
    const rows = customers(warmUpRange(200)).map((c, r) => ({ ...c, y: (r * 7919) % 101 < 30 ? 1 : 0 }));
    const prepare = kl.fitPreparation(rows, { encode: { t: { A: 1, B: 0 } }, scale: ['i', 'd'] });
    const refit = kl.fitLogit(rows, 'y ~ (t + i + d)^2', { prepare });
    expect(JSON.parse(WARM_UP_MODEL_JSON)).toEqual(refit.toJSON());
  });

  it('scores its range (text, whole numbers, decimals) as model.predict does, in both array forms', () => {
    const model = modelFromCells([[WARM_UP_MODEL_JSON]]);
    const range = warmUpRange(WARM_UP_ROWS);
    const expected = Array.from(model.predict(customers(range)), (p) => [p]);
    expect(scoreWith(model, range)).toEqual(expected);
    expect(scoreWith(model, structuredClone(range))).toEqual(expected);
    // Every kind of cell the warm-up means to show V8 is there.
    const cells = range.slice(1).flat();
    expect(cells.some((v) => typeof v === 'string')).toBe(true);
    expect(cells.some((v) => Number.isInteger(v))).toBe(true);
    expect(cells.some((v) => typeof v === 'number' && !Number.isInteger(v))).toBe(true);
  });

  it('refuses a range of no rows (it would be repeated without end) before scheduling any step', () => {
    expect(() => warmUpScoring(3, 0)).toThrow(RangeError);
    expect(() => warmUpScoring(-1, 10)).toThrow(/calls must be a whole number/);
  });
});
