/**
 * The pathology side of a site: import a batch of tiles for a patient's slide (decode, QC,
 * normalisation and embedding on a pool of worker threads), all or nothing, and read slides back.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { ClinicalService } from '../clinical/clinical-service.ts';
import { badInput, DomainError, ErrorCode, notFound, type InputIssue } from '../errors/domain-error.ts';
import type { Logger } from '../logging/logger.ts';
import type { Database } from '../storage/port.ts';
import { TileDecodeError } from './decode-tile.ts';
import { readEncoderCard } from './onnx-encoder.ts';
import { readSlideEmbeddings, readSlides, slideEncoder, writeTiles, type SlideSummary } from './slide-store.ts';
import { TILE_FEATURE_NAMES, TILE_FEATURES_VERSION } from './tile-features.ts';
import type { TileRecord } from './tile-pipeline.ts';
import { createTilePool, type TilePool, type TilePoolOptions } from './tile-pool.ts';

export interface TileFile {
  name: string;
  bytes: Uint8Array;
}

export interface ImportTilesRequest {
  patientId: string;
  slideId: string;
  /** where the tiles came from: `graphql`, `cli` */
  source: string;
  /** called after each tile with the number done */
  onProgress?: (done: number) => void;
}

export interface ImportTilesResult {
  importId: string;
  patientId: string;
  slideId: string;
  encoder: string;
  tiles: number;
  kept: number;
  rejected: { reason: string; count: number }[];
}

export interface PathologyServiceOptions {
  db: Database;
  clinical: ClinicalService;
  logger: Logger;
  pool?: Omit<TilePoolOptions, 'encoderCard'>;
  /** an ONNX encoder card; the built-in feature vector otherwise */
  encoderCard?: string;
  maxTilesPerImport: number;
}

export interface PathologyService {
  importTiles(files: AsyncIterable<TileFile> | Iterable<TileFile>, request: ImportTilesRequest): Promise<ImportTilesResult>;
  slides(patientId: string): Promise<SlideSummary[]>;
  slideEmbeddings(patientId: string, slideId: string): Promise<{ names: string[]; dim: number; data: Float32Array }>;
  /** the encoder new embeddings come from, and its feature names when it is the built-in one */
  encoder(): { id: string; dim: number; featureNames?: readonly string[] };
  close(): Promise<void>;
}

const ID = /^[A-Za-z0-9\-_.]{1,64}$/;
/** a tile's name as stored: a file name without directories, at most 200 characters */
const TILE_NAME = /^[^/\\\u0000-\u001f]{1,200}$/;
const MAX_ISSUES = 100;

export function createPathologyService(options: PathologyServiceOptions): PathologyService {
  const { db, clinical, logger } = options;
  const card = options.encoderCard ? readEncoderCard(options.encoderCard) : undefined;
  const encoder = card
    ? { id: `${card.name}@${card.version}`, dim: card.output.dim }
    : { id: `builtin-features@${TILE_FEATURES_VERSION}`, dim: TILE_FEATURE_NAMES.length, featureNames: TILE_FEATURE_NAMES };
  let pool: TilePool | undefined;
  const getPool = () => (pool ??= createTilePool({ ...options.pool, ...(options.encoderCard ? { encoderCard: options.encoderCard } : {}) }));

  return {
    async importTiles(files, request) {
      const { patientId, slideId } = request;
      if (!ID.test(slideId)) throw badInput(`slide id "${slideId}" must be 1-64 letters, digits, '-', '_' or '.'`);
      if (!(await clinical.patientExists(patientId))) throw notFound(`Patient/${patientId} is not stored at this site`);
      const stored = await slideEncoder(db, patientId, slideId);
      if (stored && stored.encoder !== encoder.id) {
        throw new DomainError(ErrorCode.CONFLICT, `slide ${slideId} holds embeddings from ${stored.encoder}; this site now embeds with ${encoder.id}, so the slide cannot take more tiles`);
      }
      const workers = getPool();
      const issues: InputIssue[] = [];
      let failures = 0;
      const names = new Set<string>();
      const records: (TileRecord & { sha256: string })[] = [];
      const inFlight = new Set<Promise<void>>();
      let unexpected: unknown;
      let count = 0;
      const fail = (file: string, message: string) => {
        failures++;
        if (issues.length < MAX_ISSUES) issues.push({ file, message });
      };
      for await (const file of files) {
        count++;
        if (count > options.maxTilesPerImport) throw badInput(`more than ${options.maxTilesPerImport} tiles in one import; send the slide in several batches`);
        if (!TILE_NAME.test(file.name)) {
          fail(file.name, 'a tile name is a file name of 1-200 characters without directories or control characters');
          continue;
        }
        if (names.has(file.name)) {
          fail(file.name, 'this name appears twice in the batch');
          continue;
        }
        names.add(file.name);
        if (failures >= MAX_ISSUES) continue; // enough to report; the batch is rejected anyway
        const sha256 = createHash('sha256').update(file.bytes).digest('hex');
        const job = workers
          .process(file.name, file.bytes)
          .then(
            (record) => {
              records.push({ ...record, sha256 });
            },
            (err: unknown) => {
              if (err instanceof TileDecodeError) fail(file.name, err.message);
              else unexpected ??= err;
            },
          )
          .finally(() => {
            inFlight.delete(job);
            request.onProgress?.(records.length + failures);
          });
        inFlight.add(job);
        // a bounded window keeps memory flat however large the batch: two tiles per thread in flight
        if (inFlight.size >= workers.threads * 2) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
      if (unexpected) throw unexpected;
      if (failures > 0) {
        throw badInput(`${failures} of ${count} tile file${count === 1 ? '' : 's'} cannot be used; nothing was stored`, issues);
      }
      if (records.length === 0) throw badInput('the import holds no tiles');
      records.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const importId = randomUUID();
      await db.transaction((tx) => writeTiles(tx, { patientId, slideId, encoder: encoder.id, embeddingDim: encoder.dim, importId }, records));
      const rejected = new Map<string, number>();
      for (const r of records) if (!r.kept) rejected.set(r.reason, (rejected.get(r.reason) ?? 0) + 1);
      const result: ImportTilesResult = {
        importId,
        patientId,
        slideId,
        encoder: encoder.id,
        tiles: records.length,
        kept: records.filter((r) => r.kept).length,
        rejected: [...rejected].map(([reason, n]) => ({ reason, count: n })).sort((a, b) => a.reason.localeCompare(b.reason)),
      };
      logger.info({ patientId, slideId, importId, tiles: result.tiles, kept: result.kept, source: request.source }, 'tiles imported');
      return result;
    },
    slides: (patientId) => readSlides(db, patientId),
    slideEmbeddings: (patientId, slideId) => readSlideEmbeddings(db, patientId, slideId),
    encoder: () => encoder,
    async close() {
      await pool?.close();
      pool = undefined;
    },
  };
}
