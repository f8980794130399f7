/**
 * DP-SGD building blocks: Abadi et al. 2016, "Deep Learning with Differential Privacy", Algorithm 1
 * (https://arxiv.org/abs/1607.00133), with Poisson sampling of batches as the RDP accountant
 * assumes (Mironov, Talwar & Zhang 2019, https://arxiv.org/abs/1908.10530).
 *
 * A gradient is one flat Float64Array: every parameter tensor of the model laid end to end in the
 * order of a {@link ParameterLayout}. Clipping is over all parameters jointly (one L2 norm per
 * example), which a flat array makes a single loop; `flattenGradient`/`unflattenGradient` convert
 * from and to per-tensor records at the model's edge.
 */
import { badInput } from '../../errors/domain-error.ts';
import type { Rng } from '../../random/rng.ts';

/** One parameter tensor: its name and its number of elements. */
export interface ParameterSlot {
  name: string;
  size: number;
}

/** The order in which parameter tensors sit in a flat gradient. */
export type ParameterLayout = readonly ParameterSlot[];

/** Number of elements of a flat gradient with this layout. */
export function layoutSize(layout: ParameterLayout): number {
  return layout.reduce((n, slot) => n + slot.size, 0);
}

/** Lays per-tensor gradients end to end in layout order. */
export function flattenGradient(parts: Readonly<Record<string, Float64Array>>, layout: ParameterLayout): Float64Array {
  const flat = new Float64Array(layoutSize(layout));
  let offset = 0;
  for (const { name, size } of layout) {
    const part = parts[name];
    if (!part || part.length !== size) {
      throw new RangeError(`gradient of ${name} has ${part?.length ?? 0} elements, the layout says ${size}`);
    }
    flat.set(part, offset);
    offset += size;
  }
  return flat;
}

/** Cuts a flat gradient back into per-tensor copies. */
export function unflattenGradient(flat: Float64Array, layout: ParameterLayout): Record<string, Float64Array> {
  if (flat.length !== layoutSize(layout)) throw new RangeError(`gradient has ${flat.length} elements, the layout ${layoutSize(layout)}`);
  const parts: Record<string, Float64Array> = {};
  let offset = 0;
  for (const { name, size } of layout) {
    parts[name] = flat.slice(offset, offset + size);
    offset += size;
  }
  return parts;
}

/** Euclidean norm over the whole gradient. */
export function l2Norm(gradient: Float64Array): number {
  let sum = 0;
  for (const v of gradient) sum += v * v;
  return Math.sqrt(sum);
}

function checkClipNorm(clipNorm: number): void {
  if (!(clipNorm > 0) || !Number.isFinite(clipNorm)) throw badInput(`clipping norm must be a finite number > 0, got ${clipNorm}`);
}

/**
 * g / max(1, ‖g‖/C) (Abadi et al. Algorithm 1, "clip gradient"): a copy whose norm is at most C,
 * unchanged when already within C. This bound on each example's contribution is what makes C the
 * sensitivity the noise is calibrated to.
 */
export function clipGradient(gradient: Float64Array, clipNorm: number): Float64Array {
  checkClipNorm(clipNorm);
  const scale = 1 / Math.max(1, l2Norm(gradient) / clipNorm);
  return gradient.map((v) => v * scale);
}

/**
 * Σ clip(g_i) over a batch. `dimension` is needed because a Poisson batch can be empty: its sum is
 * then the zero vector, and the step still runs (its noise is still added and it is still accounted).
 */
export function sumClippedGradients(perExample: readonly Float64Array[], clipNorm: number, dimension: number): Float64Array {
  checkClipNorm(clipNorm);
  const sum = new Float64Array(dimension);
  for (const g of perExample) {
    if (g.length !== dimension) throw new RangeError(`per-example gradient has ${g.length} elements, expected ${dimension}`);
    const scale = 1 / Math.max(1, l2Norm(g) / clipNorm);
    for (let k = 0; k < dimension; k++) sum[k] = (sum[k] as number) + (g[k] as number) * scale;
  }
  return sum;
}

/** A copy of `values` with independent N(0, stdDev²) noise on every coordinate. */
export function addGaussianNoise(values: Float64Array, stdDev: number, rng: Rng): Float64Array {
  if (!(stdDev >= 0) || !Number.isFinite(stdDev)) throw badInput(`noise standard deviation must be finite and ≥ 0, got ${stdDev}`);
  const noisy = new Float64Array(values.length);
  for (let k = 0; k < values.length; k++) noisy[k] = (values[k] as number) + (stdDev === 0 ? 0 : rng.normal(0, stdDev));
  return noisy;
}

/** Options of {@link privateGradient}. */
export interface PrivateGradientOptions {
  /** L2 norm C each example's gradient is clipped to. */
  clipNorm: number;
  /** σ: the noise standard deviation is σ·C. */
  noiseMultiplier: number;
  /**
   * q·N, the mean size of a Poisson batch. Dividing by it rather than by the drawn batch size keeps
   * the batch size (which depends on who was sampled) out of the released value, as Opacus does.
   */
  expectedBatchSize: number;
}

/**
 * One noisy DP-SGD gradient: (Σ clip(g_i) + N(0, σ²C²·I)) / (q·N). The caller accounts the step
 * with the RDP accountant at (q, σ) whatever the batch held, empty batches included.
 */
export function privateGradient(
  perExample: readonly Float64Array[],
  dimension: number,
  options: PrivateGradientOptions,
  rng: Rng,
): Float64Array {
  const { clipNorm, noiseMultiplier, expectedBatchSize } = options;
  if (!(noiseMultiplier >= 0)) throw badInput(`noise multiplier must be ≥ 0, got ${noiseMultiplier}`);
  if (!(expectedBatchSize > 0)) throw badInput(`expected batch size must be > 0, got ${expectedBatchSize}`);
  const noisy = addGaussianNoise(sumClippedGradients(perExample, clipNorm, dimension), noiseMultiplier * clipNorm, rng);
  for (let k = 0; k < dimension; k++) noisy[k] = (noisy[k] as number) / expectedBatchSize;
  return noisy;
}

/**
 * A Poisson batch: every index in [0, populationSize) is included independently with probability
 * `sampleRate`, so the batch size is Binomial(N, q) and may be 0. Gaps between included indices are
 * drawn as Geometric(q) (P(gap = k) = (1 − q)^k·q), which costs O(qN) draws instead of N.
 */
export function poissonSample(populationSize: number, sampleRate: number, rng: Rng): number[] {
  if (!Number.isSafeInteger(populationSize) || populationSize < 0) {
    throw badInput(`population size must be a whole number ≥ 0, got ${populationSize}`);
  }
  if (!(sampleRate >= 0 && sampleRate <= 1)) throw badInput(`sampling rate must be in [0, 1], got ${sampleRate}`);
  const batch: number[] = [];
  if (sampleRate === 0) return batch;
  if (sampleRate === 1) return Array.from({ length: populationSize }, (_, i) => i);
  const logMiss = Math.log1p(-sampleRate);
  let index = -1;
  for (;;) {
    // 1 − next() lies in (0, 1], so the logarithm is finite.
    index += 1 + Math.floor(Math.log(1 - rng.next()) / logMiss);
    if (index >= populationSize) return batch;
    batch.push(index);
  }
}
