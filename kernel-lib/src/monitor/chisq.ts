import { CbmError, check } from '../errors';
import { checkOptionSchema } from '../options';
import { chiSquareUpperTail } from '../model/distributions';
import { levelCounts } from './psi';

/** What {@link chiSquareShares} returns: Pearson's X² of the two samples' level counts, as R's `chisq.test`. */
export interface ChiSquareSharesResult {
  /** Pearson's X² of the 2 × k table (samples × levels). */
  statistic: number;
  df: number;
  pValue: number;
  /** Levels in code-unit order, with each sample's count and its expected count under equal shares (chisq.test's `expected`). */
  levels: { level: string; countA: number; countB: number; expectedA: number; expectedB: number }[];
  /** True when Yates' continuity correction was applied (2 × 2 tables, as R does by default). */
  corrected: boolean;
  /** R's warning 'Chi-squared approximation may be incorrect' when an expected count is below 5. */
  warnings: string[];
}

/**
 * Chi-square test that two samples of a categorical variable have the same level shares: the
 * test of homogeneity of the 2 × k table of counts, as R's `chisq.test(rbind(countsA, countsB))`.
 * X² = Σ (O − E)²/E with E = row total × column total / N, df = k − 1; for a 2 × 2 table R's
 * Yates correction Σ (|O − E| − min(½, |O − E|))²/E is applied unless `{ correct: false }`.
 * Levels are the union of both samples' levels; missing values are left out. Each level carries
 * its expected counts, and, as chisq.test warns, `warnings` says when one is below 5.
 *
 * @example
 * chiSquareShares(['a', 'a', 'b', 'c'], ['a', 'b', 'b', 'c']).df // 2
 * chiSquareShares(['a', 'a', 'b', 'c'], ['a', 'b', 'b', 'c']).warnings // ['Chi-squared approximation may be incorrect']
 */
export function chiSquareShares(a: ArrayLike<unknown>, b: ArrayLike<unknown>, options: { correct?: boolean } = {}): ChiSquareSharesResult {
  const context = 'chiSquareShares';
  checkOptionSchema(options, context, { correct: { kind: 'boolean' } });
  check(a !== null && typeof a === 'object' && typeof a.length === 'number', `${context}: a must be an array of levels`);
  check(b !== null && typeof b === 'object' && typeof b.length === 'number', `${context}: b must be an array of levels`);
  const ca = levelCounts(a, 'a', context);
  const cb = levelCounts(b, 'b', context);
  const levels = [...new Set([...ca.keys(), ...cb.keys()])].sort();
  const na = [...ca.values()].reduce((s, v) => s + v, 0);
  const nb = [...cb.values()].reduce((s, v) => s + v, 0);
  if (na === 0 || nb === 0) throw new CbmError('BAD_INPUT', `${context}: ${na === 0 ? 'a' : 'b'} has no non-missing values`);
  if (levels.length < 2) throw new CbmError('BAD_INPUT', `${context}: needs at least two levels, got ${levels.length === 1 ? `only '${levels[0]}'` : 'none'}`);
  const n = na + nb;
  const correct = (options?.correct ?? true) && levels.length === 2;
  let statistic = 0;
  let small = false;
  const rows = levels.map((level) => {
    const countA = ca.get(level) ?? 0;
    const countB = cb.get(level) ?? 0;
    const expectedA = (na * (countA + countB)) / n;
    const expectedB = (nb * (countA + countB)) / n;
    for (const [observed, expected] of [
      [countA, expectedA],
      [countB, expectedB],
    ]) {
      const deviation = Math.abs(observed - expected);
      const yates = correct ? Math.min(0.5, deviation) : 0;
      statistic += (deviation - yates) ** 2 / expected;
      if (expected < 5) small = true;
    }
    return { level, countA, countB, expectedA, expectedB };
  });
  const df = levels.length - 1;
  return {
    statistic,
    df,
    pValue: chiSquareUpperTail(statistic, df),
    levels: rows,
    corrected: correct,
    warnings: small ? ['Chi-squared approximation may be incorrect'] : [],
  };
}
