import { CbmError, check } from '../errors';
import { isPreparation, preparationToJSON, type Preparation } from '../prepare/preparation';
import { checkEncodings } from '../prepare/encode';
import { scalerFromRanges } from '../prepare/scale';
import { specFromLevels, type DesignSpec } from './design';
import type { FitStatistics } from './diagnostics';
import { parseFormula, type Term } from './formula';
import { expressionLabel, isDerived, parseExpression } from './expression';
import { schemaViolation } from './jsonSchema';
import { choleskyInPlace } from './linalg';
import { FIT_STATISTICS_KEYS, LOGIT_MODEL_SCHEMA } from './modelSchema';
import type { DesignJSON, DesignModelParts } from './designModel';
import type { RobustSpec } from './sandwich';

/** The `format` tag of a saved logit model (LogitModelJSON), so a reader can tell what a JSON file holds. */
export const MODEL_FORMAT = 'cbm-kit/logit-model';
/** The version of the saved logit-model layout that this library writes and reads. */
export const MODEL_VERSION = 1;

/** Facts about how a model was made (seed, split, elimination settings, threshold): flat, JSON-safe values. */
export type Provenance = Readonly<Record<string, string | number | boolean | null>>;

/**
 * The saved form of a logistic model: everything needed to score raw rows and to print the
 * summary. P = 1/(1 + e^−V) with V = Σ estimate·column, the columns built from `terms` on the
 * rows after `preparation` (encode text, then min–max scale with the stored ranges). Its JSON
 * Schema is `LOGIT_MODEL_SCHEMA` (modelSchema.ts), which `readModelJSON` enforces.
 */
export interface LogitModelJSON extends DesignJSON {
  format: typeof MODEL_FORMAT;
  version: number;
  statistics: FitStatistics;
  warnings: string[];
  /** The response value modelled as the event, when it was named (`{ event: 'Bought' }`). */
  event?: string | number | boolean;
  provenance?: Provenance;
}

/** What a logistic model is made of: the design parts, its fit statistics, warnings and the event level. */
export interface ModelParts extends DesignModelParts {
  statistics: FitStatistics;
  warnings: string[];
  event?: string | number | boolean;
  provenance?: Provenance;
}

function badJSON(message: string): CbmError {
  return new CbmError('BAD_MODEL_JSON', `model JSON: ${message}`);
}

/** A flat object of JSON-safe values, copied; anything else is refused. */
export function checkProvenance(value: unknown, fail: (message: string) => CbmError): Provenance {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw fail('provenance must be an object of simple values, e.g. { seed: 2026, threshold: 0.8 }');
  const out: Record<string, string | number | boolean | null> = Object.create(null);
  for (const [key, v] of Object.entries(value)) {
    if (!(v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)))) {
      throw fail(`provenance.${key} must be text, a finite number, true/false or null`);
    }
    out[key] = v;
  }
  return Object.freeze(out);
}

/** The parts every saved model (logistic or linear) shares, read and checked. */
export interface DesignParts {
  spec: DesignSpec;
  coefficients: Float64Array;
  covariance: Float64Array;
  preparation: Preparation | null;
  /** The robust covariance the saved covariance is, or null for the model-based one. */
  vcov: RobustSpec | null;
  /** The offset's column or transform label, or null. */
  offset: string | null;
}

/** A saved `vcov` field: `{ type: 'HC0' … 'HC3', cluster: column name or null }` (clustered: HC0 or HC1 only). */
function readVcovJSON(raw: unknown, fail: (message: string) => CbmError): RobustSpec | null {
  if (raw === undefined) return null;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw fail("vcov must be { type: 'HC0' | 'HC1' | 'HC2' | 'HC3', cluster: column name or null }");
  const { type, cluster } = raw as Record<string, unknown>;
  if (!(type === 'HC0' || type === 'HC1' || type === 'HC2' || type === 'HC3')) throw fail(`vcov.type must be 'HC0', 'HC1', 'HC2' or 'HC3', found ${String(type)}`);
  if (!(cluster === null || (typeof cluster === 'string' && cluster.length > 0))) throw fail('vcov.cluster must be a column name or null');
  if (cluster !== null && type !== 'HC0' && type !== 'HC1') throw fail(`vcov: clustered covariances are 'HC0' or 'HC1', found '${type}'`);
  return { type, cluster };
}

