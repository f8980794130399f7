import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimateStains, normalizeMacenko } from '../../src/pathology/macenko.ts';
import { extractTileFeatures } from '../../src/pathology/tile-features.ts';
import { assessTile } from '../../src/pathology/tile-qc.ts';
import { loadTile } from './tiles.ts';

/**
 * The remaining real tiles of the shared set: five more cholangiocarcinoma tiles, three MSI-H
 * colorectal tiles (mopadi) and Kather's MSI reference tile. Expected white (mean RGB > 230) and grey
 * (HSV S < 0.05) shares come from the shared set's handcrafted_values.tsv, computed by an independent
 * numpy script with the same two formulas over PIL-decoded pixels; JPEG decoders may differ by a level
 * here and there, hence 0.01.
 */
const HANDCRAFTED: Record<string, { w: number; h: number; white: number; grey: number }> = {
  'mopadi/TCGA-3X-AAVA-01Z-00-DX1_0_0_1_506.jpg': { w: 256, h: 256, white: 0.075, grey: 0.049 },
  'mopadi/TCGA-3X-AAVA-01Z-00-DX1_0_0_2_506.jpg': { w: 256, h: 256, white: 0.052, grey: 0.035 },
  'mopadi/TCGA-3X-AAVA-01Z-00-DX1_0_0_3_506.jpg': { w: 256, h: 256, white: 0.05, grey: 0.033 },
  'mopadi/TCGA-3X-AAVA-01Z-00-DX1_0_0_4_506.jpg': { w: 256, h: 256, white: 0.06, grey: 0.043 },
  'mopadi/TCGA-3X-AAVA-01Z-00-DX1_0_0_5_506.jpg': { w: 256, h: 256, white: 0.042, grey: 0.024 },
  'mopadi/TCGA-AD-6964-01Z-00-DX1_tile_16896_20480.jpg': { w: 512, h: 512, white: 0.219, grey: 0.178 },
  'mopadi/TCGA-AD-6964-01Z-00-DX1_tile_22016_11776.jpg': { w: 512, h: 512, white: 0.025, grey: 0.01 },
  'mopadi/TCGA-AD-6964-01Z-00-DX1_tile_23040_25088.jpg': { w: 512, h: 512, white: 0.1, grey: 0.046 },
  'kather/Ref.png': { w: 311, h: 249, white: 0.039, grey: 0.025 },
};

describe('the remaining shared H&E tiles', () => {
  for (const [file, expected] of Object.entries(HANDCRAFTED)) {
    it(`${file}: ${expected.w}×${expected.h}, white ${expected.white}, grey ${expected.grey}, kept as tissue, stains separable`, async () => {
      const tile = await loadTile(file);
      assert.deepEqual([tile.width, tile.height], [expected.w, expected.h]);
      const qc = assessTile(tile.rgb, tile.width, tile.height);
      assert.ok(Math.abs(qc.metrics.whiteFraction - expected.white) <= 0.01, `white ${qc.metrics.whiteFraction}`);
      assert.ok(Math.abs(qc.metrics.greyFraction - expected.grey) <= 0.01, `grey ${qc.metrics.greyFraction}`);
      // every one is a tissue tile from a diagnostic slide: none is background, ink or blurred
      assert.equal(qc.reason, 'ok');
      const normalised = normalizeMacenko(tile.rgb);
      // haematoxylin absorbs red more than eosin does: the H column's red OD is the larger
      assert.ok(normalised.he[0][0] > normalised.he[0][1]);
      const features = extractTileFeatures(normalised.rgb, tile.width, tile.height);
      assert.ok(features.every(Number.isFinite));
    });
  }

  it("Kather's reference tile gives a stain matrix near HEnorm's reference vectors", async () => {
    // Macenko's H&E vectors are unit OD directions; for well-stained H&E both lie within about 15° of
    // HEnorm's reference (H 0.5626, 0.7201, 0.4062; E 0.2159, 0.8012, 0.5581).
    const tile = await loadTile('kather/Ref.png');
    const { he } = estimateStains(tile.rgb);
    const angle = (col: 0 | 1, ref: number[]) => {
      const v = he.map((row) => row[col]);
      const dot = v.reduce((s, x, i) => s + x * ref[i]!, 0) / Math.hypot(...v) / Math.hypot(...ref);
      return (Math.acos(Math.min(1, dot)) * 180) / Math.PI;
    };
    assert.ok(angle(0, [0.5626, 0.7201, 0.4062]) < 15, `H ${angle(0, [0.5626, 0.7201, 0.4062])}°`);
    assert.ok(angle(1, [0.2159, 0.8012, 0.5581]) < 15, `E ${angle(1, [0.2159, 0.8012, 0.5581])}°`);
  });
});
