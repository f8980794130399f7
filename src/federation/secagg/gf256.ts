/**
 * Arithmetic in GF(2^8) with the AES polynomial x^8 + x^4 + x^3 + x + 1 (FIPS 197 §4.2,
 * https://csrc.nist.gov/pubs/fips/197/final), the field Shamir sharing works in byte by byte.
 * Addition is XOR; multiplication goes through log/antilog tables on the generator {03}.
 */

const EXP = new Uint8Array(510);
const LOG = new Uint8Array(256);

{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    // x·{03} = x·{02} ⊕ x, where x·{02} is a shift that folds the overflow back with {1b}.
    const doubled = (x << 1) ^ (x & 0x80 ? 0x11b : 0);
    x = doubled ^ x;
  }
  // A second copy lets mul() index LOG[a] + LOG[b] without reducing mod 255.
  for (let i = 255; i < 510; i++) EXP[i] = EXP[i - 255]!;
}

/** a·b in GF(2^8). */
export function gfMul(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return EXP[LOG[a]! + LOG[b]!]!;
}

/** a/b in GF(2^8); b must not be 0. */
export function gfDiv(a: number, b: number): number {
  if (b === 0) throw new RangeError('division by zero in GF(2^8)');
  if (a === 0) return 0;
  return EXP[LOG[a]! + 255 - LOG[b]!]!;
}
