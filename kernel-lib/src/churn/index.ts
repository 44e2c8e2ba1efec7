export { kaplanMeier, type KaplanMeier } from './kaplanMeier';
export { churnModelTable, CHURN_FEATURES, type ChurnDefinition, type ChurnFeature, type ChurnModelTable, type ChurnModelTableOptions } from './modelTable';
export { personPeriodTable, fitDiscreteHazard, type DiscreteHazardModel } from './hazard';
export { triggeredChurnTable, type TriggeredChurnOptions } from './trigger';
