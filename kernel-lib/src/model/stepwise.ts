import { CbmError } from '../errors';
import type { DataInput, Table } from '../data/table';
import { designMatrix, designSpec, onInputRows, specFromLevels, type DesignSpec } from './design';
import { FIT_OPTION_NAMES, checkFitOptions, fitDesign, prepareFit, refusePrior, type FitOptionName, type FitOptions, type PreparedData } from './fit';
import type { Term } from './formula';
import { LARGE_DATA_ROWS } from './irls';
import type { LogitModel } from './logit';

/** Options of {@link stepwise}: the fit's options plus the selection criterion and its rules. */
export interface StepwiseOptions extends FitOptions {
  /**
   * What decides a removal: `'aic'` (default) or `'bic'` as R's `step()` (k = 2 or log n), or
   * `'p-value'` for the largest Wald p-value above `alpha` (SPSS's "Backward: Wald").
   */
  criterion?: 'aic' | 'bic' | 'p-value';
  /** Significance level for criterion 'p-value', default 0.05. */
  alpha?: number;
  /**
   * true (default, as R's marginality rule) keeps a term while a higher-order term contains it;
   * false lets any term go, as the book does when it ends with gender:age and gender:income alone.
   */
  hierarchical?: boolean;
}

/**
 * One row of the table R's `step()` prints at each step: a candidate removal from the current
 * model, or '<none>' (keep the model as it is). Elimination stops when '<none>' has the lowest
 * criterion.
 */
export interface CandidateRecord {
  /** The term whose removal this row evaluates, or '<none>'. */
  term: string;
  /** Columns removed (R's Df); null for '<none>'. */
  df: number | null;
  /** Deviance of the model without the term (NaN under 'p-value', which does not refit candidates). */
  deviance: number;
  /** AIC of that model (NaN under 'p-value'). */
  aic: number;
  /** The criterion in use: AIC, BIC (R's step with k = log n prints it as "AIC"), or the Wald p-value. */
  criterion: number;
  /** Under 'p-value': the term's Wald p-value. */
  pValue: number | null;
  /** Why the candidate could not be fitted (it is then skipped), e.g. a SINGULAR design. */
  skipped?: string;
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
  /** The removals considered from this step's model (with '<none>'), as R's step() prints them. */
  candidates: CandidateRecord[];
}

/** What {@link stepwise} returns: the selected model, the step log and the full starting model. */
export interface StepwiseResult {
  /** The model the elimination ended with. */
  model: LogitModel;
  /** One record per step, the starting model first (R's `step()$anova`). */
  steps: StepRecord[];
  /** The full starting model, for comparison. */
  initial: LogitModel;
}

/** True when every column of the term is aliased in the model (estimate NaN). */
function isAliased(model: LogitModel, term: Term): boolean {
  const columns = model.names.filter((_, j) => model.spec.columns[j].term === term.label);
  return columns.length > 0 && columns.every((name) => model.aliased.includes(name));
}

/** Terms that may be dropped: all in free mode; under marginality only those no other term contains. */
function droppable(terms: readonly Term[], hierarchical: boolean): Term[] {
  if (!hierarchical) return [...terms];
  return terms.filter((t) => !terms.some((u) => u !== t && u.variables.length > t.variables.length && t.variables.every((v) => u.variables.includes(v))));
}

/**
 * Backward stepwise elimination: start from the full model and repeatedly drop the term whose
 * removal improves the criterion most, until none does.
 * - `criterion: 'aic'` (default) and `'bic'` follow R's `step()`: drop the term giving the lowest
 *   AIC (−2 logLik + k·df, k = 2 or log n) while that is lower than the current model's.
 * - `criterion: 'p-value'` drops the term with the largest Wald p-value above `alpha` (SPSS's
 *   "Backward: Wald"), a common textbook procedure.
 *
 * `hierarchical: true` (default, as R) keeps a term while a higher-order term contains it;
 * `hierarchical: false` lets any term go, as the book does when it ends with gender:age and
 * gender:income alone. The intercept is never dropped.
 *
 * Use it to prune a formula with many interactions; the step log shows each removal with R's
 * deviance and AIC columns, so the path can be checked against `step(glm(...))`.
 *
 * @example
 * const train = bankCardCustomers().filter((c) => c.contacted);
 * const { model, steps } = stepwise(train, 'responded ~ (gender + income + age)^2', { hierarchical: false });
 * steps.map(s => s.removed) // [null, 'income:age', ...]
 */
export function stepwise(data: DataInput | Table, formula: string, options: StepwiseOptions = {}): StepwiseResult {
  const context = 'stepwise';
  checkStepwiseOptions(options, context);
  const prepared = prepareFit(data, formula, options, context);
  refusePrior(prepared, context);
  return onInputRows(prepared.droppedRows, () => searchFits(prepared, options, context));
}

