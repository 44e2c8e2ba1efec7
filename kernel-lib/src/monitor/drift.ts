import { CbmError } from '../errors';
import { checkOptionSchema, type OptionRule, type OptionSchema } from '../options';
import { toTable, type DataInput, type Table } from '../data/table';
import { chiSquareShares } from './chisq';
import { ksTest } from './ks';
import { levelCounts, presentNumbers, psi } from './psi';

/** Where a variable stands after comparing two loads. */
export type DriftStatus = 'ok' | 'warn' | 'drift';

/** Options of {@link driftReport}: the limits that turn a comparison into ok, warn or drift, and columns to skip. */
export interface DriftThresholds {
  /** PSI above which a variable has drifted (default 0.25). */
  psi?: number;
  /** PSI above which a variable gets a warning (default 0.1). */
  psiWarn?: number;
  /** Absolute rise of the missing share that counts as drift (default 0.05). */
  missingShare?: number;
  /** A level new in (or vanished from) the current load with at least this share is drift (default 0.001). */
  levelShare?: number;
  /** KS D above which a numeric variable gets a warning even with a small PSI (default 0.1). */
  ksStatistic?: number;
  /** Text columns with more levels than this are not compared as categories (default 50). */
  maxLevels?: number;
  /** Columns to leave out (ids, dates of the load period). */
  ignore?: readonly string[];
}

/** One variable's comparison between two loads. */
export interface DriftRow {
  variable: string;
  kind: 'numeric' | 'categorical' | 'missing column' | 'new column' | 'type changed' | 'skipped';
  status: DriftStatus;
  psi: number | null;
  /** KS D (numeric) or Pearson X² (categorical). */
  testStatistic: number | null;
  testName: 'KS D' | 'chi-square' | null;
  pValue: number | null;
  missingPrevious: number | null;
  missingCurrent: number | null;
  /** Mean (numeric) in each load; null for categories. */
  meanPrevious: number | null;
  meanCurrent: number | null;
  /** The threshold that decided the status (null when ok). */
  threshold: number | null;
  /** A plain sentence for the report, e.g. "monthly_charges: PSI 0.31 > 0.25 — distribution shifted; check the load". */
  sentence: string;
}

/** What {@link driftReport} finds: one row per variable, the flagged ones, an overall status and a plain summary. */
export interface DriftReport {
  /** Every variable not ignored: the previous load's columns in order, then those new in the current load. */
  rows: DriftRow[];
  /** The rows whose status is not ok, worst first. */
  flagged: DriftRow[];
  /** 'drift' when any variable drifted, 'warn' when any warns, else 'ok'. */
  status: DriftStatus;
  /** One line per flagged variable, or one line saying the load looks stable. */
  summary: string;
  /** The thresholds applied, defaults filled in. */
  thresholds: Required<Omit<DriftThresholds, 'ignore'>>;
  /** Rows in the previous load. */
  nPrevious: number;
  /** Rows in the current load. */
  nCurrent: number;
}

const DEFAULTS = { psi: 0.25, psiWarn: 0.1, missingShare: 0.05, levelShare: 0.001, ksStatistic: 0.1, maxLevels: 50 };
/** Every threshold a number ≥ 0; `ignore` the columns left out. */
const THRESHOLDS: OptionSchema = {
  ...Object.fromEntries(Object.keys(DEFAULTS).map((key): [string, OptionRule] => [key, { kind: 'number', min: 0 }])),
  ignore: { kind: 'names', example: "['customer_id']" },
};

const fmt = (x: number, digits = 2): string => (Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(digits) : x.toExponential(1));
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/**
 * Compares every variable of the current load with the previous load and says in plain words
 * what changed. Numbers: PSI on the previous load's deciles, the two-sample KS test, the means
 * and missing shares. Text: PSI and Pearson's chi-square over the level shares, plus levels that
 * appeared or vanished (the signature of a renamed category). A unit change (× 100) or two
 * swapped columns give PSI far above 0.25; a reload drawn from the same process stays below 0.1.
 * Status rules: drift when PSI > `psi`, a level appears or vanishes with share ≥ `levelShare`,
 * the missing share rises by more than `missingShare`, a column disappears or changes type; warn
 * when PSI > `psiWarn` or KS D > `ksStatistic`. p-values are reported, not used for flags: with
 * tens of thousands of rows they are tiny for shifts nobody cares about.
 *
 * @example
 * const report = driftReport({ fee: [10, 12, 11, 13, 12, 10, 11, 14] }, { fee: [1000, 1200, 1100, 1300, 1200, 1000, 1100, 1400] });
 * report.status // 'drift'
 */
