import { allFinite } from '../data/cells';
import { CbmError, renumberRow, rowError } from '../errors';
import { columnKind, isMissing, numericColumnView, textLevels, toTable, type Cell, type Columns, type Table } from '../data/table';
import { rawColumns } from './expression';
import { listNames } from './diagnostics';
import type { Formula, Term } from './formula';

/**
 * The model matrix of a formula, built column by column (Float64Array each) because the
 * Newton core works on columns and stepwise selection drops columns without copying.
 * Text columns become treatment-coded factors exactly as R does: levels sorted, the first is
 * the reference, and R's rule decides where a factor needs all its levels (see usesContrasts).
 */
export interface DesignColumn {
  /** R's coefficient name, e.g. `(Intercept)`, `age`, `genderM:age`. */
  readonly name: string;
  /** The term label this column belongs to, or null for the intercept. */
  readonly term: string | null;
  /** Factors: variable → level whose indicator this column multiplies in. */
  readonly levels: Readonly<Record<string, string>>;
  /** Numeric variables multiplied in this column. */
  readonly numeric: readonly string[];
}

export interface DesignSpec {
  readonly intercept: boolean;
  readonly terms: readonly Term[];
  readonly columns: readonly DesignColumn[];
  /** Levels of every factor variable, from the training data. */
  readonly factorLevels: Readonly<Record<string, readonly string[]>>;
}

/** R's name of the intercept coefficient, as `coef(glm(...))` prints it: look it up with `model.coefficient(INTERCEPT)`. */
export const INTERCEPT = '(Intercept)';

/**
 * Works out the design columns of `formula` on (training) data: which variables are factors and
 * their levels. Designs that cannot be estimated are refused here, before any fitting: a factor
 * with about as many levels as rows (an identifier picked up by `y ~ .`), or more coefficients
 * than rows.
 */
export function designSpec(formula: Pick<Formula, 'intercept' | 'terms'>, table: Table, context: string): DesignSpec {
  return checkedDesignSpec(formula, (v) => (columnKind(table, v, context) === 'text' ? textLevels(table, v, context) : null), table.nRows, context);
}

/**
 * designSpec's checks on factor levels read elsewhere (in memory from a table, in a database with
 * SELECT DISTINCT): `levelsOf(v)` gives a text factor's sorted levels, null for a numeric column.
 *
 * @example
 * const spec = checkedDesignSpec(parseFormula('y ~ g + x'), (v) => (v === 'g' ? ['a', 'b'] : null), 20, 'fitLogit');
 * spec.columns.map((c) => c.name); // ['(Intercept)', 'gb', 'x']
 */
export function checkedDesignSpec(formula: Pick<Formula, 'intercept' | 'terms'>, levelsOf: (variable: string) => readonly string[] | null, n: number, context: string): DesignSpec {
  // A null-prototype record: a column called 'constructor' or '__proto__' is just a name here.
  const factorLevels: Record<string, readonly string[]> = Object.create(null);
  for (const term of formula.terms)
    for (const v of term.variables) {
      if (Object.prototype.hasOwnProperty.call(factorLevels, v)) continue;
      const levels = levelsOf(v);
      if (!levels) continue;
      if (levels.length < 2)
        throw new CbmError('SINGULAR', `${context}: factor '${v}' has a single level ('${levels[0]}') in the data, so its effect cannot be estimated; drop it from the formula`, {
          column: v,
        });
      if (n >= 10 && levels.length > n / 2) {
        throw new CbmError(
          'SINGULAR',
          `${context}: factor '${v}' has ${levels.length} distinct values in ${n} rows (an identifier?), too many levels to estimate; drop it from the formula (with '.', write '. - ${v}')`,
          { column: v, levels: levels.length },
        );
      }
      factorLevels[v] = levels;
    }
  const spec = specFromLevels(formula, factorLevels);
  if (spec.columns.length > n) {
    throw new CbmError('SINGULAR', `${context}: the design has ${spec.columns.length} coefficients but the data only ${n} rows; use fewer terms or more data`, {
      parameters: spec.columns.length,
      rows: n,
    });
  }
  return spec;
}

/** What a fit does with rows missing a value the model reads: R's na.omit, or an error. */
export type NaAction = 'omit' | 'fail';

