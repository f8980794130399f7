import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { CancerCondition } from '../../src/clinical/mcode/types.ts';
import { inTumourType, relateDisease, resolvePatientDisease, type PatientCancer } from '../../src/therapy/disease-matching.ts';
import { loadTherapyKnowledgeBase, type TherapyKnowledgeBase } from '../../src/therapy/knowledge-base.ts';

const SCT = 'http://snomed.info/sct';
// the codes the cohort generator writes (src/cohort/fhir-bundle.ts) and the mCODE code table knows
const LUNG_ADENO: PatientCancer = { codes: [{ system: SCT, code: '254637007' }], cancerType: 'lung', histology: { system: SCT, code: '35917007' } };
const COLON_ADENO: PatientCancer = { codes: [{ system: SCT, code: '363406005' }], cancerType: 'colorectal', histology: { system: SCT, code: '35917007' } };
const BREAST: PatientCancer = { codes: [{ system: SCT, code: '254837009' }], cancerType: 'breast', histology: { system: SCT, code: '82711006' } };
const MELANOMA: PatientCancer = { codes: [{ system: SCT, code: '372244006' }], cancerType: 'melanoma' };

// the mCODE mapper's primary cancer is the resolver's input as it is (checked by tsc)
void ((c: CancerCondition): PatientCancer => c);

let kb: TherapyKnowledgeBase;
before(() => {
  kb = loadTherapyKnowledgeBase();
});

const relation = (name: string, doid: string | undefined, cancer: PatientCancer) =>
  relateDisease({ name, ...(doid ? { doid } : {}) }, resolvePatientDisease(cancer, kb.diseases), kb.diseases);

describe('the patient’s cancer as a Disease Ontology term', () => {
  it('reads NSCLC (SNOMED 254637007, DO xref) with adenocarcinoma histology as lung adenocarcinoma', () => {
    const d = resolvePatientDisease(LUNG_ADENO, kb.diseases);
    assert.equal(d.doid, 'DOID:3910');
    assert.equal(d.name, 'lung adenocarcinoma');
    // is_a chain in DO's NCIthesaurus subset: 3910 > 3908 > 3905 > 1324 > 162 > 4
    assert.deepEqual([...d.lineage].sort(), ['DOID:1324', 'DOID:162', 'DOID:3905', 'DOID:3908', 'DOID:3910', 'DOID:4']);
    assert.equal(d.solid, true);
    assert.equal(d.basis.length, 2);
  });

  it('reads colon cancer with adenocarcinoma histology as colon adenocarcinoma, under colorectal cancer', () => {
    const d = resolvePatientDisease(COLON_ADENO, kb.diseases);
    assert.equal(d.doid, 'DOID:234');
    assert.ok(d.lineage.has('DOID:9256'));
    // the project's added edge: a colon adenocarcinoma is a colorectal adenocarcinoma
    assert.ok(d.lineage.has('DOID:0050861'));
  });

  it('falls back on ICD-10 categories and on the mapper’s cancer type', () => {
    assert.equal(resolvePatientDisease({ codes: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'C34.90' }] }, kb.diseases).doid, 'DOID:1324');
    assert.equal(resolvePatientDisease({ codes: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'C18.9' }] }, kb.diseases).doid, 'DOID:219');
    // 363346000 says only "malignant neoplastic disease": the body site's type decides
    assert.equal(resolvePatientDisease({ codes: [{ system: SCT, code: '363346000' }], cancerType: 'lung' }, kb.diseases).doid, 'DOID:1324');
    const none = resolvePatientDisease({ codes: [{ system: SCT, code: '1234567' }] }, kb.diseases);
    assert.equal(none.doid, undefined);
    assert.equal(none.solid, undefined);
  });

  it('does not let a histology that disagrees override the code', () => {
    // small-cell lung cancer with adenocarcinoma histology: lung adenocarcinoma is not a kind of SCLC
    const d = resolvePatientDisease({ codes: [{ system: SCT, code: '254632001' }], histology: { code: '8140/3' } }, kb.diseases);
    assert.equal(d.doid, 'DOID:5409');
  });
});

describe('how an evidence item’s disease relates to the patient’s', () => {
  it('applies NSCLC evidence to a lung adenocarcinoma, and lung adenocarcinoma evidence to it exactly', () => {
    assert.equal(relation('Lung Non-small Cell Carcinoma', 'DOID:3908', LUNG_ADENO), 'broader');
    assert.equal(relation('Lung Adenocarcinoma', 'DOID:3910', LUNG_ADENO), 'same');
    assert.equal(relation('Lung Small Cell Carcinoma', 'DOID:5409', LUNG_ADENO), 'other');
    assert.equal(relation('Colorectal Cancer', 'DOID:9256', LUNG_ADENO), 'other');
  });

  it('applies pan-cancer evidence anywhere and Solid Tumor evidence to solid tumours', () => {
    assert.equal(relation('Cancer', 'DOID:162', LUNG_ADENO), 'pan-cancer');
    assert.equal(relation('Solid Tumor', undefined, COLON_ADENO), 'pan-cancer');
    assert.equal(relation('Cancer', 'DOID:162', { codes: [] }), 'pan-cancer');
    // an unmapped cancer may be a leukaemia
    assert.equal(relation('Solid Tumor', undefined, { codes: [] }), 'other');
    assert.equal(inTumourType('pan-cancer'), true);
    assert.equal(inTumourType('other'), false);
  });

  it('applies a subtype’s evidence to a patient known only by the organ (as PCGR does by tumour site)', () => {
    assert.equal(relation('Her2-receptor Positive Breast Cancer', 'DOID:0060079', BREAST), 'narrower');
    assert.equal(relation('Skin Melanoma', 'DOID:8923', MELANOMA), 'narrower');
    assert.equal(relation('Colorectal Adenocarcinoma', 'DOID:0050861', COLON_ADENO), 'broader');
  });
});
