import { CbmError, describeValue } from '../errors';
/**
 * The few distribution functions inference needs, to full double precision so that p-values
 * agree with R and statsmodels far beyond the digits anyone reads.
 */

const SQRT_PI = Math.sqrt(Math.PI);

/** Checks at the door: the arguments are numbers (NaN allowed: it propagates as NaN). */
function numberArguments(name: string, ...values: unknown[]): void {
  for (let k = 0; k < values.length; k++) {
    if (typeof values[k] !== 'number') throw new CbmError('BAD_INPUT', `${name}: argument ${k + 1} must be a number, got ${describeValue(values[k])}`);
  }
}

/** The complementary error function erfc(x) = 1 − erf(x), accurate in the far tail too. */
export function erfc(x: number): number {
  numberArguments('erfc', x);
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  // Below 1.2 the series is exact to ~1e-15; above, 1 − erf(x) would cancel and the continued
  // fraction (≤ 150 terms there) is the accurate one.
  if (x < 1.2) {
    // erf(x) = 2x/√π · e^{−x²} · Σ (2x²)ⁿ / (1·3·…·(2n+1)): all terms positive, no cancellation.
    const x2 = x * x;
    let term = 1;
    let sum = 1;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    return 1 - ((2 * x) / SQRT_PI) * Math.exp(-x2) * sum;
  }
  if (x > 27.3) return 0;
  // Continued fraction erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), by modified Lentz.
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = x + a / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / SQRT_PI / f;
}

/** Two-sided p-value of a z statistic, 2·P(Z > |z|), as in R's summary.glm and statsmodels. */
export function twoSidedNormalP(z: number): number {
  numberArguments('twoSidedNormalP', z);
  return erfc(Math.abs(z) / Math.SQRT2);
}

/**
 * Standard normal quantile Φ⁻¹(p): Acklam's rational approximation polished by one Halley
 * step, giving full double precision (used for confidence levels other than 95%).
 */
export function normalQuantile(p: number): number {
  numberArguments('normalQuantile', p);
  if (!(p >= 0 && p <= 1)) throw new CbmError('BAD_INPUT', `normalQuantile: p must be a probability in [0, 1], got ${describeValue(p)}`);
  if (p === 0 || p === 1) return p === 0 ? -Infinity : Infinity;
  // By symmetry from the lower tail, where the polishing below does not cancel (1 − p is exact here).
  if (p > 0.5) return -normalQuantile(1 - p);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  // Below 1e-300 the polishing step's exp(x²/2) overflows (x < −37.7) and Φ(x) itself is subnormal:
  // polish log Φ(x) = log p instead, where both sides are ordinary doubles.
  if (p < 1e-300) return deepTailQuantile(p, x);
  for (let k = 0; k < 2; k++) {
    const e = 0.5 * erfc(-x / Math.SQRT2) - p;
    const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
    x = x - u / (1 + (x * u) / 2);
  }
  return x;
}

/**
 * The lower-tail quantile for p < 1e-300 (x ≈ −37 and beyond, down to the smallest subnormal):
 * Newton steps on log Φ(x) − log p from the start x0. log Φ(x) is the asymptotic (Mills ratio)
 * series log φ(x) − log(−x) + log(1 − 1/x² + 3/x⁴ − 15/x⁶ + …), whose terms past the eighth are
 * below 1e-17 relative at |x| > 37; the Newton slope d log Φ/dx = φ(x)/Φ(x) is exp(log φ − log Φ).
 */
function deepTailQuantile(p: number, x0: number): number {
  const logP = Math.log(p);
  const logDensity = (x: number) => -(x * x) / 2 - 0.5 * Math.log(2 * Math.PI);
  const logLowerTail = (x: number) => {
    const w = 1 / (x * x);
    let term = 1;
    let series = 1;
    for (let k = 1; k <= 8; k++) {
      term *= -(2 * k - 1) * w;
      series += term;
    }
    return logDensity(x) - Math.log(-x) + Math.log(series);
  };
  let x = x0;
  for (let k = 0; k < 4; k++) x -= (logLowerTail(x) - logP) / Math.exp(logDensity(x) - logLowerTail(x));
  return x;
}