/**
 * The rows complete in every column `variables` read (labels such as 'log(x)' read x): with
 * `na: 'omit'` (R's default na.action) the rows holding a missing value (null, undefined, NaN)
 * are dropped and listed, 0-based; with 'fail' the table is returned as it is and the fit's own
 * checks refuse the first missing value (NON_FINITE naming the row). The table is copied only
 * when a row is dropped; checks on the copy run inside onInputRows, so that their errors name the
 * input's rows. A fit (`forFit`) refuses data without a complete row; scoring does not.
 *
 * @example
 * const { table, droppedRows } = completeRows(toTable({ y: [1, 0, 1], x: [2, null, 5] }), ['y', 'x'], 'omit', 'fitLogit');
 * droppedRows; // [1]
 * table.nRows; // 2
 */
export function completeRows(raw: Table, variables: readonly string[], na: NaAction, context: string, forFit = true): { table: Table; droppedRows: number[] } {
  if (na === 'fail') return { table: raw, droppedRows: [] };
  const n = raw.nRows;
  const missing = new Uint8Array(n);
  let count = 0;
  for (const name of rawColumns(variables)) {
    const cells = raw.cells(name);
    if (cells instanceof Float64Array) {
      // Numbers only: NaN is the one missing value, looked for row by row only in a column that
      // holds a value that is not finite (allFinite: one pass at memory speed on large fits).
      if (allFinite(cells)) continue;
      for (let i = 0; i < n; i++) {
        const v = cells[i];
        if (Number.isNaN(v) && missing[i] === 0) {
          missing[i] = 1;
          count++;
        }
      }
      continue;
    }
    for (let i = 0; i < n; i++) {
      if (missing[i] === 0 && isMissing(cells[i])) {
        missing[i] = 1;
        count++;
      }
    }
  }
  if (count === 0) return { table: raw, droppedRows: [] };
  if (count === n && forFit)
    throw new CbmError('NON_FINITE', `${context}: every one of the ${n} rows has a missing value in ${listNames(rawColumns(variables))}, so no row is left to fit`, {});
  const droppedRows: number[] = [];
  const kept = new Int32Array(n - count);
  for (let i = 0, k = 0; i < n; i++) {
    if (missing[i]) droppedRows.push(i);
    else kept[k++] = i;
  }
  const columns: Columns = Object.create(null);
  for (const name of raw.names) {
    const cells = raw.cells(name);
    const out: Cell[] | Float64Array = cells instanceof Float64Array ? new Float64Array(kept.length) : new Array<Cell>(kept.length);
    for (let k = 0; k < kept.length; k++) out[k] = cells[kept[k]] as never;
    columns[name] = out;
  }
  return { table: toTable(columns, context), droppedRows };
}

/**
 * Runs `work` on the rows completeRows kept; an error it throws about a row of them (rowError)
 * names that row of the input instead, counted as the user counts it (0-based, the dropped rows
 * included): one mapping for every check after the missing values were dropped.
 *
 * @example
 * const { table, droppedRows } = completeRows(toTable({ y: [1, 0, 1], x: [null, 2, Infinity] }), ['y', 'x'], 'omit', 'fitLogit');
 * try { onInputRows(droppedRows, () => numericColumn(table, 'x', 'fitLogit')) }
 * catch (e) { (e as CbmError).details.row } // 2 (row 1 of the complete rows)
 */
export function onInputRows<T>(droppedRows: readonly number[], work: () => T): T {
  if (droppedRows.length === 0) return work();
  try {
    return work();
  } catch (error) {
    throw renumberRow(error, (row) => inputRow(row, droppedRows));
  }
}

/**
 * The row of the input that is row `row` of the rows completeRows kept, `droppedRows` left out.
 *
 * @example
 * inputRow(1, [0, 2]); // 3: the input's rows 1 and 3 were kept
 */
export function inputRow(row: number, droppedRows: readonly number[]): number {
  // droppedRows is ascending: each dropped row at or before the row pushes it one further.
  let input = row;
  for (const d of droppedRows) if (d <= input) input++;
  return input;
}

