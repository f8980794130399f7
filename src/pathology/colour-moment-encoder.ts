/**
 * A small ONNX tile encoder the project builds itself: per-channel means and standard deviations
 * of the normalised input (ReduceMean, Sub, Mul, Sqrt) followed by a fixed linear map (MatMul, Add)
 * to D dimensions. It is plumbing for the ONNX encoder path and a reference in tests, not a
 * learned pathology model. Graph: x[N,3,H,W] → m = mean(x), s = sqrt(mean(x²) − m²) → [m, s] W + b.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import type { EncoderCard } from './onnx-encoder.ts';

const { onnx } = onnxProto;

export interface ColourMomentEncoder {
  /** [6][D], row-major: rows are (mean R, mean G, mean B, std R, std G, std B) */
  weights: Float32Array;
  bias: Float32Array;
  dim: number;
}

/** Deterministic weights: a small fixed pattern, so tests can recompute the output by hand. */
export function colourMomentWeights(dim: number): ColourMomentEncoder {
  const weights = new Float32Array(6 * dim);
  for (let r = 0; r < 6; r++) for (let d = 0; d < dim; d++) weights[r * dim + d] = Math.fround(Math.sin(1 + r * dim + d) / 2);
  const bias = new Float32Array(dim);
  for (let d = 0; d < dim; d++) bias[d] = Math.fround(d / 10);
  return { weights, bias, dim };
}

function tensor(name: string, dims: number[], values: Float32Array | number[], type: 'float' | 'int64' = 'float') {
  return onnx.TensorProto.create(
    type === 'float'
      ? { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(Float32Array.from(values).buffer) }
      : { name, dims, dataType: onnx.TensorProto.DataType.INT64, int64Data: values as number[] },
  );
}

function node(opType: string, inputs: string[], outputs: string[], attributes: Record<string, number | number[]> = {}) {
  const attribute = Object.entries(attributes).map(([name, v]) =>
    Array.isArray(v)
      ? onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v })
      : onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: v }),
  );
  return onnx.NodeProto.create({ opType, input: inputs, output: outputs, name: `${opType}_${outputs[0]}`, attribute });
}

function valueInfo(name: string, dims: (number | string)[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: onnx.TensorShapeProto.create({ dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) }),
      }),
    }),
  });
}

/** The ONNX ModelProto bytes of the encoder (opset 17). */
export function colourMomentModel(enc: ColourMomentEncoder): Uint8Array {
  const graph = onnx.GraphProto.create({
    name: 'colour_moments',
    node: [
      node('ReduceMean', ['pixels'], ['mean'], { axes: [2, 3], keepdims: 0 }),
      node('Mul', ['pixels', 'pixels'], ['square']),
      node('ReduceMean', ['square'], ['mean_square'], { axes: [2, 3], keepdims: 0 }),
      node('Mul', ['mean', 'mean'], ['mean_sq']),
      node('Sub', ['mean_square', 'mean_sq'], ['variance']),
      node('Relu', ['variance'], ['variance_pos']),
      node('Sqrt', ['variance_pos'], ['std']),
      node('Concat', ['mean', 'std'], ['moments'], { axis: 1 }),
      node('MatMul', ['moments', 'W'], ['projected']),
      node('Add', ['projected', 'b'], ['embedding']),
    ],
    initializer: [tensor('W', [6, enc.dim], enc.weights), tensor('b', [enc.dim], enc.bias)],
    input: [valueInfo('pixels', ['N', 3, 'H', 'W'])],
    output: [valueInfo('embedding', ['N', enc.dim])],
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'sangam',
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: 17 })],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Writes `model.onnx` and `card.json` for the encoder into `dir`; returns the card path. */
export function writeColourMomentEncoder(dir: string, options: { dim?: number; size?: number } = {}): string {
  const enc = colourMomentWeights(options.dim ?? 8);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), colourMomentModel(enc));
  const card: EncoderCard = {
    name: 'colour-moments',
    version: '1',
    file: 'model.onnx',
    input: { name: 'pixels', size: options.size ?? 64, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    output: { name: 'embedding', dim: enc.dim },
    description: 'Per-channel means and standard deviations through a fixed linear map; plumbing, not a learned model',
  };
  const path = join(dir, 'card.json');
  writeFileSync(path, `${JSON.stringify(card, null, 2)}\n`);
  return path;
}
