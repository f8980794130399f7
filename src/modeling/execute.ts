/**
 * Runs a graph forward on float64 tensors and differentiates it in reverse mode: each node's
 * vector-Jacobian product is applied from the outputs back, and gradients reaching a value from
 * several consumers are summed.
 */
import type { GraphDef } from './graph.ts';
import { operator } from './ops/registry.ts';
import { tensor, type Tensor } from './tensor.ts';

/** Every value of one forward pass, by name (inputs, parameters, constants and node outputs). */
export type Values = Map<string, Tensor>;

/** Runs the graph on `feeds`, with `parameters` in place of the graph's own when given. */
export function runForward(graph: GraphDef, feeds: Readonly<Record<string, Tensor>>, parameters: Readonly<Record<string, Tensor>> = graph.parameters): Values {
  const values: Values = new Map();
  for (const input of graph.inputs) {
    const t = feeds[input.name];
    if (!t) throw new Error(`input ${input.name} is missing`);
    if (t.shape.length !== input.shape.length || input.shape.some((d, i) => typeof d === 'number' && d !== t.shape[i])) {
      throw new RangeError(`input ${input.name} has shape [${t.shape.join(',')}], the graph wants [${input.shape.join(',')}]`);
    }
    values.set(input.name, t);
  }
  for (const [name, t] of Object.entries(parameters)) values.set(name, t);
  for (const [name, c] of Object.entries(graph.constants)) values.set(name, c.tensor);
  for (const node of graph.nodes) {
    const inputs = node.inputs.map((n) => {
      const v = values.get(n);
      if (!v) throw new Error(`node ${node.op} reads ${n}, which is not computed yet`);
      return v;
    });
    const outputs = operator(node.op).forward(inputs, node.attributes ?? {});
    node.outputs.forEach((name, i) => values.set(name, outputs[i] as Tensor));
  }
  return values;
}

function accumulate(grads: Map<string, Tensor>, name: string, g: Tensor): void {
  const prior = grads.get(name);
  if (!prior) {
    grads.set(name, g);
    return;
  }
  const sum = tensor(prior.shape, prior.data);
  for (let i = 0; i < sum.data.length; i++) sum.data[i]! += g.data[i]!;
  grads.set(name, sum);
}

/**
 * Gradients of a scalar objective with respect to every value, given `seeds`: the gradient of the
 * objective with respect to some values (usually the outputs). Parameters' gradients are among them.
 */
export function runBackward(graph: GraphDef, values: Values, seeds: Readonly<Record<string, Tensor>>): Map<string, Tensor> {
  const grads = new Map<string, Tensor>();
  for (const [name, g] of Object.entries(seeds)) accumulate(grads, name, g);
  for (let k = graph.nodes.length - 1; k >= 0; k--) {
    const node = graph.nodes[k]!;
    const outputGrads = node.outputs.map((n) => grads.get(n));
    if (outputGrads.every((g) => g === undefined)) continue;
    const inputs = node.inputs.map((n) => values.get(n) as Tensor);
    const outputs = node.outputs.map((n) => values.get(n) as Tensor);
    const inputGrads = operator(node.op).backward(inputs, outputs, outputGrads, node.attributes ?? {});
    node.inputs.forEach((name, i) => {
      const g = inputGrads[i];
      if (g && !(name in graph.constants)) accumulate(grads, name, g);
    });
  }
  return grads;
}