/** Rebuilds the design columns from known factor levels (used by saved models and stepwise). */
export function specFromLevels(formula: Pick<Formula, 'intercept' | 'terms'>, factorLevels: Readonly<Record<string, readonly string[]>>): DesignSpec {
  const columns: DesignColumn[] = [];
  if (formula.intercept) columns.push({ name: INTERCEPT, term: null, levels: Object.create(null), numeric: [] });
  // Without an intercept, R codes the first factor of the first term that has one by all its levels.
  let firstFactorFull = !formula.intercept;
  formula.terms.forEach((term, k) => {
    // Each variable contributes a list of (name part, level) choices; the term's columns are their product.
    let parts: { name: string; levels: Record<string, string>; numeric: string[] }[] = [{ name: '', levels: Object.create(null), numeric: [] }];
    for (const v of term.variables) {
      const levels = Object.prototype.hasOwnProperty.call(factorLevels, v) ? factorLevels[v] : undefined;
      let choices: { label: string; level?: string }[];
      if (!levels) {
        choices = [{ label: v }];
      } else {
        let contrasts = usesContrasts(formula.terms, k, v);
        if (firstFactorFull) {
          contrasts = false;
          firstFactorFull = false;
        }
        const used = contrasts ? levels.slice(1) : levels;
        choices = used.map((level) => ({ label: v + level, level }));
      }
      const nextParts: typeof parts = [];
      // R varies the first factor fastest in interaction columns.
      for (const choice of choices)
        for (const p of parts) {
          nextParts.push({
            name: p.name ? `${p.name}:${choice.label}` : choice.label,
            levels: choice.level === undefined ? p.levels : withLevel(p.levels, v, choice.level),
            numeric: choice.level === undefined ? [...p.numeric, v] : p.numeric,
          });
        }
      parts = nextParts;
    }
    for (const p of parts) columns.push({ name: p.name, term: term.label, levels: p.levels, numeric: p.numeric });
  });
  const names = new Set<string>();
  for (const c of columns) {
    if (names.has(c.name)) throw new CbmError('SINGULAR', `design: two columns are both named '${c.name}'; rename a column so that names and factor levels do not collide`);
    names.add(c.name);
  }
  return { intercept: formula.intercept, terms: formula.terms, columns, factorLevels };
}

/** A copy of `levels` with variable `v` set to `level`, without a prototype ('__proto__' is a name). */
function withLevel(levels: Readonly<Record<string, string>>, v: string, level: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const key of Object.keys(levels)) out[key] = levels[key];
  out[v] = level;
  return out;
}

/**
 * R's rule (TermCode in model.c, after Statistical Models in S, p. 38): factor `v` of term k is
 * coded by contrasts when the rest of the term is empty or contained in some earlier term;
 * otherwise by indicators for all its levels, so that the columns stay estimable.
 */
function usesContrasts(terms: readonly Term[], k: number, v: string): boolean {
  const rest = terms[k].variables.filter((w) => w !== v);
  if (rest.length === 0) return true;
  for (let j = 0; j < k; j++) if (rest.every((w) => terms[j].variables.includes(w))) return true;
  return false;
}

/** Where new columns of n numbers are made: plain memory, or shared memory for worker threads. */
export type ColumnAllocator = (n: number) => Float64Array;

const plainColumn: ColumnAllocator = (n) => new Float64Array(n);

/** A design column that is a product of variables (`parts`), filled by fillProduct. */
export interface ProductColumn {
  out: Float64Array;
  parts: Float64Array[];
}

/**
 * The design columns evaluated on `table`. Factor values must be among the training levels;
 * a new level is an error rather than a silent zero row. Columns the table does not hold as
 * they are (products, indicators, the ones) are made by `allocate`. With `deferred`, product
 * columns are left unfilled and listed there, for the caller to fill (fillProduct), e.g. a range
 * of rows per thread.
 */
export function designMatrix(spec: DesignSpec, table: Table, context: string, allocate: ColumnAllocator = plainColumn, deferred?: ProductColumn[]): Float64Array[] {
  const partsOf = designParts(spec, table, context, true, allocate);
  const n = table.nRows;
  return spec.columns.map((column) => {
    const parts = partsOf(column);
    // A single variable is used as it is: design columns are read-only.
    if (parts.length === 1) return parts[0];
    const out = allocate(n);
    if (parts.length === 0) return out.fill(1);
    if (deferred) deferred.push({ out, parts });
    else fillProduct({ out, parts }, 0, n);
    return out;
  });
}

