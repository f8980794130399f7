import sharp from 'sharp';
import { TILE_SIGNAL } from './outcome-model.ts';
import type { PatientBiology } from './patient.ts';
import type { SiteProfile } from './profiles.ts';
import { Rng } from '../random/rng.ts';

/**
 * Synthetic H&E-like tiles. Each tile is painted as two stain-concentration maps (hematoxylin
 * and eosin) and turned into RGB with the Beer-Lambert law, I = I0 · exp(−(cH·vH + cE·vE)), with
 * the site's own stain vectors and strengths: the colour model Macenko normalisation inverts.
 * Morphology follows the patient's hidden latents (lymphocytes, lumens, nuclear size, mucin),
 * so mutation status changes tile statistics weakly and noisily.
 */

export const TILE_SIZE = 256;
const N = TILE_SIZE * TILE_SIZE;

/** Baseline gland (lumen) count per tile by cancer type. */
const GLANDS = { colorectal: 2.2, lung: 1.4, breast: 0.9 } as const;

interface Canvas {
  h: Float32Array;
  e: Float32Array;
}

/** Smooth value noise in [0, 1] over a `size`² field: a coarse random grid, bilinearly interpolated. */
function valueNoise(rng: Rng, size: number, cells: number): Float32Array {
  const g = cells + 1;
  const grid = new Float32Array(g * g);
  for (let i = 0; i < grid.length; i++) grid[i] = rng.next();
  const out = new Float32Array(size * size);
  const scale = cells / size;
  for (let y = 0; y < size; y++) {
    const fy = y * scale;
    const y0 = Math.floor(fy);
    const ty = fy - y0;
    for (let x = 0; x < size; x++) {
      const fx = x * scale;
      const x0 = Math.floor(fx);
      const tx = fx - x0;
      const a = grid[y0 * g + x0] as number;
      const b = grid[y0 * g + x0 + 1] as number;
      const c = grid[(y0 + 1) * g + x0] as number;
      const d = grid[(y0 + 1) * g + x0 + 1] as number;
      out[y * size + x] = (a * (1 - tx) + b * tx) * (1 - ty) + (c * (1 - tx) + d * tx) * ty;
    }
  }
  return out;
}

/**
 * Stroma texture shared by all tiles (a fixed field, so it is the same in every run): each tile
 * reads a window at its own offset, which costs a copy instead of two noise fields per tile.
 */
const TEXTURE_SIZE = 1024;
let stromaTexture: { coarse: Float32Array; fine: Float32Array } | undefined;
function texture(): { coarse: Float32Array; fine: Float32Array } {
  if (!stromaTexture) {
    const rng = new Rng(20261123, 'stroma-texture');
    stromaTexture = { coarse: valueNoise(rng, TEXTURE_SIZE, 24), fine: valueNoise(rng, TEXTURE_SIZE, 160) };
  }
  return stromaTexture;
}

interface Ellipse {
  cx: number;
  cy: number;
  a: number;
  b: number;
  angle: number;
}

/**
 * The pixel box an ellipse covers (clipped to the tile) and the coefficients that map a pixel offset
 * (dx, dy) from the centre to ellipse coordinates: u = dx·ua + dy·ub, v = dy·vb − dx·va, inside when u² + v² ≤ 1.
 */
function ellipseScan({ cx, cy, a, b, angle }: Ellipse) {
  const r = Math.ceil(Math.max(a, b));
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  return {
    x0: Math.max(0, Math.floor(cx - r)),
    x1: Math.min(TILE_SIZE - 1, Math.ceil(cx + r)),
    y0: Math.max(0, Math.floor(cy - r)),
    y1: Math.min(TILE_SIZE - 1, Math.ceil(cy + r)),
    ua: cos / a,
    ub: sin / a,
    va: sin / b,
    vb: cos / b,
  };
}

/** Calls `paint(index, depth)` for every pixel inside the ellipse; depth is 1 at the centre, 0 at the rim. */
function fillEllipse(shape: Ellipse, paint: (i: number, depth: number) => void): void {
  const { x0, x1, y0, y1, ua, ub, va, vb } = ellipseScan(shape);
  for (let y = y0; y <= y1; y++) {
    const dy = y - shape.cy;
    for (let x = x0; x <= x1; x++) {
      const dx = x - shape.cx;
      const u = dx * ua + dy * ub;
      const v = dy * vb - dx * va;
      const q = u * u + v * v;
      if (q <= 1) paint(y * TILE_SIZE + x, 1 - q);
    }
  }
}

