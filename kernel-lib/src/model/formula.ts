import { CbmError, check } from '../errors';

/**
 * R-style model formulas, parsed into terms without any `eval`: `y ~ a + b`, `a:b`, `a*b`,
 * `(a + b + c)^2`, `^3`, `- 1` / `+ 0`, `- a`, and `.` for every other column. Term labels
 * follow R (`gender:age`, variables in order of first appearance, terms by order), so a
 * coefficient table reads the same as R's `glm` output.
 *
 * @example
 * parseFormula('responded ~ (gender + income + age)^2').terms.map(t => t.label)
 * // ['gender', 'income', 'age', 'gender:income', 'gender:age', 'income:age']
 */
export interface Term {
  /** R's label, e.g. `gender:age`. */
  readonly label: string;
  /** The variables multiplied in this term, in formula order. */
  readonly variables: readonly string[];
}

export interface Formula {
  /** The formula as written (normalised whitespace). */
  readonly source: string;
  /** The response variable, or null for a one-sided formula `~ a + b`. */
  readonly response: string | null;
  readonly intercept: boolean;
  readonly terms: readonly Term[];
  /** All right-hand-side variables in order of first appearance. */
  readonly variables: readonly string[];
}

type TokenKind = 'name' | 'number' | 'op' | 'end';
interface Token {
  kind: TokenKind;
  text: string;
  position: number;
}

const SUPPORTED = "names, numbers 0 and 1, +, -, *, :, ^, parentheses, ~ and '.'";

function syntaxError(source: string, position: number, message: string): CbmError {
  const pointer = `${' '.repeat(position)}^`;
  return new CbmError('FORMULA_SYNTAX', `formula: ${message} at position ${position + 1}\n  ${source}\n  ${pointer}`, { position, formula: source });
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if ('~+-*:^()'.includes(c)) {
      tokens.push({ kind: 'op', text: c, position: i });
      i++;
      continue;
    }
    if (c === '`') {
      const close = source.indexOf('`', i + 1);
      if (close < 0) throw syntaxError(source, i, 'unclosed backtick');
      if (close === i + 1) throw syntaxError(source, i, 'empty backtick name');
      tokens.push({ kind: 'name', text: source.slice(i + 1, close), position: i });
      i = close + 1;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i;
      while (j < source.length && /[0-9.]/.test(source[j])) j++;
      tokens.push({ kind: 'number', text: source.slice(i, j), position: i });
      i = j;
      continue;
    }
    if (/[A-Za-z_.]/.test(c)) {
      let j = i;
      while (j < source.length && /[A-Za-z0-9_.]/.test(source[j])) j++;
      const text = source.slice(i, j);
      if (text !== '.' && /^[._]/.test(text) && /^\.[0-9]/.test(text)) throw syntaxError(source, i, `'${text}' is not a valid name`);
      if (source[j] === '(' || (source[j] === ' ' && /^\s*\(/.test(source.slice(j)) && text !== '.')) {
        throw syntaxError(source, i, `function call '${text}(' is not supported (transform the column before fitting; supported: ${SUPPORTED})`);
      }
      tokens.push({ kind: 'name', text, position: i });
      i = j;
      continue;
    }
    const hint =
      c === '/' ? " (nesting with '/' is not supported; write a + a:b)" :
      c === '%' ? " ('%in%' and other %-operators are not supported)" :
      c === '|' ? " (random effects are not supported)" : '';
    throw syntaxError(source, i, `unexpected '${c}'${hint}; supported: ${SUPPORTED}`);
  }
  tokens.push({ kind: 'end', text: '', position: source.length });
  return tokens;
}

/** A set of terms under construction; each term is a sorted list of variable indices. */
interface Value {
  terms: number[][];
  /** Set when the expression is the literal 1 or 0 (intercept on / off). */
  interceptLiteral?: 0 | 1;
  position: number;
}

const termKey = (term: number[]): string => term.join(',');

function union(a: number[][], b: number[][]): number[][] {
  const out = [...a];
  const keys = new Set(a.map(termKey));
  for (const t of b) if (!keys.has(termKey(t))) {
    keys.add(termKey(t));
    out.push(t);
  }
  return out;
}

function interact(a: number[][], b: number[][]): number[][] {
  const out: number[][] = [];
  const keys = new Set<string>();
  for (const x of a) for (const y of b) {
    const merged = [...new Set([...x, ...y])].sort((p, q) => p - q);
    const key = termKey(merged);
    if (!keys.has(key)) {
      keys.add(key);
      out.push(merged);
    }
  }
  return out;
}

export interface ParseOptions {
  /** The data's column names, needed to expand `.`. */
  columns?: readonly string[];
}

/**
 * Parses a formula; any unsupported syntax is rejected with a message that points at the token.
 */
