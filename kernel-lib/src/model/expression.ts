import { CbmError, check, rowError } from '../errors';
import { isTable, numericColumnView, type Table } from '../data/table';

const checkContext = (context: unknown): void => check(typeof context === 'string', `the context (the name shown in error messages) must be text, got ${typeof context}`);

/**
 * Column transforms inside formulas: a fixed, whitelisted set (`log`, `exp`, `sqrt`, `I`) over
 * columns, numbers and `+ - * / ^`, parsed into an {@link Expression} tree and evaluated column by
 * column. Nothing is ever evaluated as code, so a formula cannot run anything. A transformed
 * variable is named by its canonical label (R's deparse style: `log(price/competitor_price)`,
 * `I(age^2)`), and that label is what term labels, coefficient names and saved models carry;
 * scoring parses the label again and derives the same column from raw rows.
 *
 * @example
 * const expr = parseExpression('log( price / competitor_price )');
 * expressionLabel(expr); // 'log(price/competitor_price)'
 * expressionColumns(expr); // ['price', 'competitor_price']
 * evaluateExpression(expr, toTable({ price: [2, 3], competitor_price: [2, 1] }), 'example'); // Float64Array [0, 1.0986…]
 */
export type Expression =
  | { kind: 'column'; name: string }
  | { kind: 'number'; value: number }
  | { kind: 'call'; fn: TransformFunction; argument: Expression }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/' | '^'; left: Expression; right: Expression }
  | { kind: 'negate'; argument: Expression };

/** The whitelisted functions: natural log, exponential, square root and R's identity `I()`. */
export type TransformFunction = 'log' | 'exp' | 'sqrt' | 'I';
/** The functions a formula may call, in a list (for messages and for callers building formulas). */
export const TRANSFORM_FUNCTIONS: readonly TransformFunction[] = Object.freeze(['log', 'exp', 'sqrt', 'I'] as TransformFunction[]);

/** Expression trees built in code may nest this deep (a cycle is caught by the same limit). */
const MAX_TREE_DEPTH = 1000;

/**
 * Checks that `expr` is an {@link Expression} (a tree built in code, or read from JSON) before
 * anything walks it: BAD_INPUT naming the first malformed node, never a TypeError or a stack overflow.
 */
export function checkExpression(expr: unknown, context: string): asserts expr is Expression {
  const fail = (path: string, message: string) => new CbmError('BAD_INPUT', `${context}: ${path} ${message}`, { path });
  const walk = (e: unknown, path: string, depth: number): void => {
    if (depth > MAX_TREE_DEPTH) throw fail(path, `nests deeper than ${MAX_TREE_DEPTH} levels (or is cyclic)`);
    if (e === null || typeof e !== 'object' || Array.isArray(e))
      throw fail(path, `must be an expression object like { kind: 'column', name: 'price' }, got ${e === null ? 'null' : Array.isArray(e) ? 'an array' : typeof e}`);
    const node = e as Record<string, unknown>;
    switch (node.kind) {
      case 'column':
        if (typeof node.name !== 'string' || node.name.length === 0) throw fail(path, 'is a column without a name');
        return;
      case 'number':
        if (typeof node.value !== 'number' || !Number.isFinite(node.value)) throw fail(path, `is a number node whose value is not a finite number (${String(node.value)})`);
        return;
      case 'call':
        if (typeof node.fn !== 'string' || !isFunction(node.fn)) throw fail(path, `calls '${String(node.fn)}', which is not one of ${TRANSFORM_FUNCTIONS.join(', ')}`);
        walk(node.argument, `${path}.argument`, depth + 1);
        return;
      case 'negate':
        walk(node.argument, `${path}.argument`, depth + 1);
        return;
      case 'binary':
        if (typeof node.op !== 'string' || !['+', '-', '*', '/', '^'].includes(node.op)) throw fail(path, `has the operator '${String(node.op)}', which is not one of + - * / ^`);
        walk(node.left, `${path}.left`, depth + 1);
        walk(node.right, `${path}.right`, depth + 1);
        return;
      default:
        throw fail(path, `has the kind '${String(node.kind)}'; kinds are column, number, call, binary, negate`);
    }
  };
  walk(expr, 'expression', 0);
}

