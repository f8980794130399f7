import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabases } from '../../helpers/databases.ts';
import type { Database } from '../../../src/storage/port.ts';
import { FEDERATION, LINEAGE, fixedTrainer, startHarness, type Harness } from './harness.ts';

const SITES = ['site-a', 'site-b', 'site-c'];
const INITIAL = [1, -1, 0.5, 2];
const DELTAS: Record<string, number[]> = {
  'site-a': [0.5, -1, 0.25, 2],
  'site-b': [-0.75, 0.5, 1.5, -1],
  'site-c': [3, 3, 3, 3],
};
const EXAMPLES: Record<string, number> = { 'site-a': 10, 'site-b': 30, 'site-c': 20 };
const MAX_WEIGHT = 100;
// one step of the default grid, 2·8 / 2^22
const STEP = 2 ** -18;

/** Plain FedAvg of `sites`, computed here without any code under test. */
function fedAvg(sites: readonly string[]): number[] {
  const total = sites.reduce((s, id) => s + EXAMPLES[id]!, 0);
  return INITIAL.map((w, j) => w + sites.reduce((s, id) => s + EXAMPLES[id]! * DELTAS[id]![j]!, 0) / total);
}

/**
 * Bound on the error of the unmasked weighted mean: numerator and denominator (Σ w/maxWeight) are
 * each off by at most n·STEP/2, so the mean Σ r·x / Σ r is off by at most (e + |mean|·e) / (Σ r − e).
 */
function meanBound(sites: readonly string[], mean: number): number {
  const e = (sites.length * STEP) / 2;
  const ratioSum = sites.reduce((s, id) => s + EXAMPLES[id]! / MAX_WEIGHT, 0);
  return (e + Math.abs(mean) * e) / (ratioSum - e);
}

for (const target of testDatabases()) {
  describe(`secure aggregation over HTTP on ${target.name}`, () => {
    let db: Database;
    let h: Harness;
    before(async () => {
      db = await target.open();
    });
    after(async () => {
      await h?.close();
      await db.close();
    });

    const fresh = async (targetCount?: number) => {
      await h?.close();
      await db.query('TRUNCATE federation, federation_site, federation_lineage, federation_version, federation_round, federation_submission, federation_secagg_message, federation_nonce');
      h = await startHarness(db, { sites: SITES, initialWeights: Float64Array.from(INITIAL) });
      await h.coordinator.openRound({
        federationId: FEDERATION, lineageId: LINEAGE, roundId: 'round-sa', strategy: { name: 'fedavg', secureAggregation: true },
        localSteps: 2, learningRate: 0.05, batchSize: 4, quorum: 2, durationMs: 600_000, maxNumExamples: MAX_WEIGHT,
        ...(targetCount ? { target: targetCount } : {}),
      });
      return SITES.map((s) => h.participant(s, fixedTrainer(DELTAS[s]!, EXAMPLES[s]!)));
    };

    const kinds = async (ps: { pollOnce(): Promise<{ kind: string; stage?: string }> }[]) => {
      const out: string[] = [];
      for (const p of ps) {
        const o = await p.pollOnce();
        out.push(o.kind + (o.stage ? `:${o.stage}` : ''));
      }
      return out;
    };

    it('with one site dropping after sharing keys, the version is the FedAvg of the other two within the quantisation bound', async () => {
      const [a, b, c] = await fresh();
      assert.deepEqual(await kinds([a!, b!, c!]), ['secagg:advertise', 'secagg:advertise', 'secagg:advertise']);
      assert.deepEqual(await kinds([a!, b!, c!]), ['secagg:share', 'secagg:share', 'secagg:share']);
      // the secure-aggregation state lives in the round row: a restart here loses nothing
      await h.restart();
      // site-c trains no further: it has dropped. a and b mask; 2 inputs meet the quorum, so unmasking starts
      assert.deepEqual(await kinds([a!, b!]), ['secagg:mask', 'secagg:mask']);
      assert.equal((await h.coordinator.status()).rounds[0]!.secAggStep, 'unmask');
      assert.deepEqual(await kinds([c!]), ['idle']);
      assert.deepEqual(await kinds([a!, b!]), ['secagg:unmask', 'secagg:unmask']);

      const status = (await h.coordinator.status()).rounds[0]!;
      assert.equal(status.state, 'closed');
      const v = await a!.fetchLatestVersion();
      assert.deepEqual(v.manifest.contributors, ['site-a', 'site-b']);
      const expected = fedAvg(['site-a', 'site-b']);
      v.weights.forEach((w, j) => {
        const bound = meanBound(['site-a', 'site-b'], expected[j]! - INITIAL[j]!);
        assert.ok(Math.abs(w - expected[j]!) <= bound, `weight ${j}: ${w} vs ${expected[j]} (bound ${bound})`);
      });
      // including the dropped site's update would have moved every weight by far more than the bound
      const withC = fedAvg(SITES);
      assert.ok(v.weights.every((w, j) => Math.abs(w - withC[j]!) > 0.1));
      // the coordinator never held a plain update
      const plain = await db.query<{ n: number }>("SELECT count(*) AS n FROM federation_submission WHERE round_id = 'round-sa'");
      assert.equal(plain.rows[0]!.n, 0);
    });

    it('with every site in (target 3), the version is the FedAvg of all three within the bound', async () => {
      const ps = await fresh(3);
      for (const stage of ['advertise', 'share', 'mask', 'unmask']) assert.deepEqual(await kinds(ps), Array(3).fill(`secagg:${stage}`));
      const v = await ps[2]!.fetchLatestVersion(LINEAGE);
      assert.deepEqual(v.manifest.contributors, SITES);
      const expected = fedAvg(SITES);
      v.weights.forEach((w, j) => {
        const bound = meanBound(SITES, expected[j]! - INITIAL[j]!);
        assert.ok(Math.abs(w - expected[j]!) <= bound, `weight ${j}: ${w} vs ${expected[j]} (bound ${bound})`);
      });
    });

    it('a site that masked but vanished before unmasking still counts: the others reveal its b-share', async () => {
      const ps = await fresh(3);
      for (const stage of ['advertise', 'share', 'mask']) assert.deepEqual(await kinds(ps), Array(3).fill(`secagg:${stage}`));
      assert.deepEqual(await kinds(ps.slice(0, 2)), ['secagg:unmask', 'secagg:unmask']);
      assert.equal((await h.coordinator.status()).rounds[0]!.state, 'aggregating');
      h.clock.now += 61_000;
      assert.deepEqual(await h.coordinator.tick(), ['round-sa']);
      const v = await ps[0]!.fetchLatestVersion(LINEAGE);
      assert.deepEqual(v.manifest.contributors, SITES);
      const expected = fedAvg(SITES);
      v.weights.forEach((w, j) => assert.ok(Math.abs(w - expected[j]!) <= meanBound(SITES, expected[j]! - INITIAL[j]!)));
    });
  });
}
