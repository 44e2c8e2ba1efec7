/**
 * @cbm-kit/kernel-lib – customer scoring and customer-base management. One library for the
 * notebooks and the Excel add-in. This root entry is numeric only and browser-safe: data,
 * preparation, logistic and linear regression with inference, stepwise selection, campaign
 * evaluation, simulation, pricing, churn and monitoring. The other entries: `/datasets` (the
 * synthetic data), `/charts` (Vega-Lite specs), `/sql` (SQL generators), `/render` (SVG via
 * vega), `/warehouse` (DuckDB and PostgreSQL executors), `/parallel` (worker threads).
 */
export { CbmError, isCbmError, type CbmErrorCode } from './errors';
export { checkOptionSchema, isCalendarDate, type OptionRule, type OptionSchema } from './options';
export { seededUniform, standardNormal, shuffledIndices, type Uniform } from './random';
export { toTable, toRows, selectRows, numericColumn, isMissing, type Cell, type Row, type Columns, type DataInput, type Table } from './data/table';
export { encodeCategories, indicatorCoding, type Encodings } from './prepare/encode';
export { minMaxScaler, scalerFromRanges, type MinMaxScaler, type Range } from './prepare/scale';
export { fitPreparation, applyPreparation, type Preparation, type PreparationSpec } from './prepare/preparation';
export { sampleRows, trainValidationSplit, type Split, type SplitOptions } from './prepare/split';
export { parseFormula, formatFormula, type Formula, type Term } from './model/formula';
export { LogitModel, type CoefficientRow, type ModelInfoRow, type SummaryTables } from './model/logit';
export type { PredictOptions } from './model/designModel';
export type { NaAction } from './model/design';
export { fitLogit, type FitOptions } from './model/fit';
export { MODEL_FORMAT, MODEL_VERSION, type LogitModelJSON, type Provenance } from './model/modelJson';
export type { FitStatistics } from './model/diagnostics';
export { LOGIT_MODEL_SCHEMA, FIT_STATISTICS_KEYS } from './model/modelSchema';
export { schemaViolation, type JsonSchema } from './model/jsonSchema';
export { readOutcome, type OutcomeOptions } from './data/outcome';
export { stepwise, type StepwiseOptions, type StepRecord, type CandidateRecord, type StepwiseResult } from './model/stepwise';
export { INTERCEPT } from './model/design';
export { erfc, normalQuantile, twoSidedNormalP, chiSquareUpperTail } from './model/distributionsPublic';
export {
  confusion,
  responseRate,
  hitRate,
  baseRate,
  lift,
  roi,
  thresholdSweep,
  breakEvenThreshold,
  rankByScore,
  type Confusion,
  type Economics,
  type Outcomes,
  type SweepRow,
} from './evaluate/metrics';
export { gainsTable, auc, rocCurve, calibrationTable, type GainsRow, type RocPoint, type CalibrationRow } from './evaluate/ranking';
export { targetList, type TargetListOptions, type TargetRow } from './evaluate/targetList';
export { campaignMetrics, type CampaignMetrics } from './evaluate/campaign';
export { tableFromRange, type RangeOptions } from './data/range';
export { toCsv, guardSpreadsheetText, unguardSpreadsheetText } from './data/csv';
export { studentTUpperTail, twoSidedStudentP, studentTQuantile, fUpperTail, regularizedBeta, logBeta, regularizedGammaQ } from './model/distributionsPublic';
export { MAX_TERMS, MAX_TERM_VARIABLES, type ParseOptions } from './model/formula';
export {
  parseExpression,
  expressionLabel,
  expressionColumns,
  evaluateExpression,
  deriveColumns,
  isDerived,
  rawColumns,
  TRANSFORM_FUNCTIONS,
  MAX_NESTING,
  type Expression,
  type TransformFunction,
} from './model/expression';
export {
  parseFilter,
  filterRows,
  filterColumns,
  MAX_IN_VALUES,
  MAX_FILTER_LENGTH,
  type Filter,
  type FilterComparison,
  type FilterLiteral,
  type FilterOperand,
} from './model/filter';
export {
  fitLinear,
  LinearModel,
  LINEAR_MODEL_FORMAT,
  LINEAR_MODEL_VERSION,
  type LinearFitOptions,
  type LinearCoefficientRow,
  type LinearStatistics,
  type LinearModelJSON,
} from './model/linear';
export { robustVcov, type RobustVcov, type RobustVcovOptions, type RobustType, type RobustCoefficientRow } from './model/sandwich';
export * from './monitor';
export * from './churn';
export { churnerDistribution, churnerTail, MAX_EXACT_CUSTOMERS } from './simulate/churners';
export {
  simulateRevenue,
  type SimulateRevenueSpec,
  type SimulateRevenueResult,
  type RevenueSummary,
  type RevenueQuantiles,
  type HistogramBin,
  type ChurnerCount,
} from './simulate/revenue';
/**
 * simulateRevenue in the caller's own blocks, for a host that must not block for the whole run
 * (the Excel add-in yields to the event loop between blocks and stops when Excel cancels the cell):
 * `prepareSimulation(spec)` checks the spec and precomputes the kernel's inputs; `streamKey(seed)`
 * keys the per-simulation random streams; `simulateRange(prepared, from, to, totals, churners, key)`
 * runs simulations from … to − 1 into the two arrays; `summaryFromDraws(prepared, totals, churners)`
 * is the summary simulateRevenue returns. Every simulation draws from its own stream, so any split
 * into blocks gives simulateRevenue's numbers exactly.
 *
 * @example
 * const spec = { churnProbabilities: [0.1, 0.3, 0.5], revenues: [100, 200, 300], simulations: 1000, seed: 7 };
 * const prepared = prepareSimulation(spec);
 * const key = streamKey(prepared.seed);
 * const totals = new Float64Array(prepared.simulations);
 * const churners = new Uint32Array(prepared.simulations);
 * for (let from = 0; from < prepared.simulations; from += 100) {
 *   const to = Math.min(prepared.simulations, from + 100);
 *   simulateRange(prepared, from, to, totals.subarray(from, to), churners.subarray(from, to), key);
 *   // a host yields here (await a timer) and checks for cancellation
 * }
 * const summary = summaryFromDraws(prepared, totals, churners);
 * if (summary.mean !== simulateRevenue(spec).summary.mean) throw new Error('blocks changed the numbers');
 */
export { prepareSimulation, simulateRange, summaryFromDraws, type PreparedSimulation } from './simulate/revenue';
export { streamKey, type StreamKey } from './simulate/streams';
export { competitorIndex, type CompetitorIndex, type CompetitorIndexOptions } from './pricing/competitorIndex';
export { retentionElasticity, type RetentionElasticity, type ElasticityOptions, type ElasticityGroup, type ChurnModel } from './pricing/elasticity';
export {
  optimizePrice,
  optimizePrices,
  type OptimizePriceSpec,
  type OptimizePriceResult,
  type PriceResponse,
  type PriceConstraints,
  type PriceCurvePoint,
  type ConstraintStatus,
} from './pricing/optimize';
