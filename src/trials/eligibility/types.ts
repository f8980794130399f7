/**
 * Structured trial eligibility: an and/or/not tree whose leaves are single criteria, after the
 * CTML model of MatchMiner (https://matchminer.org, `matchengine_v1/schema.py`): clinical leaves
 * (age, sex, cancer type, stage, ECOG, prior lines, receptors, MSI, TMB), genomic leaves (gene,
 * protein change, variant category, exon, wild type), plus FHIRPath criteria for what the tree cannot
 * say. Every criterion evaluates to MET, NOT_MET or UNKNOWN (missing data is never "not met").
 */
import type { InputIssue } from '../../errors/domain-error.ts';
import type { ResearchStudy } from '@medplum/fhirtypes';

/** Kleene's strong three-valued logic: UNKNOWN is "the record does not say". */
export type TriState = 'MET' | 'NOT_MET' | 'UNKNOWN';

export type ReceptorMarker = 'ER' | 'PR' | 'HER2';
export type ReceptorStatus = 'positive' | 'negative';
/** Microsatellite status as CTML's `ms_status` names it. */
export type MsiStatus = 'MSI-H' | 'MSI-L' | 'MSS';
export type CancerClass = 'solid' | 'liquid';

/** An inclusive range; a missing bound is open. */
export interface NumberRange {
  min?: number;
  max?: number;
}

export type ClinicalCriterion =
  | { kind: 'age'; range: NumberRange }
  | { kind: 'sex'; sex: 'female' | 'male' }
  /** a coarse cancer type (`breast`) or, with `meta`, the class `solid` / `liquid` (`_SOLID_`, `_LIQUID_`) */
  | { kind: 'cancerType'; value: string; meta: boolean; negated: boolean }
  /** main AJCC stage groups, 0-4 */
  | { kind: 'stage'; groups: number[] }
  | { kind: 'ecog'; range: NumberRange }
  | { kind: 'priorLines'; range: NumberRange }
  | { kind: 'receptor'; marker: ReceptorMarker; status: ReceptorStatus }
  | { kind: 'msi'; status: MsiStatus }
  /** mutations per megabase */
  | { kind: 'tmb'; range: NumberRange };

/**
 * Variant categories. A small-variant VCF shows `mutation` only; the others (copy number,
 * rearrangements) are UNKNOWN from this site's data, never NOT_MET.
 */
export const VARIANT_CATEGORIES = ['mutation', 'amplification', 'deletion', 'fusion', 'any'] as const;
export type VariantCategory = (typeof VARIANT_CATEGORIES)[number];

export interface GenomicCriterion {
  kind: 'genomic';
  /** HGNC symbol */
  gene: string;
  /** short HGVS protein change, `p.L858R` */
  proteinChange?: string;
  category: VariantCategory;
  exon?: number;
  /** the gene must carry no protein-altering variant */
  wildtype: boolean;
}

export interface FhirPathCriterion {
  kind: 'fhirpath';
  /** evaluated over the patient's resources; must give one boolean */
  expression: string;
  description: string;
}

/** A criterion the importer could not read (a Group characteristic, a condition): always UNKNOWN. */
export interface UnmappedCriterion {
  kind: 'unmapped';
  description: string;
}

export type Criterion = ClinicalCriterion | GenomicCriterion | FhirPathCriterion | UnmappedCriterion;

export type EligibilityNode =
  | { op: 'and'; children: EligibilityNode[] }
  | { op: 'or'; children: EligibilityNode[] }
  | { op: 'not'; child: EligibilityNode }
  | { op: 'leaf'; id: string; text: string; criterion: Criterion };

export type LeafNode = Extract<EligibilityNode, { op: 'leaf' }>;

/** A trial in the registry. */
export interface TrialDefinition {
  /** the NCT number when the study has one, else the ResearchStudy id or the eligibility file's id */
  id: string;
  title: string;
  /** ResearchStudy.status (http://hl7.org/fhir/R4/valueset-research-study-status.html) */
  status: string;
  phase?: string;
  conditions: string[];
  eligibility: EligibilityNode;
  /** the free-text criteria, kept for people (never parsed) */
  criteriaText?: string;
  researchStudy?: ResearchStudy;
  /** what the importer could not read, located */
  warnings: InputIssue[];
}
