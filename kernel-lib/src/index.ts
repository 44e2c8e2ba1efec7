/**
 * @cbm-kit/kernel-lib – customer scoring and customer-base management. One library for the
 * notebooks and the Excel add-in: data, preparation, logistic regression with inference,
 * stepwise selection, campaign evaluation and charts.
 */
export { CbmError, type CbmErrorCode } from './errors';
export { seededUniform, standardNormal, shuffledIndices, type Uniform } from './random';
export { toTable, toRows, selectRows, numericColumn, isMissing, type Cell, type Row, type Columns, type DataInput, type Table } from './data/table';
export {
  bankCardCustomers,
  bankCardResponseProbabilities,
  bankCardCsv,
  parseBankCardCsv,
  BANKCARD_MECHANISM,
  BANKCARD_SEED,
  type BankCardCustomer,
  type BankCardMechanism,
} from './data/bankcard';
export { encodeCategories, indicatorCoding, type Encodings } from './prepare/encode';
export { minMaxScaler, scalerFromRanges, type MinMaxScaler, type Range } from './prepare/scale';
export { fitPreparation, applyPreparation, type Preparation, type PreparationSpec } from './prepare/preparation';
export { sampleRows, trainValidationSplit, type Split, type SplitOptions } from './prepare/split';
export { parseFormula, formatFormula, type Formula, type Term } from './model/formula';
export { LogitModel, type CoefficientRow, type ModelInfoRow, type SummaryTables } from './model/logit';
export { fitLogit, type FitOptions } from './model/fit';
export { MODEL_FORMAT, MODEL_VERSION, type LogitModelJSON, type Provenance } from './model/modelJson';
export type { FitStatistics } from './model/diagnostics';
export { readOutcome, type OutcomeOptions } from './data/outcome';
export { stepwise, type StepwiseOptions, type StepRecord, type CandidateRecord, type StepwiseResult } from './model/stepwise';
export { INTERCEPT } from './model/design';
export { erfc, normalQuantile, twoSidedNormalP, chiSquareUpperTail } from './model/distributions';
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
export * from './charts';
export { studentTUpperTail, twoSidedStudentP, studentTQuantile, fUpperTail, regularizedBeta, logBeta, regularizedGammaQ } from './model/distributions';
export { BANKCARD_MAX_CUSTOMERS } from './data/bankcard';
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
} from './model/transform';
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
export { scoringSQL, scoringQuery, type ScoringOptions, type ScoringQueryOptions, type ScorableModel } from './sql/scoring';
export {
  customerBase,
  customerBaseCsv,
  CUSTOMER_BASE_MECHANISM,
  CUSTOMER_BASE_SEED,
  type CustomerBase,
  type CustomerBaseOptions,
  type CustomerBaseCustomer,
  type CustomerBaseEvent,
  type CustomerBasePrice,
  type CustomerBaseCompetitorPrice,
  type CustomerBaseMechanism,
} from './data/customerBase';
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
export { churnerDistributionChart, revenueHistogramChart } from './simulate/charts';
export { priceCurveChart } from './pricing/charts';
