/**
 * SQL for the coordinator's registry: federations, sites and their keys, model lineages and their
 * published versions. Every function takes the client it runs on, so callers compose them inside
 * one transaction.
 */
import type { SqlClient } from '../../storage/port.ts';
import type { ParameterLayout } from '../privacy/dp-sgd.ts';
import { float64Bytes, float64FromBytes } from '../protocol/float-codec.ts';
import type { VersionManifest } from '../protocol/messages.ts';
import type { LineageRow } from './types.ts';

/** Bytes of a bytea column, whichever driver read it (pg gives a Buffer, PGlite a Uint8Array). */
export function byteaOf(value: unknown): Buffer {
  const u = value as Uint8Array;
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/** Creates a federation; false when it already exists. */
export async function insertFederation(c: SqlClient, id: string, description: string): Promise<boolean> {
  const r = await c.query('INSERT INTO federation (id, description) VALUES ($1, $2) ON CONFLICT DO NOTHING', [id, description]);
  return r.rowCount === 1;
}

export async function federationExists(c: SqlClient, id: string): Promise<boolean> {
  return (await c.query('SELECT 1 FROM federation WHERE id = $1', [id])).rows.length > 0;
}

export interface SiteRow {
  federationId: string;
  siteId: string;
  publicKey: string;
  status: 'active' | 'suspended';
  registeredAt: Date;
  lastSeenAt: Date | null;
}

interface SiteDbRow {
  federation_id: string;
  site_id: string;
  public_key: string;
  status: 'active' | 'suspended';
  registered_at: Date;
  last_seen_at: Date | null;
}

const siteOf = (r: SiteDbRow): SiteRow => ({
  federationId: r.federation_id,
  siteId: r.site_id,
  publicKey: r.public_key,
  status: r.status,
  registeredAt: new Date(r.registered_at),
  lastSeenAt: r.last_seen_at === null ? null : new Date(r.last_seen_at),
});

/** Registers a site's key; false when the site is already registered (its key is left unchanged). */
export async function insertSite(c: SqlClient, federationId: string, siteId: string, publicKey: string): Promise<boolean> {
  const r = await c.query('INSERT INTO federation_site (federation_id, site_id, public_key) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [federationId, siteId, publicKey]);
  return r.rowCount === 1;
}

export async function setSiteStatus(c: SqlClient, federationId: string, siteId: string, status: 'active' | 'suspended'): Promise<boolean> {
  const r = await c.query('UPDATE federation_site SET status = $3 WHERE federation_id = $1 AND site_id = $2', [federationId, siteId, status]);
  return r.rowCount === 1;
}

export async function findSite(c: SqlClient, federationId: string, siteId: string): Promise<SiteRow | null> {
  const r = await c.query<SiteDbRow>('SELECT * FROM federation_site WHERE federation_id = $1 AND site_id = $2', [federationId, siteId]);
  return r.rows[0] ? siteOf(r.rows[0]) : null;
}

export async function touchSite(c: SqlClient, federationId: string, siteId: string, at: number): Promise<void> {
  await c.query('UPDATE federation_site SET last_seen_at = $3 WHERE federation_id = $1 AND site_id = $2', [federationId, siteId, new Date(at)]);
}

/** Every site of a federation (or of all), ordered by federation and id. */
export async function listSites(c: SqlClient, federationId?: string): Promise<SiteRow[]> {
  const r = federationId
    ? await c.query<SiteDbRow>('SELECT * FROM federation_site WHERE federation_id = $1 ORDER BY site_id', [federationId])
    : await c.query<SiteDbRow>('SELECT * FROM federation_site ORDER BY federation_id, site_id');
  return r.rows.map(siteOf);
}

/** The shipped model a lineage started from (migration 012): its card JSON and ONNX bytes. */
export interface LineageBase {
  card: unknown;
  onnx: Buffer;
}

/** Creates a lineage, with the model it starts from when it has one; false when the id is taken. */
export async function insertLineage(c: SqlClient, lineage: Omit<LineageRow, 'strategyState'>, base: LineageBase | null = null): Promise<boolean> {
  const r = await c.query(
    `INSERT INTO federation_lineage (id, federation_id, family, parameter_layout, parameter_count, base_card, base_onnx)
     VALUES ($1, $2, $3, $4::jsonb, $5, $6::jsonb, $7) ON CONFLICT DO NOTHING`,
    [lineage.id, lineage.federationId, lineage.family, JSON.stringify(lineage.layout), lineage.parameterCount, base ? JSON.stringify(base.card) : null, base?.onnx ?? null],
  );
  return r.rowCount === 1;
}

/** The shipped model behind a lineage, or null for a lineage made from bare weights. */
export async function findLineageBase(c: SqlClient, id: string): Promise<LineageBase | null> {
  const r = await c.query<{ base_card: unknown; base_onnx: unknown }>('SELECT base_card, base_onnx FROM federation_lineage WHERE id = $1', [id]);
  const row = r.rows[0];
  return row && row.base_card !== null && row.base_onnx !== null ? { card: row.base_card, onnx: byteaOf(row.base_onnx) } : null;
}

export async function findLineage(c: SqlClient, id: string): Promise<LineageRow | null> {
  const r = await c.query<{ id: string; federation_id: string; family: string; parameter_layout: ParameterLayout; parameter_count: number; strategy_state: unknown }>(
    'SELECT * FROM federation_lineage WHERE id = $1',
    [id],
  );
  const row = r.rows[0];
  return row ? { id: row.id, federationId: row.federation_id, family: row.family, layout: row.parameter_layout, parameterCount: row.parameter_count, strategyState: row.strategy_state } : null;
}

export async function saveStrategyState(c: SqlClient, lineageId: string, state: unknown): Promise<void> {
  await c.query('UPDATE federation_lineage SET strategy_state = $2::jsonb WHERE id = $1', [lineageId, JSON.stringify(state)]);
}

export interface VersionRow {
  manifest: VersionManifest;
  signature: string;
  weights: Float64Array;
}

/** A version exported for serving: ONNX bytes, model card and the coordinator's signature over both. */
export interface VersionModelRow {
  onnx: Uint8Array;
  card: unknown;
  signature: string;
}

export interface NewVersion extends VersionRow {
  meanDelta: Float64Array | null;
  /** set for lineages made from a shipped model */
  model?: VersionModelRow | null;
}

export async function insertVersion(c: SqlClient, v: NewVersion): Promise<void> {
  const m = v.manifest;
  const model = v.model ?? null;
  await c.query(
    `INSERT INTO federation_version (lineage_id, version, round_id, weights, sha256, mean_delta, manifest, signature, created_at, onnx, card, model_signature)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11::jsonb, $12)`,
    [
      m.lineageId, m.version, m.roundId, float64Bytes(v.weights), m.sha256, v.meanDelta ? float64Bytes(v.meanDelta) : null, JSON.stringify(m), v.signature, new Date(m.createdAt),
      model ? Buffer.from(model.onnx.buffer, model.onnx.byteOffset, model.onnx.byteLength) : null, model ? JSON.stringify(model.card) : null, model?.signature ?? null,
    ],
  );
}

/** The ONNX export of a version, or null when the lineage publishes weights only. */
export async function findVersionModel(c: SqlClient, lineageId: string, version: number): Promise<VersionModelRow | null> {
  const r = await c.query<{ onnx: unknown; card: unknown; model_signature: string | null }>(
    'SELECT onnx, card, model_signature FROM federation_version WHERE lineage_id = $1 AND version = $2',
    [lineageId, version],
  );
  const row = r.rows[0];
  return row && row.onnx !== null && row.card !== null && row.model_signature !== null ? { onnx: byteaOf(row.onnx), card: row.card, signature: row.model_signature } : null;
}

/** A version of a lineage, the latest when `version` is omitted. */
export async function findVersion(c: SqlClient, lineageId: string, version?: number): Promise<VersionRow | null> {
  const r =
    version === undefined
      ? await c.query<{ manifest: VersionManifest; signature: string; weights: unknown }>('SELECT manifest, signature, weights FROM federation_version WHERE lineage_id = $1 ORDER BY version DESC LIMIT 1', [lineageId])
      : await c.query<{ manifest: VersionManifest; signature: string; weights: unknown }>('SELECT manifest, signature, weights FROM federation_version WHERE lineage_id = $1 AND version = $2', [lineageId, version]);
  const row = r.rows[0];
  return row ? { manifest: row.manifest, signature: row.signature, weights: float64FromBytes(byteaOf(row.weights)) } : null;
}

/** The newest version number of a lineage, or −1 before any. */
export async function latestVersionNumber(c: SqlClient, lineageId: string): Promise<number> {
  const r = await c.query<{ v: number | null }>('SELECT max(version) AS v FROM federation_version WHERE lineage_id = $1', [lineageId]);
  return r.rows[0]?.v ?? -1;
}
