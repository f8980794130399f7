/** The messages between the tile pool and its worker threads. */
import type { TileRecord } from './tile-pipeline.ts';

export interface TileJob {
  id: number;
  name: string;
  bytes: Uint8Array;
}

export type TileReply =
  | { id: number; ok: true; record: TileRecord }
  | { id: number; ok: false; decode: boolean; code?: string; message: string };

/** Sent by the pool when it closes: the worker releases its encoder and lets the thread end. */
export const CLOSE_MESSAGE = 'close';
