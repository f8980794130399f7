/**
 * The JSON messages of one secure-aggregation round (Bonawitz et al. 2017,
 * https://eprint.iacr.org/2017/281), as zod schemas for the edge that receives them and as the
 * types the protocol steps take. Binary fields are base64. Every array and string has a ceiling,
 * since each of these arrives from another machine.
 *
 *   round 0  coordinator → sites  RoundConfig         sites → coordinator  KeyAdvertisement
 *   round 1  coordinator → sites  KeyRoster           sites → coordinator  SharesUpload
 *   round 2  coordinator → site   SharesDelivery      sites → coordinator  MaskedInput
 *   round 3  coordinator → sites  UnmaskRequest       sites → coordinator  UnmaskResponse
 */
import { z } from 'zod';

/** Fewest and most sites in a round; the protocol itself (GF(2^8) shares) would allow 255. */
export const MIN_SITES = 3;
export const MAX_SITES = 20;
/** Most values in one masked update (4 MB of masked words). */
export const MAX_VECTOR_LENGTH = 1_000_000;

const base64 = (bytes: number) => z.string().max(4 * Math.ceil(bytes / 3)).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
export const SiteIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "must be 1-64 letters, digits, '.', '_' or '-'");
export const RoundIdSchema = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, "must be 1-128 letters, digits, '.', '_', ':' or '-'");

/** What every site must agree on before round 0; sent by the coordinator, checked by each site. */
export const RoundConfigSchema = z.object({
  roundId: RoundIdSchema,
  /** the invited sites */
  sites: z.array(SiteIdSchema).min(MIN_SITES).max(MAX_SITES),
  /** t: shares needed to reconstruct a secret, and the fewest sites that may remain */
  threshold: z.number().int().min(2).max(MAX_SITES),
  /** values in each site's update */
  vectorLength: z.number().int().min(1).max(MAX_VECTOR_LENGTH),
  clipRange: z.number().positive().max(1e6),
  quantRange: z.number().int().min(2).max(2 ** 32 - 1),
  /** set for a weighted round: each site sends w / maxWeight and (w / maxWeight)·x */
  maxWeight: z.number().positive().optional(),
});
export type RoundConfig = z.infer<typeof RoundConfigSchema>;

/** Round 0, site → coordinator: the two public keys (c for share encryption, s for masks). */
export const KeyAdvertisementSchema = z.object({
  roundId: RoundIdSchema,
  siteId: SiteIdSchema,
  cPublicKey: base64(32),
  sPublicKey: base64(32),
});
export type KeyAdvertisement = z.infer<typeof KeyAdvertisementSchema>;

/** Round 1, coordinator → every site: all advertised keys, sorted by site id (U1). */
export const KeyRosterSchema = z.object({
  roundId: RoundIdSchema,
  keys: z.array(KeyAdvertisementSchema).max(MAX_SITES),
});
export type KeyRoster = z.infer<typeof KeyRosterSchema>;

/** A share bundle (b-share ‖ s-share) encrypted from one site to another. */
export const EncryptedShareSchema = z.object({
  from: SiteIdSchema,
  to: SiteIdSchema,
  iv: base64(12),
  ciphertext: base64(64),
  tag: base64(16),
});

/** Round 1, site → coordinator: one encrypted bundle for every other site in the roster. */
export const SharesUploadSchema = z.object({
  roundId: RoundIdSchema,
  siteId: SiteIdSchema,
  shares: z.array(EncryptedShareSchema).max(MAX_SITES - 1),
});
export type SharesUpload = z.infer<typeof SharesUploadSchema>;

/** Round 2, coordinator → one site: the bundles addressed to it by the sites that uploaded (U2). */
export const SharesDeliverySchema = z.object({
  roundId: RoundIdSchema,
  to: SiteIdSchema,
  shares: z.array(EncryptedShareSchema).max(MAX_SITES - 1),
});
export type SharesDelivery = z.infer<typeof SharesDeliverySchema>;

/** Round 2, site → coordinator: y_u as little-endian uint32 words. */
export const MaskedInputSchema = z.object({
  roundId: RoundIdSchema,
  siteId: SiteIdSchema,
  masked: base64(4 * (MAX_VECTOR_LENGTH + 1)),
});
export type MaskedInput = z.infer<typeof MaskedInputSchema>;

/** Round 3, coordinator → surviving sites: whose masked inputs are in the sum (U3). */
export const UnmaskRequestSchema = z.object({
  roundId: RoundIdSchema,
  survivors: z.array(SiteIdSchema).max(MAX_SITES),
});
export type UnmaskRequest = z.infer<typeof UnmaskRequestSchema>;

/** This site's share of `owner`'s secret. */
export const RevealedShareSchema = z.object({ owner: SiteIdSchema, share: base64(32) });
export type RevealedShare = z.infer<typeof RevealedShareSchema>;

/** Round 3, site → coordinator: b-shares of survivors, s-shares of sites that dropped after round 1. */
export const UnmaskResponseSchema = z.object({
  roundId: RoundIdSchema,
  siteId: SiteIdSchema,
  bShares: z.array(RevealedShareSchema).max(MAX_SITES),
  sShares: z.array(RevealedShareSchema).max(MAX_SITES),
});
export type UnmaskResponse = z.infer<typeof UnmaskResponseSchema>;

/** What the coordinator learns: the aggregate, and nothing about any one site's update. */
export interface AggregateResult {
  roundId: string;
  /** sites whose updates are in the sum (U3) */
  contributors: string[];
  /** sites that shared keys but sent no update (U2 \ U3); their masks were removed */
  dropped: string[];
  /** Σ x_u, or Σ w_u·x_u in a weighted round */
  sum: number[];
  /** the number of contributors, or Σ w_u in a weighted round */
  weightSum: number;
  /** sum / weightSum */
  mean: number[];
  /** largest quantisation error of any coordinate of `sum` (unclipped inputs) */
  sumErrorBound: number;
}
