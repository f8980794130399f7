import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError, isDomainError } from '../../../src/errors/domain-error.ts';
import { CyclingLoader } from '../../../src/federation/local-training/cycling-loader.ts';
import { linearCoxModel, logisticModel } from '../../../src/federation/local-training/federated-model.ts';
import { batchGradient } from '../../../src/federation/local-training/gradients.ts';
import { trainLocally } from '../../../src/federation/local-training/local-trainer.ts';
import { binaryData, survivalData } from '../../../src/federation/local-training/site-data.ts';
import { Rng } from '../../../src/random/rng.ts';

const rng = new Rng(11, 'fixture');
const N = 37;
const F = 3;
const x = Float64Array.from({ length: N * F }, () => rng.normal());
const y = Array.from({ length: N }, (_, i) => Number(x[i * F]! + 0.5 * rng.normal() > 0));
const data = binaryData({ rows: N, features: F, x }, y);
const model = logisticModel(F);
const global = Float64Array.from([0.1, -0.2, 0.05, 0.3]);
const context = { seed: 42, site: 'site-a', round: 0 };

const maxAbsDiff = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('trainLocally (plain SGD, FLamby clients)', () => {
  it('is deterministic: the same inputs give the same delta bit for bit, another seed another delta', () => {
    const config = { localSteps: 20, batchSize: 4, learningRate: 0.1 };
    const a = trainLocally(model, global, data, config, context);
    const b = trainLocally(model, global, data, config, context);
    assert.deepEqual(a.delta, b.delta);
    assert.notDeepEqual(trainLocally(model, global, data, config, { ...context, seed: 43 }).delta, a.delta);
    assert.notDeepEqual(trainLocally(model, global, data, config, { ...context, site: 'site-b' }).delta, a.delta);
    assert.equal(a.numExamples, N);
    assert.equal(a.steps, 20);
    assert.equal(a.privacy, undefined);
  });

  it('is plain SGD on the loader\'s batches: w ← w − lr·∇ for each of localSteps batches', () => {
    const config = { localSteps: 12, batchSize: 5, learningRate: 0.05 };
    const update = trainLocally(model, global, data, config, context);
    // the same loader stream the trainer forks for this site
    const loader = new CyclingLoader(N, 5, new Rng(42, 'local-training/site-a').fork('loader'));
    const w = Float64Array.from(global);
    for (let s = 0; s < 12; s++) {
      const g = batchGradient(model, w, data, loader.next()).gradient;
      for (let j = 0; j < w.length; j++) w[j]! -= 0.05 * g[j]!;
    }
    assert.deepEqual(update.delta, w.map((v, j) => v - global[j]!));
    assert.ok(update.delta.some((v) => v !== 0));
  });

  it('keeps the loader\'s place across rounds: two rounds of 25 steps are one round of 50', () => {
    const one = trainLocally(model, global, data, { localSteps: 50, batchSize: 4, learningRate: 0.1 }, context);
    const first = trainLocally(model, global, data, { localSteps: 25, batchSize: 4, learningRate: 0.1 }, context);
    const mid = global.map((v, j) => v + first.delta[j]!);
    const second = trainLocally(model, mid, data, { localSteps: 25, batchSize: 4, learningRate: 0.1 }, { ...context, round: 1, loaderPosition: 25 });
    const twoRounds = mid.map((v, j) => v + second.delta[j]! - global[j]!);
    // equal up to the rounding of w_global + Δ
    assert.ok(maxAbsDiff(twoRounds, one.delta) < 1e-14);
  });

  it('adds FedProx\'s μ·(w − w_global) to every step\'s gradient (Li et al. 2020, eq. 2)', () => {
    const mu = 0.7;
    const update = trainLocally(model, global, data, { localSteps: 8, batchSize: 6, learningRate: 0.2, mu }, context);
    const loader = new CyclingLoader(N, 6, new Rng(42, 'local-training/site-a').fork('loader'));
    const w = Float64Array.from(global);
    for (let s = 0; s < 8; s++) {
      const g = batchGradient(model, w, data, loader.next()).gradient;
      for (let j = 0; j < w.length; j++) w[j]! -= 0.2 * (g[j]! + mu * (w[j]! - global[j]!));
    }
    assert.ok(maxAbsDiff(update.delta, w.map((v, j) => v - global[j]!)) < 1e-15);
    const free = trainLocally(model, global, data, { localSteps: 8, batchSize: 6, learningRate: 0.2 }, context);
    const norm = (d: Float64Array) => Math.hypot(...d);
    assert.ok(norm(update.delta) < norm(free.delta), 'the proximal term keeps the site closer to the global model');
  });

  it('refuses a malformed round configuration, naming the field', () => {
    assert.throws(
      () => trainLocally(model, global, data, { localSteps: 0, batchSize: 4, learningRate: 0.1 }, context),
      (e: unknown) => isDomainError(e) && e.code === 'BAD_INPUT' && e.issues.some((i) => i.expression === 'round.localSteps'),
    );
    assert.throws(() => trainLocally(model, global.subarray(1), data, { localSteps: 1, batchSize: 4, learningRate: 0.1 }, context), isDomainError);
  });
});

