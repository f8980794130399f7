import { RGB_FROM_HED, stainTables, type StainTables } from './colour-deconvolution.ts';
import { histolabTissueMask, pilGrey } from './tissue-mask.ts';
import { yenThreshold } from './yen.ts';

/**
 * histolab's CellularityScorer (scorer.py at 202a8bc): the haematoxylin channel is rendered alone
 * (skimage rgb2hed, then hed2rgb of (H, 0, 0), as bytes), turned grey with PIL, and the pixels below
 * Yen's threshold are the nuclei; cellularity is their number over the tile's tissue mask
 * (tissue-mask.ts), or over the whole tile when tissue is not considered. On histolab's fixtures this
 * reproduces its golden scores to about 10⁻³ (tests/pathology/cellularity.test.ts).
 */

const LOG_ADJUST = Math.log(1e-6);
const TABLES: StainTables = stainTables();

/** The grey level of a pixel whose only stain is haematoxylin concentration `h` (skimage units). */
function haematoxylinGrey(h: number): number {
  const [cr, cg, cb] = [0, 1, 2].map((c) => Math.round(255 * Math.min(1, Math.exp(h * LOG_ADJUST * RGB_FROM_HED[0][c]!))));
  return pilGrey(cr!, cg!, cb!);
}

/**
 * The rendered grey level falls (weakly) as H rises, so it is a step function of H: level ℓ holds
 * H in [edges[ℓ + 1], edges[ℓ]). The edges are found once by bisection on H, and each pixel then
 * needs a binary search instead of three exponentials.
 */
function levelEdges(): Float64Array {
  const edges = new Float64Array(257);
  edges[256] = -Infinity;
  edges[0] = Infinity;
  for (let level = 1; level <= 255; level++) {
    // smallest H whose grey is below `level`
    let lo = 0;
    let hi = 8;
    if (haematoxylinGrey(lo) < level) {
      edges[level] = -Infinity;
      continue;
    }
    if (haematoxylinGrey(hi) >= level) {
      edges[level] = Infinity;
      continue;
    }
    for (let k = 0; k < 200 && hi - lo > 0; k++) {
      const mid = lo + (hi - lo) / 2;
      if (mid === lo || mid === hi) break;
      if (haematoxylinGrey(mid) < level) hi = mid;
      else lo = mid;
    }
    edges[level] = hi;
  }
  return edges;
}

const EDGES = levelEdges();

/** Grey level of the haematoxylin-only rendering of concentration `h`, by binary search over the edges. */
function levelOf(h: number): number {
  // grey ≥ ℓ ⇔ h < edges[ℓ], and the edges fall as ℓ rises: find the largest ℓ with h < edges[ℓ].
  let lo = 0;
  let hi = 255;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (h < EDGES[mid]!) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * A uniform grid over H up to the last edge: a cell whose two ends have the same level holds no edge
 * and answers at once; the few cells that straddle an edge (255 edges, 8192 cells) fall back to the search.
 */
const GRID_CELLS = 8192;
const GRID_TOP = EDGES[1]!;
const GRID_SCALE = GRID_CELLS / GRID_TOP;
const GRID_LEVEL = new Int16Array(GRID_CELLS);
for (let c = 0; c < GRID_CELLS; c++) {
  const first = levelOf(c / GRID_SCALE);
  GRID_LEVEL[c] = first === levelOf((c + 1) / GRID_SCALE) ? first : -1;
}

function levelFast(h: number): number {
  if (h >= GRID_TOP) return 0;
  const known = GRID_LEVEL[(h * GRID_SCALE) | 0]!;
  return known >= 0 ? known : levelOf(h);
}

export interface Cellularity {
  /** pixels below Yen's threshold on the haematoxylin rendering */
  nucleiPixels: number;
  /** pixels of histolab's tissue mask */
  tissuePixels: number;
  /** nucleiPixels / tissuePixels (CellularityScorer(consider_tissue=True)); 0 without tissue */
  ofTissue: number;
  /** nucleiPixels / all pixels (CellularityScorer(consider_tissue=False)) */
  ofTile: number;
}

/** histolab's CellularityScorer on packed RGB. */
export function measureCellularity(rgb: Uint8Array, width: number, height: number): Cellularity {
  const pixels = width * height;
  const levels = new Uint8Array(pixels);
  const histogram = new Float64Array(256);
  const { h: th } = TABLES;
  for (let i = 0, p = 0; i < pixels; i++, p += 3) {
    const raw = th[rgb[p]!]! + th[256 + rgb[p + 1]!]! + th[512 + rgb[p + 2]!]!;
    const level = levelFast(raw > 0 ? raw : 0);
    levels[i] = level;
    histogram[level]!++;
  }
  const threshold = yenThreshold(histogram);
  let nucleiPixels = 0;
  for (let i = 0; i < pixels; i++) if (levels[i]! < threshold) nucleiPixels++;
  const { tissue } = histolabTissueMask(rgb, width, height);
  return { nucleiPixels, tissuePixels: tissue, ofTissue: tissue > 0 ? nucleiPixels / tissue : 0, ofTile: nucleiPixels / pixels };
}
