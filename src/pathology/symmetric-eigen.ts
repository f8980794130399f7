/**
 * Eigen-decomposition of a symmetric 3×3 matrix by cyclic Jacobi rotations (Golub & Van Loan,
 * Matrix Computations, §8.5). Jacobi is accurate to working precision in every eigenvector, which is
 * what Macenko's angle step needs, and 3×3 converges in a handful of sweeps.
 */

export interface SymmetricEigen {
  /** Eigenvalues in ascending order, like numpy.linalg.eigh. */
  values: [number, number, number];
  /** vectors[i] is the unit eigenvector of values[i] (numpy returns these as columns). */
  vectors: [number[], number[], number[]];
}

/** Eigenvalues (ascending) and unit eigenvectors of the symmetric matrix `m` (row-major 3×3). */
export function eigenSymmetric3(m: readonly (readonly number[])[]): SymmetricEigen {
  const a = [0, 1, 2].map((r) => [0, 1, 2].map((c) => m[r]![c]!));
  const v = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  const pairs: Array<[number, number]> = [
    [0, 1],
    [0, 2],
    [1, 2],
  ];
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = a[0]![1]! ** 2 + a[0]![2]! ** 2 + a[1]![2]! ** 2;
    const diag = a[0]![0]! ** 2 + a[1]![1]! ** 2 + a[2]![2]! ** 2;
    if (off === 0 || off <= 1e-36 * diag) break;
    for (const [p, q] of pairs) {
      const apq = a[p]![q]!;
      if (apq === 0) continue;
      // Rotation angle that zeroes a[p][q]; t is the smaller root, so the rotation is at most 45°.
      const theta = (a[q]![q]! - a[p]![p]!) / (2 * apq);
      const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      for (let k = 0; k < 3; k++) {
        const akp = a[k]![p]!;
        const akq = a[k]![q]!;
        a[k]![p] = c * akp - s * akq;
        a[k]![q] = s * akp + c * akq;
      }
      for (let k = 0; k < 3; k++) {
        const apk = a[p]![k]!;
        const aqk = a[q]![k]!;
        a[p]![k] = c * apk - s * aqk;
        a[q]![k] = s * apk + c * aqk;
      }
      a[p]![q] = 0;
      a[q]![p] = 0;
      for (let k = 0; k < 3; k++) {
        const vkp = v[k]![p]!;
        const vkq = v[k]![q]!;
        v[k]![p] = c * vkp - s * vkq;
        v[k]![q] = s * vkp + c * vkq;
      }
    }
  }
  const order = [0, 1, 2].sort((i, j) => a[i]![i]! - a[j]![j]!);
  const values = order.map((i) => a[i]![i]!) as [number, number, number];
  const vectors = order.map((i) => [v[0]![i]!, v[1]![i]!, v[2]![i]!]) as [number[], number[], number[]];
  return { values, vectors };
}
