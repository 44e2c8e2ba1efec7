import { CbmError, check, describeValue } from '../errors';
import { isTable, selectRows, toTable, type Cell, type DataInput, type Row, type Table } from '../data/table';
import { unsupportedCell } from '../data/cells';
import { enter, evaluateUnchecked, expressionColumns, isOp, parseArithmetic, peek, syntaxError, tokenize, type Expression, type Token, type TokenCursor } from './expression';

/**
 * A row filter in a small R-like language, the condition of R's `subset(data, …)`: column names
 * (backticked when not syntactic), numbers, quoted strings, TRUE/FALSE/NA, the arithmetic and
 * transforms of formulas (`log(income) > 10`), the comparisons `== != < <= > >=`, `&`, `|`, `!`,
 * `x %in% c(…)`, `is.na(x)` and parentheses. It is parsed into a {@link Filter} tree; nothing is
 * evaluated as code and no text is passed to a database as it was written: the same tree runs
 * in memory ({@link filterRows}) and is written as SQL with quoted identifiers and escaped
 * literals (`filterSQL` in the sql entry), so the two select the same rows.
 *
 * Semantics are R's and SQL's, which agree here: a comparison with a missing value (null,
 * undefined, NaN; SQL NULL) is NA, `&` and `|` use three-valued logic (`NA & FALSE` is FALSE),
 * and a row whose condition is NA is dropped. `%in%` is never NA (as R's `match`): a missing value
 * is in the list only when the list holds NA. Arithmetic that is undefined for a row (`log(0)`,
 * a division by zero) is NA there, as in-database transforms give NULL. Values compare only with
 * values of their kind (numbers, text, logical); text compares only with `==` and `!=`, because
 * the order of text depends on each database's collation.
 *
 * @example
 * const filter = parseFilter("contacted & gender %in% c('M', 'F') & !is.na(income) & age >= 30");
 * filterColumns(filter); // ['contacted', 'gender', 'income', 'age']
 */
export type Filter =
  | { kind: 'and' | 'or'; left: Filter; right: Filter }
  | { kind: 'not'; argument: Filter }
  | { kind: 'compare'; op: FilterComparison; left: FilterOperand; right: FilterOperand }
  | { kind: 'in'; operand: FilterOperand; values: FilterLiteral[] }
  | { kind: 'isNA'; operand: FilterOperand }
  /** A logical column or literal used as the condition itself (`contacted`, `TRUE`). */
  | { kind: 'truth'; operand: FilterOperand };

/** The comparison operators, as written in R. */
export type FilterComparison = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** A literal in a filter: a number, text, TRUE/FALSE, or NA (null). */
export type FilterLiteral = number | string | boolean | null;

/** A value in a filter: a column or arithmetic over columns (an {@link Expression}), or a literal. */
export type FilterOperand = { kind: 'expression'; expression: Expression } | { kind: 'literal'; value: string | boolean | null };

const COMPARISONS: readonly string[] = ['==', '!=', '<', '<=', '>', '>='];
/** More literals than this in one `%in%` list would make an unwieldy SQL text. */
export const MAX_IN_VALUES = 10_000;
/** Longer filter text is refused before it is tokenised. */
export const MAX_FILTER_LENGTH = 100_000;

const SUPPORTED_FILTER = "columns, numbers, 'text', TRUE, FALSE, NA, + - * / ^, log() exp() sqrt() I(), == != < <= > >=, &, |, !, %in% c(…), is.na() and parentheses";

/**
 * Parses a row filter (see {@link Filter}). Errors are FORMULA_SYNTAX with a caret under the
 * position, or BAD_INPUT for what is not text.
 *
 * @example
 * parseFilter('age >= 30 & gender == "F"').kind; // 'and'
 */
export function parseFilter(text: string, context = 'filter'): Filter {
  if (typeof context !== 'string') context = 'parseFilter';
  check(typeof text === 'string', `${context}: a filter must be text such as 'age >= 30 & gender == "F"', got ${describeValue(text)}`);
  const source = text.trim();
  check(source.length > 0, `${context}: the filter is empty; write a condition such as 'age >= 30'`);
  check(source.length <= MAX_FILTER_LENGTH, `${context}: the filter has ${source.length} characters; at most ${MAX_FILTER_LENGTH} are allowed`);
  const cursor: TokenCursor = { source, tokens: tokenize(source, context, true), at: 0, depth: 0, context };
  const filter = parseOr(cursor);
  const trailing = peek(cursor);
  if (trailing.kind !== 'end') {
    const hint =
      trailing.text === ')'
        ? "unmatched ')'"
        : COMPARISONS.includes(trailing.text)
          ? `unexpected '${trailing.text}' (a comparison cannot be chained; join two with &)`
          : `unexpected '${trailing.text}'`;
    throw syntaxError(source, trailing.position, `${hint}; a filter is built from ${SUPPORTED_FILTER}`, context);
  }
  return filter;
}

