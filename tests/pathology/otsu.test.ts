import assert from 'node:assert/strict';
import { test } from 'node:test';
import { otsuBin } from '../../src/pathology/otsu.ts';

test('splits two clusters between them', () => {
  // values 1 (×10) and 5 (×10): every split from bin 1 to bin 4 separates them equally; Otsu keeps the first
  assert.equal(otsuBin([0, 10, 0, 0, 0, 10, 0]), 1);
  // {0,1,2} weights 4,4,4 against {6,7} weights 6,6: the best split isolates the heavy pair
  assert.equal(otsuBin([4, 4, 4, 0, 0, 0, 6, 6]), 2);
});

test('a histogram with one occupied bin has no split', () => {
  assert.equal(otsuBin([0, 0, 7, 0]), -1);
  assert.equal(otsuBin([0, 0, 0]), -1);
});

test('an unequal split moves toward the smaller class: between-class variance by hand', () => {
  // bins 0..3 with counts 8, 1, 1, 2. Splits: t=0: w0 8, w1 4, μ0 0, μ1 (1+2+6)/4 = 2.25 → 8·4·2.25² = 162;
  // t=1: w0 9, μ0 1/9, w1 3, μ1 8/3 → 9·3·(23/9)² = 176.3; t=2: w0 10, μ0 0.3, w1 2, μ1 3 → 10·2·2.7² = 145.8
  assert.equal(otsuBin([8, 1, 1, 2]), 1);
});