/** A table of uniform noise in [-0.5, 0.5) read at a moving offset: per-pixel grain without a draw per pixel. */
class Grain {
  private readonly table = new Float32Array(4099);
  private at = 0;
  constructor(rng: Rng) {
    for (let i = 0; i < this.table.length; i++) this.table[i] = rng.next() - 0.5;
    this.at = rng.int(0, this.table.length - 1);
  }
  next(): number {
    this.at = this.at === this.table.length - 1 ? 0 : this.at + 1;
    return this.table[this.at] as number;
  }
}

/**
 * Paints a nucleus: hematoxylin rising towards the centre with chromatin grain, eosin halved beneath
 * it. The scan is written out rather than passed a callback: nuclei are most of the painting time.
 */
function nucleus(c: Canvas, shape: Ellipse, density: number, grain: Grain): void {
  const amount = 0.12 * density;
  const { h: H, e: E } = c;
  const { x0, x1, y0, y1, ua, ub, va, vb } = ellipseScan(shape);
  for (let y = y0; y <= y1; y++) {
    const dy = y - shape.cy;
    for (let x = x0; x <= x1; x++) {
      const dx = x - shape.cx;
      const u = dx * ua + dy * ub;
      const v = dy * vb - dx * va;
      const q = u * u + v * v;
      if (q > 1) continue;
      const i = y * TILE_SIZE + x;
      const value = density * (0.8 + 0.25 * Math.sqrt(1 - q)) + amount * grain.next();
      if (value > H[i]!) H[i] = value;
      E[i] = E[i]! * 0.5;
    }
  }
}

export interface TileParams {
  cellularity: number;
  tilDensity: number;
  glandLumen: number;
  nuclearSize: number;
  mucin: number;
}

/** One tile's morphology: the patient's latents, tile-to-tile variation, and whether the tile is a TIL-rich focus. */
export function tileParams(p: Pick<PatientBiology, 'morphology'>, rng: Rng): TileParams {
  const sd = TILE_SIGNAL.tileNoiseSd;
  const m = p.morphology;
  const hot = rng.next() < m.tilHotShare ? TILE_SIGNAL.tilDensity.hotShift : 0;
  return {
    cellularity: m.cellularity + rng.normal(0, sd),
    tilDensity: m.tilDensity + hot + rng.normal(0, sd),
    glandLumen: m.glandLumen + rng.normal(0, sd),
    nuclearSize: m.nuclearSize + rng.normal(0, sd),
    mucin: m.mucin + rng.normal(0, sd),
  };
}

/** Paints the stain-concentration maps of one tile. */
export function paintTile(cancer: PatientBiology['cancer'], t: TileParams, rng: Rng, into?: Canvas): Canvas {
  // every pixel is written by the stroma pass below, so a canvas can be reused without clearing
  const c: Canvas = into ?? { h: new Float32Array(N), e: new Float32Array(N) };
  const grain = new Grain(rng);
  const { coarse, fine } = texture();
  const ox = rng.int(0, TEXTURE_SIZE - TILE_SIZE);
  const oy = rng.int(0, TEXTURE_SIZE - TILE_SIZE);
  const stroma = rng.uniform(0.25, 0.4);
  for (let y = 0, i = 0; y < TILE_SIZE; y++) {
    const row = (oy + y) * TEXTURE_SIZE + ox;
    for (let x = 0; x < TILE_SIZE; x++, i++) {
      const f = fine[row + x] as number;
      c.e[i] = stroma + 0.35 * (coarse[row + x] as number) + 0.16 * f;
      c.h[i] = 0.03 + 0.05 * f;
    }
  }
  // tumour nuclei, scattered (sheets)
  const tumourNuclei = Math.round(110 * Math.exp(0.3 * t.cellularity));
  const radius = Math.min(9, Math.max(2.8, 4.6 + 0.85 * t.nuclearSize));
  for (let k = 0; k < tumourNuclei; k++) {
    const r = Math.max(2.2, rng.normal(radius, 0.7));
    const shape = { cx: rng.uniform(0, TILE_SIZE), cy: rng.uniform(0, TILE_SIZE), a: r * rng.uniform(1, 1.5), b: r, angle: rng.uniform(0, Math.PI) };
    nucleus(c, shape, Math.max(0.45, rng.normal(1.0 - 0.09 * t.nuclearSize, 0.1)), grain);
  }
  // mucin pools: pale, faintly basophilic, few nuclei
  const pools = rng.poisson(0.35 * Math.exp(0.75 * t.mucin));
  for (let k = 0; k < pools; k++) {
    const a = rng.uniform(18, 48);
    fillEllipse({ cx: rng.uniform(0, TILE_SIZE), cy: rng.uniform(0, TILE_SIZE), a, b: a * rng.uniform(0.5, 0.9), angle: rng.uniform(0, Math.PI) }, (i) => {
      c.h[i] = 0.185 + 0.05 * grain.next();
      c.e[i] = 0.05;
    });
  }
  // glands: white lumens lined by elongated epithelial nuclei
  const glands = rng.poisson(GLANDS[cancer] * Math.exp(0.55 * t.glandLumen));
  for (let k = 0; k < glands; k++) {
    const a = rng.uniform(10, 28);
    const b = a * rng.uniform(0.55, 1);
    const g = { cx: rng.uniform(0, TILE_SIZE), cy: rng.uniform(0, TILE_SIZE), a, b, angle: rng.uniform(0, Math.PI) };
    fillEllipse(g, (i) => {
      c.h[i] = 0.01;
      c.e[i] = 0.02;
    });
    const lining = Math.round((2 * Math.PI * Math.sqrt((a * a + b * b) / 2)) / 7);
    for (let j = 0; j < lining; j++) {
      const phi = (2 * Math.PI * j) / lining;
      const ex = a * 1.12 * Math.cos(phi);
      const ey = b * 1.12 * Math.sin(phi);
      const cx = g.cx + ex * Math.cos(g.angle) - ey * Math.sin(g.angle);
      const cy = g.cy + ex * Math.sin(g.angle) + ey * Math.cos(g.angle);
      nucleus(c, { cx, cy, a: radius * 0.55, b: radius * 1.2, angle: g.angle + phi }, rng.normal(1.05, 0.08), grain);
    }
  }
  // lymphocytes: small, round, very dense
  const lymphocytes = rng.poisson(16 * Math.exp(0.6 * t.tilDensity));
  for (let k = 0; k < lymphocytes; k++) {
    const r = rng.uniform(2.2, 3.2);
    nucleus(c, { cx: rng.uniform(0, TILE_SIZE), cy: rng.uniform(0, TILE_SIZE), a: r, b: r * rng.uniform(0.85, 1), angle: 0 }, rng.uniform(1.45, 1.75), grain);
  }
  return c;
}

