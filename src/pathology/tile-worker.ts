/**
 * A worker thread of the tile pool: it runs the tile pipeline on the bytes it is sent and posts
 * back the record, or the decode error that names the file.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TileDecodeError } from './decode-tile.ts';
import { openOnnxEncoder, type TileEncoder } from './onnx-encoder.ts';
import { processTile, type TilePipelineOptions } from './tile-pipeline.ts';
import { CLOSE_MESSAGE, type TileJob, type TileReply } from './tile-protocol.ts';

const { options, encoderCard } = workerData as { options: TilePipelineOptions; encoderCard?: string };
const port = parentPort;
if (!port) throw new Error('tile-worker must run in a worker thread');

const encoder: Promise<TileEncoder | undefined> = encoderCard ? openOnnxEncoder(encoderCard) : Promise.resolve(undefined);
encoder.catch(() => undefined);

port.on('message', async (job: TileJob | typeof CLOSE_MESSAGE) => {
  if (job === CLOSE_MESSAGE) {
    await (await encoder)?.close();
    port.close();
    return;
  }
  try {
    const record = await processTile(Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength), job.name, options, await encoder);
    const transfer = record.embedding ? [record.embedding.buffer as ArrayBuffer] : [];
    port.postMessage({ id: job.id, ok: true, record } satisfies TileReply, transfer);
  } catch (err) {
    const decode = err instanceof TileDecodeError;
    port.postMessage({ id: job.id, ok: false, decode, ...(decode ? { code: err.code } : {}), message: (err as Error).message } satisfies TileReply);
  }
});
