import { invert3 } from './matrix3.ts';

/**
 * Colour deconvolution (Ruifrok & Johnston, "Quantification of histochemical staining by color
 * deconvolution", Anal Quant Cytol Histol 2001) with scikit-image's stain vectors and its
 * `separate_stains` arithmetic (skimage/color/colorconv.py): rgb = max(byte/255, 1e−6);
 * stains = (ln rgb / ln 1e−6) · hed_from_rgb, clipped at 0. The unusual ln 1e−6 scale keeps the
 * numbers comparable with histolab's scorers, which call skimage.
 */

/** skimage rgb_from_hed: rows are the RGB optical-density vectors of haematoxylin, eosin and DAB. */
export const RGB_FROM_HED = [
  [0.65, 0.7, 0.29],
  [0.07, 0.99, 0.11],
  [0.27, 0.57, 0.78],
] as const;

/** skimage hed_from_rgb = inv(rgb_from_hed); stains = od_row · hed_from_rgb. */
export const HED_FROM_RGB = invert3(RGB_FROM_HED);

/**
 * Per-byte contribution of each RGB channel to the H and E concentrations, so that
 * H = h[r] + h[256 + g] + h[512 + b] needs no logarithm per pixel.
 */
export interface StainTables {
  h: Float64Array;
  e: Float64Array;
}

/** Builds the lookup tables behind haematoxylin and eosin concentrations (skimage units). */
export function stainTables(): StainTables {
  const h = new Float64Array(768);
  const e = new Float64Array(768);
  const logAdjust = Math.log(1e-6);
  for (let c = 0; c < 3; c++) {
    for (let v = 0; v < 256; v++) {
      const od = Math.log(Math.max(v / 255, 1e-6)) / logAdjust;
      h[c * 256 + v] = od * HED_FROM_RGB[c]![0]!;
      e[c * 256 + v] = od * HED_FROM_RGB[c]![1]!;
    }
  }
  return { h, e };
}

/** Haematoxylin and eosin concentration of every pixel of packed RGB, as skimage rgb2hed computes them. */
export function separateHaematoxylinEosin(rgb: Uint8Array, tables: StainTables = stainTables()): { h: Float32Array; e: Float32Array } {
  const n = rgb.length / 3;
  const h = new Float32Array(n);
  const e = new Float32Array(n);
  const { h: th, e: te } = tables;
  for (let i = 0, p = 0; i < n; i++, p += 3) {
    const r = rgb[p]!;
    const g = 256 + rgb[p + 1]!;
    const b = 512 + rgb[p + 2]!;
    const hv = th[r]! + th[g]! + th[b]!;
    const ev = te[r]! + te[g]! + te[b]!;
    h[i] = hv > 0 ? hv : 0;
    e[i] = ev > 0 ? ev : 0;
  }
  return { h, e };
}
