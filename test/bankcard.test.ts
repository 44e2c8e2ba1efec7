/**
 * The bank-card customer file: the shipped CSV is exactly the default draw, and the draw has the
 * structure the book describes (1,000 cardholders, 150 contacted at random, responses only for them).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bankCardCustomers, bankCardCsv, parseBankCardCsv, BANKCARD_SEED, bankCardResponseProbabilities, BANKCARD_MECHANISM } from '../kernel-lib/src/index';

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
    expect(() => parseBankCardCsv('id,gender,age,income,contacted,responded\n,M, ,0x10,1,1\n')).toThrow(/line 2: id, age and income must be whole numbers/);
  });
});
