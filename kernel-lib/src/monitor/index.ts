export { ksTest, type KsTestResult, type KsTestOptions, type KsAlternative } from './ks';
export { psi, PSI_SHARE_FLOOR, type PsiOptions, type PsiResult } from './psi';
export { chiSquareShares, type ChiSquareSharesResult } from './chisq';
export { driftReport, type DriftReport, type DriftRow, type DriftStatus, type DriftThresholds } from './drift';