/** Parentheses, calls and unary signs may nest this deep; deeper input is refused, not recursed into. */
export const MAX_NESTING = 100;

// ---------------------------------------------------------------------------------------------
// Tokens (shared with the formula parser)
// ---------------------------------------------------------------------------------------------

/** @internal `string` tokens (a quoted literal, `text` holding its value) occur only in filters. */
export type TokenKind = 'name' | 'number' | 'string' | 'op' | 'end';
/** @internal */
export interface Token {
  kind: TokenKind;
  text: string;
  position: number;
  /** Written in backticks (a non-syntactic column name). */
  quoted?: boolean;
}

/** @internal What the formula language accepts, for error messages. */
export const SUPPORTED = "names, numbers 0 and 1, +, -, *, :, ^, parentheses, ~, '.' and the transforms log(), exp(), sqrt(), I()";

/** @internal A FORMULA_SYNTAX error with the source echoed and a caret under `position`. */
export function syntaxError(source: string, position: number, message: string, context = 'formula'): CbmError {
  // Long input is echoed as a window around the position, so that messages stay short.
  const start = source.length > ECHO_WIDTH ? Math.max(0, position - ECHO_WIDTH / 2) : 0;
  const end = Math.min(source.length, start + ECHO_WIDTH);
  const echoed = (start > 0 ? '…' : '') + source.slice(start, end) + (end < source.length ? '…' : '');
  const pointer = `${' '.repeat(position - start + (start > 0 ? 1 : 0))}^`;
  return new CbmError('FORMULA_SYNTAX', `${context}: ${message} at position ${position + 1}\n  ${echoed}\n  ${pointer}`, {
    position,
    formula: source.length > ECHO_WIDTH ? echoed : source,
  });
}

const ECHO_WIDTH = 160;

const isDigit = (c: number) => c >= 48 && c <= 57;
const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isNameStart = (c: number) => isLetter(c) || c === 95 /* _ */ || c === 46; /* . */
const isNameChar = (c: number) => isNameStart(c) || isDigit(c);

/** Filter operators, longest first so that `<=` is not read as `<` then `=`. */
const FILTER_OPERATORS = ['%in%', '==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '&', '|'] as const;

/** R's escapes inside a quoted string; any other backslash sequence is refused rather than guessed. */
const STRING_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t', r: '\r' };

/**
 * @internal Splits a formula or expression into tokens in one linear pass (no slicing of the
 * rest of the input per token, so a 350 KB formula is tokenised in milliseconds). With `filter`
 * the row-filter language's tokens are read too: quoted strings (R's escapes), comparisons,
 * `& | !` and `%in%`.
 */
export function tokenize(source: string, context = 'formula', filter = false): Token[] {
  const tokens: Token[] = [];
  const n = source.length;
  let i = 0;
  while (i < n) {
    const c = source.charCodeAt(i);
    const ch = source[i];
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i++;
      continue;
    }
    if (filter) {
      const operator = FILTER_OPERATORS.find((op) => source.startsWith(op, i));
      if (operator) {
        tokens.push({ kind: 'op', text: operator, position: i });
        i += operator.length;
        continue;
      }
      if (ch === "'" || ch === '"') {
        i = readString(source, i, tokens, context);
        continue;
      }
      if (ch === '=') throw syntaxError(source, i, "'=' is not a comparison; write '==' to compare", context);
      if (ch === '%') throw syntaxError(source, i, "the only %-operator is '%in%'", context);
    }
    if ('~+-*:^()/,'.includes(ch)) {
      tokens.push({ kind: 'op', text: ch, position: i });
      i++;
      continue;
    }
    if (ch === '`') {
      // As in R, \` and \\ inside backticks stand for a backtick and a backslash; any other backslash is itself.
      let name = '';
      let j = i + 1;
      while (j < n && source[j] !== '`') {
        if (source[j] === '\\' && (source[j + 1] === '`' || source[j + 1] === '\\')) j++;
        name += source[j];
        j++;
      }
      if (j >= n) throw syntaxError(source, i, 'unclosed backtick', context);
      if (name.length === 0) throw syntaxError(source, i, 'empty backtick name', context);
      tokens.push({ kind: 'name', text: name, position: i, quoted: true });
      i = j + 1;
      continue;
    }
    if (isDigit(c) || (ch === '.' && i + 1 < n && isDigit(source.charCodeAt(i + 1)))) {
      // R's numeric literals: 12, 1.5, .5, 1e-3, 2E+4.
      let j = i;
      while (j < n && isDigit(source.charCodeAt(j))) j++;
      if (source[j] === '.') {
        j++;
        while (j < n && isDigit(source.charCodeAt(j))) j++;
      }
      if (
        (source[j] === 'e' || source[j] === 'E') &&
        (isDigit(source.charCodeAt(j + 1)) || ((source[j + 1] === '+' || source[j + 1] === '-') && isDigit(source.charCodeAt(j + 2))))
      ) {
        j += 2;
        while (j < n && isDigit(source.charCodeAt(j))) j++;
      }
      tokens.push({ kind: 'number', text: source.slice(i, j), position: i });
      i = j;
      continue;
    }
    if (isNameStart(c)) {
      let j = i + 1;
      while (j < n && isNameChar(source.charCodeAt(j))) j++;
      tokens.push({ kind: 'name', text: source.slice(i, j), position: i });
      i = j;
      continue;
    }
    const hint = ch === '%' ? " ('%in%' and other %-operators are not supported)" : ch === '|' ? ' (random effects are not supported)' : '';
    throw syntaxError(source, i, `unexpected '${ch}'${hint}; supported: ${SUPPORTED}`, context);
  }
  tokens.push({ kind: 'end', text: '', position: n });
  return tokens;
}

