import assert from 'node:assert/strict';
import { test } from 'node:test';
import { laplacianVariance } from '../../src/pathology/laplacian.ts';

test('variance of the Laplacian of a single bright pixel, by hand', () => {
  // 5×5, value 10 at the centre. Interior 3×3 Laplacian: −40 at the centre, +10 at its four
  // neighbours, 0 at the corners: mean 0, variance (1600 + 4·100)/9.
  const grey = new Float32Array(25);
  grey[12] = 10;
  const { variance, count } = laplacianVariance(grey, 5, 5);
  assert.equal(count, 9);
  assert.ok(Math.abs(variance - 2000 / 9) < 1e-9, `${variance}`);
});

test('only masked interior pixels count', () => {
  const grey = new Float32Array(25);
  grey[12] = 10;
  const mask = new Uint8Array(25);
  mask[12] = 1; // the centre alone: one value, no spread
  assert.deepEqual(laplacianVariance(grey, 5, 5, mask), { variance: 0, count: 1 });
  mask[0] = 1; // a border pixel has no Laplacian and is skipped
  assert.equal(laplacianVariance(grey, 5, 5, mask).count, 1);
  assert.deepEqual(laplacianVariance(grey, 5, 5, new Uint8Array(25)), { variance: 0, count: 0 });
});
