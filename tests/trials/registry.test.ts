import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCodeTables } from '../../src/clinical/mcode/code-tables.ts';
import { isDomainError, type DomainError } from '../../src/errors/domain-error.ts';
import { parseEligibilityDocument } from '../../src/trials/eligibility/parse-eligibility.ts';
import { leavesOf } from '../../src/trials/eligibility/three-valued.ts';
import type { EligibilityNode } from '../../src/trials/eligibility/types.ts';
import { buildTrial } from '../../src/trials/registry/import-research-study.ts';
import { fixture } from '../helpers/fixtures.ts';

const tables = loadCodeTables();
const study = fixture('trial-matching/ctms-researchstudy-NCT02513394.json');
const eligibility = fixture('trial-matching/NCT02513394.eligibility.json');

function rejection(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    if (isDomainError(err)) return err;
    throw err;
  }
  assert.fail('expected a BAD_INPUT');
}

const texts = (n: EligibilityNode) => leavesOf(n).map(({ leaf, exclusion }) => `${leaf.id} ${exclusion ? 'NOT ' : ''}${leaf.text}`);
const doc = (match: unknown) => ({ trialId: 'LOCAL-1', match });

describe('CTML-like eligibility documents', () => {
  it('reads the NCT02513394 document into a tree of criteria, in order', () => {
    const trial = buildTrial({ eligibility }, tables);
    assert.deepEqual(texts(trial.eligibility), [
      'c1 Cancer type: breast',
      'c2 Age ≥ 18 years',
      'c3 Stage II or III',
      'c4 ER positive',
      'c5 PR positive',
      'c6 HER2 negative',
      'c7 ECOG performance status ≤ 1',
      'c8 NOT Prior therapy with a CDK4/6 inhibitor (palbociclib, ribociclib, abemaciclib)',
    ]);
    assert.equal(trial.status, 'active'); // default when neither the document nor a study says
  });

  it('CTML value conventions: comparisons, negation, meta-values, protein changes', () => {
    const d = parseEligibilityDocument(
      doc({
        and: [
          { clinical: { age: '>17', cancerType: '!Invasive Breast Carcinoma', tmb: '>=10', stage: 'Stage IV', msi: 'msi-h' } },
          { clinical: { cancerType: '_SOLID_', ecog: { min: 0, max: 2 } } },
          { genomic: { gene: 'egfr', proteinChange: 'p.Leu858Arg' } },
          { genomic: { gene: 'EGFR', proteinChange: 'E746_A750DEL', exon: 19 } },
          { genomic: { gene: 'ERBB2', variantCategory: 'Amplification' } },
          { genomic: { gene: 'KRAS', wildtype: true } },
        ],
      }),
    );
    const leaves = leavesOf(d.match).map((l) => l.leaf.criterion);
    assert.deepEqual(leaves, [
      { kind: 'age', range: { min: 18 } },
      { kind: 'cancerType', value: 'breast', meta: false, negated: true },
      { kind: 'tmb', range: { min: 10 } },
      { kind: 'stage', groups: [4] },
      { kind: 'msi', status: 'MSI-H' },
      { kind: 'cancerType', value: 'solid', meta: true, negated: false },
      { kind: 'ecog', range: { min: 0, max: 2 } },
      { kind: 'genomic', gene: 'EGFR', category: 'mutation', wildtype: false, proteinChange: 'p.L858R' },
      { kind: 'genomic', gene: 'EGFR', category: 'mutation', wildtype: false, proteinChange: 'p.E746_A750del', exon: 19 },
      { kind: 'genomic', gene: 'ERBB2', category: 'amplification', wildtype: false },
      { kind: 'genomic', gene: 'KRAS', category: 'mutation', wildtype: true },
    ]);
  });

  it('reports every problem with its location', () => {
    const err = rejection(() =>
      parseEligibilityDocument(
        doc({
          and: [
            { clinical: { age: 'adults', cancerType: 'Martian Cancer' } },
            { clinical: { tmb: '>10' } },
            { genomic: { gene: 'KRAS', wildtype: true, proteinChange: 'p.G12C' } },
            { fhirpath: { expression: 'Patient.gender = = 1', description: 'broken' } },
            { or: [] },
            { clinicl: { ecog: 1 } },
            { clinical: { ecog: 1, colour: 'blue' } },
          ],
        }),
      ),
    );
    assert.equal(err.code, 'BAD_INPUT');
    const at = Object.fromEntries(err.issues.map((i) => [i.expression, i.message]));
    assert.match(at['eligibility.match.and[0].clinical.age'] ?? '', /comparison such as/);
    assert.match(at['eligibility.match.and[0].clinical.cancerType'] ?? '', /unknown cancer type "Martian Cancer"/);
    assert.match(at['eligibility.match.and[1].clinical.tmb'] ?? '', /inclusive/);
    assert.match(at['eligibility.match.and[2].genomic.wildtype'] ?? '', /gene-level/);
    assert.match(at['eligibility.match.and[3].fhirpath.expression'] ?? '', /not a FHIRPath expression/);
    assert.match(at['eligibility.match.and[4].or'] ?? '', /non-empty list/);
    assert.match(at['eligibility.match.and[5]'] ?? '', /exactly one key/);
    assert.ok(err.issues.some((i) => i.expression === 'eligibility.match.and[6].clinical' && /colour/.test(i.message)));
  });

  it('bounds the size of a tree', () => {
    let deep: unknown = { clinical: { ecog: 1 } };
    for (let i = 0; i < 20; i++) deep = { not: deep };
    assert.match(rejection(() => parseEligibilityDocument(doc(deep))).issues[0]?.message ?? '', /deeper than 16/);
    const wide = { or: Array.from({ length: 600 }, () => ({ clinical: { ecog: 1 } })) };
    assert.ok(rejection(() => parseEligibilityDocument(doc(wide))).issues.some((i) => /more than 500 nodes/.test(i.message)));
  });
});

