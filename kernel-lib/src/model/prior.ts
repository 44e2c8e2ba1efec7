import { CbmError, check, rowError } from '../errors';
import { numericColumn, type Table } from '../data/table';
import type { FitStatistics } from './diagnostics';
import { chiSquareUpperTail, logGamma } from './distributions';
import { inputRow } from './design';
import { newtonLogit } from './irls';
import type { NewtonFit } from './newton';
import { deriveColumns, expressionLabel, isDerived, parseExpression, syntaxError, tokenize } from './expression';

/**
 * Prior weights and offsets, as R's `glm(…, weights = w, offset = o)` and `lm` take them: the
 * one place that reads them, so every fit (logistic, linear, in the database) agrees on what a
 * weight or an offset may be. The offset is a column name or a transform label (`log(exposure)`),
 * given as an option or written `offset(log(exposure))` in the formula; it travels with the model.
 */
export interface PriorSpec {
  /** The weights column, or null. */
  weights: string | null;
  /** The offset's label (a column or a transform such as `log(exposure)`), or null. */
  offset: string | null;
}

/** The prior weights and offset of the fitted rows. */
export interface Prior {
  /** Non-negative finite weights (zero: the row is not fitted, as R), or null for all ones. */
  weights: Float64Array | null;
  /** The offset added to the linear predictor, or null for none. */
  offset: Float64Array | null;
}

/**
 * A formula without its `offset(…)` terms, and the offset's label. Only an added term is an
 * offset (`y ~ x + offset(log(e))`, `y ~ offset(log(e)) + x`); anything else that names offset()
 * is refused, as is more than one. `case ~ spontaneous + offset(log(age))` gives the formula
 * `case ~ spontaneous` and the offset `log(age)`.
 */
export function splitOffset(formula: string, context: string): { formula: string; offset: string | null } {
  if (typeof formula !== 'string' || !/\boffset\s*\(/.test(formula)) return { formula, offset: null };
  const tokens = tokenize(formula, context);
  let offset: string | null = null;
  let rest = formula;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (!(t.kind === 'name' && !t.quoted && t.text === 'offset' && tokens[k + 1]?.text === '(')) continue;
    let depth = 0;
    let close = k + 1;
    for (; close < tokens.length; close++) {
      if (tokens[close].text === '(') depth++;
      else if (tokens[close].text === ')' && --depth === 0) break;
    }
    if (close >= tokens.length) throw syntaxError(formula, tokens[k + 1].position, "unmatched '('", context);
    const before = tokens[k - 1];
    const after = tokens[close + 1];
    const added = before?.text === '+' || (before?.text === '~' && (after.text === '+' || after.kind === 'end'));
    if (!added) throw syntaxError(formula, t.position, 'offset() must be added to the formula, e.g. y ~ x + offset(log(exposure))', context);
    if (offset !== null) throw syntaxError(formula, t.position, 'the formula has more than one offset(); add them inside one, e.g. offset(a + b)', context);
    offset = expressionLabel(parseExpression(formula.slice(tokens[k + 1].position + 1, tokens[close].position)));
    // Cut the term with its '+': the one before it, or (first on the right) the one after it.
    const from = before.text === '+' ? before.position : t.position;
    const to = before.text === '+' || after.kind === 'end' ? tokens[close].position + 1 : after.position + 1;
    rest = formula.slice(0, from) + (before.text === '~' && after.kind === 'end' ? ' 1' : '') + formula.slice(to);
    // Only one offset() is allowed: look for another in what is left.
    const again = splitOffset(rest, context);
    if (again.offset !== null) throw syntaxError(formula, t.position, 'the formula has more than one offset(); add them inside one, e.g. offset(a + b)', context);
    break;
  }
  return { formula: rest.replace(/\s+/g, ' ').trim(), offset };
}

/** Checks the `weights` and `offset` options (column names / labels) and merges the formula's offset. */
export function priorSpec(options: { weights?: string; offset?: string }, formulaOffset: string | null, context: string): PriorSpec {
  const { weights, offset } = options;
  check(weights === undefined || (typeof weights === 'string' && weights.length > 0), `${context}: weights must be the name of a column of prior weights, got ${String(weights)}`);
  check(
    offset === undefined || (typeof offset === 'string' && offset.trim().length > 0),
    `${context}: offset must be a column name or a transform such as 'log(exposure)', got ${String(offset)}`,
  );
  if (offset !== undefined && formulaOffset !== null)
    throw new CbmError('BAD_INPUT', `${context}: the offset is given twice (offset: '${offset}' and offset(${formulaOffset}) in the formula); give it once`, {});
  const label = offset !== undefined ? expressionLabel(parseExpression(offset)) : formulaOffset;
  return { weights: weights ?? null, offset: label };
}

