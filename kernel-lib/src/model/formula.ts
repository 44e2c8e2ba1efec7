import { CbmError, check } from '../errors';
import { checkOptionSchema } from '../options';
import { enter, expressionColumns, expressionLabel, isDerived, isOp, parseCall, peek, quoteColumnName, syntaxError, tokenize, type Token, type TokenCursor } from './expression';

/** One term of a formula's right-hand side: a variable or an interaction of several, with R's label. */
export interface Term {
  /** R's label, e.g. `gender:age`. */
  readonly label: string;
  /** The variables multiplied in this term, in formula order. */
  readonly variables: readonly string[];
}

/** A parsed formula, as {@link parseFormula} returns it: the response, the intercept and the expanded terms. */
export interface Formula {
  /** The formula as written (normalised whitespace). */
  readonly source: string;
  /** The response variable, or null for a one-sided formula `~ a + b`. */
  readonly response: string | null;
  /** false when the formula removes it with `- 1` or `+ 0`. */
  readonly intercept: boolean;
  /** The expanded right-hand-side terms in R's order (by degree, then as they first appear). */
  readonly terms: readonly Term[];
  /** All right-hand-side variables in order of first appearance. */
  readonly variables: readonly string[];
  /**
   * The response and variables that are transforms (`log(price)`, `I(age^2)`), by label: the
   * columns {@link deriveColumns} adds before the design is built.
   */
  readonly derived: readonly string[];
}

/** A term under construction: the sorted indices of its variables. */
type TermIndices = number[];
/** Terms in creation order with their keys, without duplicates (a plain list: most hold one term). */
type TermSet = readonly TermEntry[];
interface TermEntry {
  readonly key: string;
  readonly term: TermIndices;
}
/** An accumulator keyed by term, so that union and removal are O(1) per term. */
type TermMap = Map<string, TermIndices>;
const toList = (map: TermMap): TermSet => Array.from(map, ([key, term]) => ({ key, term }));

interface Value {
  terms: TermSet;
  /** Set when the expression is the literal 1 or 0 (intercept on / off). */
  interceptLiteral?: 0 | 1;
  position: number;
}

/** A formula may expand to at most this many terms (`(a + … + z)^26` would have 67 million). */
export const MAX_TERMS = 100_000;
/** A term may multiply at most this many variables. */
export const MAX_TERM_VARIABLES = 64;

const termKey = (term: TermIndices): string => term.join(',');

function unionInto(target: TermMap, source: TermSet): TermMap {
  for (let k = 0; k < source.length; k++) {
    const entry = source[k];
    if (!target.has(entry.key)) target.set(entry.key, entry.term);
  }
  return target;
}

/** Merges two sorted index lists without duplicates (linear). */
function mergeSorted(x: TermIndices, y: TermIndices): TermIndices {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    const a = i < x.length ? x[i] : Infinity;
    const b = j < y.length ? y[j] : Infinity;
    if (a === b) {
      out.push(a);
      i++;
      j++;
    } else if (a < b) {
      out.push(a);
      i++;
    } else {
      out.push(b);
      j++;
    }
  }
  return out;
}

/** Options of {@link parseFormula}. */
export interface ParseOptions {
  /** The data's column names, needed to expand `.`. */
  columns?: readonly string[];
}

/**
 * Parses an R-style model formula into terms without any `eval`: `y ~ a + b`, `a:b`, `a*b`,
 * `(a + b + c)^2`, `^3`, `- 1` / `+ 0`, `- a`, and `.` for every other column. Term labels
 * follow R (`gender:age`, variables in order of first appearance, terms by order), so a
 * coefficient table reads the same as R's `glm` output.
 *
 * Any unsupported syntax is rejected with a message that points at the token.
 * Runs in time linear in the formula's length plus the number of terms it expands to; expansions
 * beyond MAX_TERMS terms (or terms of more than MAX_TERM_VARIABLES variables) are TOO_LARGE, and
 * nesting deeper than MAX_NESTING is FORMULA_SYNTAX, so no input can hang it or exhaust the stack.
 *
 * @example
 * parseFormula('responded ~ (gender + income + age)^2').terms.map(t => t.label)
 * // ['gender', 'income', 'age', 'gender:income', 'gender:age', 'income:age']
 */
