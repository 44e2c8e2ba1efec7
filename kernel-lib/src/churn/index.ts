export { kaplanMeier, type KaplanMeier, type KaplanMeierOptions, type ConfidenceType, type SurvivalQuantile } from './kaplanMeier';
export { logRankTest, type LogRankTest } from './logRank';
export { churnModelTable, CHURN_FEATURES, type ChurnDefinition, type ChurnFeature, type ChurnModelTable, type ChurnModelTableOptions } from './modelTable';
export { personPeriodTable, fitDiscreteHazard, type DiscreteHazardModel, type HazardFit } from './hazard';
export type { PoissonFit } from '../model/poisson';
export { triggeredChurnTable, type TriggeredChurnOptions } from './trigger';