/** The raw columns a prior reads (for the missing-value scan). */
export function priorVariables(spec: PriorSpec): string[] {
  return [...(spec.weights !== null ? [spec.weights] : []), ...(spec.offset !== null ? [spec.offset] : [])];
}

/**
 * The weights and offset of the rows of `table` (complete rows, before any preparation: weights
 * and offsets are read as given). Weights must be finite and ≥ 0 with some positive.
 */
export function readPrior(table: Table, spec: PriorSpec, context: string): Prior {
  let weights: Float64Array | null = null;
  if (spec.weights !== null) {
    weights = numericColumn(table, spec.weights, context);
    let positive = 0;
    for (let i = 0; i < weights.length; i++) {
      const weight = weights[i];
      if (weight < 0)
        throw rowError(
          i,
          (row) => new CbmError('BAD_INPUT', `${context}: weights must not be negative, but '${spec.weights}' is ${weight} in row ${row}`, { column: spec.weights, row }),
        );
      if (weights[i] > 0) positive++;
    }
    if (positive === 0) throw new CbmError('BAD_INPUT', `${context}: every weight in '${spec.weights}' is zero, so no row is left to fit`, { column: spec.weights });
  }
  return { weights, offset: spec.offset !== null ? readOffset(table, spec.offset, context) : null };
}

/** The offset's values on `table` (a column or a transform of columns), checked finite. */
export function readOffset(table: Table, label: string, context: string): Float64Array {
  const view = isDerived(label) ? deriveColumns(table, [label], context) : table;
  return numericColumn(view, label, context);
}

/** Rows with a positive weight (R's nobs for a weighted fit); n without weights. */
export function positiveCount(weights: Float64Array | null, n: number): number {
  if (weights === null) return n;
  let count = 0;
  for (let i = 0; i < weights.length; i++) if (weights[i] > 0) count++;
  return count;
}

/** R's round(): halves to even (IEC 60559), which binomial()$aic applies to m·y and m. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** log C(m, k) = log m! − log k! − log (m − k)!. */
export function logChoose(m: number, k: number): number {
  return logGamma(m + 1) - logGamma(k + 1) - logGamma(m - k + 1);
}

/** log(1 + e^x) without overflow or cancellation. */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/**
 * log dbinom(k, m, μ) at μ = 1/(1 + e^−η) = log C(m, k) + k log μ + (m − k) log(1 − μ), with
 * 0·log 0 = 0: one row of R's binomial log-likelihood for a weighted proportion (k = round(m·y),
 * m = round(weight)). The logs are taken from η, so μ near 0 or 1 loses nothing.
 */
export function logBinomial(k: number, m: number, eta: number): number {
  return logChoose(m, k) - (k > 0 ? k * softplus(-eta) : 0) - (m - k > 0 ? (m - k) * softplus(eta) : 0);
}

/** True when a fit has weights or an offset (its statistics then follow R's weighted binomial). */
export function hasPrior(prior: Prior): boolean {
  return prior.weights !== null || prior.offset !== null;
}

/**
 * R's warning for a weighted proportion whose count of successes w·y is not whole ("non-integer
 * #successes in a binomial glm!"), naming the row of the input (the fit left out `droppedRows`).
 */
export function proportionWarning(y: Float64Array, weights: Float64Array | null, droppedRows: readonly number[]): string[] {
  if (weights === null) return [];
  for (let i = 0; i < y.length; i++)
    if (Math.abs(weights[i] * y[i] - roundHalfEven(weights[i] * y[i])) > 1e-3)
      return [
        `non-integer number of successes (weight × response) in row ${inputRow(i, droppedRows)}, as R warns: the log-likelihood, AIC and BIC round them (as R's binomial family does)`,
      ];
  return [];
}