export function parseFormula(formula: string, options: ParseOptions = {}): Formula {
  check(typeof formula === 'string', `formula must be a string like 'responded ~ gender + age', got ${typeof formula}`);
  const source = formula.trim();
  check(source.length > 0, `formula is empty; write it like 'responded ~ gender + age'`);
  checkOptionSchema(options, 'parseFormula', { columns: { kind: 'names', example: "['responded', 'gender', 'age']" } });
  const parse: FormulaParse = {
    cursor: { source, tokens: tokenize(source), at: 0, depth: 0, context: 'formula' },
    variableNames: [],
    variableIndex: new Map(),
    response: null,
    responseColumns: [],
    columns: options.columns,
  };
  parseResponse(parse);
  const rhs = sum(parse, true);
  const trailing = peek(parse.cursor);
  if (trailing.kind !== 'end') {
    throw syntaxError(
      source,
      trailing.position,
      trailing.text === ')'
        ? "unmatched ')'"
        : trailing.text === '/'
          ? "unexpected '/' (nesting with '/' is not supported; write a + a:b, or use '/' inside a transform such as I(a/b))"
          : `unexpected '${trailing.text}' (terms are joined with +, -, *, :)`,
    );
  }
  // R orders terms by their order (number of variables), keeping creation order within one order
  // (Array.prototype.sort is stable).
  const ordered = [...rhs.terms.values()].sort((a, b) => a.length - b.length);
  const terms: Term[] = ordered.map((t) => {
    const variables = t.map((k) => parse.variableNames[k]);
    return { label: variables.join(':'), variables };
  });
  const used = new Set<string>();
  for (const t of terms) for (const v of t.variables) used.add(v);
  const variables = parse.variableNames.filter((v) => used.has(v));
  const { response } = parse;
  return {
    source: source.replace(/\s+/g, ' '),
    response,
    intercept: rhs.intercept,
    terms,
    variables,
    derived: [...(response !== null && isDerived(response) ? [response] : []), ...variables.filter(isDerived)],
  };
}

/**
 * What the grammar rules of parseFormula share: the tokens and where the parse stands, the
 * variables met so far (a term is a sorted list of their indices), the response and the data's
 * column names (for '.').
 */
interface FormulaParse {
  readonly cursor: TokenCursor;
  readonly variableNames: string[];
  readonly variableIndex: Map<string, number>;
  response: string | null;
  responseColumns: string[];
  readonly columns: readonly string[] | undefined;
}

const next = (cursor: TokenCursor): Token => cursor.tokens[cursor.at++];

function tooLarge(parse: FormulaParse, position: number, message: string): CbmError {
  const formula = parse.cursor.source;
  return new CbmError('TOO_LARGE', `formula: ${message} at position ${position + 1}; write the terms you need explicitly`, { position, formula });
}

/** The index of a variable, registering it at its first appearance. */
function indexOf(parse: FormulaParse, name: string): number {
  let k = parse.variableIndex.get(name);
  if (k === undefined) {
    k = parse.variableNames.length;
    parse.variableIndex.set(name, k);
    parse.variableNames.push(name);
  }
  return k;
}

function single(parse: FormulaParse, name: string): TermSet {
  const k = indexOf(parse, name);
  return [{ key: String(k), term: [k] }];
}

/** A backticked name must not read as a transform: its label would be derived, not looked up. */
function plainName(parse: FormulaParse, token: Token): string {
  if (isDerived(token.text))
    throw syntaxError(
      parse.cursor.source,
      token.position,
      `the column name '${token.text}' reads as a transform; rename the column (or drop the backticks to apply the transform)`,
    );
  return token.text;
}

/** The response: a single name or transform before '~', or nothing; leaves the cursor after the one '~'. */
function parseResponse(parse: FormulaParse): void {
  const { cursor } = parse;
  const { source, tokens } = cursor;
  const tildeAt = tokens.findIndex((t) => isOp(t, '~'));
  if (tildeAt < 0) throw syntaxError(source, source.length, "missing '~' (write 'response ~ terms')");
  if (tildeAt > 0) {
    const first = tokens[0];
    if (first.kind === 'name' && isOp(tokens[1], '(')) {
      const expr = parseCall(cursor);
      if (cursor.at !== tildeAt) throw syntaxError(source, tokens[cursor.at].position, 'the response must be a single column name or a transform such as log(volume)');
      parse.response = expressionLabel(expr);
      parse.responseColumns = expressionColumns(expr);
    } else if (tildeAt === 1 && first.kind === 'name') {
      parse.response = plainName(parse, first);
      parse.responseColumns = [parse.response];
    } else {
      throw syntaxError(source, tokens[Math.min(1, tildeAt)].position, 'the response must be a single column name or a transform such as log(volume)');
    }
  }
  cursor.at = tildeAt + 1;
  for (let k = cursor.at; k < tokens.length; k++) if (isOp(tokens[k], '~')) throw syntaxError(source, tokens[k].position, "a formula has exactly one '~'");
}

