import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { standardise } from '../../../src/features/feature-schema.ts';
import { buildVersion } from '../../../src/federation/rollout/build-version.ts';
import { familyFromCard, familyGraph, parameterLayoutOf } from '../../../src/federation/rollout/model-family.ts';
import { readOnnxInitializers } from '../../../src/federation/rollout/onnx-initializers.ts';
import { ModelCardSchema } from '../../../src/inference/model-card.ts';
import { runForward } from '../../../src/modeling/execute.ts';
import { BASELINE } from '../../../src/modeling/families/prognosis.ts';
import { tensor } from '../../../src/modeling/tensor.ts';
import { Rng } from '../../../src/random/rng.ts';
import { loadTcgaBrca } from '../../../src/training/tcga-brca.ts';
import { readFileSync } from 'node:fs';
import { baseCard, baseOnnx, baseWeights, layout } from './rollout-fixtures.ts';

const round = { id: 'round-7', number: 3, strategy: 'fedadam', sites: ['site-b', 'site-a'], examples: 640 };
const privacy = { 'site-a': { epsilon: 1.2, delta: 1e-5 }, 'site-b': { epsilon: 0.8, delta: 1e-5 } };

/** Known weights: the shipped ones, each scaled by a factor drawn from a seeded generator. */
function knownWeights(seed: number): Float64Array {
  const rng = new Rng(seed, 'rollout-test');
  return baseWeights().map((w) => w * rng.uniform(0.5, 1.5));
}

function testMatrix(mean: number[], sd: number[]) {
  const test = loadTcgaBrca().patients.filter((p) => p.fold === 'test');
  return { n: test.length, x: test.flatMap((p) => standardise(p.x, { mean, sd })), test };
}

function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, tolerance: number, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tolerance * Math.max(1, Math.abs(b[i]!)), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

