/**
 * The sample workbook's sheets as cells: values, and formulas with the results kernel-lib gives
 * for them (computed here through the add-in's own adapters, so the workbook opens with the
 * numbers even before the add-in is loaded, and Excel recomputes the same ones once it is).
 * Laid out like the chapter's tables: the customer file with normalised columns, the training
 * and validation customers with their scores, the model, the metrics at a = 0.8 and a revenue
 * simulation. make-workbook.mjs writes it with exceljs; test/excel/sample-workbook.test.ts reads it back.
 */
import { seededUniform, trainValidationSplit, type Row } from '@cbm-kit/kernel-lib';
import { BANKCARD_SEED, bankCardCustomers } from '@cbm-kit/kernel-lib/datasets';
import * as A from '../src/functions/adapters';

export type CellValue = string | number | boolean | null;
/** A formula cell: the formula (without '='), its result, and for a spilled result the block it fills. */
export interface FormulaCell {
  formula: string;
  result: CellValue;
  /** Spill block of an array formula, e.g. 'G2:G101', whose other cells hold `block`. */
  ref?: string;
  block?: CellValue[][];
}
export interface SheetContent {
  name: string;
  cells: Record<string, CellValue | FormulaCell>;
  widths?: Record<string, number>;
  /** Number formats by range ('G2:G101': '0.000'), so the sheet reads like the chapter's tables rather than 0.8333333333. */
  formats?: Record<string, string>;
}

/**
 * A formula as Excel saves it in the file: an add-in's custom function `CBM.SCORE(` is written
 * `_xldudf_CBM_SCORE(` (the namespace's dot becomes an underscore behind the `_xldudf_` prefix,
 * OfficeDev/Excel-Custom-Functions#108, office-js#5611); Excel shows it as `CBM.SCORE(` again
 * once the add-in is loaded. Built-in functions (MIN, MAX) are saved as typed.
 */
