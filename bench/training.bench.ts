// Training throughput of each model family on this machine, in examples (or bags) per second,
// with a baseline measured in the same run: the forward pass alone over the same data, so the
// ratio shows what the backward pass and the update cost on top of it.
import { runForward } from '../src/modeling/execute.ts';
import { mutationGraph } from '../src/modeling/families/mutation.ts';
import { prognosisGraph } from '../src/modeling/families/prognosis.ts';
import { responseGraph } from '../src/modeling/families/response.ts';
import { tensor, type Tensor } from '../src/modeling/tensor.ts';
import { trainMutation, trainPrognosis, trainResponse } from '../src/modeling/train.ts';
import { Rng } from '../src/random/rng.ts';

const rng = new Rng(1, 'bench');
const random = (shape: number[]): Tensor => tensor(shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal(0, 1)));

function rate(label: string, examples: number, train: () => void, forward: () => void): void {
  forward();
  let t = performance.now();
  forward();
  const f = examples / ((performance.now() - t) / 1000);
  t = performance.now();
  train();
  const r = examples / ((performance.now() - t) / 1000);
  console.log(`${label}: ${r.toFixed(0)} examples/s training, forward alone ${f.toFixed(0)}/s, ratio ${(r / f).toFixed(3)}`);
}

const n = 4000;
const x43 = random([n, 43]);
const y = Array.from({ length: n }, () => (rng.next() < 0.4 ? 1 : 0));
const mlp = responseGraph({ features: 43, hidden: 16, seed: 1 });
rate('response MLP (43 features, 16 hidden, batch 64)', n, () => trainResponse(mlp, x43, y, { epochs: 1, learningRate: 0.01, batchSize: 64, seed: 1 }), () => {
  for (let s = 0; s < n; s += 64) runForward(mlp, { features: tensor([Math.min(64, n - s), 43], x43.data.subarray(s * 43, Math.min(n, s + 64) * 43)) });
});

const x39 = random([n, 39]);
const time = Array.from({ length: n }, () => rng.uniform(1, 4000));
const event = Array.from({ length: n }, () => (rng.next() < 0.3 ? 1 : 0));
const cox = prognosisGraph({ features: 39, seed: 1, grid: [365, 730] });
rate('linear Cox (39 features, full batch)', n, () => trainPrognosis(cox, x39, { time, event }, [365, 730], { epochs: 1, learningRate: 0.01, seed: 1 }), () => runForward(cox, { features: x39 }));

const bags = Array.from({ length: 200 }, () => ({ tiles: random([16, 30]), labels: [1, 0, Number.NaN, 0] }));
const mil = mutationGraph({ embedding: 30, biomarkers: ['MSI_H', 'EGFR', 'KRAS', 'BRAF_V600E'], hidden: 32, attention: 16, seed: 1 });
rate('gated-attention MIL (bags of 16 tiles × 30 features, 4 biomarkers)', bags.length, () => trainMutation(mil, bags, { epochs: 1, learningRate: 0.003, seed: 1 }), () => {
  for (const b of bags) runForward(mil, { tiles: b.tiles });
});
