import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../../src/errors/domain-error.ts';
import { DATASET_DEFAULTS } from '../../../src/federation/simulation/defaults.ts';
import { loadFederatedDataset } from '../../../src/federation/simulation/federated-datasets.ts';
import { simulateFederation } from '../../../src/federation/simulation/simulate.ts';
import { resolveOptions } from '../../../src/federation/simulation/simulation-options.ts';

describe('the simulation\'s L2 penalty option (l2, `--l2`)', () => {
  it('defaults per dataset, an explicit λ wins, and a DP run takes its own λ', () => {
    for (const dataset of ['tcga-brca', 'heart', 'synthetic'] as const) assert.equal(resolveOptions({ dataset }).l2, DATASET_DEFAULTS[dataset].l2);
    assert.equal(resolveOptions({ dataset: 'tcga-brca', l2: 0.003 }).l2, 0.003);
    assert.equal(resolveOptions({ dataset: 'heart', dpEpsilon: 1 }).l2, DATASET_DEFAULTS.heart.dp!.l2);
    assert.throws(() => resolveOptions({ dataset: 'heart', l2: -1 }), (e: unknown) => e instanceof DomainError && /options\.l2/.test(e.message));
  });

  it('λ = 0 gives the figures the simulation gave before the option existed, to the last bit', async () => {
    // pooled metrics of seed 42 recorded from the code before l2 was added (defaults of that time)
    const before = { tcga: 0.846605504587156, tcgaFold0: 0.6689612015018773, heart: 0.7952755905511811, heartFold0: 0.75 };
    const tcga = loadFederatedDataset('tcga-brca');
    const heart = loadFederatedDataset('heart');
    const old = { rounds: 10, localSteps: 100, batch: 8, lr: 0.01, serverLr: 0.01, init: 'zeros', l2: 0, baselines: false } as const;
    const oldHeart = { strategy: 'fedavg', rounds: 5, localSteps: 20, batch: 4, lr: 0.0003, init: 'zeros', l2: 0, baselines: false } as const;
    assert.equal((await simulateFederation({ dataset: 'tcga-brca', strategy: 'fedadam', seed: 42, ...old }, { dataset: tcga })).pooledTestMetric, before.tcga);
    assert.equal((await simulateFederation({ dataset: 'tcga-brca', strategy: 'fedadam', seed: 42, ...old, evaluateOn: 'validation', validationFold: 0 }, { dataset: tcga })).pooledTestMetric, before.tcgaFold0);
    assert.equal((await simulateFederation({ dataset: 'heart', seed: 42, ...oldHeart }, { dataset: heart })).pooledTestMetric, before.heart);
    assert.equal((await simulateFederation({ dataset: 'heart', seed: 42, ...oldHeart, evaluateOn: 'validation', validationFold: 0 }, { dataset: heart })).pooledTestMetric, before.heartFold0);
  });

  it('reaches the sites: a penalised run ends with smaller weights than an unpenalised one', async () => {
    const heart = loadFederatedDataset('heart');
    const run = (l2: number) => simulateFederation({ dataset: 'heart', seed: 42, rounds: 5, localSteps: 100, lr: 0.01, l2, baselines: false }, { dataset: heart });
    const norm = (p: number[]) => Math.hypot(...p.slice(0, 13));
    const [free, pen] = [await run(0), await run(0.1)];
    assert.equal(pen.options.l2, 0.1);
    assert.ok(norm(pen.model.parameters) < norm(free.model.parameters), `${norm(pen.model.parameters)} vs ${norm(free.model.parameters)}`);
  });
});
