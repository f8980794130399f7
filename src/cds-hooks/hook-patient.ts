/**
 * Finds the patient a hook is about. A patient stored at this site (patients are keyed by the FHIR
 * id of their imported record, which is the EHR's id) is answered from the site store, which holds
 * their sequencing calls; the prefetch is then not needed and not read. Anyone else is answered
 * from the record the EHR supplies (prefetch, then fhirServer), mapped by the site's mCODE mapper
 * and held in memory for this answer only.
 */
import type { CdsHooksDeps } from './deps.ts';
import type { HookRequest } from './hook-request.ts';
import type { HookPatient } from './patient-insights.ts';
import { loadPatientRecord, type KeySource } from './patient-record.ts';
import { summaryOfRecord } from './record-summary.ts';

export interface ResolvedPatient extends HookPatient {
  /** how each prefetch key was had (empty for a stored patient) */
  sources: Record<string, KeySource>;
}

export async function resolveHookPatient(
  deps: Pick<CdsHooksDeps, 'clinical' | 'summarise' | 'config'> & { fetch: typeof globalThis.fetch },
  request: HookRequest,
  templates: Readonly<Record<string, string>>,
): Promise<ResolvedPatient> {
  const { patientId } = request.context;
  const [stored] = await deps.clinical.summaries([patientId]);
  if (stored) return { patientId, stored: true, summary: stored, sources: {} };
  const { config } = deps;
  const record = await loadPatientRecord(request, templates, {
    fetch: deps.fetch,
    timeoutMs: config.fhirTimeoutMs,
    maxPages: config.maxPagesPerQuery,
    maxResources: config.maxRecordResources,
  });
  return { patientId, stored: false, summary: summaryOfRecord(deps.summarise(patientId, record.resources)), record: record.resources, sources: record.sources };
}
