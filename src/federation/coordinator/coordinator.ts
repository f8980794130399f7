/**
 * The coordinator as one object: administration (federations, sites, lineages, rounds) and the
 * handlers behind the federation API. It keeps nothing in memory between calls: every fact is in
 * PostgreSQL (or PGlite), so a new coordinator on the same database carries on where the last one
 * stopped, mid-round included.
 */
import type { KeyObject } from 'node:crypto';
import { badInput, DomainError, ErrorCode, notFound } from '../../errors/domain-error.ts';
import type { Logger } from '../../logging/logger.ts';
import type { Database } from '../../storage/port.ts';
import type { ParameterLayout } from '../privacy/dp-sgd.ts';
import { signResponse } from '../protocol/envelope.ts';
import { encodeFloat64, firstNonFinite } from '../protocol/float-codec.ts';
import { publicKeyFromBase64, publicKeyToBase64 } from '../protocol/identity-keys.ts';
import { LineageIdSchema, MAX_PARAMETERS, type DeclineReceipt, type SecAggAck, type VersionManifest, type VersionResponse, type WorkResponse } from '../protocol/messages.ts';
import { reject, RejectReason } from '../protocol/rejections.ts';
import { SiteIdSchema } from '../secagg/messages.ts';
import { authenticateRequest, DEFAULT_MAX_CLOCK_SKEW_MS, type AuthenticatedRequest, type IncomingRequest } from './authenticate.ts';
import type { RoundContext } from './context.ts';
import { openRound, type OpenRoundOptions } from './open-round.ts';
import { submitUpdate, type SubmitResult } from './plain-rounds.ts';
import { publishVersion } from './publish-version.ts';
import { federationExists, findLineage, findVersion, findVersionModel, insertFederation, insertLineage, insertSite, setSiteStatus } from './registry-store.ts';
import { declineRound, settleLiveRounds } from './round-progress.ts';
import { postSecAggMessage } from './secagg-rounds.ts';
import { coordinatorStatus, type CoordinatorStatus, type StatusOptions } from './status.ts';
import type { Clock, RoundRow, SecAggStep } from './types.ts';
import { checkBaseModel, signBaseVersion, type BaseModel } from './version-export.ts';
import { workFor } from './work.ts';

export interface CoordinatorOptions {
  db: Database;
  logger: Logger;
  /** the coordinator's Ed25519 key: signs versions and answers; sites pin its public half */
  signingKey: KeyObject;
  now?: Clock;
  /** allowed |issuedAt − now| of a request; 5 minutes by default */
  maxClockSkewMs?: number;
  /** how long each secure-aggregation step other than masking stays open; 2 minutes by default */
  secAggStepMs?: number;
}

export interface CreateLineageOptions {
  id: string;
  federationId: string;
  /** the model family, e.g. `prognosis` */
  family: string;
  /** parameter tensors in the order of the flat vector; one slot of the whole length when omitted */
  layout?: ParameterLayout;
  /** version 0 */
  initialWeights: Float64Array;
  /**
   * The shipped model the lineage starts from (its card and ONNX bytes), when it has one: every
   * version is then also published as signed ONNX with its card, ready for sites to test and serve.
   */
  baseModel?: BaseModel;
}

export interface Coordinator {
  /** the raw Ed25519 public key sites pin, base64 */
  readonly publicKey: string;
  createFederation(id: string, description?: string): Promise<void>;
  registerSite(federationId: string, siteId: string, publicKey: string): Promise<void>;
  setSiteStatus(federationId: string, siteId: string, status: 'active' | 'suspended'): Promise<void>;
  createLineage(options: CreateLineageOptions): Promise<VersionManifest>;
  openRound(options: OpenRoundOptions): Promise<RoundRow>;
  /** Closes or fails rounds past their deadline and forgets expired nonces; run it on a timer. */
  tick(): Promise<string[]>;
  status(options?: StatusOptions): Promise<CoordinatorStatus>;
  authenticate(request: IncomingRequest): Promise<AuthenticatedRequest>;
  work(auth: AuthenticatedRequest): Promise<WorkResponse>;
  submitUpdate(auth: AuthenticatedRequest, roundId: string, body: unknown): Promise<SubmitResult>;
  decline(auth: AuthenticatedRequest, roundId: string, body: unknown): Promise<DeclineReceipt>;
  secAgg(auth: AuthenticatedRequest, roundId: string, step: SecAggStep, body: unknown): Promise<SecAggAck>;
  latestVersion(auth: AuthenticatedRequest, lineageId: string): Promise<VersionResponse>;
  /** The coordinator's signature of an answer to the request with `requestNonce` (sangam-signature). */
  signAnswer(method: string, path: string, requestNonce: string, status: number, body: string): string;
}

