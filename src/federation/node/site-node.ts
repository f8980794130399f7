/**
 * A running site participant: polls the coordinator (outbound calls only), trains each round on the
 * site's own records (site-trainer.ts), submits, and once a round it took part in has produced a new
 * version, fetches it, checks the signed manifest, then verifies the ONNX export's signature and
 * hash and tests it on the site's held-out patients overall and per subgroup before hot-swapping it
 * (`../rollout/accept-version.ts`); a refused version keeps the served one and says why. State that
 * must survive a crash (each round's update, secure-aggregation keys, the privacy ledger, versions
 * received) lives in the site's database.
 */
import type { KeyObject } from 'node:crypto';
import { badInput } from '../../errors/domain-error.ts';
import type { ModelRegistry } from '../../inference/model-registry.ts';
import type { Logger } from '../../logging/logger.ts';
import type { Database } from '../../storage/port.ts';
import { PrivacyLedger, type PrivacyBudget } from '../privacy/privacy-ledger.ts';
import type { FetchLike } from '../protocol/client.ts';
import { publicKeyFromBase64, publicKeyToBase64 } from '../protocol/identity-keys.ts';
import { acceptVersion } from '../rollout/accept-version.ts';
import { createSiteParticipant, type FetchedVersion, type PollOutcome, type SiteParticipant } from '../site/participant.ts';
import { startPolling } from '../site/poll-loop.ts';
import { createSqlSiteStore } from '../site/sql-site-store.ts';
import { loadOrCreateKeyFile } from './key-file.ts';
import { createSiteTraining, type SiteTrainingServices } from './site-trainer.ts';

/** Largest fall of a held-out metric a site accepts from a new version, by default. */
export const DEFAULT_TOLERANCE = 0.02;

export interface SiteNodeOptions {
  services: SiteTrainingServices & { models: ModelRegistry };
  /** the site's own database: round state, ledger and versions received */
  db: Database;
  coordinatorUrl: string;
  federationId: string;
  siteId: string;
  /** the site's Ed25519 identity key file (created on first use); or give `privateKey` */
  keyFile?: string;
  privateKey?: KeyObject;
  /** the coordinator's public key, raw base64, pinned when the site joined */
  coordinatorPublicKey: string;
  /** the served model the federation trains */
  model: string;
  /** the lineage id at the coordinator; the served card's lineage, else the model name */
  lineage?: string;
  /** the site's differential-privacy budget; rounds that would exceed it are declined */
  budget?: PrivacyBudget;
  /** see DEFAULT_TOLERANCE */
  tolerance?: number;
  splitKey?: string;
  seed?: number;
  /** pause between polls when idle; 30 s by default */
  pollIntervalMs?: number;
  maxBackoffMs?: number;
  /**
   * stop once a version this many versions past the lineage's version when the site started has
   * been handled (installed, refused, or already served); versions published while the site was
   * busy with the next round are skipped, since a site only ever installs the latest
   */
  stopAfterVersions?: number;
  logger?: Logger;
  fetch?: FetchLike;
  onEvent?: (event: SiteNodeEvent) => void;
}

/** What a site decided about a published version. */
export interface VersionEvent {
  kind: 'version';
  version: number;
  roundId: string | null;
  /** `name@version` of the exported model, when the version has one */
  model: string | null;
  result: 'installed' | 'refused' | 'serving' | 'no-model';
  /** the failed check of a refusal (accept-version.ts's reasons, or `manifest`, `no-held-out`) */
  reason?: string;
  message?: string;
}

/** What a site reports as it goes: counts, ids and reasons only, never patient data. */
export type SiteNodeEvent = { kind: 'round'; outcome: PollOutcome } | VersionEvent;

export interface SiteNode {
  participant: SiteParticipant;
  /** the site's public key, raw base64: what the coordinator registers */
  publicKey: string;
  /** resolves once the node has stopped (stop(), or stopAfterVersions reached) */
  finished: Promise<void>;
  stop(): Promise<void>;
}

function describeCard(card: unknown): { id: string | null; lineage?: unknown; roundId?: unknown; name?: unknown; version?: unknown } {
  const c = card as { name?: unknown; version?: unknown; federation?: { lineage?: unknown; round?: { id?: unknown } } } | null;
  const id = typeof c?.name === 'string' && typeof c.version === 'string' ? `${c.name}@${c.version}` : null;
  return { id, lineage: c?.federation?.lineage, roundId: c?.federation?.round?.id, name: c?.name, version: c?.version };
}

