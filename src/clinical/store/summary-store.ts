import type { ClinicalSummary } from '../mcode/types.ts';
import type { SqlClient } from '../../storage/port.ts';

export interface StoredSummary {
  summary: ClinicalSummary;
  dataVersion: number;
}

/** Saves a patient's derived summary; the data version goes up by one each time. */
export async function saveSummary(tx: SqlClient, summary: ClinicalSummary): Promise<number> {
  const res = await tx.query<{ data_version: number }>(
    `INSERT INTO patient_summary (patient_id, summary, mapper_version, data_version)
     VALUES ($1, $2::jsonb, $3, 1)
     ON CONFLICT (patient_id) DO UPDATE
       SET summary = EXCLUDED.summary, mapper_version = EXCLUDED.mapper_version,
           data_version = patient_summary.data_version + 1, updated_at = now()
     RETURNING data_version`,
    [summary.patientId, JSON.stringify(summary), summary.mapperVersion],
  );
  return res.rows[0]?.data_version ?? 1;
}

/** Summaries for several patients, in the order of `patientIds` (undefined where there is none). */
export async function readSummaries(db: SqlClient, patientIds: readonly string[]): Promise<(StoredSummary | undefined)[]> {
  if (patientIds.length === 0) return [];
  const res = await db.query<{ patient_id: string; summary: ClinicalSummary; data_version: number }>(
    'SELECT patient_id, summary, data_version FROM patient_summary WHERE patient_id = ANY($1::text[])',
    [patientIds],
  );
  const byId = new Map(res.rows.map((r) => [r.patient_id, { summary: r.summary, dataVersion: r.data_version }]));
  return patientIds.map((id) => byId.get(id));
}