/** Reads the quoted string starting at `start` into a 'string' token; returns the index after it. */
function readString(source: string, start: number, tokens: Token[], context: string): number {
  const quote = source[start];
  let value = '';
  let i = start + 1;
  for (;;) {
    if (i >= source.length) throw syntaxError(source, start, `unclosed ${quote} quote`, context);
    const ch = source[i];
    if (ch === quote) break;
    if (ch === '\\') {
      const escaped = STRING_ESCAPES[source[i + 1]];
      if (escaped === undefined) throw syntaxError(source, i, `unsupported escape '\\${source[i + 1] ?? ''}' (the escapes are \\\\, \\', \\", \\n, \\t, \\r)`, context);
      value += escaped;
      i += 2;
      continue;
    }
    value += ch;
    i++;
  }
  tokens.push({ kind: 'string', text: value, position: start });
  return i + 1;
}

// ---------------------------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------------------------

/** @internal A cursor over tokens, shared by the formula parser and the expression parser. */
export interface TokenCursor {
  readonly source: string;
  readonly tokens: readonly Token[];
  at: number;
  depth: number;
  readonly context: string;
}

/** @internal Whether the token is the operator `text`. */
export const isOp = (t: Token, text: string): boolean => t.kind === 'op' && t.text === text;
/** @internal The token at the cursor, not consumed. */
export const peek = (cursor: TokenCursor): Token => cursor.tokens[cursor.at];

/** @internal Enters one level of nesting, refusing input nested deeper than MAX_NESTING. */
export function enter(cursor: TokenCursor, position: number): void {
  if (++cursor.depth > MAX_NESTING) {
    throw syntaxError(cursor.source, position, `nesting deeper than ${MAX_NESTING} levels (parentheses, calls or signs) is not supported`, cursor.context);
  }
}

function isFunction(name: string): name is TransformFunction {
  return (TRANSFORM_FUNCTIONS as readonly string[]).includes(name);
}

/** @internal The error for a call of anything but the whitelisted transforms. */
export function unknownFunction(cursor: TokenCursor, token: Token): CbmError {
  return syntaxError(
    cursor.source,
    token.position,
    `function call '${token.text}(' is not supported; the transforms are log(), exp(), sqrt() and I() (or transform the column before fitting)`,
    cursor.context,
  );
}

/**
 * @internal Parses a call `fn(argument)` whose name token is at the cursor (the caller has
 * checked that '(' follows). Inside the parentheses `+ - * / ^` are arithmetic, as in R.
 */
