import { labToRgb, rgbToLab } from './cielab.ts';

/**
 * Reinhard colour transfer (Reinhard et al., "Color transfer between images", IEEE CG&A 2001): shift
 * and scale each L*a*b* channel of the source to the target's mean and standard deviation,
 * (x − μ_src) / σ_src · σ_tgt + μ_tgt. Statistics are over all pixels, background included, and σ is
 * the population standard deviation, as in torchstain's numpy Reinhard (colour space in cielab.ts).
 * Two departures from torchstain, both for accuracy: arithmetic is float64 rather than float32, and
 * output bytes are rounded rather than truncated (truncation darkens every channel by half a level).
 * A channel with σ_src ≈ 0 (below 1e−6, where float rounding is all the spread) cannot be scaled and is
 * set to the target mean.
 */

type Triple = [number, number, number];

/** Spread below which a channel counts as flat: summing equal values leaves σ around 1e−14, not 0. */
const FLAT = 1e-6;

export interface ReinhardTarget {
  /** Mean L*, a*, b*. */
  mean: Triple;
  /** Population standard deviation of L*, a*, b*. */
  std: Triple;
}

/** Mean and population standard deviation of each L*a*b* channel of interleaved LAB values. */
export function labStatistics(lab: Float64Array): ReinhardTarget {
  const n = lab.length / 3;
  const mean: Triple = [0, 0, 0];
  const std: Triple = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    let sum = 0;
    for (let p = c; p < lab.length; p += 3) sum += lab[p]!;
    const mu = sum / n;
    let sq = 0;
    for (let p = c; p < lab.length; p += 3) sq += (lab[p]! - mu) ** 2;
    mean[c] = mu;
    std[c] = Math.sqrt(sq / n);
  }
  return { mean, std };
}

/** The L*a*b* statistics of a target image (packed RGB) for Reinhard normalisation. */
export function fitReinhard(target: Uint8Array): ReinhardTarget {
  return labStatistics(rgbToLab(target));
}

/** Maps packed RGB onto the target's L*a*b* means and standard deviations (Reinhard 2001). */
export function normalizeReinhard(source: Uint8Array, target: ReinhardTarget): Uint8Array {
  const lab = rgbToLab(source);
  const own = labStatistics(lab);
  for (let c = 0; c < 3; c++) {
    const gain = own.std[c]! > FLAT ? target.std[c]! / own.std[c]! : 0;
    const mu = own.mean[c]!;
    const mt = target.mean[c]!;
    for (let p = c; p < lab.length; p += 3) lab[p] = (lab[p]! - mu) * gain + mt;
  }
  return labToRgb(lab);
}

/** Stateful wrapper in torchstain's style: `fit(target)`, then `transform(source)` for each tile. */
export class ReinhardNormalizer {
  private fitted: ReinhardTarget | undefined;

  /** Stores the target's per-channel L*a*b* mean and standard deviation. */
  fit(target: Uint8Array): ReinhardTarget {
    this.fitted = fitReinhard(target);
    return this.fitted;
  }

  /** Normalises a tile to the fitted target; throws if `fit` was not called. */
  transform(source: Uint8Array): Uint8Array {
    if (!this.fitted) throw new Error('ReinhardNormalizer.transform called before fit');
    return normalizeReinhard(source, this.fitted);
  }
}
