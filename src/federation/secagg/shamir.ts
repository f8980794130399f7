/**
 * Shamir t-of-n secret sharing (Shamir 1979, "How to share a secret",
 * https://doi.org/10.1145/359168.359176), byte by byte over GF(2^8): each byte of the secret is the
 * constant term of its own random polynomial of degree t − 1, and a share is that polynomial
 * evaluated at a non-zero x. Any t shares give the secret back by Lagrange interpolation at 0;
 * t − 1 shares are consistent with every possible secret, so they reveal nothing. GF(2^8) allows
 * at most 255 shares, far more than the 3–20 sites this is for.
 */
import { randomBytes } from 'node:crypto';
import { gfDiv, gfMul } from './gf256.ts';

export interface Share {
  /** evaluation point, 1–255 */
  x: number;
  /** the secret's polynomials evaluated at x, one byte per secret byte */
  y: Buffer;
}

/** Source of the random coefficients; tests pass fixed bytes to check shares by hand. */
export type RandomBytes = (size: number) => Uint8Array;

function checkXs(xs: readonly number[]): void {
  const seen = new Set<number>();
  for (const x of xs) {
    if (!Number.isInteger(x) || x < 1 || x > 255) throw new RangeError(`share x must be an integer in 1–255, not ${x}`);
    if (seen.has(x)) throw new RangeError(`share x ${x} appears twice`);
    seen.add(x);
  }
}

/**
 * Splits `secret` into one share per x in `xs`, any `threshold` of which recover it
 * (Shamir 1979, https://doi.org/10.1145/359168.359176).
 */
export function splitSecret(secret: Uint8Array, threshold: number, xs: readonly number[], random: RandomBytes = randomBytes): Share[] {
  checkXs(xs);
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > xs.length) throw new RangeError(`threshold must be between 1 and ${xs.length}, not ${threshold}`);
  const length = secret.length;
  // coefficients[(k − 1)·length + j] is the x^k coefficient of byte j's polynomial.
  const coefficients = random((threshold - 1) * length);
  if (coefficients.length !== (threshold - 1) * length) throw new RangeError('the random source returned the wrong number of bytes');
  return xs.map((x) => {
    const y = Buffer.alloc(length);
    for (let j = 0; j < length; j++) {
      let acc = 0;
      for (let k = threshold - 1; k >= 1; k--) acc = gfMul(acc, x) ^ coefficients[(k - 1) * length + j]!;
      y[j] = gfMul(acc, x) ^ secret[j]!;
    }
    return { x, y };
  });
}

/**
 * The secret behind `shares`, by Lagrange interpolation at 0. With at least t shares of one secret
 * this is the secret; with fewer it is a value unrelated to it, and nothing here can tell the two
 * apart, so callers check the result (e.g. against a public key) where they can.
 */
export function combineShares(shares: readonly Share[]): Buffer {
  const first = shares[0];
  if (!first) throw new RangeError('no shares to combine');
  checkXs(shares.map((s) => s.x));
  const length = first.y.length;
  if (shares.some((s) => s.y.length !== length)) throw new RangeError('shares of different lengths cannot be combined');
  // Lagrange basis at 0: l_i(0) = Π_{j≠i} x_j / (x_j − x_i), and subtraction is XOR here.
  const weights = shares.map((si, i) => {
    let w = 1;
    shares.forEach((sj, j) => {
      if (j !== i) w = gfMul(w, gfDiv(sj.x, sj.x ^ si.x));
    });
    return w;
  });
  const secret = Buffer.alloc(length);
  for (let b = 0; b < length; b++) {
    let acc = 0;
    shares.forEach((s, i) => {
      acc ^= gfMul(s.y[b]!, weights[i]!);
    });
    secret[b] = acc;
  }
  return secret;
}
