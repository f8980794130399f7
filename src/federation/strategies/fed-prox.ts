/**
 * FedProx (Li et al. 2020). The server aggregates exactly as FedAvg; the difference is the local
 * objective h_i(w) = F_i(w) + (μ/2)‖w − w_global‖², which keeps each site near the round's model.
 * @see https://arxiv.org/abs/1812.06127
 * @see https://github.com/owkin/FLamby/blob/main/flamby/strategies/fed_prox.py
 */
import { badInput } from '../../errors/domain-error.ts';
import { weightedMeanStrategy } from './fed-avg.ts';
import type { RoundState, SumStrategy } from './types.ts';

export interface FedProxOptions {
  /** proximal weight μ ≥ 0; FLamby sets no default because it must be tuned (0.1 TCGA, 0.01 Heart) */
  mu: number;
  serverLr?: number;
}

/** FedProx server: FedAvg's weighted mean, carrying μ so the coordinator can send it to the sites. */
export function fedProx(options: FedProxOptions): SumStrategy<RoundState> & { readonly mu: number } {
  checkMu(options.mu);
  return { ...weightedMeanStrategy('fedprox', options.serverLr ?? 1), mu: options.mu };
}

/**
 * The proximal term (μ/2)‖w − w_global‖² over every parameter, biases included, as FLamby's
 * `compute_model_diff_squared_norm` does. Add it to the local loss.
 */
export function proximalLoss(weights: Float64Array, globalWeights: Float64Array, mu: number): number {
  checkSameLength(weights, globalWeights);
  let sq = 0;
  for (let j = 0; j < weights.length; j++) {
    const d = weights[j]! - globalWeights[j]!;
    sq += d * d;
  }
  return (mu / 2) * sq;
}

/** Adds ∇ of the proximal term, μ·(w − w_global), to `grad` in place and returns it. */
export function addProximalGradient(grad: Float64Array, weights: Float64Array, globalWeights: Float64Array, mu: number): Float64Array {
  checkSameLength(weights, globalWeights);
  checkSameLength(grad, weights);
  for (let j = 0; j < grad.length; j++) grad[j]! += mu * (weights[j]! - globalWeights[j]!);
  return grad;
}

function checkMu(mu: number): void {
  if (!Number.isFinite(mu) || mu < 0) throw badInput(`FedProx mu must be a finite number ≥ 0, got ${mu}`);
}

function checkSameLength(a: Float64Array, b: Float64Array): void {
  if (a.length !== b.length) throw badInput(`parameter vectors differ in length: ${a.length} vs ${b.length}`);
}
