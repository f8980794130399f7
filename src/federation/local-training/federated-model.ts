/**
 * A model as federated training sees it: a model-engine graph whose trainable parameters are laid
 * end to end in one Float64Array, in a documented order, so strategies, secure aggregation and
 * DP-SGD all work on plain vectors. The graphs are the engine's own families
 * (`src/modeling/families`), so the same definition trains here and exports to ONNX.
 */
import { badInput } from '../../errors/domain-error.ts';
import type { GraphDef } from '../../modeling/graph.ts';
import { prognosisGraph } from '../../modeling/families/prognosis.ts';
import { responseGraph } from '../../modeling/families/response.ts';
import { tensor, type Tensor } from '../../modeling/tensor.ts';
import { Rng } from '../../random/rng.ts';
import type { ParameterLayout } from '../privacy/dp-sgd.ts';

/** What the labels are and hence which loss applies. */
export type TaskKind = 'binary' | 'survival';

/** One trainable tensor in flat order, with the fan-in its initialisation uses. */
export interface ParameterSlot {
  name: string;
  shape: readonly number[];
  /** inputs feeding each unit of the layer this tensor belongs to */
  fanIn: number;
}

/** A graph plus the flat parameter order and the output that carries the score. */
export interface FederatedModel {
  /** e.g. `cox-linear-39`, `logistic-13`, `mlp-35-16` */
  readonly name: string;
  readonly task: TaskKind;
  readonly graph: GraphDef;
  /** parameter tensors in flat order; this order is part of the wire format of an update */
  readonly slots: readonly ParameterSlot[];
  /** `risk` (log relative hazard) or `logit` */
  readonly scoreOutput: 'risk' | 'logit';
  readonly features: number;
}

// The survival branch of the prognosis graph is never differentiated here; one grid day keeps it cheap.
const SURVIVAL_GRID = [365];

/**
 * FLamby's Fed-TCGA-BRCA baseline `nn.Linear(39, 1)` as a linear Cox model. Flat order:
 * `risk.weight` [F, 1]. FLamby's layer also has a bias, but the Cox partial likelihood and the
 * C-index are both unchanged by adding a constant to every risk score, so its gradient is always 0
 * and it never moves: leaving it out changes nothing.
 * @see https://github.com/owkin/FLamby/blob/main/flamby/datasets/fed_tcga_brca/model.py
 */
export function linearCoxModel(features: number): FederatedModel {
  const graph = prognosisGraph({ features, seed: 0, grid: SURVIVAL_GRID });
  return { name: `cox-linear-${features}`, task: 'survival', graph, slots: [{ name: 'risk.weight', shape: [features, 1], fanIn: features }], scoreOutput: 'risk', features };
}

/**
 * Logistic regression, FLamby's Fed-Heart-Disease `Linear(13, 1)` + sigmoid; or with `hidden` > 0
 * the response family's one-hidden-layer ReLU MLP. Flat order: [`hidden.weight` [F, H],
 * `hidden.bias` [H],] `output.weight` [H or F, 1], `output.bias` [1].
 * @see https://github.com/owkin/FLamby/blob/main/flamby/datasets/fed_heart_disease/model.py
 */
export function logisticModel(features: number, hidden = 0): FederatedModel {
  const graph = responseGraph({ features, hidden, seed: 0 });
  const width = hidden > 0 ? hidden : features;
  const slots: ParameterSlot[] = [
    ...(hidden > 0
      ? [
          { name: 'hidden.weight', shape: [features, hidden], fanIn: features },
          { name: 'hidden.bias', shape: [hidden], fanIn: features },
        ]
      : []),
    { name: 'output.weight', shape: [width, 1], fanIn: width },
    { name: 'output.bias', shape: [1], fanIn: width },
  ];
  return { name: hidden > 0 ? `mlp-${features}-${hidden}` : `logistic-${features}`, task: 'binary', graph, slots, scoreOutput: 'logit', features };
}

/** Number of values in a flat parameter vector of `model`. */
export function parameterCount(model: FederatedModel): number {
  return model.slots.reduce((n, s) => n + sizeOf(s.shape), 0);
}

/** The flat order as the DP-SGD helpers describe it. */
export function parameterLayout(model: FederatedModel): ParameterLayout {
  return model.slots.map((s) => ({ name: s.name, size: sizeOf(s.shape) }));
}

/**
 * Initial weights as PyTorch's `nn.Linear.reset_parameters` draws them, weight and bias both
 * U(−1/√fan_in, 1/√fan_in) (kaiming_uniform with a = √5), which is how FLamby's `global_init` starts.
 * @see https://github.com/pytorch/pytorch/blob/main/torch/nn/modules/linear.py
 */
export function initialWeights(model: FederatedModel, seed: number): Float64Array {
  const rng = new Rng(seed, `federated-init/${model.name}`);
  const flat = new Float64Array(parameterCount(model));
  let offset = 0;
  for (const slot of model.slots) {
    const bound = 1 / Math.sqrt(slot.fanIn);
    const n = sizeOf(slot.shape);
    for (let i = 0; i < n; i++) flat[offset + i] = rng.uniform(-bound, bound);
    offset += n;
  }
  return flat;
}

/** Cuts a flat vector into the graph's named parameter tensors (copies). */
export function toParameters(model: FederatedModel, flat: Float64Array): Record<string, Tensor> {
  checkLength(model, flat);
  const out: Record<string, Tensor> = {};
  let offset = 0;
  for (const slot of model.slots) {
    const n = sizeOf(slot.shape);
    out[slot.name] = tensor(slot.shape, flat.subarray(offset, offset + n));
    offset += n;
  }
  return out;
}

/** Lays named per-parameter arrays (weights or gradients) end to end in flat order; missing ones are 0. */
export function toFlat(model: FederatedModel, parts: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>): Float64Array {
  const get = (name: string) => (parts instanceof Map ? parts.get(name) : (parts as Record<string, Tensor>)[name]);
  const flat = new Float64Array(parameterCount(model));
  let offset = 0;
  for (const slot of model.slots) {
    const n = sizeOf(slot.shape);
    const part = get(slot.name);
    if (part) {
      if (part.data.length !== n) throw new RangeError(`${slot.name} has ${part.data.length} values, the layout says ${n}`);
      flat.set(part.data, offset);
    }
    offset += n;
  }
  return flat;
}

/** Throws BAD_INPUT unless `flat` has exactly the model's parameter count. */
export function checkLength(model: FederatedModel, flat: Float64Array): void {
  const n = parameterCount(model);
  if (flat.length !== n) throw badInput(`model ${model.name} has ${n} parameters, the vector ${flat.length}`);
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
