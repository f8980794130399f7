/**
 * Dense tensors for the model engine: a shape and row-major float64 data. Training runs in float64;
 * export rounds the weights to float32, the type the ONNX graphs declare.
 */
export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A tensor of `shape`, zero-filled or holding `values` (which must have the right length). */
export function tensor(shape: readonly number[], values?: ArrayLike<number>): Tensor {
  const n = sizeOf(shape);
  const data = new Float64Array(n);
  if (values !== undefined) {
    if (values.length !== n) throw new RangeError(`tensor of shape [${shape.join(',')}] needs ${n} values, got ${values.length}`);
    data.set(values);
  }
  return { shape: [...shape], data };
}

export function scalar(value: number): Tensor {
  return tensor([], [value]);
}

/** Row-major strides. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i] as number;
  }
  return s;
}

/** numpy broadcasting of two shapes (https://onnx.ai/onnx/repo-docs/Broadcasting.html). */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new RangeError(`shapes [${a.join(',')}] and [${b.join(',')}] do not broadcast`);
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** For each element of `outShape`, the flat index into a tensor of `shape` broadcast to it. */
export function broadcastIndex(shape: readonly number[], outShape: readonly number[]): Int32Array {
  const n = sizeOf(outShape);
  const index = new Int32Array(n);
  const rank = outShape.length;
  const inStrides = stridesOf(shape);
  // strides of the input aligned to the output's axes; 0 on broadcast axes
  const aligned = outShape.map((d, i) => {
    const k = i - (rank - shape.length);
    return k < 0 || shape[k] === 1 ? 0 : (inStrides[k] as number);
  });
  const counter = new Array<number>(rank).fill(0);
  let offset = 0;
  for (let i = 0; i < n; i++) {
    index[i] = offset;
    for (let axis = rank - 1; axis >= 0; axis--) {
      counter[axis]!++;
      offset += aligned[axis]!;
      if (counter[axis]! < outShape[axis]!) break;
      offset -= aligned[axis]! * outShape[axis]!;
      counter[axis] = 0;
    }
  }
  return index;
}

/** Sums a gradient of the broadcast shape back to `shape` (the adjoint of broadcasting). */
export function unbroadcast(grad: Tensor, shape: readonly number[]): Tensor {
  if (grad.shape.length === shape.length && grad.shape.every((d, i) => d === shape[i])) return grad;
  const out = tensor(shape);
  const index = broadcastIndex(shape, grad.shape);
  for (let i = 0; i < grad.data.length; i++) out.data[index[i]!]! += grad.data[i]!;
  return out;
}
