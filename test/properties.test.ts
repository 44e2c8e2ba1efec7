/**
 * Property-based tests of kernel-lib (fast-check). Every fc.assert has a fixed seed so a run is
 * reproducible; numRuns are kept moderate so the whole file takes a few seconds on 2 cores.
 *
 * Logit data are simulated from fast-check integer seeds through kernel-lib's own seededUniform:
 * x1 ~ U(−2, 2), x2 ~ U(0, 10), g ∈ {A, B, C}, y ~ Bernoulli(logistic(b0 + b1·x1 + b2·(x2 − 5)/5 + effect(g))),
 * n ≥ 60, coefficients moderate. Such data can still separate by chance; a fit that throws is only
 * accepted when the error is SEPARATION (the run is then discarded with fc.pre), never any other error.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CbmError,
  LogitModel,
  auc,
  confusion,
  fitLogit,
  formatFormula,
  gainsTable,
  hitRate,
  lift,
  minMaxScaler,
  parseFormula,
  responseRate,
  roi,
  seededUniform,
  shuffledIndices,
  trainValidationSplit,
  type FitOptions,
  type Formula,
  type Row,
} from '../kernel-lib/src/index';
import { bankCardCustomers } from '../kernel-lib/src/datasets';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const logistic = (v: number): number => 1 / (1 + Math.exp(-v));

/** |a − b| ≤ rel·max(1, |a|, |b|): relative for values of order one or larger, absolute below. */
function expectClose(actual: number, expected: number, rel: number, what = ''): void {
  const scale = Math.max(1, Math.abs(actual), Math.abs(expected));
  if (!(Math.abs(actual - expected) <= rel * scale)) {
    throw new Error(`${what}: ${actual} differs from ${expected} by ${Math.abs(actual - expected)} (> ${rel} × ${scale})`);
  }
}

function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, what: string): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) expectClose(actual[i], expected[i], rel, `${what}[${i}]`);
}

interface SimSpec {
  seed: number;
  n: number;
  b0: number;
  b1: number;
  b2: number;
}

const GROUP_EFFECT: Record<string, number> = { A: 0, B: 0.6, C: -0.6 };

/** Simulated non-degenerate logistic data (see the file comment). */
function simulate(spec: SimSpec): Row[] {
  const uniform = seededUniform(spec.seed);
  const rows: Row[] = [];
  for (let i = 0; i < spec.n; i++) {
    const x1 = 4 * uniform() - 2;
    const x2 = 10 * uniform();
    const g = 'ABC'[Math.floor(3 * uniform())];
    const p = logistic(spec.b0 + spec.b1 * x1 + (spec.b2 * (x2 - 5)) / 5 + GROUP_EFFECT[g]);
    rows.push({ x1, x2, g, y: uniform() < p ? 1 : 0 });
  }
  return rows;
}

/** Both classes present overall and within every level of g (else a factor level separates for sure). */
function wellPosed(rows: readonly Row[]): boolean {
  const counts = new Map<string, [number, number]>();
  for (const r of rows) {
    const c = counts.get(r.g as string) ?? [0, 0];
    c[r.y as number]++;
    counts.set(r.g as string, c);
  }
  return counts.size === 3 && [...counts.values()].every(([zeros, ones]) => zeros > 0 && ones > 0);
}

const simSpec: fc.Arbitrary<SimSpec> = fc.record({
  seed: fc.integer(),
  n: fc.integer({ min: 60, max: 200 }),
  b0: fc.double({ min: -1.2, max: 1.2, noNaN: true }),
  b1: fc.double({ min: -2.5, max: 2.5, noNaN: true }),
  b2: fc.double({ min: -1.5, max: 1.5, noNaN: true }),
});

