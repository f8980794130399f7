import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeRdp, DEFAULT_ORDERS, epsilonFromRdp } from '../../../src/federation/privacy/rdp-accountant.ts';
import { loadFederatedDataset } from '../../../src/federation/simulation/federated-datasets.ts';
import { simulateFederation } from '../../../src/federation/simulation/simulate.ts';

const heart = loadFederatedDataset('heart');

describe('DP-SGD in the simulation (per-patient DP at each site)', () => {
  it('calibrates σ for every step a site takes and charges them all: ε spent = RDP of q, σ over rounds × steps, ≤ the target', async () => {
    const options = { dataset: 'heart', strategy: 'fedavg', seed: 42, rounds: 3, localSteps: 20, batch: 8, dpEpsilon: 1, dpDelta: 1e-5, baselines: false } as const;
    const r = await simulateFederation(options, { dataset: heart });
    assert.equal(r.sites.length, 4);
    for (const site of r.sites) {
      const n = heart.sites.find((s) => s.name === site.site)!.train.rows;
      // q = batch / n, Opacus's 1 / len(dataloader) for a loader of that batch size
      assert.equal(site.sampleRate, 8 / n);
      const expected = epsilonFromRdp(DEFAULT_ORDERS, computeRdp(8 / n, site.noiseMultiplier!, 3 * 20), 1e-5).epsilon;
      assert.ok(Math.abs(site.epsilonSpent! - expected) < 1e-12, `${site.site}: ${site.epsilonSpent} vs ${expected}`);
      // calibrated from above, within Opacus's 0.01 tolerance
      assert.ok(site.epsilonSpent! <= 1 && site.epsilonSpent! > 0.99, `${site.site}: ${site.epsilonSpent}`);
    }
    // Switzerland's 30 training rows are sampled at a higher rate, so they need more noise than Cleveland's 199
    const sigma = (name: string) => r.sites.find((s) => s.site === name)!.noiseMultiplier!;
    assert.ok(sigma('switzerland') > sigma('cleveland'));
    assert.deepEqual(r.exclusions, []);
  });

  it('spends nothing it does not account for: without DP, epsilonSpent is null (no guarantee)', async () => {
    const r = await simulateFederation({ dataset: 'heart', seed: 42, rounds: 1, baselines: false }, { dataset: heart });
    assert.ok(r.sites.every((s) => s.epsilonSpent === null && s.noiseMultiplier === undefined));
  });
});
