import fc from 'fast-check';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { fixture } from '../helpers/fixtures.ts';
import { applyMutation, mutation, nasty, type Json } from './fhir-arbitraries.ts';

/**
 * CDS Hooks input generators (https://cds-hooks.hl7.org/2.0/): hook calls built from the spec's
 * shapes around three patients (stored at the site, supplied by the EHR, unknown everywhere), with
 * prefetch values that are null, whole, paged, OperationOutcomes or junk, fhirServer URLs that lead
 * to the fuzzer's in-memory EHR, to a server that is down, hangs or misbehaves, or to nowhere valid;
 * feedback bodies; and a kind of bearer token for each case, minted when the case runs. Every body
 * is then broken by a few JSON mutations, or replaced by text that is not JSON at all.
 */

export const PV = 'sangam-oncology-patient-view';
export const OSIGN = 'sangam-oncology-order-sign';
export const OSELECT = 'sangam-oncology-order-select';
const SERVICES = { [PV]: 'patient-view', [OSIGN]: 'order-sign', [OSELECT]: 'order-select' } as const;

/** The fuzzer's EHR FHIR server, answered from memory (tests/fuzz/surfaces.ts). */
export const FHIR_BASE = 'https://ehr.fuzz.test/fhir';
/** A FHIR server whose connection fails. */
export const DOWN_BASE = 'https://down.fuzz.test/fhir';
/** A FHIR server that never answers: the reader's timeout must end the wait. */
export const SLOW_BASE = 'https://slow.fuzz.test/fhir';
/** A FHIR server that answers 500s, text, non-Bundles and next links that loop or leave. */
export const BROKEN_BASE = 'https://broken.fuzz.test/fhir';

/** Stored at the site from the fixture (no sequencing). */
export const STORED_PATIENT = 'mCODETrialMatchingPatientExample01';
/** Replaced, when the case runs, by the id of a stored patient with a VCF (a generated cohort patient). */
export const STORED_VCF_PLACEHOLDER = 'SANGAM-FUZZ-STORED-VCF-PATIENT';
/** Not stored here: the prefetch or FHIR_BASE supplies the record. */
export const SUPPLIED = fixture<Bundle>('fhir/TrialMatching_Patient02.json');
const SUPPLIED_RESOURCES = (SUPPLIED.entry ?? []).map((e) => e.resource as Resource);
export const SUPPLIED_PATIENT = SUPPLIED_RESOURCES.find((r) => r.resourceType === 'Patient')!.id!;

/** The supplied patient's resources of a type, as the search the services' prefetch templates name. */
export function suppliedSearch(type: string): Resource[] {
  return SUPPLIED_RESOURCES.filter((r) => r.resourceType === type);
}

const searchset = (resources: Resource[], next?: string): Json =>
  ({
    resourceType: 'Bundle',
    type: 'searchset',
    total: resources.length,
    ...(next === undefined ? {} : { link: [{ relation: 'next', url: next }] }),
    entry: resources.map((resource) => ({ fullUrl: `${FHIR_BASE}/${resource.resourceType}/${resource.id}`, resource, search: { mode: 'match' } })),
  }) as unknown as Json;

const PREFETCH_TYPES = { patient: 'Patient', conditions: 'Condition', observations: 'Observation', medications: 'MedicationRequest' } as const;
type PrefetchKey = keyof typeof PREFETCH_TYPES;

const nextLink = fc.constantFrom(
  `${FHIR_BASE}/{type}?patient=Patient/${SUPPLIED_PATIENT}&_offset=2`,
  `{type}?patient=Patient/${SUPPLIED_PATIENT}&_offset=2`,
  `${DOWN_BASE}/{type}?page=2`,
  `${SLOW_BASE}/{type}?page=2`,
  'https://elsewhere.fuzz.test/steal-the-token',
  'http://[::1',
  '',
  'javascript:alert(1)',
  `${FHIR_BASE}/{type}?patient=Patient/${SUPPLIED_PATIENT}&_offset=0`,
);

