import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Resource } from '@medplum/fhirtypes';
import { readBundleInput } from '../../src/clinical/ingest/bundle-input.ts';
import { resolveReferences } from '../../src/clinical/ingest/resolve-references.ts';
import { loadCodeTables } from '../../src/clinical/mcode/code-tables.ts';
import { ageInYears } from '../../src/clinical/mcode/fhir-values.ts';
import { mapClinicalSummary } from '../../src/clinical/mcode/map-clinical-summary.ts';
import { categoryLabel, stageGroupLabel } from '../../src/clinical/mcode/staging.ts';
import type { ClinicalSummary } from '../../src/clinical/mcode/types.ts';
import { CCRR_PATIENT, CCRR_RESOURCES, fixture } from '../helpers/fixtures.ts';

const tables = loadCodeTables();

/** The summary of one patient in a fixture Bundle, with references resolved as the importer does. */
function summaryOf(files: string[], patientId: string, extra: Resource[] = []): ClinicalSummary {
  const resources: Resource[] = [...extra];
  for (const file of files) {
    const input = readBundleInput(fixture(file), 10_000);
    for (const e of resolveReferences(input.entries).entries) if (e.patientId === patientId) resources.push(e.resource);
  }
  return mapClinicalSummary(patientId, resources, tables);
}

