import { CbmError, LogitModel, MODEL_FORMAT, MODEL_VERSION, type LogitModelJSON } from '@cbm-kit/kernel-lib';
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
 * | term | coefficient | SE | z | p | of term | one column per coefficient name: the covariance |
 * | (Intercept) | −2.83 | 0.61 | −4.6 | 4e−6 | | row of the covariance matrix |
 * | gender:income | … | … | … | … | gender:income | … |
 * | scale | income | 1000 | 12780 | | | (min–max range of a scaled column) |
 * | encode | gender | M | 1 | | | (text code of an encoded column) |
 * | levels | region | N | S | W | | (levels of a factor, reference first) |
 * | statistic | logLikelihood | −32.41 | | | | (one row per fit statistic; blank for NaN) |
 * | warning | text | | | | | |
 * | event | Bought | | | | | (the response value modelled as 1, when one was named) |
 * | provenance | seed | 2026 | | | | (how the model was made, one row per entry) |
 *
 * The coefficient block is the `term` header row followed by exactly as many rows as the header
 * names covariance columns. z and p are shown for the reader and recomputed on reading.
 */
export const MODEL_TABLE_HEADER = ['term', 'coefficient', 'SE', 'z', 'p', 'of term'] as const;

const STATISTIC_KEYS = [
  'nObs',
  'nParameters',
  'dfResidual',
  'dfNull',
  'logLikelihood',
  'nullLogLikelihood',
  'deviance',
  'nullDeviance',
  'aic',
  'bic',
  'pseudoR2',
  'iterations',
  'converged',
  'lrStatistic',
  'lrPValue',
] as const;

type OutCell = string | number | boolean;

/** A model as table rows (rectangular, blanks as ''). */
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
    [...MODEL_TABLE_HEADER, ...json.coefficients.map((c) => c.name)],
  ];
  json.coefficients.forEach((c, j) => {
    rows.push([c.name, c.estimate, c.stdError, model.zValues[j], model.pValues[j], c.term ?? '', ...json.covariance[j]]);
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
  // null is a valid provenance value: written as a blank and read back as null.
  if (json.provenance) for (const [key, v] of Object.entries(json.provenance)) rows.push(['provenance', key, v === null ? '' : v]);
  const width = Math.max(6 + p, ...rows.map((r) => r.length));
  return rows.map((r) => {
    const out = r.map((v) => (typeof v === 'number' && !Number.isFinite(v) ? '' : v));
    while (out.length < width) out.push('');
    return out;
  });
}

function bad(message: string): CbmError {
  return new CbmError('BAD_MODEL_JSON', `model table: ${message}`);
}

function text(v: unknown): string {
  return typeof v === 'string' ? v.trim() : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
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
  if (headerRow < 0) throw bad(`no coefficient header row (term | coefficient | SE | z | p | of term | covariance columns); select the whole table CBM.FIT spilled`);
  const header = range[headerRow];
  for (let j = 0; j < MODEL_TABLE_HEADER.length; j++)
    if (text(header[j]) !== MODEL_TABLE_HEADER[j])
      throw bad(`the header row ${headerRow + 1} must start with ${MODEL_TABLE_HEADER.join(' | ')}, found '${text(header[j])}' in column ${j + 1}`);
  const names: string[] = [];
  for (let j = MODEL_TABLE_HEADER.length; j < header.length && !isBlank(header[j]); j++) names.push(text(header[j]));
  const p = names.length;
  if (p === 0) throw bad('the header row names no covariance columns');
  if (headerRow + p >= range.length) throw bad(`the header names ${p} coefficients but only ${range.length - headerRow - 1} rows follow it; select the whole table`);
  const coefficients: LogitModelJSON['coefficients'] = [];
  const covariance: number[][] = [];
  for (let j = 0; j < p; j++) {
    const row = range[headerRow + 1 + j];
    const name = text(row[0]);
    if (name !== names[j]) throw bad(`row ${headerRow + 2 + j} should hold coefficient '${names[j]}' (the header's order), found '${name}'`);
    coefficients.push({ name, term: isBlank(row[5]) ? null : text(row[5]), estimate: num(row[1], `the coefficient of '${name}'`), stdError: num(row[2], `the SE of '${name}'`) });
    covariance.push(names.map((other, k) => num(row[6 + k], `the covariance of '${name}' and '${other}'`)));
  }
  const ranges: Record<string, { min: number; max: number }> = {};
  const encodings: Record<string, Record<string, number>> = {};
  const factorLevels: Record<string, string[]> = {};
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
        event = row[1] as string | number | boolean;
        break;
      case 'provenance':
        if (!provenance) provenance = Object.create(null) as Record<string, string | number | boolean | null>;
        provenance[text(row[1])] = isBlank(row[2]) ? null : (row[2] as string | number | boolean);
        break;
      case '':
        if (row.every(isBlank)) break;
        throw bad(`${at} has no kind in its first cell`);
      default:
        throw bad(
          `${at} starts with '${kind}', which is not a row kind of a model table (format, version, formula, response, intercept, confidence, term, scale, encode, levels, statistic, warning, event, provenance)`,
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
  for (const c of coefficients) if (c.term !== null && !terms.some((t) => t.label === c.term)) terms.push({ label: c.term, variables: c.term.split(':') });
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
  };
}

/**
 * A model from CBM.SCORE's model argument: a model table, or one cell holding the model JSON a
 * notebook saved (`JSON.stringify(model.toJSON())`).
 */
export function modelFromCells(range: Range): LogitModel {
  if (!Array.isArray(range) || range.length === 0 || !Array.isArray(range[0])) throw bad('expected a range');
  const first = range[0][0];
  if (range.length === 1 && range[0].length === 1) {
    if (typeof first === 'string' && first.trim().startsWith('{')) return LogitModel.fromJSON(first);
    throw new CbmError(
      'BAD_MODEL_JSON',
      `model must be the table CBM.FIT spilled or one cell holding a model's JSON text ('{"format":"${MODEL_FORMAT}", …}'), got ${isBlank(first) ? 'a blank cell' : `'${String(first).slice(0, 40)}'`}`,
    );
  }
  return LogitModel.fromJSON(tableToModelJSON(range));
}

export { MODEL_VERSION };
