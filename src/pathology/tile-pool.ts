/**
 * A pool of worker threads running the tile pipeline, one per core by default, so decoding, QC,
 * normalisation and embedding use both cores of a site's machine. Jobs go to the least busy worker.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { TileDecodeError, type TileDecodeErrorCode } from './decode-tile.ts';
import type { TilePipelineOptions, TileRecord } from './tile-pipeline.ts';
import { CLOSE_MESSAGE, type TileJob, type TileReply } from './tile-protocol.ts';

export interface TilePoolOptions {
  threads?: number;
  pipeline?: TilePipelineOptions;
  /** an ONNX encoder card; without one, tiles get the built-in feature vector */
  encoderCard?: string;
}

export interface TilePool {
  readonly threads: number;
  /** Runs one tile; rejects with TileDecodeError for a file that is not an acceptable image. */
  process(name: string, bytes: Uint8Array): Promise<TileRecord>;
  close(): Promise<void>;
}

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (r: TileRecord) => void; reject: (e: Error) => void }>;
}

const WORKER_URL = new URL('./tile-worker.ts', import.meta.url);

/**
 * Worker threads do not inherit the TypeScript loader registered in the main thread, so each
 * worker starts from a tiny module that registers tsx and then imports the worker.
 */
function bootstrapUrl(): URL {
  const source = `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))};
register();
await import(${JSON.stringify(WORKER_URL.href)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}

export function createTilePool(options: TilePoolOptions = {}): TilePool {
  const threads = Math.max(1, options.threads ?? Math.min(availableParallelism(), 8));
  let nextId = 0;
  let closed = false;
  const spawn = (): Slot => {
    const worker = new Worker(bootstrapUrl(), { workerData: { options: options.pipeline ?? {}, encoderCard: options.encoderCard } });
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (reply: TileReply) => {
      const waiting = slot.pending.get(reply.id);
      if (!waiting) return;
      slot.pending.delete(reply.id);
      if (reply.ok) waiting.resolve(reply.record);
      else if (reply.decode) waiting.reject(Object.assign(new TileDecodeError(reply.code as TileDecodeErrorCode, '', ''), { message: reply.message }));
      else waiting.reject(new Error(reply.message));
    });
    worker.on('error', (err) => {
      for (const w of slot.pending.values()) w.reject(err);
      slot.pending.clear();
      if (!closed) slots[slots.indexOf(slot)] = spawn();
    });
    worker.unref();
    return slot;
  };
  const slots: Slot[] = Array.from({ length: threads }, spawn);
  return {
    threads,
    process(name, bytes) {
      if (closed) return Promise.reject(new Error('the tile pool is closed'));
      const slot = slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
      const id = nextId++;
      return new Promise<TileRecord>((resolve, reject) => {
        slot.pending.set(id, { resolve, reject });
        slot.worker.ref();
        const job: TileJob = { id, name, bytes };
        slot.worker.postMessage(job);
      }).finally(() => {
        if (slot.pending.size === 0) slot.worker.unref();
      });
    },
    async close() {
      closed = true;
      await Promise.all(
        slots.map(async (s) => {
          // ask the worker to release its encoder and end; terminate it if it does not within a second
          const exited = new Promise<void>((resolve) => s.worker.once('exit', () => resolve()));
          s.worker.ref();
          s.worker.postMessage(CLOSE_MESSAGE);
          const timer = setTimeout(() => void s.worker.terminate(), 1000);
          await exited;
          clearTimeout(timer);
        }),
      );
    },
  };
}
