/**
 * One weighted secure-aggregation round (Bonawitz et al. 2017, https://eprint.iacr.org/2017/281)
 * played in one process: the site steps of `secagg/protocol-site.ts` each see only their own
 * update, the coordinator steps of `secagg/protocol-server.ts` only messages. Each site masks
 * [n_i / maxWeight, (n_i / maxWeight)·Δ_i], so unmasking yields Σ n_i·Δ_i and Σ n_i and no single
 * site's delta or count. No site drops out here; the protocol tests cover dropouts.
 */
import { badInput } from '../../errors/domain-error.ts';
import { collectKeys, collectMaskedInputs, openRound, routeShares, unmask } from '../secagg/protocol-server.ts';
import { advertiseKeys, maskInput, revealShares, shareKeys, type SiteState } from '../secagg/protocol-site.ts';
import type { SecureRoundOptions } from './transport.ts';

/** One site's private input to the round. */
export interface SecureInput {
  siteId: string;
  delta: Float64Array;
  numExamples: number;
}

/** What unmasking gives the coordinator. */
export interface WeightedSum {
  weightedDeltaSum: Float64Array;
  totalExamples: number;
  contributors: string[];
  dropped: string[];
  sumErrorBound: number;
}

/** Runs the four protocol rounds over `inputs` and returns the unmasked weighted sum. */
export function secureWeightedSum(inputs: readonly SecureInput[], options: SecureRoundOptions): WeightedSum {
  const first = inputs[0];
  if (!first) throw badInput('a secure round needs sites');
  for (const input of inputs) {
    // The quantiser would clip silently; an update outside the grid must be refused where it is made.
    const c = options.clipRange;
    const delta = input.delta;
    for (let i = 0; i < delta.length; i++) {
      if (!(delta[i]! >= -c && delta[i]! <= c)) throw badInput(`site ${input.siteId}'s update leaves the secure-aggregation range ±${c}`);
    }
  }
  const opened = openRound({
    roundId: options.roundId,
    sites: inputs.map((i) => i.siteId),
    vectorLength: first.delta.length,
    clipRange: options.clipRange,
    quantRange: options.quantRange,
    maxWeight: options.maxWeight,
  });
  const sites = new Map<string, SiteState>();
  const ads = inputs.map(({ siteId }) => {
    const step = advertiseKeys(opened.message, siteId);
    sites.set(siteId, step.state);
    return step.message;
  });
  const keys = collectKeys(opened.state, ads);
  const uploads = inputs.map(({ siteId }) => {
    const step = shareKeys(sites.get(siteId)!, keys.message);
    sites.set(siteId, step.state);
    return step.message;
  });
  const routed = routeShares(keys.state, uploads);
  const byId = new Map(inputs.map((i) => [i.siteId, i]));
  const masked = routed.message.map((delivery) => {
    const input = byId.get(delivery.to)!;
    const step = maskInput(sites.get(delivery.to)!, delivery, input.delta, { weight: input.numExamples });
    sites.set(delivery.to, step.state);
    return step.message;
  });
  const collected = collectMaskedInputs(routed.state, masked);
  const responses = collected.message.survivors.map((id) => {
    const step = revealShares(sites.get(id)!, collected.message);
    sites.set(id, step.state);
    return step.message;
  });
  const result = unmask(collected.state, responses);
  return {
    weightedDeltaSum: Float64Array.from(result.sum),
    // Σ n_i comes back through the quantiser too; counts are whole numbers, so rounding restores it
    // whenever the quantisation error is below one half.
    totalExamples: result.sumErrorBound < 0.5 ? Math.round(result.weightSum) : result.weightSum,
    contributors: result.contributors,
    dropped: result.dropped,
    sumErrorBound: result.sumErrorBound,
  };
}