/** log Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; relative error ~1e-15). */
export function logGamma(x: number): number {
  numberArguments('logGamma', x);
  const g = 7;
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = coefficients[0];
  const t = z + g + 0.5;
  for (let i = 1; i < g + 2; i++) a += coefficients[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * stirlerr(a) = log Γ(a+1) − (a + ½)·log a + a − ½·log 2π, the error of Stirling's formula
 * (Loader 2000, as in R's dpois_raw): from its asymptotic series above 10, where that series is
 * exact to ~1e-17, and from logGamma below, where the values are small enough not to cancel.
 */
function stirlerr(a: number): number {
  if (a >= 10) {
    const r = 1 / a;
    const r2 = r * r;
    // 1/12a − 1/360a³ + 1/1260a⁵ − 1/1680a⁷ + 1/1188a⁹ − 691/360360a¹¹ + 1/156a¹³
    return r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 * (1 / 1680 - r2 * (1 / 1188 - r2 * (691 / 360360 - r2 / 156))))));
  }
  return logGamma(a + 1) - (a + 0.5) * Math.log(a) + a - 0.5 * Math.log(2 * Math.PI);
}

/**
 * bd0(x, m) = x·log(x/m) + m − x without cancellation when x ≈ m (Loader's series in
 * v = (x − m)/(x + m)), the deviance term of Poisson and gamma densities.
 */
function bd0(x: number, m: number): number {
  if (Math.abs(x - m) < 0.1 * (x + m)) {
    const v = (x - m) / (x + m);
    let s = (x - m) * v;
    let ej = 2 * x * v;
    const v2 = v * v;
    for (let j = 1; j < 1000; j++) {
      ej *= v2;
      const s1 = s + ej / (2 * j + 1);
      if (s1 === s) return s1;
      s = s1;
    }
    return s;
  }
  return x * Math.log(x / m) + m - x;
}

/** xᵃ·e⁻ˣ/Γ(a + 1), accurate for large a and x too (no difference of large logarithms). */
function gammaDensityPrefix(a: number, x: number): number {
  return Math.exp(-stirlerr(a) - bd0(a, x)) / Math.sqrt(2 * Math.PI * a);
}

/**
 * Regularised upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a).
 *
 * Method: below x = a + 1 the series P(a, x) = xᵃe⁻ˣ/Γ(a+1) · Σₙ xⁿ/((a+1)…(a+n)) and Q = 1 − P
 * (there Q ≳ ½, so the subtraction does not cancel); above, Legendre's continued fraction for Q
 * (modified Lentz). Both need O(√a) terms near x ≈ a, which the iteration limit allows; the
 * prefactor xᵃe⁻ˣ/Γ(a+1) is computed from Stirling's error and Loader's bd0, because
 * a·log x − x − log Γ(a) loses ~log10(a) digits for large a. From a = 1e7 on, Temme's uniform
 * asymptotic expansion Q = ½·erfc(η√(a/2)) + e^{−aη²/2}/√(2πa)·(c₀(η) + O(1/a)) replaces the
 * O(√a) sums (its dropped term is below 1e-14 there). Special cases: Q(a, x ≤ 0) = 1; NaN for
 * a ≤ 0 or NaN input; Q(a, ∞) = 0.
 */
