import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Bundle, BundleEntry, Extension, ResearchStudy, Resource } from '@medplum/fhirtypes';
import { readBundleInput } from '../../src/clinical/ingest/bundle-input.ts';
import { resolveReferences } from '../../src/clinical/ingest/resolve-references.ts';
import { loadCodeTables } from '../../src/clinical/mcode/code-tables.ts';
import { mapClinicalSummary } from '../../src/clinical/mcode/map-clinical-summary.ts';
import { createFhirPathRunner } from '../../src/trials/evaluate/fhirpath-criterion.ts';
import { matchTrial } from '../../src/trials/evaluate/match-trials.ts';
import { derivePatientFacts } from '../../src/trials/facts/patient-facts.ts';
import { CRITERION_EXTENSION_URL, MATCH_GRADE_URL, matchResearchStudies } from '../../src/trials/fhir/match-research-studies.ts';
import { buildTrial } from '../../src/trials/registry/import-research-study.ts';
import { createMemoryTrialRegistry } from '../../src/trials/registry/trial-registry.ts';
import { fixture } from '../helpers/fixtures.ts';
import { stageTwoPatient01 } from './helpers.ts';

const tables = loadCodeTables();
const summarise = (id: string, resources: Resource[]) => mapClinicalSummary(id, resources, tables);
const asOf = '2025-06-15';
const P1 = 'trial-matching/TrialMatching_Patient01.json';
const P2 = 'trial-matching/TrialMatching_Patient02.json';

const pallas = buildTrial({ researchStudy: fixture('trial-matching/ctms-researchstudy-NCT02513394.json'), eligibility: fixture('trial-matching/NCT02513394.eligibility.json') }, tables);
/** A hand-built trial (not a real NCT record): PIK3CA-mutant HR+/HER2- metastatic breast cancer. */
const pik3ca = buildTrial(
  {
    eligibility: {
      trialId: 'LOCAL-PIK3CA-MBC',
      title: 'PIK3CA-mutant HR+/HER2- metastatic breast cancer (test trial)',
      status: 'active',
      phase: 'Phase 2',
      conditions: ['Breast Cancer'],
      match: {
        and: [
          { clinical: { cancerType: 'breast', age: '>=18', stage: 'IV' } },
          { or: [{ clinical: { er: 'positive' } }, { clinical: { pr: 'positive' } }] },
          { clinical: { her2: 'negative', ecog: '<=1' } },
          { genomic: { gene: 'PIK3CA', variantCategory: 'mutation' } },
        ],
      },
    },
  },
  tables,
);
const registry = createMemoryTrialRegistry([pallas, pik3ca]);
const options = { summarise, maxEntries: 1000, asOf, fhirpath: createFhirPathRunner() };

/** The one patient's resources of a fixture Bundle, references resolved as the importer does. */
function recordOf(bundle: unknown): { id: string; resources: Resource[] } {
  const entries = resolveReferences(readBundleInput(bundle, 1000).entries).entries;
  const id = entries.find((e) => e.resource.resourceType === 'Patient')?.resource.id as string;
  return { id, resources: entries.filter((e) => e.patientId === id).map((e) => e.resource) };
}

const grade = (e: BundleEntry) => e.search?.extension?.find((x) => x.url === MATCH_GRADE_URL)?.valueCode;
const criteria = (e: BundleEntry) =>
  (e.search?.extension ?? [])
    .filter((x) => x.url === CRITERION_EXTENSION_URL)
    .map((x) => Object.fromEntries((x.extension as Extension[]).map((p) => [p.url, p.valueString ?? p.valueCode ?? p.valueBoolean])));
const nctOf = (e: BundleEntry<ResearchStudy>) => e.resource?.identifier?.find((i) => i.system === 'http://clinicaltrials.gov')?.value ?? e.resource?.id;

