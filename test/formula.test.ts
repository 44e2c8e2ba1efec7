/**
 * The formula parser and writer under hostile input (issue 9's review): huge exponents, very long
 * formulas, deep nesting and term explosions each end in the right result or a specific CbmError,
 * never a hang or a RangeError. Expected term sets come from R's formula algebra (closed forms:
 * (a + b + c)^k holds every product of up to min(k, 3) distinct variables).
 */
import { describe, expect, it } from 'vitest';
import { formatFormula, parseFormula, MAX_TERMS } from '../kernel-lib/src/index';
import { cbmErrorOf as cbmError } from './helpers/errors';

const labels = (formula: string) => parseFormula(formula).terms.map((t) => t.label);

describe('powers stop once the term set stops growing', () => {
  it("'y ~ x^100000000' is 'y ~ x' (R: x^k = x), at once", () => {
    expect(labels('y ~ x^100000000')).toEqual(['x']);
  });

  it('(a + b + c)^k for huge k is (a + b + c)^3', () => {
    expect(labels('y ~ (a + b + c)^999999999999')).toEqual(labels('y ~ (a + b + c)^3'));
    expect(labels('y ~ (a + b + c)^3')).toEqual(['a', 'b', 'c', 'a:b', 'a:c', 'b:c', 'a:b:c']);
  });

  it("'y ~ x^1e8' is refused (the exponent must be written as a whole number)", () => {
    const e = cbmError(() => parseFormula('y ~ x^1e8'));
    expect(e.code).toBe('FORMULA_SYNTAX');
    expect(e.message.split('\n')[0]).toBe("formula: '^' needs a whole number of at least 1 after it (as in (a + b + c)^2) at position 7");
  });

  it('a power that would expand beyond MAX_TERMS terms is TOO_LARGE', () => {
    const vars = Array.from({ length: 30 }, (_, i) => `v${i}`).join(' + ');
    const e = cbmError(() => parseFormula(`y ~ (${vars})^30`));
    expect(e.code).toBe('TOO_LARGE');
    expect(e.message).toMatch(
      /^formula: the expansion would multiply 31,930 by 30 terms \(at most 500,000 products and 100,000 terms are allowed\) at position 174; write the terms you need explicitly$/,
    );
    // Many distinct terms from products below that bound: the term limit itself.
    const many = Array.from({ length: 500 }, (_, i) => `u${i}`).join(' + ');
    expect(cbmError(() => parseFormula(`y ~ (${many}):(${many.replace(/u/g, 'w')})`)).message).toContain('the formula expands to more than 100,000 terms');
    expect(MAX_TERMS).toBe(100_000);
  });

  it('a term of more than 64 variables is TOO_LARGE', () => {
    const e = cbmError(() => parseFormula('y ~ ' + Array.from({ length: 20000 }, (_, i) => `v${i}`).join(':')));
    expect(e.code).toBe('TOO_LARGE');
    expect(e.message).toContain('a term would multiply more than 64 variables');
  });
});

describe('long formulas parse in linear time', () => {
  it("a 350 KB formula 'y ~ v0 + … + v39999' gives its 40,000 terms in order", () => {
    const names = Array.from({ length: 40000 }, (_, i) => `v${i}`);
    const source = `y ~ ${names.join(' + ')}`;
    expect(source.length).toBeGreaterThan(340_000);
    const f = parseFormula(source);
    expect(f.terms.map((t) => t.label)).toEqual(names);
    // Removing every other term with '-' is linear too.
    const g = parseFormula(`${source} - ${names.filter((_, i) => i % 2 === 0).join(' - ')}`);
    expect(g.terms.map((t) => t.label)).toEqual(names.filter((_, i) => i % 2 === 1));
  });

  it('formatFormula of 40,000 terms and of 860 terms with interactions reparses to the same labels', () => {
    const big = parseFormula(`y ~ ${Array.from({ length: 40000 }, (_, i) => `v${i}`).join(' + ')}`);
    expect(parseFormula(formatFormula('y', big.terms, true)).terms).toEqual(big.terms);
    const v = Array.from({ length: 40 }, (_, i) => `v${i}`).join(' + ');
    const w = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' + ');
    const mixed = parseFormula(`y ~ ${v} + (${w})^2`);
    expect(mixed.terms).toHaveLength(860);
    const written = formatFormula('y', mixed.terms, false);
    const back = parseFormula(written);
    expect(back.terms).toEqual(mixed.terms);
    expect(back.intercept).toBe(false);
  });

  it('labels no plain order can reproduce fall back to naming the variables first, even for thousands of terms', () => {
    // (v0 + … + v1999):z gives labels v_i:z, which need every v_i before z.
    const f = parseFormula(`y ~ (${Array.from({ length: 2000 }, (_, i) => `v${i}`).join(' + ')}):z`);
    const back = parseFormula(formatFormula('y', f.terms, true));
    expect(back.terms.map((t) => t.label)).toEqual(f.terms.map((t) => t.label));
  });
});

describe('nesting is limited, never a stack overflow', () => {
  it.each([
    ['2,000 nested parentheses', 'y ~ ' + '('.repeat(2000) + 'x' + ')'.repeat(2000)],
    ['2,000 nested calls', 'y ~ log(' + 'exp('.repeat(1999) + 'x' + ')'.repeat(2000)],
    ['a 100,000-deep response', 'I(' + '('.repeat(100000) + 'y' + ')'.repeat(100001) + ' ~ x'],
  ])('%s is FORMULA_SYNTAX with a nesting limit', (_, formula) => {
    const e = cbmError(() => parseFormula(formula));
    expect(e.code).toBe('FORMULA_SYNTAX');
    expect(e.message).toMatch(/^formula: nesting deeper than 100 levels \(parentheses, calls or signs\) is not supported at position \d+\n/);
    // Long input is echoed as a window around the position, so the message stays short.
    expect(e.message.length).toBeLessThan(500);
    const [, echoed, caret] = e.message.split('\n');
    expect(caret.length).toBeLessThanOrEqual(echoed.length);
  });

  it('100 levels are still fine', () => {
    expect(labels('y ~ ' + '('.repeat(99) + 'x + z' + ')'.repeat(99))).toEqual(['x', 'z']);
  });
});
