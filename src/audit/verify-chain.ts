import type { Database, SqlClient } from '../storage/port.ts';
import { auditEventSchema } from './audit-event.ts';
import { AUDIT_ROW_COLUMNS, mismatchedIndexColumn, type StoredAuditRow } from './audit-row.ts';
import { GENESIS_HASH, hashAuditRow } from './chain-hash.ts';

/** A (seq, hash) pair of the chain kept outside the database: a printed or published head. */
export interface AuditAnchor {
  seq: number;
  hash: string;
}

/**
 * Why verification stopped:
 * - `missing`: a sequence number is absent (a deleted row)
 * - `unexpected-seq`: a row numbered below 1 (forged)
 * - `malformed`: the stored event does not fit the event schema
 * - `altered`: the row's content no longer hashes to its stored hash
 * - `broken-link`: the row does not link to the previous row's hash (an inserted or replaced row)
 * - `index-mismatch`: a search column disagrees with the hashed event (a row hidden from search)
 * - `truncated`: the chain head, or an anchor, counts rows that are gone
 * - `beyond-head`: rows after the head, appended with the triggers off
 * - `head-mismatch`: the head's hash is not the last row's
 * - `head-missing`: the chain head row is gone
 * - `anchor-mismatch`: the row at an anchor's position has another hash (the chain was rewritten)
 */
export type AuditChainFault =
  | 'missing'
  | 'unexpected-seq'
  | 'malformed'
  | 'altered'
  | 'broken-link'
  | 'index-mismatch'
  | 'truncated'
  | 'beyond-head'
  | 'head-mismatch'
  | 'head-missing'
  | 'anchor-mismatch';

export interface AuditChainVerification {
  ok: boolean;
  /** rows that verified before the first fault (all of them when ok) */
  rows: number;
  /** the stored chain head */
  head?: AuditAnchor;
  /** the sequence number where the chain first fails */
  firstBadRow?: number;
  reason?: AuditChainFault;
  /** the database guards (triggers) that are missing or disabled; tampering needs them gone */
  unguarded: string[];
}

export interface VerifyAuditOptions {
  /** heads recorded earlier outside the database; each must still be in the chain */
  anchors?: readonly AuditAnchor[];
  pageSize?: number;
}

/** The triggers of migration 007 that make the log append-only. */
export const AUDIT_GUARDS = [
  'audit_event_append_only',
  'audit_event_no_truncate',
  'audit_event_extend_chain',
  'audit_chain_head_guard',
  'audit_chain_head_no_truncate',
] as const;

/** The current chain head, to print or publish as an anchor. */
export async function readAuditHead(db: SqlClient): Promise<AuditAnchor | undefined> {
  const r = await db.query<{ seq: number | string; hash: string }>('SELECT seq, hash FROM audit_chain_head WHERE id');
  const row = r.rows[0];
  return row ? { seq: Number(row.seq), hash: row.hash } : undefined;
}

async function missingGuards(tx: SqlClient): Promise<string[]> {
  // tgenabled 'D' is a disabled trigger; both tables resolve through the search path
  const r = await tx.query<{ tgname: string }>(
    `SELECT tgname FROM pg_trigger
     WHERE tgrelid IN ('audit_event'::regclass, 'audit_chain_head'::regclass) AND NOT tgisinternal AND tgenabled <> 'D'`,
  );
  const present = new Set(r.rows.map((x) => x.tgname));
  return AUDIT_GUARDS.filter((g) => !present.has(g));
}

type Fault = { seq: number; reason: AuditChainFault };

function checkRow(row: StoredAuditRow, expectedSeq: number, prevHash: string): AuditChainFault | undefined {
  if (row.seq > expectedSeq) return 'missing';
  if (row.seq < expectedSeq) return 'unexpected-seq';
  const event = auditEventSchema.safeParse(row.event);
  if (!event.success) return 'malformed';
  if (hashAuditRow(row.prev_hash, row.seq, event.data) !== row.hash) return 'altered';
  if (row.prev_hash !== prevHash) return 'broken-link';
  if (mismatchedIndexColumn(row, event.data) !== undefined) return 'index-mismatch';
  return undefined;
}

function checkHead(head: AuditAnchor, lastSeq: number, lastHash: string): Fault | undefined {
  if (head.seq > lastSeq) return { seq: lastSeq + 1, reason: 'truncated' };
  if (head.seq < lastSeq) return { seq: head.seq + 1, reason: 'beyond-head' };
  if (head.hash !== lastHash) return { seq: head.seq, reason: 'head-mismatch' };
  return undefined;
}

/**
 * Walks the whole audit chain in one consistent snapshot and reports the first row that fails.
 * It detects an altered row, a deleted row, a row inserted in the middle without rewriting what
 * follows, a truncated tail (against the stored head), and rows hidden from search. A rewrite of
 * every row from some point on, head included, is consistent by construction and only an anchor
 * taken earlier (a head kept outside the database) reveals it; rows appended after the newest
 * anchor by someone with write access cannot be told from real ones without a key held outside
 * the database.
 */
export async function verifyAuditChain(db: Database, options: VerifyAuditOptions = {}): Promise<AuditChainVerification> {
  const pageSize = options.pageSize ?? 1000;
  return db.transaction(async (tx) => {
    // one snapshot: rows appended while we read do not look like rows beyond the head
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const head = await readAuditHead(tx);
    const unguarded = await missingGuards(tx);
    const anchors = new Map((options.anchors ?? []).map((a) => [a.seq, a.hash]));
    const fail = (rows: number, f: Fault): AuditChainVerification => ({
      ok: false,
      rows,
      ...(head ? { head } : {}),
      firstBadRow: f.seq,
      reason: f.reason,
      unguarded,
    });

    let expectedSeq = 1;
    let prevHash = GENESIS_HASH;
    let verified = 0;
    for (;;) {
      const page = await tx.query<StoredAuditRow>(
        `SELECT ${AUDIT_ROW_COLUMNS} FROM audit_event WHERE seq >= $1 ORDER BY seq LIMIT $2`,
        // the first page starts below 1, so a forged row numbered 0 or less is seen too
        [verified === 0 ? Number.MIN_SAFE_INTEGER : expectedSeq, pageSize],
      );
      for (const raw of page.rows) {
        const row = { ...raw, seq: Number(raw.seq) };
        const reason = checkRow(row, expectedSeq, prevHash);
        if (reason) return fail(verified, { seq: reason === 'unexpected-seq' ? row.seq : expectedSeq, reason });
        const anchored = anchors.get(row.seq);
        if (anchored !== undefined && anchored !== row.hash) return fail(verified, { seq: row.seq, reason: 'anchor-mismatch' });
        verified += 1;
        expectedSeq += 1;
        prevHash = row.hash;
      }
      if (page.rows.length < pageSize) break;
    }

    const lastSeq = expectedSeq - 1;
    const beyond = [...anchors.keys()].filter((s) => s > lastSeq).sort((a, b) => a - b)[0];
    if (beyond !== undefined) return fail(verified, { seq: lastSeq + 1, reason: 'truncated' });
    if (!head) return fail(verified, { seq: lastSeq + 1, reason: 'head-missing' });
    const headFault = checkHead(head, lastSeq, prevHash);
    if (headFault) return fail(verified, headFault);
    return { ok: true, rows: verified, head, unguarded };
  });
}
