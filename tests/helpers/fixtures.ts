import { readFileSync } from 'node:fs';

/** Reads a JSON fixture from tests/fixtures/ (never from ../shared). */
export function fixture<T = Record<string, unknown>>(relative: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${relative}`, import.meta.url), 'utf8')) as T;
}

export const FHIR_BUNDLES = [
  'fhir/eom-patient-bundle-jane-anyperson.json',
  'fhir/TrialMatching_Patient01.json',
  'fhir/TrialMatching_Patient02.json',
  'fhir/ctms-patient_data.json',
  'fhir/synthea-cancer-patient-86-transaction-bundle.json',
] as const;

/** The CCRR single-resource examples; they all belong to `Patient/example`. */
export const CCRR_RESOURCES = [
  'fhir/ccrr-Condition-primary-cancer-condition-breast.json',
  'fhir/ccrr-Observation-cancer-stage-group-example.json',
  'fhir/ccrr-Observation-tnm-clinical-primary-tumor-category-cT3.json',
  'fhir/ccrr-Observation-tnm-clinical-regional-nodes-category-cN3.json',
  'fhir/ccrr-Observation-tnm-clinical-distant-metastases-category-cM0.json',
  'fhir/ccrr-MedicationAdministration-cancer-related-medication-administration-example.json',
  'fhir/ccrr-Procedure-radiotherapy-example.json',
] as const;

/**
 * The CCRR package's own Patient example is not among the copied files; tests store this minimal
 * stand-in under the id the CCRR resources reference, to show they join the record when it arrives.
 */
export const CCRR_PATIENT = { resourceType: 'Patient', id: 'example', gender: 'female', birthDate: '1965-06-01' } as const;
