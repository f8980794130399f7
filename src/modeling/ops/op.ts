import type { Tensor } from '../tensor.ts';

/** Attribute values of a node, as ONNX stores them (INT, INTS, FLOAT). */
export type Attributes = Readonly<Record<string, number | readonly number[]>>;

/**
 * One ONNX operator: its forward computation on float64 tensors and its vector-Jacobian product.
 * `backward` gets the inputs, the outputs and the gradient of the loss with respect to each output
 * (undefined where nothing flows back) and returns the gradient for each input (undefined for
 * inputs that are not differentiable, such as shapes and axes).
 */
export interface Operator {
  readonly type: string;
  forward(inputs: readonly Tensor[], attributes: Attributes): Tensor[];
  backward(inputs: readonly Tensor[], outputs: readonly Tensor[], gradients: readonly (Tensor | undefined)[], attributes: Attributes): (Tensor | undefined)[];
}

export function intAttribute(attributes: Attributes, name: string, fallback: number): number {
  const v = attributes[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'number') throw new TypeError(`attribute ${name} must be an integer`);
  return v;
}

export function intsAttribute(attributes: Attributes, name: string): readonly number[] | undefined {
  const v = attributes[name];
  if (v === undefined) return undefined;
  if (typeof v === 'number') throw new TypeError(`attribute ${name} must be a list of integers`);
  return v;
}

/** Normalises a possibly negative axis. */
export function axisOf(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new RangeError(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}
