import { CbmError, check, checkOptions, describeValue } from './errors';

/**
 * One rule for one option, declared rather than hand-written, so every public function checks its
 * options the same way and says what is wrong in one style:
 * `<function>: <option> must be <what>, got <value>` (with the option's name in `details.option`).
 */
export type OptionRule = (
  | {
      /** A finite number; `integer` for whole numbers; `min`/`max` bounds, inclusive unless `exclusive` names them. */
      kind: 'number';
      integer?: boolean;
      min?: number;
      max?: number;
      exclusive?: 'min' | 'max' | 'both';
    }
  | { kind: 'text' }
  | { kind: 'boolean' }
  | { kind: 'seed' }
  | { kind: 'oneOf'; values: readonly (string | number | boolean)[] }
  | { kind: 'names' }
  | { kind: 'object' }
  | { kind: 'list' }
  | { kind: 'date' }
  /** Checked where it is used (data, a nested definition): only its presence is checked here. */
  | { kind: 'any' }
) & {
  /** The option must be given. */
  required?: boolean;
  /** An example value for the message, e.g. `0.8` or `{ seed: 7 }`. */
  example?: string;
};

/** The options a function accepts, by name. */
export type OptionSchema = Readonly<Record<string, OptionRule>>;

/** What a seed is, in words: the one wording of every seed message. */
const SEED_DESCRIPTION = 'a finite number or a non-empty string';

/**
 * Whether `value` can seed a generator: a finite number or a non-empty string. Both generators
 * (seededUniform's alea and the simulation streams' streamKey) hash the seed's text, so this is
 * the one rule for what they, a `seed` option and a prepared simulation's seed accept.
 */
export function isSeed(value: unknown): value is number | string {
  return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value.length > 0);
}

/** Throws a BAD_INPUT `CbmError` unless `seed` is one {@link isSeed} accepts. */
export function checkSeed(seed: unknown): asserts seed is number | string {
  check(isSeed(seed), `seed must be ${SEED_DESCRIPTION}, got ${describeValue(seed)}`);
}

function describeRule(rule: OptionRule): string {
  switch (rule.kind) {
    case 'number': {
      const what = rule.integer ? 'a whole number' : 'a finite number';
      const lowOpen = rule.exclusive === 'min' || rule.exclusive === 'both';
      const highOpen = rule.exclusive === 'max' || rule.exclusive === 'both';
      if (rule.min !== undefined && rule.max !== undefined) return `${what} ${lowOpen ? 'above' : 'from'} ${rule.min} ${highOpen ? 'and below' : 'to'} ${rule.max}`;
      if (rule.min !== undefined) return `${what} ${lowOpen ? '>' : '≥'} ${rule.min}`;
      if (rule.max !== undefined) return `${what} ${highOpen ? '<' : '≤'} ${rule.max}`;
      return what;
    }
    case 'text':
      return 'text';
    case 'boolean':
      return 'true or false';
    case 'seed':
      return SEED_DESCRIPTION;
    case 'oneOf':
      return `one of ${rule.values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ')}`;
    case 'names':
      return 'a list of column names';
    case 'object':
      return 'an object';
    case 'list':
      return 'a list';
    case 'date':
      return "a calendar date 'YYYY-MM-DD'";
    case 'any':
      return 'given';
  }
}

/** Whether a 'YYYY-MM-DD' text names a day of the calendar (2025-02-30 does not). */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const [y, m, d] = value.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function obeys(value: unknown, rule: OptionRule): boolean {
  switch (rule.kind) {
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return false;
      if (rule.integer && !Number.isInteger(value)) return false;
      const lowOpen = rule.exclusive === 'min' || rule.exclusive === 'both';
      const highOpen = rule.exclusive === 'max' || rule.exclusive === 'both';
      if (rule.min !== undefined && (lowOpen ? !(value > rule.min) : !(value >= rule.min))) return false;
      if (rule.max !== undefined && (highOpen ? !(value < rule.max) : !(value <= rule.max))) return false;
      return true;
    }
    case 'text':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'seed':
      return isSeed(value);
    case 'oneOf':
      return rule.values.includes(value as string | number | boolean);
    case 'names':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'list':
      return Array.isArray(value);
    case 'date':
      return isCalendarDate(value);
    case 'any':
      return true;
  }
}

/**
 * Checks `options` against a declared schema: an object (or undefined when nothing is required),
 * no unknown names (with a "did you mean"), every required option present, and each given
 * option of its kind and range. Throws a BAD_INPUT `CbmError`; returns nothing.
 *
 * @example
 * import { checkOptionSchema } from '@cbm-kit/kernel-lib';
 * const schema = { seed: { kind: 'seed', required: true }, ratio: { kind: 'number', min: 0, max: 1, exclusive: 'both' } } as const;
 * checkOptionSchema({ seed: 7, ratio: 0.5 }, 'split', schema); // passes
 * try { checkOptionSchema({ seed: 7, ratio: 2 }, 'split', schema) } catch (e) { (e as Error).message } // "split: ratio must be a finite number above 0 and below 1, got 2"
 */
export function checkOptionSchema(options: unknown, context: string, schema: OptionSchema): void {
  check(typeof context === 'string', `checkOptionSchema: context must name the function, got ${describeValue(context)}`);
  check(schema !== null && typeof schema === 'object' && !Array.isArray(schema), `checkOptionSchema: schema must map option names to rules, got ${describeValue(schema)}`);
  for (const [name, rule] of Object.entries(schema)) {
    check(
      rule !== null && typeof rule === 'object' && typeof (rule as { kind?: unknown }).kind === 'string',
      `checkOptionSchema: the rule for '${name}' must be an object with a kind`,
    );
  }
  const names = Object.keys(schema);
  checkOptions(options, context, names);
  const given = (options ?? {}) as Record<string, unknown>;
  for (const name of names) {
    const rule = schema[name];
    const value = given[name];
    if (value === undefined) {
      if (rule.required) {
        throw new CbmError('BAD_INPUT', `${context}: ${name} is required${rule.example ? `, e.g. ${rule.example}` : ''}`, { option: name });
      }
      continue;
    }
    if (!obeys(value, rule)) {
      throw new CbmError('BAD_INPUT', `${context}: ${name} must be ${describeRule(rule)}${rule.example ? ` like ${rule.example}` : ''}, got ${describeValue(value)}`, {
        option: name,
      });
    }
  }
}