const isWord = (t: Token, text: string) => t.kind === 'name' && !t.quoted && t.text === text;

function parseOr(cursor: TokenCursor): Filter {
  let left = parseAnd(cursor);
  for (;;) {
    const op = peek(cursor);
    if (isOp(op, '||')) throw syntaxError(cursor.source, op.position, "'||' compares single values in R; use '|' for rows", cursor.context);
    if (!isOp(op, '|')) return left;
    cursor.at++;
    left = { kind: 'or', left, right: parseAnd(cursor) };
  }
}

function parseAnd(cursor: TokenCursor): Filter {
  let left = parseNot(cursor);
  for (;;) {
    const op = peek(cursor);
    if (isOp(op, '&&')) throw syntaxError(cursor.source, op.position, "'&&' compares single values in R; use '&' for rows", cursor.context);
    if (!isOp(op, '&')) return left;
    cursor.at++;
    left = { kind: 'and', left, right: parseNot(cursor) };
  }
}

// R's precedence: ! binds more loosely than comparisons (!x == 1 is !(x == 1)), more tightly than & and |.
function parseNot(cursor: TokenCursor): Filter {
  const bang = peek(cursor);
  if (!isOp(bang, '!')) return parseCondition(cursor);
  enter(cursor, bang.position);
  cursor.at++;
  const argument = parseNot(cursor);
  cursor.depth--;
  return { kind: 'not', argument };
}

function parseCondition(cursor: TokenCursor): Filter {
  const token = peek(cursor);
  if (isOp(token, '(')) {
    // '(' opens either arithmetic, `(price - cost) > 10`, or a group of conditions, `(a | b) & c`.
    // Arithmetic is tried first; when no comparison follows it, the parenthesis is read as a group.
    const start = { at: cursor.at, depth: cursor.depth };
    let left: FilterOperand | null = null;
    try {
      left = { kind: 'expression', expression: parseArithmetic(cursor) };
    } catch (error) {
      if (!(error instanceof CbmError) || error.code !== 'FORMULA_SYNTAX' || /nesting deeper/.test(error.message)) throw error;
    }
    const next = peek(cursor);
    if (left && (COMPARISONS.includes(next.text) || isOp(next, '%in%')) && next.kind === 'op') return parseComparison(cursor, left);
    cursor.at = start.at;
    cursor.depth = start.depth;
    enter(cursor, token.position);
    cursor.at++;
    const inner = parseOr(cursor);
    const close = peek(cursor);
    if (!isOp(close, ')')) throw syntaxError(cursor.source, close.position, close.kind === 'end' ? "missing ')'" : `expected ')' but found '${close.text}'`, cursor.context);
    cursor.at++;
    cursor.depth--;
    return inner;
  }
  if (isWord(token, 'is.na') && isOp(cursor.tokens[cursor.at + 1], '(')) {
    enter(cursor, token.position);
    cursor.at += 2;
    const operand = parseOperand(cursor);
    const close = peek(cursor);
    if (!isOp(close, ')'))
      throw syntaxError(cursor.source, close.position, close.kind === 'end' ? "missing ')'" : `is.na() takes one column or expression; found '${close.text}'`, cursor.context);
    cursor.at++;
    cursor.depth--;
    const after = peek(cursor);
    if (after.kind === 'op' && (COMPARISONS.includes(after.text) || after.text === '%in%'))
      throw syntaxError(cursor.source, after.position, 'is.na() is already a condition; use it as it is, or negate it with !', cursor.context);
    return { kind: 'isNA', operand };
  }
  return parseComparison(cursor, parseOperand(cursor));
}

