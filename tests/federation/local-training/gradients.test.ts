import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initialWeights, linearCoxModel, logisticModel, parameterCount, parameterLayout, toFlat, toParameters } from '../../../src/federation/local-training/federated-model.ts';
import { batchGradient, lossAndGradient, perExampleGradients, predictScores } from '../../../src/federation/local-training/gradients.ts';
import { binaryData, survivalData } from '../../../src/federation/local-training/site-data.ts';
import { Rng } from '../../../src/random/rng.ts';

const close = (a: number, b: number, tol: number, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);

/**
 * FLamby's Fed-TCGA-BRCA `BaselineLoss`, transcribed line by line (rows sorted by descending time,
 * loss_i = logsumexp(s[:i+1] − s_i), times the event flag, mean over the batch), as an independent
 * reference for ours. https://github.com/owkin/FLamby/blob/main/flamby/datasets/fed_tcga_brca/loss.py
 */
function flambyCoxLoss(scores: number[], event: number[], time: number[]): number {
  const order = scores.map((_, i) => i).sort((a, b) => time[b]! - time[a]!);
  const s = order.map((i) => scores[i]!);
  const e = order.map((i) => event[i]!);
  let total = 0;
  for (let i = 1; i < s.length; i++) {
    const aux = s.slice(0, i + 1).map((v) => v - s[i]!);
    const m = Math.max(...aux);
    total += e[i]! * (m + Math.log(aux.reduce((acc, v) => acc + Math.exp(v - m), 0)));
  }
  return total / s.length;
}

describe('FederatedModel: the flat parameter order', () => {
  it('lays out FLamby\'s heart model as output.weight [13,1] then output.bias [1]', () => {
    const m = logisticModel(13);
    assert.deepEqual(parameterLayout(m), [{ name: 'output.weight', size: 13 }, { name: 'output.bias', size: 1 }]);
    const flat = Float64Array.from({ length: 14 }, (_, i) => i + 1);
    const p = toParameters(m, flat);
    assert.deepEqual(Array.from(p['output.bias']!.data), [14]);
    assert.deepEqual(toFlat(m, p), flat);
  });

  it('the MLP puts the hidden layer first', () => {
    const m = logisticModel(5, 3);
    assert.deepEqual(parameterLayout(m).map((s) => s.name), ['hidden.weight', 'hidden.bias', 'output.weight', 'output.bias']);
    assert.equal(parameterCount(m), 5 * 3 + 3 + 3 + 1);
  });

  it('starts like torch nn.Linear: every weight and bias in U(−1/√fan_in, 1/√fan_in)', () => {
    const m = linearCoxModel(39);
    const w = initialWeights(m, 42);
    const bound = 1 / Math.sqrt(39);
    assert.ok(w.every((v) => Math.abs(v) <= bound));
    // spread over the whole interval, not a narrower one
    assert.ok(Math.max(...w) > 0.8 * bound && Math.min(...w) < -0.8 * bound);
    assert.deepEqual(initialWeights(m, 42), w);
    assert.notDeepEqual(initialWeights(m, 43), w);
  });
});

describe('losses and gradients', () => {
  it('logistic: mean BCE gradient (σ(z) − y)·x by hand', () => {
    const m = logisticModel(2);
    const data = binaryData({ rows: 2, features: 2, x: Float64Array.from([1, 2, -1, 0.5]) }, [1, 0]);
    const w = Float64Array.from([0.3, -0.2, 0.1]); // w1, w2, b
    const sig = (z: number) => 1 / (1 + Math.exp(-z));
    const r0 = sig(0.3 * 1 - 0.2 * 2 + 0.1) - 1; // z = 0
    const r1 = sig(0.3 * -1 - 0.2 * 0.5 + 0.1) - 0; // z = −0.3
    const g = lossAndGradient(m, w, data).gradient;
    close(g[0]!, (r0 * 1 + r1 * -1) / 2, 1e-15, 'w1');
    close(g[1]!, (r0 * 2 + r1 * 0.5) / 2, 1e-15, 'w2');
    close(g[2]!, (r0 + r1) / 2, 1e-15, 'b');
    // per-example gradients are the same rows' gradients, not divided by the batch
    const [p0, p1] = perExampleGradients(m, w, data, [0, 1]);
    close(p0![0]!, r0, 1e-15);
    close(p1![1]!, r1 * 0.5, 1e-15);
  });

  it('Cox: equals FLamby\'s BaselineLoss on a hand example (log 6 / 3 at zero weights)', () => {
    const m = linearCoxModel(1);
    const all = survivalData({ rows: 3, features: 1, x: Float64Array.from([1, 2, 3]) }, [3, 2, 1], [1, 1, 1]);
    close(lossAndGradient(m, new Float64Array(1), all).loss, Math.log(6) / 3, 1e-15);
    // the T = 2 patient censored: only the T = 1 death counts, log 3 over the 3 rows
    const censored = survivalData({ rows: 3, features: 1, x: Float64Array.from([1, 2, 3]) }, [3, 2, 1], [1, 0, 1]);
    close(lossAndGradient(m, new Float64Array(1), censored).loss, Math.log(3) / 3, 1e-15);
  });

  it('Cox: loss and gradient match FLamby\'s loss and its finite differences on random data without tied times', () => {
    const rng = new Rng(5, 'cox');
    const n = 9;
    const f = 4;
    const x = Float64Array.from({ length: n * f }, () => rng.normal());
    const time = Array.from({ length: n }, (_, i) => 100 + 37 * ((i * 5) % n));
    const event = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0 : 1));
    const data = survivalData({ rows: n, features: f, x }, time, event);
    const m = linearCoxModel(f);
    const w = Float64Array.from({ length: f }, () => rng.normal(0, 0.5));
    const reference = (weights: Float64Array) => flambyCoxLoss(Array.from(predictScores(m, weights, data)), event, time);
    const ours = lossAndGradient(m, w, data);
    close(ours.loss, reference(w), 1e-12, 'loss');
    for (let j = 0; j < f; j++) {
      const h = 1e-6;
      const up = Float64Array.from(w);
      const down = Float64Array.from(w);
      up[j]! += h;
      down[j]! -= h;
      close(ours.gradient[j]!, (reference(up) - reference(down)) / (2 * h), 1e-8, `d/dw${j}`);
    }
  });

  it('a batch is the loss on the selected rows only', () => {
    const m = logisticModel(1);
    const data = binaryData({ rows: 3, features: 1, x: Float64Array.from([1, 5, 9]) }, [1, 0, 1]);
    const w = Float64Array.from([0.2, 0]);
    const sub = binaryData({ rows: 1, features: 1, x: Float64Array.from([5]) }, [0]);
    assert.deepEqual(batchGradient(m, w, data, [1]), lossAndGradient(m, w, sub));
  });
});
