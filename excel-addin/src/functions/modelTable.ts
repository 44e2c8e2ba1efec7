import {
  CbmError,
  FIT_STATISTICS_KEYS,
  LogitModel,
  MODEL_FORMAT,
  MODEL_VERSION,
  guardSpreadsheetText,
  parseFormula,
  unguardSpreadsheetText,
  type LogitModelJSON,
} from '@cbm-kit/kernel-lib';
import { hashArguments } from './cache';
import { codesOf, isBlank, type Range } from './cells';

/**
 * The model table: a fitted logistic regression as cells, so a model lives on a sheet, can be
 * read by a person and is scored by CBM.SCORE. It converts both ways to kernel-lib's model JSON
 * (`cbm-kit/logit-model`) without loss: every number is the double the JSON holds.
 *
 * Layout (column A names the kind of each row; unused cells are blank):
 *
 * | A | B | C | D | E | F | G … |
 * |---|---|---|---|---|---|---|
 * | format | cbm-kit/logit-model | | | | | |
 * | version | 1 | | | | | |
 * | formula | responded ~ gender:income + income + gender:age | | | | | |
 * | response | responded | | | | | |
 * | intercept | TRUE | | | | | |
 * | confidence | 0.95 | | | | | |
 * | term | coefficient | SE | z | p | odds ratio | OR 2.5 % | OR 97.5 % | of term | one column per coefficient name: the covariance |
 * | (Intercept) | −2.83 | 0.61 | −4.6 | 4e−6 | 0.059 | 0.018 | 0.19 | | row of the covariance matrix |
 * | gender:income | … | … | … | … | … | … | … | gender:income | … |
 * | scale | income | 1000 | 12780 | | | (min–max range of a scaled column) |
 * | encode | gender | M | 1 | | | (text code of an encoded column) |
 * | levels | region | N | S | W | | (levels of a factor, reference first) |
 * | statistic | logLikelihood | −32.41 | | | | (one row per fit statistic; blank for NaN) |
 * | warning | text | | | | | |
 * | event | Bought | | | | | (the response value modelled as 1, when one was named) |
 * | provenance | seed | 2026 | | | | (how the model was made, one row per entry) |
 * | check | settings 6 1x2y3z | coefficients 5 … | preparation 3 … | statistics 15 … | notes 1 … | (the fingerprint, last) |
 *
 * The coefficient block is the `term` header row followed by exactly as many rows as the header
 * names covariance columns. z, p, the odds ratio exp(β) and its Wald interval exp(β ± z·SE) at the
 * confidence level (R's confint.default, exponentiated) are shown for the reader and recomputed on
 * reading. The check row holds, per group of rows, their count and a fingerprint: a table with a
 * row deleted, added or edited since CBM.FIT wrote it is refused (a missing `scale` row would
 * otherwise score every customer on unscaled incomes, silently wrong).
 */
export const MODEL_TABLE_HEADER = ['term', 'coefficient', 'SE', 'z', 'p', 'odds ratio', 'OR lower', 'OR upper', 'of term'] as const;
/** The column of the first covariance entry (after the header's fixed columns). */
const COVARIANCE_COLUMN = MODEL_TABLE_HEADER.length;
const TERM_COLUMN = MODEL_TABLE_HEADER.indexOf('of term');

/** The interval columns' titles at a confidence level: 'OR 2.5 %' and 'OR 97.5 %' at 0.95. */
export function intervalTitles(level: number): [string, string] {
  const percent = (x: number) => `${Number((x * 100).toFixed(3))} %`;
  return [`OR ${percent((1 - level) / 2)}`, `OR ${percent(1 - (1 - level) / 2)}`];
}

/**
 * A term's "of term" cell: its variables joined by ':' as the term's label is, except that a
 * variable holding a ':' (a column named 'a:b', or a transform of one) or starting with a backtick
 * is written in backticks, with \` and \\ escaped as in a formula, so the cell reads back as the
 * same variables (an interaction of columns 'a' and 'b' and a column 'a:b' have the same label).
 */
export function termCell(variables: readonly string[]): string {
  return variables.map((v) => (v.includes(':') || v.startsWith('`') ? `\`${v.replace(/[\\`]/g, (c) => `\\${c}`)}\`` : v)).join(':');
}