function parseComparison(cursor: TokenCursor, left: FilterOperand): Filter {
  const op = peek(cursor);
  if (op.kind === 'op' && COMPARISONS.includes(op.text)) {
    cursor.at++;
    const right = parseOperand(cursor);
    const comparison = op.text as FilterComparison;
    if ((isText(left) || isText(right)) && comparison !== '==' && comparison !== '!=')
      throw syntaxError(
        cursor.source,
        op.position,
        `text compares only with == and != (the order of text differs between databases); '${op.text}' compares numbers`,
        cursor.context,
      );
    return { kind: 'compare', op: comparison, left, right };
  }
  if (isOp(op, '%in%')) {
    if (left.kind !== 'expression' || left.expression.kind !== 'column')
      throw syntaxError(cursor.source, op.position, "the left side of %in% must be a column (R's %in% binds more tightly than arithmetic)", cursor.context);
    cursor.at++;
    return { kind: 'in', operand: left, values: parseList(cursor) };
  }
  // No operator: the operand is the condition itself, a logical column or literal.
  if (left.kind === 'expression' && left.expression.kind !== 'column')
    throw syntaxError(cursor.source, op.position, `a number is not a condition; compare it, e.g. with > or ==`, cursor.context);
  if (left.kind === 'literal' && typeof left.value === 'string')
    throw syntaxError(cursor.source, op.position, 'text is not a condition; compare a column with it, e.g. gender == "F"', cursor.context);
  return { kind: 'truth', operand: left };
}

const isText = (operand: FilterOperand) => operand.kind === 'literal' && typeof operand.value === 'string';

function parseOperand(cursor: TokenCursor): FilterOperand {
  const token = peek(cursor);
  if (token.kind === 'string') {
    cursor.at++;
    return { kind: 'literal', value: token.text };
  }
  const literal = logicalLiteral(token);
  if (literal !== undefined && !isOp(cursor.tokens[cursor.at + 1], '(')) {
    cursor.at++;
    return { kind: 'literal', value: literal };
  }
  if ((isWord(token, 'c') || isWord(token, 'is.na')) && isOp(cursor.tokens[cursor.at + 1], '('))
    throw syntaxError(
      cursor.source,
      token.position,
      token.text === 'c' ? 'c(…) is allowed only after %in%' : 'is.na() is a condition; it cannot be compared or computed with',
      cursor.context,
    );
  if (token.kind === 'end') throw syntaxError(cursor.source, token.position, 'the filter ends where a column or value was expected', cursor.context);
  if (token.kind === 'op' && token.text !== '(' && token.text !== '-' && token.text !== '+')
    throw syntaxError(cursor.source, token.position, `expected a column or a value but found '${token.text}'; a filter is built from ${SUPPORTED_FILTER}`, cursor.context);
  return { kind: 'expression', expression: parseArithmetic(cursor) };
}

const logicalLiteral = (token: Token): boolean | null | undefined => (isWord(token, 'TRUE') ? true : isWord(token, 'FALSE') ? false : isWord(token, 'NA') ? null : undefined);

/** The `c(…)` after %in%: literals only, all numbers or all text (NA and logical values allowed). */
function parseList(cursor: TokenCursor): FilterLiteral[] {
  const c = peek(cursor);
  if (!isWord(c, 'c') || !isOp(cursor.tokens[cursor.at + 1], '('))
    throw syntaxError(cursor.source, c.position, "%in% needs a list of values written c(…), e.g. gender %in% c('M', 'F')", cursor.context);
  cursor.at += 2;
  const values: FilterLiteral[] = [];
  let kind: string | null = null;
  while (!isOp(peek(cursor), ')')) {
    if (values.length > 0) {
      const comma = peek(cursor);
      if (!isOp(comma, ','))
        throw syntaxError(cursor.source, comma.position, comma.kind === 'end' ? "missing ')'" : `expected ',' or ')' but found '${comma.text}'`, cursor.context);
      cursor.at++;
    }
    const token = peek(cursor);
    let value: FilterLiteral | undefined;
    if (token.kind === 'string') value = token.text;
    else if (token.kind === 'number') value = Number(token.text);
    else if ((isOp(token, '-') || isOp(token, '+')) && cursor.tokens[cursor.at + 1].kind === 'number') {
      cursor.at++;
      value = (token.text === '-' ? -1 : 1) * Number(peek(cursor).text);
    } else value = logicalLiteral(token);
    if (value === undefined)
      throw syntaxError(cursor.source, token.position, token.kind === 'end' ? "missing ')'" : 'the values in c(…) must be numbers, quoted text, TRUE, FALSE or NA', cursor.context);
    if (typeof value === 'number' && !Number.isFinite(value)) throw syntaxError(cursor.source, token.position, `the number ${peek(cursor).text} is too large`, cursor.context);
    if (value !== null) {
      const k = typeof value;
      if (kind !== null && k !== kind)
        throw syntaxError(cursor.source, token.position, `c(…) mixes ${kind === 'string' ? 'text' : kind}s and ${k === 'string' ? 'text' : k}s`, cursor.context);
      kind = k;
    }
    values.push(value);
    if (values.length > MAX_IN_VALUES) throw syntaxError(cursor.source, token.position, `c(…) may hold at most ${MAX_IN_VALUES} values`, cursor.context);
    cursor.at++;
  }
  cursor.at++;
  return values;
}

