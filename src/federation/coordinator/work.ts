/**
 * What a polling site is given: the live round of its federation with the global weights to train
 * from, or nothing (no round, not invited, already answered, or dropped from a secure-aggregation
 * round). Sites pull because hospital firewalls let them call out but nobody call in.
 */
import type { Database } from '../../storage/port.ts';
import { encodeFloat64 } from '../protocol/float-codec.ts';
import type { SecAggWork, WorkResponse } from '../protocol/messages.ts';
import type { AuthenticatedRequest } from './authenticate.ts';
import type { RoundContext } from './context.ts';
import { weightsSha256 } from './publish-version.ts';
import { findLineage, findVersion } from './registry-store.ts';
import { settleRound } from './round-progress.ts';
import { findSubmission, liveRoundId, lockRound } from './round-store.ts';
import { secAggWork } from './secagg-rounds.ts';

/** The work for the site behind `auth`, after settling the round on the coordinator's clock. */
export async function workFor(db: Database, auth: AuthenticatedRequest, ctx: RoundContext): Promise<WorkResponse> {
  const id = await liveRoundId(db, auth.federationId);
  if (!id) return { work: null };
  const round = await db.transaction(async (tx) => {
    const locked = await lockRound(tx, id);
    return locked ? settleRound(tx, locked, ctx) : null;
  });
  if (!round || !round.invited.includes(auth.siteId)) return { work: null };
  if (round.state !== 'open' && round.state !== 'aggregating') return { work: null };
  if (await findSubmission(db, round.id, auth.siteId)) return { work: null };
  let secagg: SecAggWork | null = null;
  if (round.secagg) {
    secagg = await secAggWork(db, round, auth.siteId);
    if (!secagg) return { work: null };
  } else if (round.state !== 'open') {
    return { work: null };
  }
  const lineage = (await findLineage(db, round.lineageId))!;
  const base = (await findVersion(db, round.lineageId, round.baseVersion))!;
  return {
    work: {
      roundId: round.id,
      federationId: round.federationId,
      lineageId: round.lineageId,
      family: lineage.family,
      baseVersion: round.baseVersion,
      parameterCount: lineage.parameterCount,
      weights: encodeFloat64(base.weights),
      weightsSha256: weightsSha256(base.weights),
      strategy: round.strategy,
      localSteps: round.localSteps,
      learningRate: round.learningRate,
      batchSize: round.batchSize,
      mu: round.mu,
      dp: round.dp,
      maxNumExamples: round.maxNumExamples,
      deadline: new Date(round.deadline).toISOString(),
      secagg,
    },
  };
}
