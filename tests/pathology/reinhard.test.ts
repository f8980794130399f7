import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { labToRgb, rgbToLab } from '../../src/pathology/cielab.ts';
import type { DecodedTile } from '../../src/pathology/decode-tile.ts';
import { fitReinhard, labStatistics, normalizeReinhard, ReinhardNormalizer } from '../../src/pathology/reinhard.ts';
import { loadTile } from './tiles.ts';

let source: DecodedTile;
let target: DecodedTile;

before(async () => {
  source = await loadTile('torchstain/source.png');
  target = await loadTile('torchstain/target.png');
});

test('L*a*b* of white, black and mid grey, by hand', () => {
  // White: Y = 0.212671 + 0.71516 + 0.072169 = 1, so L* = 116 − 16 = 100; X/Xn = 0.950456/0.95047 ≈ 1, so a* ≈ 0.
  const [lw, aw, bw] = rgbToLab(new Uint8Array([255, 255, 255]));
  assert.ok(Math.abs(lw! - 100) < 1e-9 && Math.abs(aw!) < 0.01 && Math.abs(bw!) < 0.01, `${lw} ${aw} ${bw}`);
  assert.deepEqual([...rgbToLab(new Uint8Array([0, 0, 0]))], [0, 0, 0]);
  // 128: linear ((128/255 + 0.055)/1.055)^2.4 = 0.21586, L* = 116·0.21586^(1/3) − 16 = 53.585
  const [lg] = rgbToLab(new Uint8Array([128, 128, 128]));
  assert.ok(Math.abs(lg! - 53.585) < 0.001, `${lg}`);
});

test('RGB → L*a*b* → RGB returns every byte', () => {
  const colours = new Uint8Array(16 * 16 * 16 * 3);
  let p = 0;
  for (let r = 0; r < 256; r += 17) for (let g = 0; g < 256; g += 17) for (let b = 0; b < 256; b += 17) colours.set([r, g, b], (p++) * 3);
  assert.deepEqual(labToRgb(rgbToLab(colours)), colours);
});

test('the normalised source has the target\'s L*a*b* means and standard deviations', () => {
  const wanted = fitReinhard(target.rgb);
  const before = labStatistics(rgbToLab(source.rgb));
  const after = labStatistics(rgbToLab(normalizeReinhard(source.rgb, wanted)));
  // The pair really differs (a* means 32.6 vs 11.8), so agreement afterwards is the transform's doing.
  assert.ok(Math.abs(before.mean[1] - wanted.mean[1]) > 10);
  for (let c = 0; c < 3; c++) {
    // Only 8-bit rounding and gamut clipping separate the result from the target (measured ≤ 0.003).
    assert.ok(Math.abs(after.mean[c]! - wanted.mean[c]!) < 0.05, `mean ${c}: ${after.mean[c]} vs ${wanted.mean[c]}`);
    assert.ok(Math.abs(after.std[c]! - wanted.std[c]!) < 0.05, `std ${c}: ${after.std[c]} vs ${wanted.std[c]}`);
  }
});

test('normalising an image to its own statistics leaves it unchanged', () => {
  assert.deepEqual(normalizeReinhard(target.rgb, fitReinhard(target.rgb)), target.rgb);
});

test('the normaliser stores the fit and refuses to transform before it', () => {
  const normaliser = new ReinhardNormalizer();
  assert.throws(() => normaliser.transform(source.rgb));
  const fitted = normaliser.fit(target.rgb);
  assert.deepEqual(fitted, fitReinhard(target.rgb));
  assert.deepEqual(normaliser.transform(source.rgb), normalizeReinhard(source.rgb, fitted));
});

test('a flat channel goes to the target mean instead of dividing by zero', () => {
  const grey = new Uint8Array(30).fill(128); // a* = b* = 0 with σ = 0 in every channel
  const out = normalizeReinhard(grey, { mean: [60, 20, -10], std: [5, 5, 5] });
  const stats = labStatistics(rgbToLab(out));
  assert.ok(Math.abs(stats.mean[0] - 60) < 0.5 && Math.abs(stats.mean[1] - 20) < 0.5 && Math.abs(stats.mean[2] + 10) < 0.5, JSON.stringify(stats));
});
