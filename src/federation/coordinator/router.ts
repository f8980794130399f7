/**
 * The federation API under `/federation/v1/`, as an express Router the composition root mounts at
 * the root of the coordinator's app. Every endpoint is a POST whose raw body is hashed into the
 * signed envelope before it is parsed; every answer to a verified request is signed with the
 * coordinator's key; every refusal is logged with its reason code and the (claimed) site id.
 * Message shapes: `../protocol/messages.ts`.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { isDomainError } from '../../errors/domain-error.ts';
import type { Logger } from '../../logging/logger.ts';
import { ENVELOPE_HEADER, RESPONSE_SIGNATURE_HEADER } from '../protocol/envelope.ts';
import { DEFAULT_MAX_BODY_BYTES } from '../protocol/messages.ts';
import { reject, RejectReason, type RejectionBody } from '../protocol/rejections.ts';
import { claimedSite, type AuthenticatedRequest } from './authenticate.ts';
import type { Coordinator } from './coordinator.ts';
import type { SecAggStep } from './types.ts';

export interface CoordinatorRouterOptions {
  coordinator: Coordinator;
  logger: Logger;
  /** largest request body; 24 MiB by default (a 2M-parameter update in base64) */
  maxBodyBytes?: number;
}

/** Where the API lives. */
export const FEDERATION_API_PREFIX = '/federation/v1';

type Answer = { status: number; body: unknown };
type Handler = (auth: AuthenticatedRequest, json: unknown, req: Request) => Promise<Answer>;

const STEPS: readonly SecAggStep[] = ['keys', 'shares', 'masked', 'unmask'];

function pathOf(req: Request): string {
  return new URL(req.originalUrl, 'http://coordinator').pathname;
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw reject(RejectReason.WRONG_SHAPE, 'the body is not JSON');
  }
}

/** Creates the router; it holds no state of its own. */
export function createCoordinatorRouter(options: CoordinatorRouterOptions): Router {
  const { coordinator, logger } = options;
  const api = express.Router();
  api.use(express.raw({ type: () => true, limit: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES }));

  const send = (req: Request, res: Response, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    const auth = res.locals.auth as AuthenticatedRequest | undefined;
    if (auth) res.setHeader(RESPONSE_SIGNATURE_HEADER, coordinator.signAnswer(req.method, pathOf(req), auth.nonce, status, text));
    res.status(status).type('application/json').send(text);
  };

  /** Authenticates, binds the signed round id to the path, parses the body, then runs `fn`. */
  const handle = (fn: Handler, roundInPath: boolean) => async (req: Request, res: Response, next: NextFunction) => {
    try {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const auth = await coordinator.authenticate({ method: req.method, path: pathOf(req), header: req.get(ENVELOPE_HEADER), body: raw });
      res.locals.auth = auth;
      const pathRound = roundInPath ? String(req.params.roundId) : null;
      if (auth.roundId !== pathRound) throw reject(RejectReason.WRONG_ROUND, `the envelope is bound to round ${auth.roundId ?? '(none)'}, the path to ${pathRound ?? '(none)'}`);
      const answer = await fn(auth, parseJson(raw), req);
      send(req, res, answer.status, answer.body);
    } catch (err) {
      next(err);
    }
  };

  api.post('/work', handle(async (auth) => ({ status: 200, body: await coordinator.work(auth) }), false));
  api.post(
    '/rounds/:roundId/updates',
    handle(async (auth, json, req) => {
      const r = await coordinator.submitUpdate(auth, String(req.params.roundId), json);
      return { status: r.created ? 201 : 200, body: r.receipt };
    }, true),
  );
  api.post('/rounds/:roundId/decline', handle(async (auth, json, req) => ({ status: 200, body: await coordinator.decline(auth, String(req.params.roundId), json) }), true));
  api.post(
    '/rounds/:roundId/secagg/:step',
    handle(async (auth, json, req) => {
      const step = String(req.params.step) as SecAggStep;
      if (!STEPS.includes(step)) throw reject(RejectReason.PROTOCOL_VIOLATION, `no secure-aggregation step "${step}"`);
      return { status: 200, body: await coordinator.secAgg(auth, String(req.params.roundId), step, json) };
    }, true),
  );
  api.post('/lineages/:lineageId/versions/latest', handle(async (auth, _json, req) => ({ status: 200, body: await coordinator.latestVersion(auth, String(req.params.lineageId)) }), false));

  api.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const type = (err as { type?: string } | null)?.type;
    const domain = type === 'entity.too.large' ? reject(RejectReason.TOO_LARGE, 'the request body is larger than the limit') : err;
    if (!isDomainError(domain)) {
      logger.error({ err, path: pathOf(req) }, 'unexpected federation error');
      res.status(500).json({ error: { code: 'INTERNAL', reason: 'INTERNAL', message: 'Unexpected error.' } });
      return;
    }
    const reason = 'reason' in domain && typeof domain.reason === 'string' ? domain.reason : domain.code;
    const auth = res.locals.auth as AuthenticatedRequest | undefined;
    const who = auth ? { siteId: auth.siteId, federationId: auth.federationId } : claimedSite(req.get(ENVELOPE_HEADER));
    logger.warn({ reason, code: domain.code, ...who, authenticated: auth !== undefined, method: req.method, path: pathOf(req), requestId: req.get('x-request-id') }, 'federation request rejected');
    const body: RejectionBody = { error: { code: domain.code, reason, message: domain.message } };
    send(req, res, domain.httpStatus, body);
  });

  const router = express.Router();
  router.use(FEDERATION_API_PREFIX, api);
  return router;
}
