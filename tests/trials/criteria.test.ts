import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Resource } from '@medplum/fhirtypes';
import type { Criterion, TriState } from '../../src/trials/eligibility/types.ts';
import { evaluateCriterion, yearsBefore } from '../../src/trials/evaluate/evaluate-criterion.ts';
import { createFhirPathRunner } from '../../src/trials/evaluate/fhirpath-criterion.ts';
import type { PatientFacts } from '../../src/trials/facts/patient-facts.ts';
import { factsWith } from './helpers.ts';

const asOf = '2025-06-15';
const result = (c: Criterion, f: PatientFacts, record?: Resource[]) =>
  evaluateCriterion(c, f, { asOf, ...(record ? { record, fhirpath: createFhirPathRunner() } : {}) }).result;

/** For each criterion: a patient who meets it, one who does not, one whose record does not say. */
const CASES: { name: string; criterion: Criterion; met: Partial<PatientFacts>; notMet: Partial<PatientFacts>; unknown: Partial<PatientFacts> }[] = [
  { name: 'age ≥ 18', criterion: { kind: 'age', range: { min: 18 } }, met: { birthDate: { earliest: '1990-01-01', latest: '1990-01-01' } }, notMet: { birthDate: { earliest: '2010-01-01', latest: '2010-01-01' } }, unknown: {} },
  // 75 until the day before the 76th birthday
  { name: 'age 18-75', criterion: { kind: 'age', range: { min: 18, max: 75 } }, met: { birthDate: { earliest: '1949-06-16', latest: '1949-06-16' } }, notMet: { birthDate: { earliest: '1949-06-15', latest: '1949-06-15' } }, unknown: { birthDate: { earliest: '1949-01-01', latest: '1949-12-31' } } },
  { name: 'sex female', criterion: { kind: 'sex', sex: 'female' }, met: { sex: 'female' }, notMet: { sex: 'male' }, unknown: {} },
  { name: 'cancer type breast', criterion: { kind: 'cancerType', value: 'breast', meta: false, negated: false }, met: { cancerType: 'breast' }, notMet: { cancerType: 'lung' }, unknown: {} },
  { name: 'cancer type NOT lung (!lung)', criterion: { kind: 'cancerType', value: 'lung', meta: false, negated: true }, met: { cancerType: 'breast' }, notMet: { cancerType: 'lung' }, unknown: {} },
  { name: '_SOLID_', criterion: { kind: 'cancerType', value: 'solid', meta: true, negated: false }, met: { cancerType: 'colorectal', cancerClass: 'solid' }, notMet: { cancerType: 'myeloma', cancerClass: 'liquid' }, unknown: { cancerType: null } },
  { name: '!_LIQUID_', criterion: { kind: 'cancerType', value: 'liquid', meta: true, negated: true }, met: { cancerClass: 'solid' }, notMet: { cancerClass: 'liquid' }, unknown: {} },
  { name: 'stage II or III', criterion: { kind: 'stage', groups: [2, 3] }, met: { stageGroup: 3 }, notMet: { stageGroup: 4 }, unknown: {} },
  { name: 'ECOG ≤ 1', criterion: { kind: 'ecog', range: { max: 1 } }, met: { ecog: 0 }, notMet: { ecog: 2 }, unknown: {} },
  { name: 'prior lines 1-2', criterion: { kind: 'priorLines', range: { min: 1, max: 2 } }, met: { priorLines: 2 }, notMet: { priorLines: 0 }, unknown: {} },
  { name: 'HER2 negative', criterion: { kind: 'receptor', marker: 'HER2', status: 'negative' }, met: { her2: 'negative' }, notMet: { her2: 'positive' }, unknown: { er: 'negative' } },
  { name: 'ER positive', criterion: { kind: 'receptor', marker: 'ER', status: 'positive' }, met: { er: 'positive' }, notMet: { er: 'negative' }, unknown: { pr: 'positive' } },
  { name: 'PR positive', criterion: { kind: 'receptor', marker: 'PR', status: 'positive' }, met: { pr: 'positive' }, notMet: { pr: 'negative' }, unknown: {} },
  { name: 'MSI-H', criterion: { kind: 'msi', status: 'MSI-H' }, met: { msi: 'MSI-H' }, notMet: { msi: 'MSS' }, unknown: {} },
  { name: 'TMB ≥ 10', criterion: { kind: 'tmb', range: { min: 10 } }, met: { tmb: 10 }, notMet: { tmb: 9.9 }, unknown: {} },
  {
    name: 'EGFR p.L858R mutation',
    criterion: { kind: 'genomic', gene: 'EGFR', proteinChange: 'p.L858R', category: 'mutation', wildtype: false },
    met: { sequenced: true, variants: [{ gene: 'EGFR', proteinChange: 'p.L858R', exon: 21, altering: true }] },
    notMet: { sequenced: true, variants: [{ gene: 'EGFR', proteinChange: 'p.E746_A750del', exon: 19, altering: true }] },
    // reported in FHIR without its protein change: the gene is mutated, the change unknown
    unknown: { variants: [{ gene: 'EGFR', proteinChange: null, exon: null, altering: true }] },
  },
  {
    name: 'EGFR exon 19 mutation',
    criterion: { kind: 'genomic', gene: 'EGFR', exon: 19, category: 'mutation', wildtype: false },
    met: { sequenced: true, variants: [{ gene: 'EGFR', proteinChange: 'p.E746_A750del', exon: 19, altering: true }] },
    notMet: { sequenced: true, variants: [{ gene: 'EGFR', proteinChange: 'p.L858R', exon: 21, altering: true }] },
    unknown: { sequenced: true, variants: [{ gene: 'EGFR', proteinChange: 'p.X', exon: null, altering: true }] },
  },
  {
    name: 'KRAS mutation (gene level)',
    criterion: { kind: 'genomic', gene: 'KRAS', category: 'mutation', wildtype: false },
    met: { sequenced: true, variants: [{ gene: 'KRAS', proteinChange: 'p.G12C', exon: 2, altering: true }] },
    notMet: { sequenced: true, variants: [{ gene: 'KRAS', proteinChange: null, exon: null, altering: false }] },
    // not sequenced: absence of a report is not absence of the variant
    unknown: { sequenced: false },
  },
  {
    name: 'KRAS wild type',
    criterion: { kind: 'genomic', gene: 'KRAS', category: 'mutation', wildtype: true },
    met: { sequenced: true, variants: [{ gene: 'TP53', proteinChange: 'p.R175H', exon: 5, altering: true }] },
    notMet: { variants: [{ gene: 'KRAS', proteinChange: 'p.G12D', exon: 2, altering: true }] },
    unknown: { sequenced: true, variants: [{ gene: 'KRAS', proteinChange: null, exon: null, altering: null }] },
  },
];

