/**
 * Checks of one site's secure-aggregation reply as it arrives. The pure protocol steps check all
 * replies together when a step closes and stop the whole round at the first bad one; refusing a bad
 * reply here, with the site's request, keeps one broken or hostile site from failing everyone's round.
 */
import { protocolViolation } from '../secagg/errors.ts';
import { X25519_KEY_BYTES } from '../secagg/key-agreement.ts';
import type { KeyAdvertisement, SharesUpload, UnmaskResponse } from '../secagg/messages.ts';
import { SEED_BYTES } from '../secagg/prg.ts';
import { maskedLength } from '../secagg/round-config.ts';
import { decodeWords, fromBase64 } from '../secagg/wire.ts';
import type { MaskedSubmission } from '../protocol/messages.ts';
import type { SecAggRoundState, SecAggStep } from './types.ts';

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  return sa.size === a.length && a.length === b.length && b.every((x) => sa.has(x));
}

/** Throws a PROTOCOL_VIOLATION SecAggError unless `body` is a well-formed `step` reply from `siteId`. */
export function checkSecAggReply(sa: SecAggRoundState, siteId: string, step: SecAggStep, body: unknown): void {
  const p = sa.protocol;
  switch (step) {
    case 'keys': {
      const ad = body as KeyAdvertisement;
      fromBase64(ad.cPublicKey, X25519_KEY_BYTES, 'cPublicKey');
      fromBase64(ad.sPublicKey, X25519_KEY_BYTES, 'sPublicKey');
      if (ad.cPublicKey === ad.sPublicKey) throw protocolViolation('the c and s public keys must differ');
      return;
    }
    case 'shares': {
      if (p.phase !== 'share') return;
      const upload = body as SharesUpload;
      const others = p.roster.map((k) => k.siteId).filter((id) => id !== siteId);
      if (!upload.shares.every((s) => s.from === siteId) || !sameSet(upload.shares.map((s) => s.to), others)) {
        throw protocolViolation(`${siteId} must send exactly one share bundle to each other site of the roster`);
      }
      return;
    }
    case 'masked':
      decodeWords((body as MaskedSubmission).masked.masked, maskedLength(p.config), 'masked input');
      return;
    case 'unmask': {
      if (p.phase !== 'unmask') return;
      const response = body as UnmaskResponse;
      const dropped = p.u2.filter((id) => !p.survivors.includes(id));
      if (!sameSet(response.bShares.map((s) => s.owner), p.survivors) || !sameSet(response.sShares.map((s) => s.owner), dropped)) {
        throw protocolViolation(`${siteId} must reveal a b-share of each survivor and an s-share of each dropped site`);
      }
      for (const s of [...response.bShares, ...response.sShares]) fromBase64(s.share, SEED_BYTES, `share of ${s.owner}`);
      return;
    }
  }
}
