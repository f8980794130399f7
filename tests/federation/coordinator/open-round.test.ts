import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabases } from '../../helpers/databases.ts';
import type { Database } from '../../../src/storage/port.ts';
import { isDomainError } from '../../../src/errors/domain-error.ts';
import { FEDERATION, LINEAGE, startHarness, type Harness } from './harness.ts';

const base = { federationId: FEDERATION, lineageId: LINEAGE, localSteps: 1, learningRate: 0.1, batchSize: 4, quorum: 2, durationMs: 60_000 };
const code = (pattern: RegExp, expected: string) => (err: unknown) => isDomainError(err) && err.code === expected && pattern.test(err.message);

for (const target of testDatabases()) {
  describe(`opening rounds on ${target.name}`, () => {
    let db: Database;
    let h: Harness;
    before(async () => {
      db = await target.open();
      h = await startHarness(db, { sites: ['site-a', 'site-b'], initialWeights: Float64Array.from([0, 0]) });
    });
    after(async () => {
      await h.close();
      await db.close();
    });

    it('refuses settings it cannot run, naming the problem', async () => {
      await assert.rejects(h.coordinator.openRound({ ...base, strategy: { name: 'median', secureAggregation: true } }), code(/cannot run with secure aggregation/, 'BAD_INPUT'));
      await assert.rejects(h.coordinator.openRound({ ...base, strategy: { name: 'fedavg', secureAggregation: true } }), code(/needs maxNumExamples/, 'BAD_INPUT'));
      // secure aggregation needs at least three sites
      await assert.rejects(h.coordinator.openRound({ ...base, strategy: { name: 'fedavg', secureAggregation: true }, maxNumExamples: 10 }), code(/3-20 sites/, 'BAD_INPUT'));
      await assert.rejects(h.coordinator.openRound({ ...base, strategy: { name: 'fedavg' }, quorum: 3 }), code(/has 2 active/, 'BAD_INPUT'));
      await assert.rejects(h.coordinator.openRound({ ...base, strategy: { name: 'fedavg' }, localSteps: 0 }), code(/round\.localSteps/, 'BAD_INPUT'));
      await assert.rejects(h.coordinator.openRound({ ...base, lineageId: 'nope', strategy: { name: 'fedavg' } }), code(/not a lineage/, 'NOT_FOUND'));
    });

    it('keeps one live round per federation, and invites only active sites', async () => {
      await h.coordinator.setSiteStatus(FEDERATION, 'site-b', 'suspended');
      const r = await h.coordinator.openRound({ ...base, quorum: 1, strategy: { name: 'fedprox', mu: 0.1 } });
      assert.deepEqual(r.invited, ['site-a']);
      assert.equal(r.mu, 0.1);
      await assert.rejects(h.coordinator.openRound({ ...base, quorum: 1, strategy: { name: 'fedavg' } }), code(/already has a live round/, 'CONFLICT'));
    });
  });
}
