/**
 * One search run for every patient: `GET {resourceType}?{patientParam}=Patient/{id}`.
 * `patientElement` names the element holding that reference; the puller checks it on every result,
 * so a server that ignores the parameter cannot hand us another patient's resources.
 */
export interface PatientSearch {
  readonly resourceType: string;
  readonly patientParam: string;
  readonly patientElement: string;
}

/**
 * The resource types pulled for each patient, with their FHIR R4 patient search parameter.
 * Extend here (e.g. Encounter/patient/subject, AllergyIntolerance/patient/patient,
 * Immunization/patient/patient, DocumentReference/patient/subject).
 */
export const PATIENT_SEARCHES: readonly PatientSearch[] = Object.freeze([
  { resourceType: 'Condition', patientParam: 'patient', patientElement: 'subject' },
  { resourceType: 'Observation', patientParam: 'patient', patientElement: 'subject' },
  { resourceType: 'MedicationRequest', patientParam: 'patient', patientElement: 'subject' },
  { resourceType: 'MedicationStatement', patientParam: 'patient', patientElement: 'subject' },
  { resourceType: 'MedicationAdministration', patientParam: 'patient', patientElement: 'subject' },
  { resourceType: 'Procedure', patientParam: 'patient', patientElement: 'subject' },
  { resourceType: 'Specimen', patientParam: 'patient', patientElement: 'subject' },
  { resourceType: 'DiagnosticReport', patientParam: 'patient', patientElement: 'subject' },
]);
