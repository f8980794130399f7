import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HED_FROM_RGB, RGB_FROM_HED, separateHaematoxylinEosin } from '../../src/pathology/colour-deconvolution.ts';

test('hed_from_rgb is the inverse of skimage\'s rgb_from_hed', () => {
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      const product = [0, 1, 2].reduce((acc, k) => acc + RGB_FROM_HED[i]![k]! * HED_FROM_RGB[k]![j]!, 0);
      assert.ok(Math.abs(product - (i === j ? 1 : 0)) < 1e-12);
    }
  }
});

test('a pixel of pure haematoxylin separates into H only', () => {
  // In skimage units a stain row s gives ln(rgb)/ln(1e−6) = s · rgb_from_hed, so H = 0.1 alone is
  // rgb = 255 · 10^(−6 · 0.1 · [0.65, 0.70, 0.29]) = 104.1, 97.2, 170.5.
  const rgb = new Uint8Array(RGB_FROM_HED[0].map((v) => Math.round(255 * 10 ** (-0.6 * v))));
  assert.deepEqual([...rgb], [104, 97, 171]);
  const { h, e } = separateHaematoxylinEosin(rgb);
  assert.ok(Math.abs(h[0]! - 0.1) < 0.003, `H ${h[0]}`); // byte rounding is the only error
  assert.ok(e[0]! < 0.003, `E ${e[0]}`);
});

test('white is stain-free and negative concentrations clip to 0', () => {
  // Magenta (255, 0, 255): only green is absorbed, with OD 1 in skimage units, so the stains are
  // hed_from_rgb's green row: H = −0.0659 (clipped to 0) and E = 1.1347.
  const { h, e } = separateHaematoxylinEosin(new Uint8Array([255, 255, 255, 255, 0, 255]));
  assert.deepEqual([h[0], e[0]], [0, 0]);
  assert.ok(HED_FROM_RGB[1]![0]! < 0);
  assert.equal(h[1], 0);
  assert.ok(Math.abs(e[1]! - HED_FROM_RGB[1]![1]!) < 1e-6, `E ${e[1]}`);
});