/** The term an "of term" cell names (termCell's inverse): its label and its variables. */
export function termFromCell(cell: string, at: string): { label: string; variables: string[] } {
  const variables: string[] = [];
  let i = 0;
  for (;;) {
    let variable = '';
    if (cell[i] === '`') {
      for (i++; i < cell.length && cell[i] !== '`'; i++) variable += cell[i] === '\\' && (cell[i + 1] === '`' || cell[i + 1] === '\\') ? cell[++i] : cell[i];
      if (i >= cell.length) throw bad(`the term '${cell}' (${at}) has an unclosed backtick`);
      i++;
      if (i < cell.length && cell[i] !== ':') throw bad(`the term '${cell}' (${at}) has text after a backticked name`);
    } else {
      const end = cell.indexOf(':', i);
      variable = cell.slice(i, end < 0 ? cell.length : end);
      i = end < 0 ? cell.length : end;
    }
    if (variable === '') throw bad(`the term '${cell}' (${at}) has an empty variable name`);
    variables.push(variable);
    if (i >= cell.length) break;
    i++; // the ':'
  }
  return { label: variables.join(':'), variables };
}

/**
 * Reads "of term" cells against the table's formula: a cell names the formula's term it is
 * termCell of, or, in a table CBM.FIT wrote before names were backticked (a workbook saved then),
 * whose label it is, so an old table's column 'a:b' or '`x' is still that column; any other cell
 * as termFromCell reads it (the formula check then names the mismatch).
 */
function termReader(formula: string): (cell: string, at: string) => { label: string; variables: string[] } {
  let formulaTerms: readonly { label: string; variables: readonly string[] }[] = [];
  try {
    formulaTerms = parseFormula(formula).terms;
  } catch {
    // An unreadable formula is reported by the model JSON reader, in its words.
  }
  const written = new Map<string, { label: string; variables: readonly string[] }>();
  const labelled = new Map<string, { label: string; variables: readonly string[] }>();
  for (const t of formulaTerms) {
    const cell = termCell(t.variables);
    if (!written.has(cell)) written.set(cell, t);
    if (!labelled.has(t.label)) labelled.set(t.label, t);
  }
  return (cell, at) => {
    const t = written.get(cell) ?? labelled.get(cell);
    return t ? { label: t.label, variables: [...t.variables] } : termFromCell(cell, at);
  };
}

/** The fit statistics' rows, in the model JSON's order (its one definition, LOGIT_MODEL_SCHEMA). */
const STATISTIC_KEYS = FIT_STATISTICS_KEYS;

type OutCell = string | number | boolean;