/** stepwise's search on prepared data: the candidates' fits share the design columns. */
function searchFits(prepared: PreparedData, options: StepwiseOptions, context: string): StepwiseResult {
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
    const request = next.value;
    let model: LogitModel;
    try {
      model = fitDesign(
        prepared,
        request.spec,
        columnsOf(request.spec),
        { ...options, start: request.start, tolerance: request.tolerance, startVector: request.startVector },
        context,
      );
    } catch (error) {
      // The search decides whether a failed fit is a skipped candidate or fatal.
      next = search.throw(error);
      continue;
    }
    next = search.next(model);
  }
  return next.value;
}

/** The search's own options, beside the fit's. */
export const STEPWISE_OPTION_NAMES: readonly FitOptionName[] = ['criterion', 'alpha', 'hierarchical'];

/** The option checks of stepwise (shared with the in-database stepwise): the fit's options and the search's. */
export function checkStepwiseOptions(options: StepwiseOptions, context: string, allowed: readonly FitOptionName[] = [...FIT_OPTION_NAMES, ...STEPWISE_OPTION_NAMES]): void {
  checkFitOptions(options, context, allowed);
}

/** One fit the search asks its driver for: a design, its start and tolerance. */
export interface StepwiseFitRequest {
  spec: DesignSpec;
  startVector: Float64Array | undefined;
  start: FitOptions['start'];
  tolerance: number | undefined;
}

/**
 * Why a candidate removal is skipped: a fit that fails for data reasons (SINGULAR, SEPARATION,
 * NOT_CONVERGED) gives its reason text; any other error is rethrown.
 */
function skippedReason(error: unknown): string {
  if (error instanceof CbmError && (error.code === 'SINGULAR' || error.code === 'SEPARATION' || error.code === 'NOT_CONVERGED')) return `${error.code}: ${error.message}`;
  throw error;
}

/**
 * The backward search itself, as a generator that yields each fit it needs and receives the
 * fitted model back, or the fit's error through `search.throw(error)`: the search skips a
 * candidate that cannot be fitted for data reasons and rethrows anything else. stepwise drives it
 * with in-memory fits, stepwiseInDatabase with fits inside the database, so both take exactly the
 * same steps and skip the same candidates.
 */