describe('facts of the CodeX trial-matching patients (read off the files by hand)', () => {
  it('Patient01: stage IV HR+/HER2- breast cancer, ECOG 1, MSI positive, ESR1 and PIK3CA reported, no line numbers', () => {
    const { id, resources } = recordOf(fixture(P1));
    const f = derivePatientFacts(summarise(id, resources), { sequenced: false, variants: [] });
    assert.deepEqual(
      { ...f, variants: undefined },
      {
        birthDate: { earliest: '1959-01-01', latest: '1959-01-01' },
        deceased: false,
        sex: 'female',
        populationGroup: null, // no race, ethnicity or population-group extension
        cancerType: 'breast', // 408643008 infiltrating duct carcinoma of breast
        cancerClass: 'solid',
        stageGroup: 4, // 21908-9 = cancerstaging.org "4" / "IV"
        ecog: 1,
        priorLines: null, // the MedicationStatements carry no line-of-therapy extension
        er: 'positive', // 40556-3 = 10828004
        pr: 'positive', // 40557-1 = 10828004
        her2: 'negative', // 18474-7 = 260385009
        msi: 'MSI-H', // 62862-8 = 10828004 positive
        tmb: null,
        sequenced: false,
        variants: undefined,
      },
    );
    // 69548-6 with gene components HGNC:3467 (ESR1) and HGNC:8975 (PIK3CA), no protein change
    assert.deepEqual(f.variants, [
      { gene: 'ESR1', proteinChange: null, exon: null, altering: true },
      { gene: 'PIK3CA', proteinChange: null, exon: null, altering: true },
    ]);
  });

  it('Patient02: TMB reported only as "Low" (SNOMED 62482003), so no TMB value', () => {
    const { id, resources } = recordOf(fixture(P2));
    const f = derivePatientFacts(summarise(id, resources), { sequenced: false, variants: [] });
    assert.deepEqual([f.birthDate?.earliest, f.stageGroup, f.tmb, f.variants.map((v) => v.gene)], ['1973-01-01', 4, null, ['CCND1', 'FGFR1', 'MDM2']]);
  });
});

describe('NCT02513394 (PALLAS) criterion by criterion', () => {
  it('Patient01 is not eligible: stage IV, and a CDK4/6 inhibitor already given', () => {
    const { id, resources } = recordOf(fixture(P1));
    const facts = derivePatientFacts(summarise(id, resources), { sequenced: false, variants: [] });
    const m = matchTrial(pallas, facts, { asOf, record: resources, fhirpath: createFhirPathRunner() });
    assert.equal(m.status, 'NOT_ELIGIBLE');
    assert.deepEqual(
      m.criteria.map((c) => [c.text, c.result]),
      [
        ['Cancer type: breast', 'MET'],
        ['Age ≥ 18 years', 'MET'], // 66 on 2025-06-15
        ['Stage II or III', 'NOT_MET'],
        ['ER positive', 'MET'],
        ['PR positive', 'MET'],
        ['HER2 negative', 'MET'],
        ['ECOG performance status ≤ 1', 'MET'],
        ['Prior therapy with a CDK4/6 inhibitor (palbociclib, ribociclib, abemaciclib)', 'MET'], // abemaciclib, ribociclib
      ],
    );
    assert.equal(m.criteria[7]?.exclusion, true);
  });
});

