/**
 * The distribution functions behind p-values and intervals, against R 4.2.2 (values printed with
 * sprintf("%.17g") from qnorm, pnorm and pchisq; the commands are in the comments).
 */
import { describe, expect, it } from 'vitest';
import {
  chiSquareUpperTail,
  erfc,
  fUpperTail,
  logBeta,
  normalQuantile,
  regularizedBeta,
  studentTQuantile,
  studentTUpperTail,
  twoSidedNormalP,
  twoSidedStudentP,
} from '../kernel-lib/src/index';
import { relativeDifference } from './helpers/csv';

describe('normalQuantile', () => {
  // R: for (p in c(1e-300, 1e-15, 1e-10, 0.001, 0.025, 0.3, 0.5, 0.7, 0.975, 0.999, 1-1e-10, 1-1e-15)) qnorm(p)
  const r: [number, number][] = [
    [1e-300, -37.047096299361201],
    [1.0000000000000001e-15, -7.9413453261709952],
    [1e-10, -6.3613409024040557],
    [0.001, -3.0902323061678132],
    [0.025000000000000001, -1.9599639845400538],
    [0.29999999999999999, -0.52440051270804067],
    [0.5, 0],
    [0.69999999999999996, 0.52440051270804067],
    [0.97499999999999998, 1.9599639845400536],
    [0.999, 3.0902323061678132],
    [0.99999999989999999, 6.3613408896974208],
    [0.999999999999999, 7.9414444874159766],
  ];
  it.each(r)('qnorm(%s) = %s to 1e-14 relative, in both tails', (p, q) => {
    expect(relativeDifference(normalQuantile(p), q)).toBeLessThan(1e-14);
  });
  // Below 1e-300 down to the smallest subnormal (issue 18: 5e-324 gave NaN). Reference:
  // python3 -c "from scipy.special import ndtri; print([repr(ndtri(p)) for p in (1e-305, 2.2250738585072014e-308, 1e-310, 1e-315, 1e-320, 5e-324)])"
  const subnormal: [number, number][] = [
    [1e-305, -37.3563460930671],
    [2.2250738585072014e-308, -37.5193793471445],
    [1e-310, -37.663060331949524],
    [1e-315, -37.967300351067365],
    [1e-320, -38.26912534303265],
    [5e-324, -38.467405617144344],
  ];
  it.each(subnormal)('ndtri(%s) = %s to 1e-14 relative (subnormal p)', (p, q) => {
    expect(relativeDifference(normalQuantile(p), q)).toBeLessThan(1e-14);
  });
});

describe('erfc and two-sided normal p-values', () => {
  // R: for (x in c(0.5, 2.45, 3, 5, 10)) 2 * pnorm(x * sqrt(2), lower.tail = FALSE)
  const r: [number, number][] = [
    [0.5, 0.47950012218695348],
    [2.4500000000000002, 0.00053058011225105373],
    [3, 2.2090496998585394e-5],
    [5, 1.5374597944280319e-12],
    [10, 2.088487583762529e-45],
  ];
  it.each(r)('erfc(%s) = %s to 1e-12 relative (far tail included)', (x, value) => {
    expect(relativeDifference(erfc(x), value)).toBeLessThan(1e-12);
    expect(relativeDifference(twoSidedNormalP(x * Math.SQRT2), value)).toBeLessThan(1e-12);
  });
});

describe('chiSquareUpperTail', () => {
  // R: pchisq(x, df, lower.tail = FALSE)
  const r: [number, number, number][] = [
    [3.5, 2, 0.17377394345044514],
    [0.10000000000000001, 1, 0.75182963404584935],
    [40, 10, 1.6944743930067385e-5],
    [1.0000000000000001e-5, 3, 0.99999999158958341],
  ];
  it.each(r)('pchisq(%s, %s, upper) = %s to 1e-12 relative', (x, df, value) => {
    expect(relativeDifference(chiSquareUpperTail(x, df), value)).toBeLessThan(1e-12);
  });
});

describe('chiSquareUpperTail for large degrees of freedom (the review found 0.5786 for R 0.4998)', () => {
  // R 4.2.2: sprintf("%.17g", pchisq(x, df, lower.tail = FALSE)). The series and continued fraction
  // need O(√df) terms here, and from df/2 = 1e7 on Temme's uniform expansion takes over.
  const r: [number, number, number, number][] = [
    [1e6, 1e6, 0.49981193680339453, 1e-12],
    [1002000, 1e6, 0.078718661386129637, 1e-12],
    [997000, 1e6, 0.98312197887316033, 1e-12],
    [19999, 20000, 0.50066492799684148, 1e-12],
    [5000, 4000, 1.663315603880433e-25, 1e-11],
    [300, 200, 5.9245403354839159e-6, 1e-12],
    [0.5, 0.3, 0.15604916709686201, 1e-12],
    [2e7, 2e7, 0.49995794779127634, 1e-12],
    [20010000, 2e7, 0.056941215219504945, 1e-11],
    [200030000, 2e8, 0.066812597208030594, 1e-11],
  ];
  it.each(r)('pchisq(%s, %s, lower.tail = FALSE) = %s', (x, df, value, tolerance) => {
    expect(relativeDifference(chiSquareUpperTail(x, df), value)).toBeLessThan(tolerance);
  });

  it('is 1 below zero, 0 at infinity; a non-positive df (R: NaN) is a BAD_INPUT, a NaN argument NON_FINITE (issue 18: no NaN results)', () => {
    expect(chiSquareUpperTail(-1, 5)).toBe(1);
    expect(chiSquareUpperTail(Infinity, 5)).toBe(0);
    expect(() => chiSquareUpperTail(3, 0)).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    expect(() => chiSquareUpperTail(Number.NaN, 3)).toThrow(expect.objectContaining({ code: 'NON_FINITE' }));
    expect(() => normalQuantile(1.5)).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
  });
});

