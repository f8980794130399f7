/**
 * The patient record a hook call supplies: prefetch first, then the EHR's FHIR server for what was
 * not prefetched (https://cds-hooks.hl7.org/2.0/#prefetch-template). What the spec says about values:
 *
 * - a missing key was not prefetched: fetch it from fhirServer with fhirAuthorization;
 * - an OperationOutcome in place of the data means the EHR failed to prefetch it: fetch it too;
 * - `null` means the EHR has no such data: a search key is then empty, not fetched. A `null` Patient
 *   (the read of the very patient the hook is about) contradicts the call, so it is re-read from
 *   fhirServer when there is one;
 * - a searchset may be paged: the remaining pages are read through fhirServer.
 *
 * A value that is neither (not a resource, or a Bundle with a null entry or a next link without a
 * url) is the EHR's mistake, not missing data: 400 naming the element.
 *
 * When a key can be had neither way the answer is 412 with an OperationOutcome naming it.
 * Nothing here is persisted (see README.md: prefetched data is used for this answer only).
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { badRequest, preconditionFailed } from './cds-errors.ts';
import { FhirReadError, matchesOf, nextLinkOf, readAllPages, readResource, searchsetProblem, type FhirReaderOptions } from './fhir-reader.ts';
import type { HookRequest } from './hook-request.ts';

export interface PatientRecordOptions {
  fetch: typeof globalThis.fetch;
  timeoutMs: number;
  maxPages: number;
  maxResources: number;
}

/** How each prefetch key was had. */
export type KeySource = 'prefetch' | 'prefetch-null' | 'fhir-server';

export interface SuppliedRecord {
  patientId: string;
  /** the Patient and the resources about them (references relative, `Type/id`), plus Medications */
  resources: Resource[];
  sources: Record<string, KeySource>;
}

const isResource = (v: unknown): v is Resource => typeof v === 'object' && v !== null && typeof (v as { resourceType?: unknown }).resourceType === 'string';

/** `{{context.patientId}}` and the other context tokens of a prefetch template. */
export function renderTemplate(template: string, context: Record<string, unknown>): string {
  return template.replace(/\{\{\s*context\.([A-Za-z]+)\s*\}\}/g, (_m, name: string) => encodeURIComponent(String(context[name] ?? '')));
}

/** Absolute references into fhirServer become relative (`Type/id`), the form the mCODE mapper reads. */
function relativise<T>(value: T, base: string | undefined): T {
  if (!base) return value;
  const prefix = `${base.replace(/\/+$/, '')}/`;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = k === 'reference' && typeof x === 'string' && x.startsWith(prefix) ? x.slice(prefix.length) : walk(x);
    return out;
  };
  return walk(value) as T;
}

/** Whether a resource belongs to the patient (or to nobody, as a Medication does). */
function aboutPatient(r: Resource, patientId: string): boolean {
  if (r.resourceType === 'Patient') return r.id === patientId;
  const ref = (r as { subject?: { reference?: string }; patient?: { reference?: string } }).subject?.reference ?? (r as { patient?: { reference?: string } }).patient?.reference;
  return ref === undefined ? r.resourceType === 'Medication' : ref === `Patient/${patientId}`;
}

/**
 * Gathers the record for `templates` (key → FHIR query) from the call's prefetch and its fhirServer.
 * Throws 412 when a key can be had neither way, 400 when the prefetched Patient is someone else.
 */
