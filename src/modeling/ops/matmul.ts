/** MatMul (2-D, or batched over leading axes of the first input) and Gemm (alpha·A'·B' + beta·C). */
import { broadcastIndex, tensor, unbroadcast, type Tensor } from '../tensor.ts';
import { intAttribute, type Attributes, type Operator } from './op.ts';

/** C[m,n] = Σ_k A[m,k]·B[k,n] with optional transposes, written into `out` (added when `accumulate`). */
function gemm(a: Float64Array, b: Float64Array, out: Float64Array, m: number, k: number, n: number, transA: boolean, transB: boolean, scale = 1): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (transA ? a[p * m + i]! : a[i * k + p]!) * (transB ? b[j * k + p]! : b[p * n + j]!);
      out[i * n + j]! += scale * s;
    }
  }
}

/** MatMul of A[..., m, k] (leading axes flattened into rows) by a 2-D B[k, n]. */
export const MatMul: Operator = {
  type: 'MatMul',
  forward([a, b]) {
    const A = a as Tensor;
    const B = b as Tensor;
    if (B.shape.length !== 2) throw new RangeError('MatMul: the second input must be 2-D');
    const k = A.shape[A.shape.length - 1] as number;
    const [kb, n] = B.shape as [number, number];
    if (k !== kb) throw new RangeError(`MatMul: [${A.shape.join(',')}] × [${B.shape.join(',')}]`);
    const m = A.data.length / k;
    const out = tensor([...A.shape.slice(0, -1), n]);
    gemm(A.data, B.data, out.data, m, k, n, false, false);
    return [out];
  },
  backward([a, b], _outputs, [g]) {
    if (!g) return [undefined, undefined];
    const A = a as Tensor;
    const B = b as Tensor;
    const k = A.shape[A.shape.length - 1] as number;
    const n = B.shape[1] as number;
    const m = A.data.length / k;
    const ga = tensor(A.shape);
    const gb = tensor(B.shape);
    gemm(g.data, B.data, ga.data, m, n, k, false, true); // dA = G·Bᵀ
    gemm(A.data, g.data, gb.data, k, m, n, true, false); // dB = Aᵀ·G
    return [ga, gb];
  },
};

/** Gemm's attributes and the [M, K] × [K, N] shape of op(A)·op(B). */
function gemmShape(A: Tensor, B: Tensor, attrs: Attributes) {
  const transA = intAttribute(attrs, 'transA', 0) === 1;
  const transB = intAttribute(attrs, 'transB', 0) === 1;
  const [m, k] = (transA ? [A.shape[1], A.shape[0]] : A.shape) as [number, number];
  const n = (transB ? B.shape[0] : B.shape[1]) as number;
  return { transA, transB, alpha: intAttribute(attrs, 'alpha', 1), beta: intAttribute(attrs, 'beta', 1), m, k, n };
}

/** Gemm (https://onnx.ai/onnx/operators/onnx__Gemm.html): Y = alpha·op(A)·op(B) + beta·C, C broadcast to [M, N]. */
export const Gemm: Operator = {
  type: 'Gemm',
  forward([a, b, c], attrs) {
    const A = a as Tensor;
    const B = b as Tensor;
    const { transA, transB, alpha, beta, m, k, n } = gemmShape(A, B, attrs);
    const out = tensor([m, n]);
    if (c) {
      const index = broadcastIndex(c.shape, [m, n]);
      for (let i = 0; i < out.data.length; i++) out.data[i] = beta * c.data[index[i]!]!;
    }
    gemm(A.data, B.data, out.data, m, k, n, transA, transB, alpha);
    return [out];
  },
  backward([a, b, c], _outputs, [g], attrs) {
    if (!g) return [undefined, undefined, undefined];
    const A = a as Tensor;
    const B = b as Tensor;
    const { transA, transB, alpha, beta, m, k, n } = gemmShape(A, B, attrs);
    const ga = tensor(A.shape);
    const gb = tensor(B.shape);
    // op(A) = A or Aᵀ: d op(A) = G·op(B)ᵀ; when transA, dA is its transpose, i.e. op(B)·Gᵀ
    if (transA) gemm(B.data, g.data, ga.data, k, n, m, transB, true, alpha);
    else gemm(g.data, B.data, ga.data, m, n, k, false, !transB, alpha);
    if (transB) gemm(g.data, A.data, gb.data, n, m, k, true, transA, alpha);
    else gemm(A.data, g.data, gb.data, k, m, n, !transA, false, alpha);
    const gc = c ? unbroadcast(tensor(g.shape, g.data.map((v) => v * beta)), c.shape) : undefined;
    return [ga, gb, gc];
  },
};
