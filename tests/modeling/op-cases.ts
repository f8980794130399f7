import { Rng } from '../../src/random/rng.ts';
import type { Attributes } from '../../src/modeling/ops/op.ts';
import { tensor, type Tensor } from '../../src/modeling/tensor.ts';

/** One operator call for the gradient and onnxruntime checks; `int64` inputs are shapes or axes. */
export interface OpCase {
  label: string;
  op: string;
  inputs: { shape: number[]; range?: [number, number]; int64?: number[] }[];
  attributes?: Attributes;
}

export const OP_CASES: OpCase[] = [
  { label: 'Add with broadcasting', op: 'Add', inputs: [{ shape: [2, 3, 4] }, { shape: [3, 1] }] },
  { label: 'Sub with broadcasting', op: 'Sub', inputs: [{ shape: [4] }, { shape: [2, 3, 4] }] },
  { label: 'Mul with broadcasting', op: 'Mul', inputs: [{ shape: [2, 3, 4] }, { shape: [1, 3, 1] }] },
  { label: 'Div with broadcasting', op: 'Div', inputs: [{ shape: [2, 3] }, { shape: [3], range: [0.5, 2] }] },
  { label: 'Relu', op: 'Relu', inputs: [{ shape: [3, 5] }] },
  { label: 'Tanh', op: 'Tanh', inputs: [{ shape: [3, 5] }] },
  { label: 'Sigmoid', op: 'Sigmoid', inputs: [{ shape: [3, 5], range: [-6, 6] }] },
  { label: 'Exp', op: 'Exp', inputs: [{ shape: [3, 5] }] },
  { label: 'Log', op: 'Log', inputs: [{ shape: [3, 5], range: [0.2, 3] }] },
  { label: 'Neg', op: 'Neg', inputs: [{ shape: [4] }] },
  { label: 'Sqrt', op: 'Sqrt', inputs: [{ shape: [4], range: [0.2, 3] }] },
  { label: 'MatMul batched', op: 'MatMul', inputs: [{ shape: [2, 3, 4] }, { shape: [4, 5] }] },
  { label: 'Gemm with bias row', op: 'Gemm', inputs: [{ shape: [3, 4] }, { shape: [4, 5] }, { shape: [5] }] },
  { label: 'Gemm transA transB, column bias, alpha and beta', op: 'Gemm', inputs: [{ shape: [4, 3] }, { shape: [5, 4] }, { shape: [3, 1] }], attributes: { transA: 1, transB: 1, alpha: 0.5, beta: 2 } },
  { label: 'Gemm transB', op: 'Gemm', inputs: [{ shape: [3, 4] }, { shape: [5, 4] }, { shape: [3, 5] }], attributes: { transB: 1 } },
  { label: 'ReduceSum over axis 1 (axes as input)', op: 'ReduceSum', inputs: [{ shape: [2, 3, 4] }, { shape: [1], int64: [1] }], attributes: { keepdims: 0 } },
  { label: 'ReduceSum of everything, kept dims', op: 'ReduceSum', inputs: [{ shape: [2, 3] }] },
  { label: 'ReduceMean over axes 0 and 2', op: 'ReduceMean', inputs: [{ shape: [2, 3, 4] }], attributes: { axes: [0, 2], keepdims: 1 } },
  { label: 'Softmax over the last axis', op: 'Softmax', inputs: [{ shape: [2, 3, 4] }] },
  { label: 'Softmax over axis 1', op: 'Softmax', inputs: [{ shape: [2, 5, 2] }], attributes: { axis: 1 } },
  { label: 'Transpose', op: 'Transpose', inputs: [{ shape: [2, 3, 4] }], attributes: { perm: [2, 0, 1] } },
  { label: 'Concat on axis 1', op: 'Concat', inputs: [{ shape: [2, 3] }, { shape: [2, 1] }, { shape: [2, 2] }], attributes: { axis: 1 } },
  { label: 'Reshape with -1', op: 'Reshape', inputs: [{ shape: [2, 3, 4] }, { shape: [2], int64: [6, -1] }] },
];

/** Random inputs for a case, away from kinks: |x| ≥ 0.05 so Relu's derivative is defined at every point. */
export function caseInputs(c: OpCase, seed: number): Tensor[] {
  const rng = new Rng(seed, c.label);
  return c.inputs.map((spec) => {
    if (spec.int64) return tensor(spec.shape, spec.int64);
    const [lo, hi] = spec.range ?? [-2, 2];
    const t = tensor(spec.shape);
    for (let i = 0; i < t.data.length; i++) {
      let v = rng.uniform(lo, hi);
      if (Math.abs(v) < 0.05) v = v < 0 ? -0.05 - rng.next() : 0.05 + rng.next();
      // float32 values, so onnxruntime sees exactly what the TypeScript side computes with
      t.data[i] = Math.fround(v);
    }
    return t;
  });
}
