/**
 * What a site participant hands its local trainer and gets back. The trainer is a callback so the
 * participant does not depend on how training is done (the model engine, a simulation, a test's
 * known deltas); it never sees the network, and the participant never sees patient data.
 */
import type { SgmSteps } from '../privacy/rdp-accountant.ts';
import type { DpSettings } from '../protocol/messages.ts';
import type { StrategyConfig } from '../strategies/strategy-config.ts';

/** One round as the trainer sees it: decoded, its weights' hash already checked. */
export interface RoundWork {
  roundId: string;
  federationId: string;
  lineageId: string;
  family: string;
  baseVersion: number;
  /** the global weights to start from */
  weights: Float64Array;
  strategy: StrategyConfig;
  localSteps: number;
  learningRate: number;
  batchSize: number;
  /** FedProx μ (add μ/2·‖w − w_global‖² to the local loss), null otherwise */
  mu: number | null;
  /** DP-SGD settings the round asks for; null for a round without differential privacy */
  dp: DpSettings | null;
  maxNumExamples: number | null;
  deadline: Date;
  secureAggregation: boolean;
}

/** The trainer's result: Δ = w_local − w_global and the examples it was trained on. */
export interface TrainedUpdate {
  delta: Float64Array;
  numExamples: number;
  /** the DP-SGD steps actually taken (Poisson rate q, noise multiplier σ, steps), charged to the ledger */
  privacy?: SgmSteps;
}

/** Trains one round locally. */
export type SiteTrainer = (round: RoundWork) => Promise<TrainedUpdate>;

/**
 * What a round would cost before it is trained, so a round that would overspend the budget is
 * refused without touching the data. The trainer knows q = batch size / examples; without a
 * planner a DP round is priced at q = 1, which never underestimates ε but refuses more than needed.
 */
export type PrivacyPlanner = (round: RoundWork) => SgmSteps | null | Promise<SgmSteps | null>;

/**
 * Checks, when a round is first seen and before any key is exchanged, that the site has training
 * data for it; throws NoTrainingDataError (`./no-training-data.ts`) when it has none, and the
 * participant then declines the round with NO_DATA.
 */
export type DataCheck = (round: RoundWork) => Promise<void>;
