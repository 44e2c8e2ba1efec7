import { CbmError } from '../errors';
import * as d from './distributions';

/**
 * The distribution functions as the root entry exports them: the same values, but where the
 * mathematics gives NaN (a NaN argument, degrees of freedom ≤ 0, a probability outside [0, 1])
 * the caller gets a CbmError instead of a NaN that would travel silently into a report (NON_FINITE
 * for a NaN argument, BAD_INPUT otherwise). The library's own code calls the functions of
 * distributions.ts, whose NaN conventions are R's.
 *
 * @example
 * studentTUpperTail(2, 10); // 0.0367…
 * try { studentTUpperTail(2, 0) } catch (e) { console.log((e as CbmError).code) } // 'BAD_INPUT'
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

export const erfc = defined('erfc', d.erfc);
export const twoSidedNormalP = defined('twoSidedNormalP', d.twoSidedNormalP);
export const chiSquareUpperTail = defined('chiSquareUpperTail', d.chiSquareUpperTail);
export const studentTUpperTail = defined('studentTUpperTail', d.studentTUpperTail);
export const twoSidedStudentP = defined('twoSidedStudentP', d.twoSidedStudentP);
export const studentTQuantile = defined('studentTQuantile', d.studentTQuantile);
export const fUpperTail = defined('fUpperTail', d.fUpperTail);
export const regularizedBeta = defined('regularizedBeta', d.regularizedBeta);
export const logBeta = defined('logBeta', d.logBeta);
export const regularizedGammaQ = defined('regularizedGammaQ', d.regularizedGammaQ);
export const normalQuantile = d.normalQuantile;
