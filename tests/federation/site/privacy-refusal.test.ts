import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabases } from '../../helpers/databases.ts';
import type { Database } from '../../../src/storage/port.ts';
import { PrivacyLedger } from '../../../src/federation/privacy/privacy-ledger.ts';
import { createSqlSiteStore } from '../../../src/federation/site/index.ts';
import { FEDERATION, LINEAGE, fixedTrainer, startHarness, type Harness } from '../coordinator/harness.ts';

const SITES = ['site-a', 'site-b', 'site-c'];
// DP-SGD at Poisson rate 0.05, σ = 1.1, 50 local steps; δ = 1e-5 for every site.
const STEPS = { sampleRate: 0.05, noiseMultiplier: 1.1, steps: 50 };
const DELTA = 1e-5;

for (const target of testDatabases()) {
  describe(`privacy budget at the site on ${target.name}`, () => {
    let db: Database;
    let h: Harness;
    before(async () => {
      db = await target.open();
      h = await startHarness(db, { sites: SITES, initialWeights: Float64Array.from([0, 0]) });
    });
    after(async () => {
      await h.close();
      await db.close();
    });

    it('a site whose budget the round would exceed declines before training; the others are charged and their ε is published', async () => {
      const cost = new PrivacyLedger({ epsilon: 1e6, delta: DELTA }).epsilonAfter({ roundId: 'probe', ...STEPS });
      // the round costs somewhere between the two budgets
      assert.ok(cost > 0.2 && cost < 10, `one round costs ε = ${cost}`);
      await h.coordinator.openRound({
        federationId: FEDERATION, lineageId: LINEAGE, roundId: 'round-dp', strategy: { name: 'fedavg' },
        localSteps: STEPS.steps, learningRate: 0.1, batchSize: 8, quorum: 2, target: 3, durationMs: 60_000,
        dp: { noiseMultiplier: STEPS.noiseMultiplier, clipNorm: 1 },
      });
      const planPrivacy = () => STEPS;
      const storeA = createSqlSiteStore(db);
      const poorTrainer = fixedTrainer([1, 1], 10);
      const a = h.participant('site-a', fixedTrainer([0.5, 0], 10), { ledger: new PrivacyLedger({ epsilon: 10, delta: DELTA }), planPrivacy, store: storeA });
      const b = h.participant('site-b', fixedTrainer([0, 0.5], 10), { ledger: new PrivacyLedger({ epsilon: 10, delta: DELTA }), planPrivacy });
      const c = h.participant('site-c', poorTrainer, { ledger: new PrivacyLedger({ epsilon: 0.2, delta: DELTA }), planPrivacy });

      const refusal = await c.pollOnce();
      assert.deepEqual(refusal, { kind: 'declined', roundId: 'round-dp', reason: 'PRIVACY_BUDGET' });
      assert.equal(poorTrainer.calls, 0, 'no training for a refused round');
      assert.deepEqual((await c.ledger())!.rounds, []);
      assert.equal((await h.coordinator.status()).rounds[0]!.declined, 1);
      assert.equal((await c.pollOnce()).kind, 'idle', 'a declined round is not offered again');

      assert.equal((await a.pollOnce()).kind, 'submitted');
      assert.equal((await b.pollOnce()).kind, 'submitted');
      // every invited site has answered and two updates meet the quorum
      const round = (await h.coordinator.status()).rounds[0]!;
      assert.equal(round.state, 'closed');

      const spentA = (await a.ledger())!.spent();
      assert.ok(Math.abs(spentA.epsilon - cost) < 1e-12);
      const v = await a.fetchLatestVersion(LINEAGE);
      assert.deepEqual(v.manifest.contributors, ['site-a', 'site-b']);
      assert.deepEqual(v.manifest.privacy, [
        { siteId: 'site-a', epsilon: spentA.epsilon, delta: DELTA },
        { siteId: 'site-b', epsilon: (await b.ledger())!.spent().epsilon, delta: DELTA },
      ]);
      // site-a's ledger survives in its store
      const stored = await storeA.loadLedger(FEDERATION);
      assert.deepEqual(stored?.rounds, [{ roundId: 'round-dp', ...STEPS }]);
    });
  });
}
