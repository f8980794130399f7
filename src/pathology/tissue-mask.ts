import { dilateDisk2, fillHoles } from './binary-morphology.ts';
import { otsuBin } from './otsu.ts';

/**
 * histolab's tile tissue mask (Tile.tissue_mask at 202a8bc, tile.py and filters/compositions.py): the
 * tile gets a 10-pixel white border, then PIL grey, pixels strictly below Otsu's threshold, dilation by
 * disk(2), holes filled with a 20×20 structuring element, and the border is cut off again. The border
 * is what makes a tile that is all tissue (or all glass) come out whole instead of split in two.
 * Used as the denominator of histolab's CellularityScorer.
 */

const BORDER = 10;
const FILL_REACH = 20;

/** PIL's "L" conversion in integer arithmetic: (19595 R + 38470 G + 7471 B + 2¹⁵) >> 16. */
export function pilGrey(r: number, g: number, b: number): number {
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
}

/** The tissue mask of a packed-RGB tile, tile-sized, with its pixel count. */
export function histolabTissueMask(rgb: Uint8Array, width: number, height: number): { mask: Uint8Array; tissue: number } {
  const w = width + 2 * BORDER;
  const h = height + 2 * BORDER;
  const grey = new Uint8Array(w * h).fill(255);
  const histogram = new Float64Array(256);
  histogram[255] = w * h - width * height;
  for (let y = 0; y < height; y++) {
    for (let x = 0, p = y * width * 3, i = (y + BORDER) * w + BORDER; x < width; x++, p += 3, i++) {
      const v = pilGrey(rgb[p]!, rgb[p + 1]!, rgb[p + 2]!);
      grey[i] = v;
      histogram[v]!++;
    }
  }
  // skimage's threshold is the last level of Otsu's lower class, and histolab keeps pixels strictly below it.
  const threshold = otsuBin(histogram);
  const below = new Uint8Array(w * h);
  for (let i = 0; i < below.length; i++) below[i] = grey[i]! < threshold ? 1 : 0;
  const filled = fillHoles(dilateDisk2(below, w, h), w, h, FILL_REACH);
  const mask = new Uint8Array(width * height);
  let tissue = 0;
  for (let y = 0; y < height; y++) {
    const from = (y + BORDER) * w + BORDER;
    for (let x = 0; x < width; x++) {
      const v = filled[from + x]!;
      mask[y * width + x] = v;
      tissue += v;
    }
  }
  return { mask, tissue };
}
