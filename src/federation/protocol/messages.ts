/**
 * The JSON bodies of the federation API (`/federation/v1/…`), as zod schemas for the side that
 * receives them. Every string and array has a ceiling, since each arrives from another machine.
 * Secure-aggregation messages are those of `../secagg/messages.ts`, carried as they are.
 *
 *   POST /work                                 {}                 → WorkResponse (signed)
 *   POST /rounds/:id/updates                   UpdateSubmission   → Receipt
 *   POST /rounds/:id/decline                   Decline            → DeclineReceipt
 *   POST /rounds/:id/secagg/keys               KeyAdvertisement   → SecAggAck
 *   POST /rounds/:id/secagg/shares             SharesUpload       → SecAggAck
 *   POST /rounds/:id/secagg/masked             MaskedSubmission   → SecAggAck
 *   POST /rounds/:id/secagg/unmask             UnmaskResponse     → SecAggAck
 *   POST /lineages/:id/versions/latest         {}                 → VersionResponse (signed; with the ONNX export)
 */
import { z } from 'zod';
import { StrategyConfigSchema } from '../strategies/strategy-config.ts';
import { KeyRosterSchema, MaskedInputSchema, RoundConfigSchema, RoundIdSchema, SharesDeliverySchema, SiteIdSchema, UnmaskRequestSchema } from '../secagg/messages.ts';

/** Most parameters in one model: 16 MB of float64. */
export const MAX_PARAMETERS = 2_000_000;
/** Default ceiling of a request body: a full-size update in base64 plus room for the rest. */
export const DEFAULT_MAX_BODY_BYTES = 24 * 1024 * 1024;

const float64Base64 = z.string().max(4 * Math.ceil((8 * MAX_PARAMETERS) / 3)).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256');
export const LineageIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "must be 1-64 letters, digits, '.', '_' or '-'");
const isoTime = z.string().max(40).refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 time');

/** The body of a request that carries nothing but its envelope. */
export const EmptyBodySchema = z.strictObject({});

/** DP-SGD settings a round asks of every site (Abadi et al. 2016, https://arxiv.org/abs/1607.00133). */
export const DpSettingsSchema = z.strictObject({
  /** σ: noise standard deviation over the clipping norm */
  noiseMultiplier: z.number().min(0).max(1e3),
  /** C: per-example L2 clipping norm */
  clipNorm: z.number().positive().max(1e6),
});
export type DpSettings = z.infer<typeof DpSettingsSchema>;

/** ε and δ a site has spent so far, as its own ledger accounts them. */
export const PrivacyReportSchema = z.strictObject({
  epsilon: z.number().min(0).max(1e6),
  delta: z.number().min(0).lt(1),
});
export type PrivacyReport = z.infer<typeof PrivacyReportSchema>;

/** What a site is asked to do next in a secure-aggregation round. */
export const SecAggWorkSchema = z.object({
  stage: z.enum(['advertise', 'share', 'mask', 'unmask', 'wait']),
  config: RoundConfigSchema,
  roster: KeyRosterSchema.optional(),
  delivery: SharesDeliverySchema.optional(),
  unmaskRequest: UnmaskRequestSchema.optional(),
});
export type SecAggWork = z.infer<typeof SecAggWorkSchema>;

/** One round, as the coordinator hands it to an invited site. */
export const RoundWorkMessageSchema = z.object({
  roundId: RoundIdSchema,
  federationId: SiteIdSchema,
  lineageId: LineageIdSchema,
  family: z.string().max(64),
  baseVersion: z.number().int().nonnegative(),
  parameterCount: z.number().int().min(1).max(MAX_PARAMETERS),
  /** the global weights the site trains from */
  weights: float64Base64,
  weightsSha256: sha256Hex,
  strategy: StrategyConfigSchema,
  localSteps: z.number().int().min(1).max(1e6),
  learningRate: z.number().positive().max(1e3),
  batchSize: z.number().int().min(1).max(1e6),
  /** FedProx μ, null for other strategies */
  mu: z.number().min(0).nullable(),
  dp: DpSettingsSchema.nullable(),
  /** a cap on numExamples (also secure aggregation's maxWeight) */
  maxNumExamples: z.number().int().positive().nullable(),
  deadline: isoTime,
  secagg: SecAggWorkSchema.nullable(),
});
export type RoundWorkMessage = z.infer<typeof RoundWorkMessageSchema>;

