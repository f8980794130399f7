/**
 * The 39 clinical features of Fed-TCGA-BRCA (FLamby; GDC clinical data of TCGA-BRCA, Liu et al.,
 * Cell 2018), read from an mCODE-coded record. TCGA one-hot encodes each field with a reference
 * level dropped; a record whose value is another level (or unknown) gets zeros for that field.
 * Unknowns are listed as missing. Race and ethnicity come from the US Core race and ethnicity
 * extensions (OMB categories, CDC Race & Ethnicity codes); a record without them takes TCGA's
 * "not reported" level, which is what TCGA records for such patients too.
 */
import type { ClinicalSummary } from '../clinical/mcode/types.ts';
import type { FeatureDefinition, FeatureSchema, FeatureValue } from './feature-schema.ts';

const yes = (b: boolean): FeatureValue => ({ value: b ? 1 : 0 });

/** CDC Race & Ethnicity codes (urn:oid:2.16.840.1.113883.6.238) of the OMB categories TCGA uses. */
const RACE = { asian: '2028-9', black: '2054-5', white: '2106-3' } as const;
const RACES = new Set(['1002-5', '2028-9', '2054-5', '2076-8', '2106-3', '2131-1']);
const ETHNICITY = { hispanic: '2135-2', notHispanic: '2186-5' } as const;

function groupCodes(s: ClinicalSummary): Set<string> {
  return new Set(s.populationGroups.map((g) => g.value.code).filter((c): c is string => !!c));
}

/** One TCGA race level: 1 when the record's OMB race is it; "not reported" when the record states no race. */
function race(level: keyof typeof RACE | 'notReported', description: string, name: string): FeatureDefinition {
  return {
    name,
    description,
    read(s) {
      const codes = groupCodes(s);
      const stated = [...codes].some((c) => RACES.has(c));
      const value = level === 'notReported' ? !stated : codes.has(RACE[level]);
      return { value: value ? 1 : 0, ...(stated ? {} : { missing: 'no US Core race on the Patient; "not reported" used' }) };
    },
  };
}

function ethnicity(level: 'notHispanic' | 'notReported', description: string, name: string): FeatureDefinition {
  return {
    name,
    description,
    read(s) {
      const codes = groupCodes(s);
      const stated = codes.has(ETHNICITY.hispanic) || codes.has(ETHNICITY.notHispanic);
      const value = level === 'notReported' ? !stated : codes.has(ETHNICITY.notHispanic);
      return { value: value ? 1 : 0, ...(stated ? {} : { missing: 'no US Core ethnicity on the Patient; "not reported" used' }) };
    },
  };
}

function stageLabel(s: ClinicalSummary, part: 'group' | 't' | 'n' | 'm'): string | undefined {
  // labels are `IIA`, `T2`, `cT2`, `pN1a`, `Stage IIA`: reduce to TCGA's form
  const label = s.staging[part]?.label.replace(/^Stage\s+/i, '').replace(/^[cpy]+(?=[TNM0-9])/, '');
  return label?.toUpperCase().replace(/\s+/g, '');
}

function oneHot(part: 'group' | 't' | 'n' | 'm', level: string, display: string): FeatureDefinition {
  const name = `${part === 'group' ? 'stage' : part.toUpperCase()} ${level}`;
  return {
    name: `ajcc_pathologic_${part === 'group' ? 'stage' : part}_${display}`,
    description: `AJCC ${part === 'group' ? 'stage group' : `${part.toUpperCase()} category`} is ${level} (TCGA ${name})`,
    read(s) {
      const label = stageLabel(s, part);
      if (label === undefined) return { value: 0, missing: `no ${part === 'group' ? 'stage group' : `${part.toUpperCase()} category`}; reference level assumed` };
      return yes(label === level.toUpperCase().replace(/\s+/g, ''));
    },
  };
}

const DUCTAL = new Set(['8500/3', '82711006']); // ICD-O-3; SNOMED "Infiltrating duct carcinoma"
const LOBULAR = new Set(['8520/3', '89740008']); // ICD-O-3; SNOMED "Lobular carcinoma"

function histologyIs(codes: ReadonlySet<string>): (s: ClinicalSummary) => FeatureValue {
  return (s) => {
    const code = s.primaryCancer?.histology?.code;
    if (!code) return { value: 0, missing: 'no histology on the primary cancer; other morphology assumed' };
    return yes(codes.has(code));
  };
}

function oldStage(level: string): FeatureDefinition {
  return {
    name: `tumor_stage_stage ${level}`,
    description: `legacy TCGA tumor_stage field is stage ${level.toUpperCase()} (read from the AJCC stage group)`,
    read(s) {
      const label = stageLabel(s, 'group');
      if (label === undefined) return { value: 0, missing: 'no stage group; reference level assumed' };
      return yes(label === level.toUpperCase());
    },
  };
}