describe('mCODE mapping of the fixture records (values read off the files by hand)', () => {
  it('EOM Jane Anyperson (mCODE STU3-derived): TNM, stage from the condition, ER, disease status', () => {
    const s = summaryOf(['fhir/eom-patient-bundle-jane-anyperson.json'], 'cancer-patient-jane-anyperson');
    assert.equal(s.sex?.value, 'male'); // Patient.gender is "male" in this example
    assert.equal(s.birthDate?.value, '1951-01-20');
    assert.equal(s.primaryCancer?.cancerType, 'breast'); // 93796005 primary malignant neoplasm of female breast
    assert.equal(s.primaryCancer?.histology?.code, '1187332001'); // Adenocarcinoma
    assert.equal(s.primaryCancer?.diagnosisDate, '2019-04-01'); // condition-assertedDate extension
    assert.equal(s.ageAtDiagnosis?.value, 68); // 1951-01-20 to 2019-04-01
    assert.deepEqual([s.staging.t?.label, s.staging.n?.label, s.staging.m?.label], ['T3', 'N3', 'M0']);
    assert.deepEqual([s.staging.t?.type, s.staging.t?.source.id], ['clinical', 'tnm-clinical-primary-tumor-category-cT3']);
    // no stage-group observation in the Bundle: Condition.stage.summary 1222806003 "AJCC stage IIIC"
    assert.deepEqual([s.staging.group?.label, s.staging.group?.source.id], ['IIIC', 'primary-cancer-condition-breast']);
    assert.deepEqual(
      s.tumorMarkers.map((m) => [m.marker, m.status, m.source.id]),
      [['ER', 'positive', 'tumor-marker-test-er-jane-anyperson']], // 85337-4 = LA6576-8 Positive
    );
    assert.deepEqual(
      s.diseaseStatus.map((d) => [d.date, d.trend, d.code.code]),
      [['2018-11-01', 'improved', '268910001']],
    );
    assert.equal(s.ecog, undefined);
  });

  it('CodeX trial-matching patient 01 (mCODE STU1): stage IV, receptors, variants, ECOG, meds', () => {
    const s = summaryOf(['fhir/TrialMatching_Patient01.json'], 'mCODETrialMatchingPatientExample01');
    assert.equal(s.sex?.value, 'female');
    assert.equal(s.primaryCancer?.codes[0]?.code, '408643008'); // infiltrating duct carcinoma of breast
    assert.equal(s.primaryCancer?.cancerType, 'breast');
    assert.deepEqual(s.secondaryCancers.map((c) => c.codes[0]?.code).sort(), ['94181007', '94222008', '94381002']);
    // 21908-9 observation, valueCodeableConcept cancerstaging.org "4" / "IV"
    assert.deepEqual([s.staging.group?.label, s.staging.group?.type, s.staging.group?.source.id], ['IV', 'clinical', 'mCODETrialMatchingTNMClinicalStageGroupExample01']);
    assert.deepEqual(
      Object.fromEntries(s.tumorMarkers.map((m) => [m.marker, m.status])),
      { ER: 'positive', PR: 'positive', HER2: 'negative', MSI: 'positive' }, // 40556-3, 40557-1, 18474-7, 62862-8
    );
    // 48018-6 components HGNC:3467 ("estrogen receptor 1") and HGNC:8975
    assert.deepEqual(s.variants.map((v) => [v.gene, v.hgncId]), [['ESR1', 'HGNC:3467'], ['PIK3CA', 'HGNC:8975']]);
    assert.deepEqual([s.ecog?.value, s.ecog?.source.id], [1, 'mCODETrialMatchingECOGPerformanceStatusPatientExample01']);
    assert.deepEqual(s.medications.map((m) => m.codes[0]?.code), ['1163443', '1156671', '1946828', '1156671', '1873980']);
    assert.equal(s.ageAtDiagnosis, undefined, 'the primary cancer condition carries no date');
  });

  it('trial-matching-service patient (STU1): race, pathologic stage IIIA over clinical, paclitaxel three times, misfiled observations', () => {
    const s = summaryOf(['fhir/ctms-patient_data.json'], '1e208b6b-77f1-4808-a32b-9f9caf1ec334');
    assert.deepEqual(s.populationGroups.map((g) => g.value.code), ['2054-5', '2186-5']); // Black or African American; Not Hispanic or Latino
    assert.equal(s.primaryCancer?.codes[0]?.code, '254837009');
    assert.equal(s.ageAtDiagnosis?.value, 50); // born 1966-08-03, diagnosed 2017-07-21: the 51st birthday is 12 days later
    // 21908-9 and 21902-2 observations on the same date, both "Stage 3A" / c3A: the pathologic one wins
    assert.deepEqual([s.staging.group?.label, s.staging.group?.type], ['IIIA', 'pathologic']);
    // its variant observation (twice in the file) names Patient/mCODEPatientExample01: filed there, not here
    assert.deepEqual(s.variants, []);
    const variantOwner = summaryOf(['fhir/ctms-patient_data.json'], 'mCODEPatientExample01');
    assert.deepEqual(variantOwner.variants.map((v) => [v.gene, v.hgncId, v.hgvsGenomic]), [['STK11', 'HGNC:11389', 'NC_000019.8:g.1171707G>A']]);
    // five MedicationStatement entries, two of them repeats of earlier ones: three paclitaxel cycles
    assert.deepEqual(s.medications.map((m) => [m.codes[0]?.code, m.start]), [
      ['583214', '2017-07-28T23:41:09-04:00'],
      ['583214', '2017-08-19T23:41:09-04:00'],
      ['583214', '2017-09-08T23:41:09-04:00'],
    ]);
    // the Karnofsky 90 and ECOG 3 observations name Patient/mCODEMassiveBioPatientExample1004, not this patient
    assert.equal(s.ecog, undefined);
    assert.equal(s.karnofsky, undefined);
    const other = summaryOf(['fhir/ctms-patient_data.json'], 'mCODEMassiveBioPatientExample1004');
    assert.deepEqual([other.ecog?.value, other.karnofsky?.value], [3, 90]);
  });

  it('Synthea patient 86: generic cancer code typed by body site, death, one cancer drug among thirteen requests', () => {
    const s = summaryOf(['fhir/synthea-cancer-patient-86-transaction-bundle.json'], 'cancer-86');
    assert.equal(s.sex?.value, 'male');
    assert.deepEqual([s.deceased?.value, s.deceasedDate?.value], [true, '1977-07-14T04:17:45-04:00']);
    assert.deepEqual(s.populationGroups.map((g) => g.value.code), ['2106-3', '2186-5']); // White; Not Hispanic or Latino
    assert.equal(s.primaryCancer?.codes[0]?.code, '363346000'); // "Malignant neoplastic disease"
    assert.equal(s.primaryCancer?.bodySite?.code, '80248007'); // left breast structure
    assert.equal(s.primaryCancer?.cancerType, 'breast');
    assert.equal(s.primaryCancer?.histology?.code, '399878004');
    assert.equal(s.ageAtDiagnosis?.value, 79); // 1940-03-29 to 2019-04-01 (the synthetic record dates the cancer after the death)
    assert.deepEqual(s.secondaryCancers.map((c) => c.codes[0]?.code), ['94225005']); // brain metastases
    assert.equal(s.staging.group?.label, 'IIIC');
    // 13 MedicationRequests (aspirin, penicillin, furosemide, ...) and 1 MedicationAdministration of paclitaxel
    assert.deepEqual(s.medications.map((m) => [m.codes[0]?.code, m.source.resourceType, m.intent?.code]), [['56946', 'MedicationAdministration', '373808002']]);
    assert.equal(s.medications[0]?.start, '2018-04-22');
  });

  it('CCRR single resources: stage group with AJCC method, TNM, doxorubicin', () => {
    const resources = CCRR_RESOURCES.map((f) => fixture<Resource>(f));
    const s = mapClinicalSummary('example', [CCRR_PATIENT as unknown as Resource, ...resources.filter((r) => r.resourceType !== 'Procedure')], tables);
    assert.deepEqual([s.staging.group?.label, s.staging.group?.source.id], ['IIIC', 'cancer-stage-group-example']);
    assert.equal(s.staging.method?.code, '897275008'); // AJCC 8th edition
    assert.deepEqual([s.staging.t?.label, s.staging.n?.label, s.staging.m?.label], ['T3', 'N3', 'M0']);
    assert.deepEqual(s.medications.map((m) => [m.codes[0]?.code, m.start]), [['1790099', '2018-04-22']]);
    assert.equal(s.primaryCancer?.histology?.code, '127569003');
  });
});

