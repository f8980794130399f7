/**
 * The clinical summary derived from a patient's mCODE-coded FHIR record.
 * Every derived value carries the resource it was read from, so a clinician can check it
 * and a model can report which inputs it used.
 */

/** Points at the stored resource a value came from. */
export interface SourceRef {
  resourceType: string;
  id: string;
}

/** A coded value, as found in the source (system and code verbatim). */
export interface Code {
  system?: string;
  code?: string;
  display?: string;
}

/** A value together with where it came from and, for observations, when it was true. */
export interface Derived<T> {
  value: T;
  source: SourceRef;
  /** effective date (YYYY-MM-DD or full dateTime) of the source, when it has one */
  date?: string;
}

export type Sex = 'male' | 'female' | 'other' | 'unknown';

export interface CancerCondition {
  /** all codings of Condition.code */
  codes: Code[];
  /** a coarse cancer type from the code table (e.g. `breast`, `lung`, `colorectal`), when the code is known */
  cancerType?: string;
  /** ICD-O-3 / SNOMED morphology from the histology-morphology-behavior extension */
  histology?: Code;
  bodySite?: Code;
  /** onset, recorded or asserted date, in that order of preference */
  diagnosisDate?: string;
  clinicalStatus?: string;
  source: SourceRef;
}

export type StageType = 'clinical' | 'pathologic' | 'unspecified';

export interface StageValue {
  /** short label such as `T3`, `N3`, `M0`, `IIIC`, read from the code's display or code */
  label: string;
  code: Code;
  type: StageType;
  source: SourceRef;
  date?: string;
}

export interface Staging {
  group?: StageValue;
  t?: StageValue;
  n?: StageValue;
  m?: StageValue;
  /** staging system / method (e.g. AJCC 8th, SNOMED 897275008), when stated */
  method?: Code;
}

export type MarkerName = 'ER' | 'PR' | 'HER2' | 'MSI' | 'TMB' | 'PDL1' | 'KI67' | 'OTHER';

export interface TumorMarker {
  marker: MarkerName;
  /** LOINC (or other) code of the test */
  code: Code;
  /** interpreted status when the value is coded or an interpretation is given */
  status?: 'positive' | 'negative' | 'equivocal' | 'high' | 'low' | 'stable' | 'unknown';
  /** numeric value (e.g. TMB in mut/Mb), when given */
  quantity?: { value: number; unit?: string };
  /** coded value verbatim */
  valueCode?: Code;
  /** free-text value verbatim */
  valueText?: string;
  source: SourceRef;
  date?: string;
}

export interface GenomicVariantFinding {
  /** HGNC symbol, e.g. `EGFR` */
  gene?: string;
  /** HGNC id, e.g. `HGNC:3236`, when coded */
  hgncId?: string;
  hgvsGenomic?: string;
  hgvsCoding?: string;
  hgvsProtein?: string;
  /** somatic / germline when stated (48002-0) */
  genomicSource?: string;
  /** sample allelic frequency (81258-6), when stated */
  alleleFrequency?: number;
  source: SourceRef;
  date?: string;
}

export interface CancerMedication {
  codes: Code[];
  /** RxNorm or other display, for people */
  display?: string;
  status?: string;
  statusReason?: Code;
  /** curative / palliative / supportive, from the procedure-intent extension */
  intent?: Code;
  /** line of therapy (1 = first line), from Sangam's `line-of-therapy` extension */
  line?: number;
  start?: string;
  end?: string;
  /** the FHIR resource type (MedicationRequest, MedicationStatement, MedicationAdministration) */
  source: SourceRef;
}

export type DiseaseTrend =
  | 'improved'
  | 'stable'
  | 'worsened'
  | 'undetermined'
  | 'remission'
  | 'relapse'
  | 'other';

export interface DiseaseStatus {
  date?: string;
  trend: DiseaseTrend;
  code: Code;
  source: SourceRef;
}

export interface ClinicalSummary {
  /** version of the mapper that produced this summary; bump it when the mapping changes */
  mapperVersion: string;
  patientId: string;
  sex?: Derived<Sex>;
  birthDate?: Derived<string>;
  deceased?: Derived<boolean>;
  deceasedDate?: Derived<string>;
  /** US Core race / ethnicity categories and any population-group code on the Patient */
  populationGroups: Derived<Code>[];
  primaryCancer?: CancerCondition;
  secondaryCancers: CancerCondition[];
  /** whole years between birth date and the primary cancer's diagnosis date */
  ageAtDiagnosis?: Derived<number>;
  staging: Staging;
  /** most recent ECOG (89247-1) score */
  ecog?: Derived<number>;
  /** most recent Karnofsky (89243-0) score */
  karnofsky?: Derived<number>;
  tumorMarkers: TumorMarker[];
  variants: GenomicVariantFinding[];
  medications: CancerMedication[];
  /** 97509-4 observations, oldest first */
  diseaseStatus: DiseaseStatus[];
}
