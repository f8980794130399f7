import { Add, Div, Exp, Log, Mul, Neg, Relu, Sigmoid, Sqrt, Sub, Tanh } from './elementwise.ts';
import { Gemm, MatMul } from './matmul.ts';
import type { Operator } from './op.ts';
import { ReduceMean, ReduceSum, Softmax } from './reduce.ts';
import { Concat, Reshape, Transpose } from './shape.ts';

/** Every operator the engine can run, differentiate and export, by ONNX type. */
export const OPERATORS: ReadonlyMap<string, Operator> = new Map(
  [Add, Sub, Mul, Div, Relu, Tanh, Sigmoid, Exp, Log, Neg, Sqrt, MatMul, Gemm, ReduceSum, ReduceMean, Softmax, Transpose, Concat, Reshape].map((op) => [op.type, op]),
);

export function operator(type: string): Operator {
  const op = OPERATORS.get(type);
  if (!op) throw new Error(`operator ${type} is not supported by the model engine`);
  return op;
}