export function driftReport(previousLoad: DataInput | Table, currentLoad: DataInput | Table, thresholds: DriftThresholds = {}): DriftReport {
  const context = 'driftReport';
  checkOptionSchema(thresholds, context, THRESHOLDS);
  const t = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) t[key] = thresholds[key] ?? DEFAULTS[key];
  const ignore = new Set<string>(thresholds.ignore ?? []);
  const previous = toTable(previousLoad, `${context} (previous load)`);
  const current = toTable(currentLoad, `${context} (current load)`);
  if (previous.nRows === 0) throw new CbmError('BAD_INPUT', `${context}: the previous load has no rows`);
  if (current.nRows === 0) throw new CbmError('BAD_INPUT', `${context}: the current load has no rows`);

  const rows: DriftRow[] = [];
  const blank = {
    psi: null,
    testStatistic: null,
    testName: null,
    pValue: null,
    missingPrevious: null,
    missingCurrent: null,
    meanPrevious: null,
    meanCurrent: null,
    threshold: null,
  } as const;
  for (const name of previous.names) {
    if (ignore.has(name)) continue;
    if (!current.has(name)) {
      rows.push({ ...blank, variable: name, kind: 'missing column', status: 'drift', sentence: `${name}: missing from the current load — check the file's header` });
      continue;
    }
    rows.push(compareColumn(name, previous.cells(name), current.cells(name), t));
  }
  for (const name of current.names) {
    if (ignore.has(name) || previous.has(name)) continue;
    rows.push({ ...blank, variable: name, kind: 'new column', status: 'warn', sentence: `${name}: new in the current load — no previous distribution to compare with` });
  }
  const rank = { drift: 2, warn: 1, ok: 0 } as const;
  const flagged = rows.filter((r) => r.status !== 'ok').sort((x, y) => rank[y.status] - rank[x.status] || (y.psi ?? 0) - (x.psi ?? 0));
  const status: DriftStatus = flagged.length === 0 ? 'ok' : flagged[0].status;
  const summary = flagged.length === 0 ? `All ${rows.length} variables stable (PSI ≤ ${t.psiWarn}, no new or vanished levels).` : flagged.map((r) => r.sentence).join('\n');
  return { rows, flagged, status, summary, thresholds: t, nPrevious: previous.nRows, nCurrent: current.nRows };
}

function missingShare(cells: ArrayLike<unknown>): number {
  let missing = 0;
  for (let i = 0; i < cells.length; i++) {
    const v = cells[i];
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v)) || v === '') missing++;
  }
  return cells.length === 0 ? 0 : missing / cells.length;
}

function kindOf(cells: ArrayLike<unknown>): 'numeric' | 'categorical' | 'empty' {
  if (ArrayBuffer.isView(cells)) return 'numeric';
  let seen: 'numeric' | 'categorical' | 'empty' = 'empty';
  for (let i = 0; i < cells.length; i++) {
    const v = cells[i];
    if (v === null || v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v))) continue;
    if (typeof v === 'string' || typeof v === 'boolean') return 'categorical';
    seen = 'numeric';
  }
  return seen;
}

function mean(values: Float64Array): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return values.length ? s / values.length : NaN;
}

function withoutBlanks(cells: ArrayLike<unknown>): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < cells.length; i++) if (cells[i] !== '') out.push(cells[i]);
  return out;
}

