import { measureCellularity } from './cellularity.ts';
import { stainTables, type StainTables } from './colour-deconvolution.ts';
import { componentSizes } from './connected-components.ts';
import { glcmStatistics } from './glcm.ts';
import { laplacianVariance } from './laplacian.ts';
import { otsuBin } from './otsu.ts';
import { classifyPixels, PixelClass, type PixelClassOptions } from './pixel-classes.ts';

/**
 * The built-in tile encoder: a fixed, model-free feature vector of stain, nuclei, texture and colour
 * statistics computed over the tile's tissue pixels (pixel-classes.ts; pen ink and glass excluded).
 *
 * - Stains: haematoxylin and eosin concentrations by Ruifrok & Johnston colour deconvolution with
 *   skimage's vectors (colour-deconvolution.ts).
 * - Nuclei: haematoxylin-positive tissue is H above Otsu's threshold on the tissue's H histogram, but
 *   never below `nucleiMinHaematoxylin`, because Otsu always splits, even a tile without nuclei
 *   (adipose, stroma). Nuclei are its 8-connected components of at least `nucleiMinArea` pixels.
 *   `nuclei_score` has the form of histolab's NucleiScorer, nuclei_fraction · tanh(tissue_fraction)
 *   (histolab scorer.py); histolab segments with Yen's threshold and a white top-hat instead.
 * - Cellularity: histolab's CellularityScorer itself (cellularity.ts), which reproduces its scores.
 * - Texture: Haralick GLCM statistics (glcm.ts), Laplacian variance (laplacian.ts), mean gradient.
 * - Colour: mean, standard deviation and skewness of R, G, B (Stricker & Orengo's colour moments, 1995).
 *
 * Sizes and densities are in pixels, so they depend on magnification: compare tiles at one µm/px.
 * Below `minTissueFraction` of tissue (dust, a glass edge) every feature but tissue_fraction is 0:
 * statistics of a few hundred stray pixels are noise. Bump TILE_FEATURES_VERSION whenever any value
 * can change.
 */

export const TILE_FEATURES_VERSION = 2;

export const TILE_FEATURE_NAMES = [
  'tissue_fraction',
  'haematoxylin_mean',
  'haematoxylin_std',
  'haematoxylin_p90',
  'eosin_mean',
  'eosin_std',
  'eosin_p90',
  'haematoxylin_share',
  'cellularity',
  'nuclei_fraction',
  'nuclei_score',
  'nuclei_density',
  'nuclei_mean_area',
  'nuclei_area_cv',
  'glcm_contrast',
  'glcm_homogeneity',
  'glcm_energy',
  'glcm_correlation',
  'glcm_entropy',
  'laplacian_variance',
  'gradient_mean',
  'red_mean',
  'green_mean',
  'blue_mean',
  'red_std',
  'green_std',
  'blue_std',
  'red_skewness',
  'green_skewness',
  'blue_skewness',
] as const;
export type TileFeatureName = (typeof TILE_FEATURE_NAMES)[number];

/** What each feature measures, for documentation and model cards. */
export const TILE_FEATURE_DESCRIPTIONS: Record<TileFeatureName, string> = {
  tissue_fraction: 'share of the tile that is tissue (pen ink and glass excluded)',
  haematoxylin_mean: 'mean haematoxylin concentration over tissue (skimage rgb2hed units)',
  haematoxylin_std: 'standard deviation of haematoxylin over tissue',
  haematoxylin_p90: '90th percentile of haematoxylin over tissue (histogram bin width 0.001)',
  eosin_mean: 'mean eosin concentration over tissue (skimage rgb2hed units)',
  eosin_std: 'standard deviation of eosin over tissue',
  eosin_p90: '90th percentile of eosin over tissue (histogram bin width 0.001)',
  haematoxylin_share: 'haematoxylin_mean / (haematoxylin_mean + eosin_mean)',
  cellularity: "histolab CellularityScorer: pixels below Yen's threshold on the haematoxylin rendering / histolab tissue-mask pixels",
  nuclei_fraction: 'pixels inside nuclei / all pixels of the tile (histolab N_t)',
  nuclei_score: 'nuclei_fraction · tanh(tissue_fraction) (histolab NucleiScorer form)',
  nuclei_density: 'nuclei per 10,000 tissue pixels',
  nuclei_mean_area: 'mean nucleus area in pixels',
  nuclei_area_cv: 'coefficient of variation of nucleus area',
  glcm_contrast: 'GLCM contrast, 16 grey levels, distance 1, four directions pooled',
  glcm_homogeneity: 'GLCM homogeneity Σ p/(1 + (i − j)²)',
  glcm_energy: 'GLCM energy √ASM',
  glcm_correlation: 'GLCM correlation',
  glcm_entropy: 'GLCM entropy in bits',
  laplacian_variance: 'variance of the grey-level Laplacian over tissue (focus)',
  gradient_mean: 'mean central-difference gradient magnitude over tissue, grey levels per pixel',
  red_mean: 'mean red over tissue, in [0, 1]',
  green_mean: 'mean green over tissue, in [0, 1]',
  blue_mean: 'mean blue over tissue, in [0, 1]',
  red_std: 'standard deviation of red over tissue, in [0, 1] units',
  green_std: 'standard deviation of green over tissue',
  blue_std: 'standard deviation of blue over tissue',
  red_skewness: 'skewness of red over tissue',
  green_skewness: 'skewness of green over tissue',
  blue_skewness: 'skewness of blue over tissue',
};