describe('each criterion: MET, NOT_MET and UNKNOWN on hand-built patients', () => {
  for (const c of CASES) {
    it(c.name, () => {
      assert.equal(result(c.criterion, factsWith(c.met)), 'MET');
      assert.equal(result(c.criterion, factsWith(c.notMet)), 'NOT_MET');
      assert.equal(result(c.criterion, factsWith(c.unknown)), 'UNKNOWN');
    });
  }

  it('copy-number and fusion criteria are UNKNOWN from small-variant calls, whatever is stored', () => {
    const sequenced = factsWith({ sequenced: true, variants: [{ gene: 'ERBB2', proteinChange: 'p.S310F', exon: 8, altering: true }] });
    for (const category of ['amplification', 'deletion', 'fusion'] as const) {
      const out = evaluateCriterion({ kind: 'genomic', gene: 'ERBB2', category, wildtype: false }, sequenced, { asOf });
      assert.equal(out.result, 'UNKNOWN', category);
      assert.match(out.reason ?? '', /cannot be seen/);
    }
    // "any alteration": a mutation shows it, but nothing rules it out
    assert.equal(result({ kind: 'genomic', gene: 'ERBB2', category: 'any', wildtype: false }, sequenced), 'MET');
    assert.equal(result({ kind: 'genomic', gene: 'ALK', category: 'any', wildtype: false }, sequenced), 'UNKNOWN');
  });

  it('age boundaries: the 18th birthday counts, a 29 February birthday turns over on 28 February', () => {
    const born = (d: string) => factsWith({ birthDate: { earliest: d, latest: d } });
    assert.equal(result({ kind: 'age', range: { min: 18 } }, born('2007-06-15')), 'MET'); // 18 today
    assert.equal(result({ kind: 'age', range: { min: 18 } }, born('2007-06-16')), 'NOT_MET'); // 18 tomorrow
    assert.equal(yearsBefore('2025-02-28', 18), '2007-02-28');
    assert.equal(yearsBefore('2024-02-29', 1), '2023-02-28');
    // a birth year alone decides only when the whole year is on one side
    const year = factsWith({ birthDate: { earliest: '2007-01-01', latest: '2007-12-31' } });
    assert.equal(result({ kind: 'age', range: { min: 17 } }, year), 'MET');
    assert.equal(result({ kind: 'age', range: { min: 18 } }, year), 'UNKNOWN');
    assert.equal(result({ kind: 'age', range: { min: 19 } }, year), 'NOT_MET');
  });

  it('sex "other" is known, so a female-only criterion is NOT_MET rather than UNKNOWN', () => {
    assert.equal(result({ kind: 'sex', sex: 'female' }, factsWith({ sex: 'other' })), 'NOT_MET');
  });

  it('observed values are reported with the result', () => {
    const out = evaluateCriterion({ kind: 'ecog', range: { max: 1 } }, factsWith({ ecog: 2 }), { asOf });
    assert.deepEqual(out, { result: 'NOT_MET', observed: 'ECOG 2' });
    assert.match(evaluateCriterion({ kind: 'ecog', range: { max: 1 } }, factsWith(), { asOf }).reason ?? '', /no ECOG/);
  });
});

