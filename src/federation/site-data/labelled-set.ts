/**
 * Labelled examples as a site keeps them for local training and for testing a new model version:
 * raw feature vectors (each model standardises with its own card), labels, and the subgroups an
 * acceptance test reports on. No patient id travels with an example; `unit` numbers the patients
 * of one set so that per-patient differential privacy can group a patient's examples.
 */
import type { ClinicalSummary } from '../../clinical/mcode/types.ts';

/** Attributes acceptance tests break metrics down by. */
export const SUBGROUP_ATTRIBUTES = ['population', 'sex', 'ageBand'] as const;
export type SubgroupAttribute = (typeof SUBGROUP_ATTRIBUTES)[number];
export type SubgroupTags = Readonly<Record<SubgroupAttribute, string>>;

/** One patient's survival: days from diagnosis to death (event 1) or to last contact (event 0). */
export interface PrognosisExample {
  features: number[];
  time: number;
  event: 0 | 1;
  subgroups: SubgroupTags;
  unit: number;
}

/** One line of therapy: the patient's features, the regimen's encoding, and whether it responded. */
export interface ResponseExample {
  features: number[];
  label: 0 | 1;
  subgroups: SubgroupTags;
  unit: number;
}

/** A task's examples with the feature schema their vectors follow. */
export type LabelledSet =
  | { task: 'prognosis'; featureSchema: string; examples: PrognosisExample[] }
  | { task: 'response'; featureSchema: string; examples: ResponseExample[] };

/** Age bands at diagnosis, wide enough that a site's subgroups are not tiny. */
export function ageBandOf(age: number | undefined): string {
  if (age === undefined) return 'unknown';
  if (age < 50) return '<50';
  if (age < 65) return '50-64';
  return '65+';
}

// US Core ethnicity codes (CDC Race & Ethnicity): not a population group on their own
const ETHNICITY_CODES = new Set(['2135-2', '2186-5']);

/**
 * Subgroup tags of a patient: the first recorded race or population group (its display, else its
 * code), administrative sex, and the age band at diagnosis; `not recorded`/`unknown` when absent.
 */
export function subgroupTagsOf(summary: ClinicalSummary): SubgroupTags {
  const group = summary.populationGroups.find((g) => !ETHNICITY_CODES.has(g.value.code ?? ''))?.value;
  return {
    population: group?.display ?? group?.code ?? 'not recorded',
    sex: summary.sex?.value ?? 'unknown',
    ageBand: ageBandOf(summary.ageAtDiagnosis?.value),
  };
}
