import { badInput } from '../errors/domain-error.ts';
import type { Database } from '../storage/port.ts';
import { verifyAuditChain, type AuditAnchor, type AuditChainFault, type AuditChainVerification } from './verify-chain.ts';

/** What `sangam audit verify` prints, and the exit code it ends with (0 intact and guarded, 1 otherwise). */
export interface AuditVerifyReport {
  lines: string[];
  exitCode: number;
  result: AuditChainVerification;
}

const EXPLANATION: Record<AuditChainFault, string> = {
  missing: 'this row is missing (deleted)',
  'unexpected-seq': 'a row carries a sequence number the log never issues (forged)',
  malformed: 'the stored event does not fit the audit event schema',
  altered: "the row's content no longer matches its hash (altered)",
  'broken-link': 'the row does not link to the previous row (inserted or replaced)',
  'index-mismatch': "the row's search columns disagree with its hashed content",
  truncated: 'rows the chain head or an anchor counted are gone (truncated)',
  'beyond-head': 'rows were appended past the chain head, bypassing the append trigger',
  'head-mismatch': "the chain head's hash is not the last row's",
  'head-missing': 'the chain head row is missing',
  'anchor-mismatch': 'this row differs from the anchor recorded earlier (the chain was rewritten up to here)',
};

/** Reads `--anchor SEQ:SHA256` as an anchor. */
export function parseAuditAnchor(text: string): AuditAnchor {
  const m = /^(\d{1,15}):([0-9a-f]{64})$/.exec(text.trim());
  if (!m) throw badInput('an anchor is SEQ:SHA256, as `sangam audit verify` prints the head', [{ expression: 'anchor', message: 'expected SEQ:SHA256' }]);
  return { seq: Number(m[1]), hash: m[2] as string };
}

/** Renders a verification for a terminal. Lines carry sequence numbers and hashes only, never event content. */
export function formatAuditVerification(result: AuditChainVerification): AuditVerifyReport {
  const lines: string[] = [];
  if (result.ok) {
    lines.push(`audit chain intact: ${result.rows} rows`);
    if (result.head) lines.push(`head ${result.head.seq}:${result.head.hash} (keep it to pass as --anchor later)`);
  } else {
    const reason = result.reason as AuditChainFault;
    lines.push(`audit chain BROKEN at row ${result.firstBadRow}: ${EXPLANATION[reason]} [${reason}]`);
    lines.push(`${result.rows} rows verified before it`);
  }
  if (result.unguarded.length > 0) {
    lines.push(`append-only triggers missing or disabled: ${result.unguarded.join(', ')} (recreate them from migration 007)`);
  }
  return { lines, exitCode: result.ok && result.unguarded.length === 0 ? 0 : 1, result };
}

/** `sangam audit verify [--anchor SEQ:SHA256 ...]`: verifies the chain and says what it found. */
export async function auditVerifyCommand(db: Database, anchors: readonly AuditAnchor[] = []): Promise<AuditVerifyReport> {
  return formatAuditVerification(await verifyAuditChain(db, { anchors }));
}