/** A value for one prefetch key: the spec's null, the real data (whole or paged), an OperationOutcome, or junk. */
const prefetchValue = (key: PrefetchKey): fc.Arbitrary<Json> => {
  const type = PREFETCH_TYPES[key];
  const resources = key === 'patient' ? [] : suppliedSearch(type);
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(key === 'patient' ? (SUPPLIED_RESOURCES[0] as unknown as Json) : searchset(resources)) },
    { weight: 2, arbitrary: fc.constant(null) },
    { weight: 2, arbitrary: nextLink.map((url) => searchset(resources.slice(0, 2), url.replaceAll('{type}', type))) },
    { weight: 1, arbitrary: fc.constant({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] } as Json) },
    { weight: 1, arbitrary: fc.constant({ resourceType: 'Patient', id: 'someone-else' } as Json) },
    { weight: 1, arbitrary: fc.constant({ resourceType: 'Bundle', type: 'searchset', entry: [null, 1, 'x', { resource: null }, { resource: { resourceType: 'Observation' } }] } as Json) },
    { weight: 1, arbitrary: nasty },
  );
};

const prefetch: fc.Arbitrary<Json> = fc
  .record(
    {
      patient: prefetchValue('patient'),
      conditions: prefetchValue('conditions'),
      observations: prefetchValue('observations'),
      medications: prefetchValue('medications'),
      extra: fc.dictionary(fc.string({ maxLength: 10 }), nasty, { maxKeys: 2 }),
    },
    { requiredKeys: [] },
  )
  .map(({ extra, ...keys }) => ({ ...(extra ?? {}), ...keys }) as Json);

const fhirServer = fc.constantFrom<Json>(
  FHIR_BASE,
  FHIR_BASE,
  `${FHIR_BASE}/`,
  DOWN_BASE,
  SLOW_BASE,
  BROKEN_BASE,
  'http://127.0.0.1:1/fhir',
  'http://169.254.169.254/latest/meta-data',
  'ftp://ehr.fuzz.test/fhir',
  'file:///etc/passwd',
  'not a url',
  'http://[::1',
  'https://',
  '',
  `${FHIR_BASE}/../../..`,
  `https://user:pass@ehr.fuzz.test/fhir`,
  null,
  42,
);

const fhirAuthorization = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Json>({ access_token: 'fuzz-opaque-access-token', token_type: 'Bearer', expires_in: 300, scope: 'user/*.read', subject: 'sangam' }) },
  { weight: 1, arbitrary: fc.record({ access_token: nasty, token_type: fc.constantFrom<Json>('Bearer', 'bearer', 'MAC', 1), expires_in: fc.constantFrom<Json>(300, -1, 1.5, '300'), scope: nasty, subject: nasty }, { requiredKeys: [] }) as fc.Arbitrary<Json> },
);

const RX = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const draftOrder = fc.oneof(
  fc.constantFrom<Json>(
    // cetuximab by RxNorm code, osimertinib by name, two drugs that are not anticancer
    { resource: { resourceType: 'MedicationRequest', id: 'draft-cetuximab', status: 'draft', intent: 'order', subject: { reference: 'Patient/{patient}' }, medicationCodeableConcept: { coding: [{ system: RX, code: '318341', display: 'cetuximab 5 MG/ML Injectable Solution' }] } } },
    { resource: { resourceType: 'MedicationRequest', id: 'draft-osimertinib', status: 'draft', intent: 'order', subject: { reference: 'Patient/{patient}' }, medicationCodeableConcept: { text: 'osimertinib 80 mg tablet' } } },
    { resource: { resourceType: 'MedicationRequest', id: 'draft-amoxicillin', status: 'draft', intent: 'order', subject: { reference: 'Patient/{patient}' }, medicationCodeableConcept: { text: 'Amoxicillin 500 mg tablet' } } },
    { resource: { resourceType: 'MedicationRequest', id: 'draft-ref', status: 'draft', intent: 'order', medicationReference: { reference: '#med' }, contained: [{ resourceType: 'Medication', id: 'med', code: { coding: [{ system: RX, code: '318341' }] } }] } },
    { resource: { resourceType: 'Medication', id: 'm1', code: { coding: [{ system: RX, code: '1721560' }] } } },
    {},
  ),
  fc.record({ resource: fc.record({ resourceType: fc.constantFrom<Json>('MedicationRequest', 'ServiceRequest', ''), id: nasty, medicationCodeableConcept: nasty, medicationReference: nasty }, { requiredKeys: ['resourceType'] }) }) as fc.Arbitrary<Json>,
);

