import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDomainError } from '../../../src/errors/domain-error.ts';
import { fedAvg } from '../../../src/federation/strategies/fed-avg.ts';
import { addProximalGradient, fedProx, proximalLoss } from '../../../src/federation/strategies/fed-prox.ts';
import type { SiteUpdate } from '../../../src/federation/strategies/types.ts';

const f64 = (...xs: number[]) => Float64Array.from(xs);
const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

// Three sites; B sends weights instead of a delta. Dyadic numbers, so every step is exact.
const global = f64(1, 2, 3);
const updates: SiteUpdate[] = [
  { delta: f64(0.5, -1, 0), numExamples: 1 },
  { weights: f64(1.25, 2, 3.5), numExamples: 2 }, // delta (0.25, 0, 0.5)
  { delta: f64(-0.5, 0.5, 1), numExamples: 1 },
];

describe('FedAvg', () => {
  it('applies the example-weighted mean delta, by hand', () => {
    // Σ n·Δ = (0.5 + 0.5 − 0.5, −1 + 0 + 0.5, 0 + 1 + 1) = (0.5, −0.5, 2); Σ n = 4
    // mean Δ = (0.125, −0.125, 0.5); next = (1.125, 1.875, 3.5)
    const s = fedAvg();
    const r = s.aggregate(global, updates, s.initialState(3));
    assert.deepEqual(r.next, f64(1.125, 1.875, 3.5));
    assert.deepEqual(r.state, { strategy: 'fedavg', round: 1 });
    // the inputs are left alone
    assert.deepEqual(global, f64(1, 2, 3));
  });

  it('weights by examples, not by site (the unweighted mean would give 1.0833…)', () => {
    const s = fedAvg();
    const r = s.aggregate(f64(0), [{ delta: f64(1), numExamples: 3 }, { delta: f64(-1), numExamples: 1 }], s.initialState(1));
    // (3·1 + 1·(−1)) / 4 = 0.5
    assert.deepEqual(r.next, f64(0.5));
  });

  it('scales the step by a server learning rate', () => {
    const s = fedAvg({ serverLr: 0.5 });
    // x + 0.5·(0.125, −0.125, 0.5)
    assert.deepEqual(s.aggregate(global, updates, s.initialState(3)).next, f64(1.0625, 1.9375, 3.25));
  });

  it('refuses an empty round and a wrong-length update', () => {
    const s = fedAvg();
    assert.throws(() => s.aggregate(global, [], s.initialState(3)), (e) => isDomainError(e) && e.code === 'BAD_INPUT');
    assert.throws(
      () => s.aggregate(global, [{ delta: f64(1, 2), numExamples: 1 }], s.initialState(3)),
      (e) => isDomainError(e) && e.issues[0]?.expression === 'updates[0]',
    );
  });

  it('converges to the example-weighted optimum on quadratic local objectives', () => {
    // f_i(w) = ½‖w − c_i‖²; 5 local GD steps give Δ_i = (1 − 0.7⁵)(c_i − w), so the fixed point is
    // c̄ = Σ n_i c_i / Σ n_i = ((10·1 + 30·3 − 60·1)/100, (−10·2 + 60·4)/100) = (0.4, 2.2).
    const sites = [
      { c: [1, -2], n: 10 },
      { c: [3, 0], n: 30 },
      { c: [-1, 4], n: 60 },
    ];
    const s = fedAvg();
    let x: Float64Array = f64(0, 0);
    let state = s.initialState(2);
    for (let round = 0; round < 40; round++) {
      const ups = sites.map(({ c, n }) => ({ weights: localGd(x, (w) => w.map((v, j) => v - c[j]!), 5, 0.3), numExamples: n }));
      ({ next: x, state } = s.aggregate(x, ups, state));
    }
    close(x[0]!, 0.4);
    close(x[1]!, 2.2);
    assert.equal(state.round, 40);
  });

  it('with one local step, finds the optimum of Σ n_i f_i even when curvatures differ', () => {
    // f_i(w) = ½ a_i (w − c_i)²; optimum Σ n a c / Σ n a = (1·1·4 + 1·2·1 + 2·4·(−1)) / (1 + 2 + 8) = −2/11
    const sites = [
      { a: 1, c: 4, n: 1 },
      { a: 2, c: 1, n: 1 },
      { a: 4, c: -1, n: 2 },
    ];
    const s = fedAvg();
    let x: Float64Array = f64(0);
    let state = s.initialState(1);
    for (let round = 0; round < 200; round++) {
      const ups = sites.map(({ a, c, n }) => ({ weights: localGd(x, (w) => w.map((v) => a * (v - c)), 1, 0.1), numExamples: n }));
      ({ next: x, state } = s.aggregate(x, ups, state));
    }
    close(x[0]!, -2 / 11);
  });
});

describe('FedProx', () => {
  it('aggregates exactly as FedAvg on the server and carries μ for the sites', () => {
    const p = fedProx({ mu: 0.1 });
    const a = fedAvg();
    assert.equal(p.mu, 0.1);
    assert.equal(p.name, 'fedprox');
    assert.deepEqual(p.aggregate(global, updates, p.initialState(3)).next, a.aggregate(global, updates, a.initialState(3)).next);
  });

  it('proximal loss and gradient, by hand', () => {
    // w − w_g = (0.5, −2); ‖·‖² = 4.25; (0.1/2)·4.25 = 0.2125; gradient (1 + 0.05, 1 − 0.2)
    const w = f64(1, 2);
    const wg = f64(0.5, 4);
    close(proximalLoss(w, wg, 0.1), 0.2125);
    const grad = f64(1, 1);
    assert.equal(addProximalGradient(grad, w, wg, 0.1), grad);
    close(grad[0]!, 1.05);
    close(grad[1]!, 0.8);
  });

  it('the proximal gradient matches central differences of the proximal loss', () => {
    const w = f64(0.3, -1.7, 2.2);
    const wg = f64(-0.4, 0.9, 2);
    const mu = 0.37;
    const grad = addProximalGradient(new Float64Array(3), w, wg, mu);
    const h = 1e-6;
    for (let j = 0; j < 3; j++) {
      const up = Float64Array.from(w);
      const down = Float64Array.from(w);
      up[j]! += h;
      down[j]! -= h;
      close(grad[j]!, (proximalLoss(up, wg, mu) - proximalLoss(down, wg, mu)) / (2 * h), 1e-8);
    }
  });

  it('refuses a negative μ', () => {
    assert.throws(() => fedProx({ mu: -0.1 }), (e) => isDomainError(e) && e.code === 'BAD_INPUT');
  });
});

/** K steps of gradient descent from x; returns the site's new weights. */
function localGd(x: Float64Array, gradient: (w: number[]) => number[], steps: number, lr: number): Float64Array {
  let w = Array.from(x);
  for (let k = 0; k < steps; k++) {
    const g = gradient(w);
    w = w.map((v, j) => v - lr * g[j]!);
  }
  return Float64Array.from(w);
}
