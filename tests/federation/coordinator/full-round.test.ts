import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabases } from '../../helpers/databases.ts';
import type { Database } from '../../../src/storage/port.ts';
import type { FetchLike } from '../../../src/federation/protocol/client.ts';
import { encodeFloat64 } from '../../../src/federation/protocol/float-codec.ts';
import { fixedTrainer, LINEAGE, FEDERATION, pollUntilIdle, startHarness, type Harness } from './harness.ts';

const SITES = ['site-a', 'site-b', 'site-c'];
const INITIAL = Float64Array.from([1, 2, 3, 4]);
// Dyadic deltas and counts, so FedAvg's arithmetic is exact and the expected weights are worked by hand.
const DELTAS: Record<string, number[]> = {
  'site-a': [0.5, -1, 0, 0.25],
  'site-b': [0.25, 0, 0.5, -0.5],
  'site-c': [-0.5, 0.5, 1, 0],
};
const EXAMPLES: Record<string, number> = { 'site-a': 1, 'site-b': 2, 'site-c': 1 };
// Σ n·Δ = (0.5 + 0.5 − 0.5, −1 + 0 + 0.5, 0 + 1 + 1, 0.25 − 1 + 0) = (0.5, −0.5, 2, −0.75); Σ n = 4
// mean Δ = (0.125, −0.125, 0.5, −0.1875); next = (1.125, 1.875, 3.5, 3.8125)
const FEDAVG_ALL = [1.125, 1.875, 3.5, 3.8125];

const roundOptions = (extra: Record<string, unknown> = {}) => ({
  federationId: FEDERATION,
  lineageId: LINEAGE,
  strategy: { name: 'fedavg' },
  localSteps: 5,
  learningRate: 0.1,
  batchSize: 8,
  quorum: 3,
  durationMs: 60_000,
  ...extra,
});

