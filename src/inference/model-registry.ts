/**
 * The model registry: the shipped models (`models/<name>/<version>/model.onnx` with `card.json`)
 * loaded at start-up after their sha256 is checked, one onnxruntime session per version, and hot
 * swapping. A request takes a lease on the version active when it starts and keeps it until it
 * ends; registering a new version switches new requests over at once, and the old session is
 * released only when its last lease is returned. Every version is recorded in the database with its
 * bytes, so a site can roll back to any version it served and a rolled-out version survives restarts.
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

/** A checked version open in onnxruntime but not serving: what a rollout acceptance test runs. */
export interface ModelTrial {
  card: ModelCard;
  /** `<name>@<version>` */
  id: string;
  run(feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.OnnxValueMapType>;
  release(): Promise<void>;
}

export interface ModelHistoryEntry {
  name: string;
  version: string;
  sha256: string;
  source: string;
  activatedAt: string;
  /** set when the version was taken out of service by a rollback */
  rolledBackAt?: string;
}

/** A version as the database holds it. */
export interface RecordedVersion {
  name: string;
  version: string;
  card: unknown;
  source: string;
  activatedAt: Date;
  rolledBackAt?: Date;
  /** absent for versions recorded before the bytes were kept */
  onnx?: Uint8Array;
}

export interface ModelRegistry {
  /** The active version of a model, leased for one request; throws UNAVAILABLE if none is loaded. */
  lease(name: string): ModelLease;
  has(name: string): boolean;
  active(): ModelCard[];
  /** Checks a version and opens it in onnxruntime as `register` would, without recording or activating it. */
  trial(onnx: Uint8Array, cardJson: unknown, source: string): Promise<ModelTrial>;
  /** Checks and loads a version, makes it active, records it; in-flight requests finish on the old one. */
  register(onnx: Uint8Array, cardJson: unknown, source: string): Promise<ModelCard>;
  /**
   * Takes the active version of `name` out of service and re-activates the version that was active
   * before it (the latest activated one not rolled back); both are recorded in model_version.
   */
  rollback(name: string): Promise<{ from: ModelCard; to: ModelCard }>;
  history(name?: string): Promise<ModelHistoryEntry[]>;
  /** Every recorded version, optionally of one model, with its card and bytes. */
  recorded(name?: string): Promise<RecordedVersion[]>;
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
  /** where shipped versions recorded before their bytes were kept are read back from (rollback) */
  modelsDir?: URL;
}

function toBytes(value: unknown): Uint8Array | undefined {
  return value instanceof Uint8Array ? value : undefined;
}

export function createModelRegistry(options: RegistryOptions): ModelRegistry {
  const { db, logger } = options;
  const active = new Map<string, LoadedVersion>();

  const open = async (onnx: Uint8Array, cardJson: unknown, source: string) => {
    const card = checkModel(onnx, cardJson, source);
    const session = await ort.InferenceSession.create(onnx, { intraOpNumThreads: options.threads ?? 1, interOpNumThreads: 1 });
    try {
      for (const input of card.inputs) {
        if (!session.inputNames.includes(input.name)) throw new DomainError(ErrorCode.BAD_INPUT, `${source}: the model has no input "${input.name}" that its card names`);
      }
    } catch (err) {
      await session.release();
      throw err;
    }
    return { card, session };
  };

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
    async trial(onnx, cardJson, source) {
      const { card, session } = await open(onnx, cardJson, source);
      return { card, id: `${card.name}@${card.version}`, run: (feeds) => session.run(feeds), release: () => session.release() };
    },
    async register(onnx, cardJson, source) {
      const { card, session } = await open(onnx, cardJson, source);
      try {
        // re-registering a version puts it back in service; the bytes are written once and never change
        await db.query(
          `INSERT INTO model_version (name, version, sha256, task, card, source, onnx) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)
           ON CONFLICT (name, version) DO UPDATE SET activated_at = now(), source = EXCLUDED.source, rolled_back_at = NULL,
             onnx = COALESCE(model_version.onnx, EXCLUDED.onnx)
           WHERE model_version.sha256 = EXCLUDED.sha256`,
          [card.name, card.version, card.sha256, card.task, JSON.stringify(card), source, Buffer.from(onnx.buffer, onnx.byteOffset, onnx.byteLength)],
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
    async rollback(name) {
      const current = active.get(name);
      if (!current) throw new DomainError(ErrorCode.UNAVAILABLE, `model ${name} is not loaded at this site`);
      const from = current.card;
      const res = await db.query<{ version: string; card: unknown; source: string; onnx: unknown }>(
        `SELECT version, card, source, onnx FROM model_version WHERE name = $1 AND version <> $2 AND rolled_back_at IS NULL
         ORDER BY activated_at DESC, version DESC LIMIT 1`,
        [name, from.version],
      );
      const row = res.rows[0];
      if (!row) throw new DomainError(ErrorCode.CONFLICT, `${name}@${from.version} is the only version of ${name} this site can serve; there is nothing to roll back to`);
      const shipped = new URL(`${name}/${row.version}/model.onnx`, options.modelsDir ?? MODELS_DIR);
      const onnx = toBytes(row.onnx) ?? (existsSync(shipped) ? readFileSync(shipped) : undefined);
      if (!onnx) throw new DomainError(ErrorCode.CONFLICT, `${name}@${row.version} was served before its bytes were kept, and it is not shipped; cannot roll back to it`);
      const to = await registry.register(onnx, row.card, row.source);
      await db.query('UPDATE model_version SET rolled_back_at = now() WHERE name = $1 AND version = $2', [name, from.version]);
      logger.info({ model: name, from: from.version, to: to.version }, 'model version rolled back');
      return { from, to };
    },
    async history(name) {
      const res = await db.query<{ name: string; version: string; sha256: string; source: string; activated_at: Date | string; rolled_back_at: Date | string | null }>(
        'SELECT name, version, sha256, source, activated_at, rolled_back_at FROM model_version WHERE $1::text IS NULL OR name = $1 ORDER BY name, activated_at, version',
        [name ?? null],
      );
      return res.rows.map((r) => ({
        name: r.name,
        version: r.version,
        sha256: r.sha256,
        source: r.source,
        activatedAt: new Date(r.activated_at).toISOString(),
        ...(r.rolled_back_at ? { rolledBackAt: new Date(r.rolled_back_at).toISOString() } : {}),
      }));
    },
    async recorded(name) {
      const res = await db.query<{ name: string; version: string; card: unknown; source: string; activated_at: Date | string; rolled_back_at: Date | string | null; onnx: unknown }>(
        'SELECT name, version, card, source, activated_at, rolled_back_at, onnx FROM model_version WHERE $1::text IS NULL OR name = $1 ORDER BY name, activated_at, version',
        [name ?? null],
      );
      return res.rows.map((r) => {
        const onnx = toBytes(r.onnx);
        return {
          name: r.name,
          version: r.version,
          card: r.card,
          source: r.source,
          activatedAt: new Date(r.activated_at),
          ...(r.rolled_back_at ? { rolledBackAt: new Date(r.rolled_back_at) } : {}),
          ...(onnx ? { onnx } : {}),
        };
      });
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

function shippedVersions(dir: URL, name: string): string[] {
  const folder = new URL(`${name}/`, dir);
  if (!existsSync(folder)) return [];
  return readdirSync(folder).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(a) - Number(b));
}

/**
 * Loads, for each model, the version this site served last (the latest activated one not rolled
 * back, from the bytes the database keeps), so a rolled-out version or a rollback survives a
 * restart. A shipped version newer than every version the site has recorded is a new release and
 * is loaded instead; a model the site has never served starts on its highest shipped version.
 * Returns the cards loaded.
 */
export async function loadShippedModels(registry: ModelRegistry, dir: URL = MODELS_DIR): Promise<ModelCard[]> {
  const recorded = await registry.recorded();
  const onDisk = existsSync(dir) ? readdirSync(dir).filter((n) => shippedVersions(dir, n).length > 0) : [];
  const names = [...new Set([...onDisk, ...recorded.map((r) => r.name)])].sort();
  const loaded: ModelCard[] = [];
  for (const name of names) {
    const shipped = shippedVersions(dir, name);
    const latest = shipped.at(-1);
    const rows = recorded.filter((r) => r.name === name);
    const release = latest !== undefined && rows.every((r) => Number(r.version) < Number(latest));
    const last = release ? undefined : rows.filter((r) => !r.rolledBackAt).sort((a, b) => b.activatedAt.getTime() - a.activatedAt.getTime())[0];
    const readShipped = (version: string) => readFileSync(new URL(`${name}/${version}/model.onnx`, dir));
    const lastBytes = last && (last.onnx ?? (shipped.includes(last.version) ? readShipped(last.version) : undefined));
    if (last && lastBytes) {
      loaded.push(await registry.register(lastBytes, last.card, last.source));
      continue;
    }
    if (latest === undefined) continue;
    const base = new URL(`${name}/${latest}/`, dir);
    const card = JSON.parse(readFileSync(new URL('card.json', base), 'utf8')) as unknown;
    loaded.push(await registry.register(readShipped(latest), card, `models/${name}/${latest}`));
  }
  return loaded;
}
