import type { Resource } from '@medplum/fhirtypes';
import type { SqlClient } from '../../storage/port.ts';

export type WriteOutcome = 'created' | 'updated' | 'unchanged';

export interface StoredResource {
  resourceType: string;
  id: string;
  version: number;
  patientId: string | null;
  lastUpdated: string;
  content: Resource;
}

interface Row {
  resource_type: string;
  id: string;
  version: number;
  patient_id: string | null;
  last_updated: Date | string;
  content: Resource;
}

function toStored(r: Row): StoredResource {
  return {
    resourceType: r.resource_type,
    id: r.id,
    version: r.version,
    patientId: r.patient_id,
    lastUpdated: new Date(r.last_updated).toISOString(),
    content: r.content,
  };
}

export async function insertImportBatch(
  tx: SqlClient,
  batch: { id: string; source: string; kind: string; entryCount: number; patientIds: string[] },
): Promise<void> {
  await tx.query('INSERT INTO import_batch (id, source, bundle_type, entry_count, patient_ids) VALUES ($1, $2, $3, $4, $5)', [
    batch.id,
    batch.source,
    batch.kind,
    batch.entryCount,
    batch.patientIds,
  ]);
}

export interface ResourceWrite {
  resource: Resource & { id: string };
  patientId?: string;
}

/**
 * Creates or updates many resources in one statement. An update whose content equals the stored
 * content is a no-op, so re-importing the same Bundle creates no new versions; changed versions go
 * to the history table. Concurrent writers of one resource queue on its row lock in the upsert, so
 * versions stay consecutive. Keys must be unique within one call; results come back in input order.
 */
export async function writeResources(
  tx: SqlClient,
  writes: readonly ResourceWrite[],
  importId: string,
): Promise<{ outcome: WriteOutcome; version: number }[]> {
  if (writes.length === 0) return [];
  const res = await tx.query<{ ord: number; written: number | null; prior_version: number | null }>(
    `WITH input AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
         WITH ORDINALITY AS t(resource_type, id, patient_id, source_version_id, content, ord)
     ), prior AS (
       SELECT r.resource_type, r.id, r.version FROM fhir_resource r JOIN input i ON r.resource_type = i.resource_type AND r.id = i.id
     ), up AS (
       INSERT INTO fhir_resource (resource_type, id, version, patient_id, source_version_id, content, import_id)
       SELECT resource_type, id, 1, patient_id, source_version_id, content::jsonb, $6 FROM input ORDER BY ord
       ON CONFLICT (resource_type, id) DO UPDATE
         SET version = fhir_resource.version + 1, patient_id = EXCLUDED.patient_id,
             source_version_id = EXCLUDED.source_version_id, content = EXCLUDED.content,
             last_updated = now(), import_id = EXCLUDED.import_id
         WHERE fhir_resource.content IS DISTINCT FROM EXCLUDED.content
       RETURNING resource_type, id, version, source_version_id, content
     ), history AS (
       INSERT INTO fhir_resource_version (resource_type, id, version, source_version_id, content, import_id)
       SELECT resource_type, id, version, source_version_id, content, $6 FROM up
     )
     SELECT i.ord::int AS ord, up.version AS written, prior.version AS prior_version
     FROM input i
     LEFT JOIN up ON up.resource_type = i.resource_type AND up.id = i.id
     LEFT JOIN prior ON prior.resource_type = i.resource_type AND prior.id = i.id
     ORDER BY i.ord`,
    [
      writes.map((w) => w.resource.resourceType),
      writes.map((w) => w.resource.id),
      writes.map((w) => w.patientId ?? null),
      writes.map((w) => w.resource.meta?.versionId ?? null),
      writes.map((w) => JSON.stringify(w.resource)),
      importId,
    ],
  );
  return res.rows.map((row) =>
    row.written == null
      ? { outcome: 'unchanged' as const, version: row.prior_version ?? 1 }
      : { outcome: row.prior_version == null ? ('created' as const) : ('updated' as const), version: row.written },
  );
}

/** For each given resource that is already stored, the patient it is filed under (null for none). */
export async function storedPatientsOf(db: SqlClient, resources: readonly { resourceType: string; id?: string }[]): Promise<Map<string, string | null>> {
  if (resources.length === 0) return new Map();
  const res = await db.query<{ resource_type: string; id: string; patient_id: string | null }>(
    `SELECT r.resource_type, r.id, r.patient_id FROM fhir_resource r
     JOIN unnest($1::text[], $2::text[]) AS k(resource_type, id) ON r.resource_type = k.resource_type AND r.id = k.id`,
    [resources.map((r) => r.resourceType), resources.map((r) => r.id ?? '')],
  );
  return new Map(res.rows.map((r) => [`${r.resource_type}/${r.id}`, r.patient_id]));
}

/** The ids among `ids` that are stored Patients. */
export async function existingPatientIds(db: SqlClient, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const res = await db.query<{ id: string }>("SELECT id FROM fhir_resource WHERE resource_type = 'Patient' AND id = ANY($1::text[])", [ids]);
  return new Set(res.rows.map((r) => r.id));
}

/** All current resources in a patient's compartment, optionally of one type, in a stable order. */
export async function readPatientResources(db: SqlClient, patientId: string, resourceType?: string): Promise<StoredResource[]> {
  const res = await db.query<Row>(
    `SELECT resource_type, id, version, patient_id, last_updated, content FROM fhir_resource
     WHERE patient_id = $1 AND ($2::text IS NULL OR resource_type = $2)
     ORDER BY resource_type, id`,
    [patientId, resourceType ?? null],
  );
  return res.rows.map(toStored);
}

export async function readResource(db: SqlClient, resourceType: string, id: string): Promise<StoredResource | undefined> {
  const res = await db.query<Row>(
    'SELECT resource_type, id, version, patient_id, last_updated, content FROM fhir_resource WHERE resource_type = $1 AND id = $2',
    [resourceType, id],
  );
  const row = res.rows[0];
  return row ? toStored(row) : undefined;
}

/** Current resources of one type by id (those that exist), in id order. */
export async function readResources(db: SqlClient, resourceType: string, ids: readonly string[]): Promise<StoredResource[]> {
  if (ids.length === 0) return [];
  const res = await db.query<Row>(
    `SELECT resource_type, id, version, patient_id, last_updated, content FROM fhir_resource
     WHERE resource_type = $1 AND id = ANY($2::text[]) ORDER BY id`,
    [resourceType, ids],
  );
  return res.rows.map(toStored);
}

/** One page of patient ids in id order, starting after `after`. */
export async function listPatientIds(db: SqlClient, first: number, after?: string): Promise<string[]> {
  const res = await db.query<{ id: string }>(
    `SELECT id FROM fhir_resource WHERE resource_type = 'Patient' AND ($1::text IS NULL OR id > $1)
     ORDER BY id LIMIT $2`,
    [after ?? null, first],
  );
  return res.rows.map((r) => r.id);
}

/** How many current resources of each type a patient has. */
export async function countPatientResources(db: SqlClient, patientId: string): Promise<{ resourceType: string; count: number }[]> {
  const res = await db.query<{ resource_type: string; n: number }>(
    'SELECT resource_type, count(*)::int AS n FROM fhir_resource WHERE patient_id = $1 GROUP BY resource_type ORDER BY resource_type',
    [patientId],
  );
  return res.rows.map((r) => ({ resourceType: r.resource_type, count: r.n }));
}

export async function countPatients(db: SqlClient): Promise<number> {
  const res = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM fhir_resource WHERE resource_type = 'Patient'");
  return res.rows[0]?.n ?? 0;
}
