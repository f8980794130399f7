/**
 * The site side of a rollout. A version pulled from the coordinator is installed only if
 *   1. its bytes are within the size limit, its card is a valid model card, and the bytes hash to
 *      the card's sha256;
 *   2. the coordinator's Ed25519 signature over (lineage, version, sha256, card hash) verifies
 *      against the key this site pinned;
 *   3. it is the same model as the one in service (name, task, feature schema, inputs, lineage) and
 *      newer than it, so an old signed version cannot be replayed to downgrade the site; and it is
 *      not a version this site rolled back (putting that back is a person's decision: `register`);
 *   4. run through onnxruntime on the site's own held-out patients, no gating metric falls by more
 *      than the tolerance, overall or per subgroup (compare-metrics.ts says which gate).
 * Then the registry hot-swaps it: requests in flight finish on the old version. A refusal names the
 * failed check, and for metrics every subgroup and metric that fell; it never names a patient.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { isDomainError } from '../../errors/domain-error.ts';
import { ModelCardSchema, type ModelCard } from '../../inference/model-card.ts';
import type { ModelRegistry, ModelTrial } from '../../inference/model-registry.ts';
import type { Logger } from '../../logging/logger.ts';
import type { LabelledSet } from '../site-data/labelled-set.ts';
import { compareMetrics, type MetricRow, type SubgroupOptions } from './compare-metrics.ts';
import { scoreHeldOut } from './held-out-metrics.ts';
import { cardHash, verifyVersion } from './version-signature.ts';

/** A version as the coordinator publishes it. */
export interface VersionCandidate {
  onnx: Uint8Array;
  /** the card JSON as received */
  card: unknown;
  /** the coordinator's signature, base64 */
  signature: string;
}

export interface AcceptVersionOptions {
  registry: ModelRegistry;
  candidate: VersionCandidate;
  /** the coordinator's public key, pinned when the site joined */
  coordinatorKey: KeyObject | string;
  heldOut: LabelledSet;
  /** the largest fall of any gating metric the site accepts (e.g. 0.02) */
  tolerance: number;
  subgroups?: SubgroupOptions;
  logger?: Logger;
  /** bytes a model may have; 64 MiB by default */
  maxModelBytes?: number;
}

/** The check a refused version failed. */
export type RefusalReason = 'too-large' | 'card' | 'hash' | 'signature' | 'incompatible' | 'stale' | 'rolled-back' | 'metrics';

/** Installed, or refused with the failed check; `rows` holds every metric measured, for the site's report. */
export type AcceptanceResult =
  | { status: 'installed'; model: string; version: string; previous?: string; rows: MetricRow[] }
  | { status: 'refused'; reason: RefusalReason; message: string; rows: MetricRow[]; failures: MetricRow[] };

const DEFAULT_MAX_MODEL_BYTES = 64 * 1024 * 1024;

/** Why a candidate cannot replace the version in service, or undefined when it can be tested. */
function incompatibility(card: ModelCard, current: ModelCard | undefined, heldOut: LabelledSet): { reason: RefusalReason; message: string } | undefined {
  const id = `${card.name}@${card.version}`;
  if (card.task === 'mutation') return { reason: 'incompatible', message: `${id}: sites have no held-out acceptance test for mutation models yet` };
  if (heldOut.task !== card.task) return { reason: 'incompatible', message: `${id} is a ${card.task} model; the held-out set is for ${heldOut.task}` };
  if (heldOut.featureSchema !== card.featureSchema) return { reason: 'incompatible', message: `${id} reads ${card.featureSchema}; the held-out set has ${heldOut.featureSchema}` };
  if (!current) return undefined;
  if (current.task !== card.task || current.featureSchema !== card.featureSchema || JSON.stringify(current.inputs) !== JSON.stringify(card.inputs)) {
    return { reason: 'incompatible', message: `${id} does not read the same inputs as ${current.name}@${current.version} in service` };
  }
  const lineage = current.federation?.lineage;
  if (lineage !== undefined && lineage !== card.federation?.lineage) return { reason: 'incompatible', message: `${id} belongs to lineage ${card.federation?.lineage}, the version in service to ${lineage}` };
  if (Number(card.version) <= Number(current.version)) return { reason: 'stale', message: `${id} is not newer than ${current.name}@${current.version} in service` };
  return undefined;
}