describe('ResearchStudy import', () => {
  it('NCT02513394 (ClinicalTrials.gov export): id, title, status, phase, condition, free text, and the missing Group', () => {
    const trial = buildTrial({ researchStudy: study }, tables);
    assert.equal(trial.id, 'NCT02513394'); // identifier system http://clinicaltrials.gov, not the resource id "0"
    assert.match(trial.title, /^PALbociclib CoLlaborative Adjuvant Study/);
    assert.equal(trial.status, 'active');
    assert.equal(trial.phase, 'Phase 3');
    assert.deepEqual(trial.conditions, ['Breast Cancer']);
    assert.match(trial.criteriaText ?? '', /^Inclusion Criteria:/);
    assert.match(trial.criteriaText ?? '', /ECOG performance status 0-1/);
    // enrollment references #group0, which the study does not contain
    assert.deepEqual(trial.warnings.map((w) => w.expression), ['ResearchStudy.enrollment[0].reference']);
    assert.match(trial.warnings[0]?.message ?? '', /#group0: the Group is not contained/);
    // with no eligibility document, the condition studied is the one structured criterion
    assert.deepEqual(texts(trial.eligibility), ['c1 Cancer type: breast']);
  });

  it('with its eligibility document: the curated tree, and the study for the rest', () => {
    const trial = buildTrial({ researchStudy: study, eligibility }, tables);
    assert.equal(trial.id, 'NCT02513394');
    assert.equal(leavesOf(trial.eligibility).length, 8);
    assert.equal(trial.researchStudy?.id, '0');
    const other = rejection(() => buildTrial({ researchStudy: study, eligibility: { ...eligibility, trialId: 'NCT00000001' } }, tables));
    assert.equal(other.issues[0]?.expression, 'eligibility.trialId');
  });

  it('reads the characteristics of a contained enrollment Group, exclusions negated, the rest kept for review', () => {
    const withGroup = {
      resourceType: 'ResearchStudy',
      id: 'local-7',
      status: 'active',
      title: 'A study with a structured Group',
      enrollment: [{ reference: '#g' }],
      contained: [
        {
          resourceType: 'Group',
          id: 'g',
          type: 'person',
          actual: false,
          characteristic: [
            { code: { coding: [{ system: 'http://loinc.org', code: '30525-0' }] }, valueRange: { low: { value: 18, unit: 'a' } }, exclude: false },
            { code: { coding: [{ system: 'http://loinc.org', code: '46098-0' }] }, valueCodeableConcept: { coding: [{ code: 'female' }] }, exclude: false },
            { code: { coding: [{ system: 'http://snomed.info/sct', code: '64572001' }] }, valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '254837009' }] }, exclude: false },
            { code: { coding: [{ system: 'http://loinc.org', code: '89247-1' }] }, valueRange: { high: { value: 1 } }, exclude: false },
            { code: { coding: [{ system: 'http://loinc.org', code: '40556-3' }] }, valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '10828004' }] }, exclude: false },
            { code: { coding: [{ system: 'http://loinc.org', code: '18474-7' }] }, valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '10828004' }] }, exclude: true },
            { code: { coding: [{ system: 'http://loinc.org', code: '21908-9' }] }, valueCodeableConcept: { coding: [{ system: 'http://cancerstaging.org', code: '4', display: 'IV' }] }, exclude: true },
            { code: { coding: [{ system: 'http://loinc.org', code: '69548-6' }] }, valueCodeableConcept: { coding: [{ system: 'http://www.genenames.org/geneId', code: 'HGNC:8975' }] }, exclude: false },
            { code: { text: 'Adequate bone marrow function' }, valueBoolean: true, exclude: false },
          ],
        },
      ],
    };
    const trial = buildTrial({ researchStudy: withGroup }, tables);
    assert.equal(trial.id, 'local-7');
    assert.deepEqual(texts(trial.eligibility), [
      'c1 Age ≥ 18 years',
      'c2 Sex: female',
      'c3 Cancer type: breast',
      'c4 ECOG performance status ≤ 1',
      'c5 ER positive',
      'c6 NOT HER2 positive',
      'c7 NOT Stage IV',
      'c8 PIK3CA mutation',
      'c9 Adequate bone marrow function',
    ]);
    assert.deepEqual(trial.warnings.map((w) => w.expression), ['ResearchStudy.contained[0].characteristic[8]']);
  });

  it('rejects a ResearchStudy without a status, with the location', () => {
    const err = rejection(() => buildTrial({ researchStudy: { resourceType: 'ResearchStudy', id: 'x' } }, tables));
    assert.deepEqual(err.issues.map((i) => i.expression), ['ResearchStudy.status']);
  });
});
