/**
 * Which Disease Ontology term a patient's cancer is, and how a CIViC evidence item's disease
 * relates to it. The patient's DOID comes from the mCODE PrimaryCancerCondition's codes (SNOMED CT
 * through DO's cross-references or the project's map, ICD-10 by category), else the mCODE mapper's
 * cancer type, and is then narrowed by the histology (ICD-O-3 / SNOMED morphology) when DO has the
 * subtype: NSCLC with adenocarcinoma histology is lung adenocarcinoma (DOID:3910).
 */
import { z } from 'zod';
import type { DiseaseOntology } from './disease-ontology.ts';

const DOID = z.string().regex(/^DOID:\d+$/, 'expected DOID:<digits>');

/** A table whose keys starting with `_` are notes for people. */
const Table = <T extends z.ZodType>(value: T) =>
  z.record(z.string(), z.unknown()).transform((rec, ctx) => {
    const out = new Map<string, z.output<T>>();
    for (const [k, v] of Object.entries(rec)) {
      if (k.startsWith('_')) continue;
      const parsed = value.safeParse(v);
      if (parsed.success) out.set(k, parsed.data);
      else ctx.addIssue({ code: 'custom', message: `${k}: ${parsed.error.issues[0]?.message}`, path: [k] });
    }
    return out;
  });

export const DiseaseMapSchema = z.object({
  snomed: Table(z.object({ doid: DOID, why: z.string() })),
  icd10: Table(DOID),
  cancerType: Table(DOID),
  morphology: Table(z.array(z.string().min(1))),
  refinements: Table(z.array(DOID)),
  extraParents: Table(z.object({ parents: z.array(DOID), why: z.string() })),
  panCancer: z.object({ anyCancer: z.array(DOID), solidTumourNames: z.array(z.string()), liquidRoots: z.array(DOID) }),
});
export type DiseaseMap = z.output<typeof DiseaseMapSchema>;

export interface DiseaseKnowledge {
  ontology: DiseaseOntology;
  map: DiseaseMap;
}

/** A coding as FHIR gives it (the mCODE mapper's `Code`). */
export interface CodeRef {
  system?: string;
  code?: string;
  display?: string;
}

/** The patient's cancer as the mCODE mapper summarises it (`CancerCondition`). */
export interface PatientCancer {
  /** all codings of Condition.code */
  codes: readonly CodeRef[];
  /** the mapper's coarse type (`lung`, `colorectal`, …) */
  cancerType?: string;
  /** ICD-O-3 or SNOMED morphology from the histology-morphology-behavior extension */
  histology?: CodeRef;
}

export interface PatientDisease {
  /** undefined when nothing in the record maps to a DOID */
  doid?: string;
  name?: string;
  /** how the DOID was reached, step by step */
  basis: string[];
  /** the DOID and its ancestors */
  lineage: ReadonlySet<string>;
  /** solid tumour (not under a liquid root such as hematologic cancer); undefined when the DOID is unknown */
  solid?: boolean;
}

/** How an evidence item's disease stands to the patient's: all but `other` count as the patient's tumour type. */
export type DiseaseRelation = 'same' | 'broader' | 'narrower' | 'pan-cancer' | 'other';

const SNOMED = /snomed/i;
const ICD10 = /icd-10|icd10/i;

function deepest(ids: readonly string[], ontology: DiseaseOntology): string | undefined {
  return [...ids].sort((a, b) => ontology.lineage(b).size - ontology.lineage(a).size || a.localeCompare(b))[0];
}

function shallowest(ids: readonly string[], ontology: DiseaseOntology): string | undefined {
  return [...ids].sort((a, b) => ontology.lineage(a).size - ontology.lineage(b).size || a.localeCompare(b))[0];
}

