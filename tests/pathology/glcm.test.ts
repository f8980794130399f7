import assert from 'node:assert/strict';
import { test } from 'node:test';
import { glcmStatistics } from '../../src/pathology/glcm.ts';

test('co-occurrence statistics of a three-pixel row, by hand', () => {
  // grey 0, 16, 16 → levels 0, 1, 1 (16 levels). Pairs (0,1) and (1,1), both directions:
  // p(0,1) = p(1,0) = 1/4, p(1,1) = 1/2.
  const s = glcmStatistics(Float32Array.from([0, 16, 16]), 3, 1, new Uint8Array([1, 1, 1]));
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  close(s.contrast, 0.5); // 2 · 1/4 · 1²
  close(s.homogeneity, 0.75); // 1/4 / 2 · 2 + 1/2
  close(s.energy, Math.sqrt(0.375)); // √(1/16 + 1/16 + 1/4)
  close(s.correlation, -1 / 3); // μ = 3/4, σ² = 3/16, cov = −1/16
  close(s.entropy, 1.5); // −(2 · 1/4 · log2 1/4 + 1/2 · log2 1/2)
});

test('only pairs inside the mask count; a flat region has correlation 1', () => {
  // masking out the first pixel leaves one pair (1,1)
  const s = glcmStatistics(Float32Array.from([0, 16, 16]), 3, 1, new Uint8Array([0, 1, 1]));
  assert.deepEqual(s, { contrast: 0, homogeneity: 1, energy: 1, correlation: 1, entropy: 0 });
  const none = glcmStatistics(Float32Array.from([0, 16, 16]), 3, 1, new Uint8Array([1, 0, 1]));
  assert.deepEqual(none, { contrast: 0, homogeneity: 0, energy: 0, correlation: 0, entropy: 0 });
});

test('all four directions are pooled', () => {
  // a 2×2 checkerboard of levels 0 and 15: horizontal and vertical pairs differ by 15, diagonals by 0
  const s = glcmStatistics(Float32Array.from([0, 255, 255, 0]), 2, 2, new Uint8Array([1, 1, 1, 1]));
  // 2 horizontal + 2 vertical pairs with d = 15, 1 diagonal (0,0) + 1 anti-diagonal (15,15): contrast = 4/6 · 225
  assert.ok(Math.abs(s.contrast - 150) < 1e-9, `${s.contrast}`);
});
