/**
 * The benchmark's synthetic data, shared by run.mjs and profile.mjs. Deterministic: drawn with
 * kernel-lib's seededUniform (alea), in the order all x1, all x2, all x3, then the y uniforms
 * (as peers/make_synthetic.py draws them with numpy; the numbers differ, the mechanism is the same):
 *   x1 ~ Bernoulli(0.5), x2, x3 ~ U(0,1), logit P(y=1) = -2 + 3·x1·x3 + 2·x1·x2 + 0.5·x2.
 * x2 and x3 are rounded to 9 decimals so that the CSV text is exact: every reader (Node, R's
 * read.csv, pandas) gets the very same doubles.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const SEED = 20240501;
export const FORMULA = 'y ~ (x1 + x2 + x3)^2';
/** Coefficient order of every peer (R's model.matrix order). */
export const NAMES = ['(Intercept)', 'x1', 'x2', 'x3', 'x1:x2', 'x1:x3', 'x2:x3'];
/** True coefficients in NAMES order. */
export const TRUE_COEFFICIENTS = [-2, 0, 0.5, 0, 2, 3, 0];
export const MECHANISM = 'x1 ~ Bernoulli(0.5); x2, x3 ~ U(0,1) rounded to 9 decimals; logit P(y=1) = -2 + 3*x1*x3 + 2*x1*x2 + 0.5*x2';

/** The synthetic rows as Float64Array columns { y, x1, x2, x3 }. */
export function synthetic(n, seed = SEED) {
  const { seededUniform } = require('@cbm-kit/kernel-lib');
  const uniform = seededUniform(seed);
  const q = (u) => Math.round(u * 1e9) / 1e9;
  const x1 = new Float64Array(n);
  const x2 = new Float64Array(n);
  const x3 = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) x1[i] = uniform() < 0.5 ? 1 : 0;
  for (let i = 0; i < n; i++) x2[i] = q(uniform());
  for (let i = 0; i < n; i++) x3[i] = q(uniform());
  for (let i = 0; i < n; i++) {
    const eta = -2 + 3 * x1[i] * x3[i] + 2 * x1[i] * x2[i] + 0.5 * x2[i];
    y[i] = uniform() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
  }
  return { y, x1, x2, x3 };
}

/**
 * The floor predict is measured against: a runner of P = 1/(1 + e^−V) for FORMULA, one loop
 * written for it that reads each column once per row; `b` in NAMES order. A closure over the rows,
 * as the bench has always timed it (the same loop as a plain function taking the columns ran 4-12 %
 * slower in V8, which would flatter predict).
 */
export function handWrittenPredict(data, b) {
  const rows = data.x1.length;
  return () => {
    const { x1, x2, x3 } = data;
    const out = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      const a = x1[i];
      const c = x2[i];
      const d = x3[i];
      const v = b[0] + b[1] * a + b[2] * c + b[3] * d + b[4] * a * c + b[5] * a * d + b[6] * c * d;
      out[i] = 1 / (1 + Math.exp(-v));
    }
    return out;
  };
}

/** Writes the columns as CSV y,x1,x2,x3 (x2, x3 with their exact 9 decimals). */
export function writeCsv(file, { y, x1, x2, x3 }) {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, 'y,x1,x2,x3\n');
    const chunk = 50_000;
    for (let start = 0; start < y.length; start += chunk) {
      const end = Math.min(y.length, start + chunk);
      const lines = new Array(end - start);
      for (let i = start; i < end; i++) lines[i - start] = `${y[i]},${x1[i]},${x2[i].toFixed(9)},${x3[i].toFixed(9)}\n`;
      fs.writeSync(fd, lines.join(''));
    }
  } finally {
    fs.closeSync(fd);
  }
}
