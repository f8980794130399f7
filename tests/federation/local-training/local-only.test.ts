import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logisticModel } from '../../../src/federation/local-training/federated-model.ts';
import { lossAndGradient } from '../../../src/federation/local-training/gradients.ts';
import { bestStep, FLAMBY_LOCAL_TRAINING, stratifiedHoldout, trainLocalOnly } from '../../../src/federation/local-training/local-only.ts';
import { binaryData, selectRows, survivalData } from '../../../src/federation/local-training/site-data.ts';
import { Rng } from '../../../src/random/rng.ts';

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

  it('with `steps`, takes that many steps whatever `epochs` says', () => {
    const g = lossAndGradient(model, start, data).gradient;
    const w = trainLocalOnly(model, start, data, { epochs: 100, steps: 1, batchSize: 4, learningRate: 0.01, seed: 1, site: 'a' });
    for (let j = 0; j < 3; j++) assert.ok(Math.abs(w[j]! - (start[j]! - (0.01 * g[j]!) / (Math.abs(g[j]!) + 1e-8))) < 1e-15);
  });
});

describe('early stopping of the local-only baseline', () => {
  const rng = new Rng(5, 'fixture');
  const n = 40;
  const x = Float64Array.from({ length: n * 2 }, () => rng.normal());
  const y = Array.from({ length: n }, (_, i) => Number(x[2 * i]! > 0));
  const big = binaryData({ rows: n, features: 2, x }, y);
  const options = { epochs: 5, batchSize: n, learningRate: 0.05, seed: 3, site: 'a' };

  it('holds out round(f·n) of each class, at least one of a class with two rows, and never a lone row', () => {
    const { fit, held } = stratifiedHoldout(big, 0.2, new Rng(1, 'h'));
    const positives = y.filter(Boolean).length;
    assert.equal(held.filter((i) => y[i]).length, Math.round(0.2 * positives));
    assert.equal(held.filter((i) => !y[i]).length, Math.round(0.2 * (n - positives)));
    assert.deepEqual([...fit, ...held].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
    assert.deepEqual(stratifiedHoldout(big, 0.2, new Rng(1, 'h')), { fit, held });
    // a survival site with 2 events out of 6 (Canada's training set has 2 of 40): one event held out
    const surv = survivalData({ rows: 6, features: 1, x: new Float64Array(6) }, [1, 2, 3, 4, 5, 6], [1, 0, 0, 1, 0, 0]);
    const split = stratifiedHoldout(surv, 0.1, new Rng(1, 'h'));
    const events = (surv.labels as { event: Float64Array }).event;
    assert.deepEqual(split.held.map((i) => events[i]).sort(), [0, 1]);
    // one row of a class stays in training
    const lone = binaryData({ rows: 3, features: 1, x: new Float64Array(3) }, [1, 0, 0]);
    assert.deepEqual(stratifiedHoldout(lone, 0.4, new Rng(1, 'h')).fit.includes(0), true);
    assert.throws(() => stratifiedHoldout(big, 1, new Rng(1, 'h')));
  });

  it('stops at 0 steps when training only hurts the held-out rows, and runs the whole budget when it only helps', () => {
    const flipped = binaryData({ rows: n, features: 2, x }, y.map((v) => 1 - v));
    assert.equal(bestStep(model, start, big, flipped, options), 0);
    // full-batch Adam at a small rate on a convex loss, validated on its own rows: every pass improves
    assert.equal(bestStep(model, start, big, big, options), 5);
  });

  it('refits on all of the site\'s rows for the chosen number of steps (Goodfellow et al. §7.8, Algorithm 7.2)', () => {
    const es = { ...options, batchSize: 8, epochs: 10, earlyStopping: { validationFraction: 0.25 } };
    const { fit, held } = stratifiedHoldout(big, 0.25, new Rng(3, 'local-only/a/holdout'));
    const steps = bestStep(model, start, selectRows(big, fit), selectRows(big, held), es);
    assert.ok(steps > 0 && steps <= 10 * 4, `stopped at ${steps}`);
    const { earlyStopping: _, ...plain } = es;
    assert.deepEqual(trainLocalOnly(model, start, big, es), trainLocalOnly(model, start, big, { ...plain, steps }));
  });
});
