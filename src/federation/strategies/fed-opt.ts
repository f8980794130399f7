/**
 * Adaptive server optimisers FedAdagrad, FedAdam and FedYogi (Reddi et al. 2021, Algorithm 2),
 * following FLamby's `fed_opt.py` by default because our benchmark compares against FLamby:
 * - m and v start at 0 (the paper asks for v₋₁ ≥ τ²; FLamby and Flower both use zeros);
 * - no bias correction (Flower's FedAdam has one; see `biasCorrection`);
 * - τ is added after the square root: x ← x + η·m / (√v + τ);
 * - all three keep momentum m with β1 (Flower's FedAdagrad forces β1 = 0).
 * @see https://arxiv.org/abs/2003.00295
 * @see https://github.com/owkin/FLamby/blob/main/flamby/strategies/fed_opt.py
 */
import { z } from 'zod';
import { badInput } from '../../errors/domain-error.ts';
import { momentSchema, parseStoredState, roundStateSchema } from './round-state.ts';
import type { AggregateResult, SumStrategy } from './types.ts';
import { meanDeltaFromSum, sumWeightedDeltas } from './weighted-sum.ts';

/** The three adaptive optimisers of Reddi et al. (2021) Algorithm 2. */
export type FedOptName = 'fedadagrad' | 'fedadam' | 'fedyogi';

/** FedOpt server state: moments as number arrays so they round-trip through JSON exactly. */
export interface FedOptState {
  readonly strategy: FedOptName;
  readonly round: number;
  /** first moment, one number per parameter */
  readonly m: number[];
  /** second moment, one number per parameter */
  readonly v: number[];
}

export interface FedOptOptions {
  /** η; FLamby's default 1e-2 (its configs tune it per dataset, e.g. 0.1 for FedAdam on TCGA) */
  serverLr?: number;
  /** β1, default 0.9 */
  beta1?: number;
  /** β2, default 0.999 (Flower uses 0.99); unused by FedAdagrad */
  beta2?: number;
  /**
   * τ, default 1e-8: what FLamby's benchmark configs pass. FLamby's FedAdam/FedYogi/FedAdagrad
   * classes default to 1e-3 when called directly, as does Flower.
   */
  tau?: number;
  /** v's starting value; 0 as FLamby and Flower, τ² as the paper's v₋₁ ≥ τ² */
  initialV?: number;
  /**
   * FedAdam only: scale η by √(1 − β2^t)/(1 − β1^t) at round t = 1, 2, … (Kingma & Ba 2015, §2).
   * Flower's FedAdam does this with exponent server_round + 1, i.e. one round ahead.
   */
  biasCorrection?: boolean;
}

/** FedAdagrad: v ← v + Δ². */
export function fedAdagrad(options: FedOptOptions = {}): SumStrategy<FedOptState> {
  return fedOpt('fedadagrad', options);
}

/** FedAdam: v ← β2·v + (1 − β2)·Δ². */
export function fedAdam(options: FedOptOptions = {}): SumStrategy<FedOptState> {
  return fedOpt('fedadam', options);
}

/** FedYogi: v ← v − (1 − β2)·Δ²·sign(v − Δ²), so v grows only as fast as Δ² demands. */
export function fedYogi(options: FedOptOptions = {}): SumStrategy<FedOptState> {
  return fedOpt('fedyogi', options);
}

function fedOpt(name: FedOptName, options: FedOptOptions): SumStrategy<FedOptState> {
  const eta = options.serverLr ?? 1e-2;
  const b1 = options.beta1 ?? 0.9;
  const b2 = options.beta2 ?? 0.999;
  const tau = options.tau ?? 1e-8;
  const v0 = options.initialV ?? 0;
  checkHyperparameters(eta, b1, b2, tau, v0);
  const correct = options.biasCorrection === true && name === 'fedadam';
  if (options.biasCorrection && !correct) throw badInput(`bias correction is defined for fedadam only, not ${name}`);

  const updateV = secondMoment[name];
  const strategy: SumStrategy<FedOptState> = {
    name,
    needsOnlyWeightedSum: true,
    initialState: (n) => ({ strategy: name, round: 0, m: new Array<number>(n).fill(0), v: new Array<number>(n).fill(v0) }),
    parseState: (json, n) =>
      parseStoredState(roundStateSchema(name).extend({ m: momentSchema(n), v: momentSchema(n) }) as z.ZodType<FedOptState>, json, name),
    aggregateFromSum(global, weightedDeltaSum, totalExamples, state): AggregateResult<FedOptState> {
      if (state.m.length !== global.length || state.v.length !== global.length) {
        throw badInput(`${name} state holds ${state.m.length} moments, the model ${global.length} parameters`);
      }
      const delta = meanDeltaFromSum(global, weightedDeltaSum, totalExamples);
      const round = state.round + 1;
      const lr = correct ? (eta * Math.sqrt(1 - b2 ** round)) / (1 - b1 ** round) : eta;
      const m = new Array<number>(global.length);
      const v = new Array<number>(global.length);
      const next = new Float64Array(global.length);
      for (let j = 0; j < next.length; j++) {
        const d = delta[j]!;
        m[j] = b1 * state.m[j]! + (1 - b1) * d;
        v[j] = updateV(state.v[j]!, d, b2);
        next[j] = global[j]! + (lr * m[j]!) / (Math.sqrt(v[j]!) + tau);
      }
      return { next, state: { strategy: name, round, m, v } };
    },
    aggregate(global, updates, state) {
      const { weightedDeltaSum, totalExamples } = sumWeightedDeltas(global, updates);
      return strategy.aggregateFromSum(global, weightedDeltaSum, totalExamples, state);
    },
  };
  return strategy;
}

// Same operation order as FLamby's numpy expressions ((1 − β2)·Δ·Δ, not Δ²), so float64 results agree.
const secondMoment: Record<FedOptName, (v: number, d: number, b2: number) => number> = {
  fedadagrad: (v, d) => v + d * d,
  fedadam: (v, d, b2) => b2 * v + (1 - b2) * d * d,
  // Math.sign(0) is 0 like np.sign, so v stays put when it already equals Δ².
  fedyogi: (v, d, b2) => v - (1 - b2) * d * d * Math.sign(v - d * d),
};

function checkHyperparameters(eta: number, b1: number, b2: number, tau: number, v0: number): void {
  const bad: string[] = [];
  if (!(Number.isFinite(eta) && eta > 0)) bad.push(`serverLr must be > 0 (got ${eta})`);
  if (!(b1 >= 0 && b1 < 1)) bad.push(`beta1 must be in [0, 1) (got ${b1})`);
  if (!(b2 >= 0 && b2 < 1)) bad.push(`beta2 must be in [0, 1) (got ${b2})`);
  if (!(Number.isFinite(tau) && tau > 0)) bad.push(`tau must be > 0 (got ${tau})`);
  if (!(Number.isFinite(v0) && v0 >= 0)) bad.push(`initialV must be ≥ 0 (got ${v0})`);
  if (bad.length > 0) throw badInput(`bad FedOpt hyperparameters: ${bad.join('; ')}`);
}
