import assert from 'node:assert/strict';
import { test } from 'node:test';
import { percentileInPlace, percentileOfSorted } from '../../src/pathology/percentile.ts';

test('numpy linear percentiles, worked by hand', () => {
  // virtual index (n − 1)·q/100
  assert.equal(percentileOfSorted([1, 2, 3, 4], 50), 2.5); // 1.5
  assert.equal(percentileOfSorted([10, 20, 30, 40, 50], 99), 49.6); // 3.96: 50 − 10·0.04
  assert.equal(percentileOfSorted([10, 20, 30, 40, 50], 1), 10.4); // 0.04
  assert.equal(percentileOfSorted([10, 20, 30, 40, 50], 100), 50);
  assert.equal(percentileOfSorted([10, 20, 30, 40, 50], 0), 10);
  assert.equal(percentileOfSorted([7], 99), 7);
});

test('selection gives exactly the sorted answer, duplicates and all', () => {
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (const n of [1, 2, 3, 10, 101, 1000, 4097]) {
    const values = Float64Array.from({ length: n }, () => (next() < 0.3 ? Math.floor(next() * 5) : next() * 100 - 50));
    const sorted = Float64Array.from(values).sort();
    for (const q of [0, 1, 25, 50, 90, 99, 100]) {
      assert.equal(percentileInPlace(Float64Array.from(values), q), percentileOfSorted(sorted, q), `n ${n} q ${q}`);
    }
  }
  assert.throws(() => percentileInPlace(new Float64Array(0), 50), RangeError);
});
