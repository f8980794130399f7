import { percentileInPlace } from './percentile.ts';
import { eigenSymmetric3 } from './symmetric-eigen.ts';

/**
 * Macenko stain normalisation (Macenko et al., "A method for normalizing histology slides for
 * quantitative analysis", ISBI 2009), step for step as the reference implementation
 * schaugf/HEnorm_python normalizeStaining.py (commit 269253f), which torchstain also ports:
 *
 *   OD = −ln((I + 1) / Io); keep pixels with OD ≥ β in every channel; eigenvectors of their covariance
 *   (np.cov, ddof 1); angle φ of each kept pixel in the plane of the two largest; the α and 100 − α
 *   percentiles of φ give two stain vectors, the one with the larger red OD is haematoxylin;
 *   concentrations C = lstsq(HE, OD) over all pixels; maxC = 99th percentile per stain; C is rescaled
 *   to the reference maxC and recoloured with the reference matrix, Io·exp(−HERef·C).
 *
 * Outputs keep the reference's integer conversion: values above 255 become 254 and the rest are
 * truncated, not rounded (`np.uint8`), so the golden images in tests/fixtures/tiles/henorm reproduce.
 */

/** A 3×2 stain matrix: rows R, G, B optical density; columns haematoxylin, eosin. */
export type StainMatrix = readonly [readonly [number, number], readonly [number, number], readonly [number, number]];

export interface StainReference {
  he: StainMatrix;
  /** 99th-percentile concentration of each stain. */
  maxC: readonly [number, number];
}

/** HEnorm_python's HERef and maxCRef. */
export const MACENKO_REFERENCE: StainReference = {
  he: [
    [0.5626, 0.2159],
    [0.7201, 0.8012],
    [0.4062, 0.5581],
  ],
  maxC: [1.9705, 1.0308],
};

export const MACENKO_DEFAULTS = {
  /** Transmitted light intensity. */
  io: 240,
  /** Percentile (and 100 − alpha) of the stain angle that picks the two extreme stain vectors. */
  alpha: 1,
  /** Optical-density floor: pixels below it in any channel are glass and do not shape the stain plane. */
  beta: 0.15,
  /** Fewer stained pixels than this and the covariance is noise; the reference has no floor. */
  minStainPixels: 100,
} as const;

export interface MacenkoOptions {
  io?: number;
  alpha?: number;
  beta?: number;
  minStainPixels?: number;
  /** Stain matrix and maxC to normalise towards (default MACENKO_REFERENCE). */
  reference?: StainReference;
  /** Also render the haematoxylin-only and eosin-only images. */
  stainImages?: boolean;
}

export const StainErrorCode = {
  /** Too few pixels pass the OD ≥ β cut (a blank or faint tile): normalising it would amplify noise. */
  TOO_FEW_STAIN_PIXELS: 'TOO_FEW_STAIN_PIXELS',
  /** The two stain vectors coincide or a stain is absent, so concentrations cannot be separated. */
  DEGENERATE_STAINS: 'DEGENERATE_STAINS',
} as const;
export type StainErrorCode = (typeof StainErrorCode)[keyof typeof StainErrorCode];

/** A tile whose stains cannot be estimated; callers usually skip the tile or keep its colours. */
export class StainError extends Error {
  readonly code: StainErrorCode;
  constructor(code: StainErrorCode, message: string) {
    super(message);
    this.name = 'StainError';
    this.code = code;
  }
}

export interface StainEstimate extends StainReference {
  he: StainMatrix;
  maxC: [number, number];
  /** Pixels that passed the OD ≥ β cut and shaped the stain plane. */
  stainPixels: number;
}

export interface MacenkoResult extends StainEstimate {
  /** Normalised image, packed RGB like the input. */
  rgb: Uint8Array;
  /** Haematoxylin-only rendering, when `stainImages` is set. */
  h?: Uint8Array;
  /** Eosin-only rendering, when `stainImages` is set. */
  e?: Uint8Array;
}

interface Fit extends StainEstimate {
  /** rows of the least-squares solver: concentration = p · OD */
  p0: number[];
  p1: number[];
}

function odTable(io: number): Float64Array {
  const od = new Float64Array(256);
  for (let v = 0; v < 256; v++) od[v] = -Math.log((v + 1) / io);
  return od;
}

/**
 * LAPACK leaves eigenvector signs open. The result does not depend on them (φ is measured from the
 * dominant eigenvector, whose projection keeps one sign over stained pixels, and flipping either axis
 * only mirrors φ), but the last bits of φ's percentiles do. So the signs are set as numpy's eigh
 * returned them on the reference image: largest-magnitude component negative.
 */
function orient(v: number[]): number[] {
  let big = 0;
  for (let k = 1; k < 3; k++) if (Math.abs(v[k]!) > Math.abs(v[big]!)) big = k;
  return v[big]! > 0 ? v.map((x) => -x) : v;
}