for (const target of testDatabases()) {
  describe(`federated round over HTTP on ${target.name}`, () => {
    let db: Database;
    let h: Harness;
    before(async () => {
      db = await target.open();
    });
    after(() => db.close());

    const fresh = async () => {
      await h?.close();
      await db.query('TRUNCATE federation, federation_site, federation_lineage, federation_version, federation_round, federation_submission, federation_secagg_message, federation_nonce');
      h = await startHarness(db, { sites: SITES, initialWeights: INITIAL });
    };

    it('three sites submit known deltas; the version is their exact FedAvg, signed and fetched by every site', async () => {
      await fresh();
      const round = await h.coordinator.openRound(roundOptions({ roundId: 'round-1' }));
      assert.deepEqual(round.invited, SITES);
      const seen: Float64Array[] = [];
      const participants = SITES.map((s) => {
        const trainer = fixedTrainer(DELTAS[s]!, EXAMPLES[s]!);
        return h.participant(s, async (work) => {
          seen.push(work.weights);
          assert.equal(work.localSteps, 5);
          return trainer(work);
        });
      });
      const outcomes = [];
      for (const p of participants) outcomes.push(await p.pollOnce());
      assert.deepEqual(outcomes.map((o) => o.kind), ['submitted', 'submitted', 'submitted']);
      assert.deepEqual(seen.map((w) => [...w]), [[...INITIAL], [...INITIAL], [...INITIAL]]);

      const status = await h.coordinator.status();
      assert.equal(status.rounds[0]!.state, 'closed');
      assert.equal(status.rounds[0]!.resultVersion, 1);
      assert.equal(status.rounds[0]!.submitted, 3);
      assert.deepEqual(status.sites.map((s) => s.siteId), SITES);
      assert.ok(status.sites.every((s) => s.lastSeenAt !== null));

      for (const p of participants) {
        const v = await p.fetchLatestVersion();
        assert.equal(v.manifest.version, 1);
        assert.deepEqual([...v.weights], FEDAVG_ALL);
        assert.deepEqual(v.manifest.contributors, SITES);
        assert.equal(v.manifest.roundId, 'round-1');
      }
      assert.deepEqual((await participants[0]!.pollOnce()).kind, 'idle');

      // the next round starts from version 1
      await h.coordinator.openRound(roundOptions({ roundId: 'round-2', quorum: 1 }));
      let base: number[] = [];
      await h.participant('site-b', async (work) => {
        base = [...work.weights];
        assert.equal(work.baseVersion, 1);
        return { delta: Float64Array.from([1, 1, 1, 1]), numExamples: 3 };
      }).pollOnce();
      assert.deepEqual(base, FEDAVG_ALL);
      const v2 = await participants[1]!.fetchLatestVersion();
      assert.deepEqual([...v2.weights], FEDAVG_ALL.map((x) => x + 1));
    });

    it('three submissions arriving at once close the round exactly once', async () => {
      await fresh();
      await h.coordinator.openRound(roundOptions({ roundId: 'round-race' }));
      const outcomes = await Promise.all(SITES.map((s) => h.participant(s, fixedTrainer(DELTAS[s]!, EXAMPLES[s]!)).pollOnce()));
      assert.deepEqual(outcomes.map((o) => o.kind), ['submitted', 'submitted', 'submitted']);
      const versions = await db.query<{ version: number; round_id: string | null }>('SELECT version, round_id FROM federation_version ORDER BY version');
      assert.deepEqual(versions.rows, [{ version: 0, round_id: null }, { version: 1, round_id: 'round-race' }]);
      const v = await h.participant('site-a', fixedTrainer([0, 0, 0, 0], 1)).fetchLatestVersion(LINEAGE);
      assert.deepEqual([...v.weights], FEDAVG_ALL);
    });

    it('a retried submission whose answer was lost gets the stored receipt; a different update is refused', async () => {
      await fresh();
      await h.coordinator.openRound(roundOptions({ roundId: 'round-retry' }));
      const statuses: number[] = [];
      let dropped = false;
      const lossy: FetchLike = async (url, init) => {
        const res = await fetch(url, init);
        if (url.endsWith('/updates')) statuses.push(res.status);
        if (url.endsWith('/updates') && !dropped) {
          dropped = true;
          throw new TypeError('socket hang up');
        }
        return res;
      };
      const trainer = fixedTrainer(DELTAS['site-a']!, 1);
      const outcome = await h.participant('site-a', trainer, { fetch: lossy }).pollOnce();
      assert.equal(outcome.kind, 'submitted');
      assert.deepEqual(statuses, [201, 200], 'first accepted, then the stored receipt');
      assert.equal(trainer.calls, 1);
      const rows = await db.query<{ n: number }>("SELECT count(*) AS n FROM federation_submission WHERE round_id = 'round-retry'");
      assert.equal(rows.rows[0]!.n, 1);
      const receipt = (outcome as { receipt: { receivedAt: string; updateSha256: string } }).receipt;
      const stored = await db.query<{ receipt: { receivedAt: string; updateSha256: string } }>("SELECT receipt FROM federation_submission WHERE round_id = 'round-retry'");
      assert.deepEqual(receipt, stored.rows[0]!.receipt);

      const other = h.client('site-a');
      const res = await other.send(other.prepare('federation/v1/rounds/round-retry/updates', 'round-retry', { delta: encodeFloat64(Float64Array.from([9, 9, 9, 9])), numExamples: 1, privacy: null }));
      assert.equal(res.status, 409);
      assert.equal((res.json as { error: { reason: string } }).error.reason, 'ALREADY_SUBMITTED');
    });

    it('a straggler missing the deadline is left out; the round closes at quorum with the others', async () => {
      await fresh();
      // target 3: the round waits for all three until the deadline, then closes with the quorum of 2
      await h.coordinator.openRound(roundOptions({ roundId: 'round-late', quorum: 2, target: 3 }));
      await h.participant('site-a', fixedTrainer([0.5, 0.5, 0.5, 0.5], 1)).pollOnce();
      await h.participant('site-b', fixedTrainer([-0.25, 0.25, 1, 0], 3)).pollOnce();
      assert.equal((await h.coordinator.status()).rounds[0]!.state, 'open');

      h.clock.now += 61_000;
      assert.deepEqual(await h.coordinator.tick(), ['round-late']);
      // Σ n·Δ = (0.5 − 0.75, 0.5 + 0.75, 0.5 + 3, 0.5 + 0) = (−0.25, 1.25, 3.5, 0.5); / 4 = (−0.0625, 0.3125, 0.875, 0.125)
      const late = fixedTrainer([100, 100, 100, 100], 50);
      const straggler = h.participant('site-c', late);
      assert.equal((await straggler.pollOnce()).kind, 'idle');
      assert.equal(late.calls, 0);
      const v = await straggler.fetchLatestVersion(LINEAGE);
      assert.deepEqual([...v.weights], [0.9375, 2.3125, 3.875, 4.125]);
      assert.deepEqual(v.manifest.contributors, ['site-a', 'site-b']);

      const c = h.client('site-c');
      const res = await c.send(c.prepare('federation/v1/rounds/round-late/updates', 'round-late', { delta: encodeFloat64(Float64Array.from([1, 1, 1, 1])), numExamples: 1, privacy: null }));
      assert.equal(res.status, 409);
      assert.equal((res.json as { error: { reason: string } }).error.reason, 'ROUND_CLOSED');
    });

    it('a round that cannot reach quorum by the deadline fails and publishes nothing', async () => {
      await fresh();
      await h.coordinator.openRound(roundOptions({ roundId: 'round-short' }));
      await h.participant('site-a', fixedTrainer([1, 1, 1, 1], 1)).pollOnce();
      h.clock.now += 60_000;
      await h.coordinator.tick();
      const r = (await h.coordinator.status()).rounds[0]!;
      assert.equal(r.state, 'failed');
      assert.match(r.failure!, /quorum is 3/);
      const versions = await db.query<{ n: number }>('SELECT count(*) AS n FROM federation_version');
      assert.equal(versions.rows[0]!.n, 1, 'only the initial version');
    });

    it('a coordinator restarted mid-round loses nothing: the round finishes with every update counted once', async () => {
      await fresh();
      await h.coordinator.openRound(roundOptions({ roundId: 'round-restart' }));
      const participants = SITES.map((s) => h.participant(s, fixedTrainer(DELTAS[s]!, EXAMPLES[s]!)));
      assert.equal((await participants[0]!.pollOnce()).kind, 'submitted');
      await h.restart();
      assert.equal((await participants[1]!.pollOnce()).kind, 'submitted');
      await h.restart();
      assert.equal((await participants[2]!.pollOnce()).kind, 'submitted');
      const v = await participants[0]!.fetchLatestVersion();
      assert.deepEqual([...v.weights], FEDAVG_ALL);
      const subs = await db.query<{ n: number }>("SELECT count(*) AS n FROM federation_submission WHERE round_id = 'round-restart'");
      assert.equal(subs.rows[0]!.n, 3);
      assert.deepEqual(await pollUntilIdle(participants, 2), ['idle', 'idle', 'idle']);
      await h.close();
    });
  });
}
