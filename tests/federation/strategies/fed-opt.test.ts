import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDomainError } from '../../../src/errors/domain-error.ts';
import { fedAdagrad, fedAdam, fedYogi, type FedOptOptions, type FedOptState } from '../../../src/federation/strategies/fed-opt.ts';
import type { SiteUpdate, SumStrategy } from '../../../src/federation/strategies/types.ts';

const f64 = (...xs: number[]) => Float64Array.from(xs);
const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

// Hyperparameters picked so m and v stay small exact numbers: β1 = ½, β2 = ¾, τ = 1, η = 1.
const hand: FedOptOptions = { serverLr: 1, beta1: 0.5, beta2: 0.75, tau: 1 };
// Sites with 1 and 3 examples. Round 1: Δ̄ = ((8 + 0)/4, (0 − 24)/4) = (2, −6).
const round1: SiteUpdate[] = [
  { delta: f64(8, 0), numExamples: 1 },
  { delta: f64(0, -8), numExamples: 3 },
];
// Round 2: Δ̄ = ((4 + 12)/4, (−4 + 0)/4) = (4, −1).
const round2: SiteUpdate[] = [
  { delta: f64(4, -4), numExamples: 1 },
  { delta: f64(4, 0), numExamples: 3 },
];

function twoRounds(s: SumStrategy<FedOptState>) {
  const x0 = f64(0, 0);
  const r1 = s.aggregate(x0, round1, s.initialState(2));
  const r2 = s.aggregate(r1.next, round2, r1.state);
  return { r1, r2 };
}

describe('FedAdam (FLamby variant: v₀ = 0, no bias correction)', () => {
  it('two rounds by hand', () => {
    const { r1, r2 } = twoRounds(fedAdam(hand));
    // m₁ = ½Δ = (1, −3); v₁ = ¼Δ² = (1, 9); x₁ = (1/(1+1), −3/(3+1)) = (0.5, −0.75)
    assert.deepEqual(r1.state, { strategy: 'fedadam', round: 1, m: [1, -3], v: [1, 9] });
    assert.deepEqual(r1.next, f64(0.5, -0.75));
    // m₂ = ½(1, −3) + ½(4, −1) = (2.5, −2); v₂ = ¾(1, 9) + ¼(16, 1) = (4.75, 7)
    // x₂ = x₁ + (2.5/(√4.75 + 1), −2/(√7 + 1)) = (1.286299647846891, −1.2985837703548635)
    assert.deepEqual(r2.state.m, [2.5, -2]);
    assert.deepEqual(r2.state.v, [4.75, 7]);
    close(r2.next[0]!, 1.286299647846891);
    close(r2.next[1]!, -1.2985837703548635);
  });

  it('with FLamby defaults (β1 0.9, β2 0.999, τ 1e-8) the first step is ≈ 3.16·η per coordinate', () => {
    const s = fedAdam({ serverLr: 0.1 });
    const r = s.aggregate(f64(0, 0), round1, s.initialState(2));
    // m = 0.1·(2, −6); v = 0.001·(4, 36); step = 0.1·0.2/(√0.004 + 1e-8), −0.1·0.6/(√0.036 + 1e-8)
    close(r.next[0]!, 0.31622771601684596);
    close(r.next[1]!, -0.31622774935017217);
  });

  it('bias correction (Kingma & Ba) scales η by √(1 − β2ᵗ)/(1 − β1ᵗ)', () => {
    const { r1, r2 } = twoRounds(fedAdam({ ...hand, biasCorrection: true }));
    // t = 1: √(1 − ¾)/(1 − ½) = 1, so round 1 is unchanged
    assert.deepEqual(r1.next, f64(0.5, -0.75));
    // t = 2: √(1 − 9/16)/(1 − ¼) = 0.8819171036881969
    // x₂ = x₁ + 0.8819171036881969·(2.5/(√4.75 + 1), −2/(√7 + 1))
    close(r2.next[0]!, 1.1934511080601795);
    close(r2.next[1]!, -1.2338054098817122);
    // and with FLamby's defaults the corrected first step is ≈ η·sign(Δ), as in Adam
    const s = fedAdam({ serverLr: 0.1, biasCorrection: true });
    const first = s.aggregate(f64(0, 0), round1, s.initialState(2)).next;
    close(first[0]!, 0.1, 1e-6);
    close(first[1]!, -0.1, 1e-6);
  });

  it('bias correction is refused for FedYogi and FedAdagrad', () => {
    assert.throws(() => fedYogi({ biasCorrection: true }), (e) => isDomainError(e) && /fedadam only/.test(e.message));
  });
});