export function* stepwiseSearch(fullSpec: DesignSpec, n: number, options: StepwiseOptions): Generator<StepwiseFitRequest, StepwiseResult, LogitModel> {
  const criterion = options.criterion ?? 'aic';
  const alpha = options.alpha ?? 0.05;
  const hierarchical = options.hierarchical ?? true;
  // Candidates only need their deviance: a step below 1e-5 leaves it exact to ~1e-10 relative, so
  // candidates stop there and the chosen model is then polished to the full tolerance.
  // (Only on large data, where a pass costs; small fits converge fully at once.)
  const large = n >= LARGE_DATA_ROWS;
  const candidateTolerance = large ? Math.max(options.tolerance ?? 1e-8, 1e-5) : options.tolerance;
  const request = (terms: readonly Term[], parent?: LogitModel, tolerance = options.tolerance): StepwiseFitRequest => {
    const spec = specFromLevels({ intercept: fullSpec.intercept, terms }, fullSpec.factorLevels);
    let startVector: Float64Array | undefined;
    if (parent) {
      // Warm start from the parent's estimates: the candidate differs by one term.
      const parentBeta = parent.coefficients;
      startVector = new Float64Array(spec.columns.length);
      spec.columns.forEach((c, j) => {
        const k = parent.names.indexOf(c.name);
        if (k >= 0 && !Number.isNaN(parentBeta[k])) startVector![j] = parentBeta[k]; // an aliased coefficient starts at 0
      });
    }
    // The user's `start` names the full model's coefficients: it applies to the first fit only.
    const start = terms === fullSpec.terms ? options.start : undefined;
    return { spec, startVector, start, tolerance };
  };
  /** A fit that must succeed (the full model, a chosen model's polish). */
  function* fit(terms: readonly Term[], parent?: LogitModel): Generator<StepwiseFitRequest, LogitModel, LogitModel> {
    return yield request(terms, parent);
  }
  /** A candidate fit, or the reason it cannot be fitted (skipped and logged, not fatal). */
  function* tryFit(terms: readonly Term[], parent?: LogitModel, tolerance?: number): Generator<StepwiseFitRequest, LogitModel | string, LogitModel> {
    try {
      return yield request(terms, parent, tolerance);
    } catch (error) {
      return skippedReason(error);
    }
  }
  const penalty = criterion === 'bic' ? Math.log(n) : 2;
  const score = (m: LogitModel) => m.statistics.deviance + penalty * m.statistics.nParameters;
  const columnsOfTerm = (model: LogitModel, term: Term) => model.spec.columns.filter((c) => c.term === term.label).length;

  const initial = yield* fit(fullSpec.terms);
  let current = initial;
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
    candidates: [],
  });
  const steps: StepRecord[] = [];
  steps.push(record(initial, null, null, null));

  for (;;) {
    const droppableTerms = droppable(current.terms, hierarchical);
    const log: CandidateRecord[] = [];
    const none: CandidateRecord = {
      term: '<none>',
      df: null,
      deviance: current.statistics.deviance,
      aic: current.statistics.aic,
      criterion: criterion === 'p-value' ? NaN : score(current),
      pValue: null,
    };
    let chosen: { term: Term; model: LogitModel; pValue: number | null } | null = null;
    const aliasedTerm = criterion === 'p-value' ? [...droppableTerms].reverse().find((term) => isAliased(current, term)) : undefined;
    if (aliasedTerm) {
      // A term whose every column is aliased goes first, without a test (R's step() drops a
      // zero-df term before comparing the criterion).
      const model = yield* fit(
        current.terms.filter((t) => t !== aliasedTerm),
        current,
      );
      log.push({ term: aliasedTerm.label, df: 0, deviance: model.statistics.deviance, aic: model.statistics.aic, criterion: NaN, pValue: null }, none);
      chosen = { term: aliasedTerm, model, pValue: null };
    } else if (criterion === 'p-value') {
      // Largest Wald p-value above alpha first; a removal that cannot be fitted is skipped.
      const ranked = droppableTerms.map((term) => ({ term, pValue: current.waldTest(term.label).pValue })).sort((a, b) => b.pValue - a.pValue);
      for (const { term, pValue } of ranked) {
        const entry: CandidateRecord = { term: term.label, df: columnsOfTerm(current, term), deviance: NaN, aic: NaN, criterion: pValue, pValue };
        log.push(entry);
        if (chosen || !(pValue > alpha)) continue;
        const model = yield* tryFit(
          current.terms.filter((t) => t !== term),
          current,
        );
        if (typeof model === 'string') entry.skipped = model;
        else {
          entry.deviance = model.statistics.deviance;
          entry.aic = model.statistics.aic;
          chosen = { term, model, pValue };
        }
      }
      log.push(none);
    } else {
      let best: { term: Term; model: LogitModel; value: number } | null = null;
      let zeroDf: { term: Term; model: LogitModel } | null = null;
      for (const term of droppableTerms) {
        // On large data a subsample fit (newtonLogit's warm start) is a closer start than the
        // parent, whose estimates move far when a strong term is dropped.
        const model = yield* tryFit(
          current.terms.filter((t) => t !== term),
          large ? undefined : current,
          candidateTolerance,
        );
        if (typeof model === 'string') {
          log.push({ term: term.label, df: columnsOfTerm(current, term), deviance: NaN, aic: NaN, criterion: NaN, pValue: null, skipped: model });
          continue;
        }
        const value = score(model);
        // R's drop1 Df: the rank the removal costs (0 when the term's columns are aliased).
        const df = current.statistics.nParameters - model.statistics.nParameters;
        if (df === 0) zeroDf = { term, model };
        log.push({ term: term.label, df, deviance: model.statistics.deviance, aic: model.statistics.aic, criterion: value, pValue: null });
        // Strictly better only; ties keep the earlier term (R's order() is stable).
        if (!best || value < best.value) best = { term, model, value };
      }
      log.push(none);
      // R prints the table sorted by the criterion, '<none>' among the candidates.
      log.sort((a, b) => (Number.isNaN(a.criterion) ? 1 : Number.isNaN(b.criterion) ? -1 : a.criterion - b.criterion));
      // R's step(): a removal that costs no rank (the last such term) is taken first, whatever the
      // criterion; otherwise stop unless the best removal lowers it (a tie keeps the current model).
      if (zeroDf) chosen = { term: zeroDf.term, model: large ? yield* fit(zeroDf.model.terms, zeroDf.model) : zeroDf.model, pValue: null };
      else if (best && best.value < score(current)) chosen = { term: best.term, model: large ? yield* fit(best.model.terms, best.model) : best.model, pValue: null };
    }
    steps[steps.length - 1].candidates = log;
    if (!chosen) break;
    steps.push(record(chosen.model, chosen.term, current, chosen.pValue));
    current = chosen.model;
  }
  return { model: current, steps, initial };
}