function fromCode(c: CodeRef, k: DiseaseKnowledge): { doid: string; basis: string } | undefined {
  if (!c.code) return undefined;
  if (!c.system || SNOMED.test(c.system)) {
    // a code DO cross-references under several terms is read as the most general of them
    const xref = shallowest(k.ontology.bySnomed(c.code), k.ontology);
    if (xref) return { doid: xref, basis: `SNOMED CT ${c.code} → ${xref} (Disease Ontology cross-reference)` };
    const mapped = k.map.snomed.get(c.code);
    if (mapped) return { doid: mapped.doid, basis: `SNOMED CT ${c.code} → ${mapped.doid} (${mapped.why})` };
  }
  if (c.system && ICD10.test(c.system)) {
    const doid = k.map.icd10.get(c.code.slice(0, 3).toUpperCase());
    if (doid) return { doid, basis: `ICD-10 ${c.code} → ${doid} (category ${c.code.slice(0, 3)})` };
  }
  return undefined;
}

/** The patient's cancer as a DOID with its ancestry, and the steps that led there. */
export function resolvePatientDisease(cancer: PatientCancer, k: DiseaseKnowledge): PatientDisease {
  const { ontology } = k;
  const anyCancer = new Set(k.map.panCancer.anyCancer);
  const found = cancer.codes.map((c) => fromCode(c, k)).filter((x) => x !== undefined);
  const bestId = deepest(found.map((x) => x.doid), ontology);
  const best = found.find((f) => f.doid === bestId);
  const basis: string[] = best ? [best.basis] : [];
  let doid = best?.doid;
  // a code that says only "malignant neoplasm" leaves the mapper's type (read from the body site) to decide
  if ((!doid || anyCancer.has(doid)) && cancer.cancerType) {
    const typed = k.map.cancerType.get(cancer.cancerType);
    if (typed) {
      doid = typed;
      basis.push(`cancer type ${cancer.cancerType} → ${typed}`);
    }
  }
  const morphology = cancer.histology?.code;
  if (doid && morphology) {
    for (const [cls, codes] of k.map.morphology) {
      if (!codes.includes(morphology)) continue;
      const current = doid;
      const subtypes = (k.map.refinements.get(cls) ?? []).filter((r) => r !== current && ontology.lineage(r).has(current));
      const refined = deepest(subtypes, ontology);
      if (refined) {
        doid = refined;
        basis.push(`histology ${morphology} (${cls}) → ${refined}`);
      }
      break;
    }
  }
  if (!doid) return { basis: ['no code, cancer type or histology in the record maps to a Disease Ontology term'], lineage: new Set() };
  const lineage = ontology.lineage(doid);
  const name = ontology.nameOf(doid);
  return {
    doid,
    ...(name ? { name } : {}),
    basis,
    lineage,
    solid: !k.map.panCancer.liquidRoots.some((root) => lineage.has(root)),
  };
}

/**
 * `same`: the item's disease is the patient's; `broader`: an ancestor of it (NSCLC evidence for a
 * lung adenocarcinoma); `narrower`: a subtype of it (lung adenocarcinoma evidence for a patient
 * coded only as lung cancer), as PCGR matches by tumour site; `pan-cancer`: DOID:162 cancer, or
 * CIViC's 'Solid Tumor' for a solid tumour; `other` otherwise.
 */
export function relateDisease(evidence: { name: string; doid?: string }, patient: PatientDisease, k: DiseaseKnowledge): DiseaseRelation {
  const { panCancer } = k.map;
  if (!evidence.doid) return panCancer.solidTumourNames.includes(evidence.name) && patient.solid === true ? 'pan-cancer' : 'other';
  const e = k.ontology.canonical(evidence.doid);
  if (panCancer.anyCancer.includes(e)) return 'pan-cancer';
  if (!patient.doid) return 'other';
  if (e === patient.doid) return 'same';
  if (patient.lineage.has(e)) return 'broader';
  // a patient known only to have "cancer" is not narrowed to every subtype
  if (!panCancer.anyCancer.includes(patient.doid) && k.ontology.lineage(e).has(patient.doid)) return 'narrower';
  return 'other';
}

/** Whether evidence with this relation is evidence in the patient's tumour type (PCGR's tier rule). */
export function inTumourType(relation: DiseaseRelation): boolean {
  return relation !== 'other';
}
