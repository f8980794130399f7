import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { simulateFederation } from '../../src/federation/simulation/index.ts';
import { sangam } from '../helpers/cli.ts';

describe('sangam federate simulate', () => {
  it('prints the result object as its last line with --json, the same as the library gives for the same seed', async () => {
    const res = await sangam(['federate', 'simulate', '--dataset', 'heart', '--strategy', 'fedavg', '--seed', '43', '--json']);
    assert.equal(res.code, 0, res.stderr);
    const last = JSON.parse(res.stdout.trim().split('\n').at(-1)!);
    for (const key of ['dataset', 'strategy', 'seed', 'pooledTestMetric', 'sites', 'rounds', 'wallSeconds']) assert.ok(key in last, key);
    assert.equal(last.dataset, 'heart');
    assert.equal(last.sites.length, 4);
    for (const s of last.sites) for (const key of ['site', 'testMetric', 'localOnlyTestMetric', 'epsilonSpent']) assert.ok(key in s, key);
    const direct = await simulateFederation({ dataset: 'heart', strategy: 'fedavg', seed: 43 });
    assert.equal(last.pooledTestMetric, direct.pooledTestMetric);
  });

  it('refuses an unknown dataset and an unknown transport with the setting named', async () => {
    const bad = await sangam(['federate', 'simulate', '--dataset', 'mnist']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /dataset/);
    const pigeon = await sangam(['federate', 'simulate', '--dataset', 'heart', '--transport', 'pigeon']);
    assert.equal(pigeon.code, 1);
    assert.match(pigeon.stderr, /transport/);
  });
});
