/**
 * Tile encoders in ONNX: any model that takes `[N,3,H,W]` float32 and returns `[N,D]`, described by
 * a small card (input size and the per-channel mean/std its training used). Tiles are resized to
 * the input size with sharp, scaled to [0,1], normalised, and run in one onnxruntime session.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { z } from 'zod';

export const EncoderCardSchema = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  /** the ONNX file, relative to the card */
  file: z.string().min(1),
  input: z.object({
    name: z.string().min(1),
    size: z.number().int().min(8).max(1024),
    mean: z.tuple([z.number(), z.number(), z.number()]),
    std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
  }),
  output: z.object({ name: z.string().min(1), dim: z.number().int().positive() }),
  description: z.string().optional(),
});
export type EncoderCard = z.infer<typeof EncoderCardSchema>;

/** Reads and checks an encoder card; errors name the card and the bad field. */
export function readEncoderCard(path: string): EncoderCard & { modelPath: string } {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`encoder card ${path}: ${(err as Error).message}`);
  }
  const parsed = EncoderCardSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`encoder card ${path}: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return { ...parsed.data, modelPath: resolve(dirname(path), parsed.data.file) };
}

/** The model's input tensor for one tile: resized, scaled to [0,1], normalised per channel, CHW. */
export async function encoderInput(rgb: Uint8Array, width: number, height: number, card: EncoderCard): Promise<Float32Array> {
  const size = card.input.size;
  const pixels =
    width === size && height === size
      ? rgb
      : await sharp(rgb, { raw: { width, height, channels: 3 } }).resize(size, size, { fit: 'fill', kernel: 'lanczos3' }).raw().toBuffer();
  const plane = size * size;
  const out = new Float32Array(3 * plane);
  const { mean, std } = card.input;
  for (let c = 0; c < 3; c++) {
    const m = mean[c] as number;
    const s = std[c] as number;
    for (let i = 0; i < plane; i++) out[c * plane + i] = ((pixels[i * 3 + c] as number) / 255 - m) / s;
  }
  return out;
}

export interface TileEncoder {
  card: EncoderCard;
  /** Embeds one tile's packed RGB; returns its D-dimensional vector. */
  embed(rgb: Uint8Array, width: number, height: number): Promise<Float32Array>;
  close(): Promise<void>;
}

/** Opens an ONNX encoder from its card, checking the model's declared input and output names. */
export async function openOnnxEncoder(cardPath: string, options: { threads?: number } = {}): Promise<TileEncoder> {
  const card = readEncoderCard(cardPath);
  const session = await ort.InferenceSession.create(card.modelPath, {
    intraOpNumThreads: options.threads ?? 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const problem = !session.inputNames.includes(card.input.name)
    ? `the model has no input "${card.input.name}" (it has ${session.inputNames.join(', ')})`
    : !session.outputNames.includes(card.output.name)
      ? `the model has no output "${card.output.name}" (it has ${session.outputNames.join(', ')})`
      : undefined;
  if (problem) {
    await session.release();
    throw new Error(`encoder ${card.name}: ${problem}`);
  }
  return {
    card,
    async embed(rgb, width, height) {
      const size = card.input.size;
      const input = new ort.Tensor('float32', await encoderInput(rgb, width, height, card), [1, 3, size, size]);
      const result = await session.run({ [card.input.name]: input });
      const out = result[card.output.name];
      if (!out || out.dims.length !== 2 || out.dims[1] !== card.output.dim) {
        throw new Error(`encoder ${card.name}: output "${card.output.name}" has shape [${out?.dims.join(',')}], the card says [N,${card.output.dim}]`);
      }
      return Float32Array.from(out.data as Float32Array);
    },
    close: () => session.release(),
  };
}
