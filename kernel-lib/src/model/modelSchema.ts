import type { FitStatistics } from './diagnostics';

/**
 * The saved logistic model's format, defined once. This JSON Schema (draft-07) is what
 * `readModelJSON` checks every model against at run time (`schemaViolation`), what the build
 * writes as `logit-model.schema.json` for other tools (`@cbm-kit/kernel-lib/logit-model.schema.json`),
 * and where the fit statistics' names come from (`FIT_STATISTICS_KEYS`); the TypeScript type
 * `FitStatistics` is checked against it when the library compiles.
 *
 * @example
 * import { LOGIT_MODEL_SCHEMA } from '@cbm-kit/kernel-lib';
 * LOGIT_MODEL_SCHEMA.properties.format.const // 'cbm-kit/logit-model'
 */
export const LOGIT_MODEL_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://cbm-kit.invalid/schemas/logit-model.schema.json',
  title: 'cbm-kit/logit-model',
  description:
    "A saved logistic regression of cbm-kit (LogitModel.toJSON, read back by LogitModel.fromJSON). It scores raw customer rows: apply `preparation` (encode text codes, then min–max scale with the stored ranges), build one column per coefficient from `terms` (an interaction is the product of its variables' columns; a text variable listed in `factorLevels` is treatment-coded, one 0/1 column per level but the first), then V = Σ estimate · column (the linear predictor, the book's 'product attractiveness') and P = 1/(1 + e^−V). Besides what this schema checks, the reader checks that the formula matches the terms, that the coefficients are named and ordered as the terms' columns, that the covariance is symmetric with a non-negative diagonal, and that the preparation's ranges have min < max.",
  type: 'object',
  required: ['format', 'version', 'formula', 'response', 'intercept', 'terms', 'coefficients', 'covariance', 'statistics'],
  additionalProperties: false,
  properties: {
    format: {
      const: 'cbm-kit/logit-model',
      description: 'Identifies the file as a cbm-kit logistic model.',
    },
    version: {
      const: 1,
      description: 'Format version; this library reads version 1.',
    },
    formula: {
      type: 'string',
      description: "The model in R's formula notation, response ~ terms, e.g. 'responded ~ gender:income + income + gender:age'. Must list exactly the `terms`, in order.",
    },
    response: {
      type: 'string',
      description: "The response column (the book's Y), 1 = responded.",
    },
    intercept: {
      type: 'boolean',
      description: "Whether the model has an intercept β₀ (the first coefficient, '(Intercept)').",
    },
    terms: {
      type: 'array',
      description: "The model's terms in design order. A main effect has one variable, an interaction several (gender:income = X₁·X₂).",
      items: {
        type: 'object',
        required: ['label', 'variables'],
        additionalProperties: false,
        properties: {
          label: {
            type: 'string',
            description: "The variables joined by ':', as R names the term.",
          },
          variables: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'string',
            },
            description: 'Columns of the (prepared) rows multiplied together.',
          },
        },
      },
    },
    factorLevels: {
      type: 'object',
      description:
        'Text variables used as factors, with their levels; the first level is the reference (no column). Empty when every variable is numeric, e.g. gender encoded M → 1, F → 0 by the preparation.',
      additionalProperties: {
        type: 'array',
        minItems: 2,
        uniqueItems: true,
        items: {
          type: 'string',
        },
      },
    },
    preparation: {
      description: 'How raw rows are prepared before scoring, learned from the data at fit time; null when rows are scored as they are.',
      oneOf: [
        {
          type: 'null',
        },
        {
          type: 'object',
          required: ['encodings', 'ranges'],
          additionalProperties: false,
          properties: {
            encodings: {
              type: 'object',
              description: 'Text codes replaced by numbers, per column, e.g. { "gender": { "M": 1, "F": 0 } } (the book\'s X₁: male 1, female 0).',
              additionalProperties: {
                type: 'object',
                minProperties: 1,
                additionalProperties: {
                  type: 'number',
                },
              },
            },
            ranges: {
              type: 'object',
              description:
                "Min–max scaling (the book's 范围转换) per column: x′ = (x − min)/(max − min), with the range on file at fit time, e.g. income 1000–12780 → X₂ in [0, 1]. New rows outside the range scale outside [0, 1]: refit the preparation for another population.",
              additionalProperties: {
                type: 'object',
                required: ['min', 'max'],
                additionalProperties: false,
                properties: {
                  min: {
                    type: 'number',
                  },
                  max: {
                    type: 'number',
                  },
                },
              },
            },
          },
        },
      ],
    },
    confidenceLevel: {
      type: 'number',
      exclusiveMinimum: 0,
      exclusiveMaximum: 1,
      description: 'Level of the Wald intervals in the summary (default 0.95).',
    },
    coefficients: {
      type: 'array',
      description: 'One entry per design column, in order: the estimates β (on the prepared, i.e. scaled, units) and their standard errors.',
      items: {
        type: 'object',
        required: ['name', 'estimate'],
        additionalProperties: false,
        properties: {
          name: {
            type: 'string',
            description: "Column name: '(Intercept)', a term label, or a term label with a factor level (R's naming).",
          },
          term: {
            type: ['string', 'null'],
            description: 'The term the column belongs to; null for the intercept.',
          },
          estimate: {
            type: ['number', 'null'],
            description:
              "Maximum-likelihood estimate (change in V per unit of the column); null for an aliased column, a linear combination of earlier ones (R's NA: 'not defined because of singularities'), which scoring leaves out.",
          },
          stdError: {
            type: ['number', 'null'],
            description: 'Standard error from the observed information (null for an aliased column).',
          },
        },
      },
    },
    covariance: {
      type: 'array',
      description:
        "Covariance of the estimates (inverse observed information), a p × p matrix as rows, in coefficient order; gives the standard errors and Wald tests. The rows and columns of aliased coefficients are null (R's vcov).",
      items: {
        type: 'array',
        items: {
          type: ['number', 'null'],
        },
      },
    },
    offset: {
      type: 'string',
      description:
        "Present when the model has an offset (R's `offset(log(exposure))` in the formula or `offset = …`): a column name or a transform label in canonical spelling, read from the raw rows being scored (before the preparation) and added to V. Absent for none.",
    },
    vcov: {
      type: 'object',
      description:
        "Present when `covariance` (and the standard errors) is a robust sandwich covariance rather than the inverse observed information (fitLogit's `vcov`/`cluster` options): `type` as R's sandwich::vcovHC(m, type), and with `cluster` the column whose values group the rows, as vcovCL(m, cluster = ~column, type) ('HC0' or 'HC1'). Absent for the model-based covariance.",
      required: ['type', 'cluster'],
      additionalProperties: false,
      properties: {
        type: {
          oneOf: [{ const: 'HC0' }, { const: 'HC1' }, { const: 'HC2' }, { const: 'HC3' }],
          description: 'The heteroskedasticity-consistent estimator: HC0 (White), HC1 (× n/(n − k)), HC2 (÷ 1 − h), HC3 (÷ (1 − h)²).',
        },
        cluster: {
          type: ['string', 'null'],
          description: 'The column grouping rows into clusters (scores summed per cluster), or null for the unclustered estimator.',
        },
      },
    },
    statistics: {
      type: 'object',
      description: "The fit's statistics, as the summary prints them.",
      required: [
        'nObs',
        'nParameters',
        'dfResidual',
        'dfNull',
        'logLikelihood',
        'nullLogLikelihood',
        'deviance',
        'nullDeviance',
        'aic',
        'bic',
        'pseudoR2',
        'iterations',
        'converged',
        'lrStatistic',
        'lrPValue',
      ],
      properties: {
        nObs: {
          type: ['number', 'null'],
          description: 'n, the rows fitted (null where the value is undefined: JSON has no NaN)',
        },
        nParameters: {
          type: ['number', 'null'],
          description: 'p, the coefficients estimated (null where the value is undefined: JSON has no NaN)',
        },
        dfResidual: {
          type: ['number', 'null'],
          description: 'n − p (null where the value is undefined: JSON has no NaN)',
        },
        dfNull: {
          type: ['number', 'null'],
          description: 'n − 1 with an intercept, n without (null where the value is undefined: JSON has no NaN)',
        },
        logLikelihood: {
          type: ['number', 'null'],
          description: 'ℓ at the estimates (null where the value is undefined: JSON has no NaN)',
        },
        nullLogLikelihood: {
          type: ['number', 'null'],
          description: 'ℓ₀ of the intercept-only model (null where the value is undefined: JSON has no NaN)',
        },
        deviance: {
          type: ['number', 'null'],
          description: '−2ℓ (null where the value is undefined: JSON has no NaN)',
        },
        nullDeviance: {
          type: ['number', 'null'],
          description: '−2ℓ₀ (null where the value is undefined: JSON has no NaN)',
        },
        aic: {
          type: ['number', 'null'],
          description: '−2ℓ + 2p (null where the value is undefined: JSON has no NaN)',
        },
        bic: {
          type: ['number', 'null'],
          description: '−2ℓ + p·ln n (null where the value is undefined: JSON has no NaN)',
        },
        pseudoR2: {
          type: ['number', 'null'],
          description: "McFadden's 1 − ℓ/ℓ₀ (null where the value is undefined: JSON has no NaN)",
        },
        iterations: {
          type: ['number', 'null'],
          description: 'Newton iterations taken (null where the value is undefined: JSON has no NaN)',
        },
        converged: {
          type: 'boolean',
          description: 'Whether the Newton steps fell below the tolerance.',
        },
        lrStatistic: {
          type: ['number', 'null'],
          description: '2(ℓ − ℓ₀) (null where the value is undefined: JSON has no NaN)',
        },
        lrPValue: {
          type: ['number', 'null'],
          description: 'P(χ² > LR) against the null model (null where the value is undefined: JSON has no NaN)',
        },
      },
    },
    warnings: {
      type: 'array',
      items: {
        type: 'string',
      },
      description: 'Warnings raised by the fit (e.g. near-separation).',
    },
    event: {
      type: ['string', 'number', 'boolean'],
      description: 'The response value modelled as the event (P is the probability of this value), when it was named at fit time.',
    },
    provenance: {
      type: 'object',
      description:
        'How the model was made, flat and free-form: e.g. data file and seed, split ratio and seed, elimination criterion and hierarchy, the threshold a used for the target list. Values are text, finite numbers, true/false or null.',
      additionalProperties: {
        type: ['string', 'number', 'boolean', 'null'],
      },
    },
  },
} as const;

/**
 * The names of a logistic model's fit statistics, in the order the summary and the Excel model
 * table list them: the schema's `statistics.required`.
 *
 * @example
 * import { FIT_STATISTICS_KEYS } from '@cbm-kit/kernel-lib';
 * FIT_STATISTICS_KEYS[0] // 'nObs'
 */
export const FIT_STATISTICS_KEYS: readonly (keyof FitStatistics)[] = LOGIT_MODEL_SCHEMA.properties.statistics.required;

// FitStatistics (documented field by field in diagnostics.ts) has exactly the schema's keys:
// a key added to one and not the other stops the build here.
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const statisticsMatchSchema: SameKeys<keyof FitStatistics, (typeof LOGIT_MODEL_SCHEMA.properties.statistics.required)[number]> = true;
void statisticsMatchSchema;
