import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDomainError } from '../../../src/errors/domain-error.ts';
import {
  DEFAULT_ORDERS,
  RdpAccountant,
  computeRdp,
  epsilonFromRdp,
  noiseMultiplierFor,
} from '../../../src/federation/privacy/rdp-accountant.ts';

// Golden values come from the test suites of three reference implementations:
// - Opacus, github.com/pytorch/opacus @ 4d0ebc84613d214fbfd37fbfd1390e3747a625ce,
//   opacus/tests/accountants_test.py and the docstring of opacus/accountants/analysis/rdp.py.
// - TF Privacy, github.com/tensorflow/privacy: tensorflow_privacy/privacy/analysis/rdp_accountant_test.py
//   @ db292fc5d8dbf28b692137b85e5b3f922062ea43 (improved conversion) and privacy/analysis/rdp_accountant_test.py
//   plus tutorials/README.md @ d435fcbf9af0d1ffd41ebc15ae23595124f7aa73 (classic conversion, 2019);
//   tensorflow_privacy/privacy/analysis/compute_dp_sgd_privacy_test.py @ 99c25e3be5afef5efe6e31aa6513770f58c1dff2.
// - dp_accounting, github.com/google/differential-privacy @ b5b0286e313b64a692abfc8c528d54ef47d960a0,
//   python/dp_accounting/dp_accounting/rdp/rdp_privacy_accountant_test.py.

