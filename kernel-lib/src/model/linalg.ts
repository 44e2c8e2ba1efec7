/**
 * Small dense symmetric positive-definite algebra for p×p normal equations (p is the number
 * of coefficients, rarely above a few dozen), row-major in Float64Array. Kept here rather than
 * via ml-matrix because the Newton loop calls it every iteration and must not allocate.
 */

/**
 * In-place Cholesky factorisation A = L·Lᵀ of the lower triangle of `a` (p×p, row-major).
 * Returns -1 on success, or the index of the first column whose pivot is not positive
 * relative to its original diagonal (`relativeTolerance`): that column is (numerically) a
 * linear combination of the earlier ones.
 */
export function choleskyInPlace(a: Float64Array, p: number, relativeTolerance = 0): number {
  for (let j = 0; j < p; j++) {
    const original = a[j * p + j];
    let d = original;
    for (let k = 0; k < j; k++) d -= a[j * p + k] * a[j * p + k];
    if (!(d > relativeTolerance * Math.abs(original)) || !(d > 0)) return j;
    const ljj = Math.sqrt(d);
    a[j * p + j] = ljj;
    for (let i = j + 1; i < p; i++) {
      let s = a[i * p + j];
      for (let k = 0; k < j; k++) s -= a[i * p + k] * a[j * p + k];
      a[i * p + j] = s / ljj;
    }
  }
  return -1;
}

/** Solves L·Lᵀ·x = b in place in `b`, given the factor from choleskyInPlace. */
export function choleskySolveInPlace(l: Float64Array, p: number, b: Float64Array): void {
  for (let i = 0; i < p; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * p + k] * b[k];
    b[i] = s / l[i * p + i];
  }
  for (let i = p - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < p; k++) s -= l[k * p + i] * b[k];
    b[i] = s / l[i * p + i];
  }
}

/** The inverse (L·Lᵀ)⁻¹ as a full symmetric p×p matrix: the covariance of the estimates. */
export function choleskyInverse(l: Float64Array, p: number): Float64Array {
  const inverse = new Float64Array(p * p);
  const column = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    column.fill(0);
    column[j] = 1;
    choleskySolveInPlace(l, p, column);
    for (let i = 0; i < p; i++) inverse[i * p + j] = column[i];
  }
  // Symmetrise away rounding so reported covariances are exactly symmetric.
  for (let i = 0; i < p; i++)
    for (let j = 0; j < i; j++) {
      const m = 0.5 * (inverse[i * p + j] + inverse[j * p + i]);
      inverse[i * p + j] = m;
      inverse[j * p + i] = m;
    }
  return inverse;
}

/** Copies the lower triangle of a symmetric matrix to its upper triangle. */
export function symmetrizeLower(a: Float64Array, p: number): void {
  for (let i = 0; i < p; i++) for (let j = i + 1; j < p; j++) a[i * p + j] = a[j * p + i];
}
