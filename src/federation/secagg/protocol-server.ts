/**
 * The coordinator's side of secure aggregation (Bonawitz et al. 2017, "Practical Secure
 * Aggregation for Privacy-Preserving Machine Learning", https://eprint.iacr.org/2017/281). It relays
 * keys and encrypted shares, sums the masked inputs, and in the end removes the masks from the
 * sum: b_u of every survivor, and for every site that dropped after sharing keys, the pairwise
 * masks it shared with the survivors. It never holds both kinds of share for one site, so it
 * learns the sum and nothing about any one update.
 *
 * Each step takes the replies that arrived before the round's deadline; the sites that did not
 * answer have dropped. Every step stops with TOO_FEW_SITES once fewer than t sites remain. States
 * are plain JSON (the running sum is base64), holding nothing secret.
 */
import { compareSiteIds, pairSign } from './canonical.ts';
import { protocolViolation, SecAggError, SecAggReason, tooFewSites } from './errors.ts';
import { pairKeyDeriver, x25519PublicKey, X25519_KEY_BYTES } from './key-agreement.ts';
import type { AggregateResult, KeyAdvertisement, KeyRoster, MaskedInput, RevealedShare, RoundConfig, SharesDelivery, SharesUpload, UnmaskRequest, UnmaskResponse } from './messages.ts';
import { addMasks, addVectors, SEED_BYTES, type Mask } from './prg.ts';
import { assertSumFits, dequantiseSum, quantisationErrorBound } from './quantise.ts';
import { createRoundConfig, maskedLength, shareXs, type RoundConfigOptions } from './round-config.ts';
import { checkRoster } from './roster.ts';
import { combineShares, type Share } from './shamir.ts';
import { decodeWords, encodeWords, fromBase64 } from './wire.ts';

/** Waiting for round 0's key advertisements. */
export interface AdvertiseState {
  phase: 'advertise';
  config: RoundConfig;
}

/** Waiting for round 1's encrypted shares from the sites of the roster (U1). */
export interface ShareState {
  phase: 'share';
  config: RoundConfig;
  roster: KeyAdvertisement[];
}

/** Waiting for round 2's masked inputs from the sites that shared (U2). */
export interface MaskState {
  phase: 'mask';
  config: RoundConfig;
  roster: KeyAdvertisement[];
  u2: string[];
}

/** Waiting for round 3's shares from the survivors (U3), with their masked sum. */
export interface UnmaskState {
  phase: 'unmask';
  config: RoundConfig;
  roster: KeyAdvertisement[];
  u2: string[];
  survivors: string[];
  maskedSum: string;
}

export type CoordinatorState = AdvertiseState | ShareState | MaskState | UnmaskState;

interface Step<S, M> {
  state: S;
  message: M;
}

function expectPhase(state: CoordinatorState, phase: CoordinatorState['phase'], step: string): void {
  if (state.phase !== phase) throw new SecAggError(SecAggReason.OUT_OF_ORDER, `${step} replies cannot be taken while the round is in its ${state.phase} phase`);
}

function expectRound(config: RoundConfig, roundId: string, from: string): void {
  if (roundId !== config.roundId) throw protocolViolation(`${from} answered round ${roundId} in round ${config.roundId}`);
}

/** Rejects a second reply from one site, or one from a site not in `allowed`; returns the senders, sorted. */
function senders(replies: readonly { siteId: string }[], allowed: readonly string[], step: string): string[] {
  const seen = new Set<string>();
  for (const { siteId } of replies) {
    if (!allowed.includes(siteId)) throw protocolViolation(`${siteId} is not expected to answer ${step}`);
    if (seen.has(siteId)) throw protocolViolation(`${siteId} answered ${step} twice`);
    seen.add(siteId);
  }
  return allowed.filter((id) => seen.has(id));
}

/** Opens a round: the configuration every invited site receives as round 0's request. */
export function openRound(options: RoundConfigOptions): Step<AdvertiseState, RoundConfig> {
  const config = createRoundConfig(options);
  return { state: { phase: 'advertise', config }, message: config };
}

/** Round 0 → 1: the advertised keys become the roster (U1) broadcast to every site in it. */
export function collectKeys(state: AdvertiseState, advertisements: readonly KeyAdvertisement[]): Step<ShareState, KeyRoster> {
  expectPhase(state, 'advertise', 'AdvertiseKeys');
  const roster = checkRoster(state.config, advertisements, 'AdvertiseKeys');
  return { state: { phase: 'share', config: state.config, roster }, message: { roundId: state.config.roundId, keys: roster } };
}

/**
 * Round 1 → 2: the sites that uploaded shares are U2. Each must have sent exactly one bundle to
 * every other roster site; each site of U2 then receives the bundles addressed to it from U2.
 */
export function routeShares(state: ShareState, uploads: readonly SharesUpload[]): Step<MaskState, SharesDelivery[]> {
  expectPhase(state, 'share', 'ShareKeys');
  const { config, roster } = state;
  const rosterIds = roster.map((k) => k.siteId);
  const u2 = senders(uploads, rosterIds, 'ShareKeys');
  for (const upload of uploads) {
    expectRound(config, upload.roundId, upload.siteId);
    const recipients = upload.shares.map((s) => s.to).sort(compareSiteIds);
    const expected = rosterIds.filter((id) => id !== upload.siteId);
    const complete = upload.shares.every((s) => s.from === upload.siteId) && recipients.length === expected.length && recipients.every((id, i) => id === expected[i]);
    if (!complete) throw protocolViolation(`${upload.siteId} must send exactly one share bundle to each other site of the roster`);
  }
  if (u2.length < config.threshold) throw tooFewSites('ShareKeys', u2.length, config.threshold);
  const deliveries = u2.map((to) => ({
    roundId: config.roundId,
    to,
    shares: uploads.flatMap((u) => u.shares.filter((s) => s.to === to)),
  }));
  return { state: { phase: 'mask', config, roster, u2 }, message: deliveries };
}