/** '.': every column of the data but the response's. */
function dotNames(parse: FormulaParse, position: number): TermSet {
  const { source } = parse.cursor;
  if (!parse.columns) throw syntaxError(source, position, "'.' stands for every other column, so it needs the data's column names");
  const out: TermMap = new Map();
  const exclude = new Set(parse.responseColumns);
  for (const c of parse.columns) {
    if (exclude.has(c)) continue;
    if (isDerived(c)) throw syntaxError(source, position, `'.' would include the column '${c}', whose name reads as a transform; rename that column`);
    const k = indexOf(parse, c);
    out.set(termKey([k]), [k]);
  }
  return toList(out);
}

/** A name, a transform, '.', 1 or 0, or a parenthesised sum. */
function primary(parse: FormulaParse): Value {
  const { cursor, response } = parse;
  const { source, tokens } = cursor;
  const token = peek(cursor);
  if (token.kind === 'name') {
    if (isOp(tokens[cursor.at + 1], '(') && !token.quoted) {
      // A whitelisted transform names one variable by its canonical label.
      const label = expressionLabel(parseCall(cursor));
      if (label === response) throw syntaxError(source, token.position, `the response '${response}' cannot also be a predictor`);
      return { terms: single(parse, label), position: token.position };
    }
    cursor.at++;
    if (token.text === '.' && !token.quoted) return { terms: dotNames(parse, token.position), position: token.position };
    if (token.text === response) throw syntaxError(source, token.position, `the response '${response}' cannot also be a predictor`);
    return { terms: single(parse, token.quoted ? plainName(parse, token) : token.text), position: token.position };
  }
  cursor.at++;
  if (token.kind === 'number') {
    if (token.text === '1' || token.text === '0') return { terms: [], interceptLiteral: token.text === '1' ? 1 : 0, position: token.position };
    throw syntaxError(source, token.position, `the number ${token.text} cannot be a term (only 1 and 0, to add or remove the intercept)`);
  }
  if (isOp(token, '(')) {
    enter(cursor, token.position);
    const inner = sum(parse, false);
    const close = next(cursor);
    if (!isOp(close, ')')) throw syntaxError(source, close.position, close.kind === 'end' ? "missing ')'" : `expected ')' but found '${close.text}'`);
    cursor.depth--;
    return { terms: toList(inner.terms), position: token.position };
  }
  if (token.kind === 'end') throw syntaxError(source, token.position, 'the formula ends where a term was expected');
  throw syntaxError(source, token.position, `expected a term but found '${token.text}'`);
}

/** Refuses the intercept literals 1 and 0 as an operand of ^, : or *. */
function noLiteral(parse: FormulaParse, value: Value, operator: string): Value {
  if (value.interceptLiteral !== undefined)
    throw syntaxError(
      parse.cursor.source,
      value.position,
      `'${value.interceptLiteral}' cannot be used with '${operator}'; add or remove the intercept at the top level (+ 1, - 1)`,
    );
  return value;
}

/** Every product of a term of `a` with a term of `b`, bounded by MAX_TERMS and MAX_TERM_VARIABLES. */
function interact(parse: FormulaParse, a: TermSet, b: TermSet, position: number): TermSet {
  // Checking more products than this costs seconds, and their distinct terms would mostly exceed MAX_TERMS anyway.
  if (a.length * b.length > 5 * MAX_TERMS)
    throw tooLarge(
      parse,
      position,
      `the expansion would multiply ${a.length.toLocaleString('en-US')} by ${b.length.toLocaleString('en-US')} terms (at most ${(5 * MAX_TERMS).toLocaleString('en-US')} products and ${MAX_TERMS.toLocaleString('en-US')} terms are allowed)`,
    );
  const out: TermMap = new Map();
  for (const { term: x } of a)
    for (const { term: y } of b) {
      const merged = mergeSorted(x, y);
      if (merged.length > MAX_TERM_VARIABLES) throw tooLarge(parse, position, `a term would multiply more than ${MAX_TERM_VARIABLES} variables`);
      const key = termKey(merged);
      if (!out.has(key)) {
        out.set(key, merged);
        if (out.size > MAX_TERMS) throw tooLarge(parse, position, `the formula expands to more than ${MAX_TERMS.toLocaleString('en-US')} terms`);
      }
    }
  return toList(out);
}

