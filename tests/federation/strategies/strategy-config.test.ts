import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDomainError } from '../../../src/errors/domain-error.ts';
import { createStrategy, parseStrategyConfig, type StrategyConfig } from '../../../src/federation/strategies/strategy-config.ts';

const issueAt = (input: unknown) => {
  try {
    parseStrategyConfig(input);
  } catch (e) {
    if (isDomainError(e)) return { code: e.code, message: e.message, expressions: e.issues.map((i) => i.expression) };
    throw e;
  }
  assert.fail('expected the configuration to be refused');
};

describe('strategy configuration', () => {
  it('fills FLamby FedOpt defaults: η 1e-2, β1 0.9, β2 0.999, τ 1e-8, no bias correction', () => {
    assert.deepEqual(parseStrategyConfig({ name: 'fedadam' }), {
      name: 'fedadam',
      serverLr: 1e-2,
      beta1: 0.9,
      beta2: 0.999,
      tau: 1e-8,
      secureAggregation: false,
      biasCorrection: false,
    });
    assert.deepEqual(parseStrategyConfig({ name: 'trimmed-mean' }), { name: 'trimmed-mean', trimFraction: 0.2, secureAggregation: false });
    assert.deepEqual(parseStrategyConfig({ name: 'fedavg' }), { name: 'fedavg', serverLr: 1, secureAggregation: false });
  });

  it('accepts FLamby\'s TCGA FedAdagrad config (beta2 included though unused)', () => {
    const c = parseStrategyConfig({ name: 'fedadagrad', serverLr: 1.0, beta1: 0.9, beta2: 0.999, tau: 1e-8 });
    assert.equal(createStrategy(c).name, 'fedadagrad');
  });

  it('FedProx needs μ; settings of another strategy are named, not ignored', () => {
    assert.deepEqual(issueAt({ name: 'fedprox' }).expressions, ['strategy.mu']);
    const misplaced = issueAt({ name: 'fedadam', mu: 0.1 });
    assert.equal(misplaced.code, 'BAD_INPUT');
    assert.match(misplaced.message, /mu/);
    assert.deepEqual(issueAt({ name: 'fedyogi', biasCorrection: true }).code, 'BAD_INPUT');
    assert.deepEqual(issueAt({ name: 'trimmed-mean', trimFraction: 0.5 }).expressions, ['strategy.trimFraction']);
    assert.deepEqual(issueAt({ name: 'krum' }).expressions, ['strategy.name']);
  });

  for (const name of ['median', 'trimmed-mean']) {
    it(`refuses ${name} with secure aggregation, saying why`, () => {
      const r = issueAt({ name, secureAggregation: true });
      assert.equal(r.code, 'BAD_INPUT');
      assert.deepEqual(r.expressions, ['strategy.secureAggregation']);
      assert.match(r.message, /individual update/);
      assert.match(r.message, /reveals only their sum/);
    });
  }

  it('allows secure aggregation with strategies that need only the weighted sum', () => {
    for (const name of ['fedavg', 'fedadam', 'fedyogi', 'fedadagrad']) {
      const s = createStrategy(parseStrategyConfig({ name, secureAggregation: true }));
      assert.equal(s.needsOnlyWeightedSum, true, name);
    }
    const prox = createStrategy(parseStrategyConfig({ name: 'fedprox', mu: 0.01, secureAggregation: true }));
    assert.equal(prox.needsOnlyWeightedSum, true);
  });

  it('createStrategy refuses the combination too when a config is built without parsing', () => {
    const raw: StrategyConfig = { name: 'median', secureAggregation: true };
    assert.throws(() => createStrategy(raw), /secure aggregation/);
  });

  it('passes the settings through to the strategy it builds', () => {
    // trimFraction 0.25 with four sites keeps the middle two: (2 + 4)/2 = 3
    const s = createStrategy(parseStrategyConfig({ name: 'trimmed-mean', trimFraction: 0.25 }));
    const ups = [1, 2, 4, 10].map((d) => ({ delta: Float64Array.of(d), numExamples: 1 }));
    assert.deepEqual(s.aggregate(Float64Array.of(0), ups, s.initialState(1)).next, Float64Array.of(3));
    // serverLr 0.5 halves FedAvg's step
    const a = createStrategy(parseStrategyConfig({ name: 'fedavg', serverLr: 0.5 }));
    assert.deepEqual(a.aggregate(Float64Array.of(0), [{ delta: Float64Array.of(1), numExamples: 1 }], a.initialState(1)).next, Float64Array.of(0.5));
  });
});