function compareColumn(name: string, before: ArrayLike<unknown>, after: ArrayLike<unknown>, t: typeof DEFAULTS): DriftRow {
  const missingPrevious = missingShare(before);
  const missingCurrent = missingShare(after);
  const kb = kindOf(before);
  const ka = kindOf(after);
  const base = {
    variable: name,
    missingPrevious,
    missingCurrent,
    psi: null,
    testStatistic: null,
    testName: null,
    pValue: null,
    meanPrevious: null,
    meanCurrent: null,
    threshold: null,
  };
  if (kb === 'empty' || ka === 'empty') {
    const status: DriftStatus = ka === 'empty' && kb !== 'empty' ? 'drift' : 'ok';
    return {
      ...base,
      kind: 'skipped',
      status,
      sentence: status === 'drift' ? `${name}: every value missing in the current load — check the load` : `${name}: no values to compare`,
    };
  }
  if (kb !== ka) {
    return { ...base, kind: 'type changed', status: 'drift', sentence: `${name}: was ${kb}, now ${ka} — a column swapped or mis-parsed; check the load` };
  }
  const missingRise = missingCurrent - missingPrevious;
  const missingSentence =
    missingRise > t.missingShare ? `${name}: missing share rose from ${pct(missingPrevious)} to ${pct(missingCurrent)} (> ${pct(t.missingShare)} rise) — check the load` : null;
  if (kb === 'numeric') {
    const x = presentNumbers(before, 'previous', 'driftReport');
    const y = presentNumbers(after, 'current', 'driftReport');
    const p = psi(x, y).psi;
    const ks = ksTest(x, y, { exact: false });
    const row = {
      ...base,
      kind: 'numeric' as const,
      psi: p,
      testStatistic: ks.statistic,
      testName: 'KS D' as const,
      pValue: ks.pValue,
      meanPrevious: mean(x),
      meanCurrent: mean(y),
    };
    const shift = `mean ${fmt(row.meanPrevious)} → ${fmt(row.meanCurrent)}`;
    if (p > t.psi) return { ...row, status: 'drift', threshold: t.psi, sentence: `${name}: PSI ${fmt(p)} > ${t.psi} — distribution shifted (${shift}); check the load` };
    if (missingSentence) return { ...row, status: 'drift', threshold: t.missingShare, sentence: missingSentence };
    if (p > t.psiWarn) return { ...row, status: 'warn', threshold: t.psiWarn, sentence: `${name}: PSI ${fmt(p)} > ${t.psiWarn} — some shift (${shift}); watch it` };
    if (ks.statistic > t.ksStatistic)
      return {
        ...row,
        status: 'warn',
        threshold: t.ksStatistic,
        sentence: `${name}: KS D ${fmt(ks.statistic)} > ${t.ksStatistic} — the distribution's shape changed (${shift}); watch it`,
      };
    return { ...row, status: 'ok', sentence: `${name}: stable (PSI ${fmt(p)}, KS D ${fmt(ks.statistic)})` };
  }
  const before2 = withoutBlanks(before);
  const after2 = withoutBlanks(after);
  const cb = levelCounts(before2, 'previous', 'driftReport');
  const ca = levelCounts(after2, 'current', 'driftReport');
  if (cb.size > t.maxLevels || ca.size > t.maxLevels) {
    return {
      ...base,
      kind: 'skipped',
      status: missingSentence ? 'drift' : 'ok',
      sentence: missingSentence ?? `${name}: ${Math.max(cb.size, ca.size)} levels — too many to compare as categories (an id or free text?)`,
    };
  }
  const nb = before2.length - [...before2].filter((v) => v === null || v === undefined).length;
  const na = after2.length - [...after2].filter((v) => v === null || v === undefined).length;
  const appeared = [...ca.entries()].filter(([level, n]) => !cb.has(level) && n / na >= t.levelShare).map(([level, n]) => `'${level}' (${pct(n / na)})`);
  const vanished = [...cb.entries()].filter(([level, n]) => !ca.has(level) && n / nb >= t.levelShare).map(([level, n]) => `'${level}' (${pct(n / nb)})`);
  const p = psi(before2, after2).psi;
  const chi = cb.size + ca.size > 2 && new Set([...cb.keys(), ...ca.keys()]).size >= 2 ? chiSquareShares(before2, after2) : null;
  const row = { ...base, kind: 'categorical' as const, psi: p, testStatistic: chi?.statistic ?? null, testName: chi ? ('chi-square' as const) : null, pValue: chi?.pValue ?? null };
  if (appeared.length || vanished.length) {
    const parts = [
      appeared.length ? `new level${appeared.length > 1 ? 's' : ''} ${appeared.join(', ')}` : '',
      vanished.length ? `level${vanished.length > 1 ? 's' : ''} ${vanished.join(', ')} vanished` : '',
    ].filter(Boolean);
    const hint = appeared.length && vanished.length ? ' — a category renamed? check the load' : '; check the load';
    return { ...row, status: 'drift', threshold: t.levelShare, sentence: `${name}: ${parts.join(' and ')}${hint}` };
  }
  if (p > t.psi) return { ...row, status: 'drift', threshold: t.psi, sentence: `${name}: PSI ${fmt(p)} > ${t.psi} — level shares shifted; check the load` };
  if (missingSentence) return { ...row, status: 'drift', threshold: t.missingShare, sentence: missingSentence };
  if (p > t.psiWarn) return { ...row, status: 'warn', threshold: t.psiWarn, sentence: `${name}: PSI ${fmt(p)} > ${t.psiWarn} — level shares moved; watch it` };
  return { ...row, status: 'ok', sentence: `${name}: stable (PSI ${fmt(p)})` };
}
