import type { FitStatistics } from './diagnostics';

/**
 * The saved logistic model's format, defined once. This JSON Schema (draft-07) is what
 * `readModelJSON` checks every model against at run time (`schemaViolation`), what the build
 * writes as `logit-model.schema.json` for other tools (`@cbm-kit/kernel-lib/logit-model.schema.json`,
 * where each part also carries its description, kept apart in modelSchemaDocs.ts because the reader
 * does not need them), and where the fit statistics' names come from (`FIT_STATISTICS_KEYS`); the
 * TypeScript type `FitStatistics` is checked against it when the library compiles.
 *
 * @example
 * import { LOGIT_MODEL_SCHEMA } from '@cbm-kit/kernel-lib';
 * LOGIT_MODEL_SCHEMA.properties.format.const // 'cbm-kit/logit-model'
 */
export const LOGIT_MODEL_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://cbm-kit.invalid/schemas/logit-model.schema.json',
  title: 'cbm-kit/logit-model',
  type: 'object',
  required: ['format', 'version', 'formula', 'response', 'intercept', 'terms', 'coefficients', 'covariance', 'statistics'],
  additionalProperties: false,
  properties: {
    format: {
      const: 'cbm-kit/logit-model',
    },
    version: {
      const: 1,
    },
    formula: {
      type: 'string',
    },
    response: {
      type: 'string',
    },
    intercept: {
      type: 'boolean',
    },
    terms: {
      type: 'array',
      items: {
        type: 'object',
        required: ['label', 'variables'],
        additionalProperties: false,
        properties: {
          label: {
            type: 'string',
          },
          variables: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'string',
            },
          },
        },
      },
    },
    factorLevels: {
      type: 'object',
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
    },
    coefficients: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'estimate'],
        additionalProperties: false,
        properties: {
          name: {
            type: 'string',
          },
          term: {
            type: ['string', 'null'],
          },
          estimate: {
            type: ['number', 'null'],
          },
          stdError: {
            type: ['number', 'null'],
          },
        },
      },
    },
    covariance: {
      type: 'array',
      items: {
        type: 'array',
        items: {
          type: ['number', 'null'],
        },
      },
    },
    offset: {
      type: 'string',
    },
    vcov: {
      type: 'object',
      required: ['type', 'cluster'],
      additionalProperties: false,
      properties: {
        type: {
          oneOf: [{ const: 'HC0' }, { const: 'HC1' }, { const: 'HC2' }, { const: 'HC3' }],
        },
        cluster: {
          type: ['string', 'null'],
        },
      },
    },
    statistics: {
      type: 'object',
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
        },
        nParameters: {
          type: ['number', 'null'],
        },
        dfResidual: {
          type: ['number', 'null'],
        },
        dfNull: {
          type: ['number', 'null'],
        },
        logLikelihood: {
          type: ['number', 'null'],
        },
        nullLogLikelihood: {
          type: ['number', 'null'],
        },
        deviance: {
          type: ['number', 'null'],
        },
        nullDeviance: {
          type: ['number', 'null'],
        },
        aic: {
          type: ['number', 'null'],
        },
        bic: {
          type: ['number', 'null'],
        },
        pseudoR2: {
          type: ['number', 'null'],
        },
        iterations: {
          type: ['number', 'null'],
        },
        converged: {
          type: 'boolean',
        },
        lrStatistic: {
          type: ['number', 'null'],
        },
        lrPValue: {
          type: ['number', 'null'],
        },
      },
    },
    warnings: {
      type: 'array',
      items: {
        type: 'string',
      },
    },
    event: {
      type: ['string', 'number', 'boolean'],
    },
    provenance: {
      type: 'object',
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
