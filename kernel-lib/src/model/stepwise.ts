import { check } from '../errors';
import type { DataInput, Table } from '../data/table';
import { designMatrix, designSpec, specFromLevels, type DesignSpec } from './design';
import type { Term } from './formula';
import { checkFitOptions, fitDesign, prepareFit, type FitOptions, type LogitModel } from './logit';

/**
 * Backward stepwise elimination: start from the full model and repeatedly drop the term whose
 * removal improves the criterion most, until none does.
 * - `criterion: 'aic'` (default) and `'bic'` follow R's `step()`: drop the term giving the lowest
 *   AIC (−2 logLik + k·df, k = 2 or log n) while that is lower than the current model's.
 * - `criterion: 'p-value'` drops the term with the largest Wald p-value above `alpha` (SPSS's
 *   "Backward: Wald"), a common textbook procedure.
 * `hierarchical: true` (default, as R) keeps a term while a higher-order term contains it;
 * `hierarchical: false` lets any term go, as the book does when it ends with gender:age and
 * gender:income alone. The intercept is never dropped.
 *
 * @example
 * const { model, steps } = stepwise(train, 'responded ~ (gender + income + age)^2', { hierarchical: false });
 * steps.map(s => s.removed) // [null, 'income:age', ...]
 */
export interface StepwiseOptions extends FitOptions {
  criterion?: 'aic' | 'bic' | 'p-value';
  /** Significance level for criterion 'p-value', default 0.05. */
  alpha?: number;
  hierarchical?: boolean;
}

/** One line of the step log (R's `step()$anova` plus the criterion used). */
export interface StepRecord {
  /** 0 for the starting model. */
  step: number;
  /** The term removed at this step, null for the starting model. */
  removed: string | null;
  /** Degrees of freedom removed (columns of the term). */
  df: number | null;
  /** Increase in deviance caused by the removal. */
  devianceChange: number | null;
  residualDf: number;
  residualDeviance: number;
  aic: number;
  bic: number;
  /** The value of the selection criterion for the model after this step. */
  criterion: number;
  /** For criterion 'p-value': the Wald p-value of the removed term. */
  pValue: number | null;
  /** The formula after this step. */
  formula: string;
}

export interface StepwiseResult {
  model: LogitModel;
  steps: StepRecord[];
  /** The full starting model, for comparison. */
  initial: LogitModel;
}

/** Terms that may be dropped: all in free mode; under marginality only those no other term contains. */
function droppable(terms: readonly Term[], hierarchical: boolean): Term[] {
  if (!hierarchical) return [...terms];
  return terms.filter((t) => !terms.some((u) => u !== t && u.variables.length > t.variables.length && t.variables.every((v) => u.variables.includes(v))));
}

export function stepwise(data: DataInput | Table, formula: string, options: StepwiseOptions = {}): StepwiseResult {
  const context = 'stepwise';
  checkStepwiseOptions(options, context);
  const prepared = prepareFit(data, formula, options.prepare, context);
  const fullSpec = designSpec(prepared.formula, prepared.table, context);
  // Design columns are computed once and shared by every candidate model (keyed by R name).
  const cache = new Map<string, Float64Array>();
  const columnsOf = (spec: DesignSpec): Float64Array[] => {
    const missing = spec.columns.filter((c) => !cache.has(c.name));
    if (missing.length) {
      const computed = designMatrix({ ...spec, columns: missing }, prepared.table, context);
      missing.forEach((c, k) => cache.set(c.name, computed[k]));
    }
    return spec.columns.map((c) => cache.get(c.name)!);
  };
  const search = stepwiseSearch(fullSpec, prepared.y.length, options);
  let next = search.next();
  while (!next.done) {
    const { spec, startVector, start, tolerance } = next.value;
    next = search.next(fitDesign(prepared, spec, columnsOf(spec), { ...options, start, tolerance, startVector }, context));
  }
  return next.value;
}

/** The option checks of stepwise (shared with the in-database stepwise). */
export function checkStepwiseOptions(options: StepwiseOptions, context: string): void {
  checkFitOptions(options, context);
  const criterion = options.criterion ?? 'aic';
  check(criterion === 'aic' || criterion === 'bic' || criterion === 'p-value', `${context}: criterion must be 'aic', 'bic' or 'p-value', got '${String(criterion)}'`);
  const alpha = options.alpha ?? 0.05;
  check(typeof alpha === 'number' && alpha > 0 && alpha < 1, `${context}: alpha must be a number between 0 and 1, got ${String(alpha)}`);
  if (options.hierarchical !== undefined) check(typeof options.hierarchical === 'boolean', `${context}: hierarchical must be true or false`);
}