describe('FHIRPath criteria', () => {
  const record: Resource[] = [
    { resourceType: 'Patient', id: 'p1', gender: 'female' },
    {
      resourceType: 'MedicationStatement',
      id: 'm1',
      status: 'completed',
      subject: { reference: 'Patient/p1' },
      medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '1601377', display: 'palbociclib' }] },
    },
  ];
  const cdk: Criterion = {
    kind: 'fhirpath',
    description: 'prior CDK4/6 inhibitor',
    expression: "MedicationStatement.medication.coding.where(display.lower().matches('palbociclib|ribociclib|abemaciclib')).exists()",
  };

  it('true is MET, false is NOT_MET, empty is UNKNOWN', () => {
    assert.equal(result(cdk, factsWith(), record), 'MET');
    assert.equal(result(cdk, factsWith(), record.slice(0, 1)), 'NOT_MET');
    const empty: Criterion = { kind: 'fhirpath', description: 'gender', expression: "Observation.where(code.coding.code = '89247-1').value.first() < 2" };
    assert.equal(result(empty, factsWith(), record), 'UNKNOWN');
  });

  it('without the record (the SQL projection cannot evaluate it) the criterion is UNKNOWN', () => {
    const out = evaluateCriterion(cdk, factsWith(), { asOf });
    assert.deepEqual([out.result, out.reason], ['UNKNOWN', "needs the patient's FHIR record"]);
  });

  it('%asOf is the evaluation date', () => {
    const c: Criterion = { kind: 'fhirpath', description: 'as of', expression: "%asOf = '2025-06-15'" };
    assert.equal(result(c, factsWith(), record), 'MET');
  });

  it('a non-boolean result is UNKNOWN, and the record is not modified', () => {
    const copy = structuredClone(record);
    const c: Criterion = { kind: 'fhirpath', description: 'codes', expression: 'MedicationStatement.medication.coding.code' };
    assert.equal(result(c, factsWith(), record), 'UNKNOWN');
    assert.deepEqual(record, copy);
  });

  it('an expression that runs past the time limit is stopped and UNKNOWN', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i).join(' | ');
    const slow: Criterion = { kind: 'fhirpath', description: 'slow', expression: `(${hundred}).select((${hundred}).select((${hundred}))).count() > 0` };
    const runner = createFhirPathRunner({ timeoutMs: 30, maxResources: 100 });
    const started = performance.now();
    const out = evaluateCriterion(slow, factsWith(), { asOf, record, fhirpath: runner });
    assert.equal(out.result, 'UNKNOWN');
    assert.match(out.reason ?? '', /exceeded 30 ms/);
    assert.ok(performance.now() - started < 2_000);
    // the runner still works afterwards
    assert.equal(evaluateCriterion(cdk, factsWith(), { asOf, record, fhirpath: runner }).result, 'MET');
  });

  it('a record over the size guard is not evaluated', () => {
    const big: Resource[] = Array.from({ length: 11 }, (_, i) => ({ resourceType: 'Observation', id: `o${i}`, status: 'final', code: {} }) as Resource);
    const out = evaluateCriterion(cdk, factsWith(), { asOf, record: big, fhirpath: createFhirPathRunner({ timeoutMs: 50, maxResources: 10 }) });
    assert.equal(out.result, 'UNKNOWN' satisfies TriState);
    assert.match(out.reason ?? '', /more than 10 resources/);
  });
});