describe("Student's t, F and the incomplete beta behind them", () => {
  // R 4.2.2: sprintf("%.17g", pt(t, df, lower.tail = FALSE))
  const t: [number, number, number, number][] = [
    [2.1, 5, 0.04487662494229934, 1e-13],
    [0.3, 5555, 0.38209419035863801, 1e-13],
    [12, 5466, 4.5707039003635593e-33, 1e-11],
    [-1.5, 3, 0.88470806737758856, 1e-13],
    [40, 10, 1.1404288715428737e-12, 1e-13],
    [1e-5, 7, 0.49999615008549175, 1e-13],
    [2, 1, 0.14758361765043321, 1e-13],
    [2, 2, 0.091751709536136955, 1e-13],
    [3.5, 1e5, 0.00023273026968554983, 1e-11],
  ];
  it.each(t)('pt(%s, %s, lower.tail = FALSE) = %s', (x, df, value, tolerance) => {
    expect(relativeDifference(studentTUpperTail(x, df), value)).toBeLessThan(tolerance);
  });

  it('two-sided p-values are 2·pt(|t|, df, lower.tail = FALSE) and never above 1', () => {
    // R: 2 * pt(2.1, 5, lower.tail = FALSE)
    expect(relativeDifference(twoSidedStudentP(-2.1, 5), 0.089753249884598679)).toBeLessThan(1e-13);
    expect(twoSidedStudentP(0, 12)).toBe(1);
  });

  // R 4.2.2: sprintf("%.17g", qt(p, df))
  const q: [number, number, number][] = [
    [0.975, 5, 2.5705818356363137],
    [0.975, 5466, 1.960398084007589],
    [0.995, 1, 63.656741162871526],
    [0.9, 2, 1.8856180831641269],
    [0.95, 30, 1.6972608865939569],
  ];
  it.each(q)('qt(%s, %s) = %s, and symmetric', (p, df, value) => {
    expect(relativeDifference(studentTQuantile(p, df), value)).toBeLessThan(1e-13);
    expect(relativeDifference(studentTQuantile(1 - p, df), -value)).toBeLessThan(1e-12);
  });

  // R 4.2.2: sprintf("%.17g", pf(f, d1, d2, lower.tail = FALSE))
  const f: [number, number, number, number][] = [
    [3.2, 3, 40, 0.033421180722892921],
    [0.7, 2, 10, 0.51936866435981566],
    [1.1, 5, 5000, 0.35809657216722512],
    [20, 1, 3, 0.020835151196184839],
  ];
  it.each(f)('pf(%s, %s, %s, lower.tail = FALSE) = %s', (x, d1, d2, value) => {
    expect(relativeDifference(fUpperTail(x, d1, d2), value)).toBeLessThan(1e-13);
  });

  it('the incomplete beta matches closed forms: I_x(1, b) = 1 − (1 − x)^b and I_x(a, 1) = x^a', () => {
    for (const [x, k] of [
      [0.3, 2.5],
      [0.9, 7],
      [0.01, 0.5],
    ]) {
      expect(relativeDifference(regularizedBeta(x, 1, k), 1 - (1 - x) ** k)).toBeLessThan(1e-14);
      expect(relativeDifference(regularizedBeta(x, k, 1), x ** k)).toBeLessThan(1e-14);
    }
    expect(regularizedBeta(0, 2, 3)).toBe(0);
    expect(regularizedBeta(1, 2, 3)).toBe(1);
    expect(() => regularizedBeta(0.5, -1, 3)).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
  });

  it('log B(a, b) keeps full precision where the log Γ values are huge (R: lbeta(2733, 0.5), lbeta(1e6, 2e6))', () => {
    // R 4.2.2: sprintf("%.17g", lbeta(2733, 0.5)); sprintf("%.17g", lbeta(1e6, 2e6))
    expect(relativeDifference(logBeta(2733, 0.5), -3.3841669127545542)).toBeLessThan(1e-14);
    expect(relativeDifference(logBeta(1e6, 2e6), -1909548.2909685331)).toBeLessThan(1e-14);
  });
});