export const WorkResponseSchema = z.object({ work: RoundWorkMessageSchema.nullable() });
export type WorkResponse = z.infer<typeof WorkResponseSchema>;

/** A plain (not securely aggregated) update: Δ = w_local − w_global and the examples behind it. */
export const UpdateSubmissionSchema = z.strictObject({
  delta: float64Base64,
  // Range checks belong to validateUpdate, which names BAD_NUM_EXAMPLES rather than a shape error.
  numExamples: z.number(),
  privacy: PrivacyReportSchema.nullable(),
});
export type UpdateSubmission = z.infer<typeof UpdateSubmissionSchema>;

/** The coordinator's record of an accepted update; a resubmission of the same update gets it again. */
export const ReceiptSchema = z.object({
  roundId: RoundIdSchema,
  siteId: SiteIdSchema,
  updateSha256: sha256Hex,
  numExamples: z.number().int().positive(),
  receivedAt: isoTime,
});
export type Receipt = z.infer<typeof ReceiptSchema>;

/** A site that will not take part in a round says why, so the round need not wait for it. */
export const DeclineSchema = z.strictObject({
  reason: z.enum(['PRIVACY_BUDGET', 'NO_DATA', 'OPERATOR']),
});
export type Decline = z.infer<typeof DeclineSchema>;

export const DeclineReceiptSchema = z.object({ roundId: RoundIdSchema, siteId: SiteIdSchema, reason: DeclineSchema.shape.reason, receivedAt: isoTime });
export type DeclineReceipt = z.infer<typeof DeclineReceiptSchema>;

/** A secure-aggregation masked input, with the site's privacy report alongside (ε is not secret). */
export const MaskedSubmissionSchema = z.strictObject({
  masked: MaskedInputSchema,
  privacy: PrivacyReportSchema.nullable(),
});
export type MaskedSubmission = z.infer<typeof MaskedSubmissionSchema>;

export const SecAggAckSchema = z.object({ roundId: RoundIdSchema, step: z.enum(['keys', 'shares', 'masked', 'unmask']), stage: z.string().max(32) });
export type SecAggAck = z.infer<typeof SecAggAckSchema>;

/** What the coordinator signs for each published version. */
export const VersionManifestSchema = z.strictObject({
  federationId: SiteIdSchema,
  lineageId: LineageIdSchema,
  family: z.string().max(64),
  version: z.number().int().nonnegative(),
  parameterCount: z.number().int().min(1).max(MAX_PARAMETERS),
  /** SHA-256 of the weights as little-endian float64 bytes */
  sha256: sha256Hex,
  /** the round that produced it; null for the initial version */
  roundId: RoundIdSchema.nullable(),
  contributors: z.array(SiteIdSchema).max(1000),
  /** ε and δ each contributing site reported it had spent, after this round */
  privacy: z.array(z.strictObject({ siteId: SiteIdSchema, epsilon: z.number().min(0), delta: z.number().min(0).lt(1) })).max(1000),
  createdAt: isoTime,
});
export type VersionManifest = z.infer<typeof VersionManifestSchema>;

/** Largest ONNX file a version may carry: the acceptance test's own default limit. */
export const MAX_MODEL_BYTES = 64 * 1024 * 1024;

/**
 * A version exported for serving (lineages made from a shipped model): the ONNX bytes, the model
 * card, and the coordinator's Ed25519 signature over (lineage, card version, sha256 of the bytes,
 * hash of the card), which the site checks against its pinned key before testing the version
 * (`../rollout/accept-version.ts`).
 */
export const VersionModelSchema = z.object({
  /** the ONNX ModelProto, base64 */
  onnx: z.string().max(4 * Math.ceil(MAX_MODEL_BYTES / 3)).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64'),
  /** the model card as the coordinator built it; the site validates it with ModelCardSchema */
  card: z.record(z.string(), z.unknown()),
  /** rollout/version-signature.ts, base64 */
  signature: z.string().max(100),
});
export type VersionModel = z.infer<typeof VersionModelSchema>;

export const VersionResponseSchema = z.object({
  manifest: VersionManifestSchema,
  /** the coordinator's Ed25519 signature of the manifest, base64 */
  signature: z.string().max(100),
  weights: float64Base64,
  /** the version as ONNX with its card, for lineages made from a shipped model; null otherwise */
  model: VersionModelSchema.nullable().optional(),
});
export type VersionResponse = z.infer<typeof VersionResponseSchema>;
