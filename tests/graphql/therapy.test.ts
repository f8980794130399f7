import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bgzip } from '../../src/cohort/bgzf.ts';
import { generateCohortInMemory } from '../../src/cohort/generate.ts';
import { builtInProfiles } from '../../src/cohort/profiles.ts';
import { writeVcf } from '../../src/cohort/vcf-writer.ts';
import { loadShippedModels } from '../../src/inference/model-registry.ts';
import type { Database } from '../../src/storage/port.ts';
import { openDatabase } from '../../src/storage/open-database.ts';
import { buildTestApp, gql } from '../helpers/app.ts';

/**
 * Therapy suggestions through GraphQL for generated patients whose VCFs carry EGFR L858R (lung) and
 * a KRAS G12 hotspot (colorectal): the tiers and warnings are the ones tests/therapy checks against
 * CIViC rows by hand; here they must survive the store, the VCF round trip and the response model.
 */
const QUERY = `query($id: ID!, $all: Boolean) {
  patient(id: $id) {
    therapySuggestions(includeUntiered: $all) {
      therapy drugs tier level predictedResponse modelVersion knowledgeBase
      modelInputs { feature value }
      evidence { id level inTumourType matchedVariants }
      resistance { id level therapies }
    }
  }
}`;

async function async0<T>(v: T): Promise<T> {
  return v;
}

describe('patient therapySuggestions', () => {
  let db: Database;
  let site: ReturnType<typeof buildTestApp>;
  const [cohort] = generateCohortInMemory({ sites: 1, patientsPerSite: 200, seed: 5, profiles: [builtInProfiles()[0]!] });
  const carrier = (hotspot: RegExp, cancer: string) =>
    cohort!.patients.find((p) => p.biology.cancer === cancer && p.calls?.some((c) => c.filter === 'PASS' && hotspot.test(c.hotspot ?? '')));
  const egfr = carrier(/^EGFR_L858R$/, 'lung');
  const kras = carrier(/^KRAS_G12/, 'colorectal');

  before(async () => {
    db = await openDatabase({});
    site = buildTestApp(db);
    await loadShippedModels(site.models);
    for (const p of [egfr, kras]) {
      assert.ok(p?.calls, 'the generated cohort has the carrier');
      await site.clinical.importBundle(p.bundle, 'test');
      const vcf = bgzip(writeVcf(p.calls, { annotation: 'CSQ', tumorSample: `${p.biology.id}-T`, normalSample: `${p.biology.id}-N`, fileDate: '2026-01-01' }));
      await site.genomics.importVariants((async function* () { yield await async0(vcf); })(), { patientId: p.biology.id, specimenId: 'tumour-1', fileName: 'v.vcf.gz', source: 'test' });
    }
  });
  after(async () => {
    await site.models.close();
    await db.close();
  });

  it('EGFR L858R lung cancer: osimertinib at tier I on CIViC EID 11219, ranked with the response model', async () => {
    const res = await gql(site, QUERY, { id: egfr!.biology.id });
    assert.equal(res.status, 200, JSON.stringify(res.body.errors));
    const list = res.body.data.patient.therapySuggestions as { therapy: string; tier: string; predictedResponse: number | null; modelVersion: string | null; knowledgeBase: string; evidence: { id: number; matchedVariants: string[] }[] }[];
    const osimertinib = list.find((s) => s.therapy === 'Osimertinib');
    assert.ok(osimertinib, list.map((s) => s.therapy).join(', '));
    assert.equal(osimertinib.tier, 'I');
    assert.ok(osimertinib.evidence.some((e) => e.id === 11219 && e.matchedVariants.some((v) => v.includes('EGFR'))));
    assert.ok(osimertinib.predictedResponse !== null && osimertinib.predictedResponse > 0 && osimertinib.predictedResponse < 1);
    assert.equal(osimertinib.modelVersion, 'response-synthetic@1');
    // the inputs behind the estimate: the same answer as asking the model for osimertinib directly, whose
    // line is the one after the patient's recorded lines
    const inputs = (osimertinib as unknown as { modelInputs: { feature: string; value: number }[] }).modelInputs;
    const direct = await gql(site, 'query($id: ID!) { patient(id: $id) { therapyResponse(therapies: ["osimertinib"]) { probability line } } }', { id: egfr!.biology.id });
    const asked = direct.body.data.patient.therapyResponse[0];
    assert.equal(inputs.find((i) => i.feature === 'line')?.value, asked.line);
    assert.ok(Math.abs(asked.probability - osimertinib.predictedResponse) < 1e-6);
    assert.ok(inputs.length > 5 && inputs.every((i) => Number.isFinite(i.value)));
    assert.match(osimertinib.knowledgeBase, /^civic-\d{4}-\d{2}-\d{2}$/);
    assert.ok(list.every((s) => s.tier !== null), 'tier-less regimens only on request');
    assert.equal(list[0]!.tier, 'I');
  });

  it('KRAS-mutant colorectal cancer: resistance warnings on cetuximab and panitumumab', async () => {
    const res = await gql(site, QUERY, { id: kras!.biology.id, all: true });
    assert.equal(res.status, 200, JSON.stringify(res.body.errors));
    const list = res.body.data.patient.therapySuggestions as { therapy: string; resistance: { id: number }[] }[];
    for (const drug of ['Cetuximab', 'Panitumumab']) {
      const s = list.find((x) => x.therapy === drug);
      assert.ok(s && s.resistance.length > 0, `${drug}: ${JSON.stringify(s)}`);
    }
  });
});