function fitStains(rgb: Uint8Array, options: MacenkoOptions): Fit {
  const { io, alpha, beta, minStainPixels } = { ...MACENKO_DEFAULTS, ...options };
  if (rgb.length % 3 !== 0) throw new RangeError(`Macenko: ${rgb.length} bytes is not packed RGB`);
  const n = rgb.length / 3;
  const od = odTable(io);
  const stained = new Uint8Array(256);
  for (let v = 0; v < 256; v++) stained[v] = od[v]! >= beta ? 1 : 0;

  let m = 0;
  let sr = 0;
  let sg = 0;
  let sb = 0;
  for (let p = 0; p < rgb.length; p += 3) {
    const r = rgb[p]!;
    const g = rgb[p + 1]!;
    const b = rgb[p + 2]!;
    if (!(stained[r]! & stained[g]! & stained[b]!)) continue;
    m++;
    sr += od[r]!;
    sg += od[g]!;
    sb += od[b]!;
  }
  if (m < Math.max(2, minStainPixels)) {
    throw new StainError('TOO_FEW_STAIN_PIXELS', `only ${m} pixels have OD ≥ ${beta} in every channel (minimum ${minStainPixels})`);
  }
  const mr = sr / m;
  const mg = sg / m;
  const mb = sb / m;
  let crr = 0;
  let crg = 0;
  let crb = 0;
  let cgg = 0;
  let cgb = 0;
  let cbb = 0;
  for (let p = 0; p < rgb.length; p += 3) {
    const r = rgb[p]!;
    const g = rgb[p + 1]!;
    const b = rgb[p + 2]!;
    if (!(stained[r]! & stained[g]! & stained[b]!)) continue;
    const dr = od[r]! - mr;
    const dg = od[g]! - mg;
    const db = od[b]! - mb;
    crr += dr * dr;
    crg += dr * dg;
    crb += dr * db;
    cgg += dg * dg;
    cgb += dg * db;
    cbb += db * db;
  }
  const d = m - 1;
  const { vectors } = eigenSymmetric3([
    [crr / d, crg / d, crb / d],
    [crg / d, cgg / d, cgb / d],
    [crb / d, cgb / d, cbb / d],
  ]);
  const e1 = orient(vectors[1]);
  const e2 = orient(vectors[2]);

  const phi = new Float64Array(m);
  for (let p = 0, k = 0; p < rgb.length; p += 3) {
    const r = rgb[p]!;
    const g = rgb[p + 1]!;
    const b = rgb[p + 2]!;
    if (!(stained[r]! & stained[g]! & stained[b]!)) continue;
    const t1 = od[r]! * e1[0]! + od[g]! * e1[1]! + od[b]! * e1[2]!;
    const t2 = od[r]! * e2[0]! + od[g]! * e2[1]! + od[b]! * e2[2]!;
    phi[k++] = Math.atan2(t2, t1);
  }
  const minPhi = percentileInPlace(phi, alpha);
  const maxPhi = percentileInPlace(phi, 100 - alpha);
  const vMin = [0, 1, 2].map((c) => e1[c]! * Math.cos(minPhi) + e2[c]! * Math.sin(minPhi));
  const vMax = [0, 1, 2].map((c) => e1[c]! * Math.cos(maxPhi) + e2[c]! * Math.sin(maxPhi));
  // Haematoxylin absorbs more red than eosin does, so the vector with the larger red OD is H.
  const [h, e] = vMin[0]! > vMax[0]! ? [vMin, vMax] : [vMax, vMin];
  const he: StainMatrix = [
    [h[0]!, e[0]!],
    [h[1]!, e[1]!],
    [h[2]!, e[2]!],
  ];

  // Least squares through the normal equations: HE has two columns, so (HEᵀHE)⁻¹HEᵀ is a 2×3 matrix.
  const g00 = h[0]! * h[0]! + h[1]! * h[1]! + h[2]! * h[2]!;
  const g01 = h[0]! * e[0]! + h[1]! * e[1]! + h[2]! * e[2]!;
  const g11 = e[0]! * e[0]! + e[1]! * e[1]! + e[2]! * e[2]!;
  const det = g00 * g11 - g01 * g01;
  if (!(det > 1e-12 * g00 * g11)) {
    throw new StainError('DEGENERATE_STAINS', 'the two stain vectors are parallel');
  }
  const p0 = [0, 1, 2].map((c) => (g11 * h[c]! - g01 * e[c]!) / det);
  const p1 = [0, 1, 2].map((c) => (g00 * e[c]! - g01 * h[c]!) / det);
  const c0 = new Float64Array(n);
  const c1 = new Float64Array(n);
  for (let i = 0, p = 0; i < n; i++, p += 3) {
    const odr = od[rgb[p]!]!;
    const odg = od[rgb[p + 1]!]!;
    const odb = od[rgb[p + 2]!]!;
    c0[i] = p0[0]! * odr + p0[1]! * odg + p0[2]! * odb;
    c1[i] = p1[0]! * odr + p1[1]! * odg + p1[2]! * odb;
  }
  const maxC0 = percentileInPlace(c0, 99);
  const maxC1 = percentileInPlace(c1, 99);
  if (!(maxC0 > 0 && maxC1 > 0)) {
    throw new StainError('DEGENERATE_STAINS', `a stain is absent (99th-percentile concentrations ${maxC0}, ${maxC1})`);
  }
  return { he, maxC: [maxC0, maxC1], stainPixels: m, p0, p1 };
}

