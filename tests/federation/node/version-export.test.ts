/**
 * Issue 6, point 7: a lineage made from a shipped model publishes every round's version as ONNX
 * with its model card and the coordinator's signature, and a site can verify, test and install it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { createModelRegistry, type ModelRegistry } from '../../../src/inference/model-registry.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import type { Database } from '../../../src/storage/port.ts';
import { parameterCount } from '../../../src/federation/local-training/federated-model.ts';
import { createLineageFromModel, federatedModelFromCard, readShippedModel, weightsFromOnnx } from '../../../src/federation/node/lineage-model.ts';
import { PrivacyLedger } from '../../../src/federation/privacy/privacy-ledger.ts';
import { publicKeyFromBase64 } from '../../../src/federation/protocol/identity-keys.ts';
import { acceptVersion } from '../../../src/federation/rollout/accept-version.ts';
import { cardHash, verifyVersion } from '../../../src/federation/rollout/version-signature.ts';
import type { LabelledSet } from '../../../src/federation/site-data/labelled-set.ts';
import type { FetchedVersion, SiteTrainer } from '../../../src/federation/site/index.ts';
import { Rng } from '../../../src/random/rng.ts';
import { testDatabases } from '../../helpers/databases.ts';
import { FEDERATION, LINEAGE, startHarness, type Harness } from '../coordinator/harness.ts';

const SITES = ['site-a', 'site-b'];
const RESPONSE = 'response';
const shipped = readShippedModel('response-synthetic');
const model = federatedModelFromCard(shipped.card);
const n = parameterCount(model);

/** A trainer returning a small fixed delta; site-a reports DP-SGD steps so its ledger is charged. */
function trainer(scale: number, examples: number, dp: boolean): SiteTrainer {
  return async () => ({
    delta: Float64Array.from({ length: n }, (_, j) => scale * Math.sin(j + 1)),
    numExamples: examples,
    ...(dp ? { privacy: { sampleRate: 0.1, noiseMultiplier: 1.1, steps: 20 } } : {}),
  });
}

