import { CbmError, check, describeValue } from '../errors';
import { checkOptionSchema } from '../options';
import { unsupportedCell } from '../data/cells';
import { selectRows, toTable, type DataInput, type Row, type Table } from '../data/table';
import { seededUniform, shuffledIndices } from '../random';

/**
 * A seeded simple random sample of `size` rows without replacement, in original row order
 * (the book's 150 customers drawn from 1,000 for the market test).
 *
 * @example
 * const customers = bankCardCustomers();
 * sampleRows(customers, 150, { seed: 7 }).length // 150
 */
export function sampleRows(data: DataInput | Table, size: number, options: { seed: number | string }): Row[] {
  checkOptionSchema(options, 'sampleRows', { seed: { kind: 'seed', required: true, example: '7' } });
  const table = toTable(data, 'sampleRows');
  check(Number.isInteger(size) && size >= 0 && size <= table.nRows, `sampleRows: size must be a whole number from 0 to ${table.nRows}, got ${describeValue(size)}`);
  const order = shuffledIndices(table.nRows, seededUniform(options.seed));
  return selectRows(table, order.slice(0, size).sort());
}

/** Options of {@link trainValidationSplit}: the seed, the proportions and an optional stratifying column. */
export interface SplitOptions {
  /** Random seed; the same seed gives the same split everywhere. */
  seed: number | string;
  /** Training : validation proportions, default [2, 1] (the book); [80, 20] is the large-data rule. */
  ratio?: readonly [number, number];
  /** Split within each value of this column so both parts keep its proportions (e.g. 'responded'). */
  stratify?: string;
}

/** The two parts of a {@link trainValidationSplit}, each in original row order, with the row numbers they came from. */
export interface Split {
  /** The rows to fit on. */
  train: Row[];
  /** The held-out rows to evaluate on (lift, AUC, confusion at a threshold). */
  validation: Row[];
  /** 0-based positions of the training rows in the input, ascending. */
  trainIndices: number[];
  /** 0-based positions of the validation rows in the input, ascending. */
  validationIndices: number[];
}

/**
 * Splits rows at random into training and validation parts, 2:1 by default (100 + 50 of the
 * 150 contacted customers). Both parts keep the original row order, so the split is easy to
 * audit; with `stratify` each value of that column is split separately.
 *
 * @example
 * const contacted = bankCardCustomers().filter((c) => c.contacted);
 * const { train, validation } = trainValidationSplit(contacted, { seed: 1 }); // 100 and 50 rows
 */
export function trainValidationSplit(data: DataInput | Table, options: SplitOptions): Split {
  checkOptionSchema(options, 'trainValidationSplit', {
    seed: { kind: 'seed', required: true, example: '1' },
    ratio: { kind: 'any' },
    stratify: { kind: 'text', example: "'responded'" },
  });
  const table = toTable(data, 'trainValidationSplit');
  const ratio: unknown = options.ratio ?? [2, 1];
  check(Array.isArray(ratio) && ratio.length === 2, `trainValidationSplit: ratio must be two positive numbers like [2, 1], got ${describeValue(ratio)}`);
  const [trainPart, validationPart] = ratio as [number, number];
  check(
    Number.isFinite(trainPart) && Number.isFinite(validationPart) && trainPart > 0 && validationPart > 0,
    `trainValidationSplit: ratio must be two positive numbers like [2, 1], got [${describeValue(trainPart)}, ${describeValue(validationPart)}]`,
  );
  check(table.nRows >= 2, `trainValidationSplit: need at least 2 rows, got ${table.nRows}`);
  const share = trainPart / (trainPart + validationPart);
  const uniform = seededUniform(options.seed);
  const groups = new Map<string, number[]>();
  if (options.stratify !== undefined) {
    const cells = table.cells(options.stratify);
    for (let i = 0; i < table.nRows; i++) {
      const unsupported = unsupportedCell(cells[i], ` in row ${i}`);
      if (unsupported) throw new CbmError('BAD_INPUT', `trainValidationSplit: the stratify column '${options.stratify}' has ${unsupported}`, { column: options.stratify, row: i });
      const key = String(cells[i]);
      const members = groups.get(key);
      if (members) members.push(i);
      else groups.set(key, [i]);
    }
  } else {
    groups.set(
      '',
      Array.from({ length: table.nRows }, (_, i) => i),
    );
  }
  const trainIndices: number[] = [];
  const validationIndices: number[] = [];
  // Groups in sorted key order so the draw does not depend on which value appears first.
  for (const key of [...groups.keys()].sort()) {
    const members = groups.get(key)!;
    const order = shuffledIndices(members.length, uniform);
    const trainCount = Math.round(members.length * share);
    for (let k = 0; k < members.length; k++) (k < trainCount ? trainIndices : validationIndices).push(members[order[k]]);
  }
  // A part left empty would fail far from here (a fit on no rows, metrics of nothing): say why now.
  for (const [part, indices] of [
    ['validation', validationIndices],
    ['training', trainIndices],
  ] as const) {
    if (indices.length > 0) continue;
    const why =
      options.stratify !== undefined
        ? `stratifying on '${options.stratify}' splits ${table.nRows} rows into ${groups.size} groups, too small to give each part a row; stratify on a column with few values (e.g. the response)`
        : `the ratio [${trainPart}, ${validationPart}] gives it none of the ${table.nRows} rows; use proportions like [2, 1]`;
    throw new CbmError('BAD_INPUT', `trainValidationSplit: the ${part} part would be empty: ${why}`, { part });
  }
  trainIndices.sort((a, b) => a - b);
  validationIndices.sort((a, b) => a - b);
  return { train: selectRows(table, trainIndices), validation: selectRows(table, validationIndices), trainIndices, validationIndices };
}
