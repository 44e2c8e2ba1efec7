/**
 * Scoring is pinned to the bit: LinearModel.predict and LogitModel.linearPredictor and predict must equal a plain
 * per-row evaluation of the published order of summation – V starts at the constant (Σβ of the
 * columns that multiply nothing), adds β·x for each single-variable column, then β·x·z for each
 * two-variable column, then β·x·z·… for longer products, each group in design order; P = 1/(1 + e^−V).
 * The kernel groups terms into passes for speed (model/design.ts); this checks that no grouping
 * (up to 8 main effects, 7 pairs, 3-way terms, factor indicators, no intercept) changes a bit.
 * Reference: the definition written out here, row by row, independently of the kernel.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitLinear, fitLogit } from '../kernel-lib/src/index';

type Columns = Record<string, Float64Array | string[]>;

interface ScoredModel {
  spec: { columns: readonly { numeric: readonly string[]; levels: Readonly<Record<string, string>> }[] };
  coefficients: Float64Array;
}

/** V for every row by the definition (no blocks, no grouping). */
function referenceV(model: ScoredModel, data: Columns, n: number): Float64Array {
  const columns = model.spec.columns;
  const b = model.coefficients;
  const partsOf = (j: number): ((i: number) => number)[] => [
    ...columns[j].numeric.map((v) => (i: number) => (data[v] as Float64Array)[i]),
    ...Object.entries(columns[j].levels).map(
      ([v, level]) =>
        (i: number) =>
          (data[v] as string[])[i] === level ? 1 : 0,
    ),
  ];
  const parts = columns.map((_, j) => partsOf(j));
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let constant = 0;
    for (let j = 0; j < columns.length; j++) if (parts[j].length === 0) constant += b[j];
    let v = constant;
    for (let j = 0; j < columns.length; j++) if (parts[j].length === 1) v += b[j] * parts[j][0](i);
    for (let j = 0; j < columns.length; j++) if (parts[j].length === 2) v += b[j] * parts[j][0](i) * parts[j][1](i);
    for (let j = 0; j < columns.length; j++) {
      if (parts[j].length < 3) continue;
      let product = b[j];
      for (const part of parts[j]) product *= part(i);
      v += product;
    }
    out[i] = v;
  }
  return out;
}

function bits(x: Float64Array): Uint32Array {
  return new Uint32Array(x.buffer, x.byteOffset, 2 * x.length);
}

/** Columns x1…x8 on very different scales (so the order of summation shows), g a three-level factor. */
function dataset(n: number, seed: number): Columns {
  let s = seed >>> 0 || 1;
  const uniform = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const data: Columns = {};
  for (let k = 1; k <= 8; k++) data[`x${k}`] = Float64Array.from({ length: n }, () => (uniform() - 0.3) * 10 ** (k % 4));
  data.g = Array.from({ length: n }, () => ['a', 'b', 'c'][Math.floor(uniform() * 3)]);
  data.y = Float64Array.from({ length: n }, () => uniform() * 1000);
  data.event = Float64Array.from({ length: n }, () => (uniform() < 0.5 ? 1 : 0));
  return data;
}

const FORMULAS = [
  'y ~ x1',
  'y ~ x1 + x2 + x3',
  'y ~ x1 + x2 + x3 + x4',
  'y ~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8',
  'y ~ (x1 + x2 + x3)^2',
  'y ~ (x1 + x2 + x3 + x4)^2',
  'y ~ x1:x2 + x3:x4 + x5:x6 + x7:x8 + x1:x5 + x2:x6 + x3:x7',
  'y ~ x1 * x2 * x3',
  'y ~ x1 * x2 * x3 * x4 - 1',
  'y ~ g + x1 + g:x2 + x3:x4',
  'y ~ g * x1 * x2 + x5',
  'y ~ 0 + g + x1:x2',
  'y ~ (x1 + x2)^2',
  'y ~ x4 + x1:x2 + x1:x3 + x2:x3',
  'y ~ x1:x2 + x3:x4 + x3:x5 + x6:x7 + x1:x8 + x2:x8',
  'y ~ (x1 + x2 + x3)^2 - x1:x3 + x4:x5',
  'y ~ g * x1 + x2 + x2:x3',
];

describe('scoring equals the definition bit for bit', () => {
  const n = 2500; // more than one block of rows
  const data = dataset(n, 22);

  it.each(FORMULAS)('LinearModel.predict of %s', (formula) => {
    const model = fitLinear(data, formula);
    expect(bits(model.predict(data))).toEqual(bits(referenceV(model as unknown as ScoredModel, data, n)));
  });

  it.each(['event ~ (x1 + x2 + x3)^2', 'event ~ g + x1 + x2 + x3 + x4 + x1:x2', 'event ~ x1 * x2 * x3'])('predict of %s', (formula) => {
    const model = fitLogit(data, formula);
    const v = referenceV(model as unknown as ScoredModel, data, n);
    const p = v.map((x) => 1 / (1 + Math.exp(-x)));
    expect(bits(model.predict(data))).toEqual(bits(p));
    expect(bits(model.linearPredictor(data))).toEqual(bits(v));
  });

  it('with inputs of ±0 and no intercept (an unused slot of a pass adds ±0, which must not turn V = +0 into −0 or back)', () => {
    const rows = 1200;
    const zeros = dataset(rows, 5);
    for (const k of [1, 2, 3]) {
      const x = zeros[`x${k}`] as Float64Array;
      // Three rows in four are ±0 in every column (signs varying by column), so V is ±0 there.
      for (let i = 0; i < rows; i++) if (i % 4 !== 0) x[i] = (i >> k) % 2 === 0 ? 0 : -0;
    }
    for (const formula of ['y ~ 0 + x1 + x2 + x1:x2', 'y ~ 0 + x1:x2', 'y ~ (x1 + x2 + x3)^2 - 1', 'y ~ 0 + x3 + x1:x2']) {
      const model = fitLinear(data, formula);
      expect(bits(model.predict(zeros))).toEqual(bits(referenceV(model as unknown as ScoredModel, zeros, rows)));
    }
  });

  it('for random main effects and interactions (fast-check, seed 22)', () => {
    const variables = ['x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8'];
    const term = fc.uniqueArray(fc.constantFrom(...variables), { minLength: 1, maxLength: 3 }).map((vs) => vs.join(':'));
    fc.assert(
      fc.property(fc.uniqueArray(term, { minLength: 1, maxLength: 12 }), fc.boolean(), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (terms, intercept, seed) => {
        const rows = 300;
        const sample = dataset(rows, seed);
        const model = fitLinear(sample, `y ~ ${terms.join(' + ')}${intercept ? '' : ' - 1'}`);
        expect(bits(model.predict(sample))).toEqual(bits(referenceV(model as unknown as ScoredModel, sample, rows)));
      }),
      { seed: 22, numRuns: 60 },
    );
  });
});
