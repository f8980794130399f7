import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ranks, spearman } from './spearman.ts';

test('Spearman without ties matches 1 − 6Σd²/(n(n²−1))', () => {
  // d = −1, 1, −1, 1, 0: Σd² = 4, so ρ = 1 − 24/120 = 0.8
  assert.ok(Math.abs(spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) - 0.8) < 1e-12);
  assert.ok(Math.abs(spearman([1, 2, 3], [30, 20, 10]) + 1) < 1e-12);
  // ranks only: a monotone transform changes nothing
  assert.ok(Math.abs(spearman([0.001, 0.01, 0.1, 1], [1, 4, 9, 16]) - 1) < 1e-12);
});

test('Spearman gives tied values their average rank', () => {
  assert.deepEqual(ranks([5, 6, 7, 8, 7]), [1, 2, 3.5, 5, 3.5]);
  // centred ranks −2..2 against −2, −1, 0.5, 2, 0.5: Σxy = 8, Σx² = 10, Σy² = 9.5, ρ = 8/√95
  assert.ok(Math.abs(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) - 8 / Math.sqrt(95)) < 1e-12);
});
