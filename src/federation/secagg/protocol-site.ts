/**
 * A hospital site's side of secure aggregation (Bonawitz et al. 2017, "Practical Secure
 * Aggregation for Privacy-Preserving Machine Learning", https://eprint.iacr.org/2017/281), in the
 * honest-but-curious form: AdvertiseKeys, ShareKeys, MaskedInputCollection and Unmasking. Each step
 * takes the site's state and the coordinator's message and returns the next state and the reply.
 * States are plain JSON so they can be stored between HTTP requests, but they hold private keys and
 * shares: they stay on the site. Steps run once each, in order; a retried request should be
 * answered from the stored reply, since masking twice would let the coordinator subtract two
 * updates under the same masks.
 *
 * Trust: the coordinator is assumed to relay public keys faithfully. Nothing here authenticates a
 * site's keys (the paper's active-security variant signs them under a PKI), so a coordinator that
 * substituted its own keys in the roster could read the shares. TLS to the coordinator does not
 * help here, since the coordinator is the one relaying; to trust it less than honest-but-curious,
 * have each site sign its advertisement with a long-term key the other sites already know.
 */
import { randomBytes } from 'node:crypto';
import { pairSign, sortSiteIds } from './canonical.ts';
import { protocolViolation, SecAggError, SecAggReason, tooFewSites } from './errors.ts';
import { generateX25519KeyPair, pairKeyDeriver, X25519_KEY_BYTES } from './key-agreement.ts';
import type { KeyAdvertisement, KeyRoster, MaskedInput, RevealedShare, RoundConfig, SharesDelivery, SharesUpload, UnmaskRequest, UnmaskResponse } from './messages.ts';
import { addMasks, SEED_BYTES, type Mask } from './prg.ts';
import { quantiseInto } from './quantise.ts';
import { maskedLength, shareXs, validateRoundConfig } from './round-config.ts';
import { checkRoster } from './roster.ts';
import { splitSecret } from './shamir.ts';
import { decryptShare, encryptShare, type EncryptedShare } from './share-encryption.ts';
import { encodeWords, fromBase64, toBase64 } from './wire.ts';

interface SiteKeys {
  cPublicKey: string;
  cPrivateKey: string;
  sPublicKey: string;
  sPrivateKey: string;
}

/** After round 0: the site's two key pairs. */
export interface AdvertisedSiteState {
  phase: 'advertised';
  config: RoundConfig;
  siteId: string;
  keys: SiteKeys;
}

/** After round 1: the roster (U1), the mask seed b_u and the site's own share of its secrets. */
export interface SharedSiteState {
  phase: 'shared';
  config: RoundConfig;
  siteId: string;
  keys: SiteKeys;
  roster: KeyAdvertisement[];
  bSeed: string;
  ownShares: { b: string; s: string };
}

/**
 * After round 2: only what unmasking needs. The private keys and b_u are dropped once the masked
 * input is sent; what remains are shares of others' secrets and the record of what was revealed.
 */
export interface MaskedSiteState {
  phase: 'masked';
  config: RoundConfig;
  siteId: string;
  /** the sites that shared keys with this one, and itself (U2), sorted */
  u2: string[];
  /** this site's shares of each U2 member's b_u and s_u^SK */
  held: Record<string, { b: string; s: string }>;
  /** which of each owner's shares has been revealed; never both */
  revealed: Record<string, 'b' | 's'>;
}

export type SiteState = AdvertisedSiteState | SharedSiteState | MaskedSiteState;

interface Step<S, M> {
  state: S;
  message: M;
}

function expectPhase<P extends SiteState['phase']>(state: SiteState, phase: P, step: string): asserts state is Extract<SiteState, { phase: P }> {
  if (state.phase !== phase) throw new SecAggError(SecAggReason.OUT_OF_ORDER, `${step} cannot run after ${state.phase}: each step runs once, in order`);
}

function expectRound(config: RoundConfig, roundId: string): void {
  if (roundId !== config.roundId) throw protocolViolation(`a message for round ${roundId} reached round ${config.roundId}`);
}

/** Round 0 (AdvertiseKeys): checks the round's parameters and makes the c and s key pairs. */
export function advertiseKeys(config: RoundConfig, siteId: string): Step<AdvertisedSiteState, KeyAdvertisement> {
  validateRoundConfig(config);
  if (!config.sites.includes(siteId)) throw protocolViolation(`site ${siteId} is not invited to round ${config.roundId}`);
  const c = generateX25519KeyPair();
  const s = generateX25519KeyPair();
  const keys: SiteKeys = { cPublicKey: toBase64(c.publicKey), cPrivateKey: toBase64(c.privateKey), sPublicKey: toBase64(s.publicKey), sPrivateKey: toBase64(s.privateKey) };
  return {
    state: { phase: 'advertised', config, siteId, keys },
    message: { roundId: config.roundId, siteId, cPublicKey: keys.cPublicKey, sPublicKey: keys.sPublicKey },
  };
}

