/** The pieces every aggregation rule shares: a site's delta, and the example-weighted delta sum. */
import { badInput } from '../../errors/domain-error.ts';
import type { SiteUpdate } from './types.ts';

/** The site's delta Δ_i = w_i − w_global, whichever form the site sent. */
export function deltaOf(global: Float64Array, update: SiteUpdate): Float64Array {
  if (update.delta) return update.delta;
  const d = new Float64Array(global.length);
  for (let j = 0; j < d.length; j++) d[j] = update.weights[j]! - global[j]!;
  return d;
}

/**
 * Σ n_i·Δ_i and Σ n_i: the only quantities FedAvg, FedProx and FedOpt need, and exactly what
 * secure aggregation can hand over. Sites are added in the given order, as FLamby's
 * `sum([update * n_samples ...])` does, so the mean divides by the total only once at the end.
 * @see https://github.com/owkin/FLamby/blob/main/flamby/strategies/fed_avg.py
 */
export function sumWeightedDeltas(
  global: Float64Array,
  updates: readonly SiteUpdate[],
): { weightedDeltaSum: Float64Array; totalExamples: number } {
  checkUpdates(global, updates);
  const weightedDeltaSum = new Float64Array(global.length);
  let totalExamples = 0;
  for (const u of updates) {
    // validateUpdate screens counts first; a negative weight slipping through would flip a delta.
    if (!(u.numExamples > 0 && Number.isFinite(u.numExamples))) throw badInput(`numExamples must be positive, got ${u.numExamples}`);
    const d = deltaOf(global, u);
    for (let j = 0; j < d.length; j++) weightedDeltaSum[j]! += u.numExamples * d[j]!;
    totalExamples += u.numExamples;
  }
  return { weightedDeltaSum, totalExamples };
}

/** Σ n_i·Δ_i / Σ n_i, the pseudo-gradient of Reddi et al. (2021) Algorithm 2. */
export function meanDeltaFromSum(global: Float64Array, weightedDeltaSum: Float64Array, totalExamples: number): Float64Array {
  if (weightedDeltaSum.length !== global.length) {
    throw badInput(`weighted delta sum has ${weightedDeltaSum.length} values, the model ${global.length}`);
  }
  if (!(totalExamples > 0) || !Number.isFinite(totalExamples)) {
    throw badInput(`total examples must be a positive number, got ${totalExamples}`);
  }
  const mean = new Float64Array(global.length);
  for (let j = 0; j < mean.length; j++) mean[j] = weightedDeltaSum[j]! / totalExamples;
  return mean;
}

/**
 * Refuses an empty round and updates of the wrong size. Deeper checks (NaN, norm, example counts)
 * belong to `validateUpdate`, which the coordinator runs first so it can log why a site was dropped.
 */
export function checkUpdates(global: Float64Array, updates: readonly SiteUpdate[]): void {
  if (updates.length === 0) throw badInput('a round needs at least one site update to aggregate');
  updates.forEach((u, i) => {
    const v = u.delta ?? u.weights;
    if (v.length !== global.length) {
      throw badInput(`update ${i} has ${v.length} parameters, the model ${global.length}`, [
        { expression: `updates[${i}]`, message: 'wrong length' },
      ]);
    }
  });
}
