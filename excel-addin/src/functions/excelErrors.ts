import { CbmError, type CbmErrorCode } from '@cbm-kit/kernel-lib';

/**
 * The Excel error value each failure shows as. Microsoft's CustomFunctions.ErrorCode reference:
 * only #VALUE! and #N/A carry a custom message; for #NUM!, #DIV/0!, #NULL! and the rest "a custom
 * error message can't be used", so Excel would drop it. Every failure here has a message, hence:
 * - #N/A: something named is not there (a column the data lacks), or a figure is not available for
 *   this input (lift when nobody is selected), or a calculation Excel cancelled;
 * - #VALUE!: everything else, including numbers that allow no answer (separation, a singular
 *   design, an infeasible constraint, a threshold outside (0, 1), too many simulations).
 */
export type ExcelErrorCode = '#VALUE!' | '#N/A';

export const EXCEL_ERROR_OF: Readonly<Record<CbmErrorCode, ExcelErrorCode>> = Object.freeze({
  BAD_INPUT: '#VALUE!',
  UNKNOWN_COLUMN: '#N/A',
  NON_FINITE: '#VALUE!',
  FORMULA_SYNTAX: '#VALUE!',
  CONSTANT_RESPONSE: '#VALUE!',
  SINGULAR: '#VALUE!',
  SEPARATION: '#VALUE!',
  NOT_CONVERGED: '#VALUE!',
  BAD_MODEL_JSON: '#VALUE!',
  INFEASIBLE: '#VALUE!',
  TOO_LARGE: '#VALUE!',
  SQL_ERROR: '#VALUE!',
  MISSING_DEPENDENCY: '#VALUE!',
});

/** A failure of an add-in function: the Excel code and the message (in the sheet's words) Excel shows beside it. */
export class ExcelFailure extends Error {
  readonly excelCode: ExcelErrorCode;
  constructor(excelCode: ExcelErrorCode, message: string) {
    super(message);
    this.name = 'ExcelFailure';
    this.excelCode = excelCode;
    Object.setPrototypeOf(this, ExcelFailure.prototype);
  }
}

/** A #N/A failure for a figure that is not available for this input (e.g. lift with nobody selected). */
export function notAvailable(message: string): ExcelFailure {
  return new ExcelFailure('#N/A', message);
}

/** A #VALUE! failure: an argument Excel passed that the function cannot use (the message says which and why). */
export function badValue(message: string): ExcelFailure {
  return new ExcelFailure('#VALUE!', message);
}

/** Excel shows at most this many characters of a custom error message; longer ones are cut with an ellipsis. */
export const MAX_MESSAGE_LENGTH = 255;

/** kernel-lib's CbmError, recognised by name and code as well as by class (another copy of the library may have thrown it). */
function asCbmError(error: unknown): CbmError | null {
  if (error instanceof CbmError) return error;
  if (error instanceof Error && error.name === 'CbmError' && typeof (error as CbmError).code === 'string') return error as CbmError;
  return null;
}

const quoted = (names: readonly unknown[], limit = 3) =>
  names
    .slice(0, limit)
    .map((n) => `'${String(n)}'`)
    .join(', ') + (names.length > limit ? ` and ${names.length - limit} more` : '');

/**
 * The text of a kernel-lib message after its leading context ('fitLogit: ', 'minMaxScaler.transform: '):
 * the sheet has no such functions. Used only where no sentence below covers the code and details.
 */
