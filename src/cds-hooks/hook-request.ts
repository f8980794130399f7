/**
 * The CDS Hooks request bodies, validated at the edge with zod.
 * Request: https://cds-hooks.hl7.org/2.0/#http-request; hooks: https://cds-hooks.hl7.org/hooks/
 * Feedback: https://cds-hooks.hl7.org/2.0/#feedback
 */
import { z } from 'zod';
import { badRequest, type CdsIssue } from './cds-errors.ts';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why PostgreSQL could not hold `s` (text and jsonb refuse NUL, jsonb refuses unpaired surrogates), as the FHIR importer checks. */
function unstorable(s: string): string | undefined {
  if (s.includes('\u0000')) return 'must not contain a NUL character';
  if (LONE_SURROGATE.test(s)) return 'must not contain an unpaired UTF-16 surrogate';
  return undefined;
}

/** A string that is stored (cards, feedback, audit): refused at the edge rather than failing the insert. */
const storedText = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .superRefine((s, ctx) => {
      const why = unstorable(s);
      if (why) ctx.addIssue({ code: 'custom', message: why });
    });

/** Where a node sits, as a chain up to the root: the path is spelt out only for the one reported. */
type Trail = { key: string | number; up: Trail } | undefined;
function pathOf(t: Trail): (string | number)[] {
  const path: (string | number)[] = [];
  for (let at = t; at; at = at.up) path.push(at.key);
  return path.reverse();
}

/** Every string and property name of a JSON value stored as jsonb; iterative, so depth cannot overflow the stack. */
function refineStoredJson(value: unknown, ctx: z.RefinementCtx): void {
  const stack: { node: unknown; at: Trail }[] = [{ node: value, at: undefined }];
  while (stack.length > 0) {
    const { node, at } = stack.pop()!;
    if (typeof node === 'string') {
      const why = unstorable(node);
      if (why) return ctx.addIssue({ code: 'custom', message: why, path: pathOf(at) });
    } else if (Array.isArray(node)) node.forEach((child, i) => stack.push({ node: child, at: { key: i, up: at } }));
    else if (node !== null && typeof node === 'object') {
      for (const [k, child] of Object.entries(node)) {
        const why = unstorable(k);
        if (why) return ctx.addIssue({ code: 'custom', message: `a property name ${why}`, path: pathOf(at) });
        stack.push({ node: child, at: { key: k, up: at } });
      }
    }
  }
}

/** FHIR id (http://hl7.org/fhir/R4/datatypes.html#id). */
const FhirId = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'must be a FHIR id');
/** `Practitioner/123`, `PractitionerRole/abc`... */
const UserRef = storedText(1, 256);
const MAX_DRAFT_ORDERS = 200;

export const FhirAuthorizationSchema = z.object({
  access_token: z.string().min(1).max(8192),
  token_type: z.string().refine((t) => t.toLowerCase() === 'bearer', 'must be Bearer'),
  expires_in: z.number().int().nonnegative(),
  scope: z.string(),
  subject: z.string(),
  patient: z.string().optional(),
});
export type FhirAuthorization = z.output<typeof FhirAuthorizationSchema>;

const ResourceSchema = z.looseObject({ resourceType: z.string().min(1) });

/** A Bundle of draft orders: only each entry's resource is read. */
export const DraftOrdersSchema = z.looseObject({
  resourceType: z.literal('Bundle'),
  entry: z.array(z.looseObject({ resource: ResourceSchema.optional() })).max(MAX_DRAFT_ORDERS).default([]),
});

const PatientViewContext = z.looseObject({
  userId: UserRef,
  patientId: FhirId,
  encounterId: FhirId.optional(),
});
const OrderSignContext = PatientViewContext.extend({ draftOrders: DraftOrdersSchema });
const OrderSelectContext = OrderSignContext.extend({ selections: z.array(z.string().min(1)).max(MAX_DRAFT_ORDERS) });

export const HOOK_CONTEXTS = {
  'patient-view': PatientViewContext,
  'order-select': OrderSelectContext,
  'order-sign': OrderSignContext,
} as const;
export type HookName = keyof typeof HOOK_CONTEXTS;

const RequestBase = z
  .object({
    hook: z.string().min(1),
    hookInstance: storedText(1, 128),
    fhirServer: z.string().url().refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL').optional(),
    fhirAuthorization: FhirAuthorizationSchema.optional(),
    context: z.record(z.string(), z.unknown()),
    // null is a value ("the EHR has no such data"), a missing key is "not prefetched"
    prefetch: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((r) => !r.fhirAuthorization || r.fhirServer, { message: 'fhirServer is required when fhirAuthorization is sent', path: ['fhirServer'] });

export interface HookRequest<H extends HookName = HookName> {
  hook: H;
  hookInstance: string;
  fhirServer?: string;
  fhirAuthorization?: FhirAuthorization;
  context: z.output<(typeof HOOK_CONTEXTS)[H]>;
  prefetch?: Record<string, unknown>;
}

function issuesOf(error: z.ZodError, prefix = ''): CdsIssue[] {
  return error.issues.slice(0, 20).map((i) => {
    const path = [prefix, ...i.path.map(String)].filter(Boolean).join('.');
    return { message: `${path || 'body'}: ${i.message}`, ...(path ? { expression: path } : {}) };
  });
}

/** Validates a hook call for the service's hook; a BAD_REQUEST CdsHooksError names every problem. */
export function parseHookRequest<H extends HookName>(body: unknown, hook: H): HookRequest<H> {
  const base = RequestBase.safeParse(body);
  if (!base.success) throw badRequest('malformed CDS Hooks request', issuesOf(base.error));
  if (base.data.hook !== hook) throw badRequest('malformed CDS Hooks request', [{ message: `hook: this service answers ${hook}, not ${base.data.hook}`, expression: 'hook' }]);
  const context = HOOK_CONTEXTS[hook].safeParse(base.data.context);
  if (!context.success) throw badRequest('malformed CDS Hooks request', issuesOf(context.error, 'context'));
  return { ...base.data, hook, context: context.data } as HookRequest<H>;
}

// stored whole as jsonb, other Coding elements included
const CodingSchema = z.looseObject({ system: z.string().optional(), code: z.string().optional(), display: z.string().optional() }).superRefine(refineStoredJson);

export const FeedbackItemSchema = z
  .object({
    card: storedText(1, 128),
    outcome: z.enum(['accepted', 'overridden']),
    acceptedSuggestions: z.array(z.object({ id: storedText(1, 128) })).max(50).optional(),
    overrideReason: z.object({ reason: CodingSchema.optional(), userComment: storedText(0, 4000).optional() }).optional(),
    outcomeTimestamp: z.iso.datetime({ offset: true }),
  })
  .refine((f) => f.outcome === 'overridden' || !f.overrideReason, { message: 'overrideReason goes with outcome overridden only', path: ['overrideReason'] });
export type FeedbackItem = z.output<typeof FeedbackItemSchema>;

const FeedbackSchema = z.object({ feedback: z.array(FeedbackItemSchema).min(1).max(100) });

/** Validates a feedback body. */
export function parseFeedback(body: unknown): FeedbackItem[] {
  const parsed = FeedbackSchema.safeParse(body);
  if (!parsed.success) throw badRequest('malformed CDS Hooks feedback', issuesOf(parsed.error));
  return parsed.data.feedback;
}
