import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDomainError } from '../../../src/errors/domain-error.ts';
import { logisticModel } from '../../../src/federation/local-training/federated-model.ts';
import { trainLocally, type LocalUpdate } from '../../../src/federation/local-training/local-trainer.ts';
import { binaryData } from '../../../src/federation/local-training/site-data.ts';
import { computeRdp, epsilonFromRdp, DEFAULT_ORDERS } from '../../../src/federation/privacy/rdp-accountant.ts';
import { fedAvg } from '../../../src/federation/strategies/fed-avg.ts';
import { fedMedian } from '../../../src/federation/strategies/robust.ts';
import { InProcessTransport, SiteParticipant } from '../../../src/federation/simulation/in-process-transport.ts';
import { runRounds } from '../../../src/federation/simulation/run-rounds.ts';
import type { FederationTransport, RoundRequest } from '../../../src/federation/simulation/transport.ts';
import { Rng } from '../../../src/random/rng.ts';

const rng = new Rng(9, 'fixture');
const N = 40;
const x = Float64Array.from({ length: N * 2 }, () => rng.normal());
const data = binaryData({ rows: N, features: 2, x }, Array.from({ length: N }, (_, i) => Number(x[2 * i]! > 0)));
const model = logisticModel(2);
const start = Float64Array.from([0.2, -0.1, 0]);

/** A transport whose sites answer with fixed updates, recording what they were asked. */
class ScriptedTransport implements FederationTransport {
  readonly asked: RoundRequest[] = [];
  constructor(private readonly answers: Record<string, (r: RoundRequest) => LocalUpdate>) {}
  get siteIds() {
    return Object.keys(this.answers);
  }
  async requestUpdate(site: string, request: RoundRequest) {
    this.asked.push(request);
    return this.answers[site]!(request);
  }
  async requestSecureSum(): Promise<never> {
    throw new Error('not used');
  }
}

const plain = (delta: number[], numExamples = 10): LocalUpdate => ({ delta: Float64Array.from(delta), numExamples, steps: 1, privacy: undefined });

describe('runRounds (the coordinator loop)', () => {
  it('FedAvg over one site with μ = 0 is plain local SGD: R rounds of K steps = one run of R·K steps', async () => {
    const transport = new InProcessTransport([new SiteParticipant('only', model, data, 42)]);
    const config = { localSteps: 10, batchSize: 8, learningRate: 0.3 };
    const fed = await runRounds(transport, { runId: 't', rounds: 4, initialWeights: start, strategy: fedAvg(), configFor: () => config, registeredExamples: { only: N } });
    const local = trainLocally(model, start, data, { ...config, localSteps: 40 }, { seed: 42, site: 'only', round: 0 });
    fed.weights.forEach((w, j) => assert.ok(Math.abs(w - (start[j]! + local.delta[j]!)) < 1e-14, `${w} vs ${start[j]! + local.delta[j]!}`));
  });

  it('drops an update that fails screening (NaN, a count above the registered size) and aggregates the rest', async () => {
    const transport = new ScriptedTransport({
      a: () => plain([1, 1, 1]),
      b: () => plain([Number.NaN, 0, 0]),
      c: () => plain([5, 5, 5], 1000),
    });
    const r = await runRounds(transport, { runId: 't', rounds: 1, initialWeights: start, strategy: fedAvg(), configFor: () => ({ localSteps: 1, batchSize: 1, learningRate: 1 }), registeredExamples: { a: 10, b: 10, c: 10 } });
    assert.deepEqual(r.exclusions, [
      { round: 0, site: 'b', reason: 'NON_FINITE' },
      { round: 0, site: 'c', reason: 'TOO_MANY_EXAMPLES' },
    ]);
    assert.deepEqual(r.weights, start.map((v) => v + 1));
  });

  it('charges every DP step a site reports to its ledger, and leaves a site out once its budget would be exceeded', async () => {
    const dp = { sampleRate: 0.1, noiseMultiplier: 1.1, clipNorm: 1 };
    const transport = new ScriptedTransport({ a: (r) => ({ ...plain([0.01, 0, 0]), steps: 50, privacy: { sampleRate: 0.1, noiseMultiplier: 1.1, steps: r.config.localSteps } }) });
    // ε after 2 rounds of 50 steps at (0.1, 1.1), δ = 1e-5; the budget sits between 2 and 3 rounds' worth
    const eps = (steps: number) => epsilonFromRdp(DEFAULT_ORDERS, computeRdp(0.1, 1.1, steps), 1e-5).epsilon;
    const budget = { epsilon: (eps(100) + eps(150)) / 2, delta: 1e-5 };
    const r = await runRounds(transport, { runId: 't', rounds: 4, initialWeights: start, strategy: fedAvg(), configFor: () => ({ localSteps: 50, batchSize: 4, learningRate: 0.1, dp }), registeredExamples: { a: 10 }, privacyBudget: budget });
    assert.equal(transport.asked.length, 2);
    assert.deepEqual(r.exclusions, [{ round: 2, site: 'a', reason: 'PRIVACY_BUDGET' }]);
    const ledger = r.ledgers.get('a')!;
    assert.deepEqual(ledger.rounds.map((x) => x.steps), [50, 50]);
    assert.ok(Math.abs(ledger.spent().epsilon - eps(100)) < 1e-12);
  });

  it('refuses an update whose DP report differs from what the site was asked to run', async () => {
    const dp = { sampleRate: 0.1, noiseMultiplier: 1.1, clipNorm: 1 };
    const transport = new ScriptedTransport({ a: () => ({ ...plain([1, 0, 0]), privacy: { sampleRate: 0.1, noiseMultiplier: 0.5, steps: 1 } }) });
    const r = await runRounds(transport, { runId: 't', rounds: 1, initialWeights: start, strategy: fedAvg(), configFor: () => ({ localSteps: 1, batchSize: 4, learningRate: 0.1, dp }), registeredExamples: { a: 10 }, privacyBudget: { epsilon: 10, delta: 1e-5 } });
    assert.deepEqual(r.exclusions, [{ round: 0, site: 'a', reason: 'PRIVACY_REPORT' }]);
    assert.deepEqual(r.weights, start);
  });

  it('refuses a robust aggregator behind secure aggregation', async () => {
    const transport = new ScriptedTransport({ a: () => plain([1, 1, 1]) });
    await assert.rejects(
      runRounds(transport, { runId: 't', rounds: 1, initialWeights: start, strategy: fedMedian(), configFor: () => ({ localSteps: 1, batchSize: 1, learningRate: 1 }), registeredExamples: { a: 10 }, secure: { clipRange: 8, quantRange: 2 ** 20 } }),
      isDomainError,
    );
  });
});