describe('trainLocally with DP-SGD', () => {
  const dp = { noiseMultiplier: 1.3, clipNorm: 0.5, sampleRate: 0.1 };

  it('reports exactly the steps taken at the (q, σ) it ran with', () => {
    const update = trainLocally(model, global, data, { localSteps: 17, batchSize: 4, learningRate: 0.1, dp }, context);
    assert.deepEqual(update.privacy, { sampleRate: 0.1, noiseMultiplier: 1.3, steps: 17 });
    assert.equal(update.steps, 17);
    // reproducible from the seed, and noisy: another round draws other batches and other noise
    assert.deepEqual(trainLocally(model, global, data, { localSteps: 17, batchSize: 4, learningRate: 0.1, dp }, context).delta, update.delta);
    assert.notDeepEqual(trainLocally(model, global, data, { localSteps: 17, batchSize: 4, learningRate: 0.1, dp }, { ...context, round: 1 }).delta, update.delta);
  });

  it('with q = 1, σ = 0 and a clip norm no gradient reaches, is full-batch gradient descent', () => {
    const full = { noiseMultiplier: 0, clipNorm: 1e9, sampleRate: 1 };
    const priv = trainLocally(model, global, data, { localSteps: 5, batchSize: N, learningRate: 0.3, dp: full }, context);
    const plain = trainLocally(model, global, data, { localSteps: 5, batchSize: N, learningRate: 0.3 }, context);
    // Σ clip(g_i)/(q·N) is the mean gradient; only the summation order differs
    assert.ok(maxAbsDiff(priv.delta, plain.delta) < 1e-15);
  });

  it('clips each example: with σ = 0 and q = 1 one step moves w by at most lr·C', () => {
    const tight = { noiseMultiplier: 0, clipNorm: 0.01, sampleRate: 1 };
    const update = trainLocally(model, global, data, { localSteps: 1, batchSize: N, learningRate: 1, dp: tight }, context);
    assert.ok(Math.hypot(...update.delta) <= 0.01 + 1e-15);
  });

  it('is refused for a Cox model, whose partial likelihood has no per-example gradient', () => {
    const cox = linearCoxModel(F);
    const surv = survivalData({ rows: N, features: F, x }, Array.from({ length: N }, (_, i) => i + 1), y);
    assert.throws(
      () => trainLocally(cox, new Float64Array(F), surv, { localSteps: 1, batchSize: 4, learningRate: 0.1, dp }, context),
      (e: unknown) => e instanceof DomainError && e.code === 'BAD_INPUT' && /survival models/.test(e.message) && /risk set/.test(e.message),
    );
  });
});
