import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auc, coxFit, logisticFit, logisticScore } from '../helpers/stats.ts';

test('the Cox helper solves a hand-worked partial likelihood', () => {
  // events at t = 1..4 with x = 1, 0, 1, 0. The score equation is 2/(1+e^b) - e^b/(e^b+2) = 0,
  // so e^b is the positive root of y^2 - y - 4 = 0: y = (1 + sqrt 17)/2 and b = ln y = 0.94057.
  const rows = [1, 0, 1, 0].map((x, i) => ({ time: i + 1, event: true, x: [x] }));
  const { beta } = coxFit(rows);
  assert.ok(Math.abs(beta[0]! - Math.log((1 + Math.sqrt(17)) / 2)) < 1e-9, `beta ${beta[0]}`);
});

test('the Cox helper handles ties the Breslow way', () => {
  // two events tied at t = 1 (x = 1 and x = 0) with a censored x = 1 at t = 2:
  // log L = b - 2 log(2 e^b + 1); the score 1 - 4e^b/(2e^b + 1) = 0 gives e^b = 1/2.
  const rows = [
    { time: 1, event: true, x: [1] },
    { time: 1, event: true, x: [0] },
    { time: 2, event: false, x: [1] },
  ];
  assert.ok(Math.abs(coxFit(rows).beta[0]! - Math.log(0.5)) < 1e-9);
});

test('AUC counts concordant pairs, ties as half', () => {
  // positives 0.9, 0.4; negatives 0.4, 0.1: pairs (0.9>0.4), (0.9>0.1), (0.4=0.4 half), (0.4>0.1) = 3.5/4
  assert.equal(auc([0.9, 0.4, 0.4, 0.1], [1, 1, 0, 0]), 0.875);
});

test('logistic regression recovers a separating direction', () => {
  const x = [[-2], [-1], [-0.5], [0.5], [1], [2], [0.2], [-0.2]];
  const y = [0, 0, 0, 1, 1, 1, 0, 1];
  const w = logisticFit(x, y);
  assert.ok(w[0]! > 0);
  assert.ok(logisticScore(w, [2]) > logisticScore(w, [-2]));
});
