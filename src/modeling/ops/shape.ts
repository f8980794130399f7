/** Transpose, Concat and Reshape: they move values without changing them, so their gradients move them back. */
import { sizeOf, stridesOf, tensor, type Tensor } from '../tensor.ts';
import { axisOf, intAttribute, intsAttribute, type Operator } from './op.ts';

function permute(x: Tensor, perm: readonly number[]): Tensor {
  const shape = perm.map((p) => x.shape[p] as number);
  const out = tensor(shape);
  const inStrides = stridesOf(x.shape);
  const counter = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < out.data.length; i++) {
    let src = 0;
    for (let d = 0; d < shape.length; d++) src += counter[d]! * inStrides[perm[d]!]!;
    out.data[i] = x.data[src]!;
    for (let d = shape.length - 1; d >= 0; d--) {
      counter[d]!++;
      if (counter[d]! < shape[d]!) break;
      counter[d] = 0;
    }
  }
  return out;
}

function permOf(x: Tensor, attrs: Parameters<Operator['forward']>[1]): number[] {
  return [...(intsAttribute(attrs, 'perm') ?? x.shape.map((_, i) => x.shape.length - 1 - i))];
}

export const Transpose: Operator = {
  type: 'Transpose',
  forward([x], attrs) {
    return [permute(x as Tensor, permOf(x as Tensor, attrs))];
  },
  backward([x], _y, [g], attrs) {
    if (!g) return [undefined];
    const perm = permOf(x as Tensor, attrs);
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => (inverse[p] = i));
    return [permute(g, inverse)];
  },
};

export const Concat: Operator = {
  type: 'Concat',
  forward(inputs, attrs) {
    const first = inputs[0] as Tensor;
    const axis = axisOf(intAttribute(attrs, 'axis', 0), first.shape.length);
    const shape = [...first.shape];
    shape[axis] = inputs.reduce((a, t) => a + (t.shape[axis] as number), 0);
    const out = tensor(shape);
    const outer = sizeOf(shape.slice(0, axis));
    const rowOut = sizeOf(shape.slice(axis));
    let offset = 0;
    for (const t of inputs) {
      const row = sizeOf(t.shape.slice(axis));
      for (let o = 0; o < outer; o++) out.data.set(t.data.subarray(o * row, (o + 1) * row), o * rowOut + offset);
      offset += row;
    }
    return [out];
  },
  backward(inputs, [y], [g], attrs) {
    if (!g) return inputs.map(() => undefined);
    const Y = y as Tensor;
    const axis = axisOf(intAttribute(attrs, 'axis', 0), Y.shape.length);
    const outer = sizeOf(Y.shape.slice(0, axis));
    const rowOut = sizeOf(Y.shape.slice(axis));
    let offset = 0;
    return inputs.map((t) => {
      const row = sizeOf(t.shape.slice(axis));
      const gt = tensor(t.shape);
      for (let o = 0; o < outer; o++) gt.data.set(g.data.subarray(o * rowOut + offset, o * rowOut + offset + row), o * row);
      offset += row;
      return gt;
    });
  },
};

/** Reshape to the int64 shape of the second input (0 copies the input's dimension, -1 is inferred). */
export const Reshape: Operator = {
  type: 'Reshape',
  forward([x, s]) {
    const X = x as Tensor;
    const wanted = Array.from((s as Tensor).data, (d, i) => (d === 0 ? (X.shape[i] as number) : d));
    const known = wanted.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const shape = wanted.map((d) => (d === -1 ? X.data.length / known : d));
    if (sizeOf(shape) !== X.data.length) throw new RangeError(`Reshape: [${X.shape.join(',')}] cannot become [${wanted.join(',')}]`);
    return [{ shape, data: X.data }];
  },
  backward([x], _y, [g]) {
    return [g ? { shape: (x as Tensor).shape, data: g.data } : undefined, undefined];
  },
};
