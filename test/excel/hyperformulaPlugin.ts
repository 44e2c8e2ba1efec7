// The CBM functions registered in HyperFormula, a real spreadsheet engine: each is the very
// adapter the Excel bundle wraps (excel-addin/src/functions/adapters.ts), fed the engine's
// ranges as Excel would feed them (rows of cells, blanks as ''), with failures turned into the
// engine's error values by the add-in's own mapping (describeFailure).
//
// HyperFormula fixes a formula's spill size before evaluating it, from the shapes of its
// arguments; Excel sizes a spill from the result. So SCORE, NORMALIZE, CONFUSION and GAINS
// declare their exact size, and FIT declares a bounding block (FIT_BLOCK) that the engine pads
// with empty cells – CBM.SCORE reads such a block as it reads a selection larger than the table.
import { ArraySize, CellError, EmptyValue, ErrorType, FunctionArgumentType, FunctionPlugin, HyperFormula, SimpleRangeValue } from 'hyperformula';
import * as A from '../../excel-addin/src/functions/adapters';
import { describeFailure } from '../../excel-addin/src/functions/excelErrors';

export const FIT_BLOCK = { width: 40, height: 60 };

const ERROR_TYPE: Record<string, ErrorType> = { '#VALUE!': ErrorType.VALUE, '#N/A': ErrorType.NA, '#NUM!': ErrorType.NUM };

function cell(v: unknown): unknown {
  if (v === EmptyValue || v === undefined || v === null) return '';
  if (v instanceof CellError) throw new Error(`an argument holds the error ${v.type}`);
  if (typeof v === 'object' && v !== null && 'val' in v) return (v as { val: number }).val; // HyperFormula's rich numbers (dates, currency)
  return v;
}

/** An argument as Excel hands it to a custom function: a range as rows of cells, a scalar as itself. */
function excelValue(v: unknown): unknown {
  if (v instanceof SimpleRangeValue) return v.rawData().map((row) => row.map(cell));
  return cell(v);
}

function matrixResult(rows: unknown[][]): SimpleRangeValue {
  return SimpleRangeValue.onlyValues(rows.map((r) => r.map((v) => (v === '' ? EmptyValue : v))) as never);
}

type Adapter = (...args: any[]) => unknown;
const FUNCTIONS: Record<string, { adapter: Adapter; params: number; optional: number; size?: 'fit' | 'score' | 'normalize' | 'confusion' | 'gains' | 'simrevenue' | 'optprice' }> =
  {
    'CBM.FIT': { adapter: A.fit, params: 5, optional: 3, size: 'fit' },
    'CBM.SCORE': { adapter: A.score, params: 2, optional: 0, size: 'score' },
    'CBM.HITRATE': { adapter: A.hitRate, params: 3, optional: 1 },
    'CBM.LIFT': { adapter: A.lift, params: 3, optional: 1 },
    'CBM.RESPRATE': { adapter: A.responseRate, params: 3, optional: 1 },
    'CBM.ROI': { adapter: A.roi, params: 5, optional: 0 },
    'CBM.CONFUSION': { adapter: A.confusionTable, params: 3, optional: 1, size: 'confusion' },
    'CBM.GAINS': { adapter: A.gains, params: 3, optional: 1, size: 'gains' },
    'CBM.NORMALIZE': { adapter: A.normalize, params: 3, optional: 2, size: 'normalize' },
    'CBM.SIMREVENUE': { adapter: A.simRevenue, params: 6, optional: 4, size: 'simrevenue' },
    'CBM.OPTPRICE': { adapter: A.optPrice, params: 8, optional: 5, size: 'optprice' },
  };

const methodOf = (name: string) => name.replace('CBM.', 'cbm_');

class CbmPlugin extends FunctionPlugin {
  static override implementedFunctions: Record<string, any> = Object.fromEntries(
    Object.entries(FUNCTIONS).map(([name, f]) => [
      name,
      {
        method: methodOf(name),
        ...(f.size ? { sizeOfResultArrayMethod: methodOf(name) + '_size' } : {}),
        // ANY keeps ranges as ranges and scalars as scalars, as Excel's any[][] / number parameters receive them.
        parameters: Array.from({ length: f.params }, (_, i) => ({ argumentType: FunctionArgumentType.ANY, ...(i >= f.params - f.optional ? { optionalArg: true } : {}) })),
        vectorizationForbidden: true,
      },
    ]),
  );
}

for (const [name, f] of Object.entries(FUNCTIONS)) {
  (CbmPlugin.prototype as any)[methodOf(name)] = function (this: any, ast: any, state: any) {
    return this.runFunction(ast.args, state, this.metadata(name), (...args: unknown[]) => {
      try {
        const result = f.adapter(...args.map(excelValue));
        return Array.isArray(result) ? matrixResult(result as unknown[][]) : result;
      } catch (e) {
        const { code, message } = describeFailure(name.replace('CBM.', ''), e);
        return new CellError(ERROR_TYPE[code], message);
      }
    });
  };
  if (!f.size) continue;
  (CbmPlugin.prototype as any)[methodOf(name) + '_size'] = function (this: any, ast: any, state: any) {
    const argSize = (i: number) => (ast.args[i] ? this.arraySizeForAst(ast.args[i], state) : ArraySize.scalar());
    switch (f.size) {
      case 'fit':
        return new ArraySize(FIT_BLOCK.width, FIT_BLOCK.height);
      case 'score': {
        const data = argSize(1);
        return new ArraySize(1, Math.max(1, data.height - 1));
      }
      case 'normalize': {
        const values = argSize(0);
        return new ArraySize(values.width, values.height);
      }
      case 'confusion':
        return new ArraySize(2, 2);
      case 'optprice':
        return new ArraySize(3, 7);
      case 'simrevenue': {
        // summary: 14 rows × 2; histogram: 30 bins + header × 4; churners: at most customers + 1 counts + header × 3.
        const output = ast.args[4]?.type === 'STRING' ? String(ast.args[4].value).toLowerCase() : 'summary';
        if (output === 'histogram') return new ArraySize(4, 31);
        if (output === 'churners') return new ArraySize(3, argSize(0).height * argSize(0).width + 2);
        return new ArraySize(2, 14);
      }
      case 'gains': {
        const groups = ast.args[2]?.type === 'NUMBER' ? ast.args[2].value : 10;
        return new ArraySize(A.GAINS_HEADER.length, groups + 1);
      }
    }
  };
}

let registered = false;
/** Registers the CBM functions with HyperFormula (once per process). */
export function registerCbmFunctions(): void {
  if (registered) return;
  const names = Object.fromEntries(Object.keys(FUNCTIONS).map((n) => [n, n]));
  HyperFormula.registerFunctionPlugin(CbmPlugin as never, { enGB: names, enUS: names });
  registered = true;
}
