/**
 * Plain rounds: each site sends its delta in the clear (over TLS) and the coordinator screens it
 * before it is stored. The round closes as soon as `target` updates are in (by default the quorum),
 * or once every invited site has answered with at least `quorum` updates, or at the deadline with at
 * least `quorum`; a round that cannot reach quorum fails, and sites that answer late are refused as
 * stragglers. No extension: a failed round is visible in `federation status` and the operator opens
 * a new one, since stretching a deadline would silently change what sites agreed to train for.
 */
import { createHash } from 'node:crypto';
import type { Database, SqlClient } from '../../storage/port.ts';
import { isDomainError } from '../../errors/domain-error.ts';
import { decodeFloat64 } from '../protocol/float-codec.ts';
import { UpdateSubmissionSchema, type Receipt } from '../protocol/messages.ts';
import { reject, RejectReason } from '../protocol/rejections.ts';
import { validateUpdate } from '../strategies/validate-update.ts';
import type { AuthenticatedRequest } from './authenticate.ts';
import { closePlainRound, failRound } from './close-round.ts';
import { decide, type RoundContext } from './context.ts';
import { parseBody } from './parse-body.ts';
import { findLineage } from './registry-store.ts';
import { findRound, findSubmission, insertSubmission, listSubmissions, lockRound } from './round-store.ts';
import type { RoundRow } from './types.ts';

/** Identifies an update for idempotency: SHA-256 over its float64 bytes and its example count. */
export function updateDigest(delta: Float64Array, numExamples: number): string {
  const count = Buffer.alloc(8);
  count.writeDoubleLE(numExamples);
  return createHash('sha256').update(Buffer.from(delta.buffer, delta.byteOffset, delta.byteLength)).update(count).digest('hex');
}

/** Closes or fails a locked plain round whose quorum, answers or deadline say it is over. */
export async function settlePlainRound(c: SqlClient, round: RoundRow, ctx: RoundContext): Promise<void> {
  if (round.state !== 'open') return;
  const subs = await listSubmissions(c, round.id, false);
  const updates = subs.filter((s) => s.kind === 'update').length;
  const answered = new Set(subs.map((s) => s.siteId));
  const everyone = round.invited.every((id) => answered.has(id));
  // a declined site will not send an update: once too few sites are left to reach quorum, stop waiting
  const declined = subs.filter((s) => s.kind === 'declined').length;
  const reachable = round.invited.length - declined;
  const pastDeadline = ctx.now >= round.deadline;
  if (updates >= round.target || ((everyone || pastDeadline) && updates >= round.quorum)) {
    try {
      await closePlainRound(c, round, ctx);
    } catch (err) {
      // an expected failure (e.g. stored strategy state that no longer fits the model) fails the round instead of wedging it
      if (!isDomainError(err)) throw err;
      await failRound(c, round, ctx, `aggregation failed: ${err.message}`);
    }
  } else if (reachable < round.quorum) {
    await failRound(c, round, ctx, `${declined} of ${round.invited.length} invited site(s) declined; the quorum of ${round.quorum} cannot be reached`);
  } else if (everyone) {
    await failRound(c, round, ctx, `every invited site answered but only ${updates} sent an update; the quorum is ${round.quorum}`);
  } else if (pastDeadline) {
    await failRound(c, round, ctx, `the deadline passed with ${updates} update(s); the quorum is ${round.quorum}`);
  }
}

export interface SubmitResult {
  receipt: Receipt;
  /** false when this exact update had been accepted before (the stored receipt is returned) */
  created: boolean;
}

/**
 * Screens and stores one site's update, then closes the round if that reached quorum. Resending the
 * same update (a retry whose answer was lost) returns the stored receipt; a different one is refused.
 */
export async function submitUpdate(db: Database, auth: AuthenticatedRequest, roundId: string, json: unknown, ctx: RoundContext): Promise<SubmitResult> {
  const body = parseBody(UpdateSubmissionSchema, json, 'update');
  const known = await findRound(db, roundId);
  if (!known || known.federationId !== auth.federationId) throw reject(RejectReason.WRONG_ROUND, `round ${roundId} is not a round of federation ${auth.federationId}`);
  if (known.secagg) throw reject(RejectReason.PROTOCOL_VIOLATION, `round ${roundId} uses secure aggregation: send a masked input, not a plain update`);
  const lineage = await findLineage(db, known.lineageId);
  const delta = decodeFloat64(body.delta, lineage!.parameterCount, 'delta');
  const why = validateUpdate(new Float64Array(delta.length), { delta, numExamples: body.numExamples }, {
    ...(known.maxDeltaNorm !== null ? { maxDeltaNorm: known.maxDeltaNorm } : {}),
    ...(known.maxNumExamples !== null ? { maxNumExamples: known.maxNumExamples } : {}),
  });
  if (why) throw reject(why === 'WRONG_LENGTH' ? RejectReason.WRONG_SHAPE : RejectReason[why], `the update was refused: ${why}`);
  const digest = updateDigest(delta, body.numExamples);

  return decide<SubmitResult>(db, async (tx) => {
    const locked = await lockRound(tx, roundId);
    const existing = await findSubmission(tx, roundId, auth.siteId);
    if (existing) {
      if (existing.kind === 'update' && existing.updateSha256 === digest) return { value: { receipt: existing.receipt as Receipt, created: false } };
      return { refuse: reject(RejectReason.ALREADY_SUBMITTED, `site ${auth.siteId} already ${existing.kind === 'declined' ? 'declined' : 'sent a different update to'} round ${roundId}`) };
    }
    await settlePlainRound(tx, locked!, ctx);
    const round = (await lockRound(tx, roundId))!;
    if (round.state !== 'open') return { refuse: reject(RejectReason.ROUND_CLOSED, `round ${roundId} is ${round.state}; the update arrived too late`) };
    if (!round.invited.includes(auth.siteId)) return { refuse: reject(RejectReason.NOT_INVITED, `site ${auth.siteId} was not invited to round ${roundId}`) };
    const receipt: Receipt = { roundId, siteId: auth.siteId, updateSha256: digest, numExamples: body.numExamples, receivedAt: new Date(ctx.now).toISOString() };
    await insertSubmission(tx, { roundId, siteId: auth.siteId, kind: 'update', updateSha256: digest, delta, numExamples: body.numExamples, privacy: body.privacy, declineReason: null, receipt }, ctx.now);
    ctx.logger.info({ roundId, siteId: auth.siteId, numExamples: body.numExamples }, 'federation update accepted');
    await settlePlainRound(tx, round, ctx);
    return { value: { receipt, created: true } };
  });
}
