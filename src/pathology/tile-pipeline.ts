/**
 * One tile from bytes to its record: decode (limits enforced), QC with the reason, Macenko
 * normalisation towards the reference stains, then an embedding (the built-in feature vector or
 * an ONNX encoder) for kept tiles.
 */
import { decodeTile, type DecodeTileOptions } from './decode-tile.ts';
import { normalizeMacenko, StainError, type MacenkoOptions } from './macenko.ts';
import type { TileEncoder } from './onnx-encoder.ts';
import { extractTileFeatures } from './tile-features.ts';
import { assessTile, type TileQcMetrics, type TileQcOptions } from './tile-qc.ts';

/** QC outcomes: the tile-QC reasons plus a kept tile whose stains cannot be separated. */
export type TileOutcome = 'ok' | 'background' | 'no_tissue' | 'pen' | 'blur' | 'unstainable';

export interface TileRecord {
  name: string;
  width: number;
  height: number;
  format: string;
  kept: boolean;
  reason: TileOutcome;
  metrics: TileQcMetrics;
  /** the tile's own stain matrix (columns H, E; rows R, G, B), when it was estimated */
  stain?: { he: number[][]; maxC: number[] };
  embedding?: Float32Array;
}

export interface TilePipelineOptions {
  decode?: DecodeTileOptions;
  qc?: TileQcOptions;
  macenko?: MacenkoOptions;
}

/** Processes one tile; throws TileDecodeError (naming the file) for bytes that are not an acceptable image. */
export async function processTile(bytes: Buffer, name: string, options: TilePipelineOptions, encoder?: TileEncoder): Promise<TileRecord> {
  const tile = await decodeTile(bytes, name, options.decode);
  const qc = assessTile(tile.rgb, tile.width, tile.height, options.qc);
  const record: TileRecord = { name, width: tile.width, height: tile.height, format: tile.format, kept: qc.kept, reason: qc.reason, metrics: qc.metrics };
  if (!qc.kept) return record;
  let normalised: Uint8Array;
  try {
    const result = normalizeMacenko(tile.rgb, options.macenko);
    normalised = result.rgb;
    record.stain = { he: result.he.map((row) => [...row]), maxC: [...result.maxC] };
  } catch (err) {
    if (!(err instanceof StainError)) throw err;
    return { ...record, kept: false, reason: 'unstainable' };
  }
  record.embedding = encoder ? await encoder.embed(normalised, tile.width, tile.height) : extractTileFeatures(normalised, tile.width, tile.height);
  return record;
}