export function regularizedGammaQ(a: number, x: number): number {
  numberArguments('regularizedGammaQ', a, x);
  if (!(a > 0) || Number.isNaN(x)) return NaN;
  if (x <= 0) return 1;
  if (x === Infinity) return 0;
  if (a >= 1e7) return temmeGammaQ(a, x);
  const maxTerms = 1000 + Math.ceil(60 * Math.sqrt(a));
  if (x < a + 1) {
    let term = 1;
    let sum = 1;
    for (let n = 1; n < maxTerms; n++) {
      term *= x / (a + n);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return 1 - sum * gammaDensityPrefix(a, x);
  }
  // Q = e⁻ˣxᵃ/Γ(a) · 1/(x + 1 − a − 1·(1 − a)/(x + 3 − a − 2·(2 − a)/(x + 5 − a − …))).
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < maxTerms; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  // xᵃe⁻ˣ/Γ(a) = a · xᵃe⁻ˣ/Γ(a+1)
  return a * gammaDensityPrefix(a, x) * h;
}

/** Temme's uniform expansion of Q(a, x) for large a, to its first correction term c₀(η). */
function temmeGammaQ(a: number, x: number): number {
  const lambda = x / a;
  // η = sign(λ − 1)·√(2(λ − 1 − log λ)), with λ − 1 − log λ = bd0(a, x)/a computed without cancellation.
  const eta = Math.sign(lambda - 1) * Math.sqrt((2 * bd0(a, x)) / a);
  // c₀(η) = 1/(λ − 1) − 1/η, by its Taylor series near η = 0 where the difference cancels.
  const c0 = Math.abs(eta) < 0.01 ? -1 / 3 + eta * (1 / 12 + eta * (-2 / 135 + eta * (1 / 864 + eta * (1 / 2835)))) : 1 / (lambda - 1) - 1 / eta;
  return 0.5 * erfc(eta * Math.sqrt(a / 2)) + (Math.exp((-a * eta * eta) / 2) / Math.sqrt(2 * Math.PI * a)) * c0;
}

/** Upper tail of the chi-square distribution, P(χ²_df > x): p-values of Wald and likelihood-ratio tests. */
export function chiSquareUpperTail(x: number, df: number): number {
  numberArguments('chiSquareUpperTail', x, df);
  if (df === 1) return x <= 0 ? 1 : erfc(Math.sqrt(x / 2));
  return regularizedGammaQ(df / 2, x / 2);
}

/** log Γ(x) − ((x − ½)·log x − x + ½·log 2π) for x ≥ 10, from Stirling's series. */
function lgammaCorrection(x: number): number {
  const r = 1 / x;
  const r2 = r * r;
  return r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 * (1 / 1680 - r2 * (1 / 1188 - r2 * (691 / 360360 - r2 / 156))))));
}

/**
 * log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b), arranged as R's lbeta: for large arguments
 * from Stirling's corrections, so that the large log Γ values never cancel (the t distribution
 * with thousands of degrees of freedom needs log Γ(ν/2) − log Γ((ν+1)/2) to full precision).
 */
export function logBeta(a: number, b: number): number {
  numberArguments('logBeta', a, b);
  const p = Math.min(a, b);
  const q = Math.max(a, b);
  if (!(p > 0)) return NaN;
  if (p >= 10) {
    const corr = lgammaCorrection(p) + lgammaCorrection(q) - lgammaCorrection(p + q);
    return -0.5 * Math.log(q) + 0.5 * Math.log(2 * Math.PI) + corr + (p - 0.5) * Math.log(p / (p + q)) + q * Math.log1p(-p / (p + q));
  }
  if (q >= 10) {
    const corr = lgammaCorrection(q) - lgammaCorrection(p + q);
    return logGamma(p) + corr + p - p * Math.log(p + q) + (q - 0.5) * Math.log1p(-p / (p + q));
  }
  return logGamma(p) + logGamma(q) - logGamma(p + q);
}

/**
 * Regularised incomplete beta I_x(a, b) = B(x; a, b)/B(a, b), the CDF of Beta(a, b) and the
 * basis of the t and F distributions.
 *
 * Method: the continued fraction of Numerical Recipes §6.4 (modified Lentz), used directly for
 * x < (a + 1)/(a + b + 2), where it converges in O(√max(a, b)) terms, and through the symmetry
 * I_x(a, b) = 1 − I_{1−x}(b, a) otherwise; the prefactor xᵃ(1−x)ᵇ/(a·B(a, b)) comes from logBeta.
 * `upper` returns 1 − I_x(a, b) computed without subtraction (tail p-values stay accurate far
 * below 1e-16). Special cases: 0 at x ≤ 0 and 1 at x ≥ 1 (reversed for `upper`); NaN for a ≤ 0,
 * b ≤ 0 or NaN input.
 */