export function parseCall(cursor: TokenCursor): Expression {
  const name = cursor.tokens[cursor.at];
  if (name.quoted || !isFunction(name.text)) throw unknownFunction(cursor, name);
  enter(cursor, name.position);
  cursor.at += 2; // name and '('
  const argument = additive(cursor);
  const close = cursor.tokens[cursor.at];
  if (isOp(close, ','))
    throw syntaxError(cursor.source, close.position, `${name.text}() takes exactly one argument (log is the natural logarithm; write log(x)/log(10) for base 10)`, cursor.context);
  if (!isOp(close, ')'))
    throw syntaxError(
      cursor.source,
      close.position,
      close.kind === 'end' ? "missing ')'" : `expected ')' but found '${close.text}' (inside ${name.text}() only +, -, *, /, ^, numbers and columns are allowed)`,
      cursor.context,
    );
  cursor.at++;
  cursor.depth--;
  return { kind: 'call', fn: name.text, argument };
}

/** @internal Parses `+ - * / ^` arithmetic over columns, numbers and transforms at the cursor (shared with the filter parser). */
export function parseArithmetic(cursor: TokenCursor): Expression {
  return additive(cursor);
}

function additive(cursor: TokenCursor): Expression {
  let left = multiplicative(cursor);
  for (;;) {
    const op = cursor.tokens[cursor.at];
    if (!(isOp(op, '+') || isOp(op, '-'))) return left;
    cursor.at++;
    left = { kind: 'binary', op: op.text as '+' | '-', left, right: multiplicative(cursor) };
  }
}

function multiplicative(cursor: TokenCursor): Expression {
  let left = unary(cursor);
  for (;;) {
    const op = cursor.tokens[cursor.at];
    if (!(isOp(op, '*') || isOp(op, '/'))) return left;
    cursor.at++;
    left = { kind: 'binary', op: op.text as '*' | '/', left, right: unary(cursor) };
  }
}

// R's precedence: ^ binds tighter than unary minus, which binds tighter than * and /.
function unary(cursor: TokenCursor): Expression {
  const sign = cursor.tokens[cursor.at];
  if (isOp(sign, '-') || isOp(sign, '+')) {
    enter(cursor, sign.position);
    cursor.at++;
    const argument = unary(cursor);
    cursor.depth--;
    return sign.text === '-' ? { kind: 'negate', argument } : argument;
  }
  const base = atom(cursor);
  const caret = cursor.tokens[cursor.at];
  if (!isOp(caret, '^')) return base;
  enter(cursor, caret.position);
  cursor.at++;
  const exponent = unary(cursor); // right-associative: a^b^c = a^(b^c); a^-1 allowed
  cursor.depth--;
  return { kind: 'binary', op: '^', left: base, right: exponent };
}

function atom(cursor: TokenCursor): Expression {
  const token = cursor.tokens[cursor.at];
  if (token.kind === 'number') {
    const value = Number(token.text);
    if (!Number.isFinite(value)) throw syntaxError(cursor.source, token.position, `the number ${token.text} is too large`, cursor.context);
    cursor.at++;
    return { kind: 'number', value };
  }
  if (token.kind === 'name') {
    if (isOp(cursor.tokens[cursor.at + 1], '(')) return parseCall(cursor);
    cursor.at++;
    if (token.text === '.' && !token.quoted) throw syntaxError(cursor.source, token.position, "'.' cannot be used inside a transform", cursor.context);
    return { kind: 'column', name: token.text };
  }
  if (isOp(token, '(')) {
    enter(cursor, token.position);
    cursor.at++;
    const inner = additive(cursor);
    const close = cursor.tokens[cursor.at];
    if (!isOp(close, ')')) throw syntaxError(cursor.source, close.position, close.kind === 'end' ? "missing ')'" : `expected ')' but found '${close.text}'`, cursor.context);
    cursor.at++;
    cursor.depth--;
    return inner;
  }
  if (token.kind === 'end') throw syntaxError(cursor.source, token.position, 'the expression ends where a column or number was expected', cursor.context);
  throw syntaxError(cursor.source, token.position, `expected a column, a number or '(' but found '${token.text}'`, cursor.context);
}

