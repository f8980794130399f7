/** ReduceSum and ReduceMean over `axes` (all axes when none are given), with keepdims; Softmax along an axis. */
import { stridesOf, tensor, type Tensor } from '../tensor.ts';
import { axisOf, intAttribute, intsAttribute, type Attributes, type Operator } from './op.ts';

/** Axes to reduce: the `axes` attribute (ReduceMean before opset 18) or the int64 second input (ReduceSum since 13). */
function axesOf(inputs: readonly Tensor[], attrs: Attributes, rank: number): number[] {
  const given = intsAttribute(attrs, 'axes') ?? (inputs[1] ? Array.from(inputs[1].data) : undefined);
  const list = given && given.length > 0 ? given.map((a) => axisOf(a, rank)) : Array.from({ length: rank }, (_, i) => i);
  return [...new Set(list)].sort((a, b) => a - b);
}

/** For each input element, the flat index of the output element it reduces into. */
function reductionIndex(shape: readonly number[], axes: readonly number[]): { index: Int32Array; keptShape: number[] } {
  const keptShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outStrides = stridesOf(keptShape);
  const n = shape.reduce((a, b) => a * b, 1);
  const index = new Int32Array(n);
  const counter = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let o = 0;
    for (let d = 0; d < shape.length; d++) if (!axes.includes(d)) o += counter[d]! * outStrides[d]!;
    index[i] = o;
    for (let d = shape.length - 1; d >= 0; d--) {
      counter[d]!++;
      if (counter[d]! < shape[d]!) break;
      counter[d] = 0;
    }
  }
  return { index, keptShape };
}

function reduce(type: string, mean: boolean): Operator {
  return {
    type,
    forward(inputs, attrs) {
      const x = inputs[0] as Tensor;
      const axes = axesOf(inputs, attrs, x.shape.length);
      const keep = intAttribute(attrs, 'keepdims', 1) === 1;
      const { index, keptShape } = reductionIndex(x.shape, axes);
      const out = tensor(keep ? keptShape : x.shape.filter((_, i) => !axes.includes(i)));
      for (let i = 0; i < x.data.length; i++) out.data[index[i]!]! += x.data[i]!;
      if (mean) {
        const count = axes.reduce((a, d) => a * (x.shape[d] as number), 1);
        for (let i = 0; i < out.data.length; i++) out.data[i]! /= count;
      }
      return [out];
    },
    backward(inputs, _outputs, [g], attrs) {
      const x = inputs[0] as Tensor;
      if (!g) return inputs.map(() => undefined);
      const axes = axesOf(inputs, attrs, x.shape.length);
      const { index } = reductionIndex(x.shape, axes);
      const count = mean ? axes.reduce((a, d) => a * (x.shape[d] as number), 1) : 1;
      const gx = tensor(x.shape);
      for (let i = 0; i < gx.data.length; i++) gx.data[i] = g.data[index[i]!]! / count;
      return [gx, ...inputs.slice(1).map(() => undefined)];
    },
  };
}

export const ReduceSum = reduce('ReduceSum', false);
export const ReduceMean = reduce('ReduceMean', true);

/** The lanes of `axis`: for each lane, the flat offset of its first element; the lane stride. */
function lanes(shape: readonly number[], axis: number): { starts: number[]; stride: number; length: number } {
  const stride = stridesOf(shape)[axis] as number;
  const length = shape[axis] as number;
  const total = shape.reduce((a, b) => a * b, 1);
  const starts: number[] = [];
  for (let i = 0; i < total; i++) if (Math.floor(i / stride) % length === 0) starts.push(i);
  return { starts, stride, length };
}

/** Softmax along `axis` (opset 13 semantics), computed with the maximum subtracted. */
export const Softmax: Operator = {
  type: 'Softmax',
  forward([x], attrs) {
    const X = x as Tensor;
    const axis = axisOf(intAttribute(attrs, 'axis', -1), X.shape.length);
    const out = tensor(X.shape);
    const { starts, stride, length } = lanes(X.shape, axis);
    for (const s of starts) {
      let max = -Infinity;
      for (let j = 0; j < length; j++) max = Math.max(max, X.data[s + j * stride]!);
      let sum = 0;
      for (let j = 0; j < length; j++) {
        const e = Math.exp(X.data[s + j * stride]! - max);
        out.data[s + j * stride] = e;
        sum += e;
      }
      for (let j = 0; j < length; j++) out.data[s + j * stride]! /= sum;
    }
    return [out];
  },
  backward(_inputs, [y], [g], attrs) {
    if (!g) return [undefined];
    const Y = y as Tensor;
    const axis = axisOf(intAttribute(attrs, 'axis', -1), Y.shape.length);
    const gx = tensor(Y.shape);
    const { starts, stride, length } = lanes(Y.shape, axis);
    for (const s of starts) {
      let dot = 0;
      for (let j = 0; j < length; j++) dot += g.data[s + j * stride]! * Y.data[s + j * stride]!;
      for (let j = 0; j < length; j++) gx.data[s + j * stride] = Y.data[s + j * stride]! * (g.data[s + j * stride]! - dot);
    }
    return [gx];
  },
};
