import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trainLocally } from '../../../src/federation/local-training/local-trainer.ts';
import { quantisationStep } from '../../../src/federation/secagg/quantise.ts';
import { SECAGG_GRID } from '../../../src/federation/simulation/defaults.ts';
import { loadFederatedDataset } from '../../../src/federation/simulation/federated-datasets.ts';
import { secureWeightedSum } from '../../../src/federation/simulation/secure-sum.ts';
import { simulateFederation } from '../../../src/federation/simulation/simulate.ts';

const heart = loadFederatedDataset('heart');
const maxWeight = Math.max(...heart.sites.map((s) => s.train.rows));
const total = heart.sites.reduce((n, s) => n + s.train.rows, 0);
// A weighted round quantises (n_i/maxWeight)·Δ_i on a grid of step Δq, so Σ n_i·Δ_i is off by at
// most (sites · Δq/2) · maxWeight per coordinate (secagg/quantise.ts).
const sumBound = (heart.sites.length * quantisationStep(SECAGG_GRID) * maxWeight) / 2;

describe('secure aggregation in the simulation', () => {
  it('unmasks Σ n_i·Δ_i within the quantisation bound and Σ n_i exactly', () => {
    const global = new Float64Array(heart.model.slots.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0)).fill(0.05);
    const inputs = heart.sites.map((s) => ({
      siteId: s.name,
      numExamples: s.train.rows,
      delta: trainLocally(heart.model, global, s.train, { localSteps: 100, batchSize: 4, learningRate: 0.01 }, { seed: 1, site: s.name, round: 0 }).delta,
    }));
    const secure = secureWeightedSum(inputs, { roundId: 'r0', ...SECAGG_GRID, maxWeight });
    assert.equal(secure.totalExamples, total);
    assert.deepEqual(secure.contributors.sort(), heart.sites.map((s) => s.name).sort());
    assert.ok(Math.abs(secure.sumErrorBound - sumBound) < 1e-12 * sumBound);
    for (let j = 0; j < global.length; j++) {
      const plainSum = inputs.reduce((acc, i) => acc + i.numExamples * i.delta[j]!, 0);
      assert.ok(Math.abs(secure.weightedDeltaSum[j]! - plainSum) <= sumBound, `coordinate ${j}`);
      // and the sum is not trivially zero
      assert.ok(Math.abs(plainSum) > 100 * sumBound);
    }
  });

  it('gives the same FedAvg model as plain aggregation within the propagated quantisation error', async () => {
    const options = { dataset: 'heart', strategy: 'fedavg', seed: 42, rounds: 5, baselines: false } as const;
    const plain = await simulateFederation(options, { dataset: heart });
    const secure = await simulateFederation({ ...options, secagg: true }, { dataset: heart });
    // Each round the mean delta is off by at most sumBound/Σn per coordinate, i.e. sumBound·√d/Σn in
    // L2; with small steps SGD on the convex logistic loss is non-expansive, so R rounds add at most R times that.
    const d = plain.model.parameters.length;
    const bound = (options.rounds * sumBound * Math.sqrt(d)) / total;
    const diff = Math.hypot(...plain.model.parameters.map((w, j) => w - secure.model.parameters[j]!));
    assert.ok(diff <= bound, `${diff} > ${bound}`);
    assert.ok(diff > 0, 'the secure path really went through the quantiser');
    assert.equal(secure.pooledTestMetric, plain.pooledTestMetric);
  });
});
