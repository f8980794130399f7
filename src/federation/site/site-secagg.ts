/**
 * A site's secure-aggregation steps over HTTP: the pure steps of `../secagg/protocol-site.ts`, with
 * the state and every reply saved before it is sent. A retried poll resends the saved reply rather
 * than computing a new one: new keys or a second masking of the same update under other masks
 * would break the round or leak the update.
 */
import { DomainError, ErrorCode } from '../../errors/domain-error.ts';
import type { RoundWorkMessage } from '../protocol/messages.ts';
import { protocolViolation } from '../secagg/errors.ts';
import { advertiseKeys, maskInput, revealShares, shareKeys } from '../secagg/protocol-site.ts';
import type { SiteRoundRecord, SiteSecAggRecord } from './site-store.ts';

/** What the participant lends the secure-aggregation steps. */
export interface SecAggSiteContext {
  siteId: string;
  save(record: SiteRoundRecord): Promise<void>;
  post(roundId: string, step: 'keys' | 'shares' | 'masked' | 'unmask', body: unknown): Promise<unknown>;
  /** trains (or reuses the stored update) and returns the record holding it */
  ensureTrained(record: SiteRoundRecord): Promise<SiteRoundRecord | null>;
  warn(fields: Record<string, unknown>, message: string): void;
}

export type SecAggStepDone = { kind: 'secagg'; roundId: string; stage: 'advertise' | 'share' | 'mask' | 'unmask' } | { kind: 'waiting'; roundId: string } | { kind: 'declined'; roundId: string; reason: string };

function lost(roundId: string): DomainError {
  return new DomainError(ErrorCode.CONFLICT, `this site's secure-aggregation state for round ${roundId} is lost; it has dropped out of the round`);
}

/** Runs the step the coordinator asks for in `work.secagg`. */
export async function runSecAggStep(ctx: SecAggSiteContext, work: RoundWorkMessage, start: SiteRoundRecord): Promise<SecAggStepDone> {
  const ask = work.secagg!;
  const roundId = work.roundId;
  let record = start;
  const sec: SiteSecAggRecord | null = record.secagg;
  const keep = async (next: SiteSecAggRecord) => {
    record = { ...record, secagg: next };
    await ctx.save(record);
  };
  switch (ask.stage) {
    case 'wait':
      return { kind: 'waiting', roundId };
    case 'advertise': {
      // the configuration must describe this round, not another one replayed at us
      if (ask.config.roundId !== roundId || ask.config.vectorLength !== work.parameterCount) throw protocolViolation(`the secure-aggregation configuration does not match round ${roundId}`);
      if (!sec) {
        const step = advertiseKeys(ask.config, ctx.siteId);
        await keep({ state: step.state, replies: { keys: step.message } });
      }
      await ctx.post(roundId, 'keys', record.secagg!.replies.keys);
      return { kind: 'secagg', roundId, stage: 'advertise' };
    }
    case 'share': {
      if (!sec) throw lost(roundId);
      if (!sec.replies.shares) {
        const step = shareKeys(sec.state, ask.roster!);
        await keep({ state: step.state, replies: { ...sec.replies, shares: step.message } });
      }
      await ctx.post(roundId, 'shares', record.secagg!.replies.shares);
      return { kind: 'secagg', roundId, stage: 'share' };
    }
    case 'mask': {
      if (!sec) throw lost(roundId);
      if (!sec.replies.masked) {
        const trained = await ctx.ensureTrained(record);
        if (!trained) return { kind: 'declined', roundId, reason: 'PRIVACY_BUDGET' };
        record = trained;
        const update = record.update!;
        const maxWeight = ask.config.maxWeight ?? update.numExamples;
        if (update.numExamples > maxWeight) ctx.warn({ roundId, maxWeight }, 'example count above the round cap; the weight is capped');
        const step = maskInput(record.secagg!.state, ask.delivery!, update.delta, ask.config.maxWeight === undefined ? {} : { weight: Math.min(update.numExamples, maxWeight) });
        await keep({ state: step.state, replies: { ...record.secagg!.replies, masked: step.message } });
      }
      await ctx.post(roundId, 'masked', { masked: record.secagg!.replies.masked, privacy: record.privacy });
      return { kind: 'secagg', roundId, stage: 'mask' };
    }
    case 'unmask': {
      if (!sec) throw lost(roundId);
      // revealShares answers the same request the same way and refuses a contradicting one
      const step = revealShares(sec.state, ask.unmaskRequest!);
      await keep({ state: step.state, replies: sec.replies });
      const receipt = await ctx.post(roundId, 'unmask', step.message);
      await ctx.save({ ...record, status: 'submitted', receipt });
      return { kind: 'secagg', roundId, stage: 'unmask' };
    }
  }
}