describe('FedYogi', () => {
  it('two rounds by hand, with sign(v − Δ²) negative in one coordinate and positive in the other', () => {
    const { r1, r2 } = twoRounds(fedYogi(hand));
    // v₀ = 0: sign(0 − Δ²) = −1, so v₁ = ¼Δ² = (1, 9), the same first step as Adam
    assert.deepEqual(r1.state.v, [1, 9]);
    assert.deepEqual(r1.next, f64(0.5, -0.75));
    // v₁ − Δ₂² = (1 − 16, 9 − 1) → signs (−1, +1): v₂ = (1 + ¼·16, 9 − ¼·1) = (5, 8.75)
    assert.deepEqual(r2.state.v, [5, 8.75]);
    assert.deepEqual(r2.state.m, [2.5, -2]);
    // x₂ = x₁ + (2.5/(√5 + 1), −2/(√8.75 + 1))
    close(r2.next[0]!, 1.2725424859373686);
    close(r2.next[1]!, -1.2553006171741439);
  });

  it('leaves v unchanged where v = Δ² (sign 0, as np.sign)', () => {
    const s = fedYogi(hand);
    const state: FedOptState = { strategy: 'fedyogi', round: 3, m: [0], v: [4] };
    const r = s.aggregate(f64(0), [{ delta: f64(2), numExamples: 5 }], state);
    assert.deepEqual(r.state.v, [4]);
    assert.equal(r.state.round, 4);
  });
});

describe('FedAdagrad', () => {
  it('two rounds by hand, with momentum β1 as FLamby (Flower forces β1 = 0)', () => {
    const { r1, r2 } = twoRounds(fedAdagrad(hand));
    // v₁ = Δ² = (4, 36); m₁ = (1, −3); x₁ = (1/(2 + 1), −3/(6 + 1)) = (1/3, −3/7)
    assert.deepEqual(r1.state.v, [4, 36]);
    close(r1.next[0]!, 1 / 3);
    close(r1.next[1]!, -3 / 7);
    // v₂ = (4 + 16, 36 + 1) = (20, 37); m₂ = (2.5, −2); x₂ = x₁ + (2.5/(√20 + 1), −2/(√37 + 1))
    assert.deepEqual(r2.state.v, [20, 37]);
    close(r2.next[0]!, 0.7901933274122253);
    close(r2.next[1]!, -0.7109471246991075);
  });
});

describe('FedOpt state and secure aggregation', () => {
  // Awkward decimals so that any loss of precision in storage would show.
  const x0 = f64(0.1, -0.7, 1 / 3);
  const a: SiteUpdate[] = [
    { delta: f64(0.013, -0.0271, 0.1 / 7), numExamples: 199 },
    { weights: f64(0.08, -0.69, 0.3), numExamples: 172 },
    { delta: f64(-0.002, 0.0031, Math.PI / 100), numExamples: 30 },
  ];
  const b: SiteUpdate[] = [
    { delta: f64(0.011, -0.0203, 0.017), numExamples: 199 },
    { delta: f64(-0.004, 0.0151, -0.0093), numExamples: 85 },
  ];

  for (const make of [fedAdam, fedYogi, fedAdagrad]) {
    it(`${make.name}: state stored as JSON resumes to the identical next step`, () => {
      const s = make({ serverLr: 0.1 });
      const r1 = s.aggregate(x0, a, s.initialState(3));
      const stored = JSON.parse(JSON.stringify(r1.state)) as unknown;
      const resumed = s.aggregate(r1.next, b, s.parseState(stored, 3));
      const direct = s.aggregate(r1.next, b, r1.state);
      assert.deepEqual(resumed, direct);
      assert.ok(Array.isArray(r1.state.m) && Array.isArray(r1.state.v));
    });

    it(`${make.name}: aggregateFromSum on the securely summed Σ n·Δ and Σ n equals aggregate`, () => {
      const s = make({ serverLr: 0.1 });
      // what secure aggregation would hand over, summed here without the library's helpers
      const sum = new Float64Array(3);
      let total = 0;
      for (const u of a) {
        for (let j = 0; j < 3; j++) sum[j]! += u.numExamples * (u.delta ? u.delta[j]! : u.weights[j]! - x0[j]!);
        total += u.numExamples;
      }
      const state = s.initialState(3);
      assert.deepEqual(s.aggregateFromSum(x0, sum, total, state), s.aggregate(x0, a, state));
    });
  }

  it('refuses stored state of another size, another strategy, or with NaN written as null', () => {
    const s = fedAdam();
    const ok = { strategy: 'fedadam', round: 2, m: [0.1, 0.2], v: [0.01, 0.04] };
    assert.deepEqual(s.parseState(ok, 2), ok);
    const conflict = (e: unknown) => isDomainError(e) && e.code === 'CONFLICT';
    assert.throws(() => s.parseState(ok, 3), conflict);
    assert.throws(() => s.parseState({ ...ok, strategy: 'fedyogi' }, 2), conflict);
    assert.throws(() => s.parseState(JSON.parse(JSON.stringify({ ...ok, v: [Number.NaN, 0] })), 2), (e) => conflict(e) && isDomainError(e) && e.issues[0]?.expression === 'state.v.0');
  });

  it('refuses bad hyperparameters', () => {
    assert.throws(() => fedAdam({ beta1: 1 }), /beta1/);
    assert.throws(() => fedYogi({ tau: 0 }), /tau/);
  });

  it('initialV = τ² gives the paper\'s v₋₁ ≥ τ² start', () => {
    const s = fedAdagrad({ tau: 1e-3, initialV: 1e-6 });
    assert.deepEqual(s.initialState(2).v, [1e-6, 1e-6]);
  });
});