describe('buildVersion', () => {
  it('exports a prognosis version whose onnxruntime output equals the TS forward pass, keeping the parent baseline', async () => {
    const weights = knownWeights(1);
    const built = buildVersion({ lineage: 'brca-os', baseCard, baseOnnx, weights, parameterLayout: layout, version: '2', privacy, round });
    const { mean, sd } = baseCard.standardisation!;
    const { n, x } = testMatrix(mean, sd);
    const session = await ort.InferenceSession.create(built.onnx);
    const out = await session.run({ features: new ort.Tensor('float32', Float32Array.from(x), [n, 39]) });
    await session.release();
    const ts = runForward(built.graph, { features: tensor([n, 39], x) });
    // the file holds float32 weights and onnxruntime computes in float32
    assertClose(out.risk!.data as Float32Array, ts.get('risk')!.data, 1e-4, 'risk');
    assertClose(out.survival!.data as Float32Array, ts.get('survival')!.data, 1e-4, 'survival');
    // the weights in the file are the given ones, rounded to float32
    const written = readOnnxInitializers(built.onnx)['risk.weight']!.data;
    assert.deepEqual(Array.from(written), Array.from(weights, Math.fround));
    assert.deepEqual(Array.from(readOnnxInitializers(built.onnx)[BASELINE]!.data), Array.from(readOnnxInitializers(baseOnnx)[BASELINE]!.data));
  });

  it('refits the Breslow baseline when given survival data: the parent weights on the parent training data give back the shipped baseline', () => {
    const { mean, sd } = baseCard.standardisation!;
    const train = loadTcgaBrca().patients.filter((p) => p.fold === 'train');
    const features = tensor([train.length, 39], train.flatMap((p) => standardise(p.x, { mean, sd })));
    const built = buildVersion({
      lineage: 'brca-os', baseCard, weights: baseWeights(), parameterLayout: layout, version: '2', privacy, round,
      baselineData: { features, time: train.map((p) => p.time), event: train.map((p) => p.event) },
    });
    // shipped: Breslow on the float64 weights; here: on their float32 rounding, so agreement to ~1e-5
    assertClose(readOnnxInitializers(built.onnx)[BASELINE]!.data, readOnnxInitializers(baseOnnx)[BASELINE]!.data, 1e-4, 'baseline');
    assert.match(built.card.federation?.baseline ?? '', /^refit \(Breslow\) on 866 examples/);
  });

  it('exports a response version (MLP from the shipped card) that onnxruntime runs as the engine does', async () => {
    const json = JSON.parse(readFileSync(new URL('../../../models/response-synthetic/1/card.json', import.meta.url), 'utf8'));
    const card = ModelCardSchema.parse(json);
    const graph = familyGraph(familyFromCard(card));
    const responseLayout = parameterLayoutOf(graph);
    const rng = new Rng(2, 'response-weights');
    const weights = Float64Array.from({ length: responseLayout.reduce((s, l) => s + l.size, 0) }, () => rng.normal(0, 0.3));
    const built = buildVersion({ lineage: 'response', baseCard: card, weights, parameterLayout: responseLayout, version: '5', privacy, round });
    const rows = 50;
    const x = Array.from({ length: rows * 35 }, () => rng.normal());
    const session = await ort.InferenceSession.create(built.onnx);
    const out = await session.run({ features: new ort.Tensor('float32', Float32Array.from(x), [rows, 35]) });
    await session.release();
    const ts = runForward(built.graph, { features: tensor([rows, 35], Float32Array.from(x)) });
    assertClose(out.probability!.data as Float32Array, ts.get('probability')!.data, 1e-5, 'probability');
    assert.equal(built.card.federation?.baseline, undefined);
  });

  it('writes a valid card with the lineage, parent, round and per-site privacy, and the sha256 of its bytes', () => {
    const built = buildVersion({ lineage: 'brca-os', baseCard, baseOnnx, weights: knownWeights(3), parameterLayout: layout, version: '4', privacy, round });
    const card = ModelCardSchema.parse(JSON.parse(JSON.stringify(built.card)));
    assert.equal(card.sha256, built.sha256);
    assert.equal(card.version, '4');
    assert.deepEqual(card.federation, {
      lineage: 'brca-os',
      parentVersion: '1',
      round: { id: 'round-7', number: 3, strategy: 'fedadam', sites: ['site-a', 'site-b'], examples: 640 },
      privacy,
      baseline: 'kept from prognosis-brca@1: the coordinator holds no survival data to refit it',
    });
    assert.deepEqual([card.privacy.epsilon, card.privacy.delta], [1.2, 1e-5]); // the larger spend of the two sites
    assert.deepEqual([card.training.federatedRounds, card.training.examples, card.training.sites], [3, 640, ['site-a', 'site-b']]);
    assert.equal(card.training.events, undefined); // the parent's event count does not describe this round
    assert.deepEqual(card.standardisation, baseCard.standardisation);
    const noDp = buildVersion({ lineage: 'brca-os', baseCard, baseOnnx, weights: knownWeights(3), parameterLayout: layout, version: '4', privacy: { ...privacy, 'site-c': { epsilon: null, delta: null } }, round });
    assert.equal(noDp.card.privacy.epsilon, null);
    assert.match(noDp.card.privacy.note, /without differential privacy at site-c/);
  });

  it('refuses weights that do not fit the layout, a version not above the parent, and parent bytes that are not the parent', () => {
    const base = { lineage: 'brca-os', baseCard, baseOnnx, parameterLayout: layout, privacy, round };
    const code = (fn: () => unknown) => assert.throws(fn, (e: { code?: string }) => e.code === 'BAD_INPUT');
    code(() => buildVersion({ ...base, weights: new Float64Array(38), version: '2' }));
    code(() => buildVersion({ ...base, weights: knownWeights(1).fill(Number.NaN, 0, 1), version: '2' }));
    code(() => buildVersion({ ...base, weights: knownWeights(1), parameterLayout: [{ name: 'other.weight', size: 39 }], version: '2' }));
    code(() => buildVersion({ ...base, weights: knownWeights(1), version: '1' }));
    code(() => buildVersion({ ...base, weights: knownWeights(1), version: '2', baseOnnx: baseOnnx.slice(1) }));
    code(() => buildVersion({ ...base, weights: knownWeights(1), version: '2', baseOnnx: undefined }));
  });
});
