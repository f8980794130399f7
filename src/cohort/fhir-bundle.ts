import type { Bundle, BundleEntry, CodeableConcept, Coding, Extension, MedicationRequest, Observation, Resource } from '@medplum/fhirtypes';
import type { PatientCourse, TherapyLine, Trend } from './care.ts';
import { HOTSPOTS } from './hotspots.ts';
import { dayOf, isoOf, type PatientBiology } from './patient.ts';
import type { SiteProfile } from './profiles.ts';
import type { Rng } from '../random/rng.ts';
import type { SomaticCall } from './somatic-calls.ts';
import { regimen } from './therapies.ts';

/**
 * One FHIR R4 transaction Bundle per patient, coded the mCODE STU4 way with the codes the
 * clinical mapper reads (fhir/codes/mcode-codes.json).
 */

const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const ICD10 = 'http://hl7.org/fhir/sid/icd-10-cm';
const AJCC = 'http://cancerstaging.org';
const HGNC = 'http://www.genenames.org/geneId';
const HGVS = 'http://varnomen.hgvs.org';
const CDC_RACE = 'urn:oid:2.16.840.1.113883.6.238';
const OBS_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const MCODE = 'http://hl7.org/fhir/us/mcode/StructureDefinition';
/** Sangam's own extensions; example.org because no standard extension carries these yet */
export const SANGAM_EXTENSION = 'http://sangam.example.org/fhir/StructureDefinition';

const coding = (system: string, code: string, display?: string): Coding => ({ system, code, ...(display ? { display } : {}) });
const concept = (c: Coding, text?: string): CodeableConcept => ({ coding: [c], ...(text ? { text } : {}) });

const CANCER_CODES = {
  lung: { snomed: coding(SNOMED, '254637007', 'Non-small cell lung cancer'), icd10: coding(ICD10, 'C34.90', 'Malignant neoplasm of unspecified part of unspecified bronchus or lung'), histology: coding(SNOMED, '35917007', 'Adenocarcinoma, no subtype'), site: coding(SNOMED, '39607008', 'Lung structure') },
  colorectal: { snomed: coding(SNOMED, '363406005', 'Malignant neoplasm of colon'), icd10: coding(ICD10, 'C18.9', 'Malignant neoplasm of colon, unspecified'), histology: coding(SNOMED, '35917007', 'Adenocarcinoma, no subtype'), site: coding(SNOMED, '71854001', 'Colon structure') },
  breast: { snomed: coding(SNOMED, '254837009', 'Malignant neoplasm of breast'), icd10: coding(ICD10, 'C50.919', 'Malignant neoplasm of unspecified site of unspecified female breast'), histology: coding(SNOMED, '82711006', 'Infiltrating duct carcinoma'), site: coding(SNOMED, '76752008', 'Breast structure') },
} as const;

const ECOG_ANSWERS = ['LA9622-7', 'LA9623-5', 'LA9624-3', 'LA9625-0'];
const TREND_CODES: Record<Trend, Coding> = {
  improved: coding(SNOMED, '268910001', "Patient's condition improved"),
  stable: coding(SNOMED, '359746009', "Patient's condition stable"),
  worsened: coding(SNOMED, '271299001', "Patient's condition worsened"),
};
const STOP_REASONS = {
  completed: coding(SNOMED, '182992009', 'Treatment completed'),
  progression: coding(SNOMED, '266721009', 'Absent response to treatment'),
  death: coding(SNOMED, '419620001', 'Death'),
};
const POSITIVE = coding(SNOMED, '10828004', 'Positive');
const NEGATIVE = coding(SNOMED, '260385009', 'Negative');

const FAMILY: Record<string, string[]> = {
  IN: ['Sharma', 'Iyer', 'Nair', 'Patel', 'Reddy', 'Menon', 'Das', 'Kulkarni', 'Pillai', 'Joshi', 'Rao', 'Banerjee'],
  US: ['Smith', 'Johnson', 'Williams', 'Brown', 'Garcia', 'Miller', 'Davis', 'Lee', 'Walker', 'Young'],
  default: ['Garcia', 'Martin', 'Lopez', 'Bernard', 'Dubois', 'Moreau', 'Fernandez', 'Ruiz', 'Laurent', 'Simon'],
};
const GIVEN: Record<string, Record<'female' | 'male', string[]>> = {
  IN: { female: ['Anjali', 'Priya', 'Lakshmi', 'Meera', 'Kavya', 'Sunita'], male: ['Arjun', 'Rahul', 'Suresh', 'Vikram', 'Anil', 'Rajesh'] },
  US: { female: ['Mary', 'Linda', 'Susan', 'Karen', 'Emily', 'Grace'], male: ['James', 'Robert', 'Michael', 'David', 'Daniel', 'Thomas'] },
  default: { female: ['Marie', 'Lucia', 'Camille', 'Elena', 'Sofia', 'Claire'], male: ['Jean', 'Pablo', 'Louis', 'Javier', 'Pierre', 'Carlos'] },
};