/**
 * Rows [from, to) of a product column: the first two factors in one pass, then the others, left
 * to right (one order of multiplication, whichever thread fills which rows).
 *
 * @example
 * const out = new Float64Array(2);
 * fillProduct({ out, parts: [Float64Array.of(2, 3), Float64Array.of(4, 5)] }, 0, 2);
 * out; // [8, 15]
 */
export function fillProduct({ out, parts }: ProductColumn, from: number, to: number): void {
  const first = parts[0];
  const second = parts[1];
  for (let i = from; i < to; i++) out[i] = first[i] * second[i];
  for (let k = 2; k < parts.length; k++) {
    const p = parts[k];
    for (let i = from; i < to; i++) out[i] *= p[i];
  }
}

/**
 * The linear predictor V = Σⱼ βⱼ·xⱼ (or, with `probability`, P = 1/(1 + e^−V)) straight from the
 * variables, block by block: no product columns are materialised and the output is written once,
 * so scoring a million customers costs about one pass over their data. The sum is always taken
 * in one order: the constant, the single-variable columns, the two-variable products, the longer
 * products, each group in design order.
 */
export function linearPredictor(
  spec: DesignSpec,
  table: Table,
  coefficients: ArrayLike<number>,
  context: string,
  probability = false,
  offset: Float64Array | null = null,
): Float64Array {
  // Inputs are read unchecked here; a non-finite V sends us to the checked path for the message.
  const partsOf = designParts(spec, table, context, false);
  const n = table.nRows;
  const out = new Float64Array(n);
  let constant = 0;
  const singles: ScoreTerm[] = [];
  const pairs: ScoreTerm[] = [];
  const longer: { b: number; parts: Float64Array[] }[] = [];
  spec.columns.forEach((column, j) => {
    const b = coefficients[j];
    if (Number.isNaN(b)) return; // aliased (R's NA): left out, as R's predict uses the estimated columns only
    const parts = partsOf(column);
    if (parts.length === 0) constant += b;
    else if (parts.length === 1) singles.push({ b, x: parts[0], z: null });
    else if (parts.length === 2) pairs.push({ b, x: parts[0], z: parts[1] });
    else longer.push({ b, parts });
  });
  // Singles before pairs: the order of summation.
  const passes = passesOf([...singles, ...pairs]);
  const block = new Float64Array(Math.min(n, BLOCK_ROWS));
  let check = 0;
  for (let start = 0; start < n; start += BLOCK_ROWS) {
    const m = Math.min(n, start + BLOCK_ROWS) - start;
    block.fill(constant, 0, m);
    for (const pass of passes) {
      if (pass.slots) addPass(block, start, m, pass);
      else if (pass.terms[0].z) addPairs(block, start, m, pass.terms as ScorePair[]);
      else addSingles(block, start, m, pass);
    }
    for (const t of longer) addProduct(block, t.b, t.parts, start, m);
    // The offset comes last, as R's predict adds it to Xβ.
    if (offset !== null) for (let i = 0; i < m; i++) block[i] += offset[start + i];
    check += probability ? writeProbabilities(block, out, start, m) : writeValues(block, out, start, m);
  }
  if (check !== 0) {
    // NaN or ±Infinity somewhere: name the column and row (NON_FINITE) through the checked path.
    const checked = designParts(spec, table, context, true);
    spec.columns.forEach((column) => checked(column));
    // Every input is finite, yet V is not: the sum overflowed. (P = 0 or 1 from V = ±∞ is right;
    // NaN from ∞ − ∞ is not.)
    for (let i = 0; i < n; i++) {
      if (probability ? Number.isNaN(out[i]) : !Number.isFinite(out[i])) {
        throw rowError(
          i,
          (row) =>
            new CbmError('NON_FINITE', `${context}: the linear predictor overflows in row ${row} (the inputs are finite but V = Σβx is not); rescale the inputs the model reads`, {
              row,
            }),
        );
      }
    }
  }
  return out;
}

const BLOCK_ROWS = 1024;

/** β·x (a single, z null) or β·x·z (a pair). */
interface ScoreTerm {
  b: number;
  x: Float64Array;
  z: Float64Array | null;
}
type ScorePair = ScoreTerm & { z: Float64Array };