export async function loadPatientRecord(request: HookRequest, templates: Readonly<Record<string, string>>, options: PatientRecordOptions): Promise<SuppliedRecord> {
  const { patientId } = request.context;
  const reader: FhirReaderOptions | undefined = request.fhirServer
    ? {
        fetch: options.fetch,
        baseUrl: request.fhirServer,
        timeoutMs: options.timeoutMs,
        maxPages: options.maxPages,
        ...(request.fhirAuthorization ? { accessToken: request.fhirAuthorization.access_token } : {}),
      }
    : undefined;
  const sources: Record<string, KeySource> = {};
  const resources: Resource[] = [];

  const fromServer = async (key: string, query: string, why: string): Promise<Resource[]> => {
    if (!reader) throw preconditionFailed(`prefetch ${key} ${why} and the request names no fhirServer`, [{ message: `prefetch ${key} ${why} and the request names no fhirServer`, expression: `prefetch.${key}` }]);
    try {
      const isRead = !query.includes('?');
      const found = isRead ? await readResource(query, reader) : await readAllPages(query, reader);
      sources[key] = 'fhir-server';
      return Array.isArray(found) ? found : found ? [found] : [];
    } catch (err) {
      if (!(err instanceof FhirReadError)) throw err;
      throw preconditionFailed(`prefetch ${key} ${why} and fhirServer could not supply it`, [{ message: `${err.message} (GET ${query.split('?')[0]})`, expression: `prefetch.${key}` }]);
    }
  };

  await Promise.all(
    Object.entries(templates).map(async ([key, template]) => {
      const query = renderTemplate(template, request.context);
      const value = request.prefetch?.[key];
      let got: Resource[];
      if (value === undefined) got = await fromServer(key, query, 'was not sent');
      else if (value === null) {
        if (query.includes('?')) {
          sources[key] = 'prefetch-null';
          got = [];
        } else got = await fromServer(key, query, 'is null');
      } else if (!isResource(value)) throw badRequest('malformed CDS Hooks request', [{ message: `prefetch.${key}: must be a FHIR resource or null`, expression: `prefetch.${key}` }]);
      else if (value.resourceType === 'OperationOutcome') got = await fromServer(key, query, 'holds an OperationOutcome');
      else if (value.resourceType === 'Bundle') {
        // malformed like a value that is not a resource: the EHR sent it, so it is refused, not re-fetched
        const problem = searchsetProblem(value);
        if (problem) throw badRequest('malformed CDS Hooks request', [{ message: `prefetch.${key}.${problem.path}: ${problem.message}`, expression: `prefetch.${key}.${problem.path}` }]);
        const bundle = value as Bundle;
        sources[key] = 'prefetch';
        if (!nextLinkOf(bundle)) got = matchesOf(bundle);
        else {
          if (!reader) throw preconditionFailed(`prefetch ${key} is paged and the request names no fhirServer to read the rest from`, [{ message: `prefetch ${key} is paged and the request names no fhirServer`, expression: `prefetch.${key}.link` }]);
          try {
            got = await readAllPages(bundle, reader);
          } catch (err) {
            if (!(err instanceof FhirReadError)) throw err;
            throw preconditionFailed(`the next pages of prefetch ${key} could not be read`, [{ message: err.message, expression: `prefetch.${key}.link` }]);
          }
        }
      } else {
        sources[key] = 'prefetch';
        got = [value];
      }
      resources.push(...got);
    }),
  );

  if (resources.length > options.maxResources) {
    throw preconditionFailed(`the patient record has more than ${options.maxResources} resources`, [{ message: `more than ${options.maxResources} resources`, expression: 'prefetch' }]);
  }
  const relative = resources.map((r) => relativise(r, request.fhirServer));
  // a prefetched Patient may come without its id (the spec's own examples do)
  const patients = relative.filter((r) => r.resourceType === 'Patient').map((p) => (p.id ? p : { ...p, id: patientId }));
  const stranger = patients.find((p) => p.id !== patientId);
  if (stranger) throw badRequest('malformed CDS Hooks request', [{ message: 'the prefetched Patient is not context.patientId', expression: 'prefetch.patient.id' }]);
  if (patients.length === 0) {
    throw preconditionFailed('the Patient record could not be had', [{ message: `Patient/${patientId} is in neither the prefetch nor fhirServer`, expression: 'prefetch.patient' }]);
  }
  const others = relative.filter((r) => r.resourceType !== 'Patient' && aboutPatient(r, patientId));
  return { patientId, resources: [patients[0] as Resource, ...others], sources };
}
