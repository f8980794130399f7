/**
 * Issue 6: FedAvg on two identical sites equals centralised SGD on the same data, exactly, with the
 * same seed. Both sites hold the same rows and the same randomness, so each sends the same Δ; the
 * coordinator (over HTTP, through its store and the float codec) forms (n·Δ + n·Δ) / 2n and adds it
 * to the global weights. Centralised SGD runs the same local trainer once on one copy of the rows and
 * applies its Δ the same way. With n a power of two, n·Δ and the division by 2n are exact in binary
 * floating point, so the two agree bit for bit; with other counts FedAvg's weighting can round the
 * last bit (fl(fl(37·x)/37) ≠ x for about one x in ten), which is arithmetic, not the protocol.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { initialWeights, logisticModel } from '../../../src/federation/local-training/federated-model.ts';
import { trainLocally } from '../../../src/federation/local-training/local-trainer.ts';
import { binaryData } from '../../../src/federation/local-training/site-data.ts';
import type { SiteTrainer } from '../../../src/federation/site/index.ts';
import { Rng } from '../../../src/random/rng.ts';
import type { Database } from '../../../src/storage/port.ts';
import { testDatabases } from '../../helpers/databases.ts';
import { FEDERATION, LINEAGE, startHarness, type Harness } from '../coordinator/harness.ts';

const ROWS = 64;
const FEATURES = 6;
const model = logisticModel(FEATURES, 4);
const rng = new Rng(17, 'identical-sites');
const x = Float64Array.from({ length: ROWS * FEATURES }, () => rng.normal());
const data = binaryData({ rows: ROWS, features: FEATURES, x }, Array.from({ length: ROWS }, (_, i) => Number(x[i * FEATURES]! + 0.5 * x[i * FEATURES + 1]! > 0)));
const SEED = 5;
const STEPS = 12;
const config = { localSteps: STEPS, batchSize: 8, learningRate: 0.2 };
const w0 = initialWeights(model, 3);

/** A site's trainer: the local trainer on `data`, its loader carried from round to round. */
function identicalSite(): SiteTrainer {
  return async (work) => {
    const round = work.baseVersion;
    // the same stream name at both sites: identical data and identical randomness
    const u = trainLocally(model, work.weights, data, config, { seed: SEED, site: 'identical', round, loaderPosition: round * STEPS });
    return { delta: u.delta, numExamples: u.numExamples };
  };
}

for (const target of testDatabases()) {
  describe(`FedAvg on two identical sites on ${target.name}`, () => {
    let db: Database;
    let h: Harness;
    before(async () => {
      db = await target.open();
      h = await startHarness(db, { sites: ['site-a', 'site-b'], initialWeights: w0 });
    });
    after(async () => {
      await h.close();
      await db.close();
    });

    it('equals centralised SGD on one copy of the data, bit for bit, over three rounds', async () => {
      const sites = ['site-a', 'site-b'].map((s) => h.participant(s, identicalSite()));
      let central = Float64Array.from(w0);
      for (let r = 0; r < 3; r++) {
        await h.coordinator.openRound({ federationId: FEDERATION, lineageId: LINEAGE, roundId: `round-${r + 1}`, strategy: { name: 'fedavg' }, ...config, quorum: 2, durationMs: 60_000 });
        for (const s of sites) assert.equal((await s.pollOnce()).kind, 'submitted');
        const step = trainLocally(model, central, data, config, { seed: SEED, site: 'identical', round: r, loaderPosition: r * STEPS });
        central = central.map((w, j) => w + step.delta[j]!);
        const version = await sites[0]!.fetchLatestVersion(LINEAGE);
        assert.equal(version.manifest.version, r + 1);
        assert.deepEqual([...version.weights], [...central], `round ${r + 1}`);
      }
      assert.ok(central.some((w, j) => w !== w0[j]), 'training moved the weights');
    });
  });
}
