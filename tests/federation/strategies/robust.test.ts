import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDomainError } from '../../../src/errors/domain-error.ts';
import { fedMedian, fedTrimmedMean } from '../../../src/federation/strategies/robust.ts';
import type { SiteUpdate } from '../../../src/federation/strategies/types.ts';

const f64 = (...xs: number[]) => Float64Array.from(xs);
const deltas = (rows: number[][], n = 1): SiteUpdate[] => rows.map((r) => ({ delta: Float64Array.from(r), numExamples: n }));

describe('coordinate-wise median', () => {
  it('odd count: the middle value per coordinate, ignoring example counts', () => {
    const s = fedMedian();
    const ups: SiteUpdate[] = [
      { delta: f64(1, -2), numExamples: 1 },
      { delta: f64(3, 5), numExamples: 1000 },
      { delta: f64(2, 0), numExamples: 1 },
    ];
    // column 1 sorted (1, 2, 3) → 2; column 2 sorted (−2, 0, 5) → 0; next = (10 + 2, 10 + 0)
    const r = s.aggregate(f64(10, 10), ups, s.initialState(2));
    assert.deepEqual(r.next, f64(12, 10));
    assert.deepEqual(r.state, { strategy: 'median', round: 1 });
  });

  it('even count: the mean of the two middle values, sorted numerically (not as strings)', () => {
    const s = fedMedian();
    // column 1 sorted (1, 2, 4, 10) → 3 (a string sort would put 10 second); column 2 (−3, −1, 5, 7) → 2
    const r = s.aggregate(f64(0, 0), deltas([[1, -1], [4, -3], [2, 5], [10, 7]]), s.initialState(2));
    assert.deepEqual(r.next, f64(3, 2));
  });

  it('one Byzantine site cannot move it far', () => {
    const s = fedMedian();
    const r = s.aggregate(f64(0), deltas([[0.1], [0.2], [1e9]]), s.initialState(1));
    assert.deepEqual(r.next, f64(0.2));
  });

  it('works on sites that send weights (median of w − w_global)', () => {
    const s = fedMedian();
    const ups: SiteUpdate[] = [1.5, 3, 2].map((w) => ({ weights: f64(w), numExamples: 1 }));
    // deltas (0.5, 2, 1) → median 1 → next 2
    assert.deepEqual(s.aggregate(f64(1), ups, s.initialState(1)).next, f64(2));
  });
});

describe('coordinate-wise trimmed mean', () => {
  it('β = 0.2 with five sites cuts one value per side', () => {
    const s = fedTrimmedMean({ trimFraction: 0.2 });
    // column 1: (1, 2, 3, 4, 100) → drop 1 and 100 → (2 + 3 + 4)/3 = 3
    // column 2: (−50, 0, 0.5, 1, 1.5) → drop −50 and 1.5 → (0 + 0.5 + 1)/3 = 0.5
    const r = s.aggregate(f64(0, 0), deltas([[100, 0], [2, -50], [3, 1.5], [1, 0.5], [4, 1]]), s.initialState(2));
    assert.deepEqual(r.next, f64(3, 0.5));
  });

  it('the default β is 0.2 (Flower), and floor(0.2·4) = 0 cuts nothing with four sites', () => {
    const s = fedTrimmedMean();
    // plain mean (1 + 2 + 3 + 10)/4 = 4
    assert.deepEqual(s.aggregate(f64(0), deltas([[1], [2], [3], [10]]), s.initialState(1)).next, f64(4));
  });

  it('β = 0.25 with four sites leaves the middle two, i.e. the median', () => {
    const s = fedTrimmedMean({ trimFraction: 0.25 });
    assert.deepEqual(s.aggregate(f64(0), deltas([[1], [2], [4], [10]]), s.initialState(1)).next, f64(3));
  });

  it('is unweighted: example counts do not matter', () => {
    const s = fedTrimmedMean({ trimFraction: 0 });
    const ups: SiteUpdate[] = [
      { delta: f64(1), numExamples: 1 },
      { delta: f64(3), numExamples: 99 },
    ];
    assert.deepEqual(s.aggregate(f64(0), ups, s.initialState(1)).next, f64(2));
  });

  it('refuses β outside [0, 0.5) and says it cannot use the secure sum', () => {
    assert.throws(() => fedTrimmedMean({ trimFraction: 0.5 }), (e) => isDomainError(e) && e.code === 'BAD_INPUT');
    assert.equal(fedTrimmedMean().needsOnlyWeightedSum, false);
    assert.equal(fedMedian().needsOnlyWeightedSum, false);
  });
});