export function regularizedBeta(x: number, a: number, b: number, upper = false): number {
  numberArguments('regularizedBeta', x, a, b);
  if (!(a > 0 && b > 0) || Number.isNaN(x)) return NaN;
  if (x <= 0) return upper ? 1 : 0;
  if (x >= 1) return upper ? 0 : 1;
  if (x > (a + 1) / (a + b + 2)) return regularizedBeta(1 - x, b, a, !upper);
  const logPrefix = a * Math.log(x) + b * Math.log1p(-x) - Math.log(a) - logBeta(a, b);
  const value = Math.exp(logPrefix) * betaContinuedFraction(x, a, b);
  return upper ? 1 - value : value;
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  const maxTerms = 1000 + Math.ceil(20 * Math.sqrt(Math.max(a, b)));
  for (let m = 1; m < maxTerms; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return h;
}

/**
 * Upper tail of Student's t distribution, P(T_df > t) = ½·I_{df/(df+t²)}(df/2, ½) for t ≥ 0 (and
 * by symmetry below): the p-values of OLS coefficients, as R's `pt(t, df, lower.tail = FALSE)`.
 * For t² small against df the complementary form ½ + ½·I_{t²/(df+t²)}(½, df/2) is used, which does
 * not lose digits near t = 0. df = ∞ is the normal distribution.
 */
export function studentTUpperTail(t: number, df: number): number {
  numberArguments('studentTUpperTail', t, df);
  if (Number.isNaN(t) || !(df > 0)) return NaN;
  if (df === Infinity) return 0.5 * erfc(t / Math.SQRT2);
  if (t < 0) return 1 - studentTUpperTail(-t, df);
  if (t === Infinity) return 0;
  const t2 = t * t;
  // x = df/(df + t²) and 1 − x = t²/(df + t²), each formed without subtraction.
  const x = df / (df + t2);
  const oneMinusX = t2 / (df + t2);
  if (x < 0.5) return 0.5 * regularizedBeta(x, df / 2, 0.5);
  return 0.5 * regularizedBeta(oneMinusX, 0.5, df / 2, true);
}

/** Two-sided p-value of a t statistic, 2·P(T_df > |t|), as in R's summary.lm. */
export function twoSidedStudentP(t: number, df: number): number {
  numberArguments('twoSidedStudentP', t, df);
  return Math.min(1, 2 * studentTUpperTail(Math.abs(t), df));
}

/**
 * Student t quantile: the t with P(T_df ≤ t) = p (R's `qt(p, df)`), for confidence intervals.
 * Method: Newton's method on the upper tail from the normal quantile, safeguarded by bisection
 * within a bracket, to full double precision. NaN outside (0, 1); ±∞ at 0 and 1.
 */
export function studentTQuantile(p: number, df: number): number {
  numberArguments('studentTQuantile', p, df);
  if (!(p > 0 && p < 1) || !(df > 0)) return p === 0 ? -Infinity : p === 1 ? Infinity : NaN;
  if (df === Infinity) return normalQuantile(p);
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  if (p === 0.5) return 0;
  const target = 1 - p; // upper-tail probability, exact for p ≥ ½
  let lo = 0;
  let hi = Math.max(1, normalQuantile(p));
  while (studentTUpperTail(hi, df) > target) {
    lo = hi;
    hi *= 2;
    if (hi > 1e300) return Infinity;
  }
  const logDensityConstant = -0.5 * Math.log(df) - logBeta(df / 2, 0.5);
  let t = Math.min(Math.max(normalQuantile(p), lo), hi);
  for (let k = 0; k < 200; k++) {
    const g = studentTUpperTail(t, df) - target;
    if (g === 0) return t;
    if (g > 0) lo = t;
    else hi = t;
    const density = Math.exp(logDensityConstant - ((df + 1) / 2) * Math.log1p((t * t) / df));
    let next = t + g / density; // the upper tail falls with slope −density
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - t) <= 1e-15 * Math.abs(next) || hi - lo <= 1e-15 * hi) return next;
    t = next;
  }
  return t;
}

/**
 * Upper tail of the F distribution, P(F_{d1,d2} > f) = I_{d2/(d2 + d1·f)}(d2/2, d1/2): the p-value
 * of the regression F statistic, as R's `pf(f, d1, d2, lower.tail = FALSE)`.
 */
export function fUpperTail(f: number, d1: number, d2: number): number {
  numberArguments('fUpperTail', f, d1, d2);
  if (Number.isNaN(f) || !(d1 > 0 && d2 > 0)) return NaN;
  if (f <= 0) return 1;
  if (f === Infinity) return 0;
  const x = d2 / (d2 + d1 * f);
  const oneMinusX = (d1 * f) / (d2 + d1 * f);
  return x < 0.5 ? regularizedBeta(x, d2 / 2, d1 / 2) : regularizedBeta(oneMinusX, d1 / 2, d2 / 2, true);
}
