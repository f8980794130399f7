/**
 * A worker thread of the tile pool: it runs the tile pipeline on the bytes it is sent and posts
 * back the record, or the decode error that names the file.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TileDecodeError } from './decode-tile.ts';
import { openOnnxEncoder, type TileEncoder } from './onnx-encoder.ts';
import { processTile, type TilePipelineOptions } from './tile-pipeline.ts';

export interface TileJob {
  id: number;
  name: string;
  bytes: Uint8Array;
}

export type TileReply =
  | { id: number; ok: true; record: import('./tile-pipeline.ts').TileRecord }
  | { id: number; ok: false; decode: boolean; code?: string; message: string };

const { options, encoderCard } = workerData as { options: TilePipelineOptions; encoderCard?: string };
const port = parentPort;
if (!port) throw new Error('tile-worker must run in a worker thread');

let encoder: Promise<TileEncoder | undefined> = encoderCard ? openOnnxEncoder(encoderCard) : Promise.resolve(undefined);
encoder.catch(() => undefined);

port.on('message', async (job: TileJob) => {
  try {
    const record = await processTile(Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength), job.name, options, await encoder);
    const transfer = record.embedding ? [record.embedding.buffer as ArrayBuffer] : [];
    port.postMessage({ id: job.id, ok: true, record } satisfies TileReply, transfer);
  } catch (err) {
    const decode = err instanceof TileDecodeError;
    port.postMessage({ id: job.id, ok: false, decode, ...(decode ? { code: err.code } : {}), message: (err as Error).message } satisfies TileReply);
  }
});

port.on('close', () => {
  void encoder.then((e) => e?.close());
  encoder = Promise.resolve(undefined);
});