/**
 * Parses a transform label or any arithmetic expression over columns (`log(price/competitor_price)`,
 * `I(age^2)`, `price`); the inverse of {@link expressionLabel}. Errors are FORMULA_SYNTAX with a caret.
 */
export function parseExpression(label: string): Expression {
  check(typeof label === 'string', `parseExpression: expected text like 'log(price)', got ${typeof label}`);
  const source = label.trim();
  check(source.length > 0, `parseExpression: the expression is empty; write it like 'log(price)'`);
  const cursor: TokenCursor = { source, tokens: tokenize(source, 'parseExpression'), at: 0, depth: 0, context: 'parseExpression' };
  const expr = additive(cursor);
  const trailing = cursor.tokens[cursor.at];
  if (trailing.kind !== 'end') throw syntaxError(source, trailing.position, trailing.text === ')' ? "unmatched ')'" : `unexpected '${trailing.text}'`, 'parseExpression');
  return expr;
}

/** @internal R's rule for names that need no backticks. */
export function isSyntacticName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_.]*$|^\.[A-Za-z_][A-Za-z0-9_.]*$/.test(name);
}

/** @internal A column name as a formula or filter writes it: backticked (with \` and \\ escaped) unless syntactic. */
export function quoteColumnName(name: string): string {
  return isSyntacticName(name) ? name : `\`${name.replace(/[\\`]/g, (c) => `\\${c}`)}\``;
}

const quote = quoteColumnName;

/** Binding strength: sums < products < unary minus < powers < atoms. */
function precedence(e: Expression): number {
  if (e.kind === 'binary') return e.op === '+' || e.op === '-' ? 1 : e.op === '^' ? 4 : 2;
  if (e.kind === 'negate') return 3;
  return 5;
}

/**
 * The canonical label of an expression, in R's deparse style (`a + b`, `a - b`, `a * b`, `a/b`,
 * `a^2`, `-a`, `log(x)`), with exactly the parentheses that the precedence needs. Two spellings of
 * the same transform (`log(a /b)`, `log((a/b))`) get one label, so they are one term.
 */
export function expressionLabel(expr: Expression): string {
  checkExpression(expr, 'expressionLabel');
  return label(expr);
}

function label(expr: Expression): string {
  const wrap = (e: Expression, parens: boolean) => (parens ? `(${label(e)})` : label(e));
  switch (expr.kind) {
    case 'column':
      return quote(expr.name);
    case 'number':
      return String(expr.value);
    case 'call':
      return `${expr.fn}(${label(expr.argument)})`;
    case 'negate':
      return `-${wrap(expr.argument, precedence(expr.argument) < 3)}`;
    case 'binary': {
      const p = precedence(expr);
      const l = precedence(expr.left);
      const r = precedence(expr.right);
      // R writes a^-b: a signed exponent needs no parentheses, a sum or product does.
      if (expr.op === '^') return `${wrap(expr.left, l <= 4)}^${wrap(expr.right, r < 3)}`;
      const left = wrap(expr.left, l < p);
      const right = wrap(expr.right, r <= p);
      return expr.op === '*' || p === 1 ? `${left} ${expr.op} ${right}` : `${left}${expr.op}${right}`;
    }
  }
}

/**
 * True when `label` is a transform (a call of log, exp, sqrt or I) rather than a column name:
 * the test every consumer of term variables uses to decide whether to derive the column.
 */
export function isDerived(label: string): boolean {
  if (typeof label !== 'string' || !label.endsWith(')') || !/^\s*(log|exp|sqrt|I)\s*\(/.test(label)) return false;
  try {
    const expr = parseExpression(label);
    return expr.kind === 'call';
  } catch {
    return false;
  }
}

/** The raw columns an expression reads, in order of first appearance. */
export function expressionColumns(expr: Expression): string[] {
  checkExpression(expr, 'expressionColumns');
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = (e: Expression): void => {
    if (e.kind === 'column') {
      if (!seen.has(e.name)) {
        seen.add(e.name);
        out.push(e.name);
      }
    } else if (e.kind === 'call' || e.kind === 'negate') walk(e.argument);
    else if (e.kind === 'binary') {
      walk(e.left);
      walk(e.right);
    }
  };
  walk(expr);
  return out;
}

type Value = Float64Array | number;

const apply1 = (x: Value, f: (v: number) => number): Value => {
  if (typeof x === 'number') return f(x);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]);
  return out;
};

