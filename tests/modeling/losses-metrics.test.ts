import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyPenalty, binaryCrossEntropyWithLogits, coxPartialLikelihood } from '../../src/modeling/losses.ts';
import { accuracy, auc, brierScore, concordanceIndex, expectedCalibrationError, kaplanMeier, survivalCalibration } from '../../src/modeling/metrics.ts';
import { adam, sgd } from '../../src/modeling/optimisers.ts';
import { tensor } from '../../src/modeling/tensor.ts';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

describe('losses', () => {
  it('Cox partial likelihood with a censored tie, by hand', () => {
    // times 1, 2, 2(censored), 3; the censored patient at t = 2 is still at risk at t = 2
    const eta = [0.5, -0.2, 0.1, 0.3];
    const e = eta.map(Math.exp);
    const s1 = e[0]! + e[1]! + e[2]! + e[3]!;
    const s2 = e[1]! + e[2]! + e[3]!;
    const s4 = e[3]!;
    const expected = -((0.5 - Math.log(s1)) + (-0.2 - Math.log(s2)) + (0.3 - Math.log(s4))) / 3;
    const r = coxPartialLikelihood(tensor([4], eta), { time: [1, 2, 2, 3], event: [1, 1, 0, 1] });
    close(r.loss, expected);
    // dL/dη_k = (e_k Σ_{events i with t_i ≤ t_k} 1/S_i − δ_k) / D
    close(r.gradient.data[0]!, (e[0]! / s1 - 1) / 3);
    close(r.gradient.data[1]!, (e[1]! * (1 / s1 + 1 / s2) - 1) / 3);
    close(r.gradient.data[2]!, (e[2]! * (1 / s1 + 1 / s2)) / 3);
    close(r.gradient.data[3]!, (e[3]! * (1 / s1 + 1 / s2 + 1 / s4) - 1) / 3);
  });

  it("Breslow: tied events share one risk set", () => {
    const eta = [0.1, 0.2, 0.3];
    const e = eta.map(Math.exp);
    const s = e[0]! + e[1]! + e[2]!;
    const expected = -((0.1 - Math.log(s)) + (0.2 - Math.log(s)) + (0.3 - Math.log(e[2]!))) / 3;
    close(coxPartialLikelihood(tensor([3], eta), { time: [2, 2, 3], event: [1, 1, 1] }).loss, expected);
  });

  it('Cox loss is unchanged by shifting every risk score (the baseline absorbs it)', () => {
    const labels = { time: [5, 3, 9, 1, 4], event: [1, 0, 1, 1, 0] };
    const a = coxPartialLikelihood(tensor([5], [0.3, -1, 2, 0.1, 0.7]), labels).loss;
    const b = coxPartialLikelihood(tensor([5], [100.3, 99, 102, 100.1, 100.7]), labels).loss;
    close(a, b, 1e-9);
  });

  it('binary cross-entropy on logits, with an unknown label skipped', () => {
    const z = [2, -1, 0.5];
    const y = [1, 0, Number.NaN];
    const r = binaryCrossEntropyWithLogits(tensor([3], z), y);
    const p = z.map((v) => 1 / (1 + Math.exp(-v)));
    close(r.loss, -(Math.log(p[0]!) + Math.log(1 - p[1]!)) / 2);
    close(r.gradient.data[0]!, (p[0]! - 1) / 2);
    close(r.gradient.data[1]!, p[1]! / 2);
    assert.equal(r.gradient.data[2], 0);
    // a logit of 800 must not overflow
    assert.ok(Number.isFinite(binaryCrossEntropyWithLogits(tensor([1], [800]), [0]).loss));
  });

  it('elastic-net penalty and its subgradient', () => {
    const grads = new Map([['w', tensor([3], [0, 0, 1])]]);
    const value = applyPenalty({ lambda: 0.1, alpha: 0.5, parameters: ['w'] }, { w: tensor([3], [1, -2, 0]) }, grads);
    close(value, 0.1 * (0.5 * 3 + 0.25 * 5));
    assert.deepEqual(Array.from(grads.get('w')!.data).map((v) => Math.round(v * 1e12) / 1e12), [0.1, -0.15, 1]);
  });
});

describe('optimisers', () => {
  it('SGD with momentum, two steps by hand', () => {
    const p = { w: tensor([1], [1]) };
    const opt = sgd({ learningRate: 0.1, momentum: 0.9 });
    opt.step(p, new Map([['w', tensor([1], [2])]])); // v = 2, w = 1 − 0.2
    close(p.w.data[0]!, 0.8);
    opt.step(p, new Map([['w', tensor([1], [1])]])); // v = 0.9·2 + 1 = 2.8, w = 0.8 − 0.28
    close(p.w.data[0]!, 0.52);
  });

  it("Adam's first step moves each weight by the learning rate against the gradient's sign", () => {
    const p = { w: tensor([2], [1, 1]) };
    adam({ learningRate: 0.01 }).step(p, new Map([['w', tensor([2], [3, -0.5])]]));
    close(p.w.data[0]!, 1 - 0.01 * (3 / (3 + 1e-8)));
    close(p.w.data[1]!, 1 + 0.01 * (0.5 / (0.5 + 1e-8)));
  });
});

describe('metrics on hand-computed examples', () => {
  it('AUC, with and without ties', () => {
    close(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
    close(auc([0.5, 0.5, 0.2, 0.9], [1, 0, 0, 1]), 3.5 / 4);
    assert.ok(Number.isNaN(auc([0.1, 0.2], [1, 1])));
  });

  it('accuracy, Brier score and expected calibration error', () => {
    close(accuracy([0.2, 0.7, 0.5, 0.4], [0, 1, 0, 1]), 0.5);
    close(brierScore([0.1, 0.9], [0, 0]), 0.41);
    // bins: [0.1, 0.2) holds 0.1, 0.15 (1 of 2 positive); [0.8, 0.9) holds 0.8, 0.85 (both); [0.9, 1] holds 0.9 (negative)
    close(expectedCalibrationError([0.1, 0.15, 0.8, 0.85, 0.9], [0, 1, 1, 1, 0]), (2 / 5) * 0.375 + (2 / 5) * 0.175 + (1 / 5) * 0.9);
  });

  it("Harrell's C-index, with a tie in risk and a censored patient", () => {
    // comparable pairs (earlier time is an event): (1,2) (1,3) (1,4) (2,3) (2,4) — 5 pairs
    close(concordanceIndex([0.9, 0.2, 0.5, 0.1], [1, 2, 3, 4], [1, 1, 0, 1]), 4 / 5);
    close(concordanceIndex([0.9, 0.2, 0.5, 0.2], [1, 2, 3, 4], [1, 1, 0, 1]), 3.5 / 5);
  });

  it('Kaplan–Meier and calibration at a horizon', () => {
    // t=1: 1 of 5 dies; t=2: 1 of 4 dies (one censored); t=3: 1 of 2 dies → 0.8 · 0.75 · 0.5
    close(kaplanMeier([1, 2, 2, 3, 5], [1, 1, 0, 1, 0], 3), 0.3);
    close(kaplanMeier([1, 2, 2, 3, 5], [1, 1, 0, 1, 0], 2.5), 0.6);
    const cal = survivalCalibration([0.2, 0.9, 0.8, 0.3], [1, 10, 10, 2], [1, 0, 0, 1], 5, 2);
    assert.deepEqual(cal.groups.map((g) => [g.size, g.observed]), [[2, 0], [2, 1]]);
    close(cal.groups[0]!.predicted, 0.25);
    close(cal.error, 0.5 * 0.25 + 0.5 * 0.15);
  });
});
