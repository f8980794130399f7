import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { generateCohortInMemory } from '../../src/cohort/generate.ts';
import { biomarkers } from '../../src/cohort/patient.ts';
import { loadShippedModels } from '../../src/inference/model-registry.ts';
import { openDatabase } from '../../src/storage/open-database.ts';
import type { Database } from '../../src/storage/port.ts';
import { correlation } from '../../src/training/card-helpers.ts';
import { trainSyntheticResponse } from '../../src/training/synthetic-response.ts';
import { buildTestApp, gql } from '../helpers/app.ts';

const SHIPPED = new URL('../../models/response-synthetic/1/', import.meta.url);

const RESPONSE = `query($id: ID!, $t: [String!]) { patient(id: $id) { therapyResponse(therapies: $t) { therapy probability line modelVersion missingInputs { feature } } } }`;

describe('the shipped response model (synthetic)', () => {
  it('is rebuilt bit for bit from its seed, and its card says the data is synthetic', () => {
    const rebuilt = trainSyntheticResponse('1');
    assert.deepEqual(Buffer.from(rebuilt.onnx), readFileSync(new URL('model.onnx', SHIPPED)));
    const card = JSON.parse(readFileSync(new URL('card.json', SHIPPED), 'utf8'));
    assert.deepEqual(JSON.parse(JSON.stringify(rebuilt.card)), card);
    assert.equal(card.training.synthetic, true);
    assert.match(card.intendedUse, /synthetic data/i);
    // it learned most of what is learnable: test AUC close to the AUC of the true probabilities
    assert.ok(card.metrics.overall.auc > card.metrics.overall.truthAuc - 0.06, JSON.stringify(card.metrics.overall));
  });
});

describe('therapy response through GraphQL', () => {
  let db: Database;
  let site: ReturnType<typeof buildTestApp>;
  // patients the model never saw (another seed), as they stand at the first treatment decision:
  // their records without any medication yet
  const patients = generateCohortInMemory({ sites: 4, patientsPerSite: 60, seed: 99 })
    .flatMap((s) => s.patients)
    .filter((p) => p.course.lines.length > 0);
  const atDiagnosis = (bundle: (typeof patients)[number]['bundle']) => ({
    ...bundle,
    entry: (bundle.entry ?? []).filter((e) => e.resource?.resourceType !== 'MedicationRequest'),
  });
  const egfrLung = patients.filter((p) => p.biology.cancer === 'lung' && p.biology.sequenced && biomarkers(p.biology).egfr);
  before(async () => {
    db = await openDatabase({});
    site = buildTestApp(db);
    await loadShippedModels(site.models);
    for (const p of patients) await site.clinical.importBundle(atDiagnosis(p.bundle), 'test');
  });
  after(async () => {
    await site.models.close();
    await db.close();
  });

  it('predicts the first-line response close to the true probability the generator planted', async () => {
    const predicted: number[] = [];
    const truth: number[] = [];
    for (const p of patients) {
      const first = p.course.lines[0]!;
      const r = (await gql(site, RESPONSE, { id: p.biology.id, t: [first.regimen] })).body.data.patient.therapyResponse;
      assert.equal(r[0].modelVersion, 'response-synthetic@1');
      assert.equal(r[0].line, 1);
      predicted.push(r[0].probability);
      truth.push(first.responseProbability);
    }
    const r = correlation(predicted, truth);
    assert.ok(r > 0.6, `correlation with the true probabilities ${r} over ${patients.length} patients`);
    const meanGap = predicted.reduce((a, x, i) => a + Math.abs(x - truth[i]!), 0) / predicted.length;
    assert.ok(meanGap < 0.15, `mean absolute gap ${meanGap}`);
  });

  it('gives EGFR-mutant lung cancer a high chance of response to osimertinib, as planted', async () => {
    assert.ok(egfrLung.length >= 4, `${egfrLung.length} patients`);
    const p = await Promise.all(egfrLung.map(async (x) => (await gql(site, RESPONSE, { id: x.biology.id, t: ['osimertinib'] })).body.data.patient.therapyResponse[0].probability as number));
    const truth = egfrLung.map((x) => x.course.responseProbabilities.osimertinib as number);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(Math.abs(mean(p) - mean(truth)) < 0.12, `predicted ${mean(p)}, true ${mean(truth)}`);
  });

  it('answers several patients of one request with one model run', async () => {
    const ids = patients.slice(0, 4).map((p) => p.biology.id);
    const single = await Promise.all(ids.map(async (id) => (await gql(site, RESPONSE, { id, t: ['docetaxel'] })).body.data.patient.therapyResponse));
    const leases = site.models.lease.bind(site.models);
    let runs = 0;
    site.models.lease = (name) => {
      if (name === 'response-synthetic') runs++;
      return leases(name);
    };
    try {
      // aliases of the same field on different patients, with regimens the cache has not seen
      const query = `{ ${ids.map((id, i) => `p${i}: patient(id: "${id}") { therapyResponse(therapies: ["docetaxel", "pembrolizumab"]) { therapy probability } }`).join(' ')} }`;
      const res = await gql(site, query);
      assert.equal(runs, 1, 'one lease, one run, for four patients');
      ids.forEach((_, i) => {
        const docetaxel = res.body.data[`p${i}`].therapyResponse.find((r: { therapy: string }) => r.therapy === 'docetaxel');
        assert.ok(Math.abs(docetaxel.probability - single[i][0].probability) < 1e-6, 'batched rows answer as single ones');
      });
    } finally {
      site.models.lease = leases;
    }
  });

  it('defaults to the formulary for the cancer, best first, and refuses an unknown regimen', async () => {
    const r = (await gql(site, RESPONSE, { id: egfrLung[0]!.biology.id })).body.data.patient.therapyResponse;
    assert.deepEqual(r.map((x: { therapy: string }) => x.therapy).sort(), ['carboplatin-pemetrexed', 'docetaxel', 'osimertinib', 'pembrolizumab', 'sotorasib']);
    for (let i = 1; i < r.length; i++) assert.ok(r[i].probability <= r[i - 1].probability, 'best first');
    const bad = await gql(site, RESPONSE, { id: egfrLung[0]!.biology.id, t: ['snake-oil'] });
    assert.equal(bad.body.errors?.[0]?.extensions?.code, 'BAD_INPUT');
  });
});