/**
 * Round 1 (ShareKeys): draws b_u, splits b_u and s_u^SK t-of-|U1| and encrypts each other site's
 * pair of shares to it under the c-key agreement.
 */
export function shareKeys(state: SiteState, roster: KeyRoster): Step<SharedSiteState, SharesUpload> {
  expectPhase(state, 'advertised', 'ShareKeys');
  const { config, siteId, keys } = state;
  expectRound(config, roster.roundId);
  const members = checkRoster(config, roster.keys, 'ShareKeys');
  const own = members.find((k) => k.siteId === siteId);
  if (!own || own.cPublicKey !== keys.cPublicKey || own.sPublicKey !== keys.sPublicKey) throw protocolViolation(`the roster does not carry site ${siteId}'s own keys`);

  const ids = members.map((k) => k.siteId);
  const xs = shareXs(ids);
  const bSeed = randomBytes(SEED_BYTES);
  const sPrivate = fromBase64(keys.sPrivateKey, X25519_KEY_BYTES, 'sPrivateKey');
  const bShares = splitSecret(bSeed, config.threshold, [...xs.values()]);
  const sShares = splitSecret(sPrivate, config.threshold, [...xs.values()]);
  const cAgree = pairKeyDeriver(fromBase64(keys.cPrivateKey, X25519_KEY_BYTES, 'cPrivateKey'), fromBase64(keys.cPublicKey, X25519_KEY_BYTES, 'cPublicKey'));

  const shares: EncryptedShare[] = [];
  let ownShares: SharedSiteState['ownShares'] | undefined;
  for (const [i, peer] of members.entries()) {
    const b = bShares[i]!.y;
    const s = sShares[i]!.y;
    if (peer.siteId === siteId) {
      ownShares = { b: toBase64(b), s: toBase64(s) };
      continue;
    }
    const key = cAgree(fromBase64(peer.cPublicKey, X25519_KEY_BYTES, `${peer.siteId}'s cPublicKey`), { purpose: 'share-encryption', roundId: config.roundId, sites: [siteId, peer.siteId] });
    shares.push(encryptShare(key, { roundId: config.roundId, from: siteId, to: peer.siteId }, Buffer.concat([b, s])));
  }
  return {
    state: { phase: 'shared', config, siteId, keys, roster: members, bSeed: toBase64(bSeed), ownShares: ownShares! },
    message: { roundId: config.roundId, siteId, shares },
  };
}

export interface MaskInputOptions {
  /** this site's weight (e.g. its number of training examples); required in a weighted round */
  weight?: number;
}

/**
 * Round 2 (MaskedInputCollection): decrypts the shares other sites sent (U2 is their senders and
 * this site), then uploads y_u = x_u + PRG(b_u) + Σ_{v∈U2, v>u} PRG(s_uv) − Σ_{v∈U2, v<u} PRG(s_uv)
 * mod 2^32. In a weighted round x_u is [w/maxWeight, (w/maxWeight)·x], as in Flower's SecAgg+.
 */
