import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { predictScores } from '../../../src/federation/local-training/gradients.ts';
import { parameterCount } from '../../../src/federation/local-training/federated-model.ts';
import { binaryData, survivalData } from '../../../src/federation/local-training/site-data.ts';
import { federatedModelFromCard, readShippedModel, siteTaskOf, weightsFromOnnx } from '../../../src/federation/node/lineage-model.ts';
import { Rng } from '../../../src/random/rng.ts';

/** Rows of standard-normal features: the scale the models see after standardisation. */
function rows(n: number, features: number, seed: number): Float64Array {
  const rng = new Rng(seed, 'lineage-model-test');
  return Float64Array.from({ length: n * features }, () => rng.normal());
}

/**
 * The independent check of the flat order: the trainer's own forward pass with the weights read
 * from the file must give what onnxruntime computes on the same file. A slot read into the wrong
 * place (hidden.bias as output.weight, a transposed matrix) changes the scores.
 */
async function onnxScores(onnx: Uint8Array, output: string, x: Float64Array, n: number, features: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(onnx);
  try {
    const out = await session.run({ features: new ort.Tensor('float32', Float32Array.from(x), [n, features]) });
    return out[output]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('a served model as a federated lineage', () => {
  it('reads the response MLP into the trainer\'s flat order, reproducing onnxruntime\'s logits', async () => {
    const shipped = readShippedModel('response-synthetic');
    const model = federatedModelFromCard(shipped.card);
    assert.equal(model.name, 'mlp-35-16');
    assert.equal(parameterCount(model), 35 * 16 + 16 + 16 + 1);
    assert.equal(siteTaskOf(shipped.card), 'response');
    const weights = weightsFromOnnx(model, shipped.onnx);
    const n = 12;
    const x = rows(n, 35, 1);
    const ours = predictScores(model, weights, binaryData({ rows: n, features: 35, x }, new Float64Array(n)));
    const theirs = await onnxScores(shipped.onnx, 'logit', x, n, 35);
    // float32 inference against float64 arithmetic on the same float32 weights
    for (let i = 0; i < n; i++) assert.ok(Math.abs(ours[i]! - theirs[i]!) < 1e-4, `row ${i}: ${ours[i]} vs ${theirs[i]}`);
    assert.ok(new Set(theirs).size > 1, 'the logits differ between patients');
  });

  it('reads the prognosis Cox model into one risk.weight slot, reproducing onnxruntime\'s risk', async () => {
    const shipped = readShippedModel('prognosis-brca');
    const model = federatedModelFromCard(shipped.card);
    assert.equal(model.name, 'cox-linear-39');
    assert.equal(siteTaskOf(shipped.card), 'prognosis-brca');
    const weights = weightsFromOnnx(model, shipped.onnx);
    const n = 8;
    const x = rows(n, 39, 2);
    const ours = predictScores(model, weights, survivalData({ rows: n, features: 39, x }, new Float64Array(n).fill(1), new Float64Array(n)));
    const theirs = await onnxScores(shipped.onnx, 'risk', x, n, 39);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(ours[i]! - theirs[i]!) < 1e-4, `row ${i}: ${ours[i]} vs ${theirs[i]}`);
  });

  it('refuses a family sites cannot train federatedly', () => {
    const shipped = readShippedModel('mutation-synthetic');
    assert.throws(() => federatedModelFromCard(shipped.card), /cannot train a mutation model/);
    assert.throws(() => readShippedModel('no-such-model'), /no shipped model no-such-model/);
    assert.throws(() => readShippedModel('../etc'), /not a model name/);
  });
});