export function parseFormula(formula: string, options: ParseOptions = {}): Formula {
  check(typeof formula === 'string', `formula must be a string like 'responded ~ gender + age', got ${typeof formula}`);
  const source = formula.trim();
  check(source.length > 0, `formula is empty; write it like 'responded ~ gender + age'`);
  const tokens = tokenize(source);
  let at = 0;
  const peek = () => tokens[at];
  const next = () => tokens[at++];

  const variableNames: string[] = [];
  const variableIndex = new Map<string, number>();
  const indexOf = (name: string): number => {
    let k = variableIndex.get(name);
    if (k === undefined) {
      k = variableNames.length;
      variableIndex.set(name, k);
      variableNames.push(name);
    }
    return k;
  };

  // Response: a single name before '~', or nothing.
  let response: string | null = null;
  const tildeAt = tokens.findIndex((t) => t.kind === 'op' && t.text === '~');
  if (tildeAt < 0) throw syntaxError(source, source.length, "missing '~' (write 'response ~ terms')");
  if (tildeAt === 1 && tokens[0].kind === 'name') {
    response = tokens[0].text;
    at = 2;
  } else if (tildeAt === 0) {
    at = 1;
  } else {
    throw syntaxError(source, tokens[Math.min(1, tildeAt)].position, 'the response must be a single column name');
  }
  if (tokens.slice(at).some((t) => t.kind === 'op' && t.text === '~')) {
    const second = tokens.slice(at).find((t) => t.kind === 'op' && t.text === '~')!;
    throw syntaxError(source, second.position, "a formula has exactly one '~'");
  }

  const dotNames = (position: number): number[][] => {
    if (!options.columns) throw syntaxError(source, position, "'.' stands for every other column, so it needs the data's column names");
    return options.columns.filter((c) => c !== response).map((c) => [indexOf(c)]);
  };

  function primary(): Value {
    const token = next();
    if (token.kind === 'name') {
      if (token.text === '.') return { terms: dotNames(token.position), position: token.position };
      if (token.text === response) throw syntaxError(source, token.position, `the response '${response}' cannot also be a predictor`);
      return { terms: [[indexOf(token.text)]], position: token.position };
    }
    if (token.kind === 'number') {
      if (token.text === '1' || token.text === '0') return { terms: [], interceptLiteral: token.text === '1' ? 1 : 0, position: token.position };
      throw syntaxError(source, token.position, `the number ${token.text} cannot be a term (only 1 and 0, to add or remove the intercept)`);
    }
    if (token.kind === 'op' && token.text === '(') {
      const inner = sum(false);
      const close = next();
      if (close.kind !== 'op' || close.text !== ')') throw syntaxError(source, close.position, close.kind === 'end' ? "missing ')'" : `expected ')' but found '${close.text}'`);
      return { terms: inner.terms, position: token.position };
    }
    if (token.kind === 'end') throw syntaxError(source, token.position, 'the formula ends where a term was expected');
    throw syntaxError(source, token.position, `expected a term but found '${token.text}'`);
  }

  const noLiteral = (value: Value, operator: string): Value => {
    if (value.interceptLiteral !== undefined) throw syntaxError(source, value.position, `'${value.interceptLiteral}' cannot be used with '${operator}'; add or remove the intercept at the top level (+ 1, - 1)`);
    return value;
  };

  function power(): Value {
    const base = primary();
    if (peek().kind === 'op' && peek().text === '^') {
      const caret = next();
      noLiteral(base, '^');
      const exponent = next();
      if (exponent.kind !== 'number' || !/^[1-9][0-9]*$/.test(exponent.text)) {
        throw syntaxError(source, exponent.position, `'^' needs a whole number of at least 1 after it (as in (a + b + c)^2)`);
      }
      const times = Number(exponent.text);
      let terms = base.terms;
      for (let k = 1; k < times; k++) terms = union(union(terms, base.terms), interact(terms, base.terms));
      return { terms, position: caret.position };
    }
    return base;
  }

  function interaction(): Value {
    let left = power();
    while (peek().kind === 'op' && peek().text === ':') {
      const op = next();
      noLiteral(left, ':');
      const right = noLiteral(power(), ':');
      left = { terms: interact(left.terms, right.terms), position: op.position };
    }
    return left;
  }

  function product(): Value {
    let left = interaction();
    while (peek().kind === 'op' && peek().text === '*') {
      const op = next();
      noLiteral(left, '*');
      const right = noLiteral(interaction(), '*');
      left = { terms: union(union(left.terms, right.terms), interact(left.terms, right.terms)), position: op.position };
    }
    return left;
  }

  function sum(topLevel: boolean): { terms: number[][]; intercept: boolean } {
    let terms: number[][] = [];
    let intercept = true;
    let sign: '+' | '-' = '+';
    if (peek().kind === 'op' && (peek().text === '-' || peek().text === '+')) sign = next().text as '+' | '-';
    for (;;) {
      const item = product();
      if (item.interceptLiteral !== undefined) {
        if (!topLevel) throw syntaxError(source, item.position, `'${item.interceptLiteral}' inside parentheses is not supported; add or remove the intercept at the top level`);
        intercept = sign === '+' ? item.interceptLiteral === 1 : item.interceptLiteral === 0;
      } else if (sign === '+') {
        terms = union(terms, item.terms);
      } else {
        const drop = new Set(item.terms.map(termKey));
        terms = terms.filter((t) => !drop.has(termKey(t)));
      }
      const op = peek();
      if (op.kind === 'op' && (op.text === '+' || op.text === '-')) {
        next();
        sign = op.text as '+' | '-';
        continue;
      }
      return { terms, intercept };
    }
  }

  const rhs = sum(true);
  const trailing = peek();
  if (trailing.kind !== 'end') {
    throw syntaxError(source, trailing.position, trailing.text === ')' ? "unmatched ')'" : `unexpected '${trailing.text}' (terms are joined with +, -, *, :)`);
  }
  // R orders terms by their order (number of variables), keeping creation order within one order.
  const ordered = rhs.terms.map((t, k) => ({ t, k })).sort((a, b) => a.t.length - b.t.length || a.k - b.k).map((x) => x.t);
  const terms: Term[] = ordered.map((t) => {
    const variables = t.map((k) => variableNames[k]);
    return { label: variables.join(':'), variables };
  });
  const used = new Set(terms.flatMap((t) => t.variables));
  return {
    source: source.replace(/\s+/g, ' '),
    response,
    intercept: rhs.intercept,
    terms,
    variables: variableNames.filter((v) => used.has(v)),
  };
}

