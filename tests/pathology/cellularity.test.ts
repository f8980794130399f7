import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dilateDisk2, fillHoles } from '../../src/pathology/binary-morphology.ts';
import { measureCellularity } from '../../src/pathology/cellularity.ts';
import { histolabTissueMask, pilGrey } from '../../src/pathology/tissue-mask.ts';
import { yenThreshold } from '../../src/pathology/yen.ts';
import { loadTile, solidTile } from './tiles.ts';

/**
 * Golden values: histolab tests/integration/test_scorer.py at 202a8bc, CellularityScorer with
 * consider_tissue=True and False (tests/fixtures/tiles/histolab/PROVENANCE.md). histolab rounds
 * them to 5 decimals.
 */
const GOLDEN: Record<string, { ofTissue?: number; ofTile: number }> = {
  'high-nuclei-score-level0': { ofTissue: 0.51686, ofTile: 0.50961 },
  'low-nuclei-score-level1': { ofTissue: 0.26664, ofTile: 0.05439 },
  'high-nuclei-score-level2': { ofTissue: 0.25491, ofTile: 0.03697 },
  'medium-nuclei-score-level1-2': { ofTissue: 0.22668, ofTile: 0.22515 },
  'medium-nuclei-score-level2': { ofTissue: 0.1395, ofTile: 0.11224 },
  'low-nuclei-score-level0': { ofTissue: 0.07572, ofTile: 0.02284 },
  'medium-nuclei-score-level1': { ofTissue: 0.04725, ofTile: 0.03118 },
  'no-tissue2': { ofTissue: 0.00076, ofTile: 0.00076 },
  'no-tissue': { ofTissue: 0.00035, ofTile: 0.00035 },
  'no-tissue-line': { ofTile: 0.00998 },
};

for (const [name, golden] of Object.entries(GOLDEN)) {
  test(`CellularityScorer on ${name}: ${golden.ofTissue ?? '-'} of tissue, ${golden.ofTile} of the tile`, async () => {
    const tile = await loadTile(`histolab/${name}.png`);
    const c = measureCellularity(tile.rgb, tile.width, tile.height);
    // The numerator is histolab's to the pixel: rounding to 5 decimals is the only difference.
    assert.ok(Math.abs(c.ofTile - golden.ofTile) <= 0.5e-5, `of tile ${c.ofTile}`);
    // The hole filling hops symmetrically where scipy's even window is off centre by one pixel.
    if (golden.ofTissue !== undefined) assert.ok(Math.abs(c.ofTissue - golden.ofTissue) <= 1e-4, `of tissue ${c.ofTissue}`);
  });
}

test("Yen's threshold by hand: counts 3, 1, 2 split after the first level", () => {
  // p = 1/2, 1/6, 1/3. After level 0: P1 = 1/2, ΣP1² = 1/4, ΣP2² = 1/36 + 1/9 = 5/36, so
  // (1/4)² / (1/4 · 5/36) = 1.8. After level 1: P1 = 2/3, ΣP1² = 5/18, ΣP2² = 1/9, so
  // (2/9)² / (5/18 · 1/9) = 1.6. The larger is level 0.
  assert.equal(yenThreshold([3, 1, 2]), 0);
  assert.equal(yenThreshold([0, 0, 3, 1, 2, 0]), 2);
  assert.equal(yenThreshold([0, 7, 0]), 1);
  assert.throws(() => yenThreshold([0, 0]), /empty/);
});

test('PIL grey levels: white, black and the three primaries', () => {
  // PIL "L" = R·299/1000 + G·587/1000 + B·114/1000, rounded: 76, 150 and 29 for the primaries.
  assert.deepEqual([pilGrey(255, 255, 255), pilGrey(0, 0, 0), pilGrey(255, 0, 0), pilGrey(0, 255, 0), pilGrey(0, 0, 255)], [255, 0, 76, 150, 29]);
});

test('disk(2) dilation of one pixel is the 13-pixel diamond-ish disk', () => {
  const w = 7;
  const mask = new Uint8Array(w * w);
  mask[3 * w + 3] = 1;
  const out = dilateDisk2(mask, w, w);
  const rows = Array.from({ length: w }, (_, y) => [...out.subarray(y * w, y * w + w)].join(''));
  assert.deepEqual(rows, ['0000000', '0001000', '0011100', '0111110', '0011100', '0001000', '0000000']);
});

test('fill holes: the outside floods the background in hops of reach/2, so only closed walls that thick enclose a hole', () => {
  const w = 60;
  const count = (m: Uint8Array) => m.reduce((a, b) => a + b, 0);
  // a square ring from 5 to 54 with walls `thick` pixels wide and an opening `gap` wide in the bottom wall
  const ring = (thick: number, gap: number) => {
    const mask = new Uint8Array(w * w);
    for (let y = 5; y < 55; y++) {
      for (let x = 5; x < 55; x++) {
        const wall = x < 5 + thick || x >= 55 - thick || y < 5 + thick || y >= 55 - thick;
        const opening = y >= 55 - thick && x >= 30 - gap / 2 && x < 30 + gap / 2;
        if (wall && !opening) mask[y * w + x] = 1;
      }
    }
    return mask;
  };
  const interior = (thick: number) => (50 - 2 * thick) ** 2;
  // reach 2 (hops of 1 pixel, scipy's default cross-like reach): a closed thin ring is filled, an open one is not
  assert.equal(count(fillHoles(ring(3, 0), w, w, 2)), count(ring(3, 0)) + interior(3));
  assert.equal(count(fillHoles(ring(3, 4), w, w, 2)), count(ring(3, 4)));
  // reach 20 hops 10 pixels: over a 3-pixel wall, but not over a 12-pixel one; an opening lets it in
  assert.equal(count(fillHoles(ring(3, 0), w, w, 20)), count(ring(3, 0)));
  assert.equal(count(fillHoles(ring(12, 0), w, w, 20)), count(ring(12, 0)) + interior(12));
  assert.equal(count(fillHoles(ring(12, 6), w, w, 20)), count(ring(12, 6)));
});

test('the tissue mask takes a tile that is all (textured) tissue whole, and blank glass as nothing', () => {
  // without the white border Otsu would split the tissue's own grey levels in two
  const rgb = solidTile(64, 64, [180, 90, 160]);
  for (let i = 0; i < rgb.length; i++) rgb[i] = rgb[i]! - ((i * 7919) % 41);
  const tissue = histolabTissueMask(rgb, 64, 64);
  assert.equal(tissue.tissue, 64 * 64);
  const glass = histolabTissueMask(solidTile(64, 64, [255, 255, 255]), 64, 64);
  assert.equal(glass.tissue, 0);
});