const patientId = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<Json>(STORED_PATIENT, STORED_VCF_PLACEHOLDER, SUPPLIED_PATIENT, SUPPLIED_PATIENT) },
  { weight: 1, arbitrary: fc.constantFrom<Json>('nobody-here', 'a'.repeat(65), '../Patient/x', 'Patient/x', '') },
  { weight: 1, arbitrary: nasty },
);

/** A copy of `value` with `{patient}` in its strings replaced by `id`. */
function withPatient(value: Json, id: string): Json {
  if (typeof value === 'string') return value.replaceAll('{patient}', id);
  if (Array.isArray(value)) return value.map((v) => withPatient(v, id));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withPatient(v, id)]));
}

/** A hook call for `service`, before mutation. */
const hookCall = (service: keyof typeof SERVICES): fc.Arbitrary<Json> =>
  fc
    .record(
      {
        hook: fc.oneof({ weight: 9, arbitrary: fc.constant<Json>(SERVICES[service]) }, { weight: 1, arbitrary: fc.constantFrom<Json>('patient-view', 'order-sign', 'order-select', 'appointment-book', '') }),
        hookInstance: fc.oneof({ weight: 4, arbitrary: fc.uuid() as fc.Arbitrary<Json> }, { weight: 1, arbitrary: nasty }),
        fhirServer,
        fhirAuthorization,
        patientId,
        userId: fc.constantFrom<Json>('Practitioner/example', 'PractitionerRole/123', '', 5),
        encounterId: fc.constantFrom<Json>('89284', 'bad id!'),
        drafts: fc.array(draftOrder, { maxLength: 4 }),
        selections: fc.array(fc.constantFrom<Json>('MedicationRequest/draft-cetuximab', 'MedicationRequest/draft-osimertinib', 'MedicationRequest/nope', ''), { maxLength: 3 }),
        prefetch,
      },
      { requiredKeys: ['hook', 'hookInstance', 'patientId', 'userId', 'drafts', 'selections'] },
    )
    .map((r) => {
      const context: Record<string, Json> = { userId: r.userId, patientId: r.patientId };
      if (r.encounterId !== undefined) context.encounterId = r.encounterId;
      if (SERVICES[service] !== 'patient-view') {
        const pid = typeof r.patientId === 'string' ? r.patientId : 'x';
        const entry = withPatient(r.drafts, pid);
        context.draftOrders = { resourceType: 'Bundle', type: 'collection', entry };
        if (SERVICES[service] === 'order-select') context.selections = r.selections;
      }
      const call: Record<string, Json> = { hook: r.hook, hookInstance: r.hookInstance, context };
      if (r.fhirServer !== undefined) call.fhirServer = r.fhirServer;
      if (r.fhirAuthorization !== undefined) call.fhirAuthorization = r.fhirAuthorization;
      if (r.prefetch !== undefined) call.prefetch = r.prefetch;
      return call;
    });

const SPEC_FEEDBACK = [fixture<Json>('cds-hooks/spec-feedback-accepted.json'), fixture<Json>('cds-hooks/spec-feedback-overridden-with-reason.json')];

const feedbackItem: fc.Arbitrary<Json> = fc.record(
  {
    card: fc.oneof(fc.uuid() as fc.Arbitrary<Json>, nasty),
    outcome: fc.constantFrom<Json>('accepted', 'overridden', 'ignored', ''),
    acceptedSuggestions: fc.oneof(fc.array(fc.record({ id: fc.oneof(fc.uuid() as fc.Arbitrary<Json>, nasty) }), { maxLength: 3 }) as fc.Arbitrary<Json>, nasty),
    overrideReason: fc.oneof(fc.constant<Json>({ reason: { system: 'https://example.org/r', code: 'x', display: 'X' }, userComment: 'not now' }), nasty),
    outcomeTimestamp: fc.constantFrom<Json>('2026-03-01T09:00:00Z', '2026-03-01T09:00:00+05:30', '2026-03-01', 'yesterday', 0),
  },
  { requiredKeys: ['card', 'outcome', 'outcomeTimestamp'] },
);

const feedbackBody: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom(...SPEC_FEEDBACK).map((f) => structuredClone(f)),
  fc.array(feedbackItem, { maxLength: 4 }).map((feedback) => ({ feedback }) as Json),
);

