/**
 * A reported outcome as FHIR R4 resources in the patient's record, the way the mCODE mapper and
 * site-data's outcome-labels.ts read them back:
 *
 * - the therapy: one MedicationStatement per ingredient (R4 gives a statement one medication),
 *   RxNorm-coded, `effectivePeriod.start` = the line's start, Sangam's `line-of-therapy` extension
 *   (the mapper's `line`), `reasonReference` to the primary cancer (mCODE's invariant
 *   mcode-reason-required, and how the mapper knows the drug is for the cancer). Its status is
 *   `unknown`: the report says when the line began, not whether it goes on.
 * - which suggestion was followed: Sangam's complex extension `followed-suggestion` on each of those
 *   statements (`followed` true/false, then `therapy`, `tier`, `modelVersion`), absent when the
 *   report does not say. It sits on the therapy because it is a fact about how the therapy was chosen.
 * - the best response: an mCODE CancerDiseaseStatus Observation (LOINC 97509-4, `focus` the primary
 *   cancer, `partOf` the statements, evidence type imaging since RECIST 1.1 is read from imaging),
 *   valued from ConditionStatusTrendVS and its maximum value set (RECIST_VALUES below);
 * - progression: a CancerDiseaseStatus "worsened" on the progression date (left out when a PD best
 *   response on the same date already says it);
 * - the last follow-up: a CancerDiseaseStatus "undetermined" on that date. mCODE records contact
 *   through dated disease status; the trend was not assessed, which is what 709137006 says, and
 *   site training reads the patient's last contact from it (it is neither a response nor not);
 * - death: `Patient.deceasedDateTime` on the stored Patient, as mCODE CancerPatient asks
 *   (https://hl7.org/fhir/us/mcode/StructureDefinition-mcode-cancer-patient.html).
 *
 * Ids are derived from the patient and line, so recording the same line again updates the same
 * resources instead of adding new ones.
 */
import { createHash } from 'node:crypto';
import type { CodeableConcept, Coding, Extension, MedicationStatement, Observation, Patient, Resource } from '@medplum/fhirtypes';
import { SANGAM_EXTENSION } from '../cohort/fhir-bundle.ts';
import type { OutcomeInput, RecistCategory } from './outcome-input.ts';
import type { ResolvedTherapy } from './therapy-drugs.ts';

const SNOMED = 'http://snomed.info/sct';
const LOINC = 'http://loinc.org';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const MCODE = 'http://hl7.org/fhir/us/mcode/StructureDefinition';

/** The CancerDiseaseStatus code (mCODE STU4 SD_DiseaseStatus.fsh: `code = LNC#97509-4`). */
export const DISEASE_STATUS_CODE: Coding = { system: LOINC, code: '97509-4', display: 'Cancer disease progression' };

/**
 * RECIST 1.1 categories as CancerDiseaseStatus values. SD, PD and PR use the preferred
 * ConditionStatusTrendVS (268910001 improved, 359746009 stable, 271299001 worsened); CR, which that
 * value set cannot tell from PR, uses the maximum value set's 103338009 "In full remission
 * (qualifier value)". The maximum value set also keeps 550991000124107 "Malignant neoplasm in full
 * remission (disorder)", which mCODE retired for the qualifier because an Observation's value should
 * be a finding or qualifier, not a disorder (mCODE ConditionStatusTrendMaxVS, FHIR-32837). The
 * mapper's code table reads both as `remission`. `text` keeps the RECIST category itself.
 */
export const RECIST_VALUES: Readonly<Record<RecistCategory, { coding: Coding; text: string }>> = {
  CR: { coding: { system: SNOMED, code: '103338009', display: 'In full remission (qualifier value)' }, text: 'RECIST 1.1 complete response (CR)' },
  PR: { coding: { system: SNOMED, code: '268910001', display: "Patient's condition improved (finding)" }, text: 'RECIST 1.1 partial response (PR)' },
  SD: { coding: { system: SNOMED, code: '359746009', display: "Patient's condition stable (finding)" }, text: 'RECIST 1.1 stable disease (SD)' },
  PD: { coding: { system: SNOMED, code: '271299001', display: "Patient's condition worsened (finding)" }, text: 'RECIST 1.1 progressive disease (PD)' },
};

const PROGRESSION: CodeableConcept = { coding: [RECIST_VALUES.PD.coding], text: 'progression' };
const NOT_ASSESSED: CodeableConcept = {
  coding: [{ system: SNOMED, code: '709137006', display: 'Patient condition undetermined (finding)' }],
  text: 'follow-up contact; disease status not assessed',
};
const IMAGING: Extension = {
  url: `${MCODE}/mcode-cancer-disease-status-evidence-type`,
  valueCodeableConcept: { coding: [{ system: SNOMED, code: '363679005', display: 'Imaging (procedure)' }] },
};