/** A saved model's JSON text or object as an object, with its format and version checked. */
export function parseModelJSON<T>(input: unknown, format: string, version: number, fail: (message: string) => CbmError): T & Record<string, unknown> {
  let json: unknown = input;
  if (typeof input === 'string') {
    try {
      json = JSON.parse(input);
    } catch (e) {
      throw fail(`not valid JSON (${(e as Error).message})`);
    }
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw fail('expected an object');
  const record = json as Record<string, unknown>;
  if (record.format !== format) throw fail(`format is '${String(record.format)}', expected '${format}'`);
  if (record.version !== version) throw fail(`version ${String(record.version)} is not supported (this library reads version ${version})`);
  return record as T & Record<string, unknown>;
}

/**
 * The design of a saved model: response, intercept, formula (which must say what the terms
 * say), terms, factor levels, coefficients, a covariance that is symmetric and positive
 * definite, and the preparation. Copies throughout: later edits to the caller's object must
 * not reach the loaded model. `fail` makes the error with the reader's own prefix.
 */
export function readDesignJSON(json: Partial<LogitModelJSON>, fail: (message: string) => CbmError): DesignParts {
  if (typeof json.response !== 'string' || typeof json.intercept !== 'boolean') throw fail('response (string) and intercept (boolean) are required');
  if (typeof json.formula !== 'string') throw fail('formula (string) is required');
  if (
    !Array.isArray(json.terms) ||
    !json.terms.every(
      (t) => t && typeof t === 'object' && typeof t.label === 'string' && Array.isArray(t.variables) && t.variables.length > 0 && t.variables.every((v) => typeof v === 'string'),
    )
  ) {
    throw fail('terms must be a list of { label, variables }');
  }
  const terms: Term[] = json.terms.map((t) => Object.freeze({ label: t.label, variables: Object.freeze([...t.variables]) }));
  for (const t of terms) if (t.label !== t.variables.join(':')) throw fail(`term '${t.label}' does not match its variables ${t.variables.join(', ')}`);
  checkFormulaMatches(json.formula, json.response, json.intercept, terms, fail);
  const rawLevels: unknown = json.factorLevels ?? {};
  if (rawLevels === null || typeof rawLevels !== 'object' || Array.isArray(rawLevels)) throw fail('factorLevels must map names to lists of levels');
  const levels: Record<string, string[]> = Object.create(null);
  for (const [name, list] of Object.entries(rawLevels)) {
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string') || list.length < 2 || new Set(list).size !== list.length) {
      throw fail(`factorLevels.${name} must list at least two distinct levels`);
    }
    levels[name] = [...list];
  }
  let spec: DesignSpec;
  try {
    spec = specFromLevels({ intercept: json.intercept, terms }, levels);
  } catch (e) {
    throw fail(`the terms do not form a valid design: ${(e as Error).message}`);
  }
  const p = spec.columns.length;
  if (!Array.isArray(json.coefficients) || json.coefficients.length !== p)
    throw fail(`expected ${p} coefficients for the terms, found ${Array.isArray(json.coefficients) ? json.coefficients.length : 'none'}`);
  const coefficients = new Float64Array(p);
  json.coefficients.forEach((c, j) => {
    if (!c || typeof c !== 'object' || c.name !== spec.columns[j].name) throw fail(`coefficient ${j} should be '${spec.columns[j].name}', found '${String(c?.name)}'`);
    // null: aliased (R's NA), not estimated.
    if (c.estimate === null) coefficients[j] = NaN;
    else if (typeof c.estimate !== 'number' || !Number.isFinite(c.estimate)) throw fail(`coefficient '${c.name}' has no finite estimate (null for an aliased one)`);
    else coefficients[j] = c.estimate;
  });
  if (coefficients.every(Number.isNaN)) throw fail('every coefficient is null (aliased): the model estimates nothing');
  const covariance = readCovariance(json.covariance, p, spec, coefficients, fail);
  let preparation: Preparation | null = null;
  if (json.preparation != null) {
    if (!isPreparation(json.preparation)) throw fail('preparation must be { encodings, ranges }');
    try {
      // Validates the encodings and ranges (without data: applying them to no rows would
      // fail on the missing columns and reject every valid preparation).
      checkEncodings(json.preparation.encodings);
      check(
        json.preparation.ranges !== null && typeof json.preparation.ranges === 'object' && !Array.isArray(json.preparation.ranges),
        'ranges must be an object like { age: { min, max } }',
      );
      scalerFromRanges(json.preparation.ranges);
    } catch (e) {
      throw fail(`preparation is invalid: ${(e as Error).message}`);
    }
    preparation = preparationToJSON(json.preparation);
  }
  return { spec, coefficients, covariance, preparation, vcov: readVcovJSON(json.vcov, fail), offset: readOffsetJSON(json.offset, fail) };
}

