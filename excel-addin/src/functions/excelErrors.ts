import { CbmError, type CbmErrorCode } from '../../../kernel-lib/src/index';

/**
 * The Excel error value each kind of kernel-lib failure shows as. Excel lets a custom function
 * attach its own message only to #VALUE!, #N/A and #NUM!, so every failure maps to one of those:
 * - #VALUE!: the input is of the wrong kind or shape (text in a numeric range, a malformed model,
 *   ranges of different lengths, a formula that does not parse);
 * - #N/A: something named is not there (a column the data lacks), or a figure is undefined for
 *   this input (lift when nobody is selected);
 * - #NUM!: the input is well-formed but the numbers do not allow an answer (separation, a singular
 *   design, no convergence, an infeasible constraint, a threshold outside (0, 1), too many simulations).
 */
export type ExcelErrorCode = '#VALUE!' | '#N/A' | '#NUM!';

export const EXCEL_ERROR_OF: Readonly<Record<CbmErrorCode, ExcelErrorCode>> = Object.freeze({
  BAD_INPUT: '#VALUE!',
  UNKNOWN_COLUMN: '#N/A',
  NON_FINITE: '#VALUE!',
  FORMULA_SYNTAX: '#VALUE!',
  CONSTANT_RESPONSE: '#NUM!',
  SINGULAR: '#NUM!',
  SEPARATION: '#NUM!',
  NOT_CONVERGED: '#NUM!',
  BAD_MODEL_JSON: '#VALUE!',
  INFEASIBLE: '#NUM!',
  TOO_LARGE: '#NUM!',
  SQL_ERROR: '#VALUE!',
  MISSING_DEPENDENCY: '#VALUE!',
});

/** A failure of an add-in function: the Excel code and the message Excel shows beside it. */
export class ExcelFailure extends Error {
  readonly excelCode: ExcelErrorCode;
  constructor(excelCode: ExcelErrorCode, message: string) {
    super(message);
    this.name = 'ExcelFailure';
    this.excelCode = excelCode;
    Object.setPrototypeOf(this, ExcelFailure.prototype);
  }
}

/** A #N/A failure for a figure that is undefined for this input (e.g. lift with nobody selected). */
export function notAvailable(message: string): ExcelFailure {
  return new ExcelFailure('#N/A', message);
}

/** A #NUM! failure for a number outside its allowed range. */
export function badNumber(message: string): ExcelFailure {
  return new ExcelFailure('#NUM!', message);
}

/** Excel shows at most this many characters of a custom error message; longer ones are cut with an ellipsis. */
export const MAX_MESSAGE_LENGTH = 255;

/**
 * Any thrown value as { code, message } for Excel. CbmErrors keep their text (prefixed with the
 * Excel function's name, unless it already names a function) and name a data row the way a
 * sheet user counts it; anything unexpected becomes #VALUE! with its message, never a plain
 * exception that would leave the cell at #VALUE! without a word.
 */
export function describeFailure(functionName: string, error: unknown): { code: ExcelErrorCode; message: string } {
  let code: ExcelErrorCode = '#VALUE!';
  let message: string;
  if (error instanceof ExcelFailure) {
    code = error.excelCode;
    message = error.message;
  } else if (error instanceof CbmError) {
    code = EXCEL_ERROR_OF[error.code] ?? '#VALUE!';
    message = error.message;
    const row = error.details?.row;
    // kernel-lib counts data rows from 0; a sheet user counts them from 1 below the header.
    if (typeof row === 'number' && !/data row \d+/.test(message)) message += ` (data row ${row + 1} of the range, counting from 1)`;
  } else if (error instanceof Error) {
    message = `unexpected error: ${error.message}`;
  } else {
    message = `unexpected error: ${String(error)}`;
  }
  const prefix = `CBM.${functionName}: `;
  if (!message.startsWith(prefix)) message = prefix + message;
  if (message.length > MAX_MESSAGE_LENGTH) message = message.slice(0, MAX_MESSAGE_LENGTH - 1) + '…';
  return { code, message };
}