/**
 * The columns a filter reads, in order of first appearance.
 *
 * @example
 * filterColumns(parseFilter('log(income) > 10 & !is.na(age)')); // ['income', 'age']
 */
export function filterColumns(filter: Filter): string[] {
  check(
    filter !== null && typeof filter === 'object' && typeof (filter as { kind?: unknown }).kind === 'string',
    `filterColumns: expected a filter from parseFilter, got ${describeValue(filter)}`,
  );
  const out = new Set<string>();
  const operand = (o: FilterOperand) => {
    if (o.kind === 'expression') for (const c of expressionColumns(o.expression)) out.add(c);
  };
  const walk = (f: Filter): void => {
    if ('left' in f && f.kind !== 'compare') {
      walk(f.left);
      walk(f.right);
    } else if (f.kind === 'not') walk(f.argument);
    else if (f.kind === 'compare') {
      operand(f.left);
      operand(f.right);
    } else operand(f.operand);
  };
  walk(filter);
  return [...out];
}

// ---------------------------------------------------------------------------------------------
// Evaluation in memory
// ---------------------------------------------------------------------------------------------

/** A value of one row: number, text, logical, or null for NA. */
type Scalar = number | string | boolean | null;
/** One truth value per row: 1 true, 0 false, 2 NA. */
const NA = 2;

/**
 * The rows of `data` (rows or columns) for which `filter` is TRUE, as row objects in their
 * original order; rows where it is FALSE or NA are dropped (R's `subset`, SQL's WHERE). The input
 * is not changed. A filter naming a column the data lacks is UNKNOWN_COLUMN; comparing values of
 * different kinds (a number with text) is BAD_INPUT.
 *
 * @example
 * const rows = [{ id: 1, age: 25, gender: 'F' }, { id: 2, age: 41, gender: 'M' }, { id: 3, age: null, gender: 'F' }];
 * filterRows(rows, 'age >= 30 | gender == "F"').map((r) => r.id); // [1, 2, 3] (row 3: NA | TRUE is TRUE)
 * filterRows(rows, 'age >= 30').map((r) => r.id); // [2]
 */
export function filterRows(data: DataInput | Table, filter: string | Filter): Row[] {
  const context = 'filterRows';
  const table = toTable(data, context);
  return selectRows(table, filterIndices(table, filter, context));
}

/** @internal The indices of the rows of `table` for which `filter` is TRUE. */
export function filterIndices(table: Table, filter: string | Filter, context: string): Int32Array {
  check(isTable(table), `${context}: expected a table`);
  const tree = typeof filter === 'string' ? parseFilter(filter, context) : filter;
  check(
    tree !== null && typeof tree === 'object' && typeof (tree as { kind?: unknown }).kind === 'string',
    `${context}: the filter must be text such as 'age >= 30', got ${describeValue(filter)}`,
  );
  for (const name of filterColumns(tree)) table.cells(name); // UNKNOWN_COLUMN before any work
  const truth = evaluateFilter(tree, table, context);
  let kept = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i] === 1) kept++;
  const out = new Int32Array(kept);
  for (let i = 0, k = 0; i < truth.length; i++) if (truth[i] === 1) out[k++] = i;
  return out;
}

