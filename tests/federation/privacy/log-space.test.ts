import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logAdd, logErfc, logSub } from '../../../src/federation/privacy/log-space.ts';

describe('log-space sums', () => {
  it('adds and subtracts in log space, with -Infinity as zero', () => {
    assert.ok(Math.abs(logAdd(Math.log(2), Math.log(3)) - Math.log(5)) < 1e-15);
    assert.ok(Math.abs(logSub(Math.log(5), Math.log(3)) - Math.log(2)) < 1e-15);
    assert.equal(logAdd(-Infinity, 1.5), 1.5);
    assert.equal(logSub(1.5, -Infinity), 1.5);
    assert.equal(logSub(1.5, 1.5), -Infinity);
    assert.ok(Number.isNaN(logSub(1, 2)));
    // e^1000 overflows a double; its logarithm does not.
    assert.ok(Math.abs(logAdd(1000, 1000) - (1000 + Math.LN2)) < 1e-12);
  });
});

describe('logErfc', () => {
  it('matches log(erfc(x)) from mpmath at 40 digits, on both sides of 0 and across Cody’s intervals', () => {
    // mpmath 1.3: mpmath.log(mpmath.erfc(x)) with mp.dps = 40, rounded to 20 digits.
    const table: readonly (readonly [number, number])[] = [
      [0.1, -0.11930497373739559833],
      [0.46875, -0.67848218561439609899],
      [0.5, -0.73501112983708440303],
      [1, -1.8496055099332482486],
      [2, -5.3649412646166375745],
      [4, -17.987778312103006503],
      [4.5, -22.349768303435940757],
      [10, -102.87988902484488857],
      [30, -903.97411711064387808], // erfc(30) ≈ 1e-393 underflows a double
      [-0.3, 0.28414589714140825864],
      [-1, 0.61123231767807049464],
      [-3, 0.69313613525044681032],
      [-30, 0.69314718055994530942],
    ];
    for (const [x, expected] of table) {
      const actual = logErfc(x);
      assert.ok(Math.abs(actual - expected) <= 1e-14 * Math.max(1, Math.abs(expected)), `logErfc(${x}) = ${actual}, expected ${expected}`);
    }
  });
});