/** A saved `offset`: a column name or a transform label that parses, kept in its canonical spelling. */
function readOffsetJSON(raw: unknown, fail: (message: string) => CbmError): string | null {
  if (raw === undefined) return null;
  if (typeof raw !== 'string' || raw.trim().length === 0) throw fail("offset must be a column name or a transform label such as 'log(exposure)'");
  if (!isDerived(raw)) return raw;
  try {
    const label = expressionLabel(parseExpression(raw));
    if (label !== raw) throw new Error(`write it as '${label}'`);
  } catch (e) {
    throw fail(`offset '${raw}' cannot be read: ${(e as Error).message.split('\n')[0]}`);
  }
  return raw;
}

/** Reads a saved logistic model (an object or its JSON text), checking every field; throws BAD_MODEL_JSON. */
export function readModelJSON(input: unknown): ModelParts {
  const json = parseModelJSON<LogitModelJSON>(input, MODEL_FORMAT, MODEL_VERSION, badJSON);
  const { spec, coefficients, covariance, preparation, vcov, offset } = readDesignJSON(json, badJSON);
  const statistics = readStatistics(json.statistics);
  const confidenceLevel = json.confidenceLevel ?? 0.95;
  if (typeof confidenceLevel !== 'number' || !(confidenceLevel > 0 && confidenceLevel < 1))
    throw badJSON(`confidenceLevel must be between 0 and 1, found ${String(confidenceLevel)}`);
  if (json.warnings !== undefined && !(Array.isArray(json.warnings) && json.warnings.every((w) => typeof w === 'string'))) throw badJSON('warnings must be a list of strings');
  const event = json.event;
  if (event !== undefined && !(typeof event === 'string' || typeof event === 'boolean' || (typeof event === 'number' && Number.isFinite(event))))
    throw badJSON('event must be text, a number or true/false');
  const provenance = json.provenance === undefined ? undefined : checkProvenance(json.provenance, badJSON);
  // The reader's own checks above give the specific messages; the schema then catches anything
  // they leave (a misspelt or extra field), so what the schema accepts and what loads are one rule.
  const violation = schemaViolation(json, LOGIT_MODEL_SCHEMA);
  if (violation) throw badJSON(violation);
  return {
    response: json.response,
    spec,
    coefficients,
    covariance,
    statistics,
    confidenceLevel,
    preparation,
    vcov,
    offset,
    warnings: json.warnings ? [...json.warnings] : [],
    event,
    provenance,
  };
}

/** The saved formula must say what the terms say: a hand-edited formula is not silently ignored. */
function checkFormulaMatches(formula: string, response: string, intercept: boolean, terms: readonly Term[], fail: (message: string) => CbmError): void {
  let parsed: ReturnType<typeof parseFormula>;
  try {
    parsed = parseFormula(formula);
  } catch (e) {
    throw fail(`formula '${formula}' cannot be read: ${(e as Error).message.split('\n')[0]}`);
  }
  const labels = parsed.terms.map((t) => t.label);
  const expected = terms.map((t) => t.label);
  if (parsed.response !== response || parsed.intercept !== intercept || labels.length !== expected.length || labels.some((l, k) => l !== expected[k])) {
    throw fail(
      `formula '${formula}' does not match the terms (${[response, '~', intercept ? '' : '0 +', expected.join(' + ')].join(' ').replace(/\s+/g, ' ')}); edit both or neither`,
    );
  }
}