/**
 * One pass over a block of rows: three columns a, b, c, each read once per row, and the terms
 * β·a, β·b, β·c, β·a·b, β·a·c, β·b·c added in this order. A slot no term of the model takes has
 * β = 0 and a column no term reads repeats the first, so that addPass runs one loop for every
 * pass without a branch (a branch per slot and row cost more than the slot's arithmetic).
 */
interface ScorePass {
  columns: (Float64Array | undefined)[];
  weights: number[];
  /** The terms the pass holds, in order. */
  terms: ScoreTerm[];
  /**
   * Whether addPass runs it (it holds a product). If not, addSingles does (main effects only,
   * slots a, b, c), or addPairs: three products in a row that each had a pass to themselves (no
   * column in common with the terms around them), read in one loop instead of three.
   */
  slots: boolean;
}

/** The columns each of a pass's six slots multiplies, in the order they are added. */
const SLOTS = [[0], [1], [2], [0, 1], [0, 2], [1, 2]];

/**
 * The terms in order, in as few passes as the slots allow: each term takes the first slot after
 * the previous term's whose columns are its own or still free, else it opens the next pass. A
 * model's main effects and their pairwise products, (a + b + c)^2, are one pass.
 *
 * An unused slot adds (0·x)·z = ±0 for finite inputs, which leaves V as it is: V starts at the
 * constant, a sum from +0 that is never −0, and a sum that is not −0 is unchanged by adding ±0.
 * A non-finite input makes V non-finite either way, and linearPredictor then names it.
 */
function passesOf(terms: ScoreTerm[]): ScorePass[] {
  const passes: ScorePass[] = [];
  let pass: ScorePass | undefined;
  let next = 6; // no pass open: the first term opens one
  for (const t of terms) {
    const wanted = t.z ? [t.x, t.z] : [t.x];
    const columns = pass?.columns ?? [];
    const free = (s: number) => SLOTS[s].length === wanted.length && SLOTS[s].every((c, k) => !columns[c] || columns[c] === wanted[k]);
    let slot = next;
    while (slot < 6 && !free(slot)) slot++;
    if (!pass || slot === 6) {
      // A pass of its own: a main effect in slot a, a product in slot a·b.
      pass = { columns: [], weights: [0, 0, 0, 0, 0, 0], terms: [], slots: true };
      passes.push(pass);
      slot = t.z ? 3 : 0;
    }
    for (const [k, c] of SLOTS[slot].entries()) pass.columns[c] = wanted[k];
    pass.weights[slot] = t.b;
    pass.terms.push(t);
    next = slot + 1;
  }
  const runs: ScorePass[] = [];
  let lone: ScorePass[] = [];
  for (const p of [...passes, undefined]) {
    if (p && p.terms.length === 1 && p.terms[0].z) {
      // A product alone in its pass: three of them in a row make one addPairs loop instead.
      lone.push(p);
      if (lone.length < 3) continue;
      runs.push({ ...p, terms: lone.map((q) => q.terms[0]), slots: false });
    } else {
      runs.push(...lone);
      if (p) {
        p.slots = p.terms.some((t) => t.z);
        runs.push(p);
      }
    }
    lone = [];
  }
  return runs;
}

// Each column is read once per row and the row's partial sum stays in a register across the
// pass's terms, which brings scoring to the speed of a hand-written loop over the columns (npm run
// bench): V8 checks a typed array and reloads its length and data pointer at each read, so reading
// x1 once for both x1 and x1:x2 is what counts. The additions are those of one term at a time, in
// order (β·x·z as (β·x)·z), so the result is the same to the bit; so are addSingles' and addPairs'.
function addPass(block: Float64Array, start: number, m: number, pass: ScorePass): void {
  // A column no term reads repeats the first.
  const [xa, xb = xa, xc = xa] = pass.columns as Float64Array[];
  const [wa, wb, wc, wab, wac, wbc] = pass.weights;
  for (let i = 0; i < m; i++) {
    const a = xa[start + i];
    const b = xb[start + i];
    const c = xc[start + i];
    block[i] = block[i] + wa * a + wb * b + wc * c + wab * a * b + wac * a * c + wbc * b * c;
  }
}