export function maskInput(state: SiteState, delivery: SharesDelivery, update: ArrayLike<number>, options: MaskInputOptions = {}): Step<MaskedSiteState, MaskedInput> {
  expectPhase(state, 'shared', 'MaskedInputCollection');
  const { config, siteId, keys, roster } = state;
  expectRound(config, delivery.roundId);
  if (delivery.to !== siteId) throw protocolViolation(`shares for ${delivery.to} were delivered to ${siteId}`);
  if (update.length !== config.vectorLength) throw protocolViolation(`the update has ${update.length} values; round ${config.roundId} expects ${config.vectorLength}`);

  const byId = new Map(roster.map((k) => [k.siteId, k]));
  const cAgree = pairKeyDeriver(fromBase64(keys.cPrivateKey, X25519_KEY_BYTES, 'cPrivateKey'), fromBase64(keys.cPublicKey, X25519_KEY_BYTES, 'cPublicKey'));
  const held: MaskedSiteState['held'] = { [siteId]: state.ownShares };
  for (const share of delivery.shares) {
    const peer = byId.get(share.from);
    if (!peer || share.from === siteId) throw protocolViolation(`a share from ${share.from}, who is not another site of the roster`);
    if (held[share.from]) throw protocolViolation(`two shares from ${share.from}`);
    const key = cAgree(fromBase64(peer.cPublicKey, X25519_KEY_BYTES, `${peer.siteId}'s cPublicKey`), { purpose: 'share-encryption', roundId: config.roundId, sites: [siteId, peer.siteId] });
    const plain = decryptShare(key, share, { roundId: config.roundId, from: share.from, to: siteId });
    if (plain.length !== 2 * SEED_BYTES) throw protocolViolation(`the share from ${share.from} holds ${plain.length} bytes, not ${2 * SEED_BYTES}`);
    held[share.from] = { b: toBase64(plain.subarray(0, SEED_BYTES)), s: toBase64(plain.subarray(SEED_BYTES)) };
  }
  const u2 = sortSiteIds(Object.keys(held));
  if (u2.length < config.threshold) throw tooFewSites('MaskedInputCollection', u2.length, config.threshold);

  const y = new Uint32Array(maskedLength(config));
  if (config.maxWeight === undefined) {
    if (options.weight !== undefined) throw protocolViolation(`round ${config.roundId} is unweighted, yet a weight was given`);
    quantiseInto(y, 0, update, config);
  } else {
    const weight = options.weight;
    if (weight === undefined || !(weight > 0 && weight <= config.maxWeight)) throw protocolViolation(`round ${config.roundId} is weighted: the weight must be in (0, ${config.maxWeight}]`);
    const ratio = weight / config.maxWeight;
    quantiseInto(y, 0, [ratio], config);
    quantiseInto(y, 1, update, config, ratio);
  }

  const masks: Mask[] = [{ seed: fromBase64(state.bSeed, SEED_BYTES, 'bSeed'), sign: 1 }];
  const sAgree = pairKeyDeriver(fromBase64(keys.sPrivateKey, X25519_KEY_BYTES, 'sPrivateKey'), fromBase64(keys.sPublicKey, X25519_KEY_BYTES, 'sPublicKey'));
  for (const v of u2) {
    if (v === siteId) continue;
    const seed = sAgree(fromBase64(byId.get(v)!.sPublicKey, X25519_KEY_BYTES, `${v}'s sPublicKey`), { purpose: 'mask', roundId: config.roundId, sites: [siteId, v] });
    masks.push({ seed, sign: pairSign(siteId, v) });
  }
  addMasks(y, masks);
  return {
    state: { phase: 'masked', config, siteId, u2, held, revealed: {} },
    message: { roundId: config.roundId, siteId, masked: encodeWords(y) },
  };
}

/**
 * Round 3 (Unmasking): reveals this site's b-share of every survivor and s-share of every site in
 * U2 that is not a survivor. Refuses, before revealing anything, when the survivors are not a
 * subset of U2, are fewer than t, or would make it reveal for some site the other kind of share
 * than it revealed before: with both, the coordinator could strip every mask from that site's
 * input. Asked the same question again, it gives the same answer.
 */
export function revealShares(state: SiteState, request: UnmaskRequest): Step<MaskedSiteState, UnmaskResponse> {
  expectPhase(state, 'masked', 'Unmasking');
  const { config, siteId, u2, held } = state;
  expectRound(config, request.roundId);
  const survivors = new Set(request.survivors);
  if (survivors.size !== request.survivors.length) throw protocolViolation('a survivor is listed twice');
  for (const v of survivors) if (!u2.includes(v)) throw protocolViolation(`survivor ${v} did not share keys with ${siteId} in round ${config.roundId}`);
  if (survivors.size < config.threshold) throw tooFewSites('Unmasking', survivors.size, config.threshold);

  const revealed = { ...state.revealed };
  const bShares: RevealedShare[] = [];
  const sShares: RevealedShare[] = [];
  for (const owner of u2) {
    const kind = survivors.has(owner) ? 'b' : 's';
    if (revealed[owner] !== undefined && revealed[owner] !== kind) {
      const before = revealed[owner] === 'b' ? `${owner} survived` : `${owner} dropped`;
      throw new SecAggError(SecAggReason.REVEAL_REFUSED, `site ${siteId} will not reveal its ${kind}-share of ${owner}: it was told before that ${before}, and both shares together would unmask ${owner}'s update`);
    }
    revealed[owner] = kind;
    const mine = held[owner]!;
    (kind === 'b' ? bShares : sShares).push({ owner, share: kind === 'b' ? mine.b : mine.s });
  }
  return {
    state: { ...state, revealed },
    message: { roundId: config.roundId, siteId, bShares, sShares },
  };
}