/** Starts a site participant and its rollout; it runs until stopped. */
export function startSiteNode(options: SiteNodeOptions): SiteNode {
  const { services, logger } = options;
  if (!options.privateKey && !options.keyFile) throw badInput('a site node needs its identity: keyFile or privateKey');
  const identity = options.privateKey ? { privateKey: options.privateKey } : loadOrCreateKeyFile(options.keyFile!);
  const coordinatorKey = publicKeyFromBase64(options.coordinatorPublicKey);
  const training = createSiteTraining({ services, model: options.model, siteId: options.siteId, ...pick(options, ['splitKey', 'seed', 'logger']) });
  // the base version of the last round this site trained for (or priced): its result is what it waits for
  let lastBase: number | null = null;
  // the lineage's version when this node first learnt it: --rounds counts from there
  let startVersion: number | null = null;
  const sawRound = (base: number) => {
    lastBase = base;
    startVersion ??= base;
  };
  const participant = createSiteParticipant({
    coordinatorUrl: options.coordinatorUrl,
    siteId: options.siteId,
    federationId: options.federationId,
    privateKey: identity.privateKey,
    coordinatorPublicKey: coordinatorKey,
    trainer: (work) => (sawRound(work.baseVersion), training.trainer(work)),
    planPrivacy: (work) => (sawRound(work.baseVersion), training.planPrivacy(work)),
    checkData: (work) => (sawRound(work.baseVersion), training.checkData(work)),
    store: createSqlSiteStore(options.db),
    ...(options.budget ? { ledger: new PrivacyLedger(options.budget) } : {}),
    ...pick(options, ['fetch', 'logger']),
  });
  const lineageId = () => options.lineage ?? (training.servedCard().federation?.lineage as string | undefined) ?? options.model;

  const install = async (fetched: FetchedVersion): Promise<VersionEvent> => {
    const { manifest, model } = fetched;
    const base = { kind: 'version' as const, version: manifest.version, roundId: manifest.roundId };
    if (!model) return { ...base, model: null, result: 'no-model' };
    const card = describeCard(model.card);
    // the export must be the one the signed manifest announces, not another signed version swapped in
    if (manifest.roundId !== null && (card.lineage !== manifest.lineageId || card.roundId !== manifest.roundId)) {
      return { ...base, model: card.id, result: 'refused', reason: 'manifest', message: `the model export does not belong to version ${manifest.version} of ${manifest.lineageId}` };
    }
    const served = training.servedCard();
    if (served.name === card.name && Number(served.version) >= Number(card.version)) return { ...base, model: card.id, result: 'serving' };
    const heldOut = await training.heldOut(new Date());
    if (!heldOut) return { ...base, model: card.id, result: 'refused', reason: 'no-held-out', message: 'this site has no held-out patients to test the version on' };
    const result = await acceptVersion({
      registry: services.models,
      candidate: { onnx: Buffer.from(model.onnx, 'base64'), card: model.card, signature: model.signature },
      coordinatorKey,
      heldOut,
      tolerance: options.tolerance ?? DEFAULT_TOLERANCE,
      ...pick(options, ['logger']),
    });
    if (result.status === 'installed') return { ...base, model: card.id, result: 'installed' };
    return { ...base, model: card.id, result: 'refused', reason: result.reason, message: result.message };
  };

  let checkedOnce = false;
  let awaitingAfter: number | null = null;
  let handled = -1;
  let stopPolling: (() => Promise<void>) | undefined;
  let resolveFinished!: () => void;
  const finished = new Promise<void>((resolve) => (resolveFinished = resolve));
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await stopPolling?.();
      resolveFinished();
    })());

  const rollOut = async () => {
    const fetched = await participant.fetchLatestVersion(lineageId());
    const v = fetched.manifest.version;
    startVersion ??= v;
    if (awaitingAfter !== null && v > awaitingAfter) awaitingAfter = null;
    if (v <= handled) return;
    const event = await install(fetched);
    handled = v;
    logger?.info({ version: v, roundId: event.roundId, model: event.model, result: event.result, reason: event.reason }, 'federation version handled');
    options.onEvent?.(event);
    if (options.stopAfterVersions !== undefined && v >= startVersion + options.stopAfterVersions) void stop();
  };

  stopPolling = startPolling(participant, {
    intervalMs: options.pollIntervalMs ?? 30_000,
    ...(options.maxBackoffMs !== undefined ? { maxBackoffMs: options.maxBackoffMs } : {}),
    ...pick(options, ['logger']),
    async onOutcome(outcome) {
      if (outcome.kind !== 'idle') options.onEvent?.({ kind: 'round', outcome });
      if (outcome.kind === 'submitted' || outcome.kind === 'declined' || outcome.kind === 'secagg') awaitingAfter = lastBase;
      // a version is fetched once at start (a site back from a crash catches up) and then only while a round it joined is pending
      if (outcome.kind === 'idle' && (!checkedOnce || awaitingAfter !== null)) {
        checkedOnce = true;
        await rollOut();
      }
    },
  });

  return { participant, publicKey: publicKeyToBase64(identity.privateKey), finished, stop };
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): { [P in K]?: Exclude<T[P], undefined> } {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])) as { [P in K]?: Exclude<T[P], undefined> };
}
