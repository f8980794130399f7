/**
 * `--transport http`: the same simulation through a real coordinator and signed site participants
 * over loopback HTTP gives the same model as in process. Plain rounds: the coordinator sums the
 * updates in site-id order, which for Fed-Heart-Disease's centres (cleveland, hungarian,
 * switzerland, va) is the in-process order, so the float sums are the same bits. Secure rounds:
 * the masks cancel exactly mod 2^32 and both sides round Σn to a whole count, so those agree too.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { simulateCommand } from '../../../src/cli/simulate-command.ts';
import { loadFederatedDataset, type FederatedDataset } from '../../../src/federation/simulation/federated-datasets.ts';
import { simulateFederation } from '../../../src/federation/simulation/simulate.ts';

const SMALL = { dataset: 'heart', rounds: 2, localSteps: 5, seed: 3, baselines: false } as const;

describe('simulate over HTTP', () => {
  let heart: FederatedDataset;
  before(() => {
    heart = loadFederatedDataset('heart');
  });

  it('a plain FedAvg run gives the same weights and pooled metric as in process', async () => {
    const inproc = await simulateFederation(SMALL, { dataset: heart });
    const http = await simulateFederation({ ...SMALL, transport: 'http' }, { dataset: heart });
    assert.deepEqual(heart.sites.map((s) => s.name), ['cleveland', 'hungarian', 'switzerland', 'va'], 'sorted names: the coordinator sums in the same order');
    assert.equal(http.pooledTestMetric, inproc.pooledTestMetric);
    assert.deepEqual(http.model.parameters, inproc.model.parameters);
    assert.deepEqual(http.sites.map((s) => s.testMetric), inproc.sites.map((s) => s.testMetric));
    assert.equal(http.options.transport, 'http');
    assert.deepEqual(http.exclusions, []);
  });

  it('a FedAdam run with secure aggregation agrees too', async () => {
    const options = { ...SMALL, strategy: 'fedadam', secagg: true } as const;
    const inproc = await simulateFederation(options, { dataset: heart });
    const http = await simulateFederation({ ...options, transport: 'http' }, { dataset: heart });
    assert.equal(http.pooledTestMetric, inproc.pooledTestMetric);
    assert.deepEqual(http.model.parameters, inproc.model.parameters);
  });

  it('refuses DP over HTTP, naming the setting: a coordinator round carries one σ, the simulation one per site', async () => {
    await assert.rejects(simulateFederation({ ...SMALL, dpEpsilon: 1, transport: 'http' }, { dataset: heart }), /one DP noise multiplier for every site/);
  });

  it('sangam federate simulate --transport http prints the same JSON shape', async () => {
    const lines: string[] = [];
    await simulateCommand({ dataset: 'heart', rounds: '1', localSteps: '2', seed: '3', transport: 'http', json: true }, { out: (l) => lines.push(l), err: () => {} });
    const result = JSON.parse(lines.at(-1)!) as Record<string, unknown>;
    assert.deepEqual(Object.keys(result).sort(), ['dataset', 'evaluatedOn', 'exclusions', 'metric', 'model', 'notes', 'options', 'pooledTestMetric', 'rounds', 'seed', 'sites', 'strategy', 'wallSeconds']);
    await assert.rejects(simulateCommand({ dataset: 'heart', transport: 'grpc' }, { out: () => {}, err: () => {} }), /--transport grpc: a simulation runs in process \(inproc\) or through a coordinator/);
  });
});