interface Ctx {
  p: PatientBiology;
  ref: { patient: string; condition: string };
}

function observation(ctx: Ctx, id: string, code: Coding, category: string, day: number, value: Partial<Observation>, profile?: string): Observation {
  return {
    resourceType: 'Observation',
    id: `${ctx.p.id}-${id}`,
    ...(profile ? { meta: { profile: [`${MCODE}/${profile}`] } } : {}),
    status: 'final',
    category: [concept(coding(OBS_CATEGORY, category))],
    code: concept(code),
    subject: { reference: ctx.ref.patient },
    effectiveDateTime: isoOf(day),
    ...value,
  };
}

function patientResource(p: PatientBiology, profile: SiteProfile, course: PatientCourse, rng: Rng): Resource {
  const country = profile.country in FAMILY ? profile.country : 'default';
  const extension: Extension[] = [];
  if (profile.usCore && p.race && p.recorded.race) {
    extension.push({
      url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race',
      extension: [{ url: 'ombCategory', valueCoding: coding(CDC_RACE, p.race.code, p.race.display) }, { url: 'text', valueString: p.race.display }],
    });
    const eth = p.hispanic ? coding(CDC_RACE, '2135-2', 'Hispanic or Latino') : coding(CDC_RACE, '2186-5', 'Not Hispanic or Latino');
    extension.push({
      url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity',
      extension: [{ url: 'ombCategory', valueCoding: eth }, { url: 'text', valueString: eth.display as string }],
    });
  } else if (profile.population && p.recorded.race) {
    const { system, code, display } = profile.population;
    extension.push({ url: `${SANGAM_EXTENSION}/population-group`, valueCoding: coding(system, code, display) });
  }
  return {
    resourceType: 'Patient',
    id: p.id,
    meta: { profile: [`${MCODE}/mcode-cancer-patient`] },
    ...(extension.length ? { extension } : {}),
    identifier: [{ system: `urn:sangam:site:${p.siteId}:mrn`, value: `MRN${p.id.replace(/\D/g, '').padStart(6, '0')}` }],
    name: [{ family: rng.choice(FAMILY[country] as string[]), given: [rng.choice((GIVEN[country] as Record<'female' | 'male', string[]>)[p.sex])] }],
    gender: p.sex,
    birthDate: p.birthDate,
    ...(course.died ? { deceasedDateTime: isoOf(course.lastDay) } : { deceasedBoolean: false }),
    address: [{ country: profile.country }],
  };
}

function staging(ctx: Ctx, dx: number): Observation[] {
  const { tnm } = ctx.p;
  const method = { method: concept(coding(SNOMED, '897275008', 'American Joint Commission on Cancer, Cancer Staging Manual, 8th edition neoplasm staging system')) };
  const focus = { focus: [{ reference: ctx.ref.condition }] };
  const day = dx + 3;
  return [
    observation(ctx, 'stage-t', coding(LOINC, '21905-5', 'Primary tumor.clinical [Class] Cancer'), 'exam', day, { ...focus, ...method, valueCodeableConcept: concept(coding(AJCC, `c${tnm.t}`, tnm.t)) }, 'mcode-tnm-primary-tumor-category'),
    observation(ctx, 'stage-n', coding(LOINC, '21906-3', 'Regional lymph nodes.clinical [Class] Cancer'), 'exam', day, { ...focus, ...method, valueCodeableConcept: concept(coding(AJCC, `c${tnm.n}`, tnm.n)) }, 'mcode-tnm-regional-nodes-category'),
    observation(ctx, 'stage-m', coding(LOINC, '21907-1', 'Distant metastases.clinical [Class] Cancer'), 'exam', day, { ...focus, ...method, valueCodeableConcept: concept(coding(AJCC, `c${tnm.m}`, tnm.m)) }, 'mcode-tnm-distant-metastases-category'),
    observation(ctx, 'stage-group', coding(LOINC, '21908-9', 'Stage group.clinical Cancer'), 'exam', day, { ...focus, ...method, valueCodeableConcept: concept(coding(AJCC, tnm.group, `Stage ${tnm.group}`)) }, 'mcode-tnm-stage-group'),
  ];
}

