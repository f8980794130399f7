import type { AuditEvent } from './audit-event.ts';

/**
 * The columns of `audit_event` copied out of the hashed event for search (migration 007). The
 * recorder writes them and the verifier recomputes them, so both read this one definition.
 */
export interface AuditIndexColumns {
  recorded: string;
  action: string;
  outcome: number;
  patient_id: string | null;
  client_id: string;
  user_id: string | null;
}

/** The search columns of an event. */
export function indexColumnsOf(event: AuditEvent): AuditIndexColumns {
  return {
    recorded: event.recorded,
    action: event.action,
    outcome: event.outcome.code,
    patient_id: event.patient ?? null,
    client_id: event.agent.clientId,
    user_id: event.agent.userId ?? null,
  };
}

/** A stored row as both adapters return it (timestamptz as a Date, jsonb parsed). */
export interface StoredAuditRow {
  seq: number;
  prev_hash: string;
  hash: string;
  event: unknown;
  recorded: Date | string;
  action: string;
  outcome: number;
  patient_id: string | null;
  client_id: string;
  user_id: string | null;
}

export const AUDIT_ROW_COLUMNS = 'seq, prev_hash, hash, event, recorded, action, outcome, patient_id, client_id, user_id';

/** The first search column whose stored value differs from the event's, if any. */
export function mismatchedIndexColumn(row: StoredAuditRow, event: AuditEvent): keyof AuditIndexColumns | undefined {
  const want = indexColumnsOf(event);
  if (new Date(row.recorded).getTime() !== Date.parse(want.recorded)) return 'recorded';
  if (row.action !== want.action) return 'action';
  if (Number(row.outcome) !== want.outcome) return 'outcome';
  if (row.patient_id !== want.patient_id) return 'patient_id';
  if (row.client_id !== want.client_id) return 'client_id';
  if (row.user_id !== want.user_id) return 'user_id';
  return undefined;
}
