/**
 * The cards this site issued and the feedback EHRs sent on them (tables cds_card, cds_feedback),
 * and the read the training side uses: each feedback item as an outcome label, joined to the card
 * and suggestion it concerns. https://cds-hooks.hl7.org/2.0/#feedback
 */
import type { Database, SqlClient } from '../storage/port.ts';
import type { CardRecord } from './card.ts';
import type { FeedbackItem } from './hook-request.ts';

export interface IssuedCards {
  serviceId: string;
  hook: string;
  hookInstance: string;
  patientId: string;
  storedRecord: boolean;
  cards: readonly CardRecord[];
}

export interface CdsStore {
  saveCards(issued: IssuedCards): Promise<void>;
  /** Stores feedback items; returns how many were new (a re-sent item is stored once). */
  saveFeedback(serviceId: string, items: readonly FeedbackItem[], reportedBy?: string): Promise<number>;
}

/** One feedback item as a training label. */
export interface CdsFeedbackLabel {
  feedbackId: number;
  serviceId: string;
  cardUuid: string;
  outcome: 'accepted' | 'overridden';
  outcomeTimestamp: string;
  /** null when the card is not one this site issued (or it was purged) */
  patientId: string | null;
  kind: CardRecord['kind'] | null;
  hook: string | null;
  hookInstance: string | null;
  storedRecord: boolean | null;
  /** the accepted suggestions, with what each proposed (when the card is known) */
  acceptedSuggestions: { uuid: string; label?: string; therapy?: string; drugs?: string[] }[];
  overrideReason: { system?: string; code?: string; display?: string } | null;
  overrideComment: string | null;
  /** model versions and knowledge base behind the card */
  provenance: Record<string, string | null> | null;
  reportedBy: string | null;
}

export interface ReadFeedbackOptions {
  /** outcomes at or after this instant (ISO 8601) */
  since?: string;
  patientId?: string;
  kind?: CardRecord['kind'];
  limit?: number;
}

export function databaseCdsStore(db: Database): CdsStore {
  return {
    async saveCards(issued) {
      if (issued.cards.length === 0) return;
      const values: string[] = [];
      const params: unknown[] = [];
      for (const c of issued.cards) {
        const n = params.length;
        values.push(`($${n + 1}::uuid, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6}, $${n + 7}, $${n + 8}, $${n + 9}::jsonb, $${n + 10}::jsonb, $${n + 11})`);
        params.push(c.card.uuid, issued.serviceId, issued.hook, issued.hookInstance, issued.patientId, c.kind, c.card.indicator, c.card.summary, JSON.stringify(c.proposals), JSON.stringify(c.provenance), issued.storedRecord);
      }
      await db.query(
        `INSERT INTO cds_card (card_uuid, service_id, hook, hook_instance, patient_id, kind, indicator, summary, suggestions, provenance, stored_record) VALUES ${values.join(', ')}`,
        params,
      );
    },
    async saveFeedback(serviceId, items, reportedBy) {
      return db.transaction(async (tx: SqlClient) => {
        let added = 0;
        for (const f of items) {
          const res = await tx.query(
            `INSERT INTO cds_feedback (service_id, card_uuid, outcome, accepted_suggestions, override_reason, override_comment, outcome_timestamp, reported_by)
             VALUES ($1, $2, $3, $4::text[], $5::jsonb, $6, $7, $8)
             ON CONFLICT (service_id, card_uuid, outcome, outcome_timestamp) DO NOTHING RETURNING id`,
            [
              serviceId,
              f.card,
              f.outcome,
              (f.acceptedSuggestions ?? []).map((s) => s.id),
              f.overrideReason?.reason ? JSON.stringify(f.overrideReason.reason) : null,
              f.overrideReason?.userComment ?? null,
              f.outcomeTimestamp,
              reportedBy ?? null,
            ],
          );
          added += res.rows.length;
        }
        return added;
      });
    },
  };
}

interface LabelRow {
  id: string | number;
  service_id: string;
  card_uuid: string;
  outcome: 'accepted' | 'overridden';
  outcome_timestamp: string | Date;
  accepted_suggestions: string[];
  override_reason: CdsFeedbackLabel['overrideReason'];
  override_comment: string | null;
  reported_by: string | null;
  patient_id: string | null;
  kind: CardRecord['kind'] | null;
  hook: string | null;
  hook_instance: string | null;
  stored_record: boolean | null;
  suggestions: CardRecord['proposals'] | null;
  provenance: Record<string, string | null> | null;
}

/**
 * Feedback as outcome labels for the federated loop ("did the oncologist follow the suggestion"),
 * oldest first. Accepted suggestions are resolved to the regimen or drugs they proposed.
 */
export async function readCdsFeedbackLabels(db: SqlClient, options: ReadFeedbackOptions = {}): Promise<CdsFeedbackLabel[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (options.since) where.push(`f.outcome_timestamp >= $${params.push(options.since)}`);
  if (options.patientId) where.push(`c.patient_id = $${params.push(options.patientId)}`);
  if (options.kind) where.push(`c.kind = $${params.push(options.kind)}`);
  const limit = Math.min(Math.max(options.limit ?? 10_000, 1), 100_000);
  const res = await db.query<LabelRow>(
    `SELECT f.id, f.service_id, f.card_uuid, f.outcome, f.outcome_timestamp, f.accepted_suggestions, f.override_reason,
            f.override_comment, f.reported_by, c.patient_id, c.kind, c.hook, c.hook_instance, c.stored_record, c.suggestions, c.provenance
       FROM cds_feedback f LEFT JOIN cds_card c ON c.card_uuid::text = lower(f.card_uuid)
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY f.outcome_timestamp, f.id LIMIT ${limit}`,
    params,
  );
  return res.rows.map((r) => {
    const proposals = new Map((r.suggestions ?? []).map((p) => [p.uuid, p]));
    return {
      feedbackId: Number(r.id),
      serviceId: r.service_id,
      cardUuid: r.card_uuid,
      outcome: r.outcome,
      outcomeTimestamp: new Date(r.outcome_timestamp).toISOString(),
      patientId: r.patient_id,
      kind: r.kind,
      hook: r.hook,
      hookInstance: r.hook_instance,
      storedRecord: r.stored_record,
      acceptedSuggestions: r.accepted_suggestions.map((uuid) => {
        const p = proposals.get(uuid);
        return { uuid, ...(p ? { label: p.label, ...(p.therapy ? { therapy: p.therapy } : {}), ...(p.drugs ? { drugs: p.drugs } : {}) } : {}) };
      }),
      overrideReason: r.override_reason,
      overrideComment: r.override_comment,
      provenance: r.provenance,
      reportedBy: r.reported_by,
    };
  });
}
