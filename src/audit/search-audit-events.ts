import type { AuditEvent as FhirAuditEvent, Bundle, BundleLink } from '@medplum/fhirtypes';
import { badInput } from '../errors/domain-error.ts';
import type { SqlClient } from '../storage/port.ts';
import { auditEventSchema } from './audit-event.ts';
import { DEFAULT_AUDIT_PAGE, MAX_AUDIT_PAGE, toAuditSearchParams, type AuditSearchOptions } from './audit-search-params.ts';
import { toFhirAuditEvent } from './fhir-audit-event.ts';

export interface AuditSearchBundleOptions {
  /** the FHIR base the links are built on, e.g. `https://site.example/fhir` */
  baseUrl: string;
}

// The cursor is the last sequence number of the page; it is opaque to clients so it can change.
function encodeCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): number {
  const m = /^seq:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw badInput('invalid AuditEvent search', [{ expression: '_cursor', message: 'not a cursor this server issued' }]);
  return Number(m[1]);
}

function whereClause(options: AuditSearchOptions): { sql: string; params: unknown[] } {
  const conds: string[] = [];
  const params: unknown[] = [];
  const add = (cond: (n: string) => string, value: unknown) => {
    params.push(value);
    conds.push(cond(`$${params.length}`));
  };
  if (options.patient) add((n) => `patient_id = ${n}`, options.patient);
  if (options.agent) add((n) => `(client_id = ${n} OR user_id = ${n})`, options.agent);
  if (options.action?.length) add((n) => `action = ANY(${n}::text[])`, options.action);
  if (options.outcome?.length) add((n) => `outcome = ANY(${n}::smallint[])`, options.outcome);
  if (options.recordedFrom) add((n) => `recorded >= ${n}::timestamptz`, options.recordedFrom);
  if (options.recordedTo) add((n) => `recorded < ${n}::timestamptz`, options.recordedTo);
  if (options.cursor) add((n) => `seq < ${n}`, decodeCursor(options.cursor));
  return { sql: conds.length > 0 ? `WHERE ${conds.join(' AND ')}` : '', params };
}

/**
 * Admin search of the audit log, newest first, as a FHIR R4 searchset Bundle of BALP-shaped
 * AuditEvents (http://hl7.org/fhir/R4/auditevent.html#search). Pages follow the `next` link, whose
 * cursor is keyed on the chain position, so events appended meanwhile never shift a page.
 * Only admins may call this (auth/ enforces it); reading the log is itself worth auditing.
 */
export async function searchAuditEvents(
  db: SqlClient,
  options: AuditSearchOptions,
  bundle: AuditSearchBundleOptions,
): Promise<Bundle<FhirAuditEvent>> {
  const count = Math.min(Math.max(options.count ?? DEFAULT_AUDIT_PAGE, 1), MAX_AUDIT_PAGE);
  const where = whereClause(options);
  const r = await db.query<{ seq: number | string; event: unknown }>(
    `SELECT seq, event FROM audit_event ${where.sql} ORDER BY seq DESC LIMIT $${where.params.length + 1}`,
    [...where.params, count + 1],
  );
  const page = r.rows.slice(0, count);
  const base = bundle.baseUrl.replace(/\/+$/, '');
  const link: BundleLink[] = [{ relation: 'self', url: `${base}/AuditEvent?${toAuditSearchParams({ ...options, count })}` }];
  const last = page[page.length - 1];
  if (r.rows.length > count && last) {
    link.push({ relation: 'next', url: `${base}/AuditEvent?${toAuditSearchParams({ ...options, count, cursor: encodeCursor(Number(last.seq)) })}` });
  }
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    link,
    entry: page.map((row) => {
      const seq = Number(row.seq);
      // a row that no longer fits the schema is an integrity failure: it surfaces as an error, and `audit verify` names it
      return { fullUrl: `${base}/AuditEvent/${seq}`, resource: toFhirAuditEvent(seq, auditEventSchema.parse(row.event)), search: { mode: 'match' } };
    }),
  };
}
