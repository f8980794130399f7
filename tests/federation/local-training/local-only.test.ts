import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logisticModel } from '../../../src/federation/local-training/federated-model.ts';
import { lossAndGradient } from '../../../src/federation/local-training/gradients.ts';
import { FLAMBY_LOCAL_TRAINING, trainLocalOnly } from '../../../src/federation/local-training/local-only.ts';
import { binaryData } from '../../../src/federation/local-training/site-data.ts';

const data = binaryData({ rows: 4, features: 2, x: Float64Array.from([1, 0, 0, 1, -1, 2, 3, -1]) }, [1, 0, 0, 1]);
const model = logisticModel(2);
const start = Float64Array.from([0.1, -0.1, 0.2]);

describe('trainLocalOnly (FLamby\'s Local/Pooled baselines, Adam)', () => {
  it('takes Adam\'s first step by hand: m̂ = g, v̂ = g², so w ← w − lr·g/(|g| + ε) (Kingma & Ba 2015, Alg. 1)', () => {
    const g = lossAndGradient(model, start, data).gradient;
    // one epoch of one full batch is one step
    const w = trainLocalOnly(model, start, data, { epochs: 1, batchSize: 4, learningRate: 0.01, seed: 1, site: 'a' });
    for (let j = 0; j < 3; j++) {
      const expected = start[j]! - (0.01 * g[j]!) / (Math.abs(g[j]!) + 1e-8);
      assert.ok(Math.abs(w[j]! - expected) < 1e-15, `${w[j]} vs ${expected}`);
    }
    // the starting weights are not touched
    assert.deepEqual(start, Float64Array.from([0.1, -0.1, 0.2]));
  });

  it('runs whole epochs: 3 epochs of batch 3 over 4 rows are 6 steps, reproducibly', () => {
    const a = trainLocalOnly(model, start, data, { epochs: 3, batchSize: 3, learningRate: 0.01, seed: 1, site: 'a' });
    assert.deepEqual(trainLocalOnly(model, start, data, { epochs: 3, batchSize: 3, learningRate: 0.01, seed: 1, site: 'a' }), a);
    // with Adam's near-sign steps, 6 steps move a coordinate by at most 6·lr
    assert.ok(a.every((v, j) => Math.abs(v - start[j]!) <= 6 * 0.01 + 1e-12));
    assert.ok(a.some((v, j) => Math.abs(v - start[j]!) > 4 * 0.01));
  });

  it('exports FLamby\'s common.py settings', () => {
    assert.deepEqual(FLAMBY_LOCAL_TRAINING['tcga-brca'], { epochs: 30, batchSize: 8, learningRate: 0.1 });
    assert.deepEqual(FLAMBY_LOCAL_TRAINING.heart, { epochs: 50, batchSize: 4, learningRate: 0.001 });
  });
});
