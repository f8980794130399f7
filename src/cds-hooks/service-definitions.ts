/**
 * The services this site offers, as `GET /cds-services` lists them.
 * Discovery: https://cds-hooks.hl7.org/2.0/#discovery; prefetch templates: https://cds-hooks.hl7.org/2.0/#prefetch-template
 */
import type { HookName } from './hook-request.ts';

export interface CdsServiceDefinition {
  hook: HookName;
  id: string;
  title: string;
  description: string;
  prefetch: Record<string, string>;
  usageRequirements?: string;
}

/**
 * The patient record the services read when the patient is not stored at this site: the Patient,
 * the conditions, all observations (mCODE staging, markers, ECOG, GenomicVariant 69548-6, disease
 * status 97509-4) and the medication history. Searches, not reads, so paged Bundles are followed.
 * The reference is written `Patient/id` (FHIR search's `[type]/[id]` form), which every server
 * reads, where some (Medplum) match nothing on a bare id.
 */
export const RECORD_PREFETCH: Readonly<Record<string, string>> = {
  patient: 'Patient/{{context.patientId}}',
  conditions: 'Condition?patient=Patient/{{context.patientId}}',
  observations: 'Observation?patient=Patient/{{context.patientId}}',
  medications: 'MedicationRequest?patient=Patient/{{context.patientId}}',
};

const USAGE =
  'Patients stored at this site are answered from the site record (with their sequencing). For others the prefetch or, ' +
  'failing that, the EHR FHIR server (fhirServer + fhirAuthorization) supplies the record; without either the answer is 412.';

export const CDS_SERVICES: readonly CdsServiceDefinition[] = [
  {
    hook: 'patient-view',
    id: 'sangam-oncology-patient-view',
    title: 'Sangam oncology summary',
    description: 'Prognosis, evidence-ranked therapy options and matching clinical trials for a patient with cancer.',
    prefetch: { ...RECORD_PREFETCH },
    usageRequirements: USAGE,
  },
  {
    hook: 'order-select',
    id: 'sangam-oncology-order-select',
    title: 'Sangam anticancer order check (selection)',
    description: 'Warns when a selected anticancer drug meets resistance evidence for the tumour or a low predicted response.',
    prefetch: { ...RECORD_PREFETCH },
    usageRequirements: USAGE,
  },
  {
    hook: 'order-sign',
    id: 'sangam-oncology-order-sign',
    title: 'Sangam anticancer order check (signing)',
    description: 'Warns before signing when an anticancer drug meets resistance evidence for the tumour or a low predicted response.',
    prefetch: { ...RECORD_PREFETCH },
    usageRequirements: USAGE,
  },
];

/** The discovery document. */
export function discoveryDocument(services: readonly CdsServiceDefinition[] = CDS_SERVICES): { services: CdsServiceDefinition[] } {
  return { services: services.map((s) => ({ ...s, prefetch: { ...s.prefetch } })) };
}
