/**
 * A hospital site taking part in federated rounds. It only ever calls out (hospital firewalls allow
 * nothing in): `pollOnce` asks the coordinator for work, declines a round its privacy budget cannot
 * pay for (PRIVACY_BUDGET) or it has no training data for (NO_DATA), trains through the `trainer`
 * callback, and submits the update (or runs the secure-aggregation step the round is at); `fetchLatestVersion` downloads the newest model and
 * checks the coordinator's signature and the weights' SHA-256 before keeping it. Every request is
 * signed with the site's Ed25519 key; every answer is checked against the pinned coordinator key.
 */
import type { KeyObject } from 'node:crypto';
import type { z } from 'zod';
import { badInput, DomainError, ErrorCode } from '../../errors/domain-error.ts';
import type { Logger } from '../../logging/logger.ts';
import type { PrivacyLedger } from '../privacy/privacy-ledger.ts';
import { createFederationClient, FederationRequestError, type FetchLike } from '../protocol/client.ts';
import { sha256Hex } from '../protocol/envelope.ts';
import { decodeFloat64, encodeFloat64, firstNonFinite, float64Bytes } from '../protocol/float-codec.ts';
import { publicKeyFromBase64 } from '../protocol/identity-keys.ts';
import { DeclineReceiptSchema, type Decline, ReceiptSchema, SecAggAckSchema, VersionResponseSchema, WorkResponseSchema, type Receipt, type RoundWorkMessage, type VersionModel } from '../protocol/messages.ts';
import { verifyManifest } from '../protocol/version-signature.ts';
import { plannedSteps, siteLedger } from './site-privacy.ts';
import { runSecAggStep } from './site-secagg.ts';
import { createMemorySiteStore, type SiteRoundRecord, type SiteStore, type StoredVersion } from './site-store.ts';
import { isNoTrainingData } from './no-training-data.ts';
import type { DataCheck, PrivacyPlanner, RoundWork, SiteTrainer } from './types.ts';

export interface SiteParticipantOptions {
  coordinatorUrl: string;
  siteId: string;
  federationId: string;
  /** the site's Ed25519 identity key, registered with the coordinator */
  privateKey: KeyObject;
  /** the coordinator's pinned public key (a KeyObject or the raw key in base64) */
  coordinatorPublicKey: KeyObject | string;
  trainer: SiteTrainer;
  fetch?: FetchLike;
  /** the site's privacy budget (and any rounds charged outside this store) */
  ledger?: PrivacyLedger;
  planPrivacy?: PrivacyPlanner;
  /** checks the site has training data for a round before it takes part; see DataCheck */
  checkData?: DataCheck;
  /** defaults to memory; use createSqlSiteStore(db) to survive restarts */
  store?: SiteStore;
  logger?: Logger;
  now?: () => number;
  /** attempts per request when the coordinator is unreachable or failing (5xx); default 3 */
  attempts?: number;
}

export type PollOutcome =
  | { kind: 'idle' }
  | { kind: 'submitted'; roundId: string; receipt: Receipt }
  | { kind: 'declined'; roundId: string; reason: string }
  | { kind: 'secagg'; roundId: string; stage: 'advertise' | 'share' | 'mask' | 'unmask' }
  | { kind: 'waiting'; roundId: string };

/**
 * A version as fetched: its verified manifest and weights, and (lineages made from a shipped model)
 * the ONNX export with its card and signature, which `../rollout/accept-version.ts` verifies and tests.
 */
export interface FetchedVersion extends StoredVersion {
  model: VersionModel | null;
}

export interface SiteParticipant {
  /** One poll: at most one step of work. */
  pollOnce(): Promise<PollOutcome>;
  /** The newest version of `lineageId` (default: the lineage of the last round seen), verified and stored. */
  fetchLatestVersion(lineageId?: string): Promise<FetchedVersion>;
  /** The privacy ledger as it stands, or null without a budget. */
  ledger(): Promise<PrivacyLedger | null>;
}

type DeclineReason = Decline['reason'];

/** The reason a stored declined round was declined for (its receipt says; older records predate that). */
function declinedReason(record: SiteRoundRecord): DeclineReason {
  const reason = (record.receipt as { reason?: unknown } | null)?.reason;
  return reason === 'NO_DATA' || reason === 'OPERATOR' ? reason : 'PRIVACY_BUDGET';
}