/** R's binomial log-likelihood Σ log dbinom(round(w·y), round(w), μ) over rows with w > 0, and the deviance 2Σ w·[y log(y/μ) + (1−y) log((1−y)/(1−μ))]. */
function binomialFit(y: Float64Array, eta: Float64Array, weights: Float64Array | null): { logLik: number; deviance: number } {
  let logLik = 0;
  let deviance = 0;
  for (let i = 0; i < y.length; i++) {
    const w = weights === null ? 1 : weights[i];
    if (!(w > 0)) continue;
    const yi = y[i];
    logLik += logBinomial(roundHalfEven(w * yi), roundHalfEven(w), eta[i]);
    // y log(y/μ) = y log y + y·softplus(−η); (1 − y) log((1 − y)/(1 − μ)) = (1 − y) log(1 − y) + (1 − y)·softplus(η).
    const entropy = (yi > 0 ? yi * Math.log(yi) : 0) + (yi < 1 ? (1 - yi) * Math.log1p(-yi) : 0);
    deviance += 2 * w * (entropy + (yi > 0 ? yi * softplus(-eta[i]) : 0) + (yi < 1 ? (1 - yi) * softplus(eta[i]) : 0));
  }
  return { logLik, deviance };
}

/**
 * The fit statistics of a logistic fit with weights or an offset, as R's glm reports them:
 * logLik (with the log-choose terms of a weighted proportion), deviance, AIC, BIC, and the null
 * model – intercept-only with the same offset and weights, refitted as R's glm does when there
 * is an offset (R: `null.deviance`), or μ = plogis(offset) without an intercept. nObs counts the
 * rows with positive weight (R's nobs); df are nObs − p and nObs − 1 (R's df.residual, df.null);
 * BIC's log n counts every row, zero weights included, as R's BIC(glm) does (logLik.glm's nobs).
 */
export function logitPriorStatistics(
  fit: Pick<NewtonFit, 'coefficients' | 'iterations' | 'status'>,
  columns: readonly Float64Array[],
  y: Float64Array,
  prior: Prior,
  intercept: boolean,
): FitStatistics {
  const n = y.length;
  const p = columns.length;
  const eta = prior.offset === null ? new Float64Array(n) : Float64Array.from(prior.offset);
  for (let j = 0; j < p; j++) {
    const x = columns[j];
    const b = fit.coefficients[j];
    for (let i = 0; i < n; i++) eta[i] += b * x[i];
  }
  const model = binomialFit(y, eta, prior.weights);
  let nullEta: Float64Array;
  if (!intercept) nullEta = prior.offset === null ? new Float64Array(n) : Float64Array.from(prior.offset);
  else {
    // Intercept only: without an offset the estimate is the weighted mean's logit; with one, a fit.
    let ones = 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const w = prior.weights === null ? 1 : prior.weights[i];
      ones += w * y[i];
      total += w;
    }
    let b0 = Math.log(ones / (total - ones));
    if (prior.offset !== null) {
      const nullFit = newtonLogit([new Float64Array(n).fill(1)], y, {
        interceptColumn: 0,
        maxIterations: 100,
        tolerance: 1e-12,
        weights: prior.weights,
        offset: prior.offset,
        warmStart: false,
      });
      b0 = nullFit.coefficients[0];
    }
    nullEta = prior.offset === null ? new Float64Array(n).fill(b0) : prior.offset.map((o) => o + b0);
  }
  const nullModel = binomialFit(y, nullEta, prior.weights);
  return priorStatistics(fit, model, nullModel, positiveCount(prior.weights, n), n, p, intercept);
}

/**
 * The statistics of a weighted or offset logit from its and its null model's log-likelihood and
 * deviance (shared by the in-memory and the in-database fit). `nObs` counts the positive weights,
 * `rows` every row (BIC's n, as R's BIC(glm)).
 */
export function priorStatistics(
  fit: Pick<NewtonFit, 'iterations' | 'status'>,
  model: { logLik: number; deviance: number },
  nullModel: { logLik: number; deviance: number },
  nObs: number,
  rows: number,
  p: number,
  intercept: boolean,
): FitStatistics {
  const n = rows;
  const ll = model.logLik;
  const lrStatistic = nullModel.deviance - model.deviance;
  const lrDf = p - (intercept ? 1 : 0);
  return {
    nObs,
    nParameters: p,
    dfResidual: nObs - p,
    dfNull: nObs - (intercept ? 1 : 0),
    logLikelihood: ll,
    nullLogLikelihood: nullModel.logLik,
    deviance: model.deviance,
    nullDeviance: nullModel.deviance,
    aic: -2 * ll + 2 * p,
    // R's BIC takes n from logLik.glm, which counts every row, zero weights included (unlike nobs()).
    bic: -2 * ll + Math.log(n) * p,
    pseudoR2: 1 - ll / nullModel.logLik,
    iterations: fit.iterations,
    converged: fit.status === 'converged',
    lrStatistic,
    lrPValue: lrDf > 0 ? chiSquareUpperTail(Math.max(lrStatistic, 0), lrDf) : NaN,
  };
}
