import { z } from 'zod';
import { badInput } from '../errors/domain-error.ts';
import { AUDIT_ACTIONS, AUDIT_OUTCOMES } from './balp-codes.ts';

// Lone surrogates and control characters: PostgreSQL's jsonb refuses the first and \u0000, and
// neither belongs in an audit field, so they are refused before the row is hashed.
const UNSAFE_TEXT = /[\u0000-\u001f\u007f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function text(max: number) {
  return z
    .string()
    .min(1)
    .max(max)
    .refine((s) => !UNSAFE_TEXT.test(s), 'control characters and lone surrogates are not allowed');
}

/** A FHIR resource id (http://hl7.org/fhir/R4/datatypes.html#id). */
export const fhirIdSchema = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'a FHIR id: letters, digits, - and ., at most 64');

const codingSchema = z.strictObject({ system: text(256), code: text(256), display: text(128).optional() });

/**
 * One audit event, the content that is hashed into the chain. It follows IHE BALP's AuditEvent
 * (https://profiles.ihe.net/ITI/BALP/content.html): who (agent), what (type, subtype, action,
 * operation), which patient, outcome, request id and time. Objects are strict, so a field that is
 * not listed here (a name, a birth date, an MRN) is refused, never stored: the patient appears
 * only as a resource id.
 */
export const auditEventSchema = z.strictObject({
  /** AuditEvent.type: `rest`, DICOM 110107 Import or DICOM 110112 Query (balp-codes.ts) */
  type: codingSchema,
  /** AuditEvent.subtype: the restful-interaction code (when RESTful) and the Sangam operation */
  subtype: z.array(codingSchema).min(1).max(4),
  action: z.enum(AUDIT_ACTIONS),
  /** when the event was recorded, UTC with milliseconds, as Date.toISOString() writes it */
  recorded: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'an instant such as 2024-05-01T09:30:00.000Z'),
  outcome: z.strictObject({
    code: z.literal(AUDIT_OUTCOMES),
    /** a fixed text such as an error code; never a message that quotes the input */
    description: text(200).optional(),
  }),
  agent: z.strictObject({
    /** the OAuth client (client_id) that called */
    clientId: text(256),
    /** the user behind the client (the token's subject), when there is one */
    userId: text(256).optional(),
    /** the caller's Sangam role (auth/) */
    role: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'a role code such as clinician').optional(),
    /** the client's network address as the server saw it */
    address: z.string().regex(/^[0-9A-Za-z:.%-]{1,64}$/, 'an IP address').optional(),
  }),
  /** the service that recorded the event (AuditEvent.source and the server agent) */
  source: z.strictObject({ site: text(256), observer: text(256) }),
  operation: z.strictObject({
    channel: z.enum(['graphql', 'rest', 'cds-hooks', 'import', 'cli']),
    /** GraphQL field (`Query.patient`), route template (`GET /fhir/:type/:id`), hook id or import kind */
    name: text(200),
    /** what was asked, de-identified: argument names, not values that could identify a patient */
    query: text(2000).optional(),
  }),
  /** the patient the event is about, as a Patient resource id; one event per patient (BALP) */
  patient: fhirIdSchema.optional(),
  /** the resource acted on, as a relative reference (`Observation/abc`), when it is one resource */
  resource: z
    .string()
    .regex(/^[A-Z][A-Za-z]{1,63}\/[A-Za-z0-9\-.]{1,64}(\/_history\/[A-Za-z0-9\-.]{1,64})?$/, 'a relative reference such as Observation/abc')
    .optional(),
  /** the request's X-Request-Id, which ties the event to the service's logs */
  requestId: text(128),
});

export type AuditEvent = z.infer<typeof auditEventSchema>;
export type AuditOutcome = AuditEvent['outcome'];
export type AuditSource = AuditEvent['source'];
export type AuditChannel = AuditEvent['operation']['channel'];

/** Validates an event (zod); a bad one is a BAD_INPUT DomainError naming each bad field, never its value. */
export function parseAuditEvent(input: unknown): AuditEvent {
  const parsed = auditEventSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw badInput(
    'invalid audit event',
    parsed.error.issues.map((i) => ({ expression: ['AuditEvent', ...i.path.map(String)].join('.'), message: i.message })),
  );
}
