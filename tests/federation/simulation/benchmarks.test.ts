import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadFederatedDataset } from '../../../src/federation/simulation/federated-datasets.ts';
import { simulateFederation } from '../../../src/federation/simulation/simulate.ts';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('Fed-Heart-Disease with FLamby\'s FedAvg protocol', () => {
  it('lands near FLamby\'s published pooled accuracy 0.748 (mean of seeds 42-46)', async () => {
    // fed_benchmark.py: 15 rounds x 100 SGD steps of batch 4, lr 0.001 (config_heart_disease.json),
    // torch's nn.Linear initialisation. FLamby's per-seed sd is 0.024, so a 5-seed mean has a standard
    // error of about 0.011, and the difference of two such means about 0.015: ±0.03 is two of those.
    // Our CV-chosen defaults score about 0.80, outside the band, so it does tell the protocols apart.
    const heart = loadFederatedDataset('heart');
    const accuracies: number[] = [];
    for (const seed of [42, 43, 44, 45, 46]) {
      const r = await simulateFederation(
        { dataset: 'heart', strategy: 'fedavg', rounds: 15, localSteps: 100, batch: 4, lr: 0.001, init: 'pytorch', seed, baselines: false },
        { dataset: heart },
      );
      accuracies.push(r.pooledTestMetric!);
    }
    assert.ok(Math.abs(mean(accuracies) - 0.748) <= 0.03, `mean ${mean(accuracies)} (${accuracies.join(', ')})`);
  });
});

describe('Fed-TCGA-BRCA with the defaults (sangam federate simulate --dataset tcga-brca --strategy fedadam --seed 42)', () => {
  it('answers in the issue\'s JSON shape and beats FLamby\'s FedAdam pooled C-index', async () => {
    const r = await simulateFederation({ dataset: 'tcga-brca', strategy: 'fedadam', seed: 42 });
    const json = JSON.parse(JSON.stringify(r));
    for (const key of ['dataset', 'strategy', 'seed', 'pooledTestMetric', 'sites', 'rounds', 'wallSeconds']) assert.ok(key in json, key);
    assert.deepEqual(Object.keys(json.sites[0]).slice(0, 4), ['site', 'testMetric', 'localOnlyTestMetric', 'epsilonSpent']);
    assert.deepEqual(r.sites.map((s) => s.site), ['Northeast', 'South', 'West', 'Midwest', 'Europe', 'Canada']);
    assert.deepEqual(r.sites.map((s) => s.testExamples), [63, 40, 42, 33, 33, 11]);
    // FLamby's FedAdam: 0.842 (sd 0.015) over seeds 42-46. The 0.85 is not reached: see the
    // bench, where every seed gives about 0.847 and a pooled Adam fit gives the same.
    assert.ok(r.pooledTestMetric! >= 0.842, `pooled C-index ${r.pooledTestMetric}`);
    // the federated model beats each region's own local model on that region's test set
    for (const s of r.sites) assert.ok(s.testMetric! >= s.localOnlyTestMetric!, `${s.site}: ${s.testMetric} < ${s.localOnlyTestMetric}`);
  });
});

describe('the synthetic cohort with the defaults', () => {
  it('four built-in sites, scored by AUC; the federated model beats each site\'s own local model (seed 42)', async () => {
    const r = await simulateFederation({ dataset: 'synthetic', seed: 42 });
    assert.equal(r.metric, 'auc');
    assert.deepEqual(r.sites.map((s) => s.site).sort(), ['eu-west', 'in-south', 'in-west', 'us-northeast']);
    for (const s of r.sites) {
      assert.ok(s.trainExamples > 100 && s.testExamples > 100, `${s.site} has ${s.trainExamples}/${s.testExamples} rows`);
      assert.ok(s.testMetric! >= s.localOnlyTestMetric!, `${s.site}: ${s.testMetric} < ${s.localOnlyTestMetric}`);
    }
    // the generator's true response probabilities reach about 0.76 on such data (the shipped model's card)
    assert.ok(r.pooledTestMetric! > 0.72 && r.pooledTestMetric! < 0.77, `pooled AUC ${r.pooledTestMetric}`);
  });
});
