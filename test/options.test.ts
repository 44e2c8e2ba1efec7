/**
 * checkOptionSchema: the one declarative check of public functions' options. References are
 * closed forms: the calendar (Gregorian leap years), the declared bounds, and the message shape.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CbmError,
  checkOptionSchema,
  competitorIndex,
  gainsTable,
  isCalendarDate,
  optimizePrice,
  psi,
  retentionElasticity,
  roi,
  tableFromRange,
  toCsv,
  trainValidationSplit,
} from '../kernel-lib/src/index';

const error = (f: () => unknown): CbmError => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CbmError);
    return e as CbmError;
  }
  throw new Error('expected a CbmError');
};

describe('checkOptionSchema', () => {
  const schema = {
    seed: { kind: 'seed', required: true, example: '7' },
    share: { kind: 'number', min: 0, max: 1, exclusive: 'both' },
    groups: { kind: 'number', integer: true, min: 1 },
    scale: { kind: 'oneOf', values: ['level', 'log'] },
  } as const;

  it('accepts exactly the numbers inside the declared bounds', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: false }), (share) => {
        const inside = Number.isFinite(share) && share > 0 && share < 1;
        let threw = false;
        try {
          checkOptionSchema({ seed: 1, share }, 'f', schema);
        } catch (e) {
          threw = true;
          expect((e as CbmError).code).toBe('BAD_INPUT');
          expect((e as CbmError).message).toMatch(/^f: share must be a finite number above 0 and below 1, got /);
          expect((e as CbmError).details.option).toBe('share');
        }
        expect(threw).toBe(!inside);
      }),
    );
  });

  it('names a missing required option with its example, an unknown name with a suggestion, a bad kind with what is expected', () => {
    expect(error(() => checkOptionSchema({}, 'f', schema)).message).toBe('f: seed is required, e.g. 7');
    expect(error(() => checkOptionSchema(undefined, 'f', schema)).message).toBe('f: seed is required, e.g. 7');
    expect(error(() => checkOptionSchema({ seed: 1, group: 2 }, 'f', schema)).message).toMatch(/unknown option 'group' \(did you mean 'groups'\?\)/);
    expect(error(() => checkOptionSchema({ seed: 1, groups: 2.5 }, 'f', schema)).message).toBe('f: groups must be a whole number ≥ 1, got 2.5');
    expect(error(() => checkOptionSchema({ seed: 1, scale: 'logarithmic' }, 'f', schema)).message).toBe(`f: scale must be one of 'level', 'log', got "logarithmic"`);
    expect(error(() => checkOptionSchema({ seed: null }, 'f', schema)).message).toBe('f: seed must be a finite number or a non-empty string like 7, got null');
    expect(error(() => checkOptionSchema([], 'f', schema)).message).toMatch(/options must be an object/);
  });

  it('does not mutate the options', () => {
    const options = Object.freeze({ seed: 3, share: 0.5 });
    checkOptionSchema(options, 'f', schema);
    expect(options).toEqual({ seed: 3, share: 0.5 });
  });

  it('isCalendarDate follows the Gregorian calendar (leap years: divisible by 4, not by 100 unless by 400)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1600, max: 2400 }), (year) => {
        const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
        expect(isCalendarDate(`${year}-02-29`)).toBe(leap);
        expect(isCalendarDate(`${year}-02-28`)).toBe(true);
        expect(isCalendarDate(`${year}-04-31`)).toBe(false);
        expect(isCalendarDate(`${year}-13-01`)).toBe(false);
      }),
    );
    expect(isCalendarDate('2025-1-05')).toBe(false);
    expect(isCalendarDate(20250105)).toBe(false);
  });

  it('public functions speak through it: one message style', () => {
    const model = { predict: () => new Float64Array(1) };
    expect(error(() => retentionElasticity(model, [{ price: 1 }], { price: 'price', at: -2 })).message).toBe(
      'retentionElasticity: at must be a finite number > -1 like 0.05 (a 5 % rise), got -2',
    );
    expect(error(() => trainValidationSplit([{ a: 1 }, { a: 2 }], { seed: 1, stratify: 3 as never })).message).toBe(
      "trainValidationSplit: stratify must be text like 'responded', got 3",
    );
    // Each message as the declared rule words it: '<function>: <option> must be <rule>, got <value>'.
    const spec = { churnProbabilities: [0.2, 0.4], revenues: [10, 20], priceResponse: { logitSlope: 2 }, simulations: 0 };
    const cases: [() => unknown, string][] = [
      [() => optimizePrice({ ...spec, gridPoints: 2 }), 'optimizePrice: gridPoints must be a whole number from 3 to 100001, got 2'],
      [() => optimizePrice({ ...spec, objective: 'profit' as never }), "optimizePrice: objective must be one of 'revenue', 'margin', got \"profit\""],
      [() => optimizePrice({ ...spec, gridpoints: 9 } as never), "optimizePrice: unknown option 'gridpoints'"],
      [() => optimizePrice({ ...spec, constraints: { maxChurnRate: 1 } }), 'optimizePrice: constraints: maxChurnRate must be a finite number above 0 and below 1 like 0.2, got 1'],
      [
        () => competitorIndex([], { product: 'A', date: '2026-02-15', against: 'max' as never }),
        "competitorIndex: against must be one of 'cheapest', 'mean', 'median', got \"max\"",
      ],
      [() => psi([1, 2], [1, 2], { floor: 0 }), 'psi: floor must be a finite number above 0 and below 1 like 1e-4, got 0'],
      [() => psi([1, 2], [1, 2], { bins: 1 }), 'psi: bins must be a whole number ≥ 2, got 1'],
      [() => gainsTable([0.2, 0.8], [0, 1], { groups: 0 }), 'gainsTable: groups must be a whole number ≥ 1, got 0'],
      [() => roi([0.2, 0.8], [0, 1], 0.5, { profit: 60, cost: -1 }), 'roi: cost must be a finite number > 0 like 20 (F, per contact), got -1'],
      [() => tableFromRange([['a'], [1]], { header: 'yes' as never }), 'tableFromRange: header must be true or false, got "yes"'],
      [() => toCsv([{ a: 1 }], { columns: 'a' as never }), "toCsv: columns must be a list of column names like ['id', 'score'], got \"a\""],
    ];
    for (const [call, message] of cases) expect(error(call).message.startsWith(message), `${error(call).message} vs ${message}`).toBe(true);
  });
});
