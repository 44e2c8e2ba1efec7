/**
 * test/fixtures/sandwich-reference.json (made by sandwich_reference.R: R's sandwich on infert.csv) and
 * infert.csv itself, read once for the suites that compare robust covariances with it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCsv } from './csv';

/** One covariance of a model: vcovHC / vcovCL, with lmtest-style inference. */
export interface RInference {
  covariance: number[][];
  std_errors: number[];
  statistic: number[];
  p_values: number[];
  ci_lower: number[];
  ci_upper: number[];
}
/** One model of the fixture; its covariances are under the keys HC0…HC3, CL_HC0, CL_HC1. */
export interface RModel extends Record<string, unknown> {
  name: string;
  formula: string;
  family: string;
  n: number;
  coefficients: number[];
  cluster: string;
  n_clusters: number;
}

export const sandwichFixtures = join(__dirname, '..', 'fixtures');
export const sandwichReference = JSON.parse(readFileSync(join(sandwichFixtures, 'sandwich-reference.json'), 'utf8')) as { models: RModel[] } & Record<string, unknown>;
export const infert = readCsv(join(sandwichFixtures, 'infert.csv'));
/** [model name, covariance key, model] for every covariance of every model. */
export const sandwichCases = sandwichReference.models.flatMap((m) =>
  (['HC0', 'HC1', 'HC2', 'HC3', 'CL_HC0', 'CL_HC1'] as const).map((key) => [m.name, key, m] as [string, string, RModel]),
);