/** Verifies, tests and (if it passes) installs a published version; see the module comment for the checks. */
export async function acceptVersion(options: AcceptVersionOptions): Promise<AcceptanceResult> {
  const { registry, candidate, heldOut, logger } = options;
  const refuse = (reason: RefusalReason, message: string, rows: MetricRow[] = [], failures: MetricRow[] = []): AcceptanceResult => {
    // subgroup labels and metrics are aggregates over held-out patients, never a patient's data
    logger?.warn({ reason, detail: message, failures: failures.map((f) => `${f.subgroup} ${f.metric}`) }, 'model version refused');
    return { status: 'refused', reason, message, rows, failures };
  };
  const max = options.maxModelBytes ?? DEFAULT_MAX_MODEL_BYTES;
  if (candidate.onnx.byteLength > max) return refuse('too-large', `the model has ${candidate.onnx.byteLength} bytes; the limit is ${max}`);
  const parsed = ModelCardSchema.safeParse(candidate.card);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return refuse('card', `the card is not a valid model card: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const card = parsed.data;
  const id = `${card.name}@${card.version}`;
  const sha256 = createHash('sha256').update(candidate.onnx).digest('hex');
  if (sha256 !== card.sha256) return refuse('hash', `${id}: the bytes have sha256 ${sha256}, the card says ${card.sha256}`);
  if (!card.federation) return refuse('card', `${id}: the card records no federated round; sites install only versions a round produced`);
  const claims = { lineage: card.federation.lineage, version: card.version, sha256, cardHash: cardHash(candidate.card) };
  if (!verifyVersion(options.coordinatorKey, claims, candidate.signature)) return refuse('signature', `${id}: the signature does not verify against the pinned coordinator key`);

  const lease = registry.has(card.name) ? registry.lease(card.name) : undefined;
  try {
    const blocked = incompatibility(card, lease?.card, heldOut);
    if (blocked) return refuse(blocked.reason, blocked.message);
    const earlier = (await registry.recorded(card.name)).find((r) => r.version === card.version);
    if (earlier?.rolledBackAt) return refuse('rolled-back', `${id} was rolled back at this site on ${earlier.rolledBackAt.toISOString()}`);
    let trial: ModelTrial;
    try {
      trial = await registry.trial(candidate.onnx, candidate.card, `rollout candidate ${id}`);
    } catch (err) {
      // signed bytes onnxruntime cannot load are refused like any other unusable version
      return refuse('incompatible', `${id} cannot be opened: ${err instanceof Error ? err.message : String(err)}`);
    }
    let scores: Float32Array;
    try {
      scores = await scoreHeldOut(trial, heldOut);
    } finally {
      await trial.release();
    }
    const current = lease ? await scoreHeldOut(lease, heldOut) : undefined;
    const { rows, failures } = compareMetrics({ set: heldOut, candidate: scores, ...(current ? { current } : {}), tolerance: options.tolerance, ...options.subgroups });
    if (failures.length > 0) {
      const named = failures.map((f) => `${f.subgroup} ${f.metric} ${f.current?.toFixed(3)} → ${f.candidate?.toFixed(3)}`).join('; ');
      return refuse('metrics', `${id} falls by more than ${options.tolerance} on ${named}`, rows, failures);
    }
    try {
      await registry.register(candidate.onnx, candidate.card, `rollout ${card.federation.lineage} round ${card.federation.round.id}`);
    } catch (err) {
      // a version number this site already recorded with other bytes
      if (isDomainError(err)) return refuse('incompatible', err.message, rows);
      throw err;
    }
    logger?.info({ model: card.name, version: card.version, previous: lease?.card.version, rows: rows.length }, 'model version accepted and installed');
    return { status: 'installed', model: card.name, version: card.version, ...(lease ? { previous: lease.card.version } : {}), rows };
  } finally {
    lease?.release();
  }
}