/** One fit the search asks its driver for: a design, its start and its tolerance. */
export interface StepwiseFitRequest {
  spec: DesignSpec;
  startVector: Float64Array | undefined;
  start: FitOptions['start'];
  tolerance: number | undefined;
}

/**
 * The backward search itself, as a generator that yields each fit it needs and receives the
 * fitted model back: stepwise drives it with in-memory fits, stepwiseInDatabase with fits in the
 * database, so both take exactly the same steps.
 */
export function* stepwiseSearch(fullSpec: DesignSpec, n: number, options: StepwiseOptions): Generator<StepwiseFitRequest, StepwiseResult, LogitModel> {
  const criterion = options.criterion ?? 'aic';
  const alpha = options.alpha ?? 0.05;
  const hierarchical = options.hierarchical ?? true;
  // Candidates only need their deviance: a step below 1e-5 leaves it exact to ~1e-10 relative, so
  // candidates stop there and the chosen model is then polished to the full tolerance.
  // (Only on large data, where a pass costs; small fits converge fully at once.)
  const large = n >= 100_000;
  const candidateTolerance = large ? Math.max(options.tolerance ?? 1e-8, 1e-5) : options.tolerance;
  const request = (terms: readonly Term[], parent?: LogitModel, tolerance = options.tolerance): StepwiseFitRequest => {
    const spec = specFromLevels({ intercept: fullSpec.intercept, terms }, fullSpec.factorLevels);
    let startVector: Float64Array | undefined;
    if (parent) {
      // Warm start from the parent's estimates: the candidate differs by one term.
      startVector = new Float64Array(spec.columns.length);
      spec.columns.forEach((c, j) => {
        const k = parent.names.indexOf(c.name);
        if (k >= 0) startVector![j] = parent.coefficients[k];
      });
    }
    // The user's `start` names the full model's coefficients: it applies to the first fit only.
    const start = terms === fullSpec.terms ? options.start : undefined;
    return { spec, startVector, start, tolerance };
  };
  const penalty = criterion === 'bic' ? Math.log(n) : 2;
  const score = (m: LogitModel) => m.statistics.deviance + penalty * m.statistics.nParameters;

  const initial: LogitModel = yield request(fullSpec.terms);
  let current = initial;
  const steps: StepRecord[] = [];
  const record = (model: LogitModel, removed: Term | null, parent: LogitModel | null, pValue: number | null): StepRecord => ({
    step: parent ? steps.length : 0,
    removed: removed ? removed.label : null,
    df: parent ? parent.statistics.nParameters - model.statistics.nParameters : null,
    devianceChange: parent ? model.statistics.deviance - parent.statistics.deviance : null,
    residualDf: model.statistics.dfResidual,
    residualDeviance: model.statistics.deviance,
    aic: model.statistics.aic,
    bic: model.statistics.bic,
    criterion: criterion === 'p-value' ? (pValue ?? NaN) : score(model),
    pValue,
    formula: model.formula,
  });
  steps.push(record(initial, null, null, null));

  for (;;) {
    const candidates = droppable(current.terms, hierarchical);
    if (candidates.length === 0) break;
    let chosen: { term: Term; model: LogitModel; pValue: number | null } | null = null;
    if (criterion === 'p-value') {
      let worst: { term: Term; pValue: number } | null = null;
      for (const term of candidates) {
        const { pValue } = current.waldTest(term.label);
        if (pValue > alpha && (!worst || pValue > worst.pValue)) worst = { term, pValue };
      }
      if (worst) {
        const dropped = worst.term;
        const model: LogitModel = yield request(current.terms.filter((t) => t !== dropped), current);
        chosen = { term: dropped, model, pValue: worst.pValue };
      }
    } else {
      let best: { term: Term; model: LogitModel; value: number } | null = null;
      for (const term of candidates) {
        // On large data a subsample fit (newtonLogit's warm start) is a closer start than the
        // parent, whose estimates move far when a strong term is dropped.
        const model: LogitModel = yield request(current.terms.filter((t) => t !== term), large ? undefined : current, candidateTolerance);
        const value = score(model);
        // Strictly better only; ties keep the earlier term (R's order() is stable).
        if (!best || value < best.value) best = { term, model, value };
      }
      // R's step(): stop unless the best removal lowers the criterion; a tie keeps the current model.
      if (best && best.value < score(current)) {
        const model: LogitModel = large ? yield request(best.model.terms, best.model) : best.model;
        chosen = { term: best.term, model, pValue: null };
      }
    }
    if (!chosen) break;
    steps.push(record(chosen.model, chosen.term, current, chosen.pValue));
    current = chosen.model;
  }
  return { model: current, steps, initial };
}
