/** Element-wise operators with numpy broadcasting: Add, Sub, Mul, Div; and unary Relu, Tanh, Sigmoid, Exp, Log, Neg, Sqrt. */
import { broadcastIndex, broadcastShapes, tensor, unbroadcast, type Tensor } from '../tensor.ts';
import type { Operator } from './op.ts';

function binary(type: string, f: (a: number, b: number) => number, da: (a: number, b: number, y: number) => number, db: (a: number, b: number, y: number) => number): Operator {
  return {
    type,
    forward([a, b]) {
      const A = a as Tensor;
      const B = b as Tensor;
      const shape = broadcastShapes(A.shape, B.shape);
      const out = tensor(shape);
      const ia = broadcastIndex(A.shape, shape);
      const ib = broadcastIndex(B.shape, shape);
      for (let i = 0; i < out.data.length; i++) out.data[i] = f(A.data[ia[i]!]!, B.data[ib[i]!]!);
      return [out];
    },
    backward([a, b], [y], [g]) {
      if (!g) return [undefined, undefined];
      const A = a as Tensor;
      const B = b as Tensor;
      const Y = y as Tensor;
      const ia = broadcastIndex(A.shape, Y.shape);
      const ib = broadcastIndex(B.shape, Y.shape);
      const ga = tensor(Y.shape);
      const gb = tensor(Y.shape);
      for (let i = 0; i < Y.data.length; i++) {
        const av = A.data[ia[i]!]!;
        const bv = B.data[ib[i]!]!;
        const yv = Y.data[i]!;
        ga.data[i] = g.data[i]! * da(av, bv, yv);
        gb.data[i] = g.data[i]! * db(av, bv, yv);
      }
      return [unbroadcast(ga, A.shape), unbroadcast(gb, B.shape)];
    },
  };
}

export const Add = binary('Add', (a, b) => a + b, () => 1, () => 1);
export const Sub = binary('Sub', (a, b) => a - b, () => 1, () => -1);
export const Mul = binary('Mul', (a, b) => a * b, (_a, b) => b, (a) => a);
export const Div = binary('Div', (a, b) => a / b, (_a, b) => 1 / b, (a, b) => -a / (b * b));

function unary(type: string, f: (x: number) => number, d: (x: number, y: number) => number): Operator {
  return {
    type,
    forward([x]) {
      const X = x as Tensor;
      const out = tensor(X.shape);
      for (let i = 0; i < X.data.length; i++) out.data[i] = f(X.data[i]!);
      return [out];
    },
    backward([x], [y], [g]) {
      if (!g) return [undefined];
      const X = x as Tensor;
      const Y = y as Tensor;
      const out = tensor(X.shape);
      for (let i = 0; i < X.data.length; i++) out.data[i] = g.data[i]! * d(X.data[i]!, Y.data[i]!);
      return [out];
    },
  };
}

/** Numerically stable logistic function: never exponentiates a large positive number. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export const Relu = unary('Relu', (x) => (x > 0 ? x : 0), (x) => (x > 0 ? 1 : 0));
export const Tanh = unary('Tanh', Math.tanh, (_x, y) => 1 - y * y);
export const Sigmoid = unary('Sigmoid', sigmoid, (_x, y) => y * (1 - y));
export const Exp = unary('Exp', Math.exp, (_x, y) => y);
export const Log = unary('Log', Math.log, (x) => 1 / x);
export const Neg = unary('Neg', (x) => -x, () => -1);
export const Sqrt = unary('Sqrt', Math.sqrt, (_x, y) => 0.5 / y);
