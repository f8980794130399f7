import { Client } from 'fhir-kit-client';
import type { Patient, Resource } from '@medplum/fhirtypes';
import { badInput, ErrorCode } from '../../errors/domain-error.ts';
import { PATIENT_SEARCHES, type PatientSearch } from './patient-searches.ts';
import { FhirPullError, httpStatusOf, redactUrl } from './pull-error.ts';
import { classifyEntry, fetchResource, searchPages, type FhirSession, type SearchPage } from './search-pages.ts';

export interface PullOptions {
  /** the EHR's FHIR base, e.g. http://127.0.0.1:8080/fhir/R4 */
  baseUrl: string;
  /** one patient; when absent, every Patient on the server (paged) */
  patientId?: string;
  /** _count per search page, default 100 */
  pageSize?: number;
  /** safety cap, default 50_000; exceeding it throws a clear error */
  maxResourcesPerPatient?: number;
  /** optional Authorization: Bearer (SMART will come later) */
  bearerToken?: string;
  /** a token source for servers that require SMART Backend Services (backendServicesClient().accessToken) */
  accessToken?: () => Promise<string>;
  signal?: AbortSignal;
  /** the searches run for each patient; default PATIENT_SEARCHES */
  searches?: readonly PatientSearch[];
}

/** What was left out of a record, and how many pages it took. */
export interface PullStats {
  /** search pages read for this patient (the Patient read not included) */
  pages: number;
  /** OperationOutcome entries (`search.mode` outcome) in search results, ignored */
  operationOutcomes: number;
  /** entries that are not matches (`_include`d, other types, no id), ignored */
  skipped: number;
  /** resources seen again (same type/id) on a later page or search, kept once */
  duplicates: number;
}

export interface PulledRecord {
  patientId: string;
  /** the Patient first, then each search's matches in PATIENT_SEARCHES order */
  resources: Resource[];
  stats: PullStats;
}

const DEFAULT_PAGE_SIZE = 100;
const DEFAULT_MAX_RESOURCES = 50_000;
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

interface PullContext extends FhirSession {
  pageSize: number;
  maxResources: number;
  searches: readonly PatientSearch[];
}

/** Pulls one patient's record at a time, following `next` links on every search. */
export async function* pullPatientRecords(options: PullOptions): AsyncGenerator<PulledRecord> {
  const ctx = context(options);
  if (options.patientId !== undefined) {
    yield await pullRecord(ctx, await readPatient(ctx, options.patientId));
    return;
  }
  const seen = new Set<string>();
  for await (const page of searchPages(ctx, 'Patient', { _count: ctx.pageSize })) {
    for (const entry of page.bundle.entry ?? []) {
      const patient = entry.resource;
      if (classifyEntry(entry, 'Patient') !== 'match' || patient?.resourceType !== 'Patient' || !patient.id) continue;
      if (seen.has(patient.id)) continue;
      seen.add(patient.id);
      yield await pullRecord(ctx, patient as Patient & { id: string });
    }
  }
}

function context(options: PullOptions): PullContext {
  const baseUrl = options.baseUrl?.trim().replace(/\/+$/, '');
  if (!baseUrl || !/^https?:\/\//i.test(baseUrl)) throw badInput('baseUrl must be an http(s) URL of a FHIR server');
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw badInput('pageSize must be a positive integer');
  const maxResources = options.maxResourcesPerPatient ?? DEFAULT_MAX_RESOURCES;
  if (!Number.isInteger(maxResources) || maxResources < 1) throw badInput('maxResourcesPerPatient must be a positive integer');
  const client = new Client({ baseUrl, ...(options.bearerToken ? { bearerToken: options.bearerToken } : {}) });
  return { client, baseUrl, signal: options.signal, ...(options.accessToken ? { accessToken: options.accessToken } : {}), pageSize, maxResources, searches: options.searches ?? PATIENT_SEARCHES };
}

async function readPatient(ctx: PullContext, id: string): Promise<Patient & { id: string }> {
  if (!FHIR_ID.test(id)) throw badInput('patientId is not a valid FHIR id ([A-Za-z0-9-.], at most 64 characters)');
  const url = ctx.client.httpClient.expandUrl(`Patient/${id}`);
  let resource: Resource;
  try {
    resource = await fetchResource(ctx, url, (options) => ctx.client.read({ resourceType: 'Patient', id, options }));
  } catch (err) {
    const status = err instanceof FhirPullError ? err.status : httpStatusOf(err);
    if (status === 404 || status === 410) {
      throw new FhirPullError(ErrorCode.NOT_FOUND, `FHIR server has no Patient/${id}`, { url: redactUrl(url), status });
    }
    throw err;
  }
  if (resource.resourceType !== 'Patient') {
    throw new FhirPullError(ErrorCode.UPSTREAM_FAILED, `FHIR server answered GET ${redactUrl(url)} with a ${resource.resourceType}, not a Patient`, { url: redactUrl(url) });
  }
  return { ...resource, id };
}

async function pullRecord(ctx: PullContext, patient: Patient & { id: string }): Promise<PulledRecord> {
  const patientId = patient.id;
  const resources: Resource[] = [patient];
  const keys = new Set<string>([`Patient/${patientId}`]);
  const stats: PullStats = { pages: 0, operationOutcomes: 0, skipped: 0, duplicates: 0 };
  for (const search of ctx.searches) {
    const params = { [search.patientParam]: `Patient/${patientId}`, _count: ctx.pageSize };
    for await (const page of searchPages(ctx, search.resourceType, params)) {
      stats.pages++;
      for (const entry of page.bundle.entry ?? []) {
        const kind = classifyEntry(entry, search.resourceType);
        const resource = entry.resource;
        if (kind === 'outcome') stats.operationOutcomes++;
        if (kind !== 'match' || !resource?.id) {
          if (kind !== 'outcome') stats.skipped++;
          continue;
        }
        const key = `${resource.resourceType}/${resource.id}`;
        if (keys.has(key)) {
          stats.duplicates++;
          continue;
        }
        checkPatient(resource, search, patientId, page);
        keys.add(key);
        resources.push(resource);
        if (resources.length > ctx.maxResources) {
          throw new FhirPullError(
            ErrorCode.PAYLOAD_TOO_LARGE,
            `Patient/${patientId} has more than ${ctx.maxResources} resources at ${redactUrl(ctx.baseUrl)} (maxResourcesPerPatient); stopped while reading ${search.resourceType}`,
            { url: redactUrl(page.url) },
          );
        }
      }
    }
  }
  return { patientId, resources, stats };
}

/** Fails when a result points at another patient: the server ignored or misread the search parameter. */
function checkPatient(resource: Resource, search: PatientSearch, patientId: string, page: SearchPage): void {
  const ref = (resource as unknown as Record<string, { reference?: unknown } | undefined>)[search.patientElement]?.reference;
  if (typeof ref !== 'string') return;
  const bare = ref.replace(/\/_history\/[^/]*$/, '');
  if (bare === `Patient/${patientId}` || bare.endsWith(`/Patient/${patientId}`)) return;
  throw new FhirPullError(
    ErrorCode.UPSTREAM_FAILED,
    `FHIR server returned ${resource.resourceType}/${resource.id}, which is not about Patient/${patientId}, for GET ${redactUrl(page.url)}; does it support the '${search.patientParam}' search parameter?`,
    { url: redactUrl(page.url) },
  );
}
