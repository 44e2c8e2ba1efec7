import { CbmError } from '../errors';
import type { JsonSchema } from './jsonSchema';
import { LOGIT_MODEL_SCHEMA } from './modelSchema';

/**
 * What each part of the saved logistic model means, for the people and tools that read
 * `logit-model.schema.json`: the build writes LOGIT_MODEL_SCHEMA with these as its `description`s
 * (scripts/write-schema.mjs). They live apart from the schema because the reader does not need
 * them: kept out of the root entry, they spare every browser bundle of the library 5.8 KB. Keyed
 * by JSON Pointer into the schema; `documentedSchema` refuses a pointer that names no part of it,
 * and test/model-schema.test.ts that a property goes without one.
 */
export const LOGIT_MODEL_DESCRIPTIONS: Readonly<Record<string, string>> = {
  '': "A saved logistic regression of cbm-kit (LogitModel.toJSON, read back by LogitModel.fromJSON). It scores raw customer rows: apply `preparation` (encode text codes, then min–max scale with the stored ranges), build one column per coefficient from `terms` (an interaction is the product of its variables' columns; a text variable listed in `factorLevels` is treatment-coded, one 0/1 column per level but the first), then V = Σ estimate · column (the linear predictor, the book's 'product attractiveness') and P = 1/(1 + e^−V). Besides what this schema checks, the reader checks that the formula matches the terms, that the coefficients are named and ordered as the terms' columns, that the covariance is symmetric with a non-negative diagonal, and that the preparation's ranges have min < max.",
  '/properties/format': 'Identifies the file as a cbm-kit logistic model.',
  '/properties/version': 'Format version; this library reads version 1.',
  '/properties/formula': "The model in R's formula notation, response ~ terms, e.g. 'responded ~ gender:income + income + gender:age'. Must list exactly the `terms`, in order.",
  '/properties/response': "The response column (the book's Y), 1 = responded.",
  '/properties/intercept': "Whether the model has an intercept β₀ (the first coefficient, '(Intercept)').",
  '/properties/terms': "The model's terms in design order. A main effect has one variable, an interaction several (gender:income = X₁·X₂).",
  '/properties/terms/items/properties/label': "The variables joined by ':', as R names the term.",
  '/properties/terms/items/properties/variables': 'Columns of the (prepared) rows multiplied together.',
  '/properties/factorLevels':
    'Text variables used as factors, with their levels; the first level is the reference (no column). Empty when every variable is numeric, e.g. gender encoded M → 1, F → 0 by the preparation.',
  '/properties/preparation': 'How raw rows are prepared before scoring, learned from the data at fit time; null when rows are scored as they are.',
  '/properties/preparation/oneOf/1/properties/encodings': 'Text codes replaced by numbers, per column, e.g. { "gender": { "M": 1, "F": 0 } } (the book\'s X₁: male 1, female 0).',
  '/properties/preparation/oneOf/1/properties/ranges':
    "Min–max scaling (the book's 范围转换) per column: x′ = (x − min)/(max − min), with the range on file at fit time, e.g. income 1000–12780 → X₂ in [0, 1]. New rows outside the range scale outside [0, 1]: refit the preparation for another population.",
  '/properties/confidenceLevel': 'Level of the Wald intervals in the summary (default 0.95).',
  '/properties/coefficients': 'One entry per design column, in order: the estimates β (on the prepared, i.e. scaled, units) and their standard errors.',
  '/properties/coefficients/items/properties/name': "Column name: '(Intercept)', a term label, or a term label with a factor level (R's naming).",
  '/properties/coefficients/items/properties/term': 'The term the column belongs to; null for the intercept.',
  '/properties/coefficients/items/properties/estimate':
    "Maximum-likelihood estimate (change in V per unit of the column); null for an aliased column, a linear combination of earlier ones (R's NA: 'not defined because of singularities'), which scoring leaves out.",
  '/properties/coefficients/items/properties/stdError': 'Standard error from the observed information (null for an aliased column).',
  '/properties/covariance':
    "Covariance of the estimates (inverse observed information), a p × p matrix as rows, in coefficient order; gives the standard errors and Wald tests. The rows and columns of aliased coefficients are null (R's vcov).",
  '/properties/offset':
    "Present when the model has an offset (R's `offset(log(exposure))` in the formula or `offset = …`): a column name or a transform label in canonical spelling, read from the raw rows being scored (before the preparation) and added to V. Absent for none.",
  '/properties/vcov':
    "Present when `covariance` (and the standard errors) is a robust sandwich covariance rather than the inverse observed information (fitLogit's `vcov`/`cluster` options): `type` as R's sandwich::vcovHC(m, type), and with `cluster` the column whose values group the rows, as vcovCL(m, cluster = ~column, type) ('HC0' or 'HC1'). Absent for the model-based covariance.",
  '/properties/vcov/properties/type': 'The heteroskedasticity-consistent estimator: HC0 (White), HC1 (× n/(n − k)), HC2 (÷ 1 − h), HC3 (÷ (1 − h)²).',
  '/properties/vcov/properties/cluster': 'The column grouping rows into clusters (scores summed per cluster), or null for the unclustered estimator.',
  '/properties/statistics': "The fit's statistics, as the summary prints them.",
  '/properties/statistics/properties/nObs': 'n, the rows fitted (null where the value is undefined: JSON has no NaN)',
  '/properties/statistics/properties/nParameters': 'p, the coefficients estimated (null where the value is undefined: JSON has no NaN)',
  '/properties/statistics/properties/dfResidual': 'n − p (null where the value is undefined: JSON has no NaN)',
  '/properties/statistics/properties/dfNull': 'n − 1 with an intercept, n without (null where the value is undefined: JSON has no NaN)',
  '/properties/statistics/properties/logLikelihood': 'ℓ at the estimates (null where the value is undefined: JSON has no NaN)',
  '/properties/statistics/properties/nullLogLikelihood': 'ℓ₀ of the intercept-only model (null where the value is undefined: JSON has no NaN)',
  '/properties/statistics/properties/deviance': '−2ℓ (null where the value is undefined: JSON has no NaN)',
  '/properties/statistics/properties/nullDeviance': '−2ℓ₀ (null where the value is undefined: JSON has no NaN)',
  '/properties/statistics/properties/aic': '−2ℓ + 2p (null where the value is undefined: JSON has no NaN)',
  '/properties/statistics/properties/bic': '−2ℓ + p·ln n (null where the value is undefined: JSON has no NaN)',
  '/properties/statistics/properties/pseudoR2': "McFadden's 1 − ℓ/ℓ₀ (null where the value is undefined: JSON has no NaN)",
  '/properties/statistics/properties/iterations': 'Newton iterations taken (null where the value is undefined: JSON has no NaN)',
  '/properties/statistics/properties/converged': 'Whether the Newton steps fell below the tolerance.',
  '/properties/statistics/properties/lrStatistic': '2(ℓ − ℓ₀) (null where the value is undefined: JSON has no NaN)',
  '/properties/statistics/properties/lrPValue': 'P(χ² > LR) against the null model (null where the value is undefined: JSON has no NaN)',
  '/properties/warnings': 'Warnings raised by the fit (e.g. near-separation).',
  '/properties/event': 'The response value modelled as the event (P is the probability of this value), when it was named at fit time.',
  '/properties/provenance':
    'How the model was made, flat and free-form: e.g. data file and seed, split ratio and seed, elimination criterion and hierarchy, the threshold a used for the target list. Values are text, finite numbers, true/false or null.',
};

/**
 * A deep copy of `schema` with `descriptions[pointer]` as the `description` of the part each JSON
 * Pointer names.
 */
export function documentedSchema(schema: JsonSchema, descriptions: Readonly<Record<string, string>>): JsonSchema {
  const copy = structuredClone(schema) as Record<string, unknown>;
  for (const [pointer, text] of Object.entries(descriptions)) {
    let node: unknown = copy;
    for (const key of pointer.split('/').slice(1)) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
    if (node === null || typeof node !== 'object' || Array.isArray(node))
      throw new CbmError('BAD_INPUT', `documentedSchema: '${pointer}' names no part of the schema`, { pointer });
    (node as Record<string, unknown>).description = text;
  }
  return copy;
}

/** The saved logistic model's schema as `logit-model.schema.json` holds it: LOGIT_MODEL_SCHEMA with its descriptions. */
export const documentedLogitModelSchema = (): JsonSchema => documentedSchema(LOGIT_MODEL_SCHEMA, LOGIT_MODEL_DESCRIPTIONS);
