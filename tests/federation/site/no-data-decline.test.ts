/**
 * A site with no training data for a round declines it with NO_DATA: before any key is exchanged
 * or anything trained, the coordinator records the decline, stops waiting for the site, and
 * `federation status` shows who declined and why.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabases } from '../../helpers/databases.ts';
import type { Database } from '../../../src/storage/port.ts';
import { formatStatus } from '../../../src/cli/federation-command.ts';
import { noTrainingData } from '../../../src/federation/site/index.ts';
import { FEDERATION, LINEAGE, fixedTrainer, startHarness, type Harness } from '../coordinator/harness.ts';

const SITES = ['site-a', 'site-b', 'site-c'];
const round = (roundId: string, quorum: number) => ({
  federationId: FEDERATION, lineageId: LINEAGE, roundId, strategy: { name: 'fedavg' },
  localSteps: 5, learningRate: 0.1, batchSize: 8, quorum, target: 3, durationMs: 60_000,
});
const empty = async () => {
  throw noTrainingData('this site cannot train response-synthetic: no consented patient has a recorded response');
};

for (const target of testDatabases()) {
  describe(`NO_DATA declines on ${target.name}`, () => {
    let db: Database;
    let h: Harness;
    before(async () => {
      db = await target.open();
      h = await startHarness(db, { sites: SITES, initialWeights: Float64Array.from([1, 1]) });
    });
    after(async () => {
      await h.close();
      await db.close();
    });

    it('a site without data declines before training; the round closes on the other two without waiting for it', async () => {
      await h.coordinator.openRound(round('round-1', 2));
      const trainerC = fixedTrainer([9, 9], 5);
      const c = h.participant('site-c', trainerC, { checkData: empty });
      assert.deepEqual(await c.pollOnce(), { kind: 'declined', roundId: 'round-1', reason: 'NO_DATA' });
      assert.equal(trainerC.calls, 0, 'nothing is trained for a declined round');
      assert.equal((await c.pollOnce()).kind, 'idle', 'a declined round is not offered again');

      const status = (await h.coordinator.status()).rounds[0]!;
      assert.equal(status.declined, 1);
      assert.deepEqual(status.declines, [{ siteId: 'site-c', reason: 'NO_DATA' }]);
      assert.equal(status.state, 'open');

      const a = h.participant('site-a', fixedTrainer([0.5, 0], 1));
      const b = h.participant('site-b', fixedTrainer([0, 0.5], 1));
      assert.equal((await a.pollOnce()).kind, 'submitted');
      assert.equal((await b.pollOnce()).kind, 'submitted');
      // every site has answered (two updates, one decline) and two meet the quorum: closed before the target of 3
      assert.equal((await h.coordinator.status()).rounds[0]!.state, 'closed');
      const v = await a.fetchLatestVersion(LINEAGE);
      assert.deepEqual(v.manifest.contributors, ['site-a', 'site-b']);
      // FedAvg of (0.5, 0) and (0, 0.5), one example each: (1.25, 1.25)
      assert.deepEqual(Array.from(v.weights), [1.25, 1.25]);

      const printed = formatStatus(await h.coordinator.status()).join('\n');
      assert.match(printed, /site-c declined: NO_DATA/);
    });

    it('a trainer that finds no data (consent withdrawn after the check) declines with NO_DATA too', async () => {
      await h.coordinator.openRound(round('round-2', 2));
      const c = h.participant('site-c', empty);
      assert.deepEqual(await c.pollOnce(), { kind: 'declined', roundId: 'round-2', reason: 'NO_DATA' });
      const r2 = async () => (await h.coordinator.status()).rounds.find((x) => x.id === 'round-2')!;
      assert.deepEqual((await r2()).declines, [{ siteId: 'site-c', reason: 'NO_DATA' }]);
      await h.participant('site-a', fixedTrainer([0, 0], 1)).pollOnce();
      await h.participant('site-b', fixedTrainer([0, 0], 1)).pollOnce();
      assert.equal((await r2()).state, 'closed');
    });

    it('when declines leave fewer sites than the quorum, the round fails at once instead of at its deadline', async () => {
      await h.coordinator.openRound(round('round-3', 3));
      await h.participant('site-c', fixedTrainer([0, 0], 1), { checkData: empty }).pollOnce();
      const r = (await h.coordinator.status()).rounds.find((x) => x.id === 'round-3')!;
      assert.equal(r.state, 'failed');
      assert.equal(r.failure, '1 of 3 invited site(s) declined; the quorum of 3 cannot be reached');
    });
  });
}
