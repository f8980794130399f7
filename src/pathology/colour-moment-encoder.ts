/**
 * A small ONNX tile encoder the project builds itself: per-channel means and standard deviations
 * of the normalised input (ReduceMean, Sub, Mul, Sqrt) followed by a fixed linear map (MatMul, Add)
 * to D dimensions. It is plumbing for the ONNX encoder path and a reference in tests, not a
 * learned pathology model. Graph: x[N,3,H,W] → m = mean(x), s = sqrt(mean(x²) − m²) → [m, s] W + b.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphBuilder } from '../modeling/graph.ts';
import { exportOnnx } from '../modeling/onnx-export.ts';
import { tensor } from '../modeling/tensor.ts';
import type { EncoderCard } from './onnx-encoder.ts';

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

/** The ONNX ModelProto bytes of the encoder, built and exported with the model engine (opset 17). */
export function colourMomentModel(enc: ColourMomentEncoder): Uint8Array {
  const b = new GraphBuilder('colour_moments', 'per-channel mean and standard deviation through a fixed linear map');
  const x = b.input('pixels', ['N', 3, 'H', 'W']);
  const mean = b.op('ReduceMean', [x], { axes: [2, 3], keepdims: 0 });
  const meanSquare = b.op('ReduceMean', [b.op('Mul', [x, x])], { axes: [2, 3], keepdims: 0 });
  // max(0, ·) guards the rounding of E[x²] − E[x]² below zero
  const std = b.op('Sqrt', [b.op('Relu', [b.op('Sub', [meanSquare, b.op('Mul', [mean, mean])])])]);
  const moments = b.op('Concat', [mean, std], { axis: 1 });
  const w = b.float('W', tensor([6, enc.dim], enc.weights));
  const bias = b.float('b', tensor([enc.dim], enc.bias));
  b.op('Add', [b.op('MatMul', [moments, w]), bias], undefined, 'embedding');
  b.output('embedding', ['N', enc.dim]);
  return exportOnnx(b.build());
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
