/**
 * Small rules about cells and keys that the data doors share: how to name a value that is not a
 * Cell (so a BigInt or a Date gets a message that says how to convert it, not "missing value"),
 * and how to set a column name as an own property even when it is `__proto__`.
 */

const NOT_A_CELL = 'cells must be numbers, text or booleans';

/**
 * A value no cbm-kit column can hold (BigInt, Date, object, array, function, symbol) described,
 * then `where` it is, then what to do about it; null for numbers, text, booleans, null and undefined.
 *
 * @example
 * unsupportedCell(5n, ' in row 3'); // 'a BigInt (5n) in row 3; convert it with Number(...) first'
 */
export function unsupportedCell(value: unknown, where = ''): string | null {
  switch (typeof value) {
    case 'number':
    case 'string':
    case 'boolean':
    case 'undefined':
      return null;
    case 'bigint':
      return `a BigInt (${String(value).slice(0, 40)}n)${where}; convert it with Number(...) first`;
    case 'symbol':
      return `a Symbol${where}; ${NOT_A_CELL}`;
    case 'function':
      return `a function${where}; ${NOT_A_CELL}`;
  }
  if (value === null) return null;
  if (value instanceof Date) {
    const shown = Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
    return `a Date (${shown})${where}; convert dates to numbers first, e.g. days since a reference date`;
  }
  return `${Array.isArray(value) ? 'an array' : 'an object'}${where}; ${NOT_A_CELL}`;
}

/**
 * An array or a typed array: what the library accepts where its types say ArrayLike. An object
 * that merely has a `length` ({ length: 1e9 }) would send a loop through a billion holes.
 */
export function isArrayOrTyped(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

/**
 * `target[key] = value`, except that `__proto__` becomes an own, enumerable property instead of
 * replacing the object's prototype (a column called `__proto__` is just a column).
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/**
 * Whether every number of a column is finite, in one pass without a branch per value: v − v is 0
 * for a finite v and NaN for NaN and ±∞, and a sum that meets a NaN stays NaN. The large fits and
 * scoring scan their columns with it and look for the offending row only when it says no.
 *
 * @example
 * allFinite(Float64Array.of(1, -2.5, 1e308)); // true
 * allFinite(Float64Array.of(1, Number.NaN, 3)); // false
 * allFinite(Float64Array.of(Number.NEGATIVE_INFINITY)); // false
 */
export function allFinite(values: Float64Array): boolean {
  const n = values.length;
  let s0 = 0;
  let s1 = 0;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    s0 += values[i] - values[i];
    s1 += values[i + 1] - values[i + 1];
  }
  if (i < n) s0 += values[i] - values[i];
  return s0 + s1 === 0;
}
