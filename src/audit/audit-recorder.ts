import { DomainError, ErrorCode } from '../errors/domain-error.ts';
import type { Database, SqlClient } from '../storage/port.ts';
import { parseAuditEvent, type AuditEvent, type AuditOutcome } from './audit-event.ts';
import { indexColumnsOf } from './audit-row.ts';
import { buildAuditEvents, type AuditOperation, type AuditRequestContext, type BuildAuditOptions } from './build-audit-event.ts';
import { hashAuditRow } from './chain-hash.ts';

/** Where the appended events landed: their sequence numbers and the new chain head's hash. */
export interface AuditReceipt {
  seqs: number[];
  /** the hash of the last appended row, i.e. the new head (absent when nothing was appended) */
  hash?: string;
}

// 10 parameters a row; 500 rows stay far below PostgreSQL's 65,535 parameters a statement.
const ROWS_PER_INSERT = 500;

async function lockHead(tx: SqlClient): Promise<{ seq: number; hash: string }> {
  // FOR UPDATE queues concurrent appenders here, on PGlite and PostgreSQL alike, so each one
  // reads the head the previous one left and the rows stay one chain.
  const head = await tx.query<{ seq: number | string; hash: string }>('SELECT seq, hash FROM audit_chain_head WHERE id FOR UPDATE');
  const row = head.rows[0];
  if (!row) throw new DomainError(ErrorCode.UNAVAILABLE, 'the audit chain head is missing; run `sangam audit verify`');
  return { seq: Number(row.seq), hash: row.hash };
}

async function insertRows(tx: SqlClient, firstSeq: number, prevHash: string, events: readonly AuditEvent[]): Promise<string> {
  const values: string[] = [];
  const params: unknown[] = [];
  let prev = prevHash;
  events.forEach((event, i) => {
    const seq = firstSeq + i;
    const hash = hashAuditRow(prev, seq, event);
    const c = indexColumnsOf(event);
    const n = params.length;
    values.push(`($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}::jsonb, $${n + 5}::timestamptz, $${n + 6}, $${n + 7}, $${n + 8}, $${n + 9}, $${n + 10})`);
    params.push(seq, prev, hash, JSON.stringify(event), c.recorded, c.action, c.outcome, c.patient_id, c.client_id, c.user_id);
    prev = hash;
  });
  // rows of one VALUES list are inserted in order, so the insert trigger sees each extend the head
  await tx.query(
    `INSERT INTO audit_event (seq, prev_hash, hash, event, recorded, action, outcome, patient_id, client_id, user_id) VALUES ${values.join(', ')}`,
    params,
  );
  return prev;
}

/**
 * Appends events to the hash-chained audit log in one transaction, and resolves only once they
 * are committed: the caller answers its request after the audit record is durable. Each event is
 * validated first (a bad one is a BAD_INPUT DomainError and nothing is written).
 */
export async function recordAudit(db: Database, events: AuditEvent | readonly AuditEvent[]): Promise<AuditReceipt> {
  const list = (Array.isArray(events) ? events : [events]).map((e: unknown) => parseAuditEvent(e));
  if (list.length === 0) return { seqs: [] };
  return db.transaction(async (tx) => {
    const head = await lockHead(tx);
    let prev = head.hash;
    for (let start = 0; start < list.length; start += ROWS_PER_INSERT) {
      prev = await insertRows(tx, head.seq + 1 + start, prev, list.slice(start, start + ROWS_PER_INSERT));
    }
    return { seqs: list.map((_, i) => head.seq + 1 + i), hash: prev };
  });
}

/**
 * The audit log as request handlers use it: it knows this service's identity and clock, builds
 * the BALP events of a request and appends them. An event is durable before `record` resolves, so
 * a request answers only after its access is on record. Requests that arrive while a write is under
 * way are written together in the next transaction (group commit): one short transaction serves
 * many concurrent requests, and each still waits for its own events to be committed.
 */
export class AuditRecorder {
  readonly #db: Database;
  readonly #options: BuildAuditOptions;
  #pending: { events: AuditEvent[]; resolve: (r: AuditReceipt) => void; reject: (e: unknown) => void }[] = [];
  #writing: Promise<void> | undefined;

  constructor(db: Database, options: BuildAuditOptions) {
    this.#db = db;
    this.#options = options;
  }

  /** Records one request: one event per patient it touched (or one without a patient). */
  record(ctx: AuditRequestContext, op: AuditOperation, patientIds: readonly string[], outcome: AuditOutcome): Promise<AuditReceipt> {
    return this.append(buildAuditEvents(ctx, op, patientIds, outcome, this.#options));
  }

  /** Appends events built elsewhere (validated first: a bad one is refused and nothing of it is written). */
  append(events: AuditEvent | readonly AuditEvent[]): Promise<AuditReceipt> {
    let list: AuditEvent[];
    try {
      list = (Array.isArray(events) ? events : [events]).map((e: unknown) => parseAuditEvent(e));
    } catch (err) {
      return Promise.reject(err);
    }
    if (list.length === 0) return Promise.resolve({ seqs: [] });
    return new Promise<AuditReceipt>((resolve, reject) => {
      this.#pending.push({ events: list, resolve, reject });
      this.#writing ??= this.#drain();
    });
  }

  /** Writes what is pending, batch after batch, until nothing is. */
  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      try {
        const receipt = await recordAudit(this.#db, batch.flatMap((b) => b.events));
        const first = receipt.seqs[0] ?? 0;
        let offset = 0;
        for (const b of batch) {
          const seqs = b.events.map((_, i) => first + offset + i);
          offset += b.events.length;
          b.resolve({ seqs, ...(receipt.hash !== undefined && offset === receipt.seqs.length ? { hash: receipt.hash } : {}) });
        }
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    this.#writing = undefined;
  }
}
