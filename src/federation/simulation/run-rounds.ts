/**
 * The coordinator's round loop, independent of how sites are reached: each round it sends every
 * site the global model and its local work, screens the updates (`validateUpdate`), aggregates
 * them with the strategy, plainly or from the secure sum (`aggregateFromSum`), and charges each
 * DP site's privacy ledger with the steps it reports. A site whose ledger would go over budget is
 * left out of the round instead of being asked to spend it.
 */
import { badInput } from '../../errors/domain-error.ts';
import type { LocalRoundConfig, LocalUpdate } from '../local-training/local-trainer.ts';
import { PrivacyLedger, type PrivacyBudget } from '../privacy/privacy-ledger.ts';
import type { RoundState, SiteUpdate, Strategy, SumStrategy } from '../strategies/types.ts';
import { validateUpdate, type UpdateRejection } from '../strategies/validate-update.ts';
import type { FederationTransport, RoundRequest, SecureRoundOptions } from './transport.ts';

/** Everything the loop needs besides the transport. */
export interface RoundPlan {
  /** names the rounds (`<runId>-round-<r>`), e.g. in secure-aggregation messages */
  runId: string;
  rounds: number;
  initialWeights: Float64Array;
  strategy: Strategy;
  /** each site's local work in a round (its DP settings included) */
  configFor(siteId: string, round: number): LocalRoundConfig;
  /** registered training-set size of each site: a larger claimed count is rejected */
  registeredExamples: Readonly<Record<string, number>>;
  /** when set, rounds go through secure aggregation with these quantisation settings */
  secure?: Omit<SecureRoundOptions, 'roundId' | 'maxWeight'>;
  /** when set, every site gets a privacy ledger with this budget */
  privacyBudget?: PrivacyBudget;
}

/** Why an update was left out of a round. */
export interface Exclusion {
  round: number;
  site: string;
  reason: UpdateRejection | 'PRIVACY_BUDGET' | 'PRIVACY_REPORT';
}

/** The final global model, who was left out of which round, and each DP site's ledger. */
export interface RoundsResult {
  weights: Float64Array;
  exclusions: Exclusion[];
  /** per site, when a budget was given */
  ledgers: Map<string, PrivacyLedger>;
}

/** Runs `plan.rounds` rounds over `transport` and returns the final global weights. */
export async function runRounds(transport: FederationTransport, plan: RoundPlan): Promise<RoundsResult> {
  if (plan.secure && !plan.strategy.needsOnlyWeightedSum) throw badInput(`strategy ${plan.strategy.name} needs individual updates and cannot run behind secure aggregation`);
  const ledgers = new Map<string, PrivacyLedger>();
  if (plan.privacyBudget) for (const id of transport.siteIds) ledgers.set(id, new PrivacyLedger(plan.privacyBudget));
  const exclusions: Exclusion[] = [];
  let weights: Float64Array = Float64Array.from(plan.initialWeights);
  let state: RoundState = plan.strategy.initialState(weights.length);

  for (let round = 0; round < plan.rounds; round++) {
    const roundId = `${plan.runId}-round-${round}`;
    const requests = new Map<string, RoundRequest>();
    for (const site of transport.siteIds) {
      const config = plan.configFor(site, round);
      const ledger = ledgers.get(site);
      if (ledger && config.dp && ledger.wouldExceed({ roundId, ...config.dp, steps: config.localSteps })) {
        exclusions.push({ round, site, reason: 'PRIVACY_BUDGET' });
        continue;
      }
      requests.set(site, { round, globalWeights: weights, config });
    }
    if (requests.size === 0) break;
    // A DP site's report must match what it was asked to do, or its spending is unknown.
    const charge = (site: string, update: Pick<LocalUpdate, 'privacy'>): boolean => {
      const asked = requests.get(site)!.config;
      const report = update.privacy;
      const ledger = ledgers.get(site);
      if (!asked.dp) return report === undefined;
      if (!report || report.sampleRate !== asked.dp.sampleRate || report.noiseMultiplier !== asked.dp.noiseMultiplier || report.steps !== asked.localSteps) return false;
      ledger?.charge({ roundId, ...report });
      return true;
    };

    if (plan.secure) {
      const maxWeight = Math.max(...[...requests.keys()].map((s) => plan.registeredExamples[s] ?? 0));
      const sum = await transport.requestSecureSum(requests, { ...plan.secure, roundId, maxWeight });
      for (const site of sum.contributors) {
        if (!charge(site, { privacy: sum.privacy[site] })) throw badInput(`site ${site} reported DP steps that differ from round ${roundId}'s`);
      }
      const next = (plan.strategy as SumStrategy).aggregateFromSum(weights, sum.weightedDeltaSum, sum.totalExamples, state);
      weights = next.next;
      state = next.state;
      continue;
    }

    const accepted: SiteUpdate[] = [];
    for (const [site, request] of requests) {
      const update = await transport.requestUpdate(site, request);
      // Charged before screening: the site released this update whether or not it is aggregated.
      if (!charge(site, update)) {
        exclusions.push({ round, site, reason: 'PRIVACY_REPORT' });
        continue;
      }
      const registered = plan.registeredExamples[site];
      const rejection = validateUpdate(weights, update, registered === undefined ? {} : { maxNumExamples: registered });
      if (rejection) {
        exclusions.push({ round, site, reason: rejection });
        continue;
      }
      accepted.push({ delta: update.delta, numExamples: update.numExamples });
    }
    if (accepted.length === 0) continue;
    const next = plan.strategy.aggregate(weights, accepted, state);
    weights = next.next;
    state = next.state;
  }
  return { weights, exclusions, ledgers };
}
