/**
 * The distribution functions behind p-values and intervals, against R 4.2.2 (values printed with
 * sprintf("%.17g") from qnorm, pnorm and pchisq; the commands are in the comments).
 */
import { describe, expect, it } from 'vitest';
import { chiSquareUpperTail, erfc, normalQuantile, twoSidedNormalP } from '../kernel-lib/src/index';
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
