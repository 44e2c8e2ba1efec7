import { CbmError, check } from '../errors';

/**
 * The part of JSON Schema (draft-07) that the saved-model formats use, checked at run time so
 * that the schema a tool validates against and the library's reader are one definition:
 * `type`, `const`, `required`, `properties`, `additionalProperties`, `items`, `minItems`,
 * `uniqueItems`, `minProperties`, `oneOf`, `exclusiveMinimum`, `exclusiveMaximum`. Annotations
 * (`title`, `description`, `$id`, `$schema`) are ignored; any other keyword is refused, so a
 * schema cannot promise a check this function does not make.
 */
export type JsonSchema = { readonly [keyword: string]: unknown };

const ANNOTATIONS = new Set(['title', 'description', '$id', '$schema']);
const CHECKED = new Set([
  'type',
  'const',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'minItems',
  'uniqueItems',
  'minProperties',
  'oneOf',
  'exclusiveMinimum',
  'exclusiveMaximum',
]);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function hasType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

function at(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;
}

/**
 * The first way `value` breaks `schema`, as a sentence naming the place (`statistics.nObs must
 * be number or null, found text`), or null when it conforms.
 *
 * @example
 * import { schemaViolation } from '@cbm-kit/kernel-lib';
 * schemaViolation({ n: 'ten' }, { type: 'object', properties: { n: { type: 'number' } } }) // 'n must be number, found string'
 * schemaViolation({ n: 10 }, { type: 'object', properties: { n: { type: 'number' } } }) // null
 */
export function schemaViolation(value: unknown, schema: JsonSchema, path = ''): string | null {
  check(schema !== null && typeof schema === 'object' && !Array.isArray(schema), 'schemaViolation: schema must be a JSON Schema object');
  check(typeof path === 'string', 'schemaViolation: path must be text');
  const where = path || 'the model';
  for (const keyword of Object.keys(schema)) {
    if (!CHECKED.has(keyword) && !ANNOTATIONS.has(keyword)) throw new CbmError('BAD_INPUT', `schemaViolation: the schema keyword '${keyword}' is not supported`, { keyword });
  }
  if (schema.type !== undefined) {
    const types = (Array.isArray(schema.type) ? schema.type : [schema.type]) as string[];
    if (!types.some((t) => hasType(value, t))) return `${where} must be ${types.join(' or ')}, found ${typeOf(value) === 'integer' ? 'number' : typeOf(value)}`;
  }
  if (schema.const !== undefined && value !== schema.const) return `${where} must be ${JSON.stringify(schema.const)}`;
  if (schema.oneOf !== undefined) {
    const branches = schema.oneOf as JsonSchema[];
    const problems = branches.map((branch) => schemaViolation(value, branch, path));
    const matching = problems.filter((p) => p === null).length;
    if (matching !== 1) return matching === 0 ? problems.find((p) => p !== null)! : `${where} matches more than one form`;
  }
  if (typeof value === 'number') {
    if (typeof schema.exclusiveMinimum === 'number' && !(value > schema.exclusiveMinimum)) return `${where} must be above ${schema.exclusiveMinimum}`;
    if (typeof schema.exclusiveMaximum === 'number' && !(value < schema.exclusiveMaximum)) return `${where} must be below ${schema.exclusiveMaximum}`;
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) return `${where} must have at least ${schema.minItems} items`;
    if (schema.uniqueItems === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) return `${where} must not repeat an item`;
    if (schema.items !== undefined) {
      for (let i = 0; i < value.length; i++) {
        const problem = schemaViolation(value[i], schema.items as JsonSchema, at(path, i));
        if (problem) return problem;
      }
    }
  }
  if (typeOf(value) === 'object') {
    const record = value as Record<string, unknown>;
    // A key holding undefined is absent, as JSON.stringify writes it.
    const keys = Object.keys(record).filter((key) => record[key] !== undefined);
    if (typeof schema.minProperties === 'number' && keys.length < schema.minProperties) return `${where} must have at least ${schema.minProperties} entries`;
    for (const key of (schema.required as string[] | undefined) ?? []) {
      if (!keys.includes(key)) return `${at(path, key)} is required`;
    }
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    for (const key of keys) {
      const sub = Object.prototype.hasOwnProperty.call(properties, key) ? properties[key] : schema.additionalProperties;
      if (sub === false) return `${at(path, key)} is not part of the format`;
      if (sub !== undefined && sub !== true) {
        const problem = schemaViolation(record[key], sub as JsonSchema, at(path, key));
        if (problem) return problem;
      }
    }
  }
  return null;
}
