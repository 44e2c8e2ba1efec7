/**
 * Backward elimination (`stepwise`) against R's step() and by its own rules.
 * References: R 4.2.2 step() by AIC (k = 2) and BIC (k = log n) on R's infert data with all
 * pairwise interactions, its path and every printed candidate table, and the final model against
 * R glm and statsmodels at tight convergence (fixtures/infert-glm.json, infert-statsmodels.json);
 * elsewhere the rule itself ('<none>' ends the search with the lowest criterion; AIC = deviance + 2k)
 * and a mechanism whose answer is known by construction.
 * Elsewhere: bad options in bad-input.test.ts, missing values in missing-values.test.ts, transformed
 * terms in expression.test.ts, the in-database search in sql-fit.test.ts and newton.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogitModel, seededUniform, stepwise } from '../kernel-lib/src/index';
import { expectAgreement } from './helpers/agreement';
import { readCsv, relativeDifference } from './helpers/csv';

const fixtures = join(__dirname, 'fixtures');
const json = (name: string) => JSON.parse(readFileSync(join(fixtures, name), 'utf8'));
const infertRows = readCsv(join(fixtures, 'infert.csv'));
const infert = json('infert-glm.json');
const infertStatsmodels = json('infert-statsmodels.json');
const formula = infert.pairwise.formula as string;

describe('R infert: case ~ (age + parity + induced + spontaneous)^2, as R step() eliminates it', () => {
  for (const [label, key, criterion, smKey] of [
    ['AIC (k = 2)', 'step_aic', 'aic', 'step_aic_final'],
    ['BIC (k = log n)', 'step_bic', 'bic', 'step_bic_final'],
  ] as const) {
    it(`by ${label}: same removals, deviances and criterion at each step, same final model`, () => {
      const reference = infert[key];
      const { model: final, steps } = stepwise(infertRows, formula, { criterion });
      type PathRow = { Step: string; Df: number | null; Deviance: number | null; 'Resid. Df': number; 'Resid. Dev': number; AIC: number };
      const path = reference.path as PathRow[];
      expect(steps.map((s) => (s.removed === null ? '' : `- ${s.removed}`))).toEqual(path.map((r) => r.Step));
      steps.forEach((s, k) => {
        expect(s.residualDf).toBe(path[k]['Resid. Df']);
        expect(relativeDifference(s.residualDeviance, path[k]['Resid. Dev'])).toBeLessThan(1e-6);
        expect(relativeDifference(s.criterion, path[k].AIC)).toBeLessThan(1e-6);
        if (k > 0) {
          expect(s.df).toBe(path[k].Df);
          // Deviance changes are differences of nearby numbers: compare absolutely at 1e-6.
          expect(Math.abs(s.devianceChange! - path[k].Deviance!)).toBeLessThan(1e-6);
        }
      });
      expect(final.terms.map((t) => t.label)).toEqual(reference.final_model.term_labels);
      // R stops this final refit 2e-8 short in its SEs even at epsilon 1e-14 (fixtures README), hence 1e-6 here.
      expectAgreement(final, reference.final_model.tight_control, 1e-6);
      expectAgreement(final, infertStatsmodels[smKey].tight_control, 1e-7);
    });

    it(`by ${label}: every row of every candidate table, in R order, deviance and criterion to 1e-6`, () => {
      const { steps } = stepwise(infertRows, formula, { criterion });
      const reference = infert[key].steps as { candidates_sorted: { row: string; Df: number | null; Deviance: number; AIC: number }[] }[];
      expect(steps.length).toBe(reference.length);
      steps.forEach((step, k) => {
        const ours = step.candidates;
        const theirs = reference[k].candidates_sorted;
        expect(ours.map((c) => (c.term === '<none>' ? '<none>' : `- ${c.term}`))).toEqual(theirs.map((r) => r.row));
        ours.forEach((c, r) => {
          expect(relativeDifference(c.deviance, theirs[r].Deviance)).toBeLessThan(1e-6);
          expect(relativeDifference(c.criterion, theirs[r].AIC)).toBeLessThan(1e-6);
          expect(c.df).toBe(theirs[r].Df);
        });
      });
    });
  }

  it("the last table: '<none>' has the lowest AIC, and each candidate's AIC is its deviance + 2 × its parameters", () => {
    const { steps } = stepwise(infertRows, formula);
    const last = steps[steps.length - 1];
    const none = last.candidates.find((c) => c.term === '<none>')!;
    expect(none).toBeDefined();
    expect(Math.min(...last.candidates.map((c) => c.criterion))).toBe(none.criterion);
    const parameters = infertRows.length - last.residualDf;
    for (const c of last.candidates) expect(c.aic).toBeCloseTo(c.deviance + 2 * (parameters - (c.df ?? 0)), 8);
  });
});

describe('the search', () => {
  it('by p-value, free, on y ~ g*h: candidates with an aliased cell indicator are fitted as R fits them (NA), not skipped', () => {
    const u = seededUniform(14);
    // Only the (b, d) cell differs: g's and h's treatment-coded main effects are 0, the interaction is not.
    const data = Array.from({ length: 2000 }, () => {
      const g = u() < 0.5 ? 'a' : 'b';
      const h = u() < 0.5 ? 'c' : 'd';
      return { g, h, y: u() < (g === 'b' && h === 'd' ? 0.6 : 0.3) ? 1 : 0 };
    });
    const result = stepwise(data, 'y ~ g * h', { criterion: 'p-value', hierarchical: false });
    expect(result.model).toBeInstanceOf(LogitModel);
    // Removing g, then h, costs no rank (g:h's cell indicators take their place, as R's
    // model.matrix codes g:h without its margins) and leaves y ~ g:h, whose four indicators
    // alias the intercept: the last, gb:hd, is NA in R.
    expect(result.steps.flatMap((s) => s.candidates.filter((c) => c.skipped))).toEqual([]);
    expect(result.steps.slice(1).map((s) => [s.removed, s.df])).toEqual([
      ['g', 0],
      ['h', 0],
    ]);
    expect(result.model.formula).toBe('y ~ g:h');
    expect([...result.model.aliased]).toEqual(['gb:hd']);
  });

  it('applies `start` to the full model only, also on 100,000+ rows (warm-started candidates): b, which y does not depend on, goes', () => {
    const uniform = seededUniform('large-start');
    const n = 100_000;
    const a = new Float64Array(n);
    const b = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      a[i] = uniform();
      b[i] = uniform();
      y[i] = uniform() < 1 / (1 + Math.exp(-(-1 + 2 * a[i]))) ? 1 : 0;
    }
    const { model } = stepwise({ y, a, b }, 'y ~ a + b', { start: { a: 2 }, criterion: 'bic' });
    expect(model.terms.map((t) => t.label)).toEqual(['a']);
  });
});