/** Estimates a tile's H&E stain matrix and 99th-percentile concentrations (Macenko 2009); throws StainError. */
export function estimateStains(rgb: Uint8Array, options: MacenkoOptions = {}): StainEstimate {
  const { he, maxC, stainPixels } = fitStains(rgb, options);
  return { he, maxC, stainPixels };
}

/** The reference's float-to-byte step: above 255 becomes 254, everything else is truncated. */
function toByte(x: number): number {
  return x > 255 ? 254 : x | 0;
}

/** Normalises packed RGB to the reference stains exactly as HEnorm_python does; throws StainError. */
export function normalizeMacenko(rgb: Uint8Array, options: MacenkoOptions = {}): MacenkoResult {
  const { io } = { ...MACENKO_DEFAULTS, ...options };
  const ref = options.reference ?? MACENKO_REFERENCE;
  const fit = fitStains(rgb, options);
  const n = rgb.length / 3;
  const scale0 = fit.maxC[0] / ref.maxC[0];
  const scale1 = fit.maxC[1] / ref.maxC[1];
  // Every step from a pixel's bytes to its output is linear until the exponential: the concentrations
  // are P·OD (P the 2×3 least-squares solver) and the output's optical density is HERef·C. So
  // exp(−Σ_k w_ck·OD[byte_k]) = Π_k exp(−w_ck·OD[byte_k]), and three 256-entry tables per output
  // channel replace three exp calls per pixel.
  const od = odTable(io);
  const render = (wH: number, wE: number) => {
    const tables = [0, 1, 2].map((k) => {
      const w = (wH * fit.p0[k]!) / scale0 + (wE * fit.p1[k]!) / scale1;
      const t = new Float64Array(256);
      for (let v = 0; v < 256; v++) t[v] = Math.exp(-w * od[v]!);
      return t;
    });
    return tables as [Float64Array, Float64Array, Float64Array];
  };
  const channelTables = (pick: (row: readonly [number, number]) => [number, number]) => ref.he.map((row) => render(...pick(row)));
  const paint = (tables: [Float64Array, Float64Array, Float64Array][]): Uint8Array => {
    const out = new Uint8Array(n * 3);
    const [[r0, r1, r2], [g0, g1, g2], [b0, b1, b2]] = tables as [[Float64Array, Float64Array, Float64Array], [Float64Array, Float64Array, Float64Array], [Float64Array, Float64Array, Float64Array]];
    for (let p = 0; p < rgb.length; p += 3) {
      const r = rgb[p]!;
      const g = rgb[p + 1]!;
      const b = rgb[p + 2]!;
      out[p] = toByte(io * (r0[r]! * r1[g]! * r2[b]!));
      out[p + 1] = toByte(io * (g0[r]! * g1[g]! * g2[b]!));
      out[p + 2] = toByte(io * (b0[r]! * b1[g]! * b2[b]!));
    }
    return out;
  };
  const result: MacenkoResult = { rgb: paint(channelTables((row) => [row[0], row[1]])), he: fit.he, maxC: fit.maxC, stainPixels: fit.stainPixels };
  if (options.stainImages) {
    result.h = paint(channelTables((row) => [row[0], 0]));
    result.e = paint(channelTables((row) => [0, row[1]]));
  }
  return result;
}

/**
 * Stateful normaliser in torchstain's style: `fit(target)` replaces the reference stain matrix and maxC
 * with a target tile's, and `normalize` maps other tiles onto it.
 */
export class MacenkoNormalizer {
  private reference: StainReference = MACENKO_REFERENCE;

  constructor(private readonly options: Omit<MacenkoOptions, 'reference'> = {}) {}

  /** Adopts a target tile's stain matrix and maxC as the reference. */
  fit(target: Uint8Array): StainReference {
    const { he, maxC } = estimateStains(target, this.options);
    this.reference = { he, maxC };
    return this.reference;
  }

  /** The stain matrix and maxC tiles are normalised towards. */
  get target(): StainReference {
    return this.reference;
  }

  /** Normalises a tile towards the current reference. */
  normalize(rgb: Uint8Array, options: { stainImages?: boolean } = {}): MacenkoResult {
    return normalizeMacenko(rgb, { ...this.options, ...options, reference: this.reference });
  }
}
