/**
 * The site runtime against a running coordinator node, in one process: each site trains on its own
 * stored records, submits, then tests the new version on its own held-out patients and installs it
 * or says why not; a round asking for differential privacy is priced and charged per site.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSiteNode, type SiteNode, type SiteNodeEvent, type SiteNodeOptions } from '../../../src/federation/node/site-node.ts';
import { loadSiteTrainingSet } from '../../../src/federation/site-data/training-set.ts';
import { capturedLogger, startTestCoordinator, startTestSite, waitFor, within, type TestCoordinator, type TestSite } from './node-fixtures.ts';

function runSite(site: TestSite, c: TestCoordinator, extra: Partial<SiteNodeOptions> = {}): { node: SiteNode; events: SiteNodeEvent[] } {
  const events: SiteNodeEvent[] = [];
  const node = startSiteNode({
    services: site.app,
    db: site.db,
    coordinatorUrl: c.node.url,
    federationId: c.federationId,
    siteId: site.id,
    privateKey: site.keys.privateKey,
    coordinatorPublicKey: c.keys.publicKey,
    model: 'response-synthetic',
    pollIntervalMs: 100,
    maxBackoffMs: 500,
    seed: 11,
    onEvent: (e) => events.push(e),
    ...extra,
  });
  return { node, events };
}

const versions = (events: SiteNodeEvent[]) => events.filter((e): e is Extract<SiteNodeEvent, { kind: 'version' }> => e.kind === 'version' && e.roundId !== null);
const submitted = (events: SiteNodeEvent[]) =>
  events.flatMap((e) => (e.kind === 'round' && e.outcome.kind === 'submitted' ? [e.outcome.receipt.numExamples] : []));

describe('site nodes training a served model with a coordinator node', () => {
  let sites: TestSite[];
  const log = capturedLogger();
  before(async () => {
    sites = [await startTestSite('in-south', 'in-south', 40, 21), await startTestSite('in-west', 'in-west', 40, 22)];
  });
  after(async () => {
    for (const s of sites) await s.close();
  });

  it('two rounds: each site submits its own training count, one installs both versions, one that accepts no change refuses them', { timeout: 120_000 }, async () => {
    const c = await startTestCoordinator(sites, { rounds: 2, round: { strategy: { name: 'fedavg' }, localSteps: 5, learningRate: 0.05, batchSize: 16, quorum: 2, durationMs: 60_000, dp: null } }, log.logger);
    const [south, west] = sites as [TestSite, TestSite];
    const a = runSite(south, c, { tolerance: 1, stopAfterVersions: 2, logger: log.logger });
    // a negative tolerance refuses any version whose held-out metrics move at all: the refusal path, deterministically
    const b = runSite(west, c, { tolerance: -1, stopAfterVersions: 2, logger: log.logger });
    try {
      await within(Promise.all([a.node.finished, b.node.finished]), 90_000, 'both sites to handle two versions');
      const status = await c.node.coordinator.status();
      assert.deepEqual(status.rounds.map((r) => [r.state, r.submitted, r.resultVersion]), [['closed', 2, 2], ['closed', 2, 1]]);

      // version 1 may be skipped when round 2 was already under way by the time the site looked: sites install only the latest
      assert.deepEqual(versions(a.events).at(-1), { kind: 'version', version: 2, roundId: status.rounds[0]!.id, model: 'response-synthetic@3', result: 'installed' });
      assert.ok(versions(a.events).every((e) => e.result === 'installed'));
      assert.equal(south.app.models.lease('response-synthetic').card.version, '3');
      assert.equal(versions(b.events).at(-1)?.version, 2);
      assert.ok(versions(b.events).every((e) => e.result === 'refused' && e.reason === 'metrics' && /falls by more than -1 on overall/.test(e.message ?? '')));
      assert.equal(west.app.models.lease('response-synthetic').card.version, '1', 'the refusing site keeps serving the shipped version');

      // the count each site reported is its own training examples, held-out patients left out
      for (const [site, run] of [[south, a], [west, b]] as const) {
        const set = await loadSiteTrainingSet({ clinical: site.app.clinical, consent: site.app.consent }, { task: 'response', asOf: new Date() });
        assert.ok(set.status === 'ready');
        assert.deepEqual(submitted(run.events), [set.counts.trainExamples, set.counts.trainExamples]);
      }
    } finally {
      await a.node.stop();
      await b.node.stop();
      await c.close();
    }
    // the logs of both sides name sites, rounds and counts, never a patient
    const text = log.lines().join('\n');
    for (const p of sites.flatMap((s) => s.cohort.patients)) assert.ok(!text.includes(p.biology.id), `patient ${p.biology.id} appears in a log`);
  });

  it('a DP round is priced at q = batch / n: a site within budget submits and its ε reaches the card, one over budget declines', { timeout: 120_000 }, async () => {
    const c = await startTestCoordinator(sites, { rounds: 1, round: { strategy: { name: 'fedavg' }, localSteps: 20, learningRate: 0.05, batchSize: 8, quorum: 1, target: 2, durationMs: 60_000, dp: { noiseMultiplier: 1.2, clipNorm: 1 } } }, log.logger, 'onco-dp');
    const [south, west] = sites as [TestSite, TestSite];
    const a = runSite(south, c, { tolerance: 1, stopAfterVersions: 1, budget: { epsilon: 20, delta: 1e-5 } });
    const b = runSite(west, c, { tolerance: 1, stopAfterVersions: 1, budget: { epsilon: 0.05, delta: 1e-5 } });
    try {
      await within(Promise.all([a.node.finished, b.node.finished]), 90_000, 'both sites to handle the version');
      assert.ok(b.events.some((e) => e.kind === 'round' && e.outcome.kind === 'declined' && e.outcome.reason === 'PRIVACY_BUDGET'));
      const ledger = await a.node.participant.ledger();
      assert.equal(ledger?.rounds.length, 1);
      // DP keeps one example per patient, so n is the training patients and q = 8 / n
      const set = await loadSiteTrainingSet({ clinical: south.app.clinical, consent: south.app.consent }, { task: 'response', asOf: new Date() });
      assert.ok(set.status === 'ready');
      assert.equal(ledger!.rounds[0]!.sampleRate, 8 / set.counts.trainPatients);
      assert.deepEqual(submitted(a.events), [set.counts.trainPatients]);
      const card = (await waitFor(async () => {
        const v = await a.node.participant.fetchLatestVersion('response-synthetic');
        return v.manifest.version === 1 ? v : undefined;
      }, 5000, 'version 1')).model!.card as { federation: { privacy: Record<string, { epsilon: number; delta: number }> } };
      assert.deepEqual(Object.keys(card.federation.privacy), ['in-south']);
      assert.ok(Math.abs(card.federation.privacy['in-south']!.epsilon - ledger!.spent().epsilon) < 1e-9);
    } finally {
      await a.node.stop();
      await b.node.stop();
      await c.close();
    }
  });
});
