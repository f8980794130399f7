import { toGrey } from './grey.ts';
import { laplacianVariance } from './laplacian.ts';
import { classifyPixels, PixelClass, type PixelClassOptions } from './pixel-classes.ts';

/**
 * Tile quality control: keep a tile only when it shows enough in-focus tissue that is not pen ink.
 * Background follows slideflow's grey and white filters (slide/wsi.py); ink is labelled by hue in
 * pixel-classes.ts; focus is the variance of the Laplacian over tissue pixels.
 *
 * Rules, in order (the first that fires is the reason):
 * 1. background: grey pixels ≥ maxGreyFraction (slideflow's default 60 %) or white ≥ maxWhiteFraction.
 * 2. pen: ink covers ≥ maxPenFraction of the tile. Stain vectors and nuclei counts are then mostly
 *    ink (histolab's nuclei score on its green-pen tile is 0.37, as high as its densest tumour tile).
 * 3. too little tissue once ink is removed: reported as pen when ink covers ≥ penBlameFraction
 *    (the ink is what made the tile look like tissue), otherwise no_tissue.
 * 4. blur: Laplacian variance over tissue below minLaplacianVariance.
 * A kept tile may carry some ink (e.g. a stroke's edge, or red blood cells, which look like red ink);
 * those pixels are left out of tissueFraction and reported in penFraction.
 */

export const TileQcReason = {
  OK: 'ok',
  BACKGROUND: 'background',
  NO_TISSUE: 'no_tissue',
  PEN: 'pen',
  BLUR: 'blur',
} as const;
export type TileQcReason = (typeof TileQcReason)[keyof typeof TileQcReason];

export interface TileQcOptions {
  pixelClasses?: PixelClassOptions;
  /** Reject as background when at least this share of pixels is grey (slideflow: 0.6). */
  maxGreyFraction?: number;
  /** Reject as background when at least this share of pixels is white (slideflow leaves this off). */
  maxWhiteFraction?: number;
  /** Minimum share of the tile that is tissue, ink excluded (slideflow's grey filter implies ≥ 0.4). */
  minTissueFraction?: number;
  /** Reject as pen when at least this share of the tile is ink. */
  maxPenFraction?: number;
  /** Ink share above which a tile with too little tissue is blamed on the pen. */
  penBlameFraction?: number;
  /**
   * Minimum Laplacian variance (grey levels²) over tissue. On the fixtures, kept tissue tiles measure
   * 285–5,300 and the same tiles after a σ = 4 Gaussian blur 1–3; pen strokes, which lie above the
   * focal plane, measure 2–4. 50 leaves a wide margin on both sides.
   */
  minLaplacianVariance?: number;
}

export const TILE_QC_DEFAULTS = {
  maxGreyFraction: 0.6,
  maxWhiteFraction: 0.9,
  minTissueFraction: 0.4,
  maxPenFraction: 0.25,
  penBlameFraction: 0.05,
  minLaplacianVariance: 50,
} as const;

export interface TileQcMetrics {
  /** Share of the tile that is tissue, ink excluded. */
  tissueFraction: number;
  /** Share of the tile labelled as pen ink. */
  penFraction: number;
  /** Share of pixels with mean RGB > 230. */
  whiteFraction: number;
  /** Share of pixels with HSV saturation < 0.05. */
  greyFraction: number;
  /** Variance of the grey-level Laplacian over interior tissue pixels (0 without tissue). */
  laplacianVariance: number;
}

export interface TileQcResult {
  kept: boolean;
  reason: TileQcReason;
  metrics: TileQcMetrics;
}

/** Decides whether a tile is worth keeping and why not; see the module comment for the rules. */
export function assessTile(rgb: Uint8Array, width: number, height: number, options: TileQcOptions = {}): TileQcResult {
  const pixels = width * height;
  if (pixels <= 0 || rgb.length !== pixels * 3) {
    throw new RangeError(`assessTile: expected ${width}×${height}×3 = ${pixels * 3} bytes, got ${rgb.length}`);
  }
  const o = { ...TILE_QC_DEFAULTS, ...options };
  const labels = classifyPixels(rgb, pixels, o.pixelClasses);
  const focus = labels.tissue > 0 ? laplacianVariance(toGrey(rgb, pixels), width, height, labels.classes, PixelClass.TISSUE) : undefined;
  const metrics: TileQcMetrics = {
    tissueFraction: labels.tissue / pixels,
    penFraction: labels.pen / pixels,
    whiteFraction: labels.white / pixels,
    greyFraction: labels.grey / pixels,
    laplacianVariance: focus?.variance ?? 0,
  };

  let reason: TileQcReason = TileQcReason.OK;
  if (metrics.greyFraction >= o.maxGreyFraction || metrics.whiteFraction >= o.maxWhiteFraction) reason = TileQcReason.BACKGROUND;
  else if (metrics.penFraction >= o.maxPenFraction) reason = TileQcReason.PEN;
  else if (metrics.tissueFraction < o.minTissueFraction) {
    reason = metrics.penFraction >= o.penBlameFraction ? TileQcReason.PEN : TileQcReason.NO_TISSUE;
  } else if (metrics.laplacianVariance < o.minLaplacianVariance) reason = TileQcReason.BLUR;
  return { kept: reason === TileQcReason.OK, reason, metrics };
}