describe('mapping rules', () => {
  const patient = { resourceType: 'Patient', id: 'p', gender: 'female', birthDate: '1970-05-10' } as Resource;
  const condition = (code: object, extra: object = {}) => ({ resourceType: 'Condition', id: 'c', subject: { reference: 'Patient/p' }, code: { coding: [code] }, ...extra }) as Resource;

  it('reads ICD-10 C50.9 as a primary breast cancer and C78.0 as secondary', () => {
    const s = mapClinicalSummary('p', [patient, condition({ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'C50.9' }, { onsetDateTime: '2020-05-09' })], tables);
    assert.equal(s.primaryCancer?.cancerType, 'breast');
    assert.equal(s.ageAtDiagnosis?.value, 49, 'one day before the 50th birthday');
    const sec = mapClinicalSummary('p', [patient, condition({ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'C78.0' })], tables);
    assert.equal(sec.primaryCancer, undefined);
    assert.equal(sec.secondaryCancers.length, 1);
  });

  it('reads an mCODE STU4 SNOMED stage group and an ECOG given only as a LOINC answer', () => {
    const obs = [
      { resourceType: 'Observation', id: 's', status: 'final', code: { coding: [{ system: 'http://snomed.info/sct', code: '399588009' }] }, effectiveDateTime: '2021-01-01', valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '1222806003', display: 'American Joint Committee on Cancer stage IIIC (qualifier value)' }] } },
      { resourceType: 'Observation', id: 'e1', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '89247-1' }] }, effectiveDateTime: '2021-01-01', valueCodeableConcept: { coding: [{ system: 'http://loinc.org', code: 'LA9624-3' }] } },
      { resourceType: 'Observation', id: 'e0', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '89247-1' }] }, effectiveDateTime: '2020-01-01', valueInteger: 0 },
    ] as Resource[];
    const s = mapClinicalSummary('p', [patient, ...obs], tables);
    assert.deepEqual([s.staging.group?.label, s.staging.group?.type], ['IIIC', 'pathologic']);
    assert.deepEqual([s.ecog?.value, s.ecog?.source.id], [2, 'e1'], 'the latest ECOG, LA9624-3 = grade 2');
  });

  it('ignores withdrawn records and variants reported absent; reads STU1 disease status', () => {
    const loinc = (code: string) => ({ coding: [{ system: 'http://loinc.org', code }] });
    const resources = [
      patient,
      condition({ system: 'http://snomed.info/sct', code: '254837009' }, { onsetDateTime: '2010-01-01', verificationStatus: { coding: [{ code: 'entered-in-error' }] } }),
      condition({ system: 'http://snomed.info/sct', code: '363406005' }, { id: 'c2', onsetDateTime: '2015-01-01' }),
      { resourceType: 'Observation', id: 'bad', status: 'entered-in-error', code: loinc('89247-1'), effectiveDateTime: '2021-01-01', valueInteger: 4 },
      { resourceType: 'Observation', id: 'good', status: 'final', code: loinc('89247-1'), effectiveDateTime: '2020-01-01', valueInteger: 1 },
      { resourceType: 'Observation', id: 'absent', status: 'final', code: loinc('69548-6'), valueCodeableConcept: loinc('LA9634-2'), component: [{ code: loinc('48018-6'), valueCodeableConcept: { coding: [{ code: 'HGNC:3236' }] } }] },
      { resourceType: 'Observation', id: 'present', status: 'final', code: loinc('69548-6'), valueCodeableConcept: loinc('LA9633-4'), component: [{ code: loinc('48018-6'), valueCodeableConcept: { coding: [{ code: 'HGNC:6407' }] } }] },
      { resourceType: 'Observation', id: 'stu1', status: 'final', code: loinc('88040-1'), effectiveDateTime: '2020-02-01', valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '359746009' }] } },
    ] as Resource[];
    const s = mapClinicalSummary('p', resources, tables);
    assert.deepEqual([s.primaryCancer?.cancerType, s.primaryCancer?.source.id], ['colorectal', 'c2']);
    assert.deepEqual([s.ecog?.value, s.ecog?.source.id], [1, 'good']);
    assert.deepEqual(s.variants.map((v) => v.gene), ['KRAS']);
    assert.deepEqual(s.diseaseStatus.map((d) => d.trend), ['stable']);
  });

  it('reads the drug of a MedicationRequest from a referenced or contained Medication', () => {
    const rxnorm = (code: string) => ({ coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code }] });
    const resources = [
      patient,
      { resourceType: 'Medication', id: 'pembro', code: rxnorm('1547545') },
      { resourceType: 'MedicationRequest', id: 'r1', status: 'active', intent: 'order', subject: { reference: 'Patient/p' }, medicationReference: { reference: 'Medication/pembro' }, authoredOn: '2021-03-01' },
      { resourceType: 'MedicationRequest', id: 'r2', status: 'active', intent: 'order', subject: { reference: 'Patient/p' }, contained: [{ resourceType: 'Medication', id: 'm', code: rxnorm('1721560') }], medicationReference: { reference: '#m' }, authoredOn: '2021-04-01' },
      { resourceType: 'MedicationRequest', id: 'r3', status: 'active', intent: 'order', subject: { reference: 'Patient/p' }, medicationReference: { reference: 'Medication/unknown' } },
    ] as Resource[];
    const s = mapClinicalSummary('p', resources, tables);
    // RxNorm 1547545 pembrolizumab, 1721560 osimertinib; the unknown drug is not assumed to be cancer-related
    assert.deepEqual(s.medications.map((m) => [m.source.id, m.codes[0]?.code, m.start]), [['r1', '1547545', '2021-03-01'], ['r2', '1721560', '2021-04-01']]);
  });

  it('reads ICD-10-CM C7A as a primary neuroendocrine tumour and C7B as secondary', () => {
    const icd = (code: string) => mapClinicalSummary('p', [patient, condition({ system: 'http://hl7.org/fhir/sid/icd-10-cm', code })], tables);
    assert.ok(icd('C7A.010').primaryCancer);
    assert.equal(icd('C7B.02').secondaryCancers.length, 1);
  });

  it('has no age without a birth date, and no summary values from another patient', () => {
    const s = mapClinicalSummary('p', [{ resourceType: 'Patient', id: 'p' } as Resource, condition({ system: 'http://snomed.info/sct', code: '254837009' }, { onsetDateTime: '2020-01-01' })], tables);
    assert.equal(s.ageAtDiagnosis, undefined);
    assert.equal(s.primaryCancer?.cancerType, 'breast');
  });

  it('labels stages and categories the way the sources write them', () => {
    assert.equal(stageGroupLabel('c3A'), 'IIIA');
    assert.equal(stageGroupLabel('4'), 'IV');
    assert.equal(stageGroupLabel('Stage 2B (qualifier value)'), 'IIB');
    assert.equal(stageGroupLabel('American Joint Committee on Cancer stage IIIC (qualifier value)'), 'IIIC');
    assert.equal(stageGroupLabel('1222806003'), undefined);
    assert.deepEqual(categoryLabel('American Joint Committee on Cancer pN0(sn) (qualifier value)', 'N'), { label: 'N0', prefix: 'p' });
    assert.deepEqual(categoryLabel('T1a', 'T'), { label: 'T1a' });
    assert.equal(categoryLabel('Tumour size', 'T'), undefined);
  });

  it('counts age in whole years, birthday-aware', () => {
    assert.equal(ageInYears('2000-02-29', '2001-02-28'), 0);
    assert.equal(ageInYears('2000-02-29', '2001-03-01'), 1);
    assert.equal(ageInYears('1951-01-20', '2019-04-01T10:00:00Z'), 68);
    assert.equal(ageInYears('2020-01-01', '2019-01-01'), undefined);
  });
});