function markers(ctx: Ctx, dx: number, calls: readonly SomaticCall[] | undefined, tmbPerMb: number | undefined): Observation[] {
  const { p } = ctx;
  const out: Observation[] = [];
  const day = dx + 5;
  if (p.breast && p.recorded.receptors) {
    const lab = (id: string, code: Coding, positive: boolean, pos: Coding, neg: Coding) =>
      observation(ctx, id, code, 'laboratory', day, { valueCodeableConcept: concept(positive ? pos : neg) }, 'mcode-tumor-marker-test');
    out.push(lab('er', coding(LOINC, '85337-4', 'Estrogen receptor Ag [Presence] in Breast cancer specimen by Immune stain'), p.breast.er, POSITIVE, NEGATIVE));
    out.push(lab('pr', coding(LOINC, '85339-0', 'Progesterone receptor Ag [Presence] in Breast cancer specimen by Immune stain'), p.breast.pr, POSITIVE, NEGATIVE));
    out.push(lab('her2', coding(LOINC, '48676-1', 'HER2 [Interpretation] in Tissue'), p.breast.her2, coding(LOINC, 'LA6576-8', 'Positive'), coding(LOINC, 'LA6577-6', 'Negative')));
  }
  if (p.msiTested || (p.sequenced && p.cancer === 'colorectal')) {
    const value = p.msiH ? coding(LOINC, 'LA26203-2', 'MSI-H') : coding(LOINC, 'LA14122-8', 'Stable');
    out.push(observation(ctx, 'msi', coding(LOINC, '81695-9', 'Microsatellite instability [Interpretation] in Cancer specimen Qualitative'), 'laboratory', day + 9, { valueCodeableConcept: concept(value) }));
  }
  if (calls && tmbPerMb !== undefined) {
    out.push(
      observation(ctx, 'tmb', coding(LOINC, '94077-5', 'Tumor mutation burden [Interpretation] in Cancer specimen'), 'laboratory', dx + 14, {
        valueQuantity: { value: Math.round(tmbPerMb * 100) / 100, unit: 'mutations/Mb', system: 'http://unitsofmeasure.org', code: '{mutations}/1000000{Base}' },
      }),
    );
    for (const call of calls) {
      if (!call.hotspot || call.filter !== 'PASS') continue;
      const h = HOTSPOTS[call.hotspot];
      out.push(
        observation(ctx, `variant-${h.key.toLowerCase().replace(/_/g, '-')}`, coding(LOINC, '69548-6', 'Genetic variant assessment'), 'laboratory', dx + 14, {
          valueCodeableConcept: concept(coding(LOINC, 'LA9633-4', 'Present')),
          component: [
            { code: concept(coding(LOINC, '48018-6', 'Gene studied [ID]')), valueCodeableConcept: concept(coding(HGNC, h.hgncId, h.gene)) },
            { code: concept(coding(LOINC, '81290-9', 'Genomic DNA change (gHGVS)')), valueCodeableConcept: concept(coding(HGVS, h.genomicHgvs)) },
            { code: concept(coding(LOINC, '48004-6', 'DNA change (c.HGVS)')), valueCodeableConcept: concept(coding(HGVS, `${h.refseqTranscript}:${h.hgvsc}`)) },
            { code: concept(coding(LOINC, '48005-3', 'Amino acid change (pHGVS)')), valueCodeableConcept: concept(coding(HGVS, h.hgvsp)) },
            { code: concept(coding(LOINC, '48002-0', 'Genomic source class [Type]')), valueCodeableConcept: concept(coding(LOINC, 'LA6684-0', 'Somatic')) },
            { code: concept(coding(LOINC, '81258-6', 'Sample variant allelic frequency [NFr]')), valueQuantity: { value: Math.round((call.altCount / call.depth) * 1000) / 1000, system: 'http://unitsofmeasure.org', code: '1' } },
          ],
        }, 'mcode-genomic-variant'),
      );
    }
  }
  return out;
}

