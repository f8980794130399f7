/**
 * How the coordinator's round loop reaches the sites. The simulation implements it in process
 * (`in-process-transport.ts`); an HTTP implementation carries the same requests to sites that
 * pull work, and the loop in `simulate.ts` does not change.
 */
import type { LocalRoundConfig, LocalUpdate, PrivacyReport } from '../local-training/local-trainer.ts';

/** What the coordinator sends one site for one round. */
export interface RoundRequest {
  /** 0-based round number */
  round: number;
  /** the model every site starts the round from, in the model's flat order */
  globalWeights: Float64Array;
  /** the site's local work; DP settings differ per site, since σ is calibrated to its size */
  config: LocalRoundConfig;
}

/** Bonawitz et al.'s fixed-point grid and dropout threshold for a secure round. */
export interface SecureRoundOptions {
  roundId: string;
  /** each Δ coordinate is clipped to ±clipRange before quantisation (the site refuses to send one that would be) */
  clipRange: number;
  quantRange: number;
  /** the largest example count a site may claim: the weight ratio n_i / maxWeight is masked too */
  maxWeight: number;
}

/** What a secure round reveals to the coordinator: sums, who contributed, and each site's (public) DP parameters. */
export interface SecureSum {
  /** Σ n_i·Δ_i over the contributors */
  weightedDeltaSum: Float64Array;
  /** Σ n_i over the contributors */
  totalExamples: number;
  contributors: string[];
  dropped: string[];
  /** the largest quantisation error of any coordinate of `weightedDeltaSum` */
  sumErrorBound: number;
  /** DP steps each contributor took (not derived from its rows), for the coordinator's accountant */
  privacy: Record<string, PrivacyReport | undefined>;
}

/** The coordinator's view of the sites. */
export interface FederationTransport {
  readonly siteIds: readonly string[];
  /** Asks one site to train from the round's model; resolves with its update in the clear. */
  requestUpdate(siteId: string, request: RoundRequest): Promise<LocalUpdate>;
  /** Runs a secure-aggregation round: every site trains and masks, the coordinator learns only the sums. */
  requestSecureSum(requests: ReadonlyMap<string, RoundRequest>, options: SecureRoundOptions): Promise<SecureSum>;
}
