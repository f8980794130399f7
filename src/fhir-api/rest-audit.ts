import type { Request, Response } from 'express';
import type { AuditRecorder } from '../audit/audit-recorder.ts';
import { AUDIT_SUCCESS, auditOutcomeOf, type AuditOperation } from '../audit/build-audit-event.ts';
import { principalOf } from '../auth/require-auth.ts';

const IP = /^[0-9A-Za-z:.%-]{1,64}$/;

/**
 * Records one REST request in the audit log: who (the verified caller), what (the route template),
 * which patients, and the outcome (`err` when it failed). Resolves once the event is durable, so
 * the handler answers only after its access is on record.
 */
export async function auditRest(
  recorder: AuditRecorder,
  req: Request,
  res: Response,
  op: Omit<AuditOperation, 'channel'>,
  patients: readonly string[],
  err?: unknown,
): Promise<void> {
  const principal = principalOf(res);
  if (!principal) return;
  const ip = req.socket.remoteAddress;
  await recorder.record(
    {
      requestId: String(req.headers['x-request-id'] ?? 'unknown'),
      clientId: principal.clientId,
      userId: principal.subject,
      role: principal.role,
      ...(ip && IP.test(ip) ? { ip } : {}),
    },
    { channel: 'rest', ...op },
    patients,
    err === undefined ? AUDIT_SUCCESS : auditOutcomeOf(err),
  );
}