/** Python's assertAlmostEqual(a, b, places): round(a - b, places) == 0. */
function assertPlaces(actual: number, expected: number, places: number): void {
  const tolerance = 0.5 * 10 ** -places;
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} differs from ${expected} by more than ${tolerance}`);
}

function assertRelative(actual: number, expected: number, rtol: number): void {
  assert.ok(Math.abs(actual - expected) <= rtol * Math.abs(expected), `${actual} is not within ${rtol} of ${expected}`);
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('computeRdp', () => {
  it('matches TF Privacy test_compute_rdp_sequence (q=0.01, σ=2.5, 50 steps) at fractional and integer orders', () => {
    const orders = [1.5, 2.5, 5, 50, 100, Infinity];
    const expected = [6.5007e-4, 1.0854e-3, 2.1808e-3, 2.3846e-2, 1.6742e2, Infinity];
    const rdp = computeRdp(0.01, 2.5, 50, orders);
    expected.forEach((e, k) => (e === Infinity ? assert.equal(rdp[k], Infinity) : assertRelative(rdp[k] as number, e, 1e-4)));
  });

  it('matches the nine digits dp_accounting publishes at integer orders', () => {
    // test_compute_rdp_poisson_sampled_gaussian; integer orders use the exact finite binomial sum.
    const rdp = computeRdp(0.01, 2.5, 50, [5, 50, 100]);
    assertRelative(rdp[0] as number, 2.18075656e-3, 1e-8);
    assertRelative(rdp[1] as number, 2.38460375e-2, 1e-8);
    assertRelative(rdp[2] as number, 1.67416308e2, 1e-8);
  });

  it('keeps the signed fractional series, below dp_accounting’s |binomial| upper bound at α = 1.5', () => {
    // dp_accounting since 0b109e9 (2024) sums |coefficients| and reports 6.70579741e-04 here; the exact
    // series of the paper (TF Privacy, Opacus) gives 6.5007e-04.
    const [rdp] = computeRdp(0.01, 2.5, 50, [1.5]);
    assert.ok((rdp as number) < 6.70579741e-4 * (1 - 1e-2));
  });

  it('matches TF Privacy test_compute_rdp_scalar and the closed forms at q = 0 and q = 1', () => {
    assertPlaces(computeRdp(0.1, 2, 10, [5])[0] as number, 0.07737, 5);
    assert.deepEqual(computeRdp(0, 10, 1, [20]), [0]); // test_compute_rdp_no_data
    assert.equal(computeRdp(1, 10, 1, [20])[0], 0.1); // test_compute_rdp_no_sampling: α/(2σ²)
    assert.deepEqual(computeRdp(0.5, 0, 3, [2, 7.5]), [Infinity, Infinity]); // no noise, no privacy
  });

  it('stays in log space where the plain sum would overflow: q=0.5, σ=0.5, α=63 by hand', () => {
    // Only the i = α term of A_α matters (the next is e^-248 times smaller), so
    // log A_63 = 63·log(0.5) + (63² − 63)/(2·0.25) = 7812 − 63·ln 2, and RDP = log A/(α − 1).
    const [rdp] = computeRdp(0.5, 0.5, 1, [63]);
    assertRelative(rdp as number, (7812 - 63 * Math.LN2) / 62, 1e-14);
  });

  it('agrees with numerical integration of the defining integral, fractional orders included', () => {
    // A_α = ∫ μ0(z)·((1 − q) + q·e^((2z − 1)/(2σ²)))^α dz with μ0 = N(0, σ²) (paper eq. 3), integrated
    // with mpmath 1.3 at 30 digits (mpmath.quad, breakpoints every 0.5 on [−10, α + 10]), as TF Privacy's
    // test_compute_log_a_equals_mp does. Listed: q, σ, α, log(A_α)/(α − 1). Extreme cases from that test.
    const table = [
      [1e-7, 0.1, 1.01, 4.003412322526395e-6],
      [1e-4, 1.0, 1.5, 1.2885373907673299e-8],
      [0.1, 100, 20.5, 1.0252214593881178e-5],
      [1e-5, 0.1, 256.1, 12793.441943506159],
      [0.999, 100, 256.1, 0.012779725746660574],
      [0.5, 0.5, 10.5, 20.233889958328482],
      [0.04, 1.5, 3.9, 0.0018332021995838586],
    ] as const;
    for (const [q, sigma, alpha, expected] of table) {
      const [rdp] = computeRdp(q, sigma, 1, [alpha]);
      // The series drops terms below e^-30 of log A, so compare log A itself to ~1e-13.
      const error = Math.abs((rdp as number) - expected) * (alpha - 1);
      assert.ok(error <= 1e-13 + 1e-13 * expected * (alpha - 1), `q=${q} σ=${sigma} α=${alpha}: ${rdp} vs ${expected}`);
    }
  });

  it('refuses a rate outside [0, 1], a negative σ, fractional steps and orders ≤ 1 as bad input', () => {
    for (const call of [
      () => computeRdp(1.5, 1, 1),
      () => computeRdp(0.1, -1, 1),
      () => computeRdp(0.1, 1, 2.5),
      () => computeRdp(0.1, 1, 1, [1]),
    ]) {
      assert.throws(call, (err: unknown) => isDomainError(err) && err.code === 'BAD_INPUT');
    }
  });
});

describe('epsilonFromRdp', () => {
  it('picks the largest order for a constant curve and gives TF Privacy’s 1.32783806176 (Balle et al. 2020)', () => {
    // test_get_privacy_spent_check_target_delta
    const orders = range(2, 33);
    const spent = epsilonFromRdp(orders, orders.map(() => 1.1), 1e-5);
    assert.equal(spent.order, 32);
    assertPlaces(spent.epsilon, 1.32783806176, 7);
  });

  it('recovers ε = 1 at δ = 1e-6 for the Gaussian mechanism with σ = 4.530877117', () => {
    // Same TF Privacy test, second half: σ chosen so the Gaussian is exactly (1, 1e-6)-DP.
    const orders = range(1001, 100000).map((i) => 0.001 * i);
    const rdp = computeRdp(1, 4.530877117, 1, orders);
    assertPlaces(epsilonFromRdp(orders, rdp, 1e-6).epsilon, 1, 7);
  });

  it('matches TF Privacy compute_dp_sgd_privacy_test Test0 and Test1 (dp_accounting conversion)', () => {
    const orders = [1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 3.0, 3.5, 4.0, 4.5, ...range(5, 64), 128, 256, 512];
    const test0 = epsilonFromRdp(orders, computeRdp(150 / 60000, 1.3, Math.ceil((15 * 60000) / 150), orders), 1e-5);
    assertPlaces(test0.epsilon, 0.7242234026109595, 7);
    assert.equal(test0.order, 19);
    const test1 = epsilonFromRdp(orders, computeRdp(100 / 100000, 1.0, Math.ceil((30 * 100000) / 100), orders), 1e-7);
    assertPlaces(test1.epsilon, 1.4154988495444842, 7);
    assert.equal(test1.order, 13);
  });

  it('composes heterogeneous steps as in the Opacus docstring example: (0.336, 23)', () => {
    const orders = range(2, 33);
    const rdp = computeRdp(1e-5, 1.0, 10, orders).map((r, k) => r + (computeRdp(1e-4, 3.0, 4, orders)[k] as number));
    const spent = epsilonFromRdp(orders, rdp, 1e-5);
    assertPlaces(spent.epsilon, 0.336, 3);
    assert.equal(spent.order, 23);
  });

  it('reproduces the classic-conversion numbers TF Privacy published in 2019', () => {
    // test_check_composition: 8.509656 at order 2.5 (a fractional order, so the series is exercised).
    const orders = [1.25, 1.5, 1.75, 2, 2.5, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 64, 256];
    const rdp = computeRdp(1e-4, 0.4, 40000, orders).map((r, k) => r + (computeRdp(0.1, 2, 100, orders)[k] as number));
    const spent = epsilonFromRdp(orders, rdp, 1e-5, 'mironov2017');
    assertPlaces(spent.epsilon, 8.509656, 5);
    assert.equal(spent.order, 2.5);
    // tutorials/README.md: MNIST, 60000 examples, batches of 256, δ = 1e-5, the tutorial's orders and
    // steps = epochs · (60000 // 256).
    const steps = (epochs: number) => epochs * Math.floor(60000 / 256);
    for (const [sigma, epochs, eps] of [[1.1, 60, 3.01], [1.3, 15, 1.19], [0.7, 45, 7.1]] as const) {
      const mnist = epsilonFromRdp(DEFAULT_ORDERS, computeRdp(256 / 60000, sigma, steps(epochs)), 1e-5, 'mironov2017');
      assertPlaces(mnist.epsilon, eps, 2);
    }
  });

  it('costs nothing for a curve of zeros and nothing finite for a curve of infinities', () => {
    assert.equal(epsilonFromRdp([2, 3], [0, 0], 1e-5).epsilon, 0);
    const none = epsilonFromRdp([2, 3], [Infinity, Infinity], 1e-5);
    assert.equal(none.epsilon, Infinity);
    assert.ok(Number.isNaN(none.order));
  });
});

describe('RdpAccountant', () => {
  it('matches Opacus test_rdp_accountant: 2250 steps at q=0.04, σ=1.5 give ε = 7.32911117143 at δ=1e-5', () => {
    const accountant = new RdpAccountant();
    for (let i = 0; i < 2250; i++) accountant.step(0.04, 1.5);
    assertPlaces(accountant.epsilon(1e-5), 7.32911117143, 7);
    assert.deepEqual(accountant.history, [{ sampleRate: 0.04, noiseMultiplier: 1.5, steps: 2250 }]);
  });

  it('composes heterogeneous stretches in any split and equals one pass over the summed curve', () => {
    const stretches = [
      { sampleRate: 0.01, noiseMultiplier: 1.1, steps: 300 },
      { sampleRate: 0.05, noiseMultiplier: 2.0, steps: 40 },
      { sampleRate: 0.01, noiseMultiplier: 1.1, steps: 200 },
    ];
    const accountant = new RdpAccountant(DEFAULT_ORDERS, stretches);
    assert.equal(accountant.history.length, 3); // not adjacent, so not merged
    const byHand = DEFAULT_ORDERS.map(
      (_, k) => (computeRdp(0.01, 1.1, 500)[k] as number) + (computeRdp(0.05, 2.0, 40)[k] as number),
    );
    const expected = epsilonFromRdp(DEFAULT_ORDERS, byHand, 1e-5).epsilon;
    assertRelative(accountant.epsilon(1e-5), expected, 1e-12);
    assert.equal(new RdpAccountant().epsilon(1e-5), 0);
  });
});

describe('noiseMultiplierFor', () => {
  it('matches Opacus get_noise_multiplier: ε=8, δ=1e-5, q=0.04 gives 1.416 (90 epochs) and 1.3562 (2000 steps)', () => {
    assertPlaces(noiseMultiplierFor(8, 1e-5, 0.04, Math.trunc(90 / 0.04)), 1.416, 4);
    assertPlaces(noiseMultiplierFor(8, 1e-5, 0.04, 2000), 1.3562, 4);
  });

  it('never overshoots the target', () => {
    for (const [eps, q, steps] of [[1, 0.001, 10000], [3, 0.02, 500], [10, 0.1, 50]] as const) {
      const sigma = noiseMultiplierFor(eps, 1e-6, q, steps);
      const spent = epsilonFromRdp(DEFAULT_ORDERS, computeRdp(q, sigma, steps), 1e-6).epsilon;
      assert.ok(spent <= eps && spent > eps - 0.01, `σ=${sigma} spends ${spent} of ${eps}`);
    }
  });

  it('needs no noise for steps that never sample, refuses a hopeless budget, and ends where ε(σ) jumps', () => {
    assert.equal(noiseMultiplierFor(1, 1e-5, 0, 100), 0);
    assert.throws(() => noiseMultiplierFor(0.01, 1e-5, 0.5, 1_000_000), (err: unknown) => isDomainError(err) && err.code === 'BAD_INPUT');
    // Below ε ≈ 0.1 the only way under the target is the KL rule's drop to ε = 0, a jump the
    // tolerance band never sees; the search must still stop, on the safe side.
    const sigma = noiseMultiplierFor(0.05, 1e-5, 1e-3, 10);
    assert.ok(epsilonFromRdp(DEFAULT_ORDERS, computeRdp(1e-3, sigma, 10), 1e-5).epsilon <= 0.05);
  });
});
