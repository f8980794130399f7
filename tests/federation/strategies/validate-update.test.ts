import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { screenUpdates, validateUpdate } from '../../../src/federation/strategies/validate-update.ts';
import type { SiteUpdate } from '../../../src/federation/strategies/types.ts';

const f64 = (...xs: number[]) => Float64Array.from(xs);
const global = f64(1, 1);

describe('validateUpdate', () => {
  it('accepts a sound update', () => {
    assert.equal(validateUpdate(global, { delta: f64(0.1, -0.2), numExamples: 40 }), null);
  });

  it('rejects a wrong length', () => {
    assert.equal(validateUpdate(global, { delta: f64(0.1), numExamples: 4 }), 'WRONG_LENGTH');
    assert.equal(validateUpdate(global, { weights: f64(1, 2, 3), numExamples: 4 }), 'WRONG_LENGTH');
  });

  it('rejects NaN and ±Infinity', () => {
    assert.equal(validateUpdate(global, { delta: f64(0, Number.NaN), numExamples: 4 }), 'NON_FINITE');
    assert.equal(validateUpdate(global, { weights: f64(Number.NEGATIVE_INFINITY, 0), numExamples: 4 }), 'NON_FINITE');
  });

  it('rejects example counts that are not positive integers, or above the cap', () => {
    for (const n of [0, -3, 2.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      assert.equal(validateUpdate(global, { delta: f64(0, 0), numExamples: n }), 'BAD_NUM_EXAMPLES', String(n));
    }
    assert.equal(validateUpdate(global, { delta: f64(0, 0), numExamples: 200 }, { maxNumExamples: 199 }), 'TOO_MANY_EXAMPLES');
    assert.equal(validateUpdate(global, { delta: f64(0, 0), numExamples: 199 }, { maxNumExamples: 199 }), null);
  });

  it('bounds the L2 norm of the delta: ‖(3, 4)‖ = 5', () => {
    const u: SiteUpdate = { delta: f64(3, -4), numExamples: 1 };
    assert.equal(validateUpdate(global, u, { maxDeltaNorm: 5 }), null);
    assert.equal(validateUpdate(global, u, { maxDeltaNorm: 4.999 }), 'NORM_TOO_LARGE');
    // weights (4, −3) against global (1, 1) are the same delta (3, −4): the norm is of the delta, not the weights
    const w: SiteUpdate = { weights: f64(4, -3), numExamples: 1 };
    assert.equal(validateUpdate(global, w, { maxDeltaNorm: 5 }), null);
    assert.equal(validateUpdate(global, w, { maxDeltaNorm: 4.999 }), 'NORM_TOO_LARGE');
  });

  it('measures huge deltas without overflow: ‖(1e200, 1e200)‖ = √2·1e200', () => {
    const u: SiteUpdate = { delta: f64(1e200, 1e200), numExamples: 1 };
    assert.equal(validateUpdate(global, u, { maxDeltaNorm: 1.4143e200 }), null);
    assert.equal(validateUpdate(global, u, { maxDeltaNorm: 1.4142e200 }), 'NORM_TOO_LARGE');
    // finite weights whose delta overflows are rejected, not waved through
    assert.equal(validateUpdate(f64(-1.7e308, 0), { weights: f64(1.7e308, 0), numExamples: 1 }, { maxDeltaNorm: 1e308 }), 'NORM_TOO_LARGE');
  });
});

describe('screenUpdates', () => {
  it('keeps the sound updates in order and reports the others by index', () => {
    const ups: SiteUpdate[] = [
      { delta: f64(0.1, 0.1), numExamples: 10 },
      { delta: f64(0.1, Number.NaN), numExamples: 10 },
      { delta: f64(0.2, 0.2), numExamples: 0 },
      { delta: f64(0.3, 0.3), numExamples: 5 },
    ];
    const r = screenUpdates(global, ups);
    assert.deepEqual(r.accepted, [ups[0], ups[3]]);
    assert.deepEqual(r.rejected, [
      { index: 1, reason: 'NON_FINITE' },
      { index: 2, reason: 'BAD_NUM_EXAMPLES' },
    ]);
  });
});
