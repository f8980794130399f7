/**
 * Byzantine-robust aggregation (Yin et al. 2018): coordinate-wise median and coordinate-wise
 * trimmed mean of the site deltas, unweighted (a site cannot buy influence by claiming more
 * examples). Both need every individual update, so neither can run behind secure aggregation.
 * Working on deltas or on weights gives the same model, since both statistics commute with
 * adding w_global to every site; Flower's FedMedian/FedTrimmedAvg work on weights.
 * @see https://arxiv.org/abs/1803.01498
 * @see https://github.com/adap/flower/blob/main/framework/py/flwr/serverapp/strategy/fedtrimmedavg.py
 */
import { badInput } from '../../errors/domain-error.ts';
import { parseStoredState, roundStateSchema } from './round-state.ts';
import type { RoundState, Strategy, StrategyName } from './types.ts';
import { checkUpdates, deltaOf } from './weighted-sum.ts';

/** Coordinate-wise median; with an even count, the mean of the two middle values (as np.median). */
export function fedMedian(): Strategy<RoundState> {
  return coordinateWise('median', (sorted) => {
    const n = sorted.length;
    const mid = n >> 1;
    return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  });
}

export interface TrimmedMeanOptions {
  /** β: fraction cut from EACH side, in [0, 0.5); floor(β·n) values go per side. Default 0.2 (Flower). */
  trimFraction?: number;
}

/** Coordinate-wise β-trimmed mean: drop the floor(β·n) smallest and largest values, average the rest. */
export function fedTrimmedMean(options: TrimmedMeanOptions = {}): Strategy<RoundState> {
  const beta = options.trimFraction ?? 0.2;
  if (!(beta >= 0 && beta < 0.5)) throw badInput(`trimFraction must be in [0, 0.5), got ${beta}`);
  return coordinateWise('trimmed-mean', (sorted) => {
    const n = sorted.length;
    // β < 0.5 guarantees 2k < n, so at least one value survives the cut.
    const k = Math.floor(beta * n);
    let sum = 0;
    for (let i = k; i < n - k; i++) sum += sorted[i]!;
    return sum / (n - 2 * k);
  });
}

function coordinateWise(name: StrategyName, statistic: (sortedColumn: Float64Array) => number): Strategy<RoundState> {
  const schema = roundStateSchema(name);
  return {
    name,
    needsOnlyWeightedSum: false,
    initialState: () => ({ strategy: name, round: 0 }),
    parseState: (json) => parseStoredState(schema, json, name),
    aggregate(global, updates, state) {
      checkUpdates(global, updates);
      const deltas = updates.map((u) => deltaOf(global, u));
      const column = new Float64Array(deltas.length);
      const next = new Float64Array(global.length);
      for (let j = 0; j < next.length; j++) {
        for (let i = 0; i < deltas.length; i++) column[i] = deltas[i]![j]!;
        // Float64Array.sort is numeric, unlike Array.sort.
        column.sort();
        next[j] = global[j]! + statistic(column);
      }
      return { next, state: { strategy: name, round: state.round + 1 } };
    },
  };
}
