/**
 * The model registry: the shipped models (`models/<name>/<version>/model.onnx` with `card.json`)
 * loaded at start-up after their sha256 is checked, one onnxruntime session per version, and hot
 * swapping. A request takes a lease on the version active when it starts and keeps it until it
 * ends; registering a new version switches new requests over at once, and the old session is
 * released only when its last lease is returned. Every version is recorded in the database.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { DomainError, ErrorCode } from '../errors/domain-error.ts';
import type { Logger } from '../logging/logger.ts';
import type { Database } from '../storage/port.ts';
import { ModelCardSchema, type ModelCard } from './model-card.ts';

export const MODELS_DIR = new URL('../../models/', import.meta.url);

interface LoadedVersion {
  card: ModelCard;
  session: ort.InferenceSession;
  leases: number;
  retired: boolean;
}

export interface ModelLease {
  card: ModelCard;
  /** `<name>@<version>` */
  id: string;
  run(feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.OnnxValueMapType>;
  release(): void;
}

export interface ModelRegistry {
  /** The active version of a model, leased for one request; throws UNAVAILABLE if none is loaded. */
  lease(name: string): ModelLease;
  has(name: string): boolean;
  active(): ModelCard[];
  /** Checks and loads a version, makes it active, records it; in-flight requests finish on the old one. */
  register(onnx: Uint8Array, cardJson: unknown, source: string): Promise<ModelCard>;
  history(name?: string): Promise<{ name: string; version: string; sha256: string; source: string; activatedAt: string }[]>;
  close(): Promise<void>;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Checks a card and that the bytes are the model it describes. */
export function checkModel(onnx: Uint8Array, cardJson: unknown, where: string): ModelCard {
  const parsed = ModelCardSchema.safeParse(cardJson);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DomainError(ErrorCode.BAD_INPUT, `${where}: model card ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const digest = sha256(onnx);
  if (digest !== parsed.data.sha256) {
    throw new DomainError(ErrorCode.BAD_INPUT, `${where}: model.onnx has sha256 ${digest}, the card says ${parsed.data.sha256}; refusing to load it`);
  }
  return parsed.data;
}

export interface RegistryOptions {
  db: Database;
  logger: Logger;
  /** intra-op threads per session */
  threads?: number;
}

export function createModelRegistry(options: RegistryOptions): ModelRegistry {
  const { db, logger } = options;
  const active = new Map<string, LoadedVersion>();

  const releaseIfDone = async (v: LoadedVersion) => {
    if (v.retired && v.leases === 0) await v.session.release();
  };

  const registry: ModelRegistry = {
    lease(name) {
      const v = active.get(name);
      if (!v) throw new DomainError(ErrorCode.UNAVAILABLE, `model ${name} is not loaded at this site`);
      v.leases++;
      let released = false;
      return {
        card: v.card,
        id: `${v.card.name}@${v.card.version}`,
        run: (feeds) => v.session.run(feeds),
        release() {
          if (released) return;
          released = true;
          v.leases--;
          void releaseIfDone(v);
        },
      };
    },
    has: (name) => active.has(name),
    active: () => [...active.values()].map((v) => v.card),
    async register(onnx, cardJson, source) {
      const card = checkModel(onnx, cardJson, source);
      const session = await ort.InferenceSession.create(onnx, { intraOpNumThreads: options.threads ?? 1, interOpNumThreads: 1 });
      try {
        for (const input of card.inputs) {
          if (!session.inputNames.includes(input.name)) throw new DomainError(ErrorCode.BAD_INPUT, `${source}: the model has no input "${input.name}" that its card names`);
        }
        await db.query(
          `INSERT INTO model_version (name, version, sha256, task, card, source) VALUES ($1, $2, $3, $4, $5::jsonb, $6)
           ON CONFLICT (name, version) DO UPDATE SET activated_at = now(), source = EXCLUDED.source
           WHERE model_version.sha256 = EXCLUDED.sha256`,
          [card.name, card.version, card.sha256, card.task, JSON.stringify(card), source],
        );
        const stored = await db.query<{ sha256: string }>('SELECT sha256 FROM model_version WHERE name = $1 AND version = $2', [card.name, card.version]);
        if (stored.rows[0]?.sha256 !== card.sha256) {
          throw new DomainError(ErrorCode.CONFLICT, `${card.name}@${card.version} is already recorded with other bytes; a version never changes`);
        }
      } catch (err) {
        await session.release();
        throw err;
      }
      const previous = active.get(card.name);
      active.set(card.name, { card, session, leases: 0, retired: false });
      if (previous) {
        previous.retired = true;
        await releaseIfDone(previous);
      }
      logger.info({ model: card.name, version: card.version, sha256: card.sha256, source }, 'model version active');
      return card;
    },
    async history(name) {
      const res = await db.query<{ name: string; version: string; sha256: string; source: string; activated_at: Date | string }>(
        'SELECT name, version, sha256, source, activated_at FROM model_version WHERE $1::text IS NULL OR name = $1 ORDER BY name, activated_at, version',
        [name ?? null],
      );
      return res.rows.map((r) => ({ name: r.name, version: r.version, sha256: r.sha256, source: r.source, activatedAt: new Date(r.activated_at).toISOString() }));
    },
    async close() {
      for (const v of active.values()) {
        v.retired = true;
        await releaseIfDone(v);
      }
      active.clear();
    },
  };
  return registry;
}

/** Loads every shipped model: for each name, its highest version. Returns the cards loaded. */
export async function loadShippedModels(registry: ModelRegistry, dir: URL = MODELS_DIR): Promise<ModelCard[]> {
  if (!existsSync(dir)) return [];
  const loaded: ModelCard[] = [];
  for (const name of readdirSync(dir).sort()) {
    const versions = readdirSync(new URL(`${name}/`, dir)).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(a) - Number(b));
    const latest = versions.at(-1);
    if (!latest) continue;
    const base = new URL(`${name}/${latest}/`, dir);
    const onnx = readFileSync(new URL('model.onnx', base));
    const card = JSON.parse(readFileSync(new URL('card.json', base), 'utf8')) as unknown;
    loaded.push(await registry.register(onnx, card, `models/${name}/${latest}`));
  }
  return loaded;
}
