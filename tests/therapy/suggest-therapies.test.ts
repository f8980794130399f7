/**
 * Hand-checked suggestions. Each expectation cites the CIViC evidence items (EIDs) that justify it,
 * read by hand from src/therapy/data/civic/civic_predictive_evidence.tsv.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { PatientCancer } from '../../src/therapy/disease-matching.ts';
import { loadTherapyKnowledgeBase, type TherapyKnowledgeBase } from '../../src/therapy/knowledge-base.ts';
import { suggestTherapies, type TherapySuggestion } from '../../src/therapy/suggest-therapies.ts';
import type { PatientVariant } from '../../src/therapy/variant-matching.ts';

const SCT = 'http://snomed.info/sct';
// the cohort generator's codes (src/cohort/fhir-bundle.ts): NSCLC, colon cancer, breast cancer; adenocarcinoma histology
const LUNG_ADENO: PatientCancer = { codes: [{ system: SCT, code: '254637007' }], cancerType: 'lung', histology: { system: SCT, code: '35917007' } };
const COLON_ADENO: PatientCancer = { codes: [{ system: SCT, code: '363406005' }], cancerType: 'colorectal', histology: { system: SCT, code: '35917007' } };
const BREAST: PatientCancer = { codes: [{ system: SCT, code: '254837009' }], cancerType: 'breast' };
const MELANOMA: PatientCancer = { codes: [{ system: SCT, code: '372244006' }], cancerType: 'melanoma' };

// calls as the genomics module reads them (annotations as in src/cohort/hotspots.ts)
const EGFR_L858R: PatientVariant = { gene: 'EGFR', hgvsp: 'ENSP00000275493.2:p.Leu858Arg', proteinChange: 'p.L858R', consequence: 'missense_variant', exon: '21/28' };
const EGFR_EX19DEL: PatientVariant = { gene: 'EGFR', hgvsp: 'ENSP00000275493.2:p.Glu746_Ala750del', consequence: 'inframe_deletion', exon: '19/28' };
const KRAS_G12D: PatientVariant = { gene: 'KRAS', proteinChange: 'p.G12D', consequence: 'missense_variant', exon: '2/5' };
const BRAF_V600E: PatientVariant = { gene: 'BRAF', proteinChange: 'p.V600E', consequence: 'missense_variant', exon: '15/18' };
const PIK3CA_H1047R: PatientVariant = { gene: 'PIK3CA', proteinChange: 'p.H1047R', consequence: 'missense_variant', exon: '21/21' };
const NRAS_Q61K: PatientVariant = { gene: 'NRAS', proteinChange: 'p.Q61K', consequence: 'missense_variant' };

let kb: TherapyKnowledgeBase;
before(() => {
  kb = loadTherapyKnowledgeBase();
});

function find(list: TherapySuggestion[], name: string): TherapySuggestion {
  const s = list.find((x) => x.therapy.name === name);
  assert.ok(s, `no suggestion for ${name}`);
  return s;
}
const ids = (list: { id: number }[]) => list.map((e) => e.id);
const includes = (list: { id: number }[], expected: number[], what: string) => {
  for (const id of expected) assert.ok(ids(list).includes(id), `${what} lacks EID ${id}: ${ids(list).join(',')}`);
};

describe('therapy suggestions', () => {
  it('gives an EGFR L858R lung adenocarcinoma the EGFR inhibitors at Tier I', () => {
    const s = suggestTherapies({ cancer: LUNG_ADENO, variants: [EGFR_L858R] }, kb);
    // EID 2994 erlotinib, 2997 afatinib: EGFR L858R, NSCLC, level A; EID 11219 osimertinib and 11241 gefitinib:
    // "EGFR L858R OR EGFR Exon 19 Deletion", NSCLC, level A. NSCLC is the patient's adenocarcinoma's parent.
    for (const [drug, eids] of [['Erlotinib', [2994]], ['Afatinib', [2997]], ['Osimertinib', [11219]], ['Gefitinib', [11241]]] as const) {
      const x = find(s, drug);
      assert.equal(x.tier, 'I', drug);
      assert.equal(x.level, 'A', drug);
      includes(x.evidence, [...eids], drug);
      const e = x.evidence.find((i) => i.id === eids[0]);
      assert.deepEqual([e?.diseaseRelation, e?.tier, e?.variants], ['broader', 'I', [{ index: 0, gene: 'EGFR', proteinChange: 'p.L858R' }]]);
    }
    // EIDs 879, 883, 982: afatinib in lung adenocarcinoma itself, level B
    includes(find(s, 'Afatinib').evidence, [879, 883, 982], 'Afatinib');
    assert.deepEqual(s.slice(0, 4).map((x) => x.tier), ['I', 'I', 'I', 'I']);
    // EID 4288: EGFR L858R, NSCLC, level C resistance to crizotinib: a warning with no tier
    const crizotinib = find(s, 'Crizotinib');
    assert.equal(crizotinib.tier, null);
    includes(crizotinib.resistance, [4288], 'Crizotinib resistance');
  });

  it('matches an EGFR exon 19 deletion by the exon rule', () => {
    const s = suggestTherapies({ cancer: LUNG_ADENO, variants: [EGFR_EX19DEL] }, kb);
    // EID 2995 erlotinib and 2996 afatinib: "EGFR Exon 19 Deletion", NSCLC, level A; 11219 osimertinib by its OR
    includes(find(s, 'Erlotinib').evidence, [2995], 'Erlotinib');
    includes(find(s, 'Afatinib').evidence, [2996], 'Afatinib');
    includes(find(s, 'Osimertinib').evidence, [11219], 'Osimertinib');
    assert.equal(find(s, 'Erlotinib').tier, 'I');
    // L858R-only evidence (EID 2994) does not apply
    assert.ok(!ids(find(s, 'Erlotinib').evidence).includes(2994));
  });

  it('warns of cetuximab and panitumumab resistance in a KRAS G12D colorectal cancer', () => {
    const s = suggestTherapies({ cancer: COLON_ADENO, variants: [KRAS_G12D] }, kb);
    // EID 5345: KRAS Mutation, CRC, level A resistance to cetuximab or panitumumab (Substitutes);
    // EID 993: KRAS Exon 2 Mutation (the exon rule, exon 2/5), level A, cetuximab; EID 2207: KRAS G12D, level B, cetuximab;
    // EID 6363: KRAS G12/G13 (a codon rule), level B, cetuximab or panitumumab; EID 2004: KRAS G12/G13, level B, panitumumab;
    // EID 2193: KRAS G12D, level C, panitumumab
    const cetuximab = find(s, 'Cetuximab');
    const panitumumab = find(s, 'Panitumumab');
    includes(cetuximab.resistance, [5345, 993, 2207, 6363], 'Cetuximab resistance');
    includes(panitumumab.resistance, [5345, 2004, 6363, 2193], 'Panitumumab resistance');
    // nothing matched supports either drug alone in this patient
    assert.deepEqual([cetuximab.tier, cetuximab.evidence.length, panitumumab.tier, panitumumab.evidence.length], [null, 0, null, 0]);
    assert.equal(cetuximab.level, 'A');
    assert.deepEqual(cetuximab.resistance.slice(0, 2).map((e) => e.id), [993, 5345]);
    // EID 134: KRAS G12/G13, level B resistance to chemotherapy + cetuximab, a combination of its own
    includes(find(s, 'Cetuximab + Chemotherapy').resistance, [134], 'Cetuximab + Chemotherapy');
  });

  it('keeps the exon-2 rule open, not absent, when the call has no exon', () => {
    const s = suggestTherapies({ cancer: COLON_ADENO, variants: [{ ...KRAS_G12D, exon: null }] }, kb);
    const cetuximab = find(s, 'Cetuximab');
    assert.ok(!ids(cetuximab.resistance).includes(993));
    const open = cetuximab.notAssessable.find((e) => e.id === 993);
    assert.ok(open);
    assert.match(open.unassessed[0]?.reason ?? '', /no exon/);
  });

  it('gives a BRAF V600E colorectal cancer encorafenib + cetuximab, a combination, at Tier I', () => {
    const s = suggestTherapies({ cancer: COLON_ADENO, variants: [BRAF_V600E] }, kb);
    // EID 9851: BRAF V600E, CRC, level A (BEACON), Encorafenib,Cetuximab Combination;
    // EID 6046: BRAF V600 (the codon rule), CRC, level B, the same combination
    const combo = find(s, 'Cetuximab + Encorafenib');
    assert.deepEqual(combo.therapy, { name: 'Cetuximab + Encorafenib', key: 'cetuximab + encorafenib', kind: 'combination', drugs: ['Cetuximab', 'Encorafenib'] });
    assert.equal(combo.tier, 'I');
    assert.deepEqual(ids(combo.evidence), [9851, 6046]);
    assert.match(combo.evidence[0]?.statement ?? '', /BEACON/);
    assert.equal(s[0]?.therapy.name, 'Cetuximab + Encorafenib');
    // EID 126: BRAF V600E, CRC, level B resistance to cetuximab alone: a warning on cetuximab, not on the combination
    includes(find(s, 'Cetuximab').resistance, [126], 'Cetuximab');
    assert.deepEqual(combo.resistance, []);
  });

  it('reports an amplification profile as not assessable', () => {
    const s = suggestTherapies({ cancer: BREAST, variants: [PIK3CA_H1047R] }, kb);
    // EID 11249: ERBB2 Amplification, breast cancer, level A, margetuximab: the VCF cannot show it
    const margetuximab = find(s, 'Margetuximab');
    assert.equal(margetuximab.tier, null);
    const open = margetuximab.notAssessable.find((e) => e.id === 11249);
    assert.ok(open);
    assert.deepEqual(open.unassessed.map((u) => [u.gene, u.name]), [['ERBB2', 'Amplification']]);
    assert.match(open.unassessed[0]?.reason ?? '', /amplification is not shown/);
    // and in the lung patient, EIDs 5924/5925 (EGFR Amplification, NSCLC, level B) sit beside erlotinib's evidence
    const lung = suggestTherapies({ cancer: LUNG_ADENO, variants: [EGFR_L858R] }, kb);
    includes(find(lung, 'Erlotinib').notAssessable, [5924, 5925], 'Erlotinib not assessable');
  });

  it('matches a codon-level rule: NRAS Q61 and vemurafenib resistance in melanoma', () => {
    const s = suggestTherapies({ cancer: MELANOMA, variants: [NRAS_Q61K] }, kb);
    // EID 14: NRAS Q61, Melanoma, level B resistance to vemurafenib
    const vemurafenib = find(s, 'Vemurafenib');
    includes(vemurafenib.resistance, [14], 'Vemurafenib');
    assert.deepEqual(vemurafenib.resistance.find((e) => e.id === 14)?.variants, [{ index: 0, gene: 'NRAS', proteinChange: 'p.Q61K' }]);
  });

  it('orders suggestions of the same tier and level by the response model’s probability', () => {
    const probability: Record<string, number> = { gefitinib: 0.8, osimertinib: 0.6 };
    const s = suggestTherapies({ cancer: LUNG_ADENO, variants: [EGFR_L858R] }, kb, { rankWith: (t) => probability[t.key] });
    assert.deepEqual(s.slice(0, 2).map((x) => [x.therapy.name, x.predictedResponse]), [['Gefitinib', 0.8], ['Osimertinib', 0.6]]);
    assert.equal(find(s, 'Erlotinib').predictedResponse, undefined);
    // the model never lifts a therapy over a better tier
    assert.equal(s.findIndex((x) => x.tier !== 'I') > s.findIndex((x) => x.therapy.key === 'gefitinib'), true);
  });
});
