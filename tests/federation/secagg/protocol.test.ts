import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SecAggError } from '../../../src/federation/secagg/errors.ts';
import { randomUpdates, runRound } from './run-round.ts';

const SITES = ['hospital-a', 'hospital-b', 'hospital-c', 'hospital-d', 'hospital-e', 'hospital-f'];
const LENGTH = 2_000;

// One step of the default grid is 2·8 / 2^22 = 2^-18; rounding to the nearest step is off by at
// most half of it, 2^-19 ≈ 1.9e-6, per contribution and coordinate.
const HALF_STEP = 2 ** -19;

/** Σ over `sites` of the raw float updates, computed without any of the code under test. */
function plainSum(updates: Record<string, number[]>, sites: readonly string[]): number[] {
  const out = new Array<number>(LENGTH).fill(0);
  for (const id of sites) updates[id]!.forEach((x, i) => (out[i]! += x));
  return out;
}

function maxAbsError(a: readonly number[], b: readonly number[]): number {
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
}

describe('secure aggregation, six sites, threshold 4', () => {
  const updates = randomUpdates(SITES, LENGTH, 7);

  it('with no dropouts the aggregate is the plain sum within 6 half-steps', () => {
    const { result } = runRound({ sites: SITES, threshold: 4, updates });
    assert.deepEqual(result.contributors, SITES);
    assert.deepEqual(result.dropped, []);
    assert.equal(result.sumErrorBound, 6 * HALF_STEP);
    const error = maxAbsError(result.sum, plainSum(updates, SITES));
    assert.ok(error <= 6 * HALF_STEP, `error ${error} exceeds ${6 * HALF_STEP}`);
    // Far from zero error: the sum really went through the 2^-18 grid (and was not, say, left in floats).
    assert.ok(error > HALF_STEP, `error ${error} is suspiciously small`);
    assert.equal(result.weightSum, 6);
  });

  it('with n − t = 2 sites dropped after sharing keys, their masks are removed and the rest sum exactly', () => {
    const gone = ['hospital-b', 'hospital-e'];
    const { result } = runRound({ sites: SITES, threshold: 4, updates, drop: { beforeMasking: gone } });
    const rest = SITES.filter((id) => !gone.includes(id));
    assert.deepEqual(result.contributors, rest);
    assert.deepEqual(result.dropped, gone);
    const error = maxAbsError(result.sum, plainSum(updates, rest));
    assert.ok(error <= 4 * HALF_STEP, `error ${error} exceeds ${4 * HALF_STEP}`);
  });

  it('with one site gone before sharing and one after, both are handled', () => {
    const { result } = runRound({ sites: SITES, threshold: 4, updates, drop: { beforeShares: ['hospital-a'], beforeMasking: ['hospital-f'] } });
    const rest = ['hospital-b', 'hospital-c', 'hospital-d', 'hospital-e'];
    assert.deepEqual(result.contributors, rest);
    // hospital-a never shared keys, so it is not in U2 and has no masks to remove.
    assert.deepEqual(result.dropped, ['hospital-f']);
    assert.ok(maxAbsError(result.sum, plainSum(updates, rest)) <= 4 * HALF_STEP);
  });

  it('with sites that dropped during unmasking, their inputs still count', () => {
    const gone = ['hospital-c', 'hospital-d'];
    const { result } = runRound({ sites: SITES, threshold: 4, updates, drop: { beforeUnmasking: gone } });
    assert.deepEqual(result.contributors, SITES);
    assert.ok(maxAbsError(result.sum, plainSum(updates, SITES)) <= 6 * HALF_STEP);
  });

  it('with one dropout after sharing and one during unmasking, the sum is of the five that sent inputs', () => {
    const { result } = runRound({ sites: SITES, threshold: 4, updates, drop: { beforeMasking: ['hospital-a'], beforeUnmasking: ['hospital-f'] } });
    const rest = SITES.filter((id) => id !== 'hospital-a');
    assert.deepEqual(result.contributors, rest);
    assert.ok(maxAbsError(result.sum, plainSum(updates, rest)) <= 5 * HALF_STEP);
    assert.ok(maxAbsError(result.mean, plainSum(updates, rest).map((s) => s / 5)) <= HALF_STEP);
  });

  for (const [step, drop] of [
    ['before sharing', { beforeShares: ['hospital-a', 'hospital-b', 'hospital-c'] }],
    ['after sharing', { beforeMasking: ['hospital-a', 'hospital-b', 'hospital-c'] }],
    ['during unmasking', { beforeUnmasking: ['hospital-a', 'hospital-b', 'hospital-c'] }],
  ] as const) {
    it(`stops with TOO_FEW_SITES when three sites drop ${step}, leaving 3 < t = 4`, () => {
      assert.throws(
        () => runRound({ sites: SITES, threshold: 4, updates, drop }),
        (err: unknown) => err instanceof SecAggError && err.reason === 'TOO_FEW_SITES' && err.code === 'UNAVAILABLE' && /3 sites remain, the threshold is 4/.test(err.message),
      );
    });
  }
});

describe('weighted secure aggregation', () => {
  it('returns Σ w·x, Σ w and the weighted mean, as Flower sends [w, w·x]', () => {
    const sites = ['site-1', 'site-2', 'site-3', 'site-4'];
    const updates = randomUpdates(sites, LENGTH, 11);
    const weights: Record<string, number> = { 'site-1': 120, 'site-2': 40, 'site-3': 300, 'site-4': 75 };
    const maxWeight = 1000;
    const { result } = runRound({ sites, updates, weights, maxWeight, drop: { beforeMasking: ['site-4'] } });
    const rest = ['site-1', 'site-2', 'site-3'];
    const totalWeight = 120 + 40 + 300;
    const weightedSum = new Array<number>(LENGTH).fill(0);
    for (const id of rest) updates[id]!.forEach((x, i) => (weightedSum[i]! += weights[id]! * x));

    // Σ w carries the quantisation error of Σ w/maxWeight, scaled back up by maxWeight.
    assert.ok(Math.abs(result.weightSum - totalWeight) <= 3 * HALF_STEP * maxWeight);
    assert.ok(maxAbsError(result.sum, weightedSum) <= 3 * HALF_STEP * maxWeight);
    // The mean is a ratio of two quantised sums: |e_num| + |mean|·|e_den| over Σ w/maxWeight.
    const ratio = totalWeight / maxWeight;
    const mean = weightedSum.map((s) => s / totalWeight);
    const meanBound = (3 * HALF_STEP * (1 + Math.max(...mean.map(Math.abs)))) / (ratio - 3 * HALF_STEP);
    assert.ok(maxAbsError(result.mean, mean) <= meanBound, `mean error exceeds ${meanBound}`);
  });
});