function unit(v: readonly [number, number, number]): [number, number, number] {
  const n = Math.hypot(v[0], v[1], v[2]) || 1;
  return [v[0] / n, v[1] / n, v[2] / n];
}

/** exp(−od) sampled every 1/512 of optical density up to 8: Beer-Lambert without a Math.exp per channel. */
const OD_STEPS = 512;
const EXP_TABLE = (() => {
  const t = new Float32Array(8 * OD_STEPS + 2);
  for (let i = 0; i < t.length; i++) t[i] = Math.exp(-i / OD_STEPS);
  return t;
})();
const OD_MAX_INDEX = EXP_TABLE.length - 1;

/** Beer-Lambert with the site's stain vectors: stain concentrations to 8-bit RGB. */
export function toRgb(c: Canvas, stain: SiteProfile['stain']): Buffer {
  const hv = unit(stain.hematoxylin);
  const ev = unit(stain.eosin);
  const sh = stain.hematoxylinStrength * OD_STEPS;
  const se = stain.eosinStrength * OD_STEPS;
  const [hr, hg, hb] = hv;
  const [er, eg, eb] = ev;
  const i0 = 255 * stain.background;
  const out = Buffer.allocUnsafe(N * 3);
  const clamped = new Uint8ClampedArray(out.buffer, out.byteOffset, out.length);
  const { h: H, e: E } = c;
  const table = EXP_TABLE;
  for (let i = 0, o = 0; i < N; i++, o += 3) {
    const h = H[i]! * sh;
    const e = E[i]! * se;
    clamped[o] = i0 * table[Math.min(OD_MAX_INDEX, (h * hr + e * er) | 0)]!;
    clamped[o + 1] = i0 * table[Math.min(OD_MAX_INDEX, (h * hg + e * eg) | 0)]!;
    clamped[o + 2] = i0 * table[Math.min(OD_MAX_INDEX, (h * hb + e * eb) | 0)]!;
  }
  return out;
}

let scratch: Canvas | undefined;

/** Renders one tile as a sharp PNG pipeline, ready for `toFile` or `toBuffer`. */
export function renderTilePng(p: Pick<PatientBiology, 'cancer' | 'morphology'>, stain: SiteProfile['stain'], rng: Rng): ReturnType<typeof sharp> {
  const params = tileParams(p, rng);
  scratch ??= { h: new Float32Array(N), e: new Float32Array(N) };
  // painting and colour conversion run synchronously, so one scratch canvas serves every tile
  const rgb = toRgb(paintTile(p.cancer, params, rng, scratch), stain);
  return sharp(rgb, { raw: { width: TILE_SIZE, height: TILE_SIZE, channels: 3 } }).png({ compressionLevel: 1, adaptiveFiltering: false });
}
