/**
 * The bank-card customer file: the shipped CSV is exactly the default draw, and the draw has the
 * structure the book describes (1,000 cardholders, 150 contacted at random, responses only for them).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CbmError } from '../kernel-lib/src/index';
import { bankCardCustomers, bankCardCsv, parseBankCardCsv, BANKCARD_SEED, bankCardResponseProbabilities, BANKCARD_MECHANISM } from '../kernel-lib/src/datasets';

const shipped = readFileSync(join(__dirname, '..', 'kernel-lib', 'data', 'bankcard.csv'), 'utf8');

describe('bankCardCustomers', () => {
  const customers = bankCardCustomers({ seed: BANKCARD_SEED });

  it('regenerates kernel-lib/data/bankcard.csv byte for byte', () => {
    expect(bankCardCsv(customers)).toBe(shipped);
  });

  it('reads back from its CSV unchanged', () => {
    expect(parseBankCardCsv(shipped)).toEqual(customers);
  });

  it('has 1,000 customers, ages 18–47, 150 contacted, responses only for the contacted', () => {
    expect(customers).toHaveLength(1000);
    expect(customers.map((c) => c.id)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(Math.min(...customers.map((c) => c.age))).toBe(18);
    expect(Math.max(...customers.map((c) => c.age))).toBe(47);
    expect(customers.filter((c) => c.contacted)).toHaveLength(150);
    for (const c of customers) {
      expect(['M', 'F']).toContain(c.gender);
      if (c.contacted) expect([0, 1]).toContain(c.responded);
      else expect(c.responded).toBeNull();
    }
  });

  it('is deterministic in the seed and changes with it', () => {
    expect(bankCardCustomers({ seed: 7 })).toEqual(bankCardCustomers({ seed: 7 }));
    expect(bankCardCsv(bankCardCustomers({ seed: 8 }))).not.toBe(bankCardCsv(bankCardCustomers({ seed: 7 })));
  });

  it('follows the documented mechanism: women respond with P = ceiling·logistic(intercept) whatever age and income', () => {
    const p = bankCardResponseProbabilities(customers);
    const expected = BANKCARD_MECHANISM.ceiling / (1 + Math.exp(-BANKCARD_MECHANISM.intercept));
    customers.forEach((c, i) => {
      if (c.gender === 'F') expect(p[i]).toBeCloseTo(expected, 14);
      else expect(p[i]).toBeGreaterThanOrEqual(expected);
    });
  });

  it('over many files the contacted response rate is near the mechanism’s average probability (law of large numbers)', () => {
    let responded = 0;
    let contacted = 0;
    let expected = 0;
    for (let s = 0; s < 40; s++) {
      const file = bankCardCustomers({ seed: `lln-${s}` });
      const p = bankCardResponseProbabilities(file);
      file.forEach((c, i) => {
        if (!c.contacted) return;
        contacted++;
        responded += c.responded!;
        expected += p[i];
      });
    }
    // 6,000 Bernoulli draws: 4 standard deviations ≈ 0.025.
    expect(Math.abs(responded / contacted - expected / contacted)).toBeLessThan(0.025);
  });

  it('rejects malformed CSV with the line named', () => {
    expect(() => parseBankCardCsv('id,gender,age,income,contacted,responded\n1,X,30,2000,0,\n')).toThrow(/line 2: gender must be M or F/);
    expect(() => parseBankCardCsv('id,gender,age,income,contacted,responded\n1,M,30,2000,0,1\n')).toThrow(/responded must be recorded exactly for contacted/);
    expect(() => parseBankCardCsv('id,gender,age,income,contacted,responded\n,M, ,0x10,1,1\n')).toThrow(/line 2: id must be a whole number, found ''/);
  });
});

describe('parseBankCardCsv on what spreadsheets and editors do to the file (hostile-input review)', () => {
  const header = 'id,gender,age,income,contacted,responded';
  const rows = ['1,M,30,2000,1,1', '2,F,41,3500,0,'];
  const expected = [
    { id: 1, gender: 'M', age: 30, income: 2000, contacted: true, responded: 1 },
    { id: 2, gender: 'F', age: 41, income: 3500, contacted: false, responded: null },
  ];

  it('reads the same records with a byte-order mark and with CRLF, CR-only or LF line ends', () => {
    for (const end of ['\n', '\r\n', '\r']) {
      expect(parseBankCardCsv([header, ...rows].join(end) + end)).toEqual(expected);
      expect(parseBankCardCsv('\uFEFF' + [header, ...rows].join(end))).toEqual(expected);
    }
    // The shipped file too, after a round trip through a CR-only editor with a BOM.
    expect(parseBankCardCsv('\uFEFF' + shipped.replace(/\n/g, '\r'))).toEqual(parseBankCardCsv(shipped));
  });

  it('skips blank lines but names the physical line of a bad record', () => {
    const text = [header, '', rows[0], '   ', '', '3,X,30,2000,0,'].join('\r\n');
    expect(() => parseBankCardCsv(text)).toThrow(/^parseBankCardCsv: line 6: gender must be M or F, found 'X'$/);
    try {
      parseBankCardCsv(text);
    } catch (e) {
      expect((e as CbmError).code).toBe('BAD_INPUT');
      expect((e as CbmError).details).toEqual({ line: 6 });
    }
    expect(parseBankCardCsv([header, '', ...rows, '', ''].join('\n'))).toEqual(expected);
  });

  it('refuses a 400-digit age instead of reading it as Infinity', () => {
    const text = `${header}\n1,M,${'9'.repeat(400)},2000,0,\n`;
    expect(() => parseBankCardCsv(text)).toThrow('parseBankCardCsv: line 2: age has 400 digits; whole numbers of at most 15 digits are accepted');
    expect(parseBankCardCsv(`${header}\n999999999999999,M,30,2000,0,\n`)[0].id).toBe(999999999999999);
  });
});

describe('bankCardCustomers sizes are bounded at the door', () => {
  it('a billion customers is TOO_LARGE at once, not an out-of-memory abort', () => {
    // No clock: had the generator allocated first, a billion rows would abort the process, not return.
    let error: unknown;
    try {
      bankCardCustomers({ mechanism: { customers: 1e9 } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CbmError);
    expect((error as CbmError).code).toBe('TOO_LARGE');
    expect((error as CbmError).message).toBe('bankCardCustomers: 1000000000 customers is more than the 1,000,000 a customer file in memory allows; generate a smaller file');
  });

  it('unknown options, unknown mechanism settings and non-numbers are BAD_INPUT', () => {
    const bad: [unknown, string][] = [
      [{ seeds: 1 }, "bankCardCustomers: unknown option 'seeds' (did you mean 'seed'?); options are 'seed', 'mechanism'"],
      [{ mechanism: { customer: 10 } }, "bankCardCustomers: mechanism: unknown option 'customer' (did you mean 'customers'?)"],
      [{ mechanism: { customers: '1000' } }, 'bankCardCustomers: mechanism: customers must be a whole number ≥ 2, got "1000"'],
      [{ mechanism: { customers: 1.5 } }, 'bankCardCustomers: mechanism: customers must be a whole number ≥ 2, got 1.5'],
      [{ mechanism: { ceiling: NaN } }, 'bankCardCustomers: mechanism: ceiling must be a finite number from 0 to 1, got NaN'],
      [{ mechanism: { shareMale: 2 } }, 'bankCardCustomers: mechanism: shareMale must be a finite number from 0 to 1, got 2'],
      [{ mechanism: { incomeMedianAt18: 0 } }, 'bankCardCustomers: mechanism: incomeMedianAt18 must be a finite number > 0, got 0'],
      [{ mechanism: { contacted: 11, customers: 10 } }, 'bankCardCustomers: mechanism: contacted must be at most customers (10), got 11'],
      [{ mechanism: { ageMin: 30, ageMax: 30 } }, 'bankCardCustomers: mechanism: ageMax must be above ageMin (30), got 30'],
      [{ mechanism: null }, 'bankCardCustomers: mechanism must be an object like { customers: 1000 }, got null'],
      [{ seed: '' }, 'bankCardCustomers: seed must be a finite number or a non-empty string like 7, got ""'],
    ];
    for (const [options, message] of bad) {
      let error: unknown;
      try {
        bankCardCustomers(options as Parameters<typeof bankCardCustomers>[0]);
      } catch (e) {
        error = e;
      }
      expect(error, message).toBeInstanceOf(CbmError);
      expect((error as CbmError).code).toBe('BAD_INPUT');
      expect((error as CbmError).message).toContain(message);
    }
  });
});

describe('bankCardCustomers and parseBankCardCsv on arbitrary input', () => {
  it('every throw is a CbmError (fast-check)', async () => {
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (v, which) => {
        try {
          if (which) bankCardCustomers({ mechanism: { customers: 20, contacted: 5 }, ...(v !== null && typeof v === 'object' && !Array.isArray(v) ? v : { seed: v }) } as never);
          else parseBankCardCsv(v as string);
        } catch (e) {
          expect(e, String(e)).toBeInstanceOf(CbmError);
        }
      }),
      { seed: 5, numRuns: 1000 },
    );
  });
});