/** Round 2 → 3: sums the masked inputs mod 2^32; their senders are the survivors (U3). */
export function collectMaskedInputs(state: MaskState, inputs: readonly MaskedInput[]): Step<UnmaskState, UnmaskRequest> {
  expectPhase(state, 'mask', 'MaskedInputCollection');
  const { config } = state;
  for (const input of inputs) expectRound(config, input.roundId, input.siteId);
  const survivors = senders(inputs, state.u2, 'MaskedInputCollection');
  if (survivors.length < config.threshold) throw tooFewSites('MaskedInputCollection', survivors.length, config.threshold);
  assertSumFits(config, survivors.length);
  const length = maskedLength(config);
  const sum = new Uint32Array(length);
  for (const input of inputs) addVectors(sum, decodeWords(input.masked, length, `${input.siteId}'s masked input`));
  return {
    state: { ...state, phase: 'unmask', survivors, maskedSum: encodeWords(sum) },
    message: { roundId: config.roundId, survivors },
  };
}

/** Checks that `revealed` names exactly `owners`, once each; returns each owner's share. */
function sharesFor(revealed: readonly RevealedShare[], owners: readonly string[], kind: string, from: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const { owner, share } of revealed) {
    if (!owners.includes(owner) || out.has(owner)) throw protocolViolation(`${from} revealed an unexpected ${kind}-share of ${owner}`);
    out.set(owner, fromBase64(share, SEED_BYTES, `${from}'s ${kind}-share of ${owner}`));
  }
  if (out.size !== owners.length) throw protocolViolation(`${from} must reveal a ${kind}-share of each of ${owners.join(', ') || 'no site'}`);
  return out;
}

/**
 * Round 3 (Unmasking): reconstructs each survivor's b_u and each dropped site's s_u^SK from at
 * least t responses, removes every mask from the sum and dequantises it. A reconstructed s_u^SK
 * must match the public key u advertised, which catches corrupted shares before they corrupt the
 * aggregate.
 */
export function unmask(state: UnmaskState, responses: readonly UnmaskResponse[]): AggregateResult {
  expectPhase(state, 'unmask', 'Unmasking');
  const { config, roster, u2, survivors } = state;
  for (const response of responses) expectRound(config, response.roundId, response.siteId);
  const responders = senders(responses, survivors, 'Unmasking');
  if (responders.length < config.threshold) throw tooFewSites('Unmasking', responders.length, config.threshold);

  const dropped = u2.filter((id) => !survivors.includes(id));
  const xs = shareXs(roster.map((k) => k.siteId));
  const bShares = new Map<string, Share[]>(survivors.map((id) => [id, []]));
  const sShares = new Map<string, Share[]>(dropped.map((id) => [id, []]));
  for (const response of responses) {
    const x = xs.get(response.siteId)!;
    for (const [owner, y] of sharesFor(response.bShares, survivors, 'b', response.siteId)) bShares.get(owner)!.push({ x, y });
    for (const [owner, y] of sharesFor(response.sShares, dropped, 's', response.siteId)) sShares.get(owner)!.push({ x, y });
  }

  const sum = decodeWords(state.maskedSum, maskedLength(config), 'maskedSum');
  const masks: Mask[] = [...bShares.values()].map((shares) => ({ seed: combineShares(shares), sign: -1 }));
  const keyOf = new Map(roster.map((k) => [k.siteId, k]));
  for (const [owner, shares] of sShares) {
    const sPrivate = combineShares(shares);
    const advertised = fromBase64(keyOf.get(owner)!.sPublicKey, X25519_KEY_BYTES, `${owner}'s sPublicKey`);
    if (!x25519PublicKey(sPrivate).equals(advertised)) throw protocolViolation(`the shares of ${owner}'s mask key do not reconstruct the key it advertised`);
    const agree = pairKeyDeriver(sPrivate, advertised);
    for (const v of survivors) {
      const seed = agree(fromBase64(keyOf.get(v)!.sPublicKey, X25519_KEY_BYTES, `${v}'s sPublicKey`), { purpose: 'mask', roundId: config.roundId, sites: [owner, v] });
      // y_v carries pairSign(v, owner)·PRG(s_v,owner); take it back out.
      masks.push({ seed, sign: pairSign(v, owner) === 1 ? -1 : 1 });
    }
  }
  addMasks(sum, masks);
  return aggregate(config, survivors, dropped, dequantiseSum(sum, config, survivors.length));
}

function aggregate(config: RoundConfig, contributors: string[], dropped: string[], values: Float64Array): AggregateResult {
  const n = contributors.length;
  const bound = quantisationErrorBound(config, n);
  const base = { roundId: config.roundId, contributors, dropped };
  if (config.maxWeight === undefined) {
    const sum = Array.from(values);
    return { ...base, sum, weightSum: n, mean: sum.map((s) => s / n), sumErrorBound: bound };
  }
  const ratioSum = values[0]!;
  if (!(ratioSum > 0)) throw protocolViolation('the weights sum to zero at this quantisation; raise quantRange or lower maxWeight');
  // plain loops into preallocated arrays: Array.from and two maps over the whole vector were a tenth of a round
  const maxWeight = config.maxWeight;
  const sum = new Array<number>(values.length - 1);
  const mean = new Array<number>(values.length - 1);
  for (let j = 1; j < values.length; j++) {
    sum[j - 1] = values[j]! * maxWeight;
    mean[j - 1] = values[j]! / ratioSum;
  }
  return { ...base, sum, weightSum: ratioSum * maxWeight, mean, sumErrorBound: bound * maxWeight };
}
