import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Writable } from 'node:stream';
import * as ort from 'onnxruntime-node';
import { acceptVersion, type VersionCandidate } from '../../../src/federation/rollout/accept-version.ts';
import { buildVersion } from '../../../src/federation/rollout/build-version.ts';
import { cardHash, signVersion } from '../../../src/federation/rollout/version-signature.ts';
import { standardise } from '../../../src/features/feature-schema.ts';
import { createModelRegistry, loadShippedModels, type ModelRegistry } from '../../../src/inference/model-registry.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { runForward } from '../../../src/modeling/execute.ts';
import { tensor } from '../../../src/modeling/tensor.ts';
import type { Database } from '../../../src/storage/port.ts';
import { testDatabases } from '../../helpers/databases.ts';
import { baseCard, baseCardJson, baseOnnx, baseWeights, layout, tcgaHeldOut } from './rollout-fixtures.ts';

const coordinator = generateKeyPairSync('ed25519');
const heldOut = tcgaHeldOut();
const roundNumbered = (n: number) => ({ id: `r${n}`, number: n, strategy: 'fedavg', sites: ['site-a', 'site-b'], examples: 700 });
const privacy = { 'site-a': { epsilon: 2, delta: 1e-5 }, 'site-b': { epsilon: 2, delta: 1e-5 } };

/** A version built and signed as the coordinator publishes it. */
function publish(version: string, weights: Float64Array) {
  const built = buildVersion({ lineage: 'brca-os', baseCard, baseOnnx, weights, parameterLayout: layout, version, privacy, round: roundNumbered(Number(version) - 1) });
  const card = JSON.parse(JSON.stringify(built.card)) as Record<string, unknown>;
  const signature = signVersion(coordinator.privateKey, { lineage: 'brca-os', version, sha256: built.sha256, cardHash: cardHash(card) });
  return { candidate: { onnx: built.onnx, card, signature } satisfies VersionCandidate, graph: built.graph };
}

function quietLogger() {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: 'info', destination: new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) }) }) };
}

/** Risk of the first held-out patients from whatever the registry serves now. */
async function servedRisk(registry: ModelRegistry, rows = 5): Promise<{ version: string; risk: number[] }> {
  const lease = registry.lease('prognosis-brca');
  try {
    const std = lease.card.standardisation!;
    const x = Float32Array.from(heldOut.examples.slice(0, rows).flatMap((e) => standardise(e.features, std)));
    const out = await lease.run({ features: new ort.Tensor('float32', x, [rows, 39]) });
    return { version: lease.card.version, risk: Array.from(out.risk!.data as Float32Array) };
  } finally {
    lease.release();
  }
}

