import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../../src/errors/domain-error.ts';
import { DATASET_DEFAULTS } from '../../../src/federation/simulation/defaults.ts';
import { resolveOptions } from '../../../src/federation/simulation/simulation-options.ts';

const badInput = (pattern: RegExp) => (e: unknown) => e instanceof DomainError && e.code === 'BAD_INPUT' && pattern.test(e.message);

describe('simulation options', () => {
  it('fills every option from the dataset\'s defaults, and an explicit option wins', () => {
    const tcga = resolveOptions({ dataset: 'tcga-brca' });
    assert.equal(tcga.strategy, 'fedadam');
    assert.equal(tcga.seed, 42);
    assert.equal(tcga.dp, undefined);
    assert.equal(tcga.secagg, false);
    assert.deepEqual(tcga.localOnly, DATASET_DEFAULTS['tcga-brca'].localOnly);
    assert.notEqual(tcga.localOnly, DATASET_DEFAULTS['tcga-brca'].localOnly);
    const mine = resolveOptions({ dataset: 'tcga-brca', rounds: 3, lr: 0.5, seed: 7 });
    assert.deepEqual([mine.rounds, mine.lr, mine.seed], [3, 0.5, 7]);
    assert.deepEqual(resolveOptions({ dataset: 'heart' }).localOnly, DATASET_DEFAULTS.heart.localOnly);
  });

  it('takes FedProx\'s μ from the defaults and FedOpt\'s server rate per strategy', () => {
    assert.ok(resolveOptions({ dataset: 'heart', strategy: 'fedprox' }).mu > 0);
    assert.equal(resolveOptions({ dataset: 'heart', strategy: 'fedavg' }).mu, 0);
    assert.equal(resolveOptions({ dataset: 'tcga-brca', strategy: 'fedavg' }).serverLr, 1);
  });

  it('turns DP on with dpEpsilon, with δ = 1e-5 by default', () => {
    const o = resolveOptions({ dataset: 'heart', dpEpsilon: 1 });
    assert.equal(o.dp?.epsilon, 1);
    assert.equal(o.dp?.delta, 1e-5);
    assert.ok(o.dp!.clipNorm > 0);
  });

  it('refuses DP on the survival dataset, DP settings without ε, and unknown options', () => {
    assert.throws(() => resolveOptions({ dataset: 'tcga-brca', dpEpsilon: 1 }), badInput(/survival/));
    assert.throws(() => resolveOptions({ dataset: 'heart', dpDelta: 1e-5 }), badInput(/need dpEpsilon/));
    assert.throws(() => resolveOptions({ dataset: 'heart', learningRate: 0.1 }), badInput(/options/));
    assert.throws(() => resolveOptions({ dataset: 'mnist' }), badInput(/options\.dataset/));
    assert.throws(() => resolveOptions({ dataset: 'heart', rounds: 0 }), badInput(/options\.rounds/));
  });
});