/**
 * Writes a formula back from its parts, e.g. after stepwise removed terms. Terms are emitted in an
 * order that makes the formula parse back to the same labels: R names a term after the order in
 * which its variables first appear, so a term that would introduce a variable too early waits
 * (within its degree the order is kept, as the parser sorts by degree anyway).
 */
export function formatFormula(response: string | null, terms: readonly Term[], intercept: boolean): string {
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
  const order: string[] = [];
  const all: string[] = [];
  for (const t of terms) for (const v of t.variables) if (!all.includes(v)) all.push(v);
  while (order.length < all.length) {
    const next = all.find((v) => !order.includes(v) && terms.every((t) => {
      const k = t.variables.indexOf(v);
      return k <= 0 || t.variables.slice(0, k).every((u) => order.includes(u));
    }));
    if (next === undefined) return all; // inconsistent labels: keep first occurrence
    order.push(next);
  }
  return order;
}

function orderForReparse(terms: readonly Term[]): readonly Term[] | null {
  // Each label lists its variables in first-appearance order: "u before v" constraints.
  const before = new Map<string, Set<string>>();
  for (const t of terms) for (let k = 0; k < t.variables.length; k++) {
    const set = before.get(t.variables[k]) ?? new Set<string>();
    if (k > 0) set.add(t.variables[k - 1]);
    before.set(t.variables[k], set);
  }
  // Emitting a term introduces its unseen variables in label order; each must find its required
  // predecessors already seen (or introduced just before it by the same term).
  const fits = (term: Term, seen: ReadonlySet<string>): boolean => {
    const introduced = new Set(seen);
    return term.variables.every((v) => {
      if (introduced.has(v)) return true;
      const ok = [...before.get(v)!].every((u) => introduced.has(u));
      introduced.add(v);
      return ok;
    });
  };
  // Depth-first search for an emission order, preferring (1) the original order within a degree
  // (the parser keeps it, so the coefficients keep their order), (2) terms that introduce
  // nothing new, (3) the original order. Null when there is none (or the budget runs out).
  let budget = 20_000;
  const search = (remaining: readonly Term[], seen: ReadonlySet<string>, out: Term[]): Term[] | null => {
    if (remaining.length === 0) return out;
    if (--budget < 0) return null;
    const headOfDegree = (t: Term) => remaining.find((u) => u.variables.length === t.variables.length) === t;
    const addsNothing = (t: Term) => t.variables.every((v) => seen.has(v));
    const candidates = remaining
      .filter((t) => fits(t, seen))
      .sort((a, b) => Number(headOfDegree(b)) - Number(headOfDegree(a)) || Number(addsNothing(b)) - Number(addsNothing(a)) || remaining.indexOf(a) - remaining.indexOf(b));
    for (const t of candidates) {
      const found = search(remaining.filter((u) => u !== t), new Set([...seen, ...t.variables]), [...out, t]);
      if (found) return found;
    }
    return null;
  };
  return search(terms, new Set(), []);
}

function quoteName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.]*$|^\.[A-Za-z_][A-Za-z0-9_.]*$/.test(name) ? name : '`' + name + '`';
}
