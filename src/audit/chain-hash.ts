import { createHash } from 'node:crypto';
import type { AuditEvent } from './audit-event.ts';
import { canonicalJson } from './canonical-json.ts';

/**
 * The link before row 1: sha256('sangam/audit-chain/genesis/v1'). Migration 007 seeds the chain
 * head with the same value.
 */
export const GENESIS_HASH = createHash('sha256').update('sangam/audit-chain/genesis/v1').digest('hex');

/**
 * A row's hash: sha256 over the previous row's hash and the canonical JSON of {seq, event}.
 * The position is hashed too, so renumbering rows breaks their hashes.
 */
export function hashAuditRow(prevHash: string, seq: number, event: AuditEvent): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson({ seq, event })).digest('hex');
}
