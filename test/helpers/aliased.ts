import { expect } from 'vitest';
import type { LinearModel, LogitModel } from '../../kernel-lib/src/index';
import { relativeDifference } from './csv';

/**
 * A model with aliased columns is, as R's glm/lm report it, the model without them: the aliased
 * names are NaN and listed in `model.aliased`, every other estimate, SE and the log-likelihood
 * equal those of `reduced` (the same formula without the aliased columns), and the warnings name
 * each aliased column with `fragments`.
 */
export function expectAliasedAsReduced(model: LogitModel | LinearModel, reduced: LogitModel | LinearModel, aliased: readonly string[], fragments: readonly string[]): void {
  expect([...model.aliased]).toEqual(aliased);
  for (const name of aliased) expect(model.coefficient(name), name).toBeNaN();
  const b = model.coefficients;
  const se = model.stdErrors;
  reduced.names.forEach((name, k) => {
    const j = model.names.indexOf(name);
    expect(relativeDifference(b[j], reduced.coefficients[k]), name).toBeLessThan(1e-8);
    expect(relativeDifference(se[j], reduced.stdErrors[k]), `SE ${name}`).toBeLessThan(1e-8);
  });
  expect(model.names.length - aliased.length).toBe(reduced.names.length);
  expect(model.statistics.nParameters).toBe(reduced.statistics.nParameters);
  expect(relativeDifference(model.statistics.logLikelihood, reduced.statistics.logLikelihood)).toBeLessThan(1e-10);
  for (const fragment of fragments) expect(model.warnings.join('\n')).toContain(fragment);
  expect(model.summary()).toContain(`(${aliased.length} not defined because of singularities)`);
}