/** primary, or (terms)^k. */
function power(parse: FormulaParse): Value {
  const { cursor } = parse;
  const base = primary(parse);
  if (isOp(peek(cursor), '^')) {
    const caret = next(cursor);
    noLiteral(parse, base, '^');
    const exponent = next(cursor);
    if (exponent.kind !== 'number' || !/^[1-9][0-9]*$/.test(exponent.text)) {
      throw syntaxError(cursor.source, exponent.position, `'^' needs a whole number of at least 1 after it (as in (a + b + c)^2)`);
    }
    // (a + b + c)^k holds every product of up to k distinct variables: once a round adds no
    // term the set is complete, so the work is bounded by the number of variables, not by k.
    const times = Number(exponent.text);
    let terms = base.terms;
    for (let k = 1; k < times; k++) {
      const grown = unionInto(unionInto(new Map(), terms), interact(parse, terms, base.terms, caret.position));
      if (grown.size === terms.length) break;
      terms = toList(grown);
    }
    return { terms, position: caret.position };
  }
  return base;
}

/** power (: power)*: the products alone. */
function interaction(parse: FormulaParse): Value {
  let left = power(parse);
  while (isOp(peek(parse.cursor), ':')) {
    const op = next(parse.cursor);
    noLiteral(parse, left, ':');
    const right = noLiteral(parse, power(parse), ':');
    left = { terms: interact(parse, left.terms, right.terms, op.position), position: op.position };
  }
  return left;
}

/** interaction (* interaction)*: both sides and their products. */
function product(parse: FormulaParse): Value {
  let left = interaction(parse);
  while (isOp(peek(parse.cursor), '*')) {
    const op = next(parse.cursor);
    noLiteral(parse, left, '*');
    const right = noLiteral(parse, interaction(parse), '*');
    const both = interact(parse, left.terms, right.terms, op.position);
    left = { terms: toList(unionInto(unionInto(unionInto(new Map(), left.terms), right.terms), both)), position: op.position };
  }
  return left;
}

/** Terms added (+) and removed (-), and at the top level the intercept (+ 1, - 1, + 0). */
function sum(parse: FormulaParse, topLevel: boolean): { terms: TermMap; intercept: boolean } {
  const { cursor } = parse;
  const terms: TermMap = new Map();
  let intercept = true;
  let sign: '+' | '-' = '+';
  if (isOp(peek(cursor), '-') || isOp(peek(cursor), '+')) sign = next(cursor).text as '+' | '-';
  for (;;) {
    const item = product(parse);
    if (item.interceptLiteral !== undefined) {
      if (!topLevel)
        throw syntaxError(cursor.source, item.position, `'${item.interceptLiteral}' inside parentheses is not supported; add or remove the intercept at the top level`);
      intercept = sign === '+' ? item.interceptLiteral === 1 : item.interceptLiteral === 0;
    } else if (sign === '+') {
      unionInto(terms, item.terms);
      if (terms.size > MAX_TERMS) throw tooLarge(parse, item.position, `the formula expands to more than ${MAX_TERMS.toLocaleString('en-US')} terms`);
    } else {
      for (const { key } of item.terms) terms.delete(key);
    }
    const op = peek(cursor);
    if (isOp(op, '+') || isOp(op, '-')) {
      next(cursor);
      sign = op.text as '+' | '-';
      continue;
    }
    return { terms, intercept };
  }
}

/**
 * Writes a formula back from its parts, e.g. after stepwise removed terms. Terms are emitted in an
 * order that makes the formula parse back to the same labels: R names a term after the order in
 * which its variables first appear, so a term that would introduce a variable too early waits
 * (within its degree the order is kept, as the parser sorts by degree anyway).
 *
 * @example
 * const f = parseFormula('y ~ a * b');
 * formatFormula(f.response, f.terms.filter((t) => t.label !== 'a:b'), f.intercept) // 'y ~ a + b'
 */
