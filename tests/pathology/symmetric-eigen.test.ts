import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eigenSymmetric3 } from '../../src/pathology/symmetric-eigen.ts';

test('eigenvalues ascending with unit eigenvectors, on a matrix solvable by hand', () => {
  // [[2,1,0],[1,2,0],[0,0,5]]: eigenvalues 1, 3, 5 with vectors (1,−1,0)/√2, (1,1,0)/√2, (0,0,1)
  const { values, vectors } = eigenSymmetric3([
    [2, 1, 0],
    [1, 2, 0],
    [0, 0, 5],
  ]);
  values.forEach((v, i) => assert.ok(Math.abs(v - [1, 3, 5][i]!) < 1e-14, `${values}`));
  const s = Math.SQRT1_2;
  const expected = [
    [s, -s, 0],
    [s, s, 0],
    [0, 0, 1],
  ];
  vectors.forEach((v, i) => {
    const dot = v.reduce((acc, x, k) => acc + x * expected[i]![k]!, 0);
    assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-14, `vector ${i}: ${v}`);
  });
});

test('A·v = λ·v and orthonormal vectors on a full covariance matrix', () => {
  // the OD covariance of HEnorm_python's example1 (numpy np.cov)
  const a = [
    [0.02109493, 0.02428466, 0.0112135],
    [0.02428466, 0.03742216, 0.01869912],
    [0.0112135, 0.01869912, 0.01167371],
  ];
  const { values, vectors } = eigenSymmetric3(a);
  // numpy eigh: [0.00139083, 0.00487604, 0.06392393]
  values.forEach((v, i) => assert.ok(Math.abs(v - [0.00139083, 0.00487604, 0.06392393][i]!) < 5e-8, `${values}`));
  vectors.forEach((v, i) => {
    for (let r = 0; r < 3; r++) {
      const av = a[r]!.reduce((acc, x, k) => acc + x * v[k]!, 0);
      assert.ok(Math.abs(av - values[i]! * v[r]!) < 1e-16, `residual ${av - values[i]! * v[r]!}`);
    }
    vectors.forEach((w, j) => {
      const dot = v.reduce((acc, x, k) => acc + x * w[k]!, 0);
      assert.ok(Math.abs(dot - (i === j ? 1 : 0)) < 1e-14);
    });
  });
});