/** A model as table rows (rectangular, blanks as ''), the check row last. */
export function modelToTable(model: LogitModel): OutCell[][] {
  const json = model.toJSON();
  const p = json.coefficients.length;
  const rows: OutCell[][] = [
    ['format', json.format],
    ['version', json.version],
    ['formula', json.formula],
    ['response', json.response],
    ['intercept', json.intercept],
    ['confidence', json.confidenceLevel],
    [...MODEL_TABLE_HEADER.slice(0, 6), ...intervalTitles(json.confidenceLevel), 'of term', ...json.coefficients.map((c) => c.name)],
  ];
  const lower = model.ciLower;
  const upper = model.ciUpper;
  const variablesOf = new Map(json.terms.map((t) => [t.label, t.variables]));
  const termOf = (c: { term: string | null }) => (c.term === null ? '' : termCell(variablesOf.get(c.term) ?? [c.term]));
  json.coefficients.forEach((c, j) => {
    // An aliased coefficient (null in the JSON, R's NA) shows NA in its cells, and reads back as null.
    if (c.estimate === null) {
      rows.push([c.name, NA, NA, NA, NA, NA, NA, NA, termOf(c), ...json.covariance[j].map((v) => v ?? NA)]);
      return;
    }
    rows.push([
      c.name,
      c.estimate,
      c.stdError ?? NA,
      model.zValues[j],
      model.pValues[j],
      Math.exp(c.estimate),
      Math.exp(lower[j]),
      Math.exp(upper[j]),
      termOf(c),
      ...json.covariance[j].map((v) => v ?? NA),
    ]);
  });
  if (json.preparation) {
    for (const [name, r] of Object.entries(json.preparation.ranges)) rows.push(['scale', name, r.min, r.max]);
    for (const [name, codes] of Object.entries(json.preparation.encodings)) for (const [level, code] of Object.entries(codes)) rows.push(['encode', name, level, code]);
  }
  for (const [name, levels] of Object.entries(json.factorLevels)) rows.push(['levels', name, ...levels]);
  for (const key of STATISTIC_KEYS) {
    const v = (json.statistics as unknown as Record<string, number | boolean>)[key];
    rows.push(['statistic', key, typeof v === 'number' && !Number.isFinite(v) ? '' : v]);
  }
  for (const w of json.warnings) rows.push(['warning', w]);
  if (json.event !== undefined) rows.push(['event', json.event]);
  // The offset is part of the model: predict adds it to V (fitLogit's offset option or offset() term).
  if (json.offset !== undefined) rows.push(['offset', json.offset]);
  // null is a valid provenance value: written as a blank and read back as null.
  if (json.provenance) for (const [key, v] of Object.entries(json.provenance)) rows.push(['provenance', key, v === null ? '' : v]);
  // Text from the data (levels, names, warnings, provenance) is guarded, so a level '=HYPERLINK(…)'
  // stays text when the table is copied, saved as CSV or written by the task pane; reading undoes it.
  const cells = rows.map((r) => r.map((v) => (typeof v === 'number' && !Number.isFinite(v) ? '' : typeof v === 'string' ? guardSpreadsheetText(v) : v)));
  cells.push(checkRow(cells));
  const width = Math.max(COVARIANCE_COLUMN + p, ...cells.map((r) => r.length));
  return cells.map((r) => {
    const out = [...r];
    while (out.length < width) out.push('');
    return out;
  });
}

// ---------------------------------------------------------------- the check row

/** The groups of rows the check row fingerprints, by the kind in column A (anything else is a coefficient row). */
const CHECK_GROUPS = ['settings', 'coefficients', 'preparation', 'statistics', 'notes'] as const;
type CheckGroup = (typeof CHECK_GROUPS)[number];
const GROUP_OF_KIND: Readonly<Record<string, CheckGroup>> = {
  format: 'settings',
  version: 'settings',
  formula: 'settings',
  response: 'settings',
  intercept: 'settings',
  confidence: 'settings',
  offset: 'settings',
  scale: 'preparation',
  encode: 'preparation',
  levels: 'preparation',
  statistic: 'statistics',
  warning: 'notes',
  event: 'notes',
  provenance: 'notes',
};
const GROUP_WORDS: Readonly<Record<CheckGroup, string>> = {
  settings: 'settings (format, formula, response, intercept, confidence, offset)',
  coefficients: 'coefficient',
  preparation: 'preparation (scale, encode, levels)',
  statistics: 'statistic',
  notes: 'warning, event and provenance',
};

/**
 * A cell as the fingerprint sees it. Numbers to 15 significant digits, as Excel keeps a number a
 * person types or a workbook stores, so a table saved and reopened still matches; TRUE/FALSE
 * whether Excel passes a boolean or its text.
 */
function canonicalCell(v: unknown): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(Number(v.toPrecision(15))) : '';
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (v === null || v === undefined) return '';
  const t = (typeof v === 'string' ? unguardSpreadsheetText(v) : String(v)).trim();
  return t === 'true' || t === 'false' ? t.toUpperCase() : t;
}

/** Each group's rows (blank rows and the check row left out), canonical and without trailing blanks. */
function groupedRows(rows: Range): Record<CheckGroup, string[]> {
  const groups = Object.fromEntries(CHECK_GROUPS.map((g) => [g, [] as string[]])) as Record<CheckGroup, string[]>;
  for (const row of rows) {
    const cells = row.map(canonicalCell);
    while (cells.length && cells[cells.length - 1] === '') cells.pop();
    if (cells.length === 0 || cells[0] === 'check') continue;
    // An own key only: a coefficient named 'constructor' or '__proto__' must not find Object.prototype's.
    groups[Object.prototype.hasOwnProperty.call(GROUP_OF_KIND, cells[0]) ? GROUP_OF_KIND[cells[0]] : 'coefficients'].push(cells.join('\u001f'));
  }
  return groups;
}

