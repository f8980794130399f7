import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertSumFits, DEFAULT_QUANTISATION, dequantiseSum, quantisationErrorBound, quantisationStep, quantise } from '../../../src/federation/secagg/quantise.ts';
import { createRoundConfig } from '../../../src/federation/secagg/round-config.ts';
import { Rng } from '../../../src/random/rng.ts';

// Defaults: c = 8, Q = 2^22, so scale Q/2c = 2^18 and one step Δ = 2^-18.
const SCALE = 2 ** 18;

describe('fixed-point quantisation (c = 8, Q = 2^22)', () => {
  it('maps values to (x + 8)·2^18, rounded, clipped to [0, 2^22]', () => {
    const q = quantise([0, -8, -100, 8, 1e9, 1, -0.5, 2 ** -19], DEFAULT_QUANTISATION);
    assert.deepEqual(Array.from(q), [8 * SCALE, 0, 0, 2 ** 22, 2 ** 22, 9 * SCALE, 7.5 * SCALE, 8 * SCALE + 1]);
    assert.equal(quantisationStep(DEFAULT_QUANTISATION), 2 ** -18);
  });

  it('rounds half a step up and just below half a step down, as Math.round does', () => {
    // (x + 8)·2^18 is exactly 0.5 for x = 2^-19 − 8 → 1; 0.5 − 2^-30 for x = 2^-19 − 2^-48 − 8 → 0; 1.5 for 3·2^-19 − 8 → 2
    assert.deepEqual(Array.from(quantise([2 ** -19 - 8, 2 ** -19 - 2 ** -48 - 8, 3 * 2 ** -19 - 8], DEFAULT_QUANTISATION)), [1, 0, 2]);
    // the same from a Float64Array, and at 8 + 2^-19 (v = 2^21 + 0.5, half up)
    assert.deepEqual(Array.from(quantise(Float64Array.of(2 ** -19 - 8, 2 ** -19), DEFAULT_QUANTISATION)), [1, 8 * SCALE + 1]);
  });

  it('removes the n·c offset from a sum of n contributions', () => {
    // q(1) + q(−0.5) + q(8) = 9·2^18 + 7.5·2^18 + 16·2^18 = 32.5·2^18; minus 3·8 leaves 8.5.
    const sum = Uint32Array.from([3 * 8 * SCALE, 32.5 * SCALE]);
    assert.deepEqual(Array.from(dequantiseSum(sum, DEFAULT_QUANTISATION, 3)), [0, 8.5]);
  });

  it('is off by at most half a step, 2^-19, and that bound is nearly reached', () => {
    const rng = new Rng(5, 'quantise');
    const xs = Array.from({ length: 10_000 }, () => rng.uniform(-8, 8));
    const back = dequantiseSum(quantise(xs, DEFAULT_QUANTISATION), DEFAULT_QUANTISATION, 1);
    const worst = xs.reduce((m, x, i) => Math.max(m, Math.abs(back[i]! - x)), 0);
    assert.ok(worst <= 2 ** -19, `worst error ${worst}`);
    assert.ok(worst > 0.99 * 2 ** -19, `worst error ${worst} is far below the bound`);
    assert.equal(quantisationErrorBound(DEFAULT_QUANTISATION, 6), 6 * 2 ** -19);
  });

  it('refuses NaN and infinities instead of clipping them silently', () => {
    assert.throws(() => quantise([0, Number.NaN], DEFAULT_QUANTISATION), /value 1 is not a finite number/);
    assert.throws(() => quantise([Number.POSITIVE_INFINITY], DEFAULT_QUANTISATION), /not a finite number/);
  });

  it('refuses a sum that could pass 2^32: n·Q must stay below it', () => {
    // 1023·2^22 = 2^32 − 2^22 fits; 1024·2^22 = 2^32 wraps to 0, and ⌊(2^32 − 1)/1024⌋ = 2^22 − 1 would fit.
    assert.doesNotThrow(() => assertSumFits(DEFAULT_QUANTISATION, 1023));
    assert.throws(() => assertSumFits(DEFAULT_QUANTISATION, 1024), /overflow 2\^32; lower quantRange to at most 4194303/);
    const sites = ['a', 'b', 'c', 'd'];
    assert.throws(() => createRoundConfig({ roundId: 'r', sites, vectorLength: 1, quantRange: 2 ** 30 }), /4 contributions of up to 1073741824 each overflow/);
    assert.doesNotThrow(() => createRoundConfig({ roundId: 'r', sites: sites.slice(0, 3), vectorLength: 1, quantRange: 2 ** 30 }));
  });
});
