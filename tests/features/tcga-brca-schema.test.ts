import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Patient, Resource } from '@medplum/fhirtypes';
import { loadCodeTables } from '../../src/clinical/mcode/code-tables.ts';
import { mapClinicalSummary } from '../../src/clinical/mcode/map-clinical-summary.ts';
import { generateSitePatients } from '../../src/cohort/generate.ts';
import { builtInProfiles } from '../../src/cohort/profiles.ts';
import { assembleFeatures } from '../../src/features/feature-schema.ts';
import { TCGA_BRCA_SCHEMA } from '../../src/features/tcga-brca-schema.ts';
import { loadTcgaBrca } from '../../src/training/tcga-brca.ts';

const codes = loadCodeTables();
const IDENTITY = { mean: [], sd: [] };

describe('tcga-brca-clinical@1', () => {
  it('has the 39 columns of Fed-TCGA-BRCA, in order', () => {
    assert.deepEqual(TCGA_BRCA_SCHEMA.features.map((f) => f.name), loadTcgaBrca().columns);
  });

  it('reads a US breast-cancer record: age, US Core race and ethnicity, stage, T, N, morphology, treatment', () => {
    const us = builtInProfiles().find((p) => p.id === 'us-northeast')!;
    const p = generateSitePatients(us, 60, 4).patients.find((x) => x.biology.cancer === 'breast' && x.biology.recorded.race && x.course.lines.length > 0)!;
    const resources = (p.bundle.entry ?? []).map((e) => e.resource as Resource);
    const summary = mapClinicalSummary(p.biology.id, resources, codes);
    const f = assembleFeatures(TCGA_BRCA_SCHEMA, summary, IDENTITY);
    const value = (name: string) => f.raw[TCGA_BRCA_SCHEMA.features.findIndex((d) => d.name === name)];

    // expected values read straight from the Bundle
    const patient = resources.find((r): r is Patient => r.resourceType === 'Patient')!;
    const raceCode = patient.extension?.find((e) => e.url.endsWith('us-core-race'))?.extension?.find((e) => e.url === 'ombCategory')?.valueCoding?.code;
    const ethCode = patient.extension?.find((e) => e.url.endsWith('us-core-ethnicity'))?.extension?.find((e) => e.url === 'ombCategory')?.valueCoding?.code;
    assert.ok(raceCode && ethCode, 'the US profile writes US Core race and ethnicity');
    assert.equal(value('age_at_index'), summary.ageAtDiagnosis!.value);
    assert.equal(value('race_white'), raceCode === '2106-3' ? 1 : 0);
    assert.equal(value('race_asian'), raceCode === '2028-9' ? 1 : 0);
    assert.equal(value('race_black or african american'), raceCode === '2054-5' ? 1 : 0);
    assert.equal(value('race_not reported'), 0);
    assert.equal(value('ethnicity_not hispanic or latino'), ethCode === '2186-5' ? 1 : 0);
    assert.equal(value('ethnicity_not reported'), 0);
    assert.ok(!f.missing.some((m) => m.feature.startsWith('race') || m.feature.startsWith('ethnicity')));
    const group = p.biology.tnm.group.replace(/^Stage\s+/i, '');
    assert.equal(value('ajcc_pathologic_stage_Stage IIA'), group === 'IIA' ? 1 : 0);
    assert.equal(value('tumor_stage_stage iia'), group === 'IIA' ? 1 : 0);
    assert.equal(value('ajcc_pathologic_t_T2'), p.biology.tnm.t === 'T2' ? 1 : 0);
    assert.equal(value('morphology_8500/3'), 1, 'the generator codes breast histology as infiltrating duct carcinoma (SNOMED 82711006)');
    assert.equal(value('icd_10_code_C50.9'), 1, 'ICD-10-CM C50.919 is under C50.9');
    assert.equal(value('treatment_or_therapy_yes'), 1);
    assert.deepEqual(f.missing.map((m) => m.feature).sort(), ['prior_malignancy_yes', 'synchronous_malignancy_Not Reported']);
  });

  it('falls back to "not reported" for race and ethnicity, and says so, when the record has none', () => {
    const india = builtInProfiles()[0]!;
    const p = generateSitePatients(india, 40, 4).patients.find((x) => x.biology.cancer === 'breast')!;
    const summary = mapClinicalSummary(p.biology.id, (p.bundle.entry ?? []).map((e) => e.resource as Resource), codes);
    const f = assembleFeatures(TCGA_BRCA_SCHEMA, summary, IDENTITY);
    const value = (name: string) => f.raw[TCGA_BRCA_SCHEMA.features.findIndex((d) => d.name === name)];
    assert.equal(value('race_not reported'), 1);
    assert.equal(value('ethnicity_not reported'), 1);
    assert.ok(f.missing.some((m) => m.feature === 'race_not reported'));
  });
});