/** 'coefficients 5 1k2j3h': the group, its number of rows and their fingerprint. */
function groupEntries(rows: Range): string[] {
  const groups = groupedRows(rows);
  return CHECK_GROUPS.map((g) => `${g} ${groups[g].length} ${hashArguments('cbm-model-table', groups[g])}`);
}

function checkRow(rows: Range): OutCell[] {
  return ['check', ...groupEntries(rows)];
}

/** Refuses a table whose rows no longer match its check row, saying which group changed and how. */
function verifyCheckRow(range: Range): void {
  const checks = range.map((row, r) => ({ row, r })).filter(({ row }) => text(row[0]) === 'check');
  if (checks.length === 0)
    throw bad('the check row (last row, starting with check) is missing; select the whole table CBM.FIT spilled, or convert a model JSON with CBM.MODELTABLE');
  if (checks.length > 1) throw bad(`two check rows (rows ${checks[0].r + 1} and ${checks[1].r + 1}); select one model table`);
  const recorded = new Map<string, { count: number; hash: string }>();
  for (const cell of checks[0].row.slice(1)) {
    const m = /^(\w+) (\d+) (\w+)$/.exec(text(cell));
    if (m) recorded.set(m[1], { count: Number(m[2]), hash: m[3] });
  }
  const now = groupedRows(range);
  for (const group of CHECK_GROUPS) {
    const was = recorded.get(group);
    if (!was) throw bad(`the check row lacks its ${group} entry; it was edited`);
    const count = now[group].length;
    const words = GROUP_WORDS[group];
    if (count < was.count)
      throw bad(
        `${was.count - count} of the ${was.count} ${words} rows CBM.FIT wrote ${was.count - count === 1 ? 'is' : 'are'} missing; use the whole table as CBM.FIT spilled it, or fit again`,
      );
    if (count > was.count) throw bad(`the table has ${count - was.count} ${words} row(s) more than CBM.FIT wrote; use the table as CBM.FIT spilled it, or fit again`);
    if (hashArguments('cbm-model-table', now[group]) !== was.hash)
      throw bad(`a cell in the ${words} rows differs from what CBM.FIT wrote (an edited value?); use the table as CBM.FIT spilled it, or fit again`);
  }
}

function bad(message: string): CbmError {
  return new CbmError('BAD_MODEL_JSON', `model table: ${message}`);
}

/** A cell's text as modelToTable was given it (its CSV-injection guard undone), trimmed. */
function text(v: unknown): string {
  return typeof v === 'string' ? unguardSpreadsheetText(v).trim() : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

/** The cell text of an aliased coefficient's entries (R prints NA). */
const NA = 'NA';

/** A number, or null for an aliased coefficient's NA cell. */
function numOrNA(v: unknown, what: string): number | null {
  return v === NA ? null : num(v, what);
}

function num(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`${what} must be a number, found ${isBlank(v) ? 'a blank cell' : `'${String(v)}'`}`);
  return v;
}

