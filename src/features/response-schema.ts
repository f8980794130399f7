/**
 * Inputs of the therapy-response model: what the treating team knows about the patient (from the
 * clinical summary, including GenomicVariant observations written by VCF import) and the candidate
 * regimen. Unknown values are imputed (0 after standardisation) and flagged by an indicator, and
 * each one is reported as missing.
 */
import type { ClinicalSummary } from '../clinical/mcode/types.ts';
import type { FeatureDefinition, FeatureSchema, FeatureValue } from './feature-schema.ts';

const STAGE: Readonly<Record<string, number>> = { I: 1, II: 2, III: 3, IV: 4 };

function stageNumber(s: ClinicalSummary): number | undefined {
  const label = s.staging.group?.label.replace(/^Stage\s+/i, '').replace(/^[cpy]+/, '').toUpperCase();
  const roman = label?.match(/^(IV|III|II|I)/)?.[1];
  return roman ? STAGE[roman] : undefined;
}

function marker(s: ClinicalSummary, name: 'ER' | 'PR' | 'HER2' | 'MSI'): 'positive' | 'negative' | undefined {
  const m = [...s.tumorMarkers].reverse().find((x) => x.marker === name);
  if (!m?.status) return undefined;
  if (m.status === 'positive' || m.status === 'high') return 'positive';
  if (m.status === 'negative' || m.status === 'stable' || m.status === 'low') return 'negative';
  return undefined;
}

function hasVariant(s: ClinicalSummary, gene: string, protein?: RegExp): boolean {
  return s.variants.some((v) => v.gene === gene && (!protein || protein.test(v.hgvsProtein ?? '')));
}

/** Whether the tumour was sequenced: any GenomicVariant or TMB observation. */
function sequenced(s: ClinicalSummary): boolean {
  return s.variants.length > 0 || s.tumorMarkers.some((m) => m.marker === 'TMB');
}

function known(name: string, description: string, read: (s: ClinicalSummary) => number | undefined, fallback: number): FeatureDefinition[] {
  return [
    {
      name,
      description,
      read(s): FeatureValue {
        const v = read(s);
        return v === undefined ? { value: fallback, missing: `${name} unknown; ${fallback} used and ${name}_unknown set` } : { value: v };
      },
    },
    { name: `${name}_unknown`, description: `1 when ${name} is not in the record`, read: (s) => ({ value: read(s) === undefined ? 1 : 0 }) },
  ];
}

function gene(name: string, geneSymbol: string, protein?: RegExp): FeatureDefinition {
  return {
    name,
    description: `${geneSymbol}${protein ? ` ${protein.source}` : ''} reported (0 when not sequenced; see sequenced)`,
    read: (s) => ({ value: hasVariant(s, geneSymbol, protein) ? 1 : 0 }),
  };
}

/** Regimens the response model knows, in encoding order (the synthetic cohort's formulary, RxNorm-coded). */
export const RESPONSE_REGIMENS = [
  'carboplatin-pemetrexed', 'docetaxel', 'osimertinib', 'sotorasib', 'pembrolizumab', 'folfox', 'folfiri-cetuximab',
  'folfiri-bevacizumab', 'encorafenib-cetuximab', 'doxorubicin-paclitaxel', 'trastuzumab-paclitaxel', 'letrozole', 'letrozole-palbociclib',
] as const;
export type ResponseRegimen = (typeof RESPONSE_REGIMENS)[number];

const patientFeatures: FeatureDefinition[] = [
  ...known('age_decades', '(age at diagnosis − 60) / 10', (s) => (s.ageAtDiagnosis ? (s.ageAtDiagnosis.value - 60) / 10 : undefined), 0),
  { name: 'female', description: 'administrative sex is female', read: (s) => ({ value: s.sex?.value === 'female' ? 1 : 0, ...(s.sex ? {} : { missing: 'sex unknown; 0 used' }) }) },
  { name: 'lung', description: 'primary cancer is lung', read: (s) => ({ value: s.primaryCancer?.cancerType === 'lung' ? 1 : 0 }) },
  { name: 'colorectal', description: 'primary cancer is colorectal', read: (s) => ({ value: s.primaryCancer?.cancerType === 'colorectal' ? 1 : 0 }) },
  ...known('stage', 'AJCC stage group, 1 to 4', stageNumber, 3),
  ...known('ecog', 'latest ECOG performance status', (s) => s.ecog?.value, 1),
  ...known('er_positive', 'oestrogen receptor positive', (s) => (marker(s, 'ER') === undefined ? undefined : marker(s, 'ER') === 'positive' ? 1 : 0), 0),
  ...known('her2_positive', 'HER2 positive', (s) => (marker(s, 'HER2') === undefined ? undefined : marker(s, 'HER2') === 'positive' ? 1 : 0), 0),
  ...known('msi_high', 'microsatellite instability high', (s) => (marker(s, 'MSI') === undefined ? undefined : marker(s, 'MSI') === 'positive' ? 1 : 0), 0),
  { name: 'sequenced', description: 'a somatic sequencing result is in the record', read: (s) => ({ value: sequenced(s) ? 1 : 0 }) },
  gene('egfr', 'EGFR'),
  gene('kras', 'KRAS'),
  gene('kras_g12c', 'KRAS', /G12C|Gly12Cys/),
  gene('braf_v600e', 'BRAF', /V600E|Val600Glu/),
  gene('pik3ca', 'PIK3CA'),
];

/**
 * The schema for one candidate regimen: the patient's features followed by the regimen's one-hot
 * code and the line of therapy it would be.
 */
export function responseSchema(): FeatureSchema {
  return { id: 'response-features', version: '1', description: 'patient features, regimen one-hot and line of therapy', features: patientFeatures };
}

/** The regimen and line part of the input, appended after the patient features. */
export function regimenEncoding(regimen: ResponseRegimen, line: number): number[] {
  return [...RESPONSE_REGIMENS.map((r) => (r === regimen ? 1 : 0)), line];
}

export const RESPONSE_FEATURE_NAMES = [...patientFeatures.map((f) => f.name), ...RESPONSE_REGIMENS.map((r) => `regimen_${r}`), 'line'];
