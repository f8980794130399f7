/**
 * Ending a round: the strategy turns the accepted updates (or, under secure aggregation, their
 * unmasked weighted sum) into the next global weights, which are published as a new version, and
 * the strategy's state is carried to the lineage's next round. All of it runs in the caller's
 * transaction with the round locked, so a crash leaves either the old state or the new, never half.
 */
import type { KeyObject } from 'node:crypto';
import { badInput } from '../../errors/domain-error.ts';
import type { Logger } from '../../logging/logger.ts';
import type { SqlClient } from '../../storage/port.ts';
import type { PrivacyReport } from '../protocol/messages.ts';
import type { AggregateResult } from '../secagg/messages.ts';
import { createStrategy } from '../strategies/strategy-config.ts';
import type { RoundState as StrategyRoundState, SiteUpdate, Strategy, SumStrategy } from '../strategies/types.ts';
import { sumWeightedDeltas } from '../strategies/weighted-sum.ts';
import { publishVersion } from './publish-version.ts';
import { findLineage, findVersion, saveStrategyState } from './registry-store.ts';
import { listSubmissions, updateRound } from './round-store.ts';
import type { LineageRow, RoundRow } from './types.ts';

export interface CloseContext {
  now: number;
  signingKey: KeyObject;
  logger: Logger;
}

/**
 * The strategy's stored state for this lineage, or a fresh one when there is none or it belongs to
 * another strategy (the operator switched strategies between rounds: moments of FedAdam mean
 * nothing to FedYogi).
 */
function strategyState(strategy: Strategy, lineage: LineageRow): StrategyRoundState {
  const stored = lineage.strategyState as { strategy?: unknown } | null;
  if (stored && stored.strategy === strategy.name) return strategy.parseState(stored, lineage.parameterCount);
  return strategy.initialState(lineage.parameterCount);
}

function isSumStrategy(s: Strategy): s is SumStrategy {
  return s.needsOnlyWeightedSum && 'aggregateFromSum' in s;
}

async function roundInputs(c: SqlClient, round: RoundRow) {
  const lineage = await findLineage(c, round.lineageId);
  const base = await findVersion(c, round.lineageId, round.baseVersion);
  if (!lineage || !base) throw new Error(`round ${round.id} refers to a missing lineage or base version`);
  const strategy = createStrategy(round.strategy);
  return { lineage, base: base.weights, strategy, state: strategyState(strategy, lineage) };
}

async function finish(c: SqlClient, round: RoundRow, ctx: CloseContext, lineage: LineageRow, next: Float64Array, state: StrategyRoundState, contributors: string[], privacy: Map<string, PrivacyReport>, meanDelta: Float64Array | null, examples: number): Promise<void> {
  const manifest = await publishVersion(c, { lineage, weights: next, roundId: round.id, contributors, privacy, meanDelta, now: ctx.now, signingKey: ctx.signingKey, round: { strategy: round.strategy.name, examples } });
  await saveStrategyState(c, lineage.id, state);
  await updateRound(c, round.id, { state: 'closed', resultVersion: manifest.version, closedAt: ctx.now });
  ctx.logger.info({ roundId: round.id, lineageId: lineage.id, version: manifest.version, contributors: contributors.length, secagg: round.secagg }, 'federation round closed');
}

/** Marks a round failed with a reason an operator can read in `federation status`. */
export async function failRound(c: SqlClient, round: RoundRow, ctx: CloseContext, failure: string): Promise<void> {
  await updateRound(c, round.id, { state: 'failed', failure, closedAt: ctx.now });
  ctx.logger.warn({ roundId: round.id, failure }, 'federation round failed');
}

/** Aggregates a plain round's accepted updates with its strategy and publishes the result. */
export async function closePlainRound(c: SqlClient, round: RoundRow, ctx: CloseContext): Promise<void> {
  const { lineage, base, strategy, state } = await roundInputs(c, round);
  const accepted = (await listSubmissions(c, round.id, true)).filter((s) => s.kind === 'update');
  const updates: SiteUpdate[] = accepted.map((s) => ({ delta: s.delta!, numExamples: s.numExamples! }));
  const result = strategy.aggregate(base, updates, state);
  let meanDelta: Float64Array | null = null;
  if (strategy.needsOnlyWeightedSum) {
    const { weightedDeltaSum, totalExamples } = sumWeightedDeltas(base, updates);
    meanDelta = weightedDeltaSum.map((v) => v / totalExamples);
  }
  const privacy = new Map(accepted.filter((s) => s.privacy).map((s) => [s.siteId, s.privacy!]));
  const examples = updates.reduce((n, u) => n + u.numExamples, 0);
  await finish(c, round, ctx, lineage, result.next, result.state, accepted.map((s) => s.siteId), privacy, meanDelta, examples);
}

/**
 * Applies the strategy to the sum secure aggregation revealed: Σ w_u·Δ_u and Σ w_u, where w_u is the
 * site's example count. No single site's update or count is ever seen.
 */
export async function closeSecAggRound(c: SqlClient, round: RoundRow, ctx: CloseContext, aggregate: AggregateResult, privacy: Map<string, PrivacyReport>): Promise<void> {
  const { lineage, base, strategy, state } = await roundInputs(c, round);
  if (!isSumStrategy(strategy)) throw badInput(`strategy ${strategy.name} cannot aggregate from a sum`);
  // Σ w_u comes back through the quantiser; counts are whole numbers, so rounding restores the exact
  // count whenever the quantisation error is below one half (as the in-process secure sum does)
  const weightSum = aggregate.sumErrorBound < 0.5 ? Math.round(aggregate.weightSum) : aggregate.weightSum;
  const result = strategy.aggregateFromSum(base, Float64Array.from(aggregate.sum), weightSum, state);
  const meanDelta = Float64Array.from(aggregate.mean);
  const contributors = aggregate.contributors;
  const reported = new Map([...privacy].filter(([site]) => contributors.includes(site)));
  // the weight sum is Σ min(n_u, maxWeight): the only count secure aggregation reveals
  await finish(c, round, ctx, lineage, result.next, result.state, contributors, reported, meanDelta, weightSum);
}