/** Reads a model table (as modelToTable writes it) into kernel-lib's model JSON. */
export function tableToModelJSON(range: Range): LogitModelJSON {
  if (!Array.isArray(range) || range.length === 0) throw bad('expected a range');
  const single = new Map<string, unknown[]>();
  let headerRow = -1;
  for (let r = 0; r < range.length; r++) {
    const kind = text(range[r][0]);
    if (kind === 'term' && text(range[r][1]) === 'coefficient') {
      if (headerRow >= 0) throw bad(`two coefficient header rows (rows ${headerRow + 1} and ${r + 1})`);
      headerRow = r;
    }
  }
  if (headerRow < 0) throw bad(`no coefficient header row (${MODEL_TABLE_HEADER.join(' | ')} | covariance columns); select the whole table CBM.FIT spilled`);
  verifyCheckRow(range);
  const header = range[headerRow];
  for (let j = 0; j < MODEL_TABLE_HEADER.length; j++)
    if (j !== 6 && j !== 7 && text(header[j]) !== MODEL_TABLE_HEADER[j])
      throw bad(`the header row ${headerRow + 1} must start with ${MODEL_TABLE_HEADER.join(' | ')}, found '${text(header[j])}' in column ${j + 1}`);
  const names: string[] = [];
  for (let j = COVARIANCE_COLUMN; j < header.length && !isBlank(header[j]); j++) names.push(text(header[j]));
  const p = names.length;
  if (p === 0) throw bad('the header row names no covariance columns');
  if (headerRow + p >= range.length) throw bad(`the header names ${p} coefficients but only ${range.length - headerRow - 1} rows follow it; select the whole table`);
  const coefficients: LogitModelJSON['coefficients'] = [];
  const covariance: (number | null)[][] = [];
  // The coefficient rows' "of term" cells, read into terms once the formula row is known.
  const termCells: (string | null)[] = [];
  for (let j = 0; j < p; j++) {
    const row = range[headerRow + 1 + j];
    const name = text(row[0]);
    if (name !== names[j]) throw bad(`row ${headerRow + 2 + j} should hold coefficient '${names[j]}' (the header's order), found '${name}'`);
    termCells.push(isBlank(row[TERM_COLUMN]) ? null : text(row[TERM_COLUMN]));
    coefficients.push({
      name,
      term: null,
      estimate: numOrNA(row[1], `the coefficient of '${name}'`),
      stdError: numOrNA(row[2], `the SE of '${name}'`),
    });
    covariance.push(names.map((other, k) => numOrNA(row[COVARIANCE_COLUMN + k], `the covariance of '${name}' and '${other}'`)));
  }
  // Null-prototype records (codesOf makes encodings' own): a column named '__proto__' is a key like any other.
  const ranges: Record<string, { min: number; max: number }> = Object.create(null);
  const encodings: Record<string, Record<string, number>> = Object.create(null);
  const factorLevels: Record<string, string[]> = Object.create(null);
  const statistics: Record<string, number | boolean | null> = {};
  const warnings: string[] = [];
  let event: string | number | boolean | undefined;
  let provenance: Record<string, string | number | boolean | null> | undefined;
  for (let r = 0; r < range.length; r++) {
    if (r >= headerRow && r <= headerRow + p) continue;
    const row = range[r];
    const kind = text(row[0]);
    const at = `row ${r + 1}`;
    switch (kind) {
      case 'format':
      case 'version':
      case 'formula':
      case 'response':
      case 'intercept':
      case 'confidence':
      case 'offset':
        if (single.has(kind)) throw bad(`'${kind}' appears twice (${at})`);
        single.set(kind, row);
        break;
      case 'scale':
        ranges[text(row[1])] = { min: num(row[2], `the scale minimum of '${text(row[1])}' (${at})`), max: num(row[3], `the scale maximum of '${text(row[1])}' (${at})`) };
        break;
      case 'encode': {
        const column = text(row[1]);
        codesOf(encodings, column)[text(row[2])] = num(row[3], `the code of '${column}' = '${text(row[2])}' (${at})`);
        break;
      }
      case 'levels':
        factorLevels[text(row[1])] = row
          .slice(2)
          .filter((v: unknown) => !isBlank(v))
          .map(text);
        break;
      case 'statistic': {
        const key = text(row[1]);
        if (!(STATISTIC_KEYS as readonly string[]).includes(key)) throw bad(`unknown statistic '${key}' (${at})`);
        const v = row[2];
        statistics[key] = isBlank(v)
          ? null
          : typeof v === 'boolean' || typeof v === 'number'
            ? v
            : (() => {
                throw bad(`statistic '${key}' must be a number, found '${String(v)}' (${at})`);
              })();
        break;
      }
      case 'warning':
        warnings.push(text(row[1]));
        break;
      case 'event':
        if (isBlank(row[1])) throw bad(`the event row ${r + 1} is blank`);
        event = typeof row[1] === 'string' ? unguardSpreadsheetText(row[1]) : (row[1] as number | boolean);
        break;
      case 'provenance':
        if (!provenance) provenance = Object.create(null) as Record<string, string | number | boolean | null>;
        provenance[text(row[1])] = isBlank(row[2]) ? null : typeof row[2] === 'string' ? unguardSpreadsheetText(row[2]) : (row[2] as number | boolean);
        break;
      case 'check':
        break;
      case '':
        if (row.every(isBlank)) break;
        throw bad(`${at} has no kind in its first cell`);
      default:
        throw bad(
          `${at} starts with '${kind}', which is not a row kind of a model table (format, version, formula, response, intercept, confidence, offset, term, scale, encode, levels, statistic, warning, event, provenance, check)`,
        );
    }
  }
  const value = (key: string) => {
    const row = single.get(key);
    if (!row) throw bad(`the '${key}' row is missing`);
    return row[1];
  };
  if (text(value('format')) !== MODEL_FORMAT) throw bad(`format is '${text(value('format'))}', expected '${MODEL_FORMAT}'`);
  const intercept = value('intercept');
  // Terms in design order, from the coefficient rows' "of term" column.
  const terms: { label: string; variables: string[] }[] = [];
  const termOf = termReader(text(value('formula')));
  termCells.forEach((cell, j) => {
    if (cell === null) return;
    const term = termOf(cell, `row ${headerRow + 2 + j}`);
    coefficients[j].term = term.label;
    if (!terms.some((t) => t.label === term.label)) terms.push(term);
  });
  const hasPreparation = Object.keys(ranges).length > 0 || Object.keys(encodings).length > 0;
  return {
    format: MODEL_FORMAT,
    version: value('version') as number,
    formula: text(value('formula')),
    response: text(value('response')),
    intercept: intercept === true || intercept === 'TRUE' ? true : intercept === false || intercept === 'FALSE' ? false : (intercept as boolean),
    terms,
    factorLevels,
    preparation: hasPreparation ? { encodings, ranges } : null,
    confidenceLevel: value('confidence') as number,
    coefficients,
    covariance,
    statistics: statistics as unknown as LogitModelJSON['statistics'],
    warnings,
    ...(event !== undefined ? { event } : {}),
    ...(provenance ? { provenance } : {}),
    ...(single.has('offset') ? { offset: unguardSpreadsheetText(text(value('offset'))) } : {}),
  };
}