function medicationRequests(ctx: Ctx, line: TherapyLine, palliative: boolean): MedicationRequest[] {
  const r = regimen(line.regimen);
  const intent = palliative ? coding(SNOMED, '363676003', 'Palliative - procedure intent') : coding(SNOMED, '373808002', 'Curative - procedure intent');
  return r.drugs.map((drug) => ({
    resourceType: 'MedicationRequest',
    id: `${ctx.p.id}-line${line.line}-${drug.name}`,
    meta: { profile: [`${MCODE}/mcode-cancer-related-medication-request`] },
    extension: [
      { url: `${MCODE}/mcode-procedure-intent`, valueCodeableConcept: concept(intent) },
      { url: `${SANGAM_EXTENSION}/line-of-therapy`, valuePositiveInt: line.line },
    ],
    status: line.status,
    ...(line.stopReason ? { statusReason: concept(STOP_REASONS[line.stopReason]) } : {}),
    intent: 'order',
    groupIdentifier: { system: `urn:sangam:site:${ctx.p.siteId}:regimen`, value: `${ctx.p.id}-line${line.line}` },
    medicationCodeableConcept: concept(coding(RXNORM, drug.rxnorm, drug.name), drug.name),
    subject: { reference: ctx.ref.patient },
    authoredOn: isoOf(line.decisionDay),
    reasonReference: [{ reference: ctx.ref.condition }],
    dosageInstruction: [
      {
        text: r.name,
        timing: { repeat: { boundsPeriod: { start: isoOf(line.startDay), ...(line.endDay !== undefined ? { end: isoOf(line.endDay) } : {}) } } },
      },
    ],
  }));
}

export interface BundleInputs {
  p: PatientBiology;
  profile: SiteProfile;
  course: PatientCourse;
  /** somatic calls when the patient was sequenced */
  calls?: readonly SomaticCall[];
  tmbPerMb?: number;
  rng: Rng;
}

/** The patient's transaction Bundle (PUT per resource, so re-importing it is idempotent). */
export function patientBundle({ p, profile, course, calls, tmbPerMb, rng }: BundleInputs): Bundle {
  const dx = dayOf(p.diagnosisDate);
  const ctx: Ctx = { p, ref: { patient: `Patient/${p.id}`, condition: `Condition/${p.id}-primary-cancer` } };
  const codes = CANCER_CODES[p.cancer];
  const resources: Resource[] = [patientResource(p, profile, course, rng)];
  resources.push({
    resourceType: 'Condition',
    id: `${p.id}-primary-cancer`,
    meta: { profile: [`${MCODE}/mcode-primary-cancer-condition`] },
    extension: [{ url: `${MCODE}/mcode-histology-morphology-behavior`, valueCodeableConcept: concept(codes.histology) }],
    clinicalStatus: concept(coding('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active')),
    verificationStatus: concept(coding('http://terminology.hl7.org/CodeSystem/condition-ver-status', 'confirmed')),
    category: [concept(coding('http://terminology.hl7.org/CodeSystem/condition-category', 'problem-list-item'))],
    code: { coding: [codes.snomed, codes.icd10] },
    bodySite: [concept(codes.site)],
    subject: { reference: ctx.ref.patient },
    onsetDateTime: p.diagnosisDate,
    recordedDate: p.diagnosisDate,
  });
  if (p.recorded.stage) resources.push(...staging(ctx, dx));
  if (p.recorded.ecog) {
    const answer = ECOG_ANSWERS[p.ecog] as string;
    resources.push(
      observation(ctx, 'ecog', coding(LOINC, '89247-1', 'ECOG Performance Status score'), 'survey', dx + 7, { valueCodeableConcept: concept(coding(LOINC, answer, String(p.ecog))) }, 'mcode-ecog-performance-status'),
    );
  }
  resources.push(...markers(ctx, dx, calls, tmbPerMb));
  for (const line of course.lines) resources.push(...medicationRequests(ctx, line, p.stage === 4));
  course.statuses.forEach((s, i) => {
    resources.push(
      observation(ctx, `disease-status-${i + 1}`, coding(LOINC, '97509-4', 'Cancer disease progression'), 'exam', s.day, {
        focus: [{ reference: ctx.ref.condition }],
        valueCodeableConcept: concept(TREND_CODES[s.trend]),
      }, 'mcode-cancer-disease-status'),
    );
  });
  const entry: BundleEntry[] = resources.map((resource) => ({
    resource,
    request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
  }));
  return { resourceType: 'Bundle', type: 'transaction', entry };
}