/** How the case's bearer token is made; minted fresh when the case runs (tokens expire, jti are single-use). */
export type CdsAuth =
  | 'valid'
  | 'none'
  | 'not-bearer'
  | 'garbage'
  | 'wrong-aud'
  | 'expired'
  | 'too-long-lived'
  | 'issued-in-future'
  | 'untrusted-iss'
  | 'forged-signature'
  | 'jku-not-allowed'
  | 'no-kid'
  | 'alg-none'
  | 'no-jti'
  | 'replayed';

const auth = fc.oneof(
  { weight: 12, arbitrary: fc.constant<CdsAuth>('valid') },
  { weight: 3, arbitrary: fc.constantFrom<CdsAuth>('none', 'not-bearer', 'garbage', 'wrong-aud', 'expired', 'too-long-lived', 'issued-in-future', 'untrusted-iss', 'forged-signature', 'jku-not-allowed', 'no-kid', 'alg-none', 'no-jti', 'replayed') },
);

/** One request to /cds-services. */
export interface CdsCase {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** the path under /cds-services, e.g. `/sangam-oncology-patient-view/feedback` */
  path: string;
  auth: CdsAuth;
  contentType?: string;
  body?: string;
}

const contentType = fc.oneof(
  { weight: 12, arbitrary: fc.constant<string | undefined>('application/json') },
  { weight: 2, arbitrary: fc.constantFrom<string | undefined>('application/json; charset=utf-8', 'application/fhir+json', 'text/plain', undefined, 'application/json; charset=latin1', 'application/json; charset=utf-16', 'multipart/form-data; boundary=x') },
);

/** The JSON body, mutated 0-3 times, or text that is not JSON (cut short, too large, binary). */
const bodyText = (json: fc.Arbitrary<Json>): fc.Arbitrary<string> =>
  fc.oneof(
    {
      weight: 10,
      arbitrary: fc.tuple(json, fc.oneof({ weight: 2, arbitrary: fc.constant([]) }, { weight: 3, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }) })).map(([j, ms]) => {
        const copy = structuredClone(j);
        for (const m of ms) applyMutation(copy, m);
        return JSON.stringify(copy);
      }),
    },
    { weight: 1, arbitrary: fc.tuple(json, fc.nat()).map(([j, at]) => JSON.stringify(j).slice(0, at % 400)) },
    { weight: 1, arbitrary: fc.constantFrom('', 'null', '[]', '"x"', '{', '{"hook":', '\u0000', `{"hook":"patient-view","pad":"${'x'.repeat(70_000)}"}`, '{"__proto__":{"polluted":1},"hook":"patient-view"}') },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  );

const serviceId = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(PV, OSIGN, OSELECT) },
  // no `..` or `%2e%2e`: fetch resolves them before sending, so they never reach /cds-services
  { weight: 1, arbitrary: fc.constantFrom('nope', '%E0%A4%A', '%', 'a'.repeat(300), 'sangam-oncology-patient-view%00', encodeURIComponent('ünïcode'), '') },
);

export const cdsCase: fc.Arbitrary<CdsCase> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .tuple(serviceId, auth, contentType)
      .chain(([id, a, ct]) => bodyText(hookCall(id in SERVICES ? (id as keyof typeof SERVICES) : PV)).map((body): CdsCase => ({ method: 'POST', path: `/${id}`, auth: a, ...(ct ? { contentType: ct } : {}), body }))),
  },
  {
    weight: 4,
    arbitrary: fc.tuple(serviceId, auth, contentType, bodyText(feedbackBody)).map(([id, a, ct, body]): CdsCase => ({ method: 'POST', path: `/${id}/feedback`, auth: a, ...(ct ? { contentType: ct } : {}), body })),
  },
  { weight: 1, arbitrary: auth.map((a): CdsCase => ({ method: 'GET', path: '', auth: a })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom<CdsCase['method']>('GET', 'PUT', 'DELETE', 'POST'), fc.constantFrom('/', '/x/y/z', `/${PV}/feedback/x`, `/${PV}`, '/%', '/%ZZ'), auth)
      .map(([method, path, a]): CdsCase => ({ method, path, auth: a, ...(method === 'GET' || method === 'DELETE' ? {} : { contentType: 'application/json', body: '{}' }) })),
  },
);
