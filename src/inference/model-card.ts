/**
 * Model cards (Mitchell et al. 2019), one JSON file beside each shipped ONNX model: what the model
 * does, what it reads and returns, what it was trained on (and whether that data is real or
 * synthetic), how it performs overall and per subgroup, the privacy it spent, and the sha256 the
 * registry checks before loading it.
 */
import { z } from 'zod';

const Metric = z.record(z.string(), z.number().nullable());

/**
 * Where a federated version comes from: its lineage, the version its round started from, the round
 * that produced it and the (ε, δ) each site had spent by then (null where a site trained without DP).
 */
export const FederationProvenanceSchema = z.object({
  lineage: z.string().min(1).max(200),
  parentVersion: z.string().regex(/^\d+$/),
  round: z.object({
    id: z.string().min(1).max(200),
    /** the lineage's round counter: federated rounds behind these weights */
    number: z.number().int().min(1),
    strategy: z.string().min(1),
    sites: z.array(z.string()),
    /** training examples the sites reported for the round */
    examples: z.number().int().min(0),
  }),
  privacy: z.record(z.string(), z.object({ epsilon: z.number().nonnegative().nullable(), delta: z.number().min(0).max(1).nullable() })),
  /** prognosis models: how the Breslow baseline of this version was obtained */
  baseline: z.string().optional(),
});
export type FederationProvenance = z.infer<typeof FederationProvenanceSchema>;

export const ModelCardSchema = z.object({
  name: z.string().regex(/^[a-z0-9-]+$/),
  version: z.string().regex(/^\d+$/),
  task: z.enum(['prognosis', 'response', 'mutation']),
  description: z.string(),
  featureSchema: z.string(),
  inputs: z.array(z.object({ name: z.string(), shape: z.array(z.union([z.number(), z.string()])), description: z.string() })),
  outputs: z.array(z.object({ name: z.string(), shape: z.array(z.union([z.number(), z.string()])), description: z.string() })),
  training: z.object({
    data: z.string(),
    synthetic: z.boolean(),
    examples: z.number().int(),
    events: z.number().int().optional(),
    split: z.string(),
    sites: z.array(z.string()),
    federatedRounds: z.number().int(),
    seed: z.number().int(),
    settings: z.record(z.string(), z.union([z.number(), z.string()])),
  }),
  metrics: z.object({ overall: Metric, subgroups: z.record(z.string(), Metric), reference: z.string().optional() }),
  privacy: z.object({ epsilon: z.number().nullable(), delta: z.number().nullable(), note: z.string() }),
  intendedUse: z.string(),
  limitations: z.array(z.string()),
  /** per-feature centring and scaling applied before the model */
  standardisation: z.object({ mean: z.array(z.number()), sd: z.array(z.number()) }).optional(),
  /** for prognosis models: the days of the survival curve */
  survivalGrid: z.array(z.number()).optional(),
  /** for mutation models: the biomarker of each output */
  biomarkers: z.array(z.string()).optional(),
  /** set on versions made by a federated round (src/federation/rollout) */
  federation: FederationProvenanceSchema.optional(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ModelCard = z.infer<typeof ModelCardSchema>;
