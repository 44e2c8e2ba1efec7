import { CbmError } from '../errors';
import * as d from './distributions';

/**
 * The distribution functions as the root entry exports them: the same values, but where the
 * mathematics gives NaN (a NaN argument, degrees of freedom ≤ 0, a probability outside [0, 1])
 * the caller gets a CbmError instead of a NaN that would travel silently into a report (NON_FINITE
 * for a NaN argument, BAD_INPUT otherwise). The library's own code calls the functions of
 * distributions.ts, whose NaN conventions are R's.
 */
function defined<A extends unknown[]>(name: string, f: (...args: A) => number): (...args: A) => number {
  return (...args: A) => {
    const value = f(...args);
    if (!Number.isNaN(value)) return value;
    const nan = args.some((a) => typeof a === 'number' && Number.isNaN(a));
    throw new CbmError(
      nan ? 'NON_FINITE' : 'BAD_INPUT',
      `${name}: no value for (${args.join(', ')})${nan ? ': an argument is NaN' : '; an argument is outside the function’s domain'}`,
      {
        arguments: args,
      },
    );
  };
}

/**
 * The complementary error function erfc(x) = 1 − erf(x), accurate in the far tail too (R: `2 * pnorm(-x * sqrt(2))`).
 *
 * @example
 * erfc(1); // 0.157299207050285
 */
export const erfc = defined('erfc', d.erfc);
/**
 * Two-sided p-value of a z statistic, 2·P(Z > |z|), as in R's summary.glm and statsmodels.
 *
 * @example
 * twoSidedNormalP(1.96); // 0.0499957902964408
 */
export const twoSidedNormalP = defined('twoSidedNormalP', d.twoSidedNormalP);
/**
 * Upper tail of the chi-square distribution, P(χ²_df > x) (R: `pchisq(x, df, lower.tail = FALSE)`): p-values of Wald and likelihood-ratio tests.
 *
 * @example
 * chiSquareUpperTail(3.84, 1); // 0.0500435212487051
 */
export const chiSquareUpperTail = defined('chiSquareUpperTail', d.chiSquareUpperTail);
/**
 * Upper tail of Student's t, P(T_df > t) (R: `pt(t, df, lower.tail = FALSE)`): one-sided p-values of OLS coefficients. A degrees-of-freedom value ≤ 0 is BAD_INPUT.
 *
 * @example
 * studentTUpperTail(2, 10); // 0.0366940173853703
 * try { studentTUpperTail(2, 0) } catch (e) { console.log((e as CbmError).code) } // 'BAD_INPUT'
 */
export const studentTUpperTail = defined('studentTUpperTail', d.studentTUpperTail);
/**
 * Two-sided p-value of a t statistic, 2·P(T_df > |t|), as in R's summary.lm.
 *
 * @example
 * twoSidedStudentP(2, 10); // 0.0733880347707406
 */
export const twoSidedStudentP = defined('twoSidedStudentP', d.twoSidedStudentP);
/**
 * Student t quantile, the t with P(T_df ≤ t) = p (R: `qt(p, df)`), for confidence intervals.
 *
 * @example
 * studentTQuantile(0.975, 10); // 2.22813885198628
 */
export const studentTQuantile = defined('studentTQuantile', d.studentTQuantile);
/**
 * Upper tail of the F distribution, P(F_{d1,d2} > f) (R: `pf(f, d1, d2, lower.tail = FALSE)`): the p-value of the regression F statistic.
 *
 * @example
 * fUpperTail(3, 2, 20); // 0.0725381502864057
 */
export const fUpperTail = defined('fUpperTail', d.fUpperTail);
/**
 * The regularized incomplete beta function I_x(a, b) (R: `pbeta(x, a, b)`); `upper` gives 1 − I_x(a, b) without cancellation.
 *
 * @example
 * regularizedBeta(0.5, 2, 3); // 0.6875
 */
export const regularizedBeta = defined('regularizedBeta', d.regularizedBeta);
/**
 * log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b), accurate for large arguments (R: `lbeta(a, b)`).
 *
 * @example
 * logBeta(2, 3); // log(1/12) = −2.484906649788
 */
export const logBeta = defined('logBeta', d.logBeta);
/**
 * The regularized upper incomplete gamma function Q(a, x) = Γ(a, x)/Γ(a) (R: `pgamma(x, a, lower.tail = FALSE)`).
 *
 * @example
 * regularizedGammaQ(2, 1); // 2/e = 0.735758882342885
 */
export const regularizedGammaQ = defined('regularizedGammaQ', d.regularizedGammaQ);
/**
 * The standard normal quantile Φ⁻¹(p) (R: `qnorm(p)`), e.g. the critical value of a 95 % interval; ±∞ at 0 and 1.
 *
 * @example
 * normalQuantile(0.975); // 1.95996398454005
 */
export const normalQuantile = d.normalQuantile;
