import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { generateSitePatients } from '../../src/cohort/generate.ts';
import { builtInProfiles } from '../../src/cohort/profiles.ts';
import { loadShippedModels } from '../../src/inference/model-registry.ts';
import { concordanceIndex } from '../../src/modeling/metrics.ts';
import type { Database } from '../../src/storage/port.ts';
import { loadTcgaBrca, trainTcgaBrcaPrognosis } from '../../src/training/tcga-brca.ts';
import { buildTestApp, gql } from '../helpers/app.ts';
import { testDatabases } from '../helpers/databases.ts';

const SHIPPED = new URL('../../models/prognosis-brca/1/', import.meta.url);
const shippedOnnx = readFileSync(new URL('model.onnx', SHIPPED));
const shippedCard = JSON.parse(readFileSync(new URL('card.json', SHIPPED), 'utf8')) as { sha256: string; standardisation: { mean: number[]; sd: number[] }; metrics: { overall: { testCIndex: number } } };

describe('the shipped breast-cancer prognosis model', () => {
  it('is rebuilt bit for bit by the training code from the same seed', () => {
    const rebuilt = trainTcgaBrcaPrognosis('1');
    assert.equal(rebuilt.card.sha256, shippedCard.sha256);
    assert.deepEqual(Buffer.from(rebuilt.onnx), shippedOnnx);
    assert.deepEqual(JSON.parse(JSON.stringify(rebuilt.card)), shippedCard);
  });

  it("reaches FLamby's pooled-training C-index (0.704) or better on the Fed-TCGA-BRCA test split, run through onnxruntime", async () => {
    const test = loadTcgaBrca().patients.filter((p) => p.fold === 'test');
    assert.equal(test.length, 222);
    const { mean, sd } = shippedCard.standardisation;
    const x = Float32Array.from(test.flatMap((p) => p.x.map((v, j) => (v - mean[j]!) / sd[j]!)));
    const session = await ort.InferenceSession.create(shippedOnnx);
    const out = await session.run({ features: new ort.Tensor('float32', x, [test.length, 39]) });
    await session.release();
    const c = concordanceIndex(out.risk!.data as Float32Array, test.map((p) => p.time), test.map((p) => p.event));
    assert.ok(c >= 0.704, `test C-index ${c}`);
    assert.ok(Math.abs(c - shippedCard.metrics.overall.testCIndex) < 1e-5, 'the card reports what the file does');
  });
});

const PROGNOSIS = `query($id: ID!) { patient(id: $id) { prognosis { risk medianSurvivalDays modelVersion featureSchema survivalCurve { day probability } missingInputs { feature reason } } } }`;

for (const target of testDatabases()) {
  describe(`prognosis through GraphQL and the registry on ${target.name}`, () => {
    let db: Database;
    let site: ReturnType<typeof buildTestApp>;
    const site1 = generateSitePatients(builtInProfiles()[0]!, 40, 2026);
    const breast = site1.patients.filter((p) => p.biology.cancer === 'breast');
    const lung = site1.patients.find((p) => p.biology.cancer === 'lung')!;
    before(async () => {
      db = await target.open();
      site = buildTestApp(db);
      await loadShippedModels(site.models);
      for (const p of [...breast, lung]) await site.clinical.importBundle(p.bundle, 'test');
    });
    after(async () => {
      await site.models.close();
      await db.close();
    });

    it('answers for a breast-cancer patient with the model version, a falling curve and the missing inputs; null for lung cancer', async () => {
      const res = await gql(site, PROGNOSIS, { id: breast[0]!.biology.id });
      const p = res.body.data.patient.prognosis;
      assert.equal(p.modelVersion, 'prognosis-brca@1');
      assert.equal(p.featureSchema, 'tcga-brca-clinical@1');
      const curve = p.survivalCurve.map((c: { probability: number }) => c.probability);
      assert.equal(curve.length, 7);
      for (let i = 1; i < curve.length; i++) assert.ok(curve[i] <= curve[i - 1] && curve[i] > 0);
      assert.ok(p.missingInputs.some((m: { feature: string }) => m.feature === 'race_not reported'));
      assert.ok(!p.missingInputs.some((m: { feature: string }) => m.feature === 'age_at_index'), 'age is read from the record');
      assert.equal((await gql(site, PROGNOSIS, { id: lung.biology.id })).body.data.patient.prognosis, null);
    });

    it('ranks generated breast patients by their planted risk better than chance', async () => {
      const risks: number[] = [];
      for (const p of breast) risks.push((await gql(site, PROGNOSIS, { id: p.biology.id })).body.data.patient.prognosis.risk);
      // stage drives both the generator's hazard and TCGA's; the generated outcomes must be ordered by it
      const c = concordanceIndex(risks, breast.map((p) => p.course.observedDays), breast.map((p) => (p.course.died ? 1 : 0)));
      assert.ok(c > 0.55, `C-index on generated breast patients ${c}`);
    });

    it('refuses a model whose bytes do not match its card, and records every version it activates', async () => {
      const tampered = Buffer.from(shippedOnnx);
      tampered[tampered.length - 5]! ^= 0xff;
      await assert.rejects(site.models.register(tampered, shippedCard, 'test'), /sha256 .* the card says/);
      await assert.rejects(site.models.register(shippedOnnx, { ...shippedCard, task: 'astrology' }, 'test'), /model card task/);
      const history = await site.models.history('prognosis-brca');
      assert.deepEqual(history.map((h) => [h.version, h.sha256]), [['1', shippedCard.sha256]]);
    });

    it('hot-swaps a new version while queries run: every query succeeds and names the version that answered it', async () => {
      const v2 = trainTcgaBrcaPrognosis('2');
      const ids = breast.map((p) => p.biology.id);
      // a request in flight holds a lease on version 1; the swap must not pull the session from under it
      const inFlight = site.models.lease('prognosis-brca');
      assert.equal(inFlight.id, 'prognosis-brca@1');
      const queries = Array.from({ length: 60 }, (_, i) => gql(site, PROGNOSIS, { id: ids[i % ids.length] }));
      await new Promise((r) => setTimeout(r, 5));
      await site.models.register(v2.onnx, v2.card, 'test hot swap');
      const stillRuns = await inFlight.run({ features: new ort.Tensor('float32', new Float32Array(39), [1, 39]) });
      assert.equal((stillRuns.risk!.data as Float32Array).length, 1);
      inFlight.release();
      const answers = await Promise.all(queries);
      const versions = new Set(answers.map((a) => {
        assert.equal(a.status, 200);
        assert.ok(!a.body.errors, JSON.stringify(a.body.errors));
        return a.body.data.patient.prognosis.modelVersion;
      }));
      for (const v of versions) assert.match(v, /^prognosis-brca@[12]$/);
      const later = await gql(site, PROGNOSIS, { id: ids[0] });
      assert.equal(later.body.data.patient.prognosis.modelVersion, 'prognosis-brca@2');
      const history = await site.models.history('prognosis-brca');
      assert.deepEqual(history.map((h) => h.version), ['1', '2']);
    });
  });
}