export interface TileFeatureOptions {
  pixelClasses?: PixelClassOptions;
  /** Smallest haematoxylin-positive component counted as a nucleus, in pixels. */
  nucleiMinArea?: number;
  /** Floor under the Otsu threshold on haematoxylin (skimage units). */
  nucleiMinHaematoxylin?: number;
  /** Grey levels of the co-occurrence matrix. */
  glcmLevels?: number;
  /** Share of tissue below which only tissue_fraction is reported. */
  minTissueFraction?: number;
}

export const TILE_FEATURE_DEFAULTS = {
  nucleiMinArea: 8,
  // Chosen on the histolab fixtures: the nuclei-score ranking is the same for floors 0.02 to 0.05.
  nucleiMinHaematoxylin: 0.03,
  glcmLevels: 16,
  minTissueFraction: 0.01,
} as const;

const STAIN_BINS = 500;
const STAIN_RANGE = 0.5;
const STAIN_BIN_WIDTH = STAIN_RANGE / STAIN_BINS;

const TABLES: StainTables = stainTables();

function binOf(v: number): number {
  const b = (v / STAIN_BIN_WIDTH) | 0;
  return b < STAIN_BINS ? b : STAIN_BINS - 1;
}

/** Upper edge of the histogram bin that holds the q-th quantile. */
function histogramQuantile(hist: Uint32Array, total: number, q: number): number {
  const target = q * total;
  let seen = 0;
  for (let b = 0; b < hist.length; b++) {
    seen += hist[b]!;
    if (seen >= target) return (b + 1) * STAIN_BIN_WIDTH;
  }
  return STAIN_RANGE;
}

