/**
 * Secure-aggregation rounds over HTTP (Bonawitz et al. 2017, https://eprint.iacr.org/2017/281):
 * the pure protocol steps of `../secagg/protocol-server.ts` driven by what sites post, with the
 * protocol state kept as JSON in the round row and each site's messages in their own rows, so a
 * restarted coordinator picks the round up at the step it was in.
 *
 * A step closes when every site expected in it has answered, or when its time is up: the masking
 * step (where sites train) runs until `target` masked inputs are in or the round's deadline, the
 * others for `secAggStepMs`. Sites that miss a step have dropped; the protocol removes their masks
 * as long as at least t sites remain, and the round fails otherwise.
 */
import { badInput, isDomainError } from '../../errors/domain-error.ts';
import type { Database, SqlClient } from '../../storage/port.ts';
import { canonicalJson } from '../protocol/version-signature.ts';
import { sha256Hex } from '../protocol/envelope.ts';
import { MaskedSubmissionSchema, type MaskedSubmission, type PrivacyReport, type SecAggAck, type SecAggWork } from '../protocol/messages.ts';
import { reject, RejectReason } from '../protocol/rejections.ts';
import { protocolViolation, SecAggError, SecAggReason } from '../secagg/errors.ts';
import { KeyAdvertisementSchema, RoundConfigSchema, SharesUploadSchema, UnmaskResponseSchema, type KeyAdvertisement, type SharesUpload, type UnmaskResponse } from '../secagg/messages.ts';
import { collectKeys, collectMaskedInputs, openRound, routeShares, unmask, type AdvertiseState, type MaskState, type ShareState, type UnmaskState } from '../secagg/protocol-server.ts';
import type { RoundConfigOptions } from '../secagg/round-config.ts';
import { checkSecAggReply } from './secagg-replies.ts';
import type { AuthenticatedRequest } from './authenticate.ts';
import { closeSecAggRound, failRound } from './close-round.ts';
import { decide, type RoundContext } from './context.ts';
import { parseBody } from './parse-body.ts';
import { insertSecAggMessage, listSecAggMessages, listSubmissions, lockRound, updateRound } from './round-store.ts';
import type { RoundRow, SecAggRoundState, SecAggStep } from './types.ts';

type Phase = SecAggRoundState['protocol']['phase'];
const PHASES: readonly Phase[] = ['advertise', 'share', 'mask', 'unmask'];
const STEP_OF: Record<Phase, SecAggStep> = { advertise: 'keys', share: 'shares', mask: 'masked', unmask: 'unmask' };
const SCHEMA_OF = { keys: KeyAdvertisementSchema, shares: SharesUploadSchema, masked: MaskedSubmissionSchema, unmask: UnmaskResponseSchema } as const;

