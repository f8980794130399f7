import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { gfDiv, gfMul } from '../../../src/federation/secagg/gf256.ts';
import { combineShares, splitSecret, type Share } from '../../../src/federation/secagg/shamir.ts';

/** Every k-element subset of `items`. */
function subsets<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  return items.flatMap((item, i) => subsets(items.slice(i + 1), k - 1).map((rest) => [item, ...rest]));
}

describe('GF(2^8)', () => {
  it('multiplies as in FIPS 197 §4.2', () => {
    assert.equal(gfMul(0x57, 0x83), 0xc1);
    assert.equal(gfMul(0x57, 0x13), 0xfe);
    // §4.2.1: repeated xtime of {57}.
    assert.deepEqual([0x02, 0x04, 0x08, 0x10].map((b) => gfMul(0x57, b)), [0xae, 0x47, 0x8e, 0x07]);
  });

  it('divides as the inverse of multiplication', () => {
    for (let a = 0; a < 256; a += 7) for (let b = 1; b < 256; b += 5) assert.equal(gfMul(gfDiv(a, b), b), a);
  });
});

describe('Shamir secret sharing over GF(2^8)', () => {
  it('evaluates a known degree-1 polynomial, f(x) = {2a} + {57}·x, to hand-computed shares', () => {
    const shares = splitSecret(Buffer.from([0x2a]), 2, [1, 2, 4, 0x10, 0x13], () => Buffer.from([0x57]));
    // {57}·x from FIPS 197 §4.2 and §4.2.1, added (XOR) to the secret {2a}.
    assert.deepEqual(shares.map((s) => s.y[0]), [0x2a ^ 0x57, 0x2a ^ 0xae, 0x2a ^ 0x47, 0x2a ^ 0x07, 0x2a ^ 0xfe]);
    assert.deepEqual(shares.map((s) => s.y[0]), [0x7d, 0x84, 0x6d, 0x2d, 0xd4]);
    for (const pair of subsets(shares, 2)) assert.equal(combineShares(pair)[0], 0x2a);
  });

  it('evaluates a known degree-2 polynomial, f(x) = {2a} + {57}·x + x², and needs three shares', () => {
    const shares = splitSecret(Buffer.from([0x2a]), 3, [1, 2, 4], () => Buffer.from([0x57, 0x01]));
    // x² at 1, 2, 4 is 1, 4, {10} (no reduction below degree 8).
    assert.deepEqual(shares.map((s) => s.y[0]), [0x2a ^ 0x57 ^ 0x01, 0x2a ^ 0xae ^ 0x04, 0x2a ^ 0x47 ^ 0x10]);
    assert.equal(combineShares(shares)[0], 0x2a);
    // The line through two of the points meets x = 0 elsewhere.
    assert.notEqual(combineShares(shares.slice(0, 2))[0], 0x2a);
  });

  it('recovers a 32-byte secret from any t of n = 6 shares (t = 4), and not from t − 1', () => {
    const secret = randomBytes(32);
    const shares = splitSecret(secret, 4, [1, 2, 3, 4, 5, 6]);
    for (const four of subsets(shares, 4)) assert.deepEqual(combineShares(four), secret);
    for (const three of subsets(shares, 3)) assert.notDeepEqual(combineShares(three), secret);
    // More than t shares of one polynomial give the same secret.
    assert.deepEqual(combineShares(shares), secret);
  });

  it('hides the secret from t − 1 shares: every secret byte is consistent with them', () => {
    // With t = 2 and one share (x = 3, y), the coefficient a = (y − s)/3 fits any candidate s.
    const share = splitSecret(Buffer.from([0x99]), 2, [3, 5])[0] as Share;
    for (let s = 0; s < 256; s++) {
      const a = gfDiv(share.y[0]! ^ s, 3);
      assert.equal(splitSecret(Buffer.from([s]), 2, [3, 5], () => Buffer.from([a]))[0]!.y[0], share.y[0]);
    }
  });

  it('refuses repeated or out-of-range x and a threshold above n', () => {
    assert.throws(() => splitSecret(Buffer.alloc(4), 2, [1, 1, 2]), /appears twice/);
    assert.throws(() => splitSecret(Buffer.alloc(4), 2, [0, 1]), /1–255/);
    assert.throws(() => splitSecret(Buffer.alloc(4), 4, [1, 2, 3]), /threshold/);
  });
});
