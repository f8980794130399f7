import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabases } from '../../helpers/databases.ts';
import type { Database } from '../../../src/storage/port.ts';
import { PrivacyLedger } from '../../../src/federation/privacy/privacy-ledger.ts';
import { FederationRequestError, type FetchLike } from '../../../src/federation/protocol/client.ts';
import { createSqlSiteStore } from '../../../src/federation/site/index.ts';
import { FEDERATION, LINEAGE, fixedTrainer, startHarness, type Harness } from '../coordinator/harness.ts';

const SITES = ['site-a', 'site-b', 'site-c'];

for (const target of testDatabases()) {
  describe(`a site that crashes before its update lands, on ${target.name}`, () => {
    let db: Database;
    let h: Harness;
    before(async () => {
      db = await target.open();
      h = await startHarness(db, { sites: SITES, initialWeights: Float64Array.from([1, 1, 1]) });
    });
    after(async () => {
      await h.close();
      await db.close();
    });

    it('resends the stored update after a restart: no retraining, one charge, one submission', async () => {
      await h.coordinator.openRound({
        federationId: FEDERATION, lineageId: LINEAGE, roundId: 'round-crash', strategy: { name: 'fedavg' },
        localSteps: 10, learningRate: 0.1, batchSize: 8, quorum: 1, target: 3, durationMs: 60_000, dp: { noiseMultiplier: 1, clipNorm: 1 },
      });
      const budget = () => new PrivacyLedger({ epsilon: 50, delta: 1e-5 });
      const planPrivacy = () => ({ sampleRate: 0.1, noiseMultiplier: 1, steps: 10 });
      const unreachable: FetchLike = async (url, init) => {
        if (url.endsWith('/updates')) throw new TypeError('connect ECONNREFUSED');
        return fetch(url, init);
      };
      const first = fixedTrainer([0.25, 0.5, -0.25], 7);
      const before = h.participant('site-a', first, { store: createSqlSiteStore(db), ledger: budget(), planPrivacy, fetch: unreachable });
      await assert.rejects(before.pollOnce(), (err: unknown) => err instanceof FederationRequestError && err.reason === 'UNREACHABLE');
      assert.equal(first.calls, 1);

      // a new process: same database, a trainer that would give another update if asked
      const second = fixedTrainer([9, 9, 9], 7);
      const restarted = h.participant('site-a', second, { store: createSqlSiteStore(db), ledger: budget(), planPrivacy });
      const outcome = await restarted.pollOnce();
      assert.equal(outcome.kind, 'submitted');
      assert.equal(second.calls, 0, 'the stored update is sent, not a retrained one');
      assert.deepEqual((await restarted.ledger())!.rounds.map((r) => r.roundId), ['round-crash']);
      const rows = await db.query<{ n: number }>("SELECT count(*) AS n FROM federation_submission WHERE round_id = 'round-crash'");
      assert.equal(rows.rows[0]!.n, 1);
      const status = await db.query<{ status: string }>("SELECT status FROM site_federation_round WHERE round_id = 'round-crash'");
      assert.deepEqual(status.rows, [{ status: 'submitted' }]);
    });
  });
}
