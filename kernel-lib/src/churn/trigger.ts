import { CbmError, check } from '../errors';
import { checkOptionSchema } from '../options';
import { toTable, type Cell, type DataInput, type Table } from '../data/table';
import { churnModelTable, type ChurnDefinition, type ChurnFeature } from './modelTable';

/** Options of {@link triggeredChurnTable}: the triggers and horizon, plus churnModelTable's options that apply at each trigger date. */
export interface TriggeredChurnOptions {
  /** One row per customer hit by a known churn trigger: customer_id and the trigger date 'YYYY-MM-DD'. */
  triggers: DataInput | Table;
  /** The short outcome window in days (default 21: three weeks). */
  horizon?: number;
  /** What counts as churn (default `{ kind: 'cancellation' }`), as in churnModelTable. */
  definition?: ChurnDefinition;
  /** Customers (customer_id, optional signup_date, attributes), as in churnModelTable. */
  customers?: DataInput | Table;
  /** Columns of `customers` copied into the table. */
  attributes?: readonly string[];
  /** Which features to compute (default all of CHURN_FEATURES). */
  features?: readonly ChurnFeature[];
  /** Days of the recent window of the window features (default 90). */
  windowDays?: number;
  /** The last day the data covers, 'YYYY-MM-DD' (default the last event date). */
  dataEnd?: string;
}

/**
 * The modelling table of an event-conditioned short-horizon churn model: for each customer hit
 * by a known trigger (a price rise, a complaint, a competitor's offer) the features at the trigger
 * date and whether they churned within `horizon` days (default 21) — `churnModelTable` evaluated
 * at each trigger date on the triggered customers only, stacked, with a `trigger_date` column.
 * Triggered customers who were no longer active at their trigger date are left out.
 *
 * @example
 * triggeredChurnTable(
 *   [{ customer_id: 1, date: '2025-01-05', type: 'purchase', amount: 10 }, { customer_id: 1, date: '2025-02-10', type: 'cancellation', amount: 0 },
 *    { customer_id: 2, date: '2025-01-09', type: 'purchase', amount: 12 }, { customer_id: 2, date: '2025-06-30', type: 'purchase', amount: 12 }],
 *   { triggers: [{ customer_id: 1, date: '2025-02-01' }, { customer_id: 2, date: '2025-02-01' }] }).columns.churn_21 // [1, 0]
 */
export function triggeredChurnTable(events: DataInput | Table, options: TriggeredChurnOptions): { columns: Record<string, Cell[]>; nRows: number; horizon: number } {
  const context = 'triggeredChurnTable';
  // The churn options are checked where churnModelTable reads them; here, the names and the triggers.
  checkOptionSchema(options, context, {
    triggers: { kind: 'any', required: true, example: "[{ customer_id: 1, date: '2025-02-01' }]" },
    horizon: { kind: 'number', integer: true, min: 1 },
    definition: { kind: 'any' },
    customers: { kind: 'any' },
    attributes: { kind: 'names' },
    features: { kind: 'list' },
    windowDays: { kind: 'number', integer: true, min: 1 },
    dataEnd: { kind: 'any' },
  });
  const horizon = options.horizon ?? 21;
  const triggers = toTable(options.triggers, `${context} (triggers)`);
  for (const c of ['customer_id', 'date']) if (!triggers.has(c)) throw new CbmError('UNKNOWN_COLUMN', `${context}: triggers need a '${c}' column`, { column: c });
  const byDate = new Map<string, Set<Cell>>();
  const ids = triggers.cells('customer_id');
  const dates = triggers.cells('date');
  for (let i = 0; i < triggers.nRows; i++) {
    const d = dates[i];
    check(typeof d === 'string', `${context}: triggers row ${i} date must be 'YYYY-MM-DD'`);
    if (!byDate.has(d)) byDate.set(d, new Set());
    byDate.get(d)!.add(ids[i]);
  }
  check(byDate.size > 0, `${context}: there are no triggers`);
  let columns: Record<string, Cell[]> | null = null;
  for (const date of [...byDate.keys()].sort()) {
    const table = churnModelTable(events, {
      scoringDate: date,
      definition: options.definition ?? { kind: 'cancellation' },
      horizons: [horizon],
      ...(options.customers !== undefined ? { customers: options.customers } : {}),
      ...(options.attributes !== undefined ? { attributes: options.attributes } : {}),
      ...(options.features !== undefined ? { features: options.features } : {}),
      ...(options.windowDays !== undefined ? { windowDays: options.windowDays } : {}),
      ...(options.dataEnd !== undefined ? { dataEnd: options.dataEnd } : {}),
    });
    if (columns === null) {
      columns = Object.create(null) as Record<string, Cell[]>;
      for (const name of ['trigger_date', ...table.names]) columns[name] = [];
    }
    const hit = byDate.get(date)!;
    const cid = table.columns.customer_id;
    for (let i = 0; i < table.nRows; i++) {
      if (!hit.has(cid[i])) continue;
      columns.trigger_date.push(date);
      for (const name of table.names) columns[name].push(table.columns[name][i]);
    }
  }
  const out = columns!;
  // Sorted by trigger date, then customer_id within a date.
  return { columns: out, nRows: out.trigger_date.length, horizon };
}