export function savedFormula(formula: string): string {
  return formula.replace(/\bCBM\.([A-Z]+)\(/g, '_xldudf_CBM_$1(');
}

/** Probabilities and rates to three decimals, as the chapter prints them; money without decimals. */
export const NUMBER_FORMATS = { rate: '0.000', money: '#,##0' } as const;

const HEADER = ['id', 'gender', 'age', 'income', 'contacted', 'responded'];
export const FORMULA = 'responded ~ (gender + income + age)^2';
export const THRESHOLD = 0.8;
export const ECONOMICS = { profit: 60, cost: 20 };

export function column(n: number): string {
  let s = '';
  for (n += 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}
const at = (col: number, row: number) => `${column(col)}${row}`;

function putRange(cells: SheetContent['cells'], rows: CellValue[][], col0: number, row1: number): void {
  rows.forEach((r, i) => r.forEach((v, j) => (cells[at(col0 + j, row1 + i)] = v)));
}

function spill(cells: SheetContent['cells'], address: string, formula: string, block: CellValue[][]): void {
  const m = /^([A-Z]+)(\d+)$/.exec(address)!;
  const col0 = m[1].split('').reduce((a, c) => a * 26 + c.charCodeAt(0) - 64, 0) - 1;
  const row1 = Number(m[2]);
  const width = Math.max(...block.map((r) => r.length));
  cells[address] = { formula, result: block[0][0], ref: `${address}:${at(col0 + width - 1, row1 + block.length - 1)}`, block };
}

export function workbookContent(): SheetContent[] {
  const customers = bankCardCustomers({ seed: BANKCARD_SEED });
  const rows: CellValue[][] = customers.map((c) => [c.id, c.gender, c.age, c.income, c.contacted ? 1 : 0, c.responded]);
  const contacted = customers.filter((c) => c.contacted).map((c) => ({ ...c, contacted: 1 }) as Row);
  const { train, validation } = trainValidationSplit(contacted, { seed: BANKCARD_SEED });
  const asRange = (list: readonly Row[]) => [HEADER, ...list.map((r) => HEADER.map((h) => (r[h] === null || r[h] === undefined ? '' : (r[h] as string | number))))];
  const n = customers.length;

  // Customers: raw fields and the normalised columns (the chapter's 0–1 age and income).
  const customerCells: SheetContent['cells'] = {};
  putRange(customerCells, [HEADER, ...rows.map((r) => r.map((v) => (v === null ? null : v)))], 0, 1);
  customerCells.H1 = 'age (0–1)';
  customerCells.I1 = 'income (0–1)';
  const ages = rows.map((r) => [r[2]]);
  const incomes = rows.map((r) => [r[3]]);
  spill(customerCells, 'H2', `CBM.NORMALIZE(C2:C${n + 1})`, A.normalize(ages));
  spill(customerCells, 'I2', `CBM.NORMALIZE(D2:D${n + 1})`, A.normalize(incomes));

  // Model: the preparation (ranges over the whole file, codes) and CBM.FIT on the training customers.
  const ageMin = Math.min(...(ages.flat() as number[]));
  const ageMax = Math.max(...(ages.flat() as number[]));
  const incomeMin = Math.min(...(incomes.flat() as number[]));
  const incomeMax = Math.max(...(incomes.flat() as number[]));
  const trainRange = asRange(train);
  const validationRange = asRange(validation);
  const scale = [
    ['income', incomeMin, incomeMax],
    ['age', ageMin, ageMax],
  ];
  const encode = [
    ['gender', 'M', 1],
    ['gender', 'F', 0],
  ];
  const table = A.fit(trainRange, FORMULA, 'stepwise-free', scale, encode);
  const modelCells: SheetContent['cells'] = {
    A1: 'scale',
    B1: 'min',
    C1: 'max',
    A2: 'income',
    B2: { formula: `MIN(Customers!D2:D${n + 1})`, result: incomeMin },
    C2: { formula: `MAX(Customers!D2:D${n + 1})`, result: incomeMax },
    A3: 'age',
    B3: { formula: `MIN(Customers!C2:C${n + 1})`, result: ageMin },
    C3: { formula: `MAX(Customers!C2:C${n + 1})`, result: ageMax },
    A5: 'encode',
    B5: 'level',
    C5: 'code',
    A6: 'gender',
    B6: 'M',
    C6: 1,
    A7: 'gender',
    B7: 'F',
    C7: 0,
    A9: `Model: CBM.FIT on the 100 training customers, backward stepwise by AIC letting any term go (as the book)`,
  };
  spill(modelCells, 'A10', `CBM.FIT(Training!A1:F${trainRange.length},"${FORMULA}","stepwise-free",A2:C3,A6:C7)`, table);
  const modelRange = `Model!${(modelCells.A10 as FormulaCell).ref!}`;

  // Training and validation customers with their scores P.
  const scored = (range: CellValue[][]) => {
    const cells: SheetContent['cells'] = {};
    putRange(cells, range, 0, 1);
    cells.G1 = 'P';
    spill(cells, 'G2', `CBM.SCORE(${modelRange},A1:F${range.length})`, A.score(table, range));
    return cells;
  };
  const trainCells = scored(trainRange);
  const validationCells = scored(validationRange);

  // Metrics at a = 0.8, as the chapter's table: training and validation side by side.
  const metricCells: SheetContent['cells'] = {
    A1: 'threshold a',
    B1: THRESHOLD,
    A2: 'profit per responder B',
    B2: ECONOMICS.profit,
    A3: 'cost per contact F',
    B3: ECONOMICS.cost,
    A5: 'metric',
    B5: 'training',
    C5: 'validation',
  };
  const parts = [
    { col: 1, sheet: 'Training', range: trainRange },
    { col: 2, sheet: 'Validation', range: validationRange },
  ];
  const metrics: [string, string, (p: unknown[][], y: unknown[][]) => CellValue][] = [
    ['hit rate', 'CBM.HITRATE(%P,%Y,$B$1)', (p, y) => A.hitRate(p, y, THRESHOLD)],
    ['response rate', 'CBM.RESPRATE(%P,%Y,$B$1)', (p, y) => A.responseRate(p, y, THRESHOLD)],
    ['lift', 'CBM.LIFT(%P,%Y,$B$1)', (p, y) => A.lift(p, y, THRESHOLD)],
    ['ROI', 'CBM.ROI(%P,%Y,$B$1,$B$2,$B$3)', (p, y) => A.roi(p, y, THRESHOLD, ECONOMICS.profit, ECONOMICS.cost)],
  ];
  for (const part of parts) {
    const last = part.range.length;
    const P = `${part.sheet}!G2:G${last}`;
    const Y = `${part.sheet}!F2:F${last}`;
    const p = A.score(table, part.range);
    const y = part.range.slice(1).map((r) => [r[5]]);
    metrics.forEach(([label, formula, compute], k) => {
      metricCells[at(0, 6 + k)] = label;
      metricCells[at(part.col, 6 + k)] = { formula: formula.replace('%P', P).replace('%Y', Y), result: compute(p, y) };
    });
    // The confusion table with its labels: rows selected (P > a) / not selected, columns responded / did not.
    const c0 = part.col === 1 ? 1 : 4;
    metricCells[at(c0 - 1, 11)] = part.sheet.toLowerCase();
    metricCells[at(c0, 11)] = 'responded';
    metricCells[at(c0 + 1, 11)] = 'did not';
    metricCells[at(c0 - 1, 12)] = part.col === 1 ? 'selected (P > a)' : 'selected';
    metricCells[at(c0 - 1, 13)] = 'not selected';
    spill(metricCells, at(c0, 12), `CBM.CONFUSION(${P},${Y},$B$1)`, A.confusionTable(p, y, THRESHOLD));
  }
  metricCells.A10 = 'confusion at a: training in B–C, validation in E–F';
  metricCells.A15 = 'gains by decile (training)';
  const trainP = A.score(table, trainRange);
  const trainY = trainRange.slice(1).map((r) => [r[5]]);
  spill(metricCells, 'A16', `CBM.GAINS(Training!G2:G${trainRange.length},Training!F2:F${trainRange.length})`, A.gains(trainP, trainY));

  // Simulation: a portfolio (the customers, revenue = income / 10, churn 5–35 % drawn with seed 2026) and CBM.SIMREVENUE.
  const u = seededUniform(BANKCARD_SEED);
  const churn = customers.map(() => [Math.round((0.05 + 0.3 * u()) * 1000) / 1000]);
  const revenue = customers.map((c) => [c.income / 10]);
  const simCells: SheetContent['cells'] = { A1: 'id', B1: 'churn probability', C1: 'revenue', E1: 'simulations', F1: 10000, E2: 'seed', F2: 2026 };
  putRange(
    simCells,
    customers.map((c, i) => [c.id, churn[i][0], revenue[i][0]]),
    0,
    2,
  );
  spill(simCells, 'E4', `CBM.SIMREVENUE(B2:B${n + 1},C2:C${n + 1},F1,F2)`, A.simRevenue(churn, revenue, 10000, 2026));
  spill(simCells, 'E20', `CBM.SIMREVENUE(B2:B${n + 1},C2:C${n + 1},F1,F2,"histogram")`, A.simRevenue(churn, revenue, 10000, 2026, 'histogram'));
  const { rate, money } = NUMBER_FORMATS;
  const gainsEnd = 16 + 10;
  return [
    { name: 'Customers', cells: customerCells, widths: { H: 12, I: 12 }, formats: { [`D2:D${n + 1}`]: money, [`H2:I${n + 1}`]: rate } },
    { name: 'Training', cells: trainCells, formats: { [`D2:D${trainRange.length}`]: money, [`G2:G${trainRange.length}`]: rate } },
    { name: 'Validation', cells: validationCells, formats: { [`D2:D${validationRange.length}`]: money, [`G2:G${validationRange.length}`]: rate } },
    { name: 'Model', cells: modelCells, widths: { A: 16, B: 14 }, formats: { 'B2:C2': money } },
    {
      name: 'Metrics',
      cells: metricCells,
      widths: { A: 28, B: 12, C: 12 },
      formats: { 'B6:C9': rate, [`D17:J${gainsEnd}`]: rate },
    },
    { name: 'Simulation', cells: simCells, widths: { B: 16, E: 28, F: 14 }, formats: { [`B2:B${n + 1}`]: rate, [`C2:C${n + 1}`]: money, 'F8:F13': money, 'F16:F17': rate } },
  ];
}
