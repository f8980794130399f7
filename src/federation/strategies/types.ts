/**
 * Shared shapes for server-side aggregation. A model is one Float64Array of every parameter in a
 * fixed order; a site sends either its new weights or its delta (new − global) with the number of
 * training examples it used. Server state is plain JSON so the coordinator can store it in
 * PostgreSQL between rounds and resume from it exactly.
 */

/** Names as they appear in configuration and in stored state. */
export type StrategyName = 'fedavg' | 'fedprox' | 'fedadagrad' | 'fedadam' | 'fedyogi' | 'median' | 'trimmed-mean';

/** One site's contribution to a round: its delta (w_local − w_global) or its new weights. */
export type SiteUpdate =
  | { readonly delta: Float64Array; readonly weights?: undefined; readonly numExamples: number }
  | { readonly weights: Float64Array; readonly delta?: undefined; readonly numExamples: number };

/** State every strategy keeps: which strategy wrote it and how many rounds it has aggregated. */
export interface RoundState {
  readonly strategy: StrategyName;
  readonly round: number;
}

/** The next global model and the state to store for the following round. */
export interface AggregateResult<S extends RoundState> {
  next: Float64Array;
  state: S;
}

/** A server aggregation rule. `aggregate` never mutates its arguments. */
export interface Strategy<S extends RoundState = RoundState> {
  readonly name: StrategyName;
  /** true when the rule needs only Σ n_i·Δ_i and Σ n_i, so it can run behind secure aggregation */
  readonly needsOnlyWeightedSum: boolean;
  initialState(parameterCount: number): S;
  /** Checks state read back from storage (JSON) against this strategy and the model size. */
  parseState(json: unknown, parameterCount: number): S;
  aggregate(global: Float64Array, updates: readonly SiteUpdate[], state: S): AggregateResult<S>;
}

/**
 * A strategy that can start from the weighted sum alone (FedAvg, FedProx, FedOpt): secure
 * aggregation reveals Σ n_i·Δ_i and Σ n_i, never a single site's update.
 */
export interface SumStrategy<S extends RoundState = RoundState> extends Strategy<S> {
  readonly needsOnlyWeightedSum: true;
  aggregateFromSum(global: Float64Array, weightedDeltaSum: Float64Array, totalExamples: number, state: S): AggregateResult<S>;
}
