import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDomainError } from '../../../src/errors/domain-error.ts';
import {
  addGaussianNoise,
  clipGradient,
  flattenGradient,
  l2Norm,
  poissonSample,
  privateGradient,
  sumClippedGradients,
  unflattenGradient,
} from '../../../src/federation/privacy/dp-sgd.ts';
import { Rng } from '../../../src/random/rng.ts';

const vec = (...values: number[]) => Float64Array.from(values);

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12): void {
  assert.equal(actual.length, expected.length);
  for (let k = 0; k < expected.length; k++) {
    assert.ok(Math.abs((actual[k] as number) - (expected[k] as number)) <= tol, `[${k}] ${actual[k]} ≠ ${expected[k]}`);
  }
}

function meanAndVariance(xs: ArrayLike<number>): { mean: number; variance: number } {
  let mean = 0;
  for (let i = 0; i < xs.length; i++) mean += xs[i] as number;
  mean /= xs.length;
  let ss = 0;
  for (let i = 0; i < xs.length; i++) ss += ((xs[i] as number) - mean) ** 2;
  return { mean, variance: ss / (xs.length - 1) };
}

describe('gradient layout', () => {
  it('flattens tensors in layout order and cuts them back', () => {
    const layout = [
      { name: 'bias', size: 1 },
      { name: 'weight', size: 3 },
    ];
    const flat = flattenGradient({ weight: vec(1, 2, 3), bias: vec(9) }, layout);
    assert.deepEqual([...flat], [9, 1, 2, 3]);
    assert.deepEqual(unflattenGradient(flat, layout), { bias: vec(9), weight: vec(1, 2, 3) });
    assert.throws(() => flattenGradient({ weight: vec(1, 2), bias: vec(9) }, layout), RangeError);
  });
});

describe('clipping', () => {
  it('scales (3, 4) to (0.6, 0.8) at C = 1 and leaves a gradient inside C alone', () => {
    // ‖(3, 4)‖ = 5, so the clipped gradient is (3, 4)/5.
    assertClose(clipGradient(vec(3, 4), 1), [0.6, 0.8]);
    assert.deepEqual([...clipGradient(vec(0.3, 0.4), 1)], [0.3, 0.4]);
    assert.deepEqual([...clipGradient(vec(0, 0), 1)], [0, 0]);
  });

  it('clips over all parameters jointly, not tensor by tensor', () => {
    // Two "tensors" (1, 2) and (2) share one norm √(1 + 4 + 4) = 3; at C = 1.5 each coordinate halves.
    assert.equal(l2Norm(vec(1, 2, 2)), 3);
    assertClose(clipGradient(vec(1, 2, 2), 1.5), [0.5, 1, 1]);
  });

  it('sums clipped examples, and an empty batch sums to zeros of the right length', () => {
    // (3, 4) → (0.6, 0.8); (0, 0.5) is within C = 1; (0, -10) → (0, -1).
    assertClose(sumClippedGradients([vec(3, 4), vec(0, 0.5), vec(0, -10)], 1, 2), [0.6, 0.3]);
    assert.deepEqual([...sumClippedGradients([], 1, 3)], [0, 0, 0]);
    assert.throws(() => sumClippedGradients([vec(1, 2, 3)], 1, 2), RangeError);
  });

  it('refuses a clipping norm ≤ 0 as bad input', () => {
    assert.throws(() => clipGradient(vec(1), 0), (err: unknown) => isDomainError(err) && err.code === 'BAD_INPUT');
  });
});