function evaluateFilter(filter: Filter, table: Table, context: string): Uint8Array {
  const n = table.nRows;
  const numbers = new Map<string, Float64Array>();
  /** A column as numbers with NaN for NA, for arithmetic (text is refused). */
  const numeric = (name: string): Float64Array => {
    let column = numbers.get(name);
    if (!column) {
      const cells = table.cells(name);
      column = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = scalar(cells[i], name, i, context);
        if (typeof v === 'string')
          throw new CbmError('BAD_INPUT', `${context}: column '${name}' holds text ('${v}' in row ${i}), so it cannot be computed with`, { column: name, row: i });
        column[i] = v === null ? Number.NaN : Number(v);
      }
      numbers.set(name, column);
    }
    return column;
  };
  /** An operand's value in every row. */
  const values = (o: FilterOperand): ((i: number) => Scalar) => {
    if (o.kind === 'literal') return () => o.value;
    const e = o.expression;
    if (e.kind === 'number') return () => e.value;
    if (e.kind === 'column') {
      const cells = table.cells(e.name);
      return (i) => scalar(cells[i], e.name, i, context);
    }
    const computed = evaluateUnchecked(e, numeric, n);
    // Undefined arithmetic is NA, as the SQL of a transform gives NULL.
    return (i) => (Number.isFinite(computed[i]) ? computed[i] : null);
  };
  const walk = (f: Filter): Uint8Array => {
    const out = new Uint8Array(n);
    switch (f.kind) {
      case 'and':
      case 'or': {
        const a = walk(f.left);
        const b = walk(f.right);
        const dominant = f.kind === 'and' ? 0 : 1;
        for (let i = 0; i < n; i++) out[i] = a[i] === dominant || b[i] === dominant ? dominant : a[i] === NA || b[i] === NA ? NA : 1 - dominant;
        return out;
      }
      case 'not': {
        const a = walk(f.argument);
        for (let i = 0; i < n; i++) out[i] = a[i] === NA ? NA : 1 - a[i];
        return out;
      }
      case 'isNA': {
        const v = values(f.operand);
        for (let i = 0; i < n; i++) out[i] = v(i) === null ? 1 : 0;
        return out;
      }
      case 'truth': {
        const v = values(f.operand);
        for (let i = 0; i < n; i++) {
          const x = v(i);
          if (x !== null && typeof x !== 'boolean') throw notLogical(f.operand, x, i, context);
          out[i] = x === null ? NA : x ? 1 : 0;
        }
        return out;
      }
      case 'in': {
        const v = values(f.operand);
        const withNA = f.values.includes(null);
        const known = f.values.filter((x): x is Exclude<FilterLiteral, null> => x !== null);
        for (let i = 0; i < n; i++) {
          const x = v(i);
          out[i] = x === null ? Number(withNA) : Number(known.some((y) => compareScalars(x, y, '==', f, i, context)));
        }
        return out;
      }
      case 'compare': {
        const a = values(f.left);
        const b = values(f.right);
        for (let i = 0; i < n; i++) {
          const x = a(i);
          const y = b(i);
          out[i] = x === null || y === null ? NA : compareScalars(x, y, f.op, f, i, context) ? 1 : 0;
        }
        return out;
      }
    }
  };
  return walk(filter);
}

function scalar(cell: Cell, column: string, row: number, context: string): Scalar {
  if (cell === null || cell === undefined || (typeof cell === 'number' && Number.isNaN(cell))) return null;
  if (typeof cell === 'number' || typeof cell === 'string' || typeof cell === 'boolean') return cell;
  throw new CbmError('BAD_INPUT', `${context}: column '${column}' has ${unsupportedCell(cell, ` in row ${row}`) || describeValue(cell)}`, { column, row });
}

function kindOf(x: Scalar): string {
  return typeof x === 'string' ? 'text' : typeof x === 'boolean' ? 'a logical value' : 'a number';
}

function compareScalars(x: Exclude<Scalar, null>, y: Exclude<Scalar, null>, op: FilterComparison, filter: Filter, row: number, context: string): boolean {
  if (typeof x !== typeof y)
    throw new CbmError('BAD_INPUT', `${context}: row ${row} compares ${kindOf(x)} (${describeValue(x)}) with ${kindOf(y)} (${describeValue(y)}); compare values of one kind`, {
      row,
      filter: filter.kind,
    });
  if (typeof x === 'string' && op !== '==' && op !== '!=')
    throw new CbmError('BAD_INPUT', `${context}: row ${row} orders text with '${op}'; text compares only with == and !=`, { row });
  switch (op) {
    case '==':
      return x === y;
    case '!=':
      return x !== y;
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    case '>=':
      return x >= y;
  }
}

function notLogical(operand: FilterOperand, value: Scalar, row: number, context: string): CbmError {
  const name = operand.kind === 'expression' && operand.expression.kind === 'column' ? `column '${operand.expression.name}'` : 'the value';
  return new CbmError(
    'BAD_INPUT',
    `${context}: ${name} is used as a condition but holds ${kindOf(value)} (${describeValue(value)} in row ${row}); a condition needs TRUE/FALSE values, so compare it, e.g. with == 1`,
    { row },
  );
}