function decodeWork(msg: RoundWorkMessage): RoundWork {
  const weights = decodeFloat64(msg.weights, msg.parameterCount, 'weights');
  if (sha256Hex(float64Bytes(weights)) !== msg.weightsSha256) throw new DomainError(ErrorCode.UPSTREAM_FAILED, `the weights of round ${msg.roundId} do not match their SHA-256`);
  return {
    roundId: msg.roundId, federationId: msg.federationId, lineageId: msg.lineageId, family: msg.family, baseVersion: msg.baseVersion, weights,
    strategy: msg.strategy, localSteps: msg.localSteps, learningRate: msg.learningRate, batchSize: msg.batchSize, mu: msg.mu, dp: msg.dp,
    maxNumExamples: msg.maxNumExamples, deadline: new Date(msg.deadline), secureAggregation: msg.secagg !== null,
  };
}

/** Creates a participant; it does nothing until polled. */
export function createSiteParticipant(options: SiteParticipantOptions): SiteParticipant {
  const coordinatorKey = typeof options.coordinatorPublicKey === 'string' ? publicKeyFromBase64(options.coordinatorPublicKey) : options.coordinatorPublicKey;
  const client = createFederationClient({ ...options, coordinatorPublicKey: coordinatorKey });
  const store = options.store ?? createMemorySiteStore();
  const { siteId, federationId } = options;
  const ledger = siteLedger(store, federationId, options.ledger);
  const attempts = Math.max(1, options.attempts ?? 3);
  let lastLineage: string | undefined;

  /** A call retried with a fresh envelope while the coordinator is unreachable or failing; its answers are idempotent. */
  const call = async <T>(path: string, roundId: string | null, body: unknown, schema: z.ZodType<T>) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await client.call(path, roundId, body, schema);
      } catch (err) {
        const retry = err instanceof FederationRequestError && (err.status === 0 || err.status >= 500);
        if (!retry || attempt >= attempts) throw err;
        options.logger?.warn({ roundId, attempt, reason: err.reason }, 'federation request failed; retrying');
      }
    }
  };

  const decline = async (record: SiteRoundRecord, reason: DeclineReason): Promise<PollOutcome> => {
    const { body: receipt } = await call(`federation/v1/rounds/${record.roundId}/decline`, record.roundId, { reason }, DeclineReceiptSchema);
    await store.saveRound({ ...record, status: 'declined', receipt });
    options.logger?.info({ roundId: record.roundId, reason }, 'federation round declined');
    return { kind: 'declined', roundId: record.roundId, reason };
  };

  /**
   * Trains once per round and charges the ledger with the steps actually taken, both saved before
   * anything leaves the site; instead the reason to decline when the trained round turned out to
   * cost more than the budget (PRIVACY_BUDGET) or the trainer found no data after all (NO_DATA).
   */
  const ensureTrained = async (work: RoundWork, record: SiteRoundRecord): Promise<SiteRoundRecord | DeclineReason> => {
    if (record.update) return record;
    let trained: Awaited<ReturnType<SiteTrainer>>;
    try {
      trained = await options.trainer(work);
    } catch (err) {
      // the data can vanish between the check and training (consent withdrawn meanwhile)
      if (isNoTrainingData(err)) return 'NO_DATA';
      throw err;
    }
    if (trained.delta.length !== work.weights.length) throw badInput(`the trainer returned ${trained.delta.length} values for a model of ${work.weights.length}`);
    if (firstNonFinite(trained.delta) >= 0) throw badInput('the trainer returned a non-finite update; nothing was sent');
    if (!(Number.isSafeInteger(trained.numExamples) && trained.numExamples > 0)) throw badInput(`the trainer reported ${trained.numExamples} examples`);
    const steps = trained.privacy ?? (await plannedSteps(work, options.planPrivacy));
    if (await ledger.wouldExceed(work.roundId, steps)) return 'PRIVACY_BUDGET';
    const { report, ledger: charged } = await ledger.charge(work.roundId, steps);
    const next: SiteRoundRecord = { ...record, update: { delta: trained.delta, numExamples: trained.numExamples }, privacy: report };
    await store.saveRound(next, charged?.toJSON());
    return next;
  };

  return {
    async pollOnce() {
      const { body } = await call('federation/v1/work', null, {}, WorkResponseSchema);
      const msg = body.work;
      if (!msg) return { kind: 'idle' };
      if (msg.federationId !== federationId) throw new DomainError(ErrorCode.UPSTREAM_FAILED, `work for federation ${msg.federationId} reached a site of ${federationId}`);
      const work = decodeWork(msg);
      lastLineage = work.lineageId;
      let record = await store.loadRound(federationId, work.roundId);
      if (record?.status === 'declined') return { kind: 'declined', roundId: work.roundId, reason: declinedReason(record) };
      if (!record) {
        record = { federationId, roundId: work.roundId, status: 'active', update: null, privacy: null, receipt: null, secagg: null };
        // the data check comes first: a site with nothing to train on has no privacy cost to price
        try {
          await options.checkData?.(work);
          if (await ledger.wouldExceed(work.roundId, await plannedSteps(work, options.planPrivacy))) return decline(record, 'PRIVACY_BUDGET');
        } catch (err) {
          if (isNoTrainingData(err)) {
            options.logger?.info({ roundId: work.roundId, message: err.message }, 'no training data for the round');
            return decline(record, 'NO_DATA');
          }
          throw err;
        }
        await store.saveRound(record);
      }
      if (msg.secagg) {
        let declinedFor: DeclineReason = 'PRIVACY_BUDGET';
        const done = await runSecAggStep(
          {
            siteId,
            save: (r) => store.saveRound(r),
            post: async (roundId, step, payload) => (await call(`federation/v1/rounds/${roundId}/secagg/${step}`, roundId, payload, SecAggAckSchema)).body,
            ensureTrained: async (r) => {
              const trained = await ensureTrained(work, r);
              if (typeof trained === 'string') declinedFor = trained;
              return typeof trained === 'string' ? null : trained;
            },
            warn: (fields, message) => options.logger?.warn(fields, message),
          },
          msg,
          record,
        );
        if (done.kind === 'declined') return decline((await store.loadRound(federationId, work.roundId)) ?? record, declinedFor);
        return done;
      }
      const trained = await ensureTrained(work, record);
      if (typeof trained === 'string') return decline(record, trained);
      const update = trained.update!;
      const { body: receipt } = await call(`federation/v1/rounds/${work.roundId}/updates`, work.roundId, { delta: encodeFloat64(update.delta), numExamples: update.numExamples, privacy: trained.privacy }, ReceiptSchema);
      await store.saveRound({ ...trained, status: 'submitted', receipt });
      options.logger?.info({ roundId: work.roundId, numExamples: update.numExamples }, 'federation update submitted');
      return { kind: 'submitted', roundId: work.roundId, receipt };
    },

    async fetchLatestVersion(lineageId = lastLineage) {
      if (!lineageId) throw badInput('no lineage given and no round seen yet');
      const { body } = await call(`federation/v1/lineages/${lineageId}/versions/latest`, null, {}, VersionResponseSchema);
      const { manifest, signature } = body;
      const refuse = (why: string) => new DomainError(ErrorCode.UPSTREAM_FAILED, `version ${manifest.version} of ${lineageId} refused: ${why}`);
      if (!verifyManifest(manifest, signature, coordinatorKey)) throw refuse('the manifest is not signed by the pinned coordinator key');
      if (manifest.federationId !== federationId || manifest.lineageId !== lineageId) throw refuse('the manifest names another federation or lineage');
      let weights: Float64Array;
      try {
        weights = decodeFloat64(body.weights, manifest.parameterCount, 'weights');
      } catch {
        throw refuse('the weights do not have the length the manifest gives');
      }
      if (sha256Hex(float64Bytes(weights)) !== manifest.sha256) throw refuse('the weights do not match the SHA-256 in the signed manifest');
      const held = await store.latestVersion(federationId, lineageId);
      // an older (validly signed) version served as the latest would be a rollback attack
      if (held && held.manifest.version > manifest.version) throw refuse(`this site already holds version ${held.manifest.version}`);
      const version: StoredVersion = { manifest, signature, weights };
      await store.saveVersion(version);
      return { ...version, model: body.model ?? null };
    },

    ledger: () => ledger.get(),
  };
}