/** Computes the TILE_FEATURE_NAMES vector of one tile (packed RGB); deterministic, no model. */
export function extractTileFeatures(rgb: Uint8Array, width: number, height: number, options: TileFeatureOptions = {}): Float32Array {
  const pixels = width * height;
  if (pixels <= 0 || rgb.length !== pixels * 3) {
    throw new RangeError(`extractTileFeatures: expected ${width}×${height}×3 = ${pixels * 3} bytes, got ${rgb.length}`);
  }
  const o = { ...TILE_FEATURE_DEFAULTS, ...options };
  const out = new Float32Array(TILE_FEATURE_NAMES.length);
  const labels = classifyPixels(rgb, pixels, o.pixelClasses);
  const classes = labels.classes;
  const tissue = labels.tissue;
  const tissueFraction = tissue / pixels;
  out[TILE_FEATURE_NAMES.indexOf('tissue_fraction')] = tissueFraction;
  if (tissue === 0 || tissueFraction < o.minTissueFraction) return out;

  // One pass: grey for every pixel (texture needs neighbours), stains and moments for tissue only.
  const { h: th, e: te } = TABLES;
  const grey = new Float32Array(pixels);
  const h = new Float32Array(pixels);
  const hHist = new Uint32Array(STAIN_BINS);
  const eHist = new Uint32Array(STAIN_BINS);
  let hSum = 0;
  let hSq = 0;
  let eSum = 0;
  let eSq = 0;
  // Σx, Σx², Σx³ of each channel in bytes; exact in float64 up to 2^53 / 255³ ≈ 5.5·10⁸ pixels.
  let r1 = 0;
  let r2 = 0;
  let r3 = 0;
  let g1 = 0;
  let g2 = 0;
  let g3 = 0;
  let b1 = 0;
  let b2 = 0;
  let b3 = 0;
  for (let i = 0, p = 0; i < pixels; i++, p += 3) {
    const r = rgb[p]!;
    const g = rgb[p + 1]!;
    const b = rgb[p + 2]!;
    grey[i] = 0.299 * r + 0.587 * g + 0.114 * b;
    if (classes[i] !== PixelClass.TISSUE) continue;
    const hRaw = th[r]! + th[256 + g]! + th[512 + b]!;
    const eRaw = te[r]! + te[256 + g]! + te[512 + b]!;
    const hv = hRaw > 0 ? hRaw : 0;
    const ev = eRaw > 0 ? eRaw : 0;
    h[i] = hv;
    hHist[binOf(hv)]!++;
    eHist[binOf(ev)]!++;
    hSum += hv;
    hSq += hv * hv;
    eSum += ev;
    eSq += ev * ev;
    r1 += r;
    r2 += r * r;
    r3 += r * r * r;
    g1 += g;
    g2 += g * g;
    g3 += g * g * g;
    b1 += b;
    b2 += b * b;
    b3 += b * b * b;
  }
  const hMean = hSum / tissue;
  const eMean = eSum / tissue;

  // Haematoxylin-positive tissue, then its components.
  const split = otsuBin(hHist);
  const threshold = Math.max(split < 0 ? Infinity : (split + 1) * STAIN_BIN_WIDTH, o.nucleiMinHaematoxylin);
  const positive = new Uint8Array(pixels);
  let positiveCount = 0;
  for (let i = 0; i < pixels; i++) {
    if (classes[i] === PixelClass.TISSUE && h[i]! > threshold) {
      positive[i] = 1;
      positiveCount++;
    }
  }
  let nuclei = 0;
  let nucleiArea = 0;
  let nucleiAreaSq = 0;
  if (positiveCount > 0) {
    for (const size of componentSizes(positive, width, height)) {
      if (size < o.nucleiMinArea) continue;
      nuclei++;
      nucleiArea += size;
      nucleiAreaSq += size * size;
    }
  }
  const meanArea = nuclei > 0 ? nucleiArea / nuclei : 0;
  const areaSd = nuclei > 0 ? Math.sqrt(Math.max(0, nucleiAreaSq / nuclei - meanArea * meanArea)) : 0;
  const nucleiFraction = nucleiArea / pixels;

  // Texture over tissue.
  const glcm = glcmStatistics(grey, width, height, classes, PixelClass.TISSUE, o.glcmLevels);
  const focus = laplacianVariance(grey, width, height, classes, PixelClass.TISSUE);
  let gradient = 0;
  let gradientCount = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1, i = y * width + 1; x < width - 1; x++, i++) {
      if (classes[i] !== PixelClass.TISSUE) continue;
      const gx = (grey[i + 1]! - grey[i - 1]!) / 2;
      const gy = (grey[i + width]! - grey[i - width]!) / 2;
      gradient += Math.sqrt(gx * gx + gy * gy);
      gradientCount++;
    }
  }

  const values: Record<TileFeatureName, number> = {
    tissue_fraction: tissueFraction,
    haematoxylin_mean: hMean,
    haematoxylin_std: Math.sqrt(Math.max(0, hSq / tissue - hMean * hMean)),
    haematoxylin_p90: histogramQuantile(hHist, tissue, 0.9),
    eosin_mean: eMean,
    eosin_std: Math.sqrt(Math.max(0, eSq / tissue - eMean * eMean)),
    eosin_p90: histogramQuantile(eHist, tissue, 0.9),
    haematoxylin_share: hMean + eMean > 0 ? hMean / (hMean + eMean) : 0,
    cellularity: measureCellularity(rgb, width, height).ofTissue,
    nuclei_fraction: nucleiFraction,
    nuclei_score: nucleiFraction * Math.tanh(tissueFraction),
    nuclei_density: (nuclei / tissue) * 10_000,
    nuclei_mean_area: meanArea,
    nuclei_area_cv: meanArea > 0 ? areaSd / meanArea : 0,
    glcm_contrast: glcm.contrast,
    glcm_homogeneity: glcm.homogeneity,
    glcm_energy: glcm.energy,
    glcm_correlation: glcm.correlation,
    glcm_entropy: glcm.entropy,
    laplacian_variance: focus.variance,
    gradient_mean: gradientCount > 0 ? gradient / gradientCount : 0,
    red_mean: 0,
    green_mean: 0,
    blue_mean: 0,
    red_std: 0,
    green_std: 0,
    blue_std: 0,
    red_skewness: 0,
    green_skewness: 0,
    blue_skewness: 0,
  };
  const sums = { red: [r1, r2, r3], green: [g1, g2, g3], blue: [b1, b2, b3] } as const;
  for (const name of ['red', 'green', 'blue'] as const) {
    const [s1, s2, s3] = sums[name];
    const m1 = s1 / tissue / 255;
    const m2 = s2 / tissue / 255 ** 2;
    const m3 = s3 / tissue / 255 ** 3;
    const variance = Math.max(0, m2 - m1 * m1);
    const sd = Math.sqrt(variance);
    // Third central moment from raw moments: E[x³] − 3μE[x²] + 2μ³.
    const central3 = m3 - 3 * m1 * m2 + 2 * m1 * m1 * m1;
    values[`${name}_mean`] = m1;
    values[`${name}_std`] = sd;
    values[`${name}_skewness`] = sd > 1e-6 ? central3 / (variance * sd) : 0;
  }
  TILE_FEATURE_NAMES.forEach((name, k) => {
    out[k] = values[name];
  });
  return out;
}