/** Fits, turning SEPARATION (and only SEPARATION) into null so the caller can discard the run. */
function fitUnlessSeparated(data: Parameters<typeof fitLogit>[0], formula: string, options?: FitOptions): LogitModel | null {
  try {
    return fitLogit(data, formula, options);
  } catch (e) {
    if (e instanceof CbmError && e.code === 'SEPARATION') return null;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// fitLogit
// ---------------------------------------------------------------------------------------------

describe('fitLogit properties', () => {
  it('is invariant to the order of the rows (coefficients, SEs, logLik to 1e-9; P follows its row)', () => {
    fc.assert(
      fc.property(simSpec, fc.integer(), (spec, shuffleSeed) => {
        const rows = simulate(spec);
        fc.pre(wellPosed(rows));
        const formula = 'y ~ x1 + x2 + g';
        const model = fitUnlessSeparated(rows, formula);
        fc.pre(model !== null);
        const order = shuffledIndices(rows.length, seededUniform(shuffleSeed));
        const shuffled = Array.from(order, (i) => rows[i]);
        // Same data in a different order must fit (no error at all, SEPARATION included).
        const again = fitLogit(shuffled, formula);
        expect(again.names).toEqual(model!.names);
        expectAllClose(again.coefficients, model!.coefficients, 1e-9, 'coefficient');
        expectAllClose(again.stdErrors, model!.stdErrors, 1e-9, 'std error');
        expectClose(again.statistics.logLikelihood, model!.statistics.logLikelihood, 1e-9, 'logLik');
        const p = model!.predict(rows);
        const q = again.predict(shuffled);
        for (let k = 0; k < order.length; k++) expectClose(q[k], p[order[k]], 1e-9, `P of row ${order[k]}`);
        // Rows or columns: the same data in the other shape gives the very same fit.
        const columns = { x1: rows.map((r) => r.x1), x2: Float64Array.from(rows, (r) => r.x2 as number), g: rows.map((r) => r.g), y: rows.map((r) => r.y) };
        expect(Array.from(fitLogit(columns, formula).coefficients)).toEqual(Array.from(model!.coefficients));
      }),
      { seed: 424242, numRuns: 60 },
    );
  });

  it('is equivariant under an affine rescaling x1 → a·x1 + b (with an intercept)', () => {
    const scale = fc.tuple(fc.double({ min: 0.05, max: 20, noNaN: true }), fc.boolean()).map(([m, negative]) => (negative ? -m : m));
    fc.assert(
      fc.property(simSpec, scale, fc.double({ min: -20, max: 20, noNaN: true }), (spec, a, b) => {
        const rows = simulate(spec);
        fc.pre(wellPosed(rows));
        const formula = 'y ~ x1 + x2 + g';
        const model = fitUnlessSeparated(rows, formula);
        fc.pre(model !== null);
        const rescaled = rows.map((r) => ({ ...r, x1: a * (r.x1 as number) + b }));
        const other = fitLogit(rescaled, formula);
        const m = model!;
        const j = m.names.indexOf('x1');
        const i0 = m.names.indexOf('(Intercept)');
        expect(other.names).toEqual(m.names);
        // Same likelihood, same fitted probabilities.
        expectClose(other.statistics.logLikelihood, m.statistics.logLikelihood, 1e-9, 'logLik');
        expectAllClose(other.predict(rescaled), m.predict(rows), 1e-9, 'P');
        // Slope scales by 1/a, its SE by 1/|a|; z is unchanged up to the sign of a.
        expectClose(other.coefficients[j], m.coefficients[j] / a, 1e-8, 'slope');
        expectClose(other.stdErrors[j], m.stdErrors[j] / Math.abs(a), 1e-8, 'slope SE');
        expectClose(other.zValues[j], Math.sign(a) * m.zValues[j], 1e-8, 'slope z');
        expectClose(other.pValues[j], m.pValues[j], 1e-8, 'slope p');
        // The intercept absorbs the shift; every other coefficient is untouched.
        expectClose(other.coefficients[i0], m.coefficients[i0] - (m.coefficients[j] * b) / a, 1e-8, 'intercept');
        for (let k = 0; k < m.names.length; k++) {
          if (k === j || k === i0) continue;
          expectClose(other.coefficients[k], m.coefficients[k], 1e-8, m.names[k]);
          expectClose(other.zValues[k], m.zValues[k], 1e-8, `z of ${m.names[k]}`);
        }
      }),
      { seed: 777, numRuns: 60 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Min–max scaler
// ---------------------------------------------------------------------------------------------

describe('minMaxScaler properties', () => {
  const checkScaler = (values: number[]) => {
    const min = Math.min(...values);
    const max = Math.max(...values);
    fc.pre(max > min);
    let scaler: ReturnType<typeof minMaxScaler>;
    try {
      scaler = minMaxScaler({ v: values }, ['v']);
    } catch (e) {
      // The only acceptable refusal: a range too wide to represent (max − min overflows).
      expect(Number.isFinite(max - min)).toBe(false);
      expect(e).toBeInstanceOf(CbmError);
      expect((e as CbmError).code).toBe('BAD_INPUT');
      return;
    }
    const scaled = scaler.transform({ v: values }).v as Float64Array;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const s = scaled[i];
      expect(s >= 0 && s <= 1, `scaled value ${s} of ${values[i]} outside [0, 1]`).toBe(true);
      lo = Math.min(lo, s);
      hi = Math.max(hi, s);
      expect(scaler.scaleValue('v', values[i])).toBe(s);
      const back = scaler.unscaleValue('v', s);
      const tolerance = 8 * Number.EPSILON * (Math.abs(min) + Math.abs(max));
      expect(Math.abs(back - values[i]) <= tolerance, `unscale(scale(${values[i]})) = ${back}`).toBe(true);
    }
    expect(lo).toBe(0);
    expect(hi).toBe(1);
    expect(scaler.ranges.v).toEqual({ min, max });
  };

  it('scales a training column onto [0, 1] with min 0 and max 1, and unscale∘scale = identity', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { minLength: 2, maxLength: 40 }), checkScaler), {
      seed: 31,
      numRuns: 300,
    });
  });

  it('does the same over the whole range of finite doubles (or refuses a range that overflows)', () => {
    fc.assert(fc.property(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 2, maxLength: 20 }), checkScaler), {
      seed: 32,
      numRuns: 300,
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------------------------

interface Scored {
  scores: number[];
  actual: number[];
  threshold: number;
  groups: number;
}

/** Scores on a grid k/resolution (so 1 − s keeps distinct scores distinct), many ties with a coarse grid. */
const scored: fc.Arbitrary<Scored> = fc.tuple(fc.integer({ min: 1, max: 60 }), fc.constantFrom(10, 1000)).chain(([n, resolution]) =>
  fc.record({
    scores: fc.array(fc.integer({ min: 0, max: resolution }), { minLength: n, maxLength: n }).map((a) => a.map((k) => k / resolution)),
    actual: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: n, maxLength: n }),
    threshold: fc.oneof(
      fc.integer({ min: -1, max: resolution + 1 }).map((k) => k / resolution),
      fc.double({ min: -0.5, max: 1.5, noNaN: true }),
    ),
    groups: fc.integer({ min: 1, max: n }),
  }),
);

describe('metric properties', () => {
  it('bounds: response rate, hit rate in [0, 1], lift ≥ 0, confusion sums to n, responseRate × selected = TP', () => {
    fc.assert(
      fc.property(scored, ({ scores, actual, threshold }) => {
        const c = confusion(scores, actual, threshold);
        const n = scores.length;
        expect(c.truePositives + c.falsePositives + c.trueNegatives + c.falseNegatives).toBe(n);
        expect(c.n).toBe(n);
        expect(c.selected).toBe(scores.filter((s) => s > threshold).length);
        expect(c.responders).toBe(actual.filter((a) => a === 1).length);
        const rr = responseRate(scores, actual, threshold);
        if (c.selected === 0) expect(rr).toBeNaN();
        else {
          expect(rr).toBeGreaterThanOrEqual(0);
          expect(rr).toBeLessThanOrEqual(1);
          expect(Math.abs(rr * c.selected - c.truePositives)).toBeLessThan(1e-9);
        }
        const hr = hitRate(scores, actual, threshold);
        expect(hr).toBeGreaterThanOrEqual(0);
        expect(hr).toBeLessThanOrEqual(1);
        expect(hr).toBe((c.truePositives + c.trueNegatives) / n);
        const l = lift(scores, actual, threshold);
        if (c.selected === 0 || c.responders === 0) expect(l).toBeNaN();
        else expect(l).toBeGreaterThanOrEqual(0);
        const r = roi(scores, actual, threshold, { profit: 100, cost: 20 });
        if (c.selected === 0) expect(r).toBeNaN();
        else expect(Math.abs(r - rr * 5)).toBeLessThan(1e-12);
      }),
      { seed: 2026, numRuns: 400 },
    );
  });

  it('hit rate is a step function of the threshold that jumps only at scores, by (negatives − positives)/n there', () => {
    fc.assert(
      fc.property(scored, ({ scores, actual }) => {
        const n = scores.length;
        const distinct = [...new Set(scores)].sort((a, b) => a - b);
        for (let k = 0; k < distinct.length; k++) {
          const s = distinct[k];
          const below = k > 0 ? (distinct[k - 1] + s) / 2 : s - 1;
          const above = k + 1 < distinct.length ? (s + distinct[k + 1]) / 2 : s + 1;
          // Constant on [s, next score): the selection P > a does not change there.
          expect(hitRate(scores, actual, above)).toBe(hitRate(scores, actual, s));
          let positives = 0;
          let negatives = 0;
          for (let i = 0; i < n; i++) if (scores[i] === s) actual[i] ? positives++ : negatives++;
          const jump = hitRate(scores, actual, s) - hitRate(scores, actual, below);
          expect(Math.abs(jump - (negatives - positives) / n)).toBeLessThan(1e-12);
          const c = confusion(scores, actual, s);
          expect(hitRate(scores, actual, s)).toBe((c.truePositives + c.trueNegatives) / n);
        }
      }),
      { seed: 2027, numRuns: 200 },
    );
  });

  it('auc is in [0, 1], NaN with a single class, and auc(1 − s) = 1 − auc(s)', () => {
    fc.assert(
      fc.property(scored, ({ scores, actual }) => {
        const a = auc(scores, actual);
        const ones = actual.filter((y) => y === 1).length;
        if (ones === 0 || ones === actual.length) {
          expect(a).toBeNaN();
          return;
        }
        expect(a).toBeGreaterThanOrEqual(0);
        expect(a).toBeLessThanOrEqual(1);
        const flipped = auc(
          scores.map((s) => 1 - s),
          actual,
        );
        expect(Math.abs(flipped - (1 - a))).toBeLessThan(1e-12);
        // Brute-force Mann–Whitney: P(score of a responder > score of a non-responder), ties ½.
        let wins = 0;
        for (let i = 0; i < scores.length; i++)
          if (actual[i]) for (let j = 0; j < scores.length; j++) if (!actual[j]) wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
        expect(Math.abs(a - wins / (ones * (actual.length - ones)))).toBeLessThan(1e-12);
      }),
      { seed: 2028, numRuns: 300 },
    );
  });

  it('gains table: groups cover all customers, cumulative shares are monotone and end at 1', () => {
    fc.assert(
      fc.property(scored, ({ scores, actual, groups }) => {
        const rows = gainsTable(scores, actual, { groups });
        const n = scores.length;
        const responders = actual.filter((y) => y === 1).length;
        expect(rows).toHaveLength(groups);
        expect(rows.reduce((s, r) => s + r.count, 0)).toBe(n);
        expect(rows.reduce((s, r) => s + r.responders, 0)).toBe(responders);
        for (let g = 0; g < rows.length; g++) {
          const r = rows[g];
          expect(r.count).toBeGreaterThanOrEqual(Math.floor(n / groups));
          expect(r.count).toBeLessThanOrEqual(Math.ceil(n / groups));
          expect(r.cumulativeShareContacted).toBeGreaterThan(0);
          expect(r.cumulativeShareContacted).toBeLessThanOrEqual(1);
          if (g > 0) {
            expect(r.cumulativeShareContacted).toBeGreaterThan(rows[g - 1].cumulativeShareContacted);
            expect(r.maxScore).toBeLessThanOrEqual(rows[g - 1].minScore);
            if (responders > 0) expect(r.cumulativeShareOfResponders).toBeGreaterThanOrEqual(rows[g - 1].cumulativeShareOfResponders);
          }
          if (responders > 0) {
            expect(r.cumulativeShareOfResponders).toBeGreaterThanOrEqual(0);
            expect(r.cumulativeShareOfResponders).toBeLessThanOrEqual(1);
            expect(r.lift).toBeGreaterThanOrEqual(0);
          } else expect(r.cumulativeShareOfResponders).toBeNaN();
        }
        const last = rows[rows.length - 1];
        expect(last.cumulativeShareContacted).toBe(1);
        expect(last.cumulativeCount).toBe(n);
        if (responders > 0) {
          expect(last.cumulativeShareOfResponders).toBe(1);
          expect(Math.abs(last.cumulativeLift - 1)).toBeLessThan(1e-12);
        }
      }),
      { seed: 2029, numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Saved models
// ---------------------------------------------------------------------------------------------

function expectSameModel(restored: LogitModel, model: LogitModel, data: Parameters<LogitModel['predict']>[0][]): void {
  for (const d of data) expect(Array.from(restored.predict(d))).toEqual(Array.from(model.predict(d)));
  expect(restored.summary()).toBe(model.summary());
  expect(restored.coefficientTable()).toStrictEqual(model.coefficientTable());
  expect(restored.names).toEqual(model.names);
  expect(restored.toJSON()).toStrictEqual(model.toJSON());
}

describe('model JSON round trip', () => {
  it('fromJSON(JSON.parse(JSON.stringify(toJSON()))) predicts identically and prints the same summary', () => {
    fc.assert(
      fc.property(simSpec, fc.integer(), fc.double({ min: 0.8, max: 0.99, noNaN: true }), (spec, newSeed, confidenceLevel) => {
        const rows = simulate(spec);
        fc.pre(wellPosed(rows));
        const model = fitUnlessSeparated(rows, 'y ~ x1 * g + x2', { confidenceLevel });
        fc.pre(model !== null);
        const fresh = simulate({ ...spec, seed: newSeed, n: 25 });
        const json = model!.toJSON();
        const text = JSON.stringify(json);
        expectSameModel(LogitModel.fromJSON(JSON.parse(text)), model!, [rows, fresh]);
        expectSameModel(LogitModel.fromJSON(text), model!, [fresh]);
        // Reading does not alter the saved form.
        expect(JSON.stringify(json)).toBe(text);
      }),
      { seed: 99, numRuns: 40 },
    );
  });

  it('also with a preparation (encode gender M/F, scale income and age): the restored model scores raw rows', () => {
    fc.assert(
      fc.property(fc.integer(), fc.constantFrom('responded ~ gender + age + income', 'responded ~ gender:age + gender:income'), (seed, formula) => {
        const customers = bankCardCustomers({ seed });
        const contacted = customers.filter((c) => c.contacted);
        const prepare = { encode: { gender: { M: 1, F: 0 } }, scale: ['income', 'age'] };
        const model = fitUnlessSeparated(contacted, formula, { prepare });
        fc.pre(model !== null);
        const text = JSON.stringify(model!.toJSON());
        const restored = LogitModel.fromJSON(JSON.parse(text));
        expectSameModel(restored, model!, [customers, contacted]);
        // The stored preparation is really applied: P by hand from raw age/income/gender.
        const { age, income } = model!.preparation!.ranges;
        const p = restored.predict(customers);
        customers.forEach((c, i) => {
          const x: Record<string, number> = {
            '(Intercept)': 1,
            gender: c.gender === 'M' ? 1 : 0,
            age: (c.age - age.min) / (age.max - age.min),
            income: (c.income - income.min) / (income.max - income.min),
          };
          x['gender:age'] = x.gender * x.age;
          x['gender:income'] = x.gender * x.income;
          const v = restored.names.reduce((s, name, j) => s + restored.coefficients[j] * x[name], 0);
          expectClose(p[i], logistic(v), 1e-12, `P of customer ${c.id}`);
        });
      }),
      { seed: 5, numRuns: 15 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Formula parser
// ---------------------------------------------------------------------------------------------

/** Variable names: plain R names, and names that need backticks (a space inside). */
const nameArb = fc.oneof({ weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.]{0,5}$/) }, { weight: 1, arbitrary: fc.stringMatching(/^[a-z]{1,4} [a-z]{1,4}$/) });
const namesArb = (min: number, max: number) =>
  fc.uniqueArray(
    nameArb.filter((s) => s !== 'y'),
    { minLength: min, maxLength: max },
  );
const q = (name: string): string => (/^[A-Za-z][A-Za-z0-9_.]*$/.test(name) ? name : '`' + name + '`');
const labels = (f: Formula) => f.terms.map((t) => t.label);
const termSets = (f: Formula) => f.terms.map((t) => [...t.variables].sort().join('\u0000'));

/** A formula written as terms (each a list of variables, in the order written) joined by +. */
const termListArb = namesArb(1, 5).chain((names) =>
  fc.record({
    names: fc.constant(names),
    terms: fc.array(fc.shuffledSubarray(names, { minLength: 1, maxLength: Math.min(3, names.length) }), { minLength: 1, maxLength: 6 }),
    intercept: fc.constantFrom('', ' - 1', ' + 0', ' + 1'),
  }),
);
const writeFormula = (terms: string[][], intercept: string) => `y ~ ${terms.map((t) => t.map(q).join(':')).join(' + ')}${intercept}`;

/**
 * R's term labels, computed independently: variables numbered by first appearance, a term's
 * variables in that order, duplicate terms dropped, terms ordered by their order (stable).
 */
function expectedLabels(terms: string[][]): string[] {
  const order = new Map<string, number>();
  for (const t of terms) for (const v of t) if (!order.has(v)) order.set(v, order.size);
  const seen = new Set<string>();
  const unique: string[][] = [];
  for (const t of terms) {
    const sorted = [...t].sort((a, b) => order.get(a)! - order.get(b)!);
    const key = sorted.join('\u0000');
    if (!seen.has(key)) {
      seen.add(key);
      unique.push(sorted);
    }
  }
  return unique
    .map((t, k) => ({ t, k }))
    .sort((a, b) => a.t.length - b.t.length || a.k - b.k)
    .map(({ t }) => t.join(':'));
}

describe('formatFormula round trip, exhaustively', () => {
  it('every subset of the terms of (a + b + c + d)^2, under several variable orders, reparses to the same labels', () => {
    const orders = [
      ['a', 'b', 'c', 'd'],
      ['d', 'c', 'b', 'a'],
      ['b', 'd', 'a', 'c'],
      ['c', 'a', 'd', 'b'],
    ];
    let checked = 0;
    for (const order of orders) {
      const terms = parseFormula(`y ~ (${order.join(' + ')})^2`).terms;
      for (let mask = 1; mask < 1 << terms.length; mask++) {
        const kept = terms.filter((_, k) => mask & (1 << k));
        for (const intercept of [true, false]) {
          const back = parseFormula(formatFormula('y', kept, intercept));
          expect(back.terms.map((t) => t.label).sort()).toEqual(kept.map((t) => t.label).sort());
          expect(back.intercept).toBe(intercept);
          checked++;
        }
      }
    }
    expect(checked).toBe(4 * 1023 * 2);
  });
});

describe('formula parser properties', () => {
  it('(a + b + c)^2 has the 6 terms in R order; ^3 adds a:b:c', () => {
    fc.assert(
      fc.property(namesArb(3, 3), ([a, b, c]) => {
        const f = parseFormula(`y ~ (${q(a)} + ${q(b)} + ${q(c)})^2`);
        expect(labels(f)).toEqual([a, b, c, `${a}:${b}`, `${a}:${c}`, `${b}:${c}`]);
        expect(f.intercept).toBe(true);
        expect(f.response).toBe('y');
        expect(f.variables).toEqual([a, b, c]);
        expect(labels(parseFormula(`y ~ (${q(a)} + ${q(b)} + ${q(c)})^3`))).toEqual([a, b, c, `${a}:${b}`, `${a}:${c}`, `${b}:${c}`, `${a}:${b}:${c}`]);
      }),
      { seed: 11, numRuns: 100 },
    );
  });

  it('a*b = a + b + a:b and (a + b)*c = a + b + c + a:c + b:c', () => {
    fc.assert(
      fc.property(namesArb(3, 3), ([a, b, c]) => {
        const star = parseFormula(`y ~ ${q(a)}*${q(b)}`);
        expect(star.terms).toEqual(parseFormula(`y ~ ${q(a)} + ${q(b)} + ${q(a)}:${q(b)}`).terms);
        expect(labels(star)).toEqual([a, b, `${a}:${b}`]);
        expect(labels(parseFormula(`y ~ (${q(a)} + ${q(b)})*${q(c)}`))).toEqual([a, b, c, `${a}:${c}`, `${b}:${c}`]);
      }),
      { seed: 12, numRuns: 100 },
    );
  });

  it("'- 1' / '+ 0' drop the intercept and nothing else; '- term' drops that term", () => {
    fc.assert(
      fc.property(termListArb, fc.nat(), ({ terms }, pick) => {
        const base = parseFormula(writeFormula(terms, ''));
        expect(base.intercept).toBe(true);
        for (const variant of [
          writeFormula(terms, ' - 1'),
          writeFormula(terms, ' + 0'),
          `y ~ 0 + ${writeFormula(terms, '').slice(4)}`,
          `y ~ -1 + ${writeFormula(terms, '').slice(4)}`,
        ]) {
          const f = parseFormula(variant);
          expect(f.intercept, variant).toBe(false);
          expect(f.terms).toEqual(base.terms);
        }
        const dropped = terms[pick % terms.length];
        const without = parseFormula(`${writeFormula(terms, '')} - ${dropped.map(q).join(':')}`);
        const droppedKey = [...dropped].sort().join('\u0000');
        expect(termSets(without)).toEqual(termSets(base).filter((k) => k !== droppedKey));
      }),
      { seed: 13, numRuns: 200 },
    );
  });

  it('term labels are R-style: variables by first appearance, terms by order, duplicates dropped', () => {
    fc.assert(
      fc.property(termListArb, ({ terms, intercept }) => {
        const f = parseFormula(writeFormula(terms, intercept));
        expect(labels(f)).toEqual(expectedLabels(terms));
        expect(f.terms.every((t) => t.label === t.variables.join(':'))).toBe(true);
        expect(f.intercept).toBe(!(intercept === ' - 1' || intercept === ' + 0'));
      }),
      { seed: 14, numRuns: 300 },
    );
  });

  it('parse(format(parse(f))) keeps the same terms (as sets, in the same order) and intercept', () => {
    fc.assert(
      fc.property(termListArb, ({ terms, intercept }) => {
        const f = parseFormula(writeFormula(terms, intercept));
        const again = parseFormula(formatFormula(f.response, f.terms, f.intercept));
        expect(again.response).toBe(f.response);
        expect(again.intercept).toBe(f.intercept);
        expect(termSets(again)).toEqual(termSets(f));
      }),
      { seed: 15, numRuns: 300 },
    );
  });

  it('parse(format(parse(f))) is stable: the same term labels (so a refit of model.formula keeps coefficient names)', () => {
    fc.assert(
      fc.property(termListArb, ({ terms, intercept }) => {
        const f = parseFormula(writeFormula(terms, intercept));
        const written = formatFormula(f.response, f.terms, f.intercept);
        const again = parseFormula(written);
        expect({ response: again.response, intercept: again.intercept, terms: again.terms }).toEqual({ response: f.response, intercept: f.intercept, terms: f.terms });
        expect(formatFormula(again.response, again.terms, again.intercept)).toBe(written);
      }),
      { seed: 16, numRuns: 300 },
    );
  });

  it('the user-facing case of that: refitting model.formula gives the same coefficient names', () => {
    const rows = simulate({ seed: 3, n: 120, b0: 0, b1: 1, b2: 0.5 });
    const model = fitLogit(rows, 'y ~ g:x1 + x1');
    expect(fitLogit(rows, model.formula).names).toEqual(model.names);
  });
});

// ---------------------------------------------------------------------------------------------
// trainValidationSplit
// ---------------------------------------------------------------------------------------------

const splitCase = fc.integer({ min: 2, max: 300 }).chain((n) =>
  fc.record({
    classes: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: n, maxLength: n }),
    seed: fc.oneof(fc.integer(), fc.string({ minLength: 1, maxLength: 8 })),
    ratio: fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 })),
  }),
);

/**
 * Training rows per group are round(size × share) (the documented rule); a split whose training or
 * validation part would then be empty is refused with BAD_INPUT rather than returned.
 */
function emptyPart(groupSizes: readonly number[], share: number): boolean {
  const n = groupSizes.reduce((a, b) => a + b, 0);
  const train = groupSizes.reduce((a, size) => a + Math.round(size * share), 0);
  return train === 0 || train === n;
}

function expectEmptyPartRefused(call: () => unknown): void {
  expect(call).toThrow(CbmError);
  expect(call).toThrow(/trainValidationSplit: the (training|validation) part would be empty/);
}

describe('trainValidationSplit properties', () => {
  it('2:1 of 150 rows gives 100 + 50', () => {
    const rows = Array.from({ length: 150 }, (_, i) => ({ id: i }));
    const split = trainValidationSplit(rows, { seed: 1 });
    expect(split.train).toHaveLength(100);
    expect(split.validation).toHaveLength(50);
  });

  it('sizes follow the ratio, parts are disjoint, cover all rows in order, and the same seed gives the same split', () => {
    fc.assert(
      fc.property(splitCase, ({ classes, seed, ratio }) => {
        const rows = classes.map((cls, id) => ({ id, cls }));
        const snapshot = structuredClone(rows);
        const n = rows.length;
        const share = ratio[0] / (ratio[0] + ratio[1]);
        if (emptyPart([n], share)) return expectEmptyPartRefused(() => trainValidationSplit(rows, { seed, ratio }));
        const split = trainValidationSplit(rows, { seed, ratio });
        expect(Math.abs(split.train.length - n * share)).toBeLessThanOrEqual(0.5);
        expect(split.train.length + split.validation.length).toBe(n);
        const all = [...split.trainIndices, ...split.validationIndices].sort((a, b) => a - b);
        expect(all).toEqual(rows.map((r) => r.id));
        for (const part of [split.trainIndices, split.validationIndices]) for (let k = 1; k < part.length; k++) expect(part[k]).toBeGreaterThan(part[k - 1]);
        expect(split.train).toEqual(split.trainIndices.map((i) => rows[i]));
        expect(split.validation).toEqual(split.validationIndices.map((i) => rows[i]));
        expect(trainValidationSplit(rows, { seed, ratio })).toEqual(split);
        expect(rows).toStrictEqual(snapshot);
      }),
      { seed: 606, numRuns: 200 },
    );
  });

  it('a stratified split keeps each class within ±1 of its proportional share', () => {
    fc.assert(
      fc.property(splitCase, ({ classes, seed, ratio }) => {
        const rows = classes.map((cls, id) => ({ id, cls }));
        const share = ratio[0] / (ratio[0] + ratio[1]);
        const sizes = [0, 1].map((cls) => classes.filter((c) => c === cls).length).filter((size) => size > 0);
        if (emptyPart(sizes, share)) return expectEmptyPartRefused(() => trainValidationSplit(rows, { seed, ratio, stratify: 'cls' }));
        const split = trainValidationSplit(rows, { seed, ratio, stratify: 'cls' });
        for (const cls of [0, 1]) {
          const total = classes.filter((c) => c === cls).length;
          const inTrain = split.train.filter((r) => r.cls === cls).length;
          const inValidation = split.validation.filter((r) => r.cls === cls).length;
          expect(inTrain + inValidation).toBe(total);
          expect(Math.abs(inTrain - total * share)).toBeLessThanOrEqual(1);
        }
        expect(Math.abs(split.train.length - rows.length * share)).toBeLessThanOrEqual(1);
        expect(trainValidationSplit(rows, { seed, ratio, stratify: 'cls' })).toEqual(split);
      }),
      { seed: 607, numRuns: 200 },
    );
  });
});
