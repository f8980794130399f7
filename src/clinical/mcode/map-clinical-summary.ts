import type { CodeableConcept, Condition, Medication, Observation, Patient, Resource } from '@medplum/fhirtypes';
import type { McodeCodeTables } from './code-tables.ts';
import { mapCancerConditions } from './conditions.ts';
import { mapDemographics } from './demographics.ts';
import { ageInYears } from './fhir-values.ts';
import { mapMedications, type MedicationResource } from './medications.ts';
import { mapDiseaseStatus, mapPerformance, mapTumorMarkers } from './observations.ts';
import { mapStaging } from './staging.ts';
import type { ClinicalSummary } from './types.ts';
import { mapVariants } from './variants.ts';

/** Bump when the mapping changes: stored summaries from older versions are recomputed at start-up. */
export const MAPPER_VERSION = '4';

const MEDICATION_TYPES = new Set(['MedicationRequest', 'MedicationStatement', 'MedicationAdministration']);
/** Records their authors withdrew: never evidence. */
const WITHDRAWN = new Set(['entered-in-error', 'cancelled']);
const WITHDRAWN_CONDITION = new Set(['entered-in-error', 'refuted']);

/**
 * Derives a patient's clinical summary from the resources of their record (references already
 * resolved to `Type/id`), plus any Medication resources those reference. Pure: the same resources
 * always give the same summary.
 * mCODE: https://hl7.org/fhir/us/mcode/
 */
export function mapClinicalSummary(patientId: string, resources: readonly Resource[], tables: McodeCodeTables): ClinicalSummary {
  const patient = resources.find((r): r is Patient => r.resourceType === 'Patient' && r.id === patientId);
  const conditions = resources.filter(
    (r): r is Condition => r.resourceType === 'Condition' && !WITHDRAWN_CONDITION.has(r.verificationStatus?.coding?.[0]?.code ?? ''),
  );
  const observations = resources.filter((r): r is Observation => r.resourceType === 'Observation' && !WITHDRAWN.has(r.status));
  const medications = resources.filter((r): r is MedicationResource => MEDICATION_TYPES.has(r.resourceType) && !WITHDRAWN.has((r as MedicationResource).status ?? ''));

  // Medication resources sit outside the patient compartment; callers pass the ones referenced
  const medicationsById = new Map(
    resources.filter((r): r is Medication & { id: string } => r.resourceType === 'Medication' && !!r.id).map((r) => [r.id, r]),
  );

  const demographics = patient ? mapDemographics(patient) : { populationGroups: [] };
  const cancers = mapCancerConditions(conditions, tables);
  const primaryResource = cancers.primary ? conditions.find((c) => c.id === cancers.primary?.source.id) : undefined;
  const cancerIds = new Set([cancers.primary, ...cancers.secondary].map((c) => c?.source.id).filter((x): x is string => !!x));
  const isCancerCode = (cc: CodeableConcept) => mapCancerConditions([{ resourceType: 'Condition', subject: {}, code: cc }], tables).primary !== undefined;

  const summary: ClinicalSummary = {
    mapperVersion: MAPPER_VERSION,
    patientId,
    ...demographics,
    secondaryCancers: cancers.secondary,
    staging: mapStaging(observations, tables, primaryResource),
    tumorMarkers: mapTumorMarkers(observations, tables),
    variants: mapVariants(observations, tables),
    medications: mapMedications(medications, tables, cancerIds, isCancerCode, medicationsById),
    diseaseStatus: mapDiseaseStatus(observations, tables),
    ...mapPerformance(observations, tables),
  };
  if (cancers.primary) {
    summary.primaryCancer = cancers.primary;
    const age = summary.birthDate && cancers.primary.diagnosisDate ? ageInYears(summary.birthDate.value, cancers.primary.diagnosisDate) : undefined;
    if (age !== undefined) summary.ageAtDiagnosis = { value: age, source: cancers.primary.source, date: cancers.primary.diagnosisDate };
  }
  return summary;
}