function apply2(op: '+' | '-' | '*' | '/' | '^', a: Value, b: Value, n: number): Value {
  const f = BINARY[op];
  if (typeof a === 'number' && typeof b === 'number') return f(a, b);
  const out = new Float64Array(n);
  if (typeof a === 'number') for (let i = 0; i < n; i++) out[i] = f(a, (b as Float64Array)[i]);
  else if (typeof b === 'number') for (let i = 0; i < n; i++) out[i] = f(a[i], b);
  else for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]);
  return out;
}

const BINARY = {
  '+': (a: number, b: number) => a + b,
  '-': (a: number, b: number) => a - b,
  '*': (a: number, b: number) => a * b,
  '/': (a: number, b: number) => a / b,
  // Math.pow matches R's ^ on doubles: 0^0 = 1, a negative base with a fractional exponent is NaN.
  '^': (a: number, b: number) => a ** b,
} as const;

const FUNCTIONS: Record<TransformFunction, (v: number) => number> = {
  log: Math.log,
  exp: Math.exp,
  sqrt: Math.sqrt,
  I: (v) => v,
};

/**
 * @internal The values of `expr` on `n` rows, given each column as numbers: no finiteness check,
 * so a missing input (NaN) or an undefined operation gives NaN or ±Infinity in its row.
 */
export function evaluateUnchecked(expr: Expression, columns: (name: string) => Float64Array, n: number): Float64Array {
  const value = evaluate(expr, columns, n);
  return typeof value === 'number' ? new Float64Array(n).fill(value) : value;
}

function evaluate(expr: Expression, columns: (name: string) => Float64Array, n: number): Value {
  switch (expr.kind) {
    case 'column':
      return columns(expr.name);
    case 'number':
      return expr.value;
    case 'call': {
      const argument = evaluate(expr.argument, columns, n);
      return expr.fn === 'I' ? argument : apply1(argument, FUNCTIONS[expr.fn]);
    }
    case 'negate':
      return apply1(evaluate(expr.argument, columns, n), (v) => -v);
    case 'binary':
      return apply2(expr.op, evaluate(expr.left, columns, n), evaluate(expr.right, columns, n), n);
  }
}

/** One row's value of every node, to explain where a non-finite result comes from. */
function rowValue(expr: Expression, columns: (name: string) => Float64Array, row: number): number {
  switch (expr.kind) {
    case 'column':
      return columns(expr.name)[row];
    case 'number':
      return expr.value;
    case 'call':
      return FUNCTIONS[expr.fn](rowValue(expr.argument, columns, row));
    case 'negate':
      return -rowValue(expr.argument, columns, row);
    case 'binary':
      return BINARY[expr.op](rowValue(expr.left, columns, row), rowValue(expr.right, columns, row));
  }
}

/** The innermost node whose operands are finite but whose value is not (there is one when the root is not finite). */
function culprit(expr: Expression, columns: (name: string) => Float64Array, row: number): Expression {
  const children = expr.kind === 'call' || expr.kind === 'negate' ? [expr.argument] : expr.kind === 'binary' ? [expr.left, expr.right] : [];
  for (const child of children) if (!Number.isFinite(rowValue(child, columns, row))) return culprit(child, columns, row);
  return expr;
}

/**
 * Evaluates an expression on every row of `table` (columns must be numeric and finite). A
 * non-finite result, e.g. the log of a non-positive value or a division by zero, is a NON_FINITE
 * error naming the expression, the operation that failed, the columns it read and the row.
 */
export function evaluateExpression(expr: Expression, table: Table, context: string): Float64Array {
  checkContext(context);
  checkExpression(expr, context);
  check(isTable(table), `${context}: expected a table (use toTable(rows) for rows or columns)`);
  const n = table.nRows;
  const cache = new Map<string, Float64Array>();
  const columns = (name: string): Float64Array => {
    let column = cache.get(name);
    if (!column) {
      column = numericColumnView(table, name, context);
      cache.set(name, column);
    }
    return column;
  };
  const value = evaluate(expr, columns, n);
  let out: Float64Array;
  if (typeof value === 'number') out = new Float64Array(n).fill(value);
  // A result that is an input column itself (`I(x)`) is copied: derived columns are independent.
  else out = [...cache.values()].includes(value) ? Float64Array.from(value) : value;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(out[i])) throw nonFiniteError(expr, columns, i, out[i], context);
  }
  return out;
}

