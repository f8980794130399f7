/**
 * Moving rounds forward on time. Nothing runs in the background on its own: every request that
 * touches a round first settles it (closing or failing it if its deadline has passed), and
 * `settleLiveRounds` does the same for rounds no site is asking about; the coordinator process runs
 * it on a timer. Both read the injected clock, so tests step past deadlines without waiting.
 */
import type { Database, SqlClient } from '../../storage/port.ts';
import { DeclineSchema, type DeclineReceipt } from '../protocol/messages.ts';
import { reject, RejectReason } from '../protocol/rejections.ts';
import type { AuthenticatedRequest } from './authenticate.ts';
import { decide, type RoundContext } from './context.ts';
import { parseBody } from './parse-body.ts';
import { settlePlainRound } from './plain-rounds.ts';
import { findSubmission, insertSubmission, listSecAggMessages, liveRoundIds, lockRound, purgeNonces } from './round-store.ts';
import { advanceSecAgg } from './secagg-rounds.ts';
import type { RoundRow } from './types.ts';

/** Settles a locked round and returns it as it is afterwards. */
export async function settleRound(c: SqlClient, round: RoundRow, ctx: RoundContext): Promise<RoundRow> {
  if (round.state !== 'open' && round.state !== 'aggregating') return round;
  if (round.secagg) await advanceSecAgg(c, round, ctx);
  else await settlePlainRound(c, round, ctx);
  return (await lockRound(c, round.id))!;
}

/** Settles every live round and forgets expired nonces; returns the ids of rounds that ended. */
export async function settleLiveRounds(db: Database, ctx: RoundContext): Promise<string[]> {
  const ended: string[] = [];
  for (const id of await liveRoundIds(db)) {
    const state = await db.transaction(async (tx) => {
      const round = await lockRound(tx, id);
      return round ? (await settleRound(tx, round, ctx)).state : 'closed';
    });
    if (state === 'closed' || state === 'failed') ended.push(id);
  }
  await purgeNonces(db, ctx.now);
  return ended;
}

/**
 * Records that a site will not take part (its privacy budget would be exceeded, it has no data),
 * so the round stops waiting for it. Declining twice for the same reason gets the same receipt.
 */
export async function declineRound(db: Database, auth: AuthenticatedRequest, roundId: string, json: unknown, ctx: RoundContext): Promise<DeclineReceipt> {
  const { reason } = parseBody(DeclineSchema, json, 'decline');
  return decide<DeclineReceipt>(db, async (tx) => {
    const locked = await lockRound(tx, roundId);
    if (!locked || locked.federationId !== auth.federationId) return { refuse: reject(RejectReason.WRONG_ROUND, `round ${roundId} is not a round of federation ${auth.federationId}`) };
    const existing = await findSubmission(tx, roundId, auth.siteId);
    if (existing) {
      if (existing.kind === 'declined' && existing.declineReason === reason) return { value: existing.receipt as DeclineReceipt };
      return { refuse: reject(RejectReason.ALREADY_SUBMITTED, `site ${auth.siteId} already answered round ${roundId}`) };
    }
    const round = await settleRound(tx, locked, ctx);
    if (round.state !== 'open' && round.state !== 'aggregating') return { refuse: reject(RejectReason.ROUND_CLOSED, `round ${roundId} is ${round.state}`) };
    if (!round.invited.includes(auth.siteId)) return { refuse: reject(RejectReason.NOT_INVITED, `site ${auth.siteId} was not invited to round ${roundId}`) };
    if (round.secagg && (await listSecAggMessages(tx, roundId, 'masked')).some((m) => m.siteId === auth.siteId)) {
      return { refuse: reject(RejectReason.ALREADY_SUBMITTED, `site ${auth.siteId} already sent its masked input to round ${roundId}`) };
    }
    const receipt: DeclineReceipt = { roundId, siteId: auth.siteId, reason, receivedAt: new Date(ctx.now).toISOString() };
    await insertSubmission(tx, { roundId, siteId: auth.siteId, kind: 'declined', updateSha256: null, delta: null, numExamples: null, privacy: null, declineReason: reason, receipt }, ctx.now);
    ctx.logger.info({ roundId, siteId: auth.siteId, reason }, 'federation round declined by site');
    await settleRound(tx, round, ctx);
    return { value: receipt };
  });
}
