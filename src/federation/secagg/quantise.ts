/**
 * Fixed-point quantisation of model updates into Z_{2^32}, where the masks live. The scheme is the
 * one Flower's SecAgg+ uses (flwr `common/secure_aggregation/quantization.py`, defaults clipping
 * range 8.0, quantisation range 2^22, modulus 2^32):
 *
 *   q(x) = round((clip(x, −c, c) + c) · Q / (2c))   ∈ [0, Q]
 *
 * One step is Δ = 2c/Q (2^−18 ≈ 3.8e−6 with the defaults). Rounding to the nearest step, rather than
 * Flower's stochastic rounding, keeps the error bound deterministic and checkable: each
 * contribution is off by at most Δ/2 per coordinate, a sum of n by at most n·Δ/2.
 *
 * The sum of n values in [0, Q] must stay below 2^32, or it wraps and the aggregate is garbage with
 * no sign of it; hence n·Q < 2^32 is checked before anything is summed (n ≤ 1023 at the defaults).
 */
import { badInput } from '../../errors/domain-error.ts';

/** Masks and sums live modulo this. */
export const MODULUS = 2 ** 32;

export interface QuantisationOptions {
  /** values are clipped to [−clipRange, clipRange] before they are scaled */
  clipRange: number;
  /** the clipped range maps onto the integers [0, quantRange] */
  quantRange: number;
}

/** Flower SecAgg+'s defaults (https://flower.ai/docs/framework/ref-api/flwr.server.workflow.SecAggPlusWorkflow.html). */
export const DEFAULT_QUANTISATION: QuantisationOptions = { clipRange: 8, quantRange: 2 ** 22 };

/** Throws unless the options describe a usable fixed-point grid. */
export function validateQuantisation(options: QuantisationOptions): void {
  const { clipRange, quantRange } = options;
  if (!(Number.isFinite(clipRange) && clipRange > 0)) throw badInput('clipRange must be a positive number');
  if (!(Number.isInteger(quantRange) && quantRange >= 2 && quantRange < MODULUS)) throw badInput('quantRange must be an integer in [2, 2^32)');
}

/** Width Δ = 2c/Q of one quantisation step. */
export function quantisationStep(options: QuantisationOptions): number {
  return (2 * options.clipRange) / options.quantRange;
}

/** Largest error of a dequantised sum of `contributions` unclipped values: n·Δ/2 per coordinate. */
export function quantisationErrorBound(options: QuantisationOptions, contributions: number): number {
  return (contributions * quantisationStep(options)) / 2;
}

/**
 * Throws unless `contributions` values of at most Q each sum below 2^32, i.e. n·Q ≤ 2^32 − 1, so
 * the modular sum equals the integer sum.
 */
export function assertSumFits(options: QuantisationOptions, contributions: number): void {
  if (!Number.isInteger(contributions) || contributions < 1) throw badInput('the number of contributions must be a positive integer');
  if (contributions * options.quantRange > MODULUS - 1) {
    throw badInput(`${contributions} contributions of up to ${options.quantRange} each overflow 2^32; lower quantRange to at most ${Math.floor((MODULUS - 1) / contributions)}`);
  }
}

/**
 * Clips and scales `values` into [0, Q]. Non-finite values are refused: NaN would otherwise
 * become 0, a silent −c, and ±Infinity a silent ±c.
 */
export function quantise(values: ArrayLike<number>, options: QuantisationOptions): Uint32Array {
  const out = new Uint32Array(values.length);
  quantiseInto(out, 0, values, options);
  return out;
}

/**
 * Writes q(multiplier · clip(x)) for each x of `values` into `out` from `offset` on. The multiplier
 * is a weighted site's w / maxWeight ∈ (0, 1], applied after clipping so that a weighted mean is
 * the mean of clipped values, as in the unweighted case.
 */
export function quantiseInto(out: Uint32Array, offset: number, input: ArrayLike<number>, options: QuantisationOptions, multiplier = 1): void {
  // one element type keeps the loop below monomorphic: it was three times slower once it had also seen plain arrays
  const values = input instanceof Float64Array ? input : Float64Array.from(input);
  const { clipRange: c, quantRange: q } = options;
  if (!(multiplier > 0 && multiplier <= 1)) throw new RangeError('the multiplier must be in (0, 1]');
  if (offset + values.length > out.length) throw new RangeError('quantised values do not fit the output');
  const scale = q / (2 * c);
  for (let i = 0; i < values.length; i++) {
    let x = values[i]!;
    if (!(x >= -c && x <= c)) {
      if (!Number.isFinite(x)) throw badInput(`update value ${i} is not a finite number`);
      x = x < -c ? -c : c;
    }
    // Math.round(v) for v ∈ [0, Q] (m·x ≥ −c), without its data-dependent branch, which is
    // mispredicted half the time on random updates and was most of the quantiser's time:
    // t = trunc(v) = floor(v); the fraction f = v − t is exact (Sterbenz), and for v ≥ 1 it is a
    // multiple of ulp(v) ≥ 2^-52, so f + 0.5 is exact too and truncates to [f ≥ 0.5]. Below 1,
    // v + 0.5 could round up, so that rare case keeps Math.round.
    const v = (multiplier * x + c) * scale;
    const t = v >>> 0;
    out[offset + i] = v < 1 ? Math.round(v) : t + ((v - t + 0.5) >>> 0);
  }
}

/**
 * Turns the modular sum of `contributions` quantised vectors back into reals. Each value carried
 * an offset of +c, so the sum carries n·c: Σ x ≈ S·Δ − n·c (Flower applies the same correction as
 * dequantise's −c plus −(n−1)·c).
 */
export function dequantiseSum(sum: Uint32Array, options: QuantisationOptions, contributions: number): Float64Array {
  assertSumFits(options, contributions);
  const step = quantisationStep(options);
  const offset = contributions * options.clipRange;
  const out = new Float64Array(sum.length);
  for (let i = 0; i < sum.length; i++) out[i] = sum[i]! * step - offset;
  return out;
}
