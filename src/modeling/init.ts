/** Deterministic parameter initialisation. */
import { Rng } from '../random/rng.ts';
import { tensor, type Tensor } from './tensor.ts';

/** Glorot/Xavier uniform: U(−a, a) with a = √(6 / (fanIn + fanOut)) (Glorot & Bengio 2010). */
export function glorotUniform(rng: Rng, fanIn: number, fanOut: number): Tensor {
  const a = Math.sqrt(6 / (fanIn + fanOut));
  const t = tensor([fanIn, fanOut]);
  for (let i = 0; i < t.data.length; i++) t.data[i] = rng.uniform(-a, a);
  return t;
}

export function zeros(shape: readonly number[]): Tensor {
  return tensor(shape);
}

/** A copy of a parameter set, so training never aliases the values it started from. */
export function cloneParameters(parameters: Readonly<Record<string, Tensor>>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(parameters).map(([k, t]) => [k, tensor(t.shape, t.data)]));
}