for (const target of testDatabases()) {
  describe(`rollout acceptance at a site on ${target.name}`, () => {
    let db: Database;
    let registry: ModelRegistry;
    const { logger, lines } = quietLogger();
    // weights a round might produce: close to the shipped ones, slightly shrunk
    const good = publish('2', baseWeights().map((w) => w * 0.97));
    const accept = (candidate: VersionCandidate) => acceptVersion({ registry, candidate, coordinatorKey: coordinator.publicKey, heldOut, tolerance: 0.02, logger });

    before(async () => {
      db = await target.open();
      registry = createModelRegistry({ db, logger });
      await registry.register(baseOnnx, baseCardJson, 'models/prognosis-brca/1');
    });
    after(async () => {
      await registry.close();
      await db.close();
    });

    it('refuses tampered bytes, a tampered card, and a signature from another key', async () => {
      const bytes = Uint8Array.from(good.candidate.onnx);
      bytes[bytes.length - 3]! ^= 1;
      const tamperedBytes = await accept({ ...good.candidate, onnx: bytes });
      assert.deepEqual([tamperedBytes.status, tamperedBytes.status === 'refused' && tamperedBytes.reason], ['refused', 'hash']);
      // an attacker who also fixes the card's sha256 breaks the signature instead
      const resealed = await accept({ ...good.candidate, onnx: bytes, card: { ...good.candidate.card, sha256: createHash('sha256').update(bytes).digest('hex') } });
      assert.deepEqual([resealed.status, resealed.status === 'refused' && resealed.reason], ['refused', 'signature']);
      const card = { ...good.candidate.card, intendedUse: 'anything at all' };
      const tamperedCard = await accept({ ...good.candidate, card });
      assert.deepEqual([tamperedCard.status, tamperedCard.status === 'refused' && tamperedCard.reason], ['refused', 'signature']);
      const forged = signVersion(generateKeyPairSync('ed25519').privateKey, { lineage: 'brca-os', version: '2', sha256: good.candidate.card.sha256 as string, cardHash: cardHash(good.candidate.card) });
      const wrongKey = await accept({ ...good.candidate, signature: forged });
      assert.deepEqual([wrongKey.status, wrongKey.status === 'refused' && wrongKey.reason], ['refused', 'signature']);
      assert.equal((await servedRisk(registry)).version, '1');
    });

    it('refuses a candidate with worse held-out metrics (weights negated), naming the subgroups and metric', async () => {
      const worse = publish('2', baseWeights().map((w) => -w));
      const result = await accept(worse.candidate);
      assert.equal(result.status, 'refused');
      if (result.status !== 'refused') return;
      assert.equal(result.reason, 'metrics');
      const failed = result.failures.map((f) => `${f.subgroup} ${f.metric}`);
      assert.ok(failed.includes('overall cIndex'));
      assert.ok(failed.includes('population White cIndex'), failed.join(', '));
      assert.ok(failed.includes('age 50-64 cIndex'), failed.join(', '));
      // the shipped model's test C-index (its card) against the mirror image of it
      const overall = result.failures.find((f) => f.subgroup === 'overall')!;
      assert.ok(Math.abs(overall.current! - 0.850275) < 1e-5);
      assert.ok(overall.candidate! < 0.2);
      assert.match(result.message, /overall cIndex 0\.850 → 0\.1/);
      // Asian patients are too few in the test split to gate
      const asian = result.rows.find((r) => r.subgroup === 'population Asian');
      assert.equal(asian?.gating, false);
      assert.equal((await servedRisk(registry)).version, '1');
      assert.ok(lines.some((l) => l.includes('model version refused')));
    });

    it('installs an acceptable candidate and hot-swaps it: a request in flight finishes on the old version', async () => {
      const inFlight = registry.lease('prognosis-brca');
      const result = await accept(good.candidate);
      assert.deepEqual([result.status, result.status === 'installed' && result.previous], ['installed', '1']);
      assert.equal(inFlight.card.version, '1');
      const x = Float32Array.from(standardise(heldOut.examples[0]!.features, inFlight.card.standardisation!));
      await inFlight.run({ features: new ort.Tensor('float32', x, [1, 39]) }); // the old session is still open
      inFlight.release();
      const served = await servedRisk(registry);
      assert.equal(served.version, '2');
      const std = baseCard.standardisation!;
      const ts = runForward(good.graph, { features: tensor([5, 39], heldOut.examples.slice(0, 5).flatMap((e) => standardise(e.features, std))) }).get('risk')!.data;
      served.risk.forEach((r, i) => assert.ok(Math.abs(r - ts[i]!) < 1e-4));
      const history = await registry.history('prognosis-brca');
      assert.deepEqual(history.map((h) => [h.version, h.source]), [['1', 'models/prognosis-brca/1'], ['2', 'rollout brca-os round r1']]);
    });

    it('refuses a version that is not newer than the one in service, and signed bytes onnxruntime cannot open', async () => {
      const again = await accept(good.candidate);
      assert.deepEqual([again.status, again.status === 'refused' && again.reason], ['refused', 'stale']);
      const garbage = new TextEncoder().encode('not an onnx model');
      const card = { ...good.candidate.card, version: '9', sha256: createHash('sha256').update(garbage).digest('hex') };
      const signature = signVersion(coordinator.privateKey, { lineage: 'brca-os', version: '9', sha256: card.sha256, cardHash: cardHash(card) });
      const broken = await accept({ onnx: garbage, card, signature });
      assert.deepEqual([broken.status, broken.status === 'refused' && broken.reason], ['refused', 'incompatible']);
    });

    it('keeps the installed version across a restart', async () => {
      const restarted = createModelRegistry({ db, logger });
      try {
        await loadShippedModels(restarted);
        assert.equal((await servedRisk(restarted)).version, '2');
        assert.equal(restarted.active().find((c) => c.name === 'response-synthetic')?.version, '1');
      } finally {
        await restarted.close();
      }
    });

    it('rolls back to the previous version, records it, and keeps it after a restart', async () => {
      const before = await servedRisk(registry);
      const { from, to } = await registry.rollback('prognosis-brca');
      assert.deepEqual([from.version, to.version], ['2', '1']);
      const after = await servedRisk(registry);
      assert.equal(after.version, '1');
      assert.notDeepEqual(after.risk, before.risk);
      const history = await registry.history('prognosis-brca');
      assert.ok(history.find((h) => h.version === '2')?.rolledBackAt);
      assert.equal(history.find((h) => h.version === '1')?.rolledBackAt, undefined);
      assert.equal(history.at(-1)?.version, '1'); // activated last
      await assert.rejects(registry.rollback('prognosis-brca'), (e: { code?: string }) => e.code === 'CONFLICT');
      // the coordinator offering the rolled-back version again does not bring it back
      const reoffered = await accept(good.candidate);
      assert.deepEqual([reoffered.status, reoffered.status === 'refused' && reoffered.reason], ['refused', 'rolled-back']);
      const restarted = createModelRegistry({ db, logger });
      try {
        await loadShippedModels(restarted);
        assert.equal((await servedRisk(restarted)).version, '1');
      } finally {
        await restarted.close();
      }
    });

    it('installs a newer version after a rollback, and logs no patient data', async () => {
      const v3 = publish('3', baseWeights().map((w) => w * 0.98));
      const result = await accept(v3.candidate);
      assert.equal(result.status, 'installed');
      assert.equal((await servedRisk(registry)).version, '3');
      assert.ok(!lines.join('').includes('TCGA-'));
    });
  });
}