function checkId(schema: typeof SiteIdSchema, value: string, what: string): void {
  const r = schema.safeParse(value);
  if (!r.success) throw badInput(`invalid ${what} "${value}": ${r.error.issues[0]?.message ?? 'malformed'}`);
}

/** Creates a coordinator over `db`; it never listens (see createCoordinatorRouter). */
export function createCoordinator(options: CoordinatorOptions): Coordinator {
  const { db, logger, signingKey } = options;
  const clock = options.now ?? Date.now;
  const maxClockSkewMs = options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
  const ctx = (): RoundContext => ({ now: clock(), signingKey, logger, secAggStepMs: options.secAggStepMs ?? 120_000 });

  return {
    publicKey: publicKeyToBase64(signingKey),
    async createFederation(id, description = '') {
      checkId(SiteIdSchema, id, 'federation id');
      await insertFederation(db, id, description);
    },
    async registerSite(federationId, siteId, publicKey) {
      checkId(SiteIdSchema, siteId, 'site id');
      publicKeyFromBase64(publicKey);
      if (!(await federationExists(db, federationId))) throw notFound(`federation ${federationId} does not exist`);
      if (!(await insertSite(db, federationId, siteId, publicKey))) {
        throw new DomainError(ErrorCode.CONFLICT, `site ${siteId} is already registered in federation ${federationId}; a new key needs a new site id or an operator to remove the old one`);
      }
      logger.info({ federationId, siteId }, 'federation site registered');
    },
    async setSiteStatus(federationId, siteId, status) {
      if (!(await setSiteStatus(db, federationId, siteId, status))) throw notFound(`site ${siteId} is not registered in federation ${federationId}`);
    },
    async createLineage(o) {
      checkId(LineageIdSchema, o.id, 'lineage id');
      const n = o.initialWeights.length;
      if (n < 1 || n > MAX_PARAMETERS) throw badInput(`a model has 1-${MAX_PARAMETERS} parameters, not ${n}`);
      if (firstNonFinite(o.initialWeights) >= 0) throw badInput('the initial weights must be finite');
      const layout = o.layout ?? [{ name: 'weights', size: n }];
      if (layout.reduce((s, slot) => s + slot.size, 0) !== n) throw badInput('the parameter layout does not add up to the number of initial weights');
      const base = o.baseModel ? { model: o.baseModel, card: checkBaseModel(o.baseModel, layout, o.initialWeights) } : null;
      return db.transaction(async (tx) => {
        if (!(await federationExists(tx, o.federationId))) throw notFound(`federation ${o.federationId} does not exist`);
        const stored = base ? { card: base.model.card, onnx: Buffer.from(base.model.onnx) } : null;
        if (!(await insertLineage(tx, { id: o.id, federationId: o.federationId, family: o.family, layout, parameterCount: n }, stored))) {
          throw new DomainError(ErrorCode.CONFLICT, `lineage ${o.id} already exists`);
        }
        const lineage = { id: o.id, federationId: o.federationId, family: o.family, layout, parameterCount: n, strategyState: null };
        const baseModel = base ? signBaseVersion(o.id, base.model, base.card, signingKey) : undefined;
        return publishVersion(tx, { lineage, weights: o.initialWeights, roundId: null, contributors: [], privacy: new Map(), meanDelta: null, now: clock(), signingKey, ...(baseModel ? { baseModel } : {}) });
      });
    },
    openRound: (o) => openRound(db, o, ctx()),
    tick: () => settleLiveRounds(db, ctx()),
    status: (o) => coordinatorStatus(db, o),
    authenticate: (request) => authenticateRequest(db, request, { now: clock(), maxClockSkewMs }),
    work: (auth) => workFor(db, auth, ctx()),
    submitUpdate: (auth, roundId, body) => submitUpdate(db, auth, roundId, body, ctx()),
    decline: (auth, roundId, body) => declineRound(db, auth, roundId, body, ctx()),
    secAgg: (auth, roundId, step, body) => postSecAggMessage(db, auth, roundId, step, body, ctx()),
    signAnswer: (method, path, requestNonce, status, body) => signResponse(method, path, requestNonce, status, body, signingKey),
    async latestVersion(auth, lineageId) {
      const lineage = await findLineage(db, lineageId);
      const version = lineage && lineage.federationId === auth.federationId ? await findVersion(db, lineageId) : null;
      if (!version) throw reject(RejectReason.NO_VERSION, `lineage ${lineageId} has no version in federation ${auth.federationId}`);
      const model = await findVersionModel(db, lineageId, version.manifest.version);
      return {
        manifest: version.manifest,
        signature: version.signature,
        weights: encodeFloat64(version.weights),
        model: model ? { onnx: Buffer.from(model.onnx).toString('base64'), card: model.card as Record<string, unknown>, signature: model.signature } : null,
      };
    },
  };
}
