/**
 * The `treatment_outcome` table (schema/migrations/011_outcomes.sql): one training-label row per
 * patient and line. Dates are read back as text, because node-postgres turns a `date` into a
 * local-time Date and that shifts the day in time zones west of UTC.
 */
import type { SqlClient } from '../storage/port.ts';
import type { FollowedSuggestionInput, RecistCategory } from './outcome-input.ts';
import type { LineSurvival, LineTimeline } from './survival.ts';

/** What a row holds: the reported facts, the derived labels and the resources written. */
export interface OutcomeRow extends LineTimeline {
  patientId: string;
  regimen?: string;
  therapyName: string;
  rxnorm: string[];
  deathDate?: string;
  /** undefined: not stated; null: no suggestion followed */
  followedSuggestion?: FollowedSuggestionInput | null;
  responseLabel?: 0 | 1;
  pfs: { days: number; event: 0 | 1 };
  os: { days: number; event: 0 | 1 };
  resourceIds: string[];
  recordedAt: string;
  updatedAt: string;
}

interface Row {
  patient_id: string;
  line: number;
  regimen: string | null;
  therapy_name: string;
  rxnorm: string[];
  start_date: string;
  best_response: RecistCategory | null;
  response_date: string | null;
  progression_date: string | null;
  death_date: string | null;
  last_follow_up: string | null;
  followed_suggestion: { followed: boolean; therapy?: string; tier?: 'I' | 'II' | 'III' | null; modelVersion?: string } | null;
  response_label: number | null;
  pfs_days: number;
  pfs_event: number;
  os_days: number;
  os_event: number;
  resource_ids: string[];
  recorded_at: Date | string;
  updated_at: Date | string;
}

const COLUMNS = `patient_id, line, regimen, therapy_name, rxnorm, start_date::text AS start_date, best_response,
  response_date::text AS response_date, progression_date::text AS progression_date, death_date::text AS death_date,
  last_follow_up::text AS last_follow_up, followed_suggestion, response_label, pfs_days, pfs_event, os_days, os_event,
  resource_ids, recorded_at, updated_at`;

const flag = (n: number): 0 | 1 => (n === 1 ? 1 : 0);

function toOutcome(r: Row): OutcomeRow {
  const f = r.followed_suggestion;
  const followed: OutcomeRow['followedSuggestion'] =
    f === null ? undefined : f.followed ? { therapy: f.therapy ?? '', tier: f.tier ?? null, ...(f.modelVersion ? { modelVersion: f.modelVersion } : {}) } : null;
  return {
    patientId: r.patient_id,
    line: r.line,
    ...(r.regimen !== null ? { regimen: r.regimen } : {}),
    therapyName: r.therapy_name,
    rxnorm: r.rxnorm,
    startDate: r.start_date,
    ...(r.best_response !== null && r.response_date !== null ? { bestResponse: { category: r.best_response, date: r.response_date } } : {}),
    ...(r.progression_date !== null ? { progressionDate: r.progression_date } : {}),
    ...(r.death_date !== null ? { deathDate: r.death_date } : {}),
    ...(r.last_follow_up !== null ? { lastFollowUp: r.last_follow_up } : {}),
    ...(followed !== undefined ? { followedSuggestion: followed } : {}),
    ...(r.response_label !== null ? { responseLabel: flag(r.response_label) } : {}),
    pfs: { days: r.pfs_days, event: flag(r.pfs_event) },
    os: { days: r.os_days, event: flag(r.os_event) },
    resourceIds: r.resource_ids,
    recordedAt: new Date(r.recorded_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/** A patient's recorded lines, in line order. */
export async function readPatientOutcomes(db: SqlClient, patientId: string): Promise<OutcomeRow[]> {
  const res = await db.query<Row>(`SELECT ${COLUMNS} FROM treatment_outcome WHERE patient_id = $1 ORDER BY line`, [patientId]);
  return res.rows.map(toOutcome);
}

/** Every recorded line at the site, by patient and line, a page at a time (keyset on patient and line). */
export async function readOutcomes(db: SqlClient, options: { first: number; after?: { patientId: string; line: number } }): Promise<OutcomeRow[]> {
  const res = await db.query<Row>(
    `SELECT ${COLUMNS} FROM treatment_outcome
     WHERE $1::text IS NULL OR (patient_id, line) > ($1::text, $2::int)
     ORDER BY patient_id, line LIMIT $3`,
    [options.after?.patientId ?? null, options.after?.line ?? 0, options.first],
  );
  return res.rows.map(toOutcome);
}

/** The reported facts of a row, before the labels are derived. */
export type OutcomeFacts = Omit<OutcomeRow, 'pfs' | 'os' | 'recordedAt' | 'updatedAt'>;

/** Inserts or replaces one line's row; its survival columns start at zero until `saveSurvival`. */
export async function upsertOutcome(tx: SqlClient, o: OutcomeFacts): Promise<void> {
  const followed = o.followedSuggestion === undefined ? null : JSON.stringify(o.followedSuggestion === null ? { followed: false } : { followed: true, ...o.followedSuggestion });
  await tx.query(
    `INSERT INTO treatment_outcome (patient_id, line, regimen, therapy_name, rxnorm, start_date, best_response, response_date,
       progression_date, death_date, last_follow_up, followed_suggestion, response_label, pfs_days, pfs_event, os_days, os_event, resource_ids)
     VALUES ($1, $2, $3, $4, $5, $6::date, $7, $8::date, $9::date, $10::date, $11::date, $12::jsonb, $13, 0, 0, 0, 0, $14)
     ON CONFLICT (patient_id, line) DO UPDATE SET
       regimen = EXCLUDED.regimen, therapy_name = EXCLUDED.therapy_name, rxnorm = EXCLUDED.rxnorm, start_date = EXCLUDED.start_date,
       best_response = EXCLUDED.best_response, response_date = EXCLUDED.response_date, progression_date = EXCLUDED.progression_date,
       death_date = EXCLUDED.death_date, last_follow_up = EXCLUDED.last_follow_up, followed_suggestion = EXCLUDED.followed_suggestion,
       response_label = EXCLUDED.response_label, resource_ids = EXCLUDED.resource_ids, updated_at = now()`,
    [
      o.patientId,
      o.line,
      o.regimen ?? null,
      o.therapyName,
      o.rxnorm,
      o.startDate,
      o.bestResponse?.category ?? null,
      o.bestResponse?.date ?? null,
      o.progressionDate ?? null,
      o.deathDate ?? null,
      o.lastFollowUp ?? null,
      followed,
      o.responseLabel ?? null,
      o.resourceIds,
    ],
  );
}

/** Writes the derived survival of each of a patient's lines. */
export async function saveSurvival(tx: SqlClient, patientId: string, survival: readonly LineSurvival[]): Promise<void> {
  if (survival.length === 0) return;
  await tx.query(
    `UPDATE treatment_outcome t SET pfs_days = s.pfs_days, pfs_event = s.pfs_event, os_days = s.os_days, os_event = s.os_event
     FROM unnest($2::int[], $3::int[], $4::int[], $5::int[], $6::int[]) AS s(line, pfs_days, pfs_event, os_days, os_event)
     WHERE t.patient_id = $1 AND t.line = s.line`,
    [patientId, survival.map((s) => s.line), survival.map((s) => s.pfs.days), survival.map((s) => s.pfs.event), survival.map((s) => s.os.days), survival.map((s) => s.os.event)],
  );
}