/** A held-out set of random response examples: enough to run the acceptance test, not to judge the model. */
function heldOut(): LabelledSet {
  const rng = new Rng(3, 'export-held-out');
  return {
    task: 'response',
    featureSchema: shipped.card.featureSchema,
    examples: Array.from({ length: 40 }, (_, unit) => ({
      features: Array.from({ length: 35 }, () => rng.normal()),
      label: (unit % 2) as 0 | 1,
      subgroups: { population: 'not recorded', sex: unit % 3 === 0 ? 'male' : 'female', ageBand: '50-64' },
      unit,
    })),
  };
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const onnxOf = (v: FetchedVersion) => Buffer.from(v.model!.onnx, 'base64');

for (const target of testDatabases()) {
  describe(`versions exported to ONNX by the coordinator on ${target.name}`, () => {
    let db: Database;
    let h: Harness;
    let registry: ModelRegistry;
    const pinned = () => publicKeyFromBase64(h.coordinatorKeys.publicKey);

    before(async () => {
      db = await target.open();
      h = await startHarness(db, { sites: SITES, initialWeights: Float64Array.from([1, 2, 3]) });
      registry = createModelRegistry({ db, logger: createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) }) });
      await registry.register(shipped.onnx, shipped.cardJson, 'models/response-synthetic/1');
    });
    after(async () => {
      await registry.close();
      await h.close();
      await db.close();
    });

    const round = async (roundId: string) => {
      await h.coordinator.openRound({ federationId: FEDERATION, lineageId: RESPONSE, roundId, strategy: { name: 'fedavg' }, localSteps: 5, learningRate: 0.1, batchSize: 8, quorum: 2, durationMs: 60_000 });
      const a = h.participant('site-a', trainer(1e-3, 3, true), { ledger: new PrivacyLedger({ epsilon: 50, delta: 1e-5 }) });
      const b = h.participant('site-b', trainer(-2e-3, 1, false));
      assert.equal((await a.pollOnce()).kind, 'submitted');
      assert.equal((await b.pollOnce()).kind, 'submitted');
      return a.fetchLatestVersion(RESPONSE);
    };

    it('version 0 is the shipped model itself, signed; a lineage of bare weights carries no model', async () => {
      const { manifest } = await createLineageFromModel(h.coordinator, { federationId: FEDERATION, lineageId: RESPONSE, model: shipped });
      assert.equal(manifest.version, 0);
      assert.equal(manifest.parameterCount, n);
      const v0 = await h.participant('site-a', trainer(0, 1, false)).fetchLatestVersion(RESPONSE);
      assert.deepEqual([...v0.weights], [...weightsFromOnnx(model, shipped.onnx)]);
      assert.equal(sha256(onnxOf(v0)), shipped.card.sha256);
      assert.equal(v0.model!.card.version, '1');
      assert.ok(verifyVersion(pinned(), { lineage: RESPONSE, version: '1', sha256: shipped.card.sha256, cardHash: cardHash(v0.model!.card) }, v0.model!.signature));
      const bare = await h.participant('site-a', trainer(0, 1, false)).fetchLatestVersion(LINEAGE);
      assert.equal(bare.model, null);
    });

    it("each closed round's version is ONNX of the aggregated weights with a card recording parent, round and per-site privacy", async () => {
      const v1 = await round('round-1');
      assert.equal(v1.manifest.version, 1);
      const onnx = onnxOf(v1);
      const card = v1.model!.card as Record<string, any>;
      assert.equal(card.version, '2', 'card version = shipped version 1 + lineage version 1');
      assert.equal(card.sha256, sha256(onnx));
      assert.equal(card.federation.lineage, RESPONSE);
      assert.equal(card.federation.parentVersion, '1');
      assert.deepEqual(card.federation.round, { id: 'round-1', number: 1, strategy: 'fedavg', sites: SITES, examples: 4 });
      assert.ok(card.federation.privacy['site-a'].epsilon > 0);
      assert.equal(card.federation.privacy['site-a'].delta, 1e-5);
      assert.deepEqual(card.federation.privacy['site-b'], { epsilon: null, delta: null });
      assert.equal(card.privacy.epsilon, null, 'a site without DP leaves the version without an overall ε');
      assert.deepEqual(card.standardisation, shipped.card.standardisation);
      assert.ok(verifyVersion(pinned(), { lineage: RESPONSE, version: '2', sha256: card.sha256, cardHash: cardHash(card) }, v1.model!.signature));
      // the ONNX holds the manifest's weights (as float32), in the trainer's flat order
      const fromOnnx = weightsFromOnnx(model, onnx);
      for (let j = 0; j < n; j++) assert.equal(fromOnnx[j], Math.fround(v1.weights[j]!));
      // and those are FedAvg of the two deltas: (3·Δa + 1·Δb) / 4 from version 0
      const w0 = weightsFromOnnx(model, shipped.onnx);
      for (const j of [0, 100, n - 1]) assert.ok(Math.abs(v1.weights[j]! - (w0[j]! + (3 * 1e-3 - 2e-3) * Math.sin(j + 1) / 4)) < 1e-15);
    });

    it('a site verifies, tests and installs the version; a tampered card is refused', async () => {
      const v1 = await h.participant('site-b', trainer(0, 1, false)).fetchLatestVersion(RESPONSE);
      const candidate = { onnx: onnxOf(v1), card: v1.model!.card, signature: v1.model!.signature };
      const forged = await acceptVersion({ registry, candidate: { ...candidate, card: { ...candidate.card, intendedUse: 'anything' } }, coordinatorKey: pinned(), heldOut: heldOut(), tolerance: 1 });
      assert.equal(forged.status, 'refused');
      assert.equal(forged.status === 'refused' && forged.reason, 'signature');
      const result = await acceptVersion({ registry, candidate, coordinatorKey: pinned(), heldOut: heldOut(), tolerance: 1 });
      assert.equal(result.status, 'installed');
      assert.equal(registry.lease('response-synthetic').card.version, '2');
    });

    it('versions keep growing across a coordinator restart, each built on the previous one', async () => {
      await h.restart();
      const v2 = await round('round-2');
      const card = v2.model!.card as Record<string, any>;
      assert.equal(v2.manifest.version, 2);
      assert.equal(card.version, '3');
      assert.equal(card.federation.parentVersion, '2');
      assert.equal(card.federation.round.number, 2);
      assert.equal(card.training.federatedRounds, 2);
      const result = await acceptVersion({ registry, candidate: { onnx: onnxOf(v2), card, signature: v2.model!.signature }, coordinatorKey: pinned(), heldOut: heldOut(), tolerance: 1 });
      assert.equal(result.status === 'installed' && result.previous, '2');
    });
  });
}
