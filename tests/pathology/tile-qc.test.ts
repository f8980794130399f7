import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { assessTile, TILE_QC_DEFAULTS, type TileQcReason } from '../../src/pathology/tile-qc.ts';
import { HISTOLAB_TILES, loadTile, solidTile, tileBytes } from './tiles.ts';

/**
 * The acceptance test on histolab's fixtures. Tiles with tissue and ink follow the rule in
 * tile-qc.ts: ink is excluded from tissue and reported; the tile is rejected as pen when ink covers
 * ≥ 25 % of it, or when ink covers ≥ 5 % and the tissue left is under 40 %.
 */
const EXPECTED: Record<string, TileQcReason> = {
  // glass: grey (S < 0.05) ≥ 60 % or white (mean > 230) ≥ 90 %
  'almost-white-1': 'background',
  'almost-white-2': 'background',
  'no-tissue': 'background',
  'no-tissue2': 'background',
  'no-tissue-line': 'background',
  'high-nuclei-score-level2': 'background', // a prostate fragment on 87 % glass
  'low-nuclei-score-level1': 'background', // breast edge, 65 % glass
  'low-nuclei-score-level0': 'no_tissue', // adipose: 25 % tissue, the rest fat vacuoles
  // pen only
  'no-tissue-red-pen': 'pen',
  'no-tissue-green-pen': 'pen',
  // tissue and ink
  'medium-nuclei-score-green-pen-level1': 'pen', // ink over 44 % of the tile
  'very-low-nuclei-score-red-pen-level1': 'pen', // 21 % ink over adipose, 31 % tissue left
  'high-nuclei-score-red-pen-level1': 'ok', // a 5 % stroke over dense tumour: kept, ink reported
  // tissue
  'high-nuclei-score-level0': 'ok',
  'medium-nuclei-score-level1': 'ok',
  'medium-nuclei-score-level1-2': 'ok',
  'medium-nuclei-score-level2': 'ok',
  'tissue-level0-4302-10273-4814-10785': 'ok',
  'tissue-level0-7352-11762-7864-12274': 'ok',
  'tissue-level2-3000-7666-7096-11763': 'ok',
};

test('every histolab fixture has an expected verdict', () => {
  assert.deepEqual(Object.keys(EXPECTED).sort(), HISTOLAB_TILES);
});

for (const name of HISTOLAB_TILES) {
  test(`histolab ${name}: ${EXPECTED[name]}`, async () => {
    const tile = await loadTile(`histolab/${name}.png`);
    const { kept, reason, metrics } = assessTile(tile.rgb, tile.width, tile.height);
    assert.equal(reason, EXPECTED[name], JSON.stringify(metrics));
    assert.equal(kept, reason === 'ok');
  });
}

test('pen ink passes a saturation mask as tissue; the hue rule is what rejects it', async () => {
  for (const name of ['no-tissue-red-pen', 'no-tissue-green-pen']) {
    const tile = await loadTile(`histolab/${name}.png`);
    const { metrics } = assessTile(tile.rgb, tile.width, tile.height);
    // neither grey nor white, i.e. "tissue" to a saturation threshold: 0.76 and 0.79
    assert.ok(metrics.tissueFraction + metrics.penFraction > 0.7, JSON.stringify(metrics));
    assert.ok(metrics.penFraction >= TILE_QC_DEFAULTS.maxPenFraction, JSON.stringify(metrics));
    // Ink lies on top of the coverslip, out of the focal plane.
    assert.ok(metrics.laplacianVariance < 10, JSON.stringify(metrics));
  }
});

test('a kept tile with a pen stroke reports the ink and counts only the tissue', async () => {
  const tile = await loadTile('histolab/high-nuclei-score-red-pen-level1.png');
  const { kept, metrics } = assessTile(tile.rgb, tile.width, tile.height);
  assert.ok(kept);
  assert.ok(metrics.penFraction > 0.03 && metrics.penFraction < 0.1, `pen ${metrics.penFraction}`);
  assert.ok(Math.abs(metrics.tissueFraction + metrics.penFraction + metrics.greyFraction - 1) < 0.02, JSON.stringify(metrics));
});

test('tissue tiles blurred with σ = 4 are rejected as blur; the originals are kept', async () => {
  for (const name of ['medium-nuclei-score-level1-2', 'tissue-level0-7352-11762-7864-12274', 'tissue-level2-3000-7666-7096-11763']) {
    const bytes = tileBytes(`histolab/${name}.png`);
    const sharpTile = await loadTile(`histolab/${name}.png`);
    const original = assessTile(sharpTile.rgb, sharpTile.width, sharpTile.height);
    const { data, info } = await sharp(bytes).removeAlpha().blur(4).raw().toBuffer({ resolveWithObject: true });
    const blurred = assessTile(new Uint8Array(data), info.width, info.height);
    assert.equal(original.reason, 'ok');
    assert.equal(blurred.reason, 'blur', JSON.stringify(blurred.metrics));
    // still tissue, only out of focus
    assert.ok(blurred.metrics.tissueFraction >= TILE_QC_DEFAULTS.minTissueFraction);
    assert.ok(original.metrics.laplacianVariance > 100 * blurred.metrics.laplacianVariance, `${original.metrics.laplacianVariance} vs ${blurred.metrics.laplacianVariance}`);
  }
});

test('thresholds are options', async () => {
  const tile = await loadTile('histolab/medium-nuclei-score-green-pen-level1.png');
  // Tolerate any amount of ink: the 49 % of the tile that is tissue is then enough, and in focus.
  const lenient = assessTile(tile.rgb, tile.width, tile.height, { maxPenFraction: 1, penBlameFraction: 1 });
  assert.equal(lenient.reason, 'ok');
  const strict = assessTile(tile.rgb, tile.width, tile.height, { maxPenFraction: 1, penBlameFraction: 1, minTissueFraction: 0.6 });
  assert.equal(strict.reason, 'no_tissue');
  // Calling green-blue hues stain instead of ink makes the tile look like plain tissue.
  const noInk = assessTile(tile.rgb, tile.width, tile.height, { pixelClasses: { greenBlueInkHue: [0, 0] } });
  assert.equal(noInk.reason, 'ok');
  assert.equal(noInk.metrics.penFraction, 0);
});

test('synthetic tiles: glass, green ink, flat eosin', () => {
  assert.equal(assessTile(solidTile(64, 64, [245, 245, 245]), 64, 64).reason, 'background');
  assert.equal(assessTile(solidTile(64, 64, [40, 170, 120]), 64, 64).reason, 'pen');
  // Pink enough to be tissue, but perfectly flat: nothing in focus.
  const flat = assessTile(solidTile(64, 64, [220, 140, 190]), 64, 64);
  assert.equal(flat.reason, 'blur');
  assert.equal(flat.metrics.tissueFraction, 1);
  assert.throws(() => assessTile(new Uint8Array(10), 2, 2), RangeError);
});
