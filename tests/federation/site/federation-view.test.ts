/**
 * The federation view of a site node (GraphQL `federation`): what its own store says about the
 * rounds it saw, the versions it verified and its privacy ledger; and the coordinator's view when
 * the same database holds a coordinator.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { graphql } from 'graphql';
import { testDatabases } from '../../helpers/databases.ts';
import type { Database } from '../../../src/storage/port.ts';
import { builder } from '../../../src/graphql/builder.ts';
// every type file, so the builder has its Query type; the schema is built unprotected (authorisation is tests/auth's)
import '../../../src/graphql/schema.ts';
import { createCoordinator } from '../../../src/federation/coordinator/index.ts';
import { PrivacyLedger } from '../../../src/federation/privacy/privacy-ledger.ts';
import { generateIdentityKeys } from '../../../src/federation/protocol/identity-keys.ts';
import { createSqlSiteStore } from '../../../src/federation/site/index.ts';
import { createSiteFederationService, readFederationView } from '../../../src/federation/site/federation-view.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import type { VersionManifest } from '../../../src/federation/protocol/messages.ts';

const SHA = '0'.repeat(64);
const manifest = (version: number, roundId: string | null, contributors: string[]): VersionManifest => ({
  federationId: 'onco', lineageId: 'response-synthetic', family: 'response', version, parameterCount: 2, sha256: SHA, roundId, contributors,
  privacy: [], createdAt: '2026-01-01T00:00:00.000Z',
});
const STEPS = { sampleRate: 0.1, noiseMultiplier: 1.1, steps: 10 };

for (const target of testDatabases()) {
  describe(`federation view on ${target.name}`, () => {
    let db: Database;
    before(async () => {
      db = await target.open();
      const store = createSqlSiteStore(db);
      const ledger = new PrivacyLedger({ epsilon: 5, delta: 1e-5 }, [{ roundId: 'r-1', ...STEPS }]);
      await store.saveRound(
        { federationId: 'onco', roundId: 'r-1', status: 'submitted', update: { delta: Float64Array.from([1, 2]), numExamples: 40 }, privacy: { epsilon: 0.75, delta: 1e-5 }, receipt: { siteId: 'in-west' }, secagg: null },
        ledger.toJSON(),
      );
      await store.saveRound({ federationId: 'onco', roundId: 'r-2', status: 'declined', update: null, privacy: null, receipt: { roundId: 'r-2', siteId: 'in-west', reason: 'NO_DATA', receivedAt: '2026-01-02T00:00:00.000Z' }, secagg: null });
      await store.saveVersion({ manifest: manifest(0, null, []), signature: 's', weights: Float64Array.from([0, 0]) });
      await store.saveVersion({ manifest: manifest(1, 'r-1', ['in-south', 'in-west']), signature: 's', weights: Float64Array.from([1, 1]) });
    });
    after(async () => {
      await db.close();
    });

    it("a site's view: its rounds, their participants from the signed manifest, its decline and its ε", async () => {
      const view = await readFederationView(db);
      assert.equal(view.source, 'site');
      const r1 = view.rounds.find((r) => r.id === 'r-1')!;
      assert.deepEqual(
        { lineageId: r1.lineageId, status: r1.status, strategy: r1.strategy, participants: r1.participants, submitted: r1.submitted, declined: r1.declined, numExamples: r1.numExamples, epsilonSpent: r1.epsilonSpent, resultVersion: r1.resultVersion },
        { lineageId: 'response-synthetic', status: 'submitted', strategy: null, participants: ['in-south', 'in-west'], submitted: 1, declined: 0, numExamples: 40, epsilonSpent: 0.75, resultVersion: 1 },
      );
      const r2 = view.rounds.find((r) => r.id === 'r-2')!;
      assert.deepEqual([r2.status, r2.declined, r2.declines, r2.lineageId, r2.participants], ['declined', 1, [{ siteId: 'in-west', reason: 'NO_DATA' }], null, null]);
      assert.deepEqual(view.sites.map((s) => `${s.siteId}:${s.status}`), ['in-south:known', 'in-west:known']);
      assert.deepEqual(view.lineages, [{ federationId: 'onco', lineageId: 'response-synthetic', latestVersion: 1, latestRoundId: 'r-1' }]);
      const spent = new PrivacyLedger({ epsilon: 5, delta: 1e-5 }, [{ roundId: 'r-1', ...STEPS }]).spent().epsilon;
      assert.deepEqual(view.privacy, [{ federationId: 'onco', budgetEpsilon: 5, budgetDelta: 1e-5, epsilonSpent: spent, roundsCharged: 1 }]);
    });

    it('answers GraphQL federation { rounds sites } from the service on the context', async () => {
      const result = await graphql({
        schema: builder.toSchema(),
        source: '{ federation(limit: 5) { source rounds { id status declines { reason } epsilonSpent } sites { siteId } privacy { budgetEpsilon roundsCharged } } }',
        contextValue: { federation: createSiteFederationService({ db }) },
      });
      assert.equal(result.errors, undefined);
      const data = JSON.parse(JSON.stringify(result.data)) as { federation: { source: string; rounds: { id: string; status: string; declines: { reason: string }[]; epsilonSpent: number | null }[]; sites: { siteId: string }[]; privacy: unknown[] } };
      assert.equal(data.federation.source, 'site');
      assert.deepEqual(data.federation.rounds.map((r) => r.id).sort(), ['r-1', 'r-2']);
      assert.deepEqual(data.federation.rounds.find((r) => r.id === 'r-2')!.declines, [{ reason: 'NO_DATA' }]);
      assert.deepEqual(data.federation.sites.map((s) => s.siteId), ['in-south', 'in-west']);
      assert.deepEqual(data.federation.privacy, [{ budgetEpsilon: 5, roundsCharged: 1 }]);
    });

    it("shows the coordinator's view when the node's database holds a coordinator", async () => {
      const coordinator = createCoordinator({ db, logger: createLogger({ level: 'silent' }), signingKey: generateIdentityKeys().privateKey });
      await coordinator.createFederation('onco');
      for (const s of ['in-west', 'in-south']) await coordinator.registerSite('onco', s, generateIdentityKeys().publicKey);
      await coordinator.createLineage({ id: 'response-synthetic', federationId: 'onco', family: 'response', initialWeights: Float64Array.from([0, 0]) });
      // the same round id the site took part in, so the site's ε shows beside the coordinator's counts
      await coordinator.openRound({ federationId: 'onco', lineageId: 'response-synthetic', roundId: 'r-1', strategy: { name: 'fedadam' }, localSteps: 1, learningRate: 0.1, batchSize: 4, quorum: 2, durationMs: 60_000 });
      const view = await readFederationView(db);
      assert.equal(view.source, 'coordinator');
      assert.deepEqual(view.rounds.map((r) => [r.id, r.status, r.strategy, r.submitted, r.declined, r.epsilonSpent]), [['r-1', 'open', 'fedadam', 0, 0, 0.75]]);
      assert.deepEqual(view.sites.map((s) => `${s.siteId}:${s.status}`), ['in-south:active', 'in-west:active']);
      assert.deepEqual(view.lineages, [{ federationId: 'onco', lineageId: 'response-synthetic', latestVersion: 0, latestRoundId: null }]);
    });
  });
}