export function formatFormula(response: string | null, terms: readonly Term[], intercept: boolean): string {
  check(response === null || (typeof response === 'string' && response.length > 0), 'formatFormula: the response must be a column name, a transform or null');
  check(
    Array.isArray(terms) &&
      terms.every(
        (t) =>
          t !== null && typeof t === 'object' && Array.isArray(t.variables) && t.variables.length > 0 && t.variables.every((v: unknown) => typeof v === 'string' && v.length > 0),
      ),
    'formatFormula: terms must be a list of { variables: [names] }',
  );
  check(typeof intercept === 'boolean', 'formatFormula: intercept must be true or false');
  const ordered = orderForReparse(terms);
  const written = (t: Term) => t.variables.map(quoteName).join(':');
  const labels = (ordered ?? terms).map(written);
  if (!ordered) {
    // No order of plain terms reproduces the labels (e.g. d:b + c:b needs d and c before b):
    // name the variables once in label order and remove them again, as R reads it too.
    const variables = variableOrder(terms);
    const list = `(${variables.map(quoteName).join(' + ')})`;
    labels.unshift(`${list} - ${list}`);
  }
  if (!intercept) labels.push('- 1');
  const rhs = labels.length === 0 ? (intercept ? '1' : '- 1') : labels.join(' + ').replace('+ - 1', '- 1');
  return `${response === null ? '' : quoteName(response) + ' '}~ ${rhs}`;
}

/** The variables in an order consistent with every label (labels list variables in that order). */
function variableOrder(terms: readonly Term[]): string[] {
  // Kahn's topological sort of the "u comes right before v in some label" graph, always taking
  // the available variable that appears first (a min-heap on first appearance): O((V + E) log V).
  const index = new Map<string, number>();
  const all: string[] = [];
  for (const t of terms)
    for (const v of t.variables)
      if (!index.has(v)) {
        index.set(v, all.length);
        all.push(v);
      }
  const successors: number[][] = all.map(() => []);
  const indegree = new Int32Array(all.length);
  const edges = new Set<string>();
  for (const t of terms)
    for (let k = 1; k < t.variables.length; k++) {
      const u = index.get(t.variables[k - 1])!;
      const v = index.get(t.variables[k])!;
      const key = `${u},${v}`;
      if (u === v || edges.has(key)) continue;
      edges.add(key);
      successors[u].push(v);
      indegree[v]++;
    }
  const heap = new MinHeap();
  for (let v = 0; v < all.length; v++) if (indegree[v] === 0) heap.push(v);
  const order: string[] = [];
  while (heap.size > 0) {
    const u = heap.pop();
    order.push(all[u]);
    for (const v of successors[u]) if (--indegree[v] === 0) heap.push(v);
  }
  return order.length === all.length ? order : all; // inconsistent labels: keep first occurrence
}

class MinHeap {
  private readonly items: number[] = [];
  get size(): number {
    return this.items.length;
  }
  push(x: number): void {
    const a = this.items;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent] <= a[i]) break;
      [a[parent], a[i]] = [a[i], a[parent]];
      i = parent;
    }
  }
  pop(): number {
    const a = this.items;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l] < a[m]) m = l;
        if (r < a.length && a[r] < a[m]) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}

/**
 * An emission order of the terms that reparses to the same labels, or null when there is none.
 * Each label lists its variables in first-appearance order, so "u right before v in a label"
 * means u must be introduced before v. Emitting a term introduces its unseen variables in label
 * order; each must find its required predecessors already seen (or introduced just before it by
 * the same term). Preferences: (1) the original order within a degree (the parser keeps it, so
 * the coefficients keep their order), (2) terms that introduce nothing new, (3) the original order.
 *
 * The preferred order is found greedily in O(terms · degree²) when the first choice never dead-ends,
 * which is the case for formulas the parser produced; only when it does is a budgeted depth-first
 * search run (for up to DFS_TERMS terms), exactly as the preferences rank the choices.
 */
function orderForReparse(terms: readonly Term[]): readonly Term[] | null {
  const k = terms.length;
  const before = new Map<string, Set<string>>();
  const requiredBy = new Map<string, string[]>();
  for (const t of terms)
    for (let j = 0; j < t.variables.length; j++) {
      const v = t.variables[j];
      let set = before.get(v);
      if (!set) {
        set = new Set();
        before.set(v, set);
      }
      if (j > 0) {
        const u = t.variables[j - 1];
        if (!set.has(u)) {
          set.add(u);
          let list = requiredBy.get(u);
          if (!list) {
            list = [];
            requiredBy.set(u, list);
          }
          list.push(v);
        }
      }
    }
  const greedy = greedyOrder(terms, before, requiredBy);
  if (greedy) return greedy;
  return k <= DFS_TERMS ? searchOrder(terms, before) : null;
}

const DFS_TERMS = 200;