/** Excel holds at most 32,767 characters in a cell; model JSON longer than this is split over a column of cells. */
export const JSON_CELL_CHARACTERS = 32_000;

/** The cells of a one-column (or one-cell) range holding model JSON, joined; null when the range is not JSON text. */
function jsonText(range: Range): string | null {
  if (range.some((row) => row.length !== 1 && row.slice(1).some((v) => !isBlank(v)))) return null;
  const cells = range.map((row) => row[0]).filter((v) => !isBlank(v));
  if (cells.length === 0 || typeof cells[0] !== 'string' || !cells[0].trim().startsWith('{')) return null;
  // Pretty-printed JSON pasted into Excel lands one line per cell, and long JSON is split over
  // cells by CBM.MODELJSON (each cell guarded, so a piece starting with '-' stays text): either
  // way the cells, unguarded and joined without a separator, are the JSON text.
  return cells.map((v) => (typeof v === 'string' ? unguardSpreadsheetText(v) : String(v))).join('');
}

/**
 * A model from CBM.SCORE's model argument: a model table, or model JSON (a notebook's
 * `JSON.stringify(model.toJSON())`) in one cell or split over a column of cells.
 */
export function modelFromCells(range: Range): LogitModel {
  if (!Array.isArray(range) || range.length === 0 || !Array.isArray(range[0])) throw bad('expected a range');
  const json = jsonText(range);
  if (json !== null) return LogitModel.fromJSON(json);
  const first = range[0][0];
  if (range.length === 1 && range[0].length === 1)
    throw new CbmError(
      'BAD_MODEL_JSON',
      `model must be the table CBM.FIT spilled or model JSON text ('{"format":"${MODEL_FORMAT}", …}') in a cell or a column of cells, got ${isBlank(first) ? 'a blank cell' : `'${String(first).slice(0, 40)}'`}`,
    );
  return LogitModel.fromJSON(tableToModelJSON(range));
}

/** A model's JSON on one line, as a column of cells of at most JSON_CELL_CHARACTERS each. */
export function modelJsonCells(model: LogitModel): string[][] {
  const json = JSON.stringify(model.toJSON());
  const cells: string[][] = [];
  for (let at = 0; at < json.length; at += JSON_CELL_CHARACTERS) cells.push([guardSpreadsheetText(json.slice(at, at + JSON_CELL_CHARACTERS))]);
  return cells;
}

export { MODEL_VERSION };