function nonFiniteError(expr: Expression, columns: (name: string) => Float64Array, row: number, value: number, context: string): CbmError {
  const label = expressionLabel(expr);
  const failing = culprit(expr, columns, row);
  const read = expressionColumns(expr);
  const inputs = read.map((c) => `${c} = ${columns(c)[row]}`).join(', ');
  const why =
    failing.kind === 'call' && (failing.fn === 'log' || failing.fn === 'sqrt')
      ? `${failing.fn}() needs ${failing.fn === 'log' ? 'positive' : 'non-negative'} values and ${expressionLabel(failing.argument)} is ${rowValue(failing.argument, columns, row)}`
      : failing.kind === 'binary' && failing.op === '/'
        ? `${expressionLabel(failing.right)} is 0 in the division ${expressionLabel(failing)}`
        : `${expressionLabel(failing)} is ${rowValue(failing, columns, row)}`;
  return rowError(
    row,
    (at) =>
      new CbmError('NON_FINITE', `${context}: the transform ${label} is ${value} in row ${at} (${inputs}): ${why}; remove or fix such rows, or use a transform defined for them`, {
        expression: label,
        column: read[0] ?? null,
        columns: read,
        row: at,
      }),
  );
}

const derivedViews = new WeakMap<Table, ReadonlyMap<string, Float64Array>>();

/**
 * A view of `table` with the transformed columns among `labels` added under their labels
 * (labels that are plain column names are left to the table). Fitting and scoring both go
 * through here, so a model derives exactly the same columns from raw rows as it was fitted on.
 * Errors (unknown or text columns, non-finite results) are raised here, before any fitting.
 */
export function deriveColumns(table: Table, labels: readonly string[], context: string): Table {
  checkContext(context);
  check(isTable(table), `${context}: expected a table (use toTable(rows) for rows or columns)`);
  check(Array.isArray(labels) && Array.from(labels).every((l) => typeof l === 'string'), `${context}: labels must be a list of column names or transforms such as 'log(price)'`);
  const inherited = derivedViews.get(table);
  const derived = new Map<string, Float64Array>(inherited ?? []);
  const added: string[] = [];
  for (const label of labels) {
    if (derived.has(label) || !isDerived(label)) continue;
    derived.set(label, evaluateExpression(parseExpression(label), table, context));
    if (!table.has(label)) added.push(label);
  }
  if (added.length === 0 && derived.size === (inherited?.size ?? 0)) return table;
  const names = Object.freeze([...table.names, ...added]);
  const view: Table = {
    nRows: table.nRows,
    names,
    has: (name) => derived.has(name) || table.has(name),
    cells: (name) => derived.get(name) ?? table.cells(name),
  };
  derivedViews.set(view, derived);
  return view;
}

/**
 * The raw columns that a list of variable labels reads: a transform's columns, a plain name
 * itself (used to keep only the preparation a model needs, and by in-database scoring).
 */
export function rawColumns(labels: readonly string[]): string[] {
  // Array.from: a hole in a sparse array is undefined here, where every() would skip it.
  check(Array.isArray(labels) && Array.from(labels).every((l) => typeof l === 'string'), `rawColumns: labels must be a list of column names or transforms such as 'log(price)'`);
  const out = new Set<string>();
  for (const label of labels) {
    if (isDerived(label)) for (const c of expressionColumns(parseExpression(label))) out.add(c);
    else out.add(label);
  }
  return [...out];
}

/** The derived view a model scores on: its terms' transforms added to the (prepared) raw table. */
export function deriveTermColumns(table: Table, terms: readonly { readonly variables: readonly string[] }[], context: string): Table {
  const labels: string[] = [];
  for (const t of terms) for (const v of t.variables) labels.push(v);
  return deriveColumns(table, labels, context);
}