function edition(n: string): FeatureDefinition {
  return {
    name: `ajcc_staging_system_edition_${n}`,
    description: `staging used the AJCC ${n} edition (read from the staging method's display)`,
    read(s) {
      const text = `${s.staging.method?.display ?? ''} ${s.staging.method?.code ?? ''}`;
      if (!s.staging.method) return { value: 0, missing: 'no staging method; another edition assumed' };
      return yes(new RegExp(`\\b${n}\\b`, 'i').test(text));
    },
  };
}

const features: FeatureDefinition[] = [
  {
    name: 'age_at_index',
    description: 'age in years at diagnosis',
    read: (s) => (s.ageAtDiagnosis ? { value: s.ageAtDiagnosis.value } : { value: 58.4, missing: 'no age at diagnosis; the TCGA-BRCA training mean (58.4) used' }),
  },
  ethnicity('notHispanic', 'US Core ethnicity is Not Hispanic or Latino (2186-5)', 'ethnicity_not hispanic or latino'),
  ethnicity('notReported', 'no US Core ethnicity on the record', 'ethnicity_not reported'),
  race('asian', 'US Core OMB race is Asian (2028-9)', 'race_asian'),
  race('black', 'US Core OMB race is Black or African American (2054-5)', 'race_black or african american'),
  race('notReported', 'no US Core race on the record', 'race_not reported'),
  race('white', 'US Core OMB race is White (2106-3)', 'race_white'),
  oneHot('m', 'MX', 'MX'),
  oneHot('n', 'N0(I-)', 'N0 (i-)'),
  oneHot('n', 'N1', 'N1'),
  oneHot('n', 'N1A', 'N1a'),
  oneHot('n', 'N2', 'N2'),
  oneHot('n', 'N2A', 'N2a'),
  oneHot('group', 'IA', 'Stage IA'),
  oneHot('group', 'IIA', 'Stage IIA'),
  oneHot('group', 'IIB', 'Stage IIB'),
  oneHot('group', 'IIIA', 'Stage IIIA'),
  oneHot('group', 'IIIC', 'Stage IIIC'),
  oneHot('t', 'T1C', 'T1c'),
  oneHot('t', 'T2', 'T2'),
  oneHot('t', 'T3', 'T3'),
  edition('5th'),
  edition('6th'),
  edition('7th'),
  {
    name: 'icd_10_code_C50.9',
    description: 'ICD-10 code of the primary cancer is C50.9 (breast, unspecified site), including ICD-10-CM C50.9xx',
    read(s) {
      const icd = s.primaryCancer?.codes.find((c) => /icd-?10/i.test(c.system ?? ''))?.code;
      if (!icd) return { value: 0, missing: 'no ICD-10 code on the primary cancer; a specific site assumed' };
      return yes(icd.startsWith('C50.9'));
    },
  },
  { name: 'morphology_8500/3', description: 'ICD-O-3 morphology 8500/3, infiltrating duct carcinoma (or SNOMED 82711006)', read: histologyIs(DUCTAL) },
  { name: 'morphology_8520/3', description: 'ICD-O-3 morphology 8520/3, lobular carcinoma (or SNOMED 89740008)', read: histologyIs(LOBULAR) },
  { name: 'primary_diagnosis_Infiltrating duct carcinoma, NOS', description: 'primary diagnosis infiltrating duct carcinoma (same source as the morphology)', read: histologyIs(DUCTAL) },
  { name: 'primary_diagnosis_Lobular carcinoma, NOS', description: 'primary diagnosis lobular carcinoma (same source as the morphology)', read: histologyIs(LOBULAR) },
  { name: 'prior_malignancy_yes', description: 'a malignancy before this one', read: () => ({ value: 0, missing: 'prior malignancies are not read from the record yet; "no" used' }) },
  { name: 'synchronous_malignancy_Not Reported', description: 'synchronous malignancy not reported', read: () => ({ value: 1, missing: 'synchronous malignancies are not read from the record yet; "not reported" used' }) },
  {
    name: 'treatment_or_therapy_not reported',
    description: 'no treatment recorded',
    read: (s) => yes(s.medications.length === 0),
  },
  { name: 'treatment_or_therapy_yes', description: 'a cancer-related medication is recorded', read: (s) => yes(s.medications.length > 0) },
  oldStage('i'),
  oldStage('ia'),
  oldStage('iia'),
  oldStage('iib'),
  oldStage('iiia'),
  oldStage('iiic'),
];

export const TCGA_BRCA_SCHEMA: FeatureSchema = {
  id: 'tcga-brca-clinical',
  version: '1',
  description: 'the 39 clinical features of Fed-TCGA-BRCA (FLamby), read from mCODE-coded FHIR',
  features,
};