/** URL of the extension recording which suggestion (if any) the therapy followed. */
export const FOLLOWED_SUGGESTION_URL = `${SANGAM_EXTENSION}/followed-suggestion`;

/** The id stem of a patient's line: a hash, since patient ids may already use all 64 characters. */
export function outcomeIdStem(patientId: string, line: number): string {
  return `so-${createHash('sha256').update(`${patientId}\u0000${line}`).digest('hex').slice(0, 24)}`;
}

/** What the resources are built from. */
export interface OutcomeResourceOptions {
  input: OutcomeInput;
  therapy: ResolvedTherapy;
  /** the primary cancer Condition's id */
  conditionId: string;
  /** the stored Patient, updated when the outcome reports a death */
  patient: Patient;
  /** the day the outcome is recorded (MedicationStatement.dateAsserted) */
  today: string;
}

function followedExtension(followed: OutcomeInput['followedSuggestion']): Extension[] {
  if (followed === undefined) return [];
  if (followed === null) return [{ url: FOLLOWED_SUGGESTION_URL, extension: [{ url: 'followed', valueBoolean: false }] }];
  const parts: Extension[] = [{ url: 'followed', valueBoolean: true }, { url: 'therapy', valueString: followed.therapy }];
  if (followed.tier !== null) parts.push({ url: 'tier', valueCode: followed.tier });
  if (followed.modelVersion) parts.push({ url: 'modelVersion', valueString: followed.modelVersion });
  return [{ url: FOLLOWED_SUGGESTION_URL, extension: parts }];
}

function diseaseStatus(id: string, o: OutcomeResourceOptions, date: string, value: CodeableConcept, extra: Partial<Observation>): Observation {
  return {
    resourceType: 'Observation',
    id,
    meta: { profile: [`${MCODE}/mcode-cancer-disease-status`] },
    ...extra,
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'exam' }] }],
    code: { coding: [DISEASE_STATUS_CODE] },
    subject: { reference: `Patient/${o.input.patientId}` },
    focus: [{ reference: `Condition/${o.conditionId}` }],
    effectiveDateTime: date,
    valueCodeableConcept: value,
  };
}

/** Every resource the outcome writes, the Patient last when it changes. */
export function outcomeResources(o: OutcomeResourceOptions): Resource[] {
  const { input, therapy } = o;
  const stem = outcomeIdStem(input.patientId, input.line);
  const statements: MedicationStatement[] = therapy.drugs.map((drug) => ({
    resourceType: 'MedicationStatement',
    id: `${stem}-rx-${drug.rxnorm}`,
    extension: [{ url: `${SANGAM_EXTENSION}/line-of-therapy`, valuePositiveInt: input.line }, ...followedExtension(input.followedSuggestion)],
    status: 'unknown',
    medicationCodeableConcept: { coding: [{ system: RXNORM, code: drug.rxnorm, ...(drug.name ? { display: drug.name } : {}) }], text: drug.name ?? therapy.name },
    subject: { reference: `Patient/${input.patientId}` },
    effectivePeriod: { start: input.startDate },
    dateAsserted: o.today,
    reasonReference: [{ reference: `Condition/${o.conditionId}` }],
    note: [{ text: `line ${input.line}: ${therapy.name}` }],
  }));
  const partOf = statements.map((s) => ({ reference: `MedicationStatement/${s.id}` }));
  const out: Resource[] = [...statements];
  const response = input.bestResponse;
  if (response) {
    const { coding, text } = RECIST_VALUES[response.category];
    out.push(diseaseStatus(`${stem}-response`, o, response.date, { coding: [coding], text }, { extension: [IMAGING], partOf, method: { text: 'RECIST 1.1' } }));
  }
  if (input.progressionDate && !(response?.category === 'PD' && response.date === input.progressionDate)) {
    out.push(diseaseStatus(`${stem}-progression`, o, input.progressionDate, PROGRESSION, { partOf }));
  }
  if (input.lastFollowUp) out.push(diseaseStatus(`${stem}-follow-up`, o, input.lastFollowUp, NOT_ASSESSED, {}));
  if (input.death) {
    const patient = structuredClone(o.patient);
    delete patient.deceasedBoolean;
    patient.deceasedDateTime = input.death.date;
    // the copy is this site's version now, not the EHR's
    if (patient.meta) {
      delete patient.meta.versionId;
      delete patient.meta.lastUpdated;
      if (Object.keys(patient.meta).length === 0) delete patient.meta;
    }
    out.push(patient);
  }
  return out;
}

/** Marks a resource an earlier record of the line wrote and this one does not: the mapper skips it. */
export function withdrawn(resource: Resource): Resource {
  return { ...resource, status: 'entered-in-error' } as Resource;
}