/**
 * A p×p covariance: finite, symmetric and positive definite (else Wald tests go negative), except
 * the rows and columns of aliased coefficients (estimate NaN), which are null (NaN), as R's vcov.
 */
function readCovariance(raw: unknown, p: number, spec: DesignSpec, coefficients: Float64Array, fail: (message: string) => CbmError): Float64Array {
  const full = new Float64Array(p * p);
  if (!Array.isArray(raw) || raw.length !== p) throw fail(`covariance must be a ${p}×${p} matrix`);
  const aliased = (j: number) => Number.isNaN(coefficients[j]);
  raw.forEach((row: unknown, i) => {
    if (!Array.isArray(row) || row.length !== p) throw fail(`covariance row ${i} must have ${p} numbers`);
    row.forEach((x: unknown, j) => {
      if (aliased(i) || aliased(j)) {
        if (!(x === null || Number.isNaN(x))) throw fail(`covariance (${i}, ${j}) must be null: '${spec.columns[aliased(i) ? i : j].name}' is aliased (estimate null)`);
        full[i * p + j] = NaN;
      } else if (typeof x === 'number' && Number.isFinite(x)) full[i * p + j] = x;
      else throw fail(`covariance row ${i} must have ${p} finite numbers (null only for aliased coefficients)`);
    });
  });
  const kept = Array.from({ length: p }, (_, j) => j).filter((j) => !aliased(j));
  checkPositiveDefinite(full, p, kept, spec, fail);
  return full;
}

/** The kept coefficients' block of a covariance: symmetric, positive variances, positive definite. */
function checkPositiveDefinite(full: Float64Array, size: number, kept: readonly number[], spec: DesignSpec, fail: (message: string) => CbmError): void {
  const p = kept.length;
  const covariance = new Float64Array(p * p);
  for (let r = 0; r < p; r++) for (let c = 0; c < p; c++) covariance[r * p + c] = full[kept[r] * size + kept[c]];
  const name = (r: number) => spec.columns[kept[r]].name;
  for (let i = 0; i < p; i++) {
    if (!(covariance[i * p + i] > 0)) throw fail(`covariance has a variance of ${covariance[i * p + i]} for '${name(i)}'; variances must be positive`);
    for (let j = 0; j < i; j++) {
      const a = covariance[i * p + j];
      const b = covariance[j * p + i];
      if (Math.abs(a - b) > 1e-12 * Math.max(Math.abs(a), Math.abs(b), 1e-300)) throw fail(`covariance is not symmetric at ('${name(i)}', '${name(j)}')`);
    }
  }
  // Positive definite: a Cholesky factor of the correlation matrix exists.
  const correlation = new Float64Array(p * p);
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) correlation[i * p + j] = covariance[i * p + j] / Math.sqrt(covariance[i * p + i] * covariance[j * p + j]);
  if (choleskyInPlace(correlation, p, 1e-12) >= 0) throw fail('covariance is not positive definite, so Wald tests and intervals from it would be meaningless');
}

/** The fit statistics of a saved model: every field present; numbers, or null for NaN (JSON has no NaN). */
function readStatistics(raw: unknown): FitStatistics {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw badJSON('statistics are missing');
  const source = raw as Record<string, unknown>;
  const out: Partial<Record<keyof FitStatistics, number | boolean>> = {};
  for (const key of FIT_STATISTICS_KEYS) {
    if (key === 'converged') continue;
    const value = source[key];
    if (value === null) out[key] = NaN;
    else if (typeof value === 'number') out[key] = value;
    else throw badJSON(`statistics.${key} must be a number, found ${value === undefined ? 'nothing' : typeof value}`);
  }
  if (typeof source.converged !== 'boolean') throw badJSON('statistics.converged must be true or false');
  out.converged = source.converged;
  return out as unknown as FitStatistics;
}
