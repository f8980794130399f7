import type { SqlClient } from '../../storage/port.ts';

/**
 * Patients whose trial-search projection is missing or older than their record: a clinical summary
 * newer than the projected features, a variant call set imported since, or features of a patient
 * whose record is gone. Whatever path brought the data in (REST, GraphQL, CLI, sync), the next
 * cohort search finds it here.
 */
export async function findStalePatients(db: SqlClient, limit: number): Promise<string[]> {
  const r = await db.query<{ patient_id: string }>(
    `SELECT patient_id FROM (
       SELECT s.patient_id FROM patient_summary s
         LEFT JOIN trial_patient_features f ON f.patient_id = s.patient_id
        WHERE f.patient_id IS NULL OR f.updated_at < s.updated_at
       UNION
       SELECT c.patient_id FROM variant_call_set c
         JOIN trial_patient_features f ON f.patient_id = c.patient_id
        WHERE c.imported_at > f.updated_at
       UNION
       SELECT f.patient_id FROM trial_patient_features f
         LEFT JOIN patient_summary s ON s.patient_id = f.patient_id
        WHERE s.patient_id IS NULL
     ) stale ORDER BY patient_id LIMIT $1`,
    [limit],
  );
  return r.rows.map((row) => row.patient_id);
}