/**
 * Slots a, b, c of a pass of main effects only: addPass without its products. A pass of one main
 * effect (a model of one, or the last of four) has its own loop rather than reading it thrice.
 */
function addSingles(block: Float64Array, start: number, m: number, pass: ScorePass): void {
  const [xa, xb = xa, xc = xa] = pass.columns as Float64Array[];
  const [wa, wb, wc] = pass.weights;
  if (pass.columns.length === 1) for (let i = 0; i < m; i++) block[i] = block[i] + wa * xa[start + i];
  else for (let i = 0; i < m; i++) block[i] = block[i] + wa * xa[start + i] + wb * xb[start + i] + wc * xc[start + i];
}

function addPairs(block: Float64Array, start: number, m: number, [t0, t1, t2]: ScorePair[]): void {
  const { b: b0, x: x0, z: z0 } = t0;
  const { b: b1, x: x1, z: z1 } = t1;
  const { b: b2, x: x2, z: z2 } = t2;
  for (let i = 0; i < m; i++) block[i] = block[i] + b0 * x0[start + i] * z0[start + i] + b1 * x1[start + i] * z1[start + i] + b2 * x2[start + i] * z2[start + i];
}

function addProduct(block: Float64Array, b: number, parts: Float64Array[], start: number, m: number): void {
  for (let i = 0; i < m; i++) {
    let product = b;
    for (let k = 0; k < parts.length; k++) product *= parts[k][start + i];
    block[i] += product;
  }
}

/** Writes P = 1/(1 + e^−V); returns Σ(V − V), which is 0 unless some V is NaN or ±Infinity. */
function writeProbabilities(block: Float64Array, out: Float64Array, start: number, m: number): number {
  let check = 0;
  for (let i = 0; i < m; i++) {
    const v = block[i];
    check += v - v;
    out[start + i] = 1 / (1 + Math.exp(-v));
  }
  return check;
}

function writeValues(block: Float64Array, out: Float64Array, start: number, m: number): number {
  let check = 0;
  for (let i = 0; i < m; i++) {
    const v = block[i];
    check += v - v;
    out[start + i] = v;
  }
  return check;
}

/** For each design column, the variables it multiplies: numeric columns and factor indicators. */
function designParts(spec: DesignSpec, table: Table, context: string, checkFinite = true, allocate: ColumnAllocator = plainColumn): (column: DesignColumn) => Float64Array[] {
  const n = table.nRows;
  const numericCache = new Map<string, Float64Array>();
  const indicatorCache = new Map<string, Float64Array>();
  const codesCache = new Map<string, Int32Array>();
  const numeric = (v: string) => {
    let col = numericCache.get(v);
    if (!col) {
      col = numericColumnView(table, v, context, checkFinite);
      numericCache.set(v, col);
    }
    return col;
  };
  const codes = (v: string): Int32Array => {
    let c = codesCache.get(v);
    if (c) return c;
    const levels = spec.factorLevels[v];
    const position = new Map(levels.map((l, k) => [l, k] as const));
    const cells = table.cells(v);
    c = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const raw = cells[i];
      if (isMissing(raw)) {
        throw rowError(i, (row) => new CbmError('NON_FINITE', `${context}: column '${v}' has a missing value in row ${row}`, { column: v, row }));
      }
      const k = position.get(String(raw));
      if (k === undefined) {
        throw rowError(
          i,
          (row) =>
            new CbmError(
              'BAD_INPUT',
              `${context}: column '${v}' has the level '${String(raw)}' in row ${row}, which the model was not fitted on (known levels: ${listNames(levels)})`,
              { column: v, row },
            ),
        );
      }
      c[i] = k;
    }
    codesCache.set(v, c);
    return c;
  };
  const indicator = (v: string, level: string) => {
    const key = `${v}\u0000${level}`;
    let col = indicatorCache.get(key);
    if (!col) {
      const k = spec.factorLevels[v].indexOf(level);
      const c = codes(v);
      col = allocate(n);
      for (let i = 0; i < n; i++) col[i] = c[i] === k ? 1 : 0;
      indicatorCache.set(key, col);
    }
    return col;
  };
  return (column) => [...column.numeric.map(numeric), ...Object.entries(column.levels).map(([v, level]) => indicator(v, level))];
}
