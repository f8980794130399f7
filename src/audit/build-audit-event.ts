import type { Coding } from '@medplum/fhirtypes';
import { isDomainError } from '../errors/domain-error.ts';
import { parseAuditEvent, type AuditChannel, type AuditEvent, type AuditOutcome, type AuditSource } from './audit-event.ts';
import {
  RESTFUL_INTERACTION_SYSTEM,
  SANGAM_OPERATION_SYSTEM,
  TYPE_IMPORT,
  TYPE_QUERY,
  TYPE_REST,
  type AuditAction,
  type RestfulInteraction,
} from './balp-codes.ts';

/** Who asked, as the request's authentication established it (auth/ fills this in). */
export interface AuditRequestContext {
  /** the request's X-Request-Id */
  requestId: string;
  /** the OAuth client_id of the caller */
  clientId: string;
  /** the token's subject when a person is behind the client */
  userId?: string;
  /** the caller's Sangam role */
  role?: string;
  /** the client's network address */
  ip?: string;
}

/**
 * What was done. `interaction` is a FHIR restful-interaction code for anything that came over
 * HTTP (GraphQL fields included: a single-patient field is a `read`, a list a `search-type`, a
 * mutation a `create`/`update`), `import` for data brought in from files, or `query` for a
 * non-HTTP query (CLI).
 */
export interface AuditOperation {
  channel: AuditChannel;
  /** GraphQL field (`Query.patient`), route template (`GET /fhir/:type/:id`), hook id (`patient-view`) or import kind (`vcf`) */
  name: string;
  interaction: RestfulInteraction | 'import' | 'query';
  /** defaults from the interaction: read → R, search/operation/query → E, create/import → C, update → U, delete → D */
  action?: AuditAction;
  /** de-identified description of what was asked (argument names, never values that identify a patient) */
  query?: string;
  /** the one resource acted on, as `Type/id` */
  resource?: string;
}

export interface BuildAuditOptions {
  /** this service: its site id and its base URL or host name */
  source: AuditSource;
  /** injectable clock (tests) */
  now?: () => Date;
}

/** A success (AuditEvent.outcome 0). */
export const AUDIT_SUCCESS: AuditOutcome = { code: 0 };

/**
 * The audit outcome of a failed request: an expected client-side DomainError (4xx) is a minor
 * failure (4), a server-side one (5xx) or anything unexpected a serious failure (8). The
 * description is the error code only, because messages can quote the input.
 * Codes: http://terminology.hl7.org/CodeSystem/audit-event-outcome
 */
export function auditOutcomeOf(err: unknown): AuditOutcome {
  if (isDomainError(err)) return { code: err.httpStatus < 500 ? 4 : 8, description: err.code };
  return { code: 8, description: 'INTERNAL' };
}

const DEFAULT_ACTION: Record<AuditOperation['interaction'], AuditAction> = {
  read: 'R',
  vread: 'R',
  history: 'R',
  'history-instance': 'R',
  'history-type': 'R',
  'history-system': 'R',
  capabilities: 'R',
  search: 'E',
  'search-type': 'E',
  'search-system': 'E',
  operation: 'E',
  query: 'E',
  create: 'C',
  transaction: 'C',
  batch: 'C',
  import: 'C',
  update: 'U',
  patch: 'U',
  delete: 'D',
};

function typeAndSubtype(op: AuditOperation): { type: Coding; subtype: Coding[] } {
  const operation: Coding = { system: SANGAM_OPERATION_SYSTEM, code: `${op.channel}:${op.name}` };
  if (op.interaction === 'import') return { type: TYPE_IMPORT, subtype: [operation] };
  if (op.interaction === 'query') return { type: TYPE_QUERY, subtype: [operation] };
  return { type: TYPE_REST, subtype: [{ system: RESTFUL_INTERACTION_SYSTEM, code: op.interaction, display: op.interaction }, operation] };
}

/**
 * The audit events of one request: one per patient it touched, as BALP asks
 * (https://profiles.ihe.net/ITI/BALP/StructureDefinition-IHE.BasicAudit.PatientQuery.html), or a
 * single event without a patient when it touched none. Each is validated.
 */
export function buildAuditEvents(
  ctx: AuditRequestContext,
  op: AuditOperation,
  patientIds: readonly string[],
  outcome: AuditOutcome,
  options: BuildAuditOptions,
): AuditEvent[] {
  const recorded = (options.now?.() ?? new Date()).toISOString();
  const base = {
    ...typeAndSubtype(op),
    action: op.action ?? DEFAULT_ACTION[op.interaction],
    recorded,
    outcome,
    agent: {
      clientId: ctx.clientId,
      ...(ctx.userId !== undefined ? { userId: ctx.userId } : {}),
      ...(ctx.role !== undefined ? { role: ctx.role } : {}),
      ...(ctx.ip !== undefined ? { address: ctx.ip } : {}),
    },
    source: options.source,
    operation: { channel: op.channel, name: op.name, ...(op.query !== undefined ? { query: op.query } : {}) },
    ...(op.resource !== undefined ? { resource: op.resource } : {}),
    requestId: ctx.requestId,
  };
  const patients = [...new Set(patientIds)].sort();
  if (patients.length === 0) return [parseAuditEvent(base)];
  return patients.map((patient) => parseAuditEvent({ ...base, patient }));
}
