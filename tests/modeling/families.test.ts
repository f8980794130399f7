import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runBackward, runForward } from '../../src/modeling/execute.ts';
import { mutationGraph } from '../../src/modeling/families/mutation.ts';
import { BASELINE, prognosisGraph } from '../../src/modeling/families/prognosis.ts';
import { responseGraph } from '../../src/modeling/families/response.ts';
import type { GraphDef } from '../../src/modeling/graph.ts';
import { binaryCrossEntropyWithLogits, coxPartialLikelihood } from '../../src/modeling/losses.ts';
import { tensor, type Tensor } from '../../src/modeling/tensor.ts';
import { Rng } from '../../src/random/rng.ts';
import { assertOnnxAgrees } from './onnx-check.ts';

function randomTensor(shape: number[], rng: Rng, scale = 1): Tensor {
  const t = tensor(shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = Math.fround(rng.normal(0, scale));
  return t;
}

/** Gradient of a whole-graph loss against central differences, on every element of every parameter (up to 40 per tensor). */
function checkGradients(graph: GraphDef, feeds: Record<string, Tensor>, loss: (values: Map<string, Tensor>) => { loss: number; seeds: Record<string, Tensor> }): void {
  const values = runForward(graph, feeds);
  const grads = runBackward(graph, values, loss(values).seeds);
  const objective = () => loss(runForward(graph, feeds)).loss;
  for (const [name, p] of Object.entries(graph.parameters)) {
    const g = grads.get(name);
    assert.ok(g, `${name} gets a gradient`);
    const step = Math.max(1, Math.floor(p.data.length / 40));
    for (let i = 0; i < p.data.length; i += step) {
      const saved = p.data[i]!;
      p.data[i] = saved + 1e-6;
      const up = objective();
      p.data[i] = saved - 1e-6;
      const down = objective();
      p.data[i] = saved;
      const numeric = (up - down) / 2e-6;
      assert.ok(Math.abs(numeric - g.data[i]!) <= 1e-5 * Math.max(1, Math.abs(numeric)), `${name}[${i}]: analytic ${g.data[i]}, numeric ${numeric}`);
    }
  }
}

const GRID = [30, 90, 180, 365, 730];

describe('response family', () => {
  for (const hidden of [0, 6]) {
    const graph = responseGraph({ features: 5, hidden, seed: 1 });
    const rng = new Rng(2, `response-${hidden}`);
    it(`${graph.name}: whole-graph gradient of the cross-entropy`, () => {
      const x = randomTensor([9, 5], rng);
      const y = Array.from({ length: 9 }, (_, i) => i % 2);
      checkGradients(graph, { features: x }, (v) => {
        const r = binaryCrossEntropyWithLogits(v.get('logit')!, y);
        return { loss: r.loss, seeds: { logit: r.gradient } };
      });
    });
    it(`${graph.name}: onnxruntime agrees for batches of 1 and 7`, async () => {
      for (const n of [1, 7]) await assertOnnxAgrees(graph, { features: randomTensor([n, 5], rng) });
    });
  }
});

describe('prognosis family', () => {
  for (const hidden of [0, 4]) {
    const graph = prognosisGraph({ features: 4, hidden, seed: 3, grid: GRID });
    graph.constants[BASELINE] = { tensor: tensor([1, GRID.length], [0.02, 0.08, 0.2, 0.5, 1.1]), type: 'float' };
    const rng = new Rng(4, `prognosis-${hidden}`);
    it(`${graph.name}: whole-graph gradient of the Cox partial likelihood`, () => {
      const x = randomTensor([12, 4], rng);
      const time = Array.from({ length: 12 }, (_, i) => [5, 9, 9, 14, 20, 20, 31, 40, 41, 50, 66, 70][i]!);
      const event = [1, 1, 0, 1, 1, 1, 0, 1, 0, 1, 1, 0];
      checkGradients(graph, { features: x }, (v) => {
        const r = coxPartialLikelihood(v.get('risk')!, { time, event });
        return { loss: r.loss, seeds: { risk: r.gradient } };
      });
    });
    it(`${graph.name}: risk and survival curve agree with onnxruntime, and S = exp(−H0·e^risk)`, async () => {
      const x = randomTensor([6, 4], rng);
      await assertOnnxAgrees(graph, { features: x });
      const v = runForward(graph, { features: x });
      const risk = v.get('risk')!.data[2]!;
      assert.ok(Math.abs(v.get('survival')!.data[2 * GRID.length + 3]! - Math.exp(-0.5 * Math.exp(risk))) < 1e-12);
    });
  }
});

describe('mutation family (gated attention MIL)', () => {
  const graph = mutationGraph({ embedding: 6, biomarkers: ['MSI_H', 'KRAS', 'BRAF'], hidden: 5, attention: 4, seed: 5 });
  const rng = new Rng(6, 'mutation');
  it('whole-graph gradient of the multi-label cross-entropy with an unknown label', () => {
    checkGradients(graph, { tiles: randomTensor([7, 6], rng) }, (v) => {
      const r = binaryCrossEntropyWithLogits(v.get('logit')!, [1, 0, Number.NaN]);
      return { loss: r.loss, seeds: { logit: r.gradient } };
    });
  });
  it('onnxruntime agrees on bags of 1, 5 and 37 tiles; attention sums to 1 over tiles', async () => {
    for (const n of [1, 5, 37]) {
      const tiles = randomTensor([n, 6], rng);
      await assertOnnxAgrees(graph, { tiles });
      const attention = runForward(graph, { tiles }).get('attention')!;
      for (let k = 0; k < 3; k++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += attention.data[i * 3 + k]!;
        assert.ok(Math.abs(s - 1) < 1e-12);
      }
    }
  });
});
