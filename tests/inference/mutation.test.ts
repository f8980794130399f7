import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { generateSitePatients, slideTiles } from '../../src/cohort/generate.ts';
import { builtInProfiles, type SiteProfile } from '../../src/cohort/profiles.ts';
import { loadShippedModels } from '../../src/inference/model-registry.ts';
import { auc } from '../../src/modeling/metrics.ts';
import { openDatabase } from '../../src/storage/open-database.ts';
import type { Database } from '../../src/storage/port.ts';
import { trainSyntheticMutation } from '../../src/training/synthetic-mutation.ts';
import { buildTestApp, gql } from '../helpers/app.ts';

const SHIPPED = new URL('../../models/mutation-synthetic/1/', import.meta.url);
const MUTATIONS = `query($id: ID!) { patient(id: $id) { mutationPredictions { biomarker probability modelVersion tiles topTiles(first: 3) { tileId attention } } } }`;

describe('the shipped mutation model (synthetic)', () => {
  it('is rebuilt bit for bit from its seed, and its card says the data is synthetic', async () => {
    const rebuilt = await trainSyntheticMutation('1');
    assert.deepEqual(Buffer.from(rebuilt.onnx), readFileSync(new URL('model.onnx', SHIPPED)));
    const card = JSON.parse(readFileSync(new URL('card.json', SHIPPED), 'utf8'));
    assert.deepEqual(JSON.parse(JSON.stringify(rebuilt.card)), card);
    assert.equal(card.training.synthetic, true);
  });
});

/** A colorectal site with MSI-H enriched, so a small sample has positives (like the cohort's tile-signal test). */
function colorectalSite(): SiteProfile {
  const base = builtInProfiles()[0]!;
  return {
    ...base,
    id: 'crc-heldout',
    cancerMix: { ...base.cancerMix, weights: { lung: 0, colorectal: 1, breast: 0 } },
    prevalence: { ...base.prevalence, colorectal: { ...base.prevalence.colorectal, MSI_H: { value: 0.35, source: 'test', checked: false } } },
  };
}

describe('mutation predictions through GraphQL', () => {
  let db: Database;
  let site: ReturnType<typeof buildTestApp>;
  const profile = colorectalSite();
  const patients = generateSitePatients(profile, 40, 77).patients;
  before(async () => {
    db = await openDatabase({});
    site = buildTestApp(db);
    await loadShippedModels(site.models);
    for (const p of patients) {
      await site.clinical.importBundle(p.bundle, 'test');
      const slide = slideTiles(profile, 77, p.biology, 8);
      await site.pathology.importTiles(
        (async function* () {
          for (const t of slide.tiles) yield { name: t.name, bytes: await t.render().toBuffer() };
        })(),
        { patientId: p.biology.id, slideId: slide.id, source: 'test' },
      );
    }
  });
  after(async () => {
    await site.pathology.close();
    await site.models.close();
    await db.close();
  });

  it('answers per biomarker with the model version and the most-attended tiles', async () => {
    const m = (await gql(site, MUTATIONS, { id: patients[0]!.biology.id })).body.data.patient.mutationPredictions;
    assert.deepEqual(m.map((x: { biomarker: string }) => x.biomarker), ['MSI_H', 'EGFR', 'KRAS', 'BRAF_V600E']);
    for (const x of m) {
      assert.equal(x.modelVersion, 'mutation-synthetic@1');
      assert.equal(x.tiles, 8);
      assert.equal(x.topTiles.length, 3);
      assert.match(x.topTiles[0].tileId, /^crc-heldout-\d+-HE1\/x\d+_y\d+\.png$/);
      assert.ok(x.topTiles[0].attention >= x.topTiles[1].attention && x.topTiles[1].attention >= x.topTiles[2].attention);
    }
  });

  it('separates MSI-H from MSS on held-out generated slides (AUC > 0.7, the cohort issue bar for a learnable signal)', async (t) => {
    const scores: number[] = [];
    for (const p of patients) {
      const m = (await gql(site, MUTATIONS, { id: p.biology.id })).body.data.patient.mutationPredictions;
      scores.push(m.find((x: { biomarker: string }) => x.biomarker === 'MSI_H').probability);
    }
    const labels = patients.map((p) => (p.biology.msiH ? 1 : 0));
    assert.ok(labels.filter(Boolean).length >= 5, `${labels.filter(Boolean).length} MSI-H patients`);
    const a = auc(scores, labels);
    t.diagnostic(`MSI-H AUC ${a.toFixed(3)} over ${labels.length} slides`);
    assert.ok(a > 0.7, `MSI-H AUC ${a}`);
  });

  it('returns no predictions for a patient without slides', async () => {
    await site.clinical.importBundle(generateSitePatients(builtInProfiles()[1]!, 1, 5).patients[0]!.bundle, 'test');
    const id = generateSitePatients(builtInProfiles()[1]!, 1, 5).patients[0]!.biology.id;
    assert.deepEqual((await gql(site, MUTATIONS, { id })).body.data.patient.mutationPredictions, []);
  });
});