function greedyOrder(terms: readonly Term[], before: ReadonlyMap<string, ReadonlySet<string>>, requiredBy: ReadonlyMap<string, readonly string[]>): Term[] | null {
  const seen = new Set<string>();
  // missing[v] = how many of v's required predecessors are not yet seen.
  const missing = new Map<string, number>();
  for (const [v, set] of before) missing.set(v, set.size);
  const see = (v: string) => {
    if (seen.has(v)) return;
    seen.add(v);
    for (const w of requiredBy.get(v) ?? []) missing.set(w, missing.get(w)! - 1);
  };
  const fits = (term: Term): boolean => {
    const vars = term.variables;
    for (let j = 0; j < vars.length; j++) {
      const v = vars[j];
      if (seen.has(v)) continue;
      let need = missing.get(v)!;
      if (need === 0) continue;
      // Predecessors introduced earlier by this same term count too.
      const set = before.get(v)!;
      for (let i = 0; i < j; i++) if (!seen.has(vars[i]) && set.has(vars[i]) && vars.indexOf(vars[i]) === i) need--;
      if (need > 0) return false;
    }
    return true;
  };
  const addsNothing = (term: Term) => term.variables.every((v) => seen.has(v));
  // Terms by degree, in original order, with a cursor at the first one not yet emitted.
  const byDegree = new Map<number, number[]>();
  terms.forEach((t, i) => {
    let list = byDegree.get(t.variables.length);
    if (!list) {
      list = [];
      byDegree.set(t.variables.length, list);
    }
    list.push(i);
  });
  const lists = [...byDegree.values()];
  const heads = new Int32Array(lists.length);
  const done = new Uint8Array(terms.length);
  const out: Term[] = [];
  let work = 0;
  const better = (i: number, best: number) =>
    best < 0 || Number(addsNothing(terms[i])) - Number(addsNothing(terms[best])) > 0 || (addsNothing(terms[i]) === addsNothing(terms[best]) && i < best);
  while (out.length < terms.length) {
    let pick = -1;
    for (let d = 0; d < lists.length; d++) {
      const list = lists[d];
      while (heads[d] < list.length && done[list[heads[d]]]) heads[d]++;
      if (heads[d] < list.length) {
        const i = list[heads[d]];
        if (fits(terms[i]) && better(i, pick)) pick = i;
      }
    }
    if (pick < 0) {
      // No head of a degree fits: the best of the other terms that fit.
      for (let i = 0; i < terms.length; i++) {
        if (done[i]) continue;
        if (++work > 5_000_000) return null;
        if (fits(terms[i]) && better(i, pick)) pick = i;
      }
      if (pick < 0) return null;
    }
    done[pick] = 1;
    out.push(terms[pick]);
    for (const v of terms[pick].variables) see(v);
  }
  return out;
}

/** The depth-first search behind greedyOrder's first choice, for when that choice dead-ends. */
function searchOrder(terms: readonly Term[], before: ReadonlyMap<string, ReadonlySet<string>>): Term[] | null {
  const position = new Map(terms.map((t, i) => [t, i] as const));
  const fits = (term: Term, seen: ReadonlySet<string>): boolean => {
    const introduced = new Set(seen);
    return term.variables.every((v) => {
      if (introduced.has(v)) return true;
      const ok = [...before.get(v)!].every((u) => introduced.has(u));
      introduced.add(v);
      return ok;
    });
  };
  let budget = 20_000;
  const search = (remaining: readonly Term[], seen: ReadonlySet<string>, out: Term[]): Term[] | null => {
    if (remaining.length === 0) return out;
    if (--budget < 0) return null;
    const firstOfDegree = new Map<number, Term>();
    for (const t of remaining) if (!firstOfDegree.has(t.variables.length)) firstOfDegree.set(t.variables.length, t);
    const rank = (t: Term) => [Number(firstOfDegree.get(t.variables.length) === t), Number(t.variables.every((v) => seen.has(v))), position.get(t)!] as const;
    const candidates = remaining
      .filter((t) => fits(t, seen))
      .map((t) => ({ t, r: rank(t) }))
      .sort((a, b) => b.r[0] - a.r[0] || b.r[1] - a.r[1] || a.r[2] - b.r[2])
      .map((c) => c.t);
    for (const t of candidates) {
      const found = search(
        remaining.filter((u) => u !== t),
        new Set([...seen, ...t.variables]),
        [...out, t],
      );
      if (found) return found;
    }
    return null;
  };
  return search(terms, new Set(), []);
}

/** A variable as written in a formula: transforms by their label, other names backticked when needed. */
function quoteName(name: string): string {
  return isDerived(name) ? name : quoteColumnName(name);
}
