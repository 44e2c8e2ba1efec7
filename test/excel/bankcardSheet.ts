// The bank-card walk-through (notebooks/01-bankcard-scoring.ipynb) as spreadsheet ranges: the
// customer file as rows of cells with a header, the 100 training and 50 validation customers
// of the notebook's seeded split, and the scaling ranges learned over the whole file.
import fs from 'node:fs';
import path from 'node:path';
import { toRows, trainValidationSplit, type Row } from '../../kernel-lib/src/index';
import { parseBankCardCsv, BANKCARD_SEED } from '../../kernel-lib/src/datasets';

export const HEADER = ['id', 'gender', 'age', 'income', 'contacted', 'responded'];
export const csvPath = path.resolve(__dirname, '../../kernel-lib/data/bankcard.csv');

export function bankCardSheet() {
  const customers = parseBankCardCsv(fs.readFileSync(csvPath, 'utf8'));
  // As the notebook: rows with contacted 1/0 and responded null when not contacted.
  const rows: Row[] = customers.map((c) => ({ id: c.id, gender: c.gender, age: c.age, income: c.income, contacted: c.contacted ? 1 : 0, responded: c.responded }));
  const contacted = rows.filter((r) => Boolean(r.contacted));
  const { train, validation } = trainValidationSplit(contacted, { seed: BANKCARD_SEED });
  const toRange = (list: readonly Row[]) => [HEADER, ...list.map((r) => HEADER.map((h) => (r[h] === null ? '' : r[h])))];
  const ages = rows.map((r) => r.age as number);
  const incomes = rows.map((r) => r.income as number);
  return {
    rows,
    train: toRows(train),
    validation: toRows(validation),
    all: toRange(rows),
    trainRange: toRange(train),
    validationRange: toRange(validation),
    /** scale rows: column | min | max over the whole customer file (as the notebook's fitPreparation). */
    scaleRanges: [
      ['income', Math.min(...incomes), Math.max(...incomes)],
      ['age', Math.min(...ages), Math.max(...ages)],
    ],
    encode: 'gender: M=1, F=0',
    formula: 'responded ~ (gender + income + age)^2',
  };
}
