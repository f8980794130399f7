/** FedAvg: apply the example-weighted mean of the site deltas. */
import { roundStateSchema, parseStoredState } from './round-state.ts';
import type { RoundState, StrategyName, SumStrategy } from './types.ts';
import { meanDeltaFromSum, sumWeightedDeltas } from './weighted-sum.ts';

export interface FedAvgOptions {
  /**
   * η in x ← x + η·Δ̄. FLamby and McMahan et al. use 1 (the weighted mean of the local models);
   * other values give "FedAvg with server learning rate" (Reddi et al. 2021, §2).
   */
  serverLr?: number;
}

/**
 * FedAvg (McMahan et al. 2017), as FLamby runs it: Δ̄ = Σ n_i·Δ_i / Σ n_i, x ← x + Δ̄.
 * @see https://arxiv.org/abs/1602.05629
 * @see https://github.com/owkin/FLamby/blob/main/flamby/strategies/fed_avg.py
 */
export function fedAvg(options: FedAvgOptions = {}): SumStrategy<RoundState> {
  return weightedMeanStrategy('fedavg', options.serverLr ?? 1);
}

/** The server half of FedAvg, shared with FedProx (whose difference lives in the local trainer). */
export function weightedMeanStrategy(name: StrategyName, serverLr: number): SumStrategy<RoundState> {
  const schema = roundStateSchema(name);
  const strategy: SumStrategy<RoundState> = {
    name,
    needsOnlyWeightedSum: true,
    initialState: () => ({ strategy: name, round: 0 }),
    parseState: (json) => parseStoredState(schema, json, name),
    aggregateFromSum(global, weightedDeltaSum, totalExamples, state) {
      const mean = meanDeltaFromSum(global, weightedDeltaSum, totalExamples);
      const next = new Float64Array(global.length);
      for (let j = 0; j < next.length; j++) next[j] = global[j]! + serverLr * mean[j]!;
      return { next, state: { strategy: name, round: state.round + 1 } };
    },
    aggregate(global, updates, state) {
      const { weightedDeltaSum, totalExamples } = sumWeightedDeltas(global, updates);
      return strategy.aggregateFromSum(global, weightedDeltaSum, totalExamples, state);
    },
  };
  return strategy;
}