describe('Gaussian noise', () => {
  it('has mean 0 and standard deviation σ·C, measured over 40 000 coordinates', () => {
    const n = 40_000;
    const sigma = 1.1;
    const clipNorm = 0.5;
    const noisy = privateGradient([], n, { clipNorm, noiseMultiplier: sigma, expectedBatchSize: 1 }, new Rng(7, 'noise'));
    const { mean, variance } = meanAndVariance(noisy);
    const sd = sigma * clipNorm; // 0.55
    // Standard errors: of the mean sd/√n ≈ 0.0028; of the sample sd, sd/√(2n) ≈ 0.0019. Allow four.
    assert.ok(Math.abs(mean) < (4 * sd) / Math.sqrt(n), `mean ${mean}`);
    assert.ok(Math.abs(Math.sqrt(variance) - sd) < (4 * sd) / Math.sqrt(2 * n), `sd ${Math.sqrt(variance)}`);
  });

  it('adds nothing at σ = 0, so the result is the clipped sum over q·N', () => {
    // Clipped sum (0.6, 0.3) from above, over an expected batch of q·N = 0.01 · 300 = 3.
    const g = privateGradient([vec(3, 4), vec(0, 0.5), vec(0, -10)], 2, { clipNorm: 1, noiseMultiplier: 0, expectedBatchSize: 3 }, new Rng(1));
    assertClose(g, [0.2, 0.1]);
  });

  it('is reproducible from the seed and label, and differs between streams', () => {
    const zeros = new Float64Array(5);
    const a = addGaussianNoise(zeros, 1, new Rng(42, 'site-a/round-3'));
    const b = addGaussianNoise(zeros, 1, new Rng(42, 'site-a/round-3'));
    const c = addGaussianNoise(zeros, 1, new Rng(42, 'site-a/round-4'));
    assert.deepEqual([...a], [...b]);
    assert.notDeepEqual([...a], [...c]);
  });
});

describe('poissonSample', () => {
  it('draws batches of mean q·N and variance N·q·(1 − q), within four standard errors', () => {
    const n = 1000;
    const q = 0.05;
    const draws = 2000;
    const rng = new Rng(11, 'poisson');
    const sizes = Array.from({ length: draws }, () => poissonSample(n, q, rng).length);
    const { mean, variance } = meanAndVariance(sizes);
    const expectedVariance = n * q * (1 - q); // 47.5
    assert.ok(Math.abs(mean - n * q) < 4 * Math.sqrt(expectedVariance / draws), `mean ${mean}`);
    // The sample variance of a near-normal count has standard error ≈ variance·√(2/(draws − 1)).
    assert.ok(Math.abs(variance - expectedVariance) < 4 * expectedVariance * Math.sqrt(2 / (draws - 1)), `variance ${variance}`);
  });

  it('includes the first and the last index with probability q (no off-by-one in the gaps)', () => {
    const n = 20;
    const q = 0.3;
    const draws = 20_000;
    const rng = new Rng(5, 'edges');
    let first = 0;
    let last = 0;
    for (let i = 0; i < draws; i++) {
      const batch = poissonSample(n, q, rng);
      if (batch[0] === 0) first++;
      if (batch.at(-1) === n - 1) last++;
      assert.ok(batch.every((x, k) => x >= 0 && x < n && (k === 0 || x > (batch[k - 1] as number))));
    }
    const se = Math.sqrt((q * (1 - q)) / draws);
    assert.ok(Math.abs(first / draws - q) < 4 * se, `first ${first / draws}`);
    assert.ok(Math.abs(last / draws - q) < 4 * se, `last ${last / draws}`);
  });

  it('can draw an empty batch, and is deterministic for a seed', () => {
    // P(empty) = 0.99^50 ≈ 0.605: most of these draws are empty.
    const rng = new Rng(3, 'tiny');
    const empties = Array.from({ length: 200 }, () => poissonSample(50, 0.01, rng)).filter((b) => b.length === 0).length;
    assert.ok(empties > 100 && empties < 145, `${empties} empty batches of 200`);
    assert.deepEqual(poissonSample(500, 0.1, new Rng(9, 's')), poissonSample(500, 0.1, new Rng(9, 's')));
    assert.deepEqual(poissonSample(4, 1, new Rng(1)), [0, 1, 2, 3]);
    assert.deepEqual(poissonSample(4, 0, new Rng(1)), []);
  });
});
