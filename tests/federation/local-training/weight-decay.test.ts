import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDomainError } from '../../../src/errors/domain-error.ts';
import { linearCoxModel, logisticModel } from '../../../src/federation/local-training/federated-model.ts';
import { trainLocally } from '../../../src/federation/local-training/local-trainer.ts';
import { binaryData, survivalData } from '../../../src/federation/local-training/site-data.ts';
import { addWeightDecayGradient, penalisedCoordinates, weightDecayLoss } from '../../../src/federation/local-training/weight-decay.ts';
import { Rng } from '../../../src/random/rng.ts';

const close = (a: number, b: number, tol: number, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);
const context = { seed: 42, site: 'site-a', round: 0 };

describe('the L2 penalty (λ/2)‖w‖² on the weights, not the biases', () => {
  it('masks the biases out: logistic [w1, w2, b] → [1, 1, 0]; linear Cox has no bias; the MLP keeps both biases free', () => {
    assert.deepEqual([...penalisedCoordinates(logisticModel(2))], [1, 1, 0]);
    assert.deepEqual([...penalisedCoordinates(linearCoxModel(3))], [1, 1, 1]);
    // hidden.weight [2,2], hidden.bias [2], output.weight [2,1], output.bias [1]
    assert.deepEqual([...penalisedCoordinates(logisticModel(2, 2))], [1, 1, 1, 1, 0, 0, 1, 1, 0]);
  });

  it('adds λ·w at the weights only, by hand: w = (0.5, −1), b = 0.3, λ = 0.1', () => {
    const w = Float64Array.from([0.5, -1, 0.3]);
    const mask = penalisedCoordinates(logisticModel(2));
    const g = addWeightDecayGradient(Float64Array.from([1, 2, 3]), w, mask, 0.1);
    assert.deepEqual([...g], [1 + 0.05, 2 - 0.1, 3]);
    // (0.1 / 2)·(0.25 + 1), the bias not counted
    close(weightDecayLoss(w, mask, 0.1), 0.0625, 1e-15);
    assert.throws(() => addWeightDecayGradient(new Float64Array(2), w, mask, 0.1), isDomainError);
  });
});

describe('trainLocally with l2', () => {
  it('one logistic SGD step by hand: x = (1, 2), y = 1, w = (0.5, −1), b = 0.3, λ = 0.1, lr = 0.5', () => {
    // z = 0.5 − 2 + 0.3 = −1.2, p = σ(−1.2) = 0.2314752165…, ∂BCE/∂z = p − 1;
    // Δ = −lr·((p − 1)·x + λ·w) for the weights, −lr·(p − 1) for the bias
    const data = binaryData({ rows: 1, features: 2, x: Float64Array.from([1, 2]) }, [1]);
    const u = trainLocally(logisticModel(2), Float64Array.from([0.5, -1, 0.3]), data, { localSteps: 1, batchSize: 1, learningRate: 0.5, l2: 0.1 }, context);
    const expected = [0.3592623917495088, 0.8185247834990177, 0.3842623917495088];
    u.delta.forEach((d, j) => close(d, expected[j]!, 1e-15, `coordinate ${j}`));
  });

  it('one Cox step by hand: x = (1, 2), times (1, 2), events (1, 0), w = 0.4, λ = 0.1, lr = 0.5', () => {
    // FLamby's loss (1/n)·Σ_events [log Σ_risk e^η − η_i] = ½[log(e^0.4 + e^0.8) − 0.4];
    // ∂/∂w = ½[(e^0.4 + 2e^0.8)/(e^0.4 + e^0.8) − 1] = 0.2993438300…, plus λ·w = 0.04
    const data = survivalData({ rows: 2, features: 1, x: Float64Array.from([1, 2]) }, [1, 2], [1, 0]);
    const u = trainLocally(linearCoxModel(1), Float64Array.from([0.4]), data, { localSteps: 1, batchSize: 2, learningRate: 0.5, l2: 0.1 }, context);
    close(u.delta[0]!, -0.5 * (0.299343830056226 + 0.04), 1e-15);
    const free = trainLocally(linearCoxModel(1), Float64Array.from([0.4]), data, { localSteps: 1, batchSize: 2, learningRate: 0.5 }, context);
    close(free.delta[0]! - u.delta[0]!, 0.5 * 0.04, 1e-15, 'the penalty alone');
  });

  const rng = new Rng(5, 'weight-decay-fixture');
  const N = 29;
  const x = Float64Array.from({ length: N * 3 }, () => rng.normal());
  const data = binaryData({ rows: N, features: 3, x }, Array.from({ length: N }, (_, i) => Number(x[i * 3]! + rng.normal() > 0)));
  const model = logisticModel(3);
  const global = Float64Array.from([0.2, -0.4, 0.1, 0.05]);
  const dp = { noiseMultiplier: 1.1, clipNorm: 0.7, sampleRate: 0.2 };

  it('λ = 0 is bit for bit the round without the field, plain and DP-SGD', () => {
    const plain = { localSteps: 15, batchSize: 4, learningRate: 0.1, mu: 0.3 };
    assert.deepEqual(trainLocally(model, global, data, { ...plain, l2: 0 }, context), trainLocally(model, global, data, plain, context));
    assert.deepEqual(trainLocally(model, global, data, { ...plain, l2: 0, dp }, context), trainLocally(model, global, data, { ...plain, dp }, context));
  });

  it('shrinks the weights and leaves the bias to the data: a huge λ drives every weight to 0 in a long run', () => {
    const u = trainLocally(model, global, data, { localSteps: 400, batchSize: 4, learningRate: 0.05, l2: 10 }, context);
    const w = global.map((v, j) => v + u.delta[j]!);
    for (let j = 0; j < 3; j++) assert.ok(Math.abs(w[j]!) < 0.05, `weight ${j}: ${w[j]}`);
  });

  it('under DP-SGD is added after the noise: same samples, same noise, same privacy report', () => {
    // In one step w = w_global, so the penalised and the free update differ by exactly −lr·λ·w_global
    // at the weights: the Poisson sample and the noise drawn are the same, and so is what is charged.
    const round = { localSteps: 1, batchSize: 4, learningRate: 0.3, dp };
    const free = trainLocally(model, global, data, round, context);
    const pen = trainLocally(model, global, data, { ...round, l2: 0.5 }, context);
    assert.deepEqual(pen.privacy, free.privacy);
    const mask = penalisedCoordinates(model);
    pen.delta.forEach((d, j) => close(d - free.delta[j]!, mask[j] ? -0.3 * 0.5 * global[j]! : 0, 1e-15, `coordinate ${j}`));
  });

  it('refuses a negative or infinite λ, naming round.l2', () => {
    for (const l2 of [-1e-3, Number.POSITIVE_INFINITY]) {
      assert.throws(
        () => trainLocally(model, global, data, { localSteps: 1, batchSize: 4, learningRate: 0.1, l2 }, context),
        (e: unknown) => isDomainError(e) && e.code === 'BAD_INPUT' && e.issues.some((i) => i.expression === 'round.l2'),
      );
    }
  });
});
