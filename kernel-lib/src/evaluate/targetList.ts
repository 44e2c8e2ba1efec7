import { check } from '../errors';
import { checkOptionSchema } from '../options';
import { selectRows, toTable, type Cell, type DataInput, type Row, type Table } from '../data/table';
import { readOutcome } from '../data/outcome';
import { rankScores } from './metrics';

/** Options of {@link targetList}: the score threshold, the response column and a length limit. */
export interface TargetListOptions {
  /** Select customers with P > threshold; default 0.8 (the book's a). */
  threshold?: number;
  /** Column telling who responded to the last promotion, default 'responded' (1/0, true/false, or two text values). */
  respondedColumn?: string;
  /** Keep at most this many customers (the best-ranked). */
  limit?: number;
}

/** A customer on the target list: the customer's own fields plus rank and score. */
export type TargetRow = Row & { rank: number; score: number };

/**
 * The final target list: customers who did not respond to the last promotion (not contacted,
 * or contacted without responding), with P > a, ranked by P (highest first; ties in original
 * row order), each with their rank and score.
 *
 * @example
 * const customers = bankCardCustomers();
 * const model = fitLogit(customers.filter((c) => c.contacted), 'responded ~ gender + age');
 * targetList(customers, model.predict(customers), { threshold: 0.8 }).slice(0, 3)
 */
export function targetList(customers: DataInput | Table, scores: ArrayLike<number>, options: TargetListOptions = {}): TargetRow[] {
  checkOptionSchema(options, 'targetList', {
    threshold: { kind: 'number', example: '0.8' },
    respondedColumn: { kind: 'text' },
    limit: { kind: 'number', integer: true, min: 0 },
  });
  const table = toTable(customers, 'targetList');
  check(scores != null && scores.length === table.nRows, `targetList: ${scores?.length ?? 0} scores for ${table.nRows} customers; score every customer (model.predict(customers))`);
  const threshold = options.threshold ?? 0.8;
  const respondedColumn = options.respondedColumn ?? 'responded';
  const responded = respondedFlags(table.cells(respondedColumn), respondedColumn);
  for (const added of ['rank', 'score']) {
    check(!table.has(added), `targetList: the customers already have a column '${added}'; rename it, since the target list adds its own rank and score`);
  }
  const chosen: number[] = [];
  for (const i of rankScores(scores, 'targetList')) {
    check(Number.isFinite(scores[i]), `targetList: score ${i} is ${scores[i]}; every score must be a finite number`);
    if (!responded[i] && scores[i] > threshold) chosen.push(i);
  }
  const kept = options.limit !== undefined ? chosen.slice(0, options.limit) : chosen;
  return selectRows(table, kept).map((row, k) => ({ rank: k + 1, ...row, score: scores[kept[k]] }));
}

/**
 * Who responded to the last promotion, by readOutcome's rules (1/0, true/false, yes/no in any
 * case); empty or missing means not contacted, read as "did not respond".
 */
function respondedFlags(cells: ArrayLike<unknown>, column: string): Float64Array {
  return readOutcome(cells as ArrayLike<Cell>, column, 'targetList', { missingAsZero: true });
}