export function withoutContext(message: string): string {
  return message.replace(/^(?:[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*(?:\(\))?: )+/, '');
}

/** "row 51 of the data range (counting the header)": a kernel-lib data row (0 = the first row below the header) as the sheet counts it. */
export function dataRangeRow(row: number): string {
  return `row ${row + 2} of the data range (counting the header)`;
}

/**
 * A CbmError in the sheet's words, from its code and details: what is wrong, where, what to do.
 * The kernel's message (written for a programmer, naming functions and counting rows from 0) is
 * used, without its context, only where the details do not say enough.
 */
export function sheetMessage(error: CbmError): string {
  const d = (error.details ?? {}) as Record<string, unknown>;
  const column = typeof d.column === 'string' ? d.column : typeof d.name === 'string' ? d.name : null;
  const row = typeof d.row === 'number' && Number.isInteger(d.row) ? d.row : null;
  const rest = () => withoutContext(error.message).replace(/ (?:in|at) row \d+\b/, '');
  switch (error.code) {
    case 'UNKNOWN_COLUMN':
      if (column)
        return `the data has no column '${column}'${Array.isArray(d.available) ? ` (its header row names ${quoted(d.available, 8)})` : ''}; the header row must name every column the formula or the model uses`;
      break;
    case 'NON_FINITE':
      if (column && row !== null) return `column '${column}' is blank or not a number in ${dataRangeRow(row)}; fill it in or leave that customer out`;
      break;
    case 'CONSTANT_RESPONSE':
      if (column) return `every customer has the same '${column}', so there is nothing to model; the data needs customers with both outcomes`;
      break;
    case 'SEPARATION': {
      const terms = Array.isArray(d.terms) ? d.terms.filter((t) => t !== '(Intercept)') : [];
      if (terms.length)
        return `${quoted(terms)} split${terms.length === 1 ? 's' : ''} responders from non-responders (almost) perfectly, so the coefficients have no finite value; remove or merge that term, or use more data`;
      return 'a term splits responders from non-responders (almost) perfectly, so the coefficients have no finite value; remove or merge that term, or use more data';
    }
    case 'SINGULAR':
      if (Array.isArray(d.aliased) && d.aliased.length)
        return `${quoted(d.aliased)} carr${d.aliased.length === 1 ? 'ies' : 'y'} no information beyond the other terms (collinear); remove ${d.aliased.length === 1 ? 'it' : 'them'} from the formula`;
      if (typeof d.parameters === 'number' && typeof d.rows === 'number')
        return `${d.rows} customers cannot estimate ${d.parameters} coefficients; use fewer terms or more customers`;
      if (column && typeof d.levels === 'number') return `column '${column}' has ${d.levels} different values (an identifier?), too many to estimate; leave it out of the formula`;
      if (column) return `column '${column}' has one value only in the data, so its effect cannot be estimated; leave it out of the formula`;
      break;
    case 'NOT_CONVERGED':
      return `the fit did not settle${typeof d.iterations === 'number' ? ` in ${d.iterations} iterations` : ''}; scale the numeric columns (the scale argument) or use fewer terms`;
    case 'INFEASIBLE':
      if (typeof d.constraint === 'string' && typeof d.limit === 'number')
        return `no price change between the bounds meets the cap on ${d.constraint} (limit ${d.limit}${typeof d.bestValue === 'number' ? `, best reachable ${roundForText(d.bestValue)}` : ''}); widen the bounds or loosen the cap`;
      if (Array.isArray(d.constraints)) return `the caps on ${quoted(d.constraints)} can each be met between the bounds but not together; loosen one of them`;
      break;
    case 'FORMULA_SYNTAX':
      // The kernel's message draws a caret under the formula on further lines; a cell's message has one line.
      return `the formula cannot be read: ${rest().split('\n')[0]}`;
    case 'BAD_MODEL_JSON':
      return `the model cannot be read: ${withoutContext(rest()).replace(/^model table: /, 'model table: ')}`;
    default:
      break;
  }
  const where = column && row !== null ? `column '${column}', ${dataRangeRow(row)}: ` : row !== null ? `${dataRangeRow(row)}: ` : '';
  return where + rest();
}

function roundForText(x: number): string {
  return Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3);
}

/**
 * Any thrown value as { code, message } for Excel, the message prefixed with the function
 * ('CBM.FIT: '): an ExcelFailure keeps its words, a CbmError is put in the sheet's words
 * (sheetMessage), anything unexpected becomes #VALUE! with its message, never a plain exception
 * that would leave the cell at #VALUE! without a word.
 */
export function describeFailure(functionName: string, error: unknown): { code: ExcelErrorCode; message: string } {
  let code: ExcelErrorCode = '#VALUE!';
  let message: string;
  const cbm = asCbmError(error);
  if (error instanceof ExcelFailure) {
    code = error.excelCode;
    message = error.message;
  } else if (cbm) {
    code = EXCEL_ERROR_OF[cbm.code] ?? '#VALUE!';
    message = sheetMessage(cbm);
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