describe('$match (CodeX trial matching)', () => {
  it('Patient01: the PIK3CA trial is a certain match; PALLAS is left out', async () => {
    const out = await matchResearchStudies(fixture(P1), registry, options);
    assert.equal(out.resourceType, 'Bundle');
    assert.equal(out.type, 'searchset');
    assert.equal(out.total, 1);
    const [e] = out.entry ?? [];
    assert.equal(nctOf(e as BundleEntry<ResearchStudy>), 'LOCAL-PIK3CA-MBC');
    assert.deepEqual([e?.search?.mode, e?.search?.score, grade(e as BundleEntry)], ['match', 1, 'certain']);
    assert.deepEqual(criteria(e as BundleEntry).at(-1), { id: 'c8', text: 'PIK3CA mutation', result: 'MET', exclusion: false, observed: 'PIK3CA variant' });
  });

  it('Patient02: no PIK3CA report and no sequencing, so possibly eligible (7 of 8 criteria met), never "not eligible"', async () => {
    const out = await matchResearchStudies(fixture(P2), registry, options);
    assert.equal(out.total, 1);
    const [e] = out.entry ?? [];
    assert.deepEqual([nctOf(e as BundleEntry<ResearchStudy>), e?.search?.score, grade(e as BundleEntry)], ['LOCAL-PIK3CA-MBC', 0.875, 'possible']);
    const pik = criteria(e as BundleEntry).find((c) => c.text === 'PIK3CA mutation');
    assert.deepEqual([pik?.result, pik?.reason], ['UNKNOWN', 'no sequencing stored for the patient']);
  });

  it('with includeNotEligible, PALLAS comes back graded certainly-not with score 0', async () => {
    const out = await matchResearchStudies(fixture(P2), registry, { ...options, includeNotEligible: true });
    assert.deepEqual(out.entry?.map((e) => [nctOf(e), e.search?.score, grade(e)]), [
      ['LOCAL-PIK3CA-MBC', 0.875, 'possible'],
      ['NCT02513394', 0, 'certainly-not'],
    ]);
  });

  it('a stage II variant of Patient01 without CDK4/6 inhibitors matches PALLAS as the CodeX service result does', async () => {
    const bundle = stageTwoPatient01();
    const out = await matchResearchStudies(bundle, registry, options);
    const entry = out.entry?.find((e) => nctOf(e) === 'NCT02513394');
    assert.ok(entry, 'PALLAS matched');
    // structured criteria all met; the free-text ones (labs, surgery...) are not checked, hence "probable"
    assert.deepEqual([entry.search?.mode, entry.search?.score, grade(entry)], ['match', 1, 'probable']);
    assert.ok(criteria(entry).every((c) => c.result === (c.exclusion ? 'NOT_MET' : 'MET')));

    // Compared with mcode/clinical-trial-matching-service's searchset (spec/data/resource.json): its entry for
    // NCT02513394 has the same identifier, title, status and condition, search.mode "match" and score 1; our entry
    // carries the full study (contained resources, arms) where the service's is trimmed.
    const ctms = fixture<Bundle<ResearchStudy>>('trial-matching/ctms-searchset-result.json');
    const theirs = ctms.entry?.find((e) => nctOf(e) === 'NCT02513394');
    assert.ok(theirs?.resource && entry.resource);
    for (const field of ['identifier', 'title', 'status', 'condition'] as const) assert.deepEqual(entry.resource[field], theirs.resource[field], field);
    assert.deepEqual([theirs.search?.mode, theirs.search?.score], [entry.search?.mode, entry.search?.score]);
    assert.equal(ctms.type, out.type);
    assert.equal(ctms.total, ctms.entry?.length); // the same total = number of entries convention
    assert.equal(out.total, out.entry?.length);
  });

  it('honours the recruitmentStatus and phase of a Parameters resource in the Bundle', async () => {
    const bundle = structuredClone(fixture<Bundle>(P1));
    bundle.entry?.push({ resource: { resourceType: 'Parameters', parameter: [{ name: 'phase', valueString: 'phase 3' }] }, request: { method: 'POST', url: 'Parameters' } });
    const out = await matchResearchStudies(bundle, registry, { ...options, includeNotEligible: true });
    assert.deepEqual(out.entry?.map(nctOf), ['NCT02513394']);
  });

  it('rejects a Bundle without exactly one Patient', async () => {
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: [] };
    await assert.rejects(matchResearchStudies(bundle, registry, options), (err: Error & { code?: string }) => err.code === 'BAD_INPUT' && /exactly one Patient/.test(err.message));
  });
});
