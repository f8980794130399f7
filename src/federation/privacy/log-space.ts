/**
 * Log-space arithmetic for the RDP accountant. The terms of A_α overflow a double long before the
 * orders an accountant needs (binomial(63, 31)·e^(i²/2σ²) for σ ≈ 0.5), so every sum is kept as a
 * logarithm, as in Opacus `opacus/accountants/analysis/rdp.py`.
 */

/** log(e^x + e^y); -Infinity stands for 0. */
export function logAdd(x: number, y: number): number {
  const lo = Math.min(x, y);
  const hi = Math.max(x, y);
  if (lo === -Infinity) return hi;
  return Math.log1p(Math.exp(lo - hi)) + hi;
}

/**
 * log(e^x - e^y) for x ≥ y; NaN when x < y, so that the caller decides what a negative difference
 * means (the accountant falls back to a conservative bound rather than failing a training round).
 */
export function logSub(x: number, y: number): number {
  if (x < y) return Number.NaN;
  if (y === -Infinity) return x;
  if (x === y) return -Infinity;
  const d = x - y;
  // expm1 overflows past ~709, where e^x - e^y is e^x to double precision anyway.
  return d > 700 ? x : Math.log(Math.expm1(d)) + y;
}

// W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969)
// 631–638; coefficients as in Netlib specfun CALERF (https://www.netlib.org/specfun/erf).
const A = [3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947, 0.185777706184603153];
const B = [23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062];
const C = [
  0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131, 881.95222124176909,
  1712.04761263407058, 2051.07837782607147, 1230.33935479799725, 2.15311535474403846e-8,
];
const D = [
  15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963,
  4362.61909014324716, 3439.36767414372164, 1230.33935480374942,
];
const P = [
  0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766,
  6.58749161529837803e-4, 0.0163153871373020978,
];
const Q = [2.56852019228982242, 1.87295284992346047, 0.527905102951428412, 0.0605183413124413191, 2.33520497626869185e-3];
const ONE_OVER_SQRT_PI = 0.56418958354775628695;

function coef(table: readonly number[], i: number): number {
  return table[i] as number;
}

/** erf(x) for |x| ≤ 0.46875 (Cody's first interval). */
function erfSmall(x: number): number {
  const z = x * x;
  let num = coef(A, 4) * z;
  let den = z;
  for (let i = 0; i < 3; i++) {
    num = (num + coef(A, i)) * z;
    den = (den + coef(B, i)) * z;
  }
  return (x * (num + coef(A, 3))) / (den + coef(B, 3));
}

/** erfcx(x) = e^(x²)·erfc(x) for x ≥ 0.46875, which never underflows (Cody's second and third intervals). */
function erfcxLarge(x: number): number {
  if (x <= 4) {
    let num = coef(C, 8) * x;
    let den = x;
    for (let i = 0; i < 7; i++) {
      num = (num + coef(C, i)) * x;
      den = (den + coef(D, i)) * x;
    }
    return (num + coef(C, 7)) / (den + coef(D, 7));
  }
  const z = 1 / (x * x);
  let num = coef(P, 5) * z;
  let den = z;
  for (let i = 0; i < 4; i++) {
    num = (num + coef(P, i)) * z;
    den = (den + coef(Q, i)) * z;
  }
  return (ONE_OVER_SQRT_PI - (z * (num + coef(P, 4))) / (den + coef(Q, 4))) / x;
}

/**
 * log(erfc(x)), accurate to about 1e-15 relative for large positive x where erfc itself underflows
 * (the role scipy's `log_ndtr` plays in Opacus and dp_accounting).
 * See https://dlmf.nist.gov/7.2 for erfc.
 */
export function logErfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x === Infinity) return -Infinity;
  if (Math.abs(x) <= 0.46875) return Math.log1p(-erfSmall(x));
  if (x > 0) return -x * x + Math.log(erfcxLarge(x));
  // erfc(x) = 2 - erfc(-x); for x < -27 the second term underflows and the answer is log 2.
  return Math.log(2 - Math.exp(-x * x) * erfcxLarge(-x));
}
