/**
 * Small, independent statistics for checking generated data: a Cox fit, logistic regression and
 * AUC. Deliberately written apart from src/ so that a test does not grade the code with itself.
 */

function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] as number]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r]![col]! / m[col]![col]!;
      for (let c = col; c <= n; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

function invert(a: number[][]): number[][] {
  const n = a.length;
  const cols = Array.from({ length: n }, (_, j) => solve(a, Array.from({ length: n }, (_, i) => (i === j ? 1 : 0))));
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => cols[j]![i]!));
}

export interface SurvivalRow {
  time: number;
  event: boolean;
  x: number[];
}

/**
 * Cox proportional hazards by Newton-Raphson on the partial likelihood with Breslow's handling
 * of tied event times. Returns the coefficients and their standard errors.
 */
export function coxFit(rows: readonly SurvivalRow[], iterations = 25): { beta: number[]; se: number[] } {
  const p = rows[0]!.x.length;
  const sorted = [...rows].sort((a, b) => b.time - a.time); // descending: risk sets grow as we go
  let beta = new Array<number>(p).fill(0);
  let info: number[][] = [];
  for (let it = 0; it < iterations; it++) {
    const grad = new Array<number>(p).fill(0);
    info = Array.from({ length: p }, () => new Array<number>(p).fill(0));
    let s0 = 0;
    const s1 = new Array<number>(p).fill(0);
    const s2 = Array.from({ length: p }, () => new Array<number>(p).fill(0));
    let i = 0;
    while (i < sorted.length) {
      const t = sorted[i]!.time;
      let j = i;
      const events: SurvivalRow[] = [];
      for (; j < sorted.length && sorted[j]!.time === t; j++) {
        const r = sorted[j]!;
        const w = Math.exp(r.x.reduce((acc, v, k) => acc + v * beta[k]!, 0));
        s0 += w;
        for (let a = 0; a < p; a++) {
          s1[a]! += w * r.x[a]!;
          for (let b = 0; b < p; b++) s2[a]![b]! += w * r.x[a]! * r.x[b]!;
        }
        if (r.event) events.push(r);
      }
      const d = events.length;
      if (d > 0) {
        for (let a = 0; a < p; a++) {
          grad[a]! += events.reduce((acc, e) => acc + e.x[a]!, 0) - (d * s1[a]!) / s0;
          for (let b = 0; b < p; b++) info[a]![b]! += d * (s2[a]![b]! / s0 - (s1[a]! * s1[b]!) / (s0 * s0));
        }
      }
      i = j;
    }
    const step = solve(info, grad);
    beta = beta.map((v, k) => v + step[k]!);
    if (Math.max(...step.map(Math.abs)) < 1e-9) break;
  }
  const cov = invert(info);
  return { beta, se: cov.map((row, k) => Math.sqrt(row[k]!)) };
}

/** Logistic regression by Newton's method with a small ridge penalty; returns weights (bias last). */
export function logisticFit(x: readonly number[][], y: readonly number[], ridge = 1e-3): number[] {
  const p = x[0]!.length + 1;
  let w = new Array<number>(p).fill(0);
  for (let it = 0; it < 50; it++) {
    const grad = w.map((v) => -ridge * v);
    const hess = Array.from({ length: p }, (_, a) => Array.from({ length: p }, (_, b) => (a === b ? ridge : 0)));
    x.forEach((row, n) => {
      const z = [...row, 1];
      const mu = 1 / (1 + Math.exp(-z.reduce((acc, v, k) => acc + v * w[k]!, 0)));
      for (let a = 0; a < p; a++) {
        grad[a]! += (y[n]! - mu) * z[a]!;
        for (let b = 0; b < p; b++) hess[a]![b]! += mu * (1 - mu) * z[a]! * z[b]!;
      }
    });
    const step = solve(hess, grad);
    w = w.map((v, k) => v + step[k]!);
    if (Math.max(...step.map(Math.abs)) < 1e-8) break;
  }
  return w;
}

export function logisticScore(w: readonly number[], row: readonly number[]): number {
  return [...row, 1].reduce((acc, v, k) => acc + v * w[k]!, 0);
}

/** Area under the ROC curve as the Mann-Whitney probability (ties count half). */
export function auc(scores: readonly number[], labels: readonly number[]): number {
  let pairs = 0;
  let wins = 0;
  scores.forEach((s, i) => {
    if (labels[i] !== 1) return;
    scores.forEach((t, j) => {
      if (labels[j] !== 0) return;
      pairs++;
      wins += s > t ? 1 : s === t ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

/** Standardises columns with the given means and standard deviations (computed on training rows). */
export function standardiser(rows: readonly number[][]): (row: readonly number[]) => number[] {
  const p = rows[0]!.length;
  const mean = Array.from({ length: p }, (_, k) => rows.reduce((a, r) => a + r[k]!, 0) / rows.length);
  const sd = Array.from({ length: p }, (_, k) => Math.sqrt(rows.reduce((a, r) => a + (r[k]! - mean[k]!) ** 2, 0) / rows.length) || 1);
  return (row) => row.map((v, k) => (v - mean[k]!) / sd[k]!);
}