/** The state of a new secure-aggregation round, its configuration checked against the wire limits. */
export function startSecAgg(options: RoundConfigOptions): SecAggRoundState {
  const opened = openRound(options);
  const checked = RoundConfigSchema.safeParse(opened.message);
  if (!checked.success) throw badInput(`secure aggregation cannot run this round: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { protocol: opened.state };
}

async function declinedSites(c: SqlClient, roundId: string): Promise<Set<string>> {
  return new Set((await listSubmissions(c, roundId, false)).filter((s) => s.kind === 'declined').map((s) => s.siteId));
}

/** The sites whose reply the current step waits for. */
function expectedSites(round: RoundRow, sa: SecAggRoundState, declined: Set<string>): string[] {
  const p = sa.protocol;
  const members = p.phase === 'advertise' ? round.invited : p.phase === 'share' ? p.roster.map((k) => k.siteId) : p.phase === 'mask' ? p.u2 : p.survivors;
  // a site that declined mid-round will not answer: it is a dropout the step need not wait for
  return members.filter((id) => !declined.has(id));
}

/** Runs the protocol step that closes the current phase; returns the round after it, or null once it closed. */
async function takeStep(c: SqlClient, round: RoundRow, bodies: unknown[], ctx: RoundContext): Promise<RoundRow | null> {
  const sa = round.secaggState!;
  const p = sa.protocol;
  let next: Pick<RoundRow, 'state' | 'secaggState' | 'stageDeadline'>;
  switch (p.phase) {
    case 'advertise': {
      const r = collectKeys(p as AdvertiseState, bodies as KeyAdvertisement[]);
      next = { state: 'open', secaggState: { protocol: r.state }, stageDeadline: ctx.now + ctx.secAggStepMs };
      break;
    }
    case 'share': {
      const r = routeShares(p as ShareState, bodies as SharesUpload[]);
      next = { state: 'open', secaggState: { protocol: r.state, deliveries: r.message }, stageDeadline: null };
      break;
    }
    case 'mask': {
      if (bodies.length < round.quorum) {
        await failRound(c, round, ctx, `the masking step ended with ${bodies.length} masked input(s); the quorum is ${round.quorum}`);
        return null;
      }
      const r = collectMaskedInputs(p as MaskState, (bodies as MaskedSubmission[]).map((b) => b.masked));
      next = { state: 'aggregating', secaggState: { protocol: r.state, unmaskRequest: r.message }, stageDeadline: ctx.now + ctx.secAggStepMs };
      break;
    }
    case 'unmask': {
      const result = unmask(p as UnmaskState, bodies as UnmaskResponse[]);
      const masked = await listSecAggMessages(c, round.id, 'masked');
      const privacy = new Map<string, PrivacyReport>();
      for (const m of masked) {
        const report = (m.body as MaskedSubmission).privacy;
        if (report) privacy.set(m.siteId, report);
      }
      await closeSecAggRound(c, round, ctx, result, privacy);
      return null;
    }
  }
  await updateRound(c, round.id, next);
  ctx.logger.info({ roundId: round.id, phase: next.secaggState!.protocol.phase }, 'secure aggregation step opened');
  return { ...round, ...next };
}

/** Moves a locked secure-aggregation round through every step that is complete or out of time. */
export async function advanceSecAgg(c: SqlClient, round: RoundRow, ctx: RoundContext): Promise<void> {
  let current: RoundRow | null = round;
  while (current && (current.state === 'open' || current.state === 'aggregating')) {
    const sa: SecAggRoundState = current.secaggState!;
    const phase = sa.protocol.phase;
    const expected = expectedSites(current, sa, await declinedSites(c, current.id));
    const replies = (await listSecAggMessages(c, current.id, STEP_OF[phase])).filter((m) => expected.includes(m.siteId));
    const everyone = replies.length === expected.length;
    const timeUp = ctx.now >= (phase === 'mask' ? current.deadline : (current.stageDeadline ?? current.deadline));
    const enough = phase === 'mask' && replies.length >= current.target;
    if (!everyone && !timeUp && !enough) return;
    const stepping: RoundRow = current;
    try {
      current = await takeStep(c, stepping, replies.map((r) => r.body), ctx);
    } catch (err) {
      if (!isDomainError(err)) throw err;
      await failRound(c, stepping, ctx, `secure aggregation stopped at ${phase}: ${err.message}`);
      return;
    }
  }
}

/** What `siteId` should do next in a live secure-aggregation round, or null when it is not part of it. */
export async function secAggWork(c: SqlClient, round: RoundRow, siteId: string): Promise<SecAggWork | null> {
  const sa = round.secaggState!;
  const p = sa.protocol;
  if (!expectedSites(round, sa, await declinedSites(c, round.id)).includes(siteId)) return null;
  const posted = (await listSecAggMessages(c, round.id, STEP_OF[p.phase])).some((m) => m.siteId === siteId);
  if (posted) return { stage: 'wait', config: p.config };
  switch (p.phase) {
    case 'advertise':
      return { stage: 'advertise', config: p.config };
    case 'share':
      return { stage: 'share', config: p.config, roster: { roundId: p.config.roundId, keys: p.roster } };
    case 'mask': {
      const delivery = sa.deliveries?.find((d) => d.to === siteId);
      return delivery ? { stage: 'mask', config: p.config, delivery } : null;
    }
    case 'unmask':
      return sa.unmaskRequest ? { stage: 'unmask', config: p.config, unmaskRequest: sa.unmaskRequest } : null;
  }
}

/**
 * Stores one site's reply to a secure-aggregation step and advances the round if the step is
 * complete. The same reply sent again is acknowledged; a different one for the same step is refused.
 */
export async function postSecAggMessage(db: Database, auth: AuthenticatedRequest, roundId: string, step: SecAggStep, json: unknown, ctx: RoundContext): Promise<SecAggAck> {
  const body = parseBody<unknown>(SCHEMA_OF[step], json, step);
  const bodySha256 = sha256Hex(canonicalJson(body));
  return decide<SecAggAck>(db, async (tx) => {
    const locked = await lockRound(tx, roundId);
    if (!locked || locked.federationId !== auth.federationId) return { refuse: reject(RejectReason.WRONG_ROUND, `round ${roundId} is not a round of federation ${auth.federationId}`) };
    if (!locked.secagg) return { refuse: reject(RejectReason.PROTOCOL_VIOLATION, `round ${roundId} does not use secure aggregation`) };
    const prior = (await listSecAggMessages(tx, roundId, step)).find((m) => m.siteId === auth.siteId);
    if (prior) {
      if (prior.bodySha256 !== bodySha256) return { refuse: reject(RejectReason.ALREADY_SUBMITTED, `site ${auth.siteId} already sent a different ${step} message to round ${roundId}`) };
      return { value: { roundId, step, stage: locked.secaggState!.protocol.phase } };
    }
    await advanceSecAgg(tx, locked, ctx);
    const round = (await lockRound(tx, roundId))!;
    if (round.state !== 'open' && round.state !== 'aggregating') return { refuse: reject(RejectReason.ROUND_CLOSED, `round ${roundId} is ${round.state}`) };
    const sa = round.secaggState!;
    const phase = sa.protocol.phase;
    if (STEP_OF[phase] !== step) {
      const ahead = PHASES.findIndex((p) => STEP_OF[p] === step) > PHASES.indexOf(phase);
      return { refuse: ahead ? new SecAggError(SecAggReason.OUT_OF_ORDER, `round ${roundId} is at its ${phase} step, not yet at ${step}`) : reject(RejectReason.ROUND_CLOSED, `the ${step} step of round ${roundId} is over; the round is at ${phase}`) };
    }
    if (!expectedSites(round, sa, await declinedSites(tx, roundId)).includes(auth.siteId)) {
      return { refuse: reject(RejectReason.NOT_INVITED, `site ${auth.siteId} is not part of the ${phase} step of round ${roundId}`) };
    }
    try {
      const who = body as { siteId: string; roundId: string } | MaskedSubmission;
      const claimed = 'masked' in who ? who.masked : who;
      if (claimed.siteId !== auth.siteId || claimed.roundId !== roundId) throw protocolViolation(`the message names site ${claimed.siteId} in round ${claimed.roundId}, not ${auth.siteId} in ${roundId}`);
      checkSecAggReply(sa, auth.siteId, step, body);
    } catch (err) {
      if (isDomainError(err)) return { refuse: err };
      throw err;
    }
    await insertSecAggMessage(tx, roundId, { siteId: auth.siteId, step, body, bodySha256 }, ctx.now);
    ctx.logger.info({ roundId, siteId: auth.siteId, step }, 'secure aggregation message accepted');
    await advanceSecAgg(tx, round, ctx);
    const after = (await lockRound(tx, roundId))!;
    const stage = after.state === 'open' || after.state === 'aggregating' ? after.secaggState!.protocol.phase : after.state;
    return { value: { roundId, step, stage } };
  });
}
