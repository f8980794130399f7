/**
 * The CDS Hooks HTTP surface, mounted at `/cds-services` (https://cds-hooks.hl7.org/2.0/):
 * `GET /` discovery, `POST /{id}` a hook call, `POST /{id}/feedback` card outcomes. Every call,
 * discovery included, carries the EHR's JWT. Errors are OperationOutcomes.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { isDomainError } from '../errors/domain-error.ts';
import { CdsErrorCode, CdsHooksError, fromHttpLayer, toCdsErrorResponse, unauthenticated } from './cds-errors.ts';
import type { CdsHooksDeps } from './deps.ts';
import { createEhrJwtVerifier, type EhrCaller } from './ehr-jwt.ts';
import { answerOrderCheck, answerPatientView, type HandlerDeps, type HookAnswer } from './hook-handlers.ts';
import { parseFeedback, parseHookRequest, type HookRequest } from './hook-request.ts';
import { createInsightCache, NO_CACHE } from './insight-cache.ts';
import { memoryJtiCache } from './jti-replay-cache.ts';
import { CDS_SERVICES, discoveryDocument, type CdsServiceDefinition } from './service-definitions.ts';

/** The path the router expects to be mounted at: `app.use(CDS_HOOKS_PATH, createCdsHooksRouter(deps))`. */
export const CDS_HOOKS_PATH = '/cds-services';

type Locals = { caller?: EhrCaller; service?: CdsServiceDefinition };

function sendError(res: Response, err: unknown): void {
  const { status, body } = toCdsErrorResponse(err);
  if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
  res.status(status).json(body);
}

/** Builds the router. It never listens; the lead mounts it at CDS_HOOKS_PATH. */
export function createCdsHooksRouter(deps: CdsHooksDeps): Router {
  const { config, logger } = deps;
  const fetchImpl = deps.fetch ?? globalThis.fetch;
  const cache = config.cacheTtlSeconds > 0 ? createInsightCache(config.cacheTtlSeconds * 1000) : NO_CACHE;
  const handlerDeps: HandlerDeps = { ...deps, fetch: fetchImpl, cache };
  const verifier =
    deps.verifier ??
    createEhrJwtVerifier({
      trustedIssuers: config.trustedIssuers,
      clockSkewSeconds: config.clockSkewSeconds,
      maxTokenLifetimeSeconds: config.maxTokenLifetimeSeconds,
      replay: deps.replay ?? memoryJtiCache(),
      fetch: fetchImpl,
    });
  const services = new Map(CDS_SERVICES.map((s) => [s.id, s]));
  const router = express.Router();
  const locals = (res: Response) => res.locals as Locals;
  const urlOf = (req: Request, path: string) => `${config.publicBaseUrl}${req.baseUrl}${path}`;

  const authenticate = (audiences: (req: Request) => string[]) => async (req: Request, res: Response, next: NextFunction) => {
    try {
      const header = req.get('authorization') ?? '';
      const match = /^Bearer\s+([A-Za-z0-9\-_.=]+)$/i.exec(header);
      if (!match) throw unauthenticated('send the EHR JWT as Authorization: Bearer');
      locals(res).caller = await verifier.verify(match[1]!, audiences(req));
      next();
    } catch (err) {
      logger.info({ requestId: req.get('x-request-id'), reason: err instanceof CdsHooksError ? err.message : 'error' }, 'cds caller refused');
      next(err);
    }
  };

  const findService = (req: Request, res: Response, next: NextFunction) => {
    const service = services.get(String(req.params.id));
    if (!service) return next(new CdsHooksError(CdsErrorCode.NOT_FOUND, `no CDS service ${String(req.params.id).slice(0, 64)} here; see GET ${CDS_HOOKS_PATH}`));
    locals(res).service = service;
    next();
  };

  const requireJson = (req: Request, _res: Response, next: NextFunction) => {
    if (!req.is('application/json')) return next(new CdsHooksError(CdsErrorCode.UNSUPPORTED_MEDIA_TYPE, 'send application/json'));
    next();
  };
  const parseJson = express.json({ limit: config.maxBodyBytes, type: 'application/json', strict: true });

  router.get(
    '/',
    authenticate((req) => [urlOf(req, '')]),
    (_req, res) => {
      res.json(discoveryDocument());
    },
  );

  router.post(
    '/:id',
    authenticate((req) => [urlOf(req, `/${String(req.params.id)}`)]),
    findService,
    requireJson,
    parseJson,
    async (req, res, next) => {
      const started = performance.now();
      const service = locals(res).service!;
      const caller = locals(res).caller;
      const requestId = req.get('x-request-id');
      let request: HookRequest | undefined;
      try {
        request = parseHookRequest(req.body, service.hook);
        const answer: HookAnswer =
          service.hook === 'patient-view'
            ? await answerPatientView(handlerDeps, service, request as HookRequest<'patient-view'>)
            : await answerOrderCheck(handlerDeps, service, request as HookRequest<'order-select' | 'order-sign'>);
        const patientId = request.context.patientId;
        if (answer.patient) {
          await deps.store.saveCards({
            serviceId: service.id,
            hook: service.hook,
            hookInstance: request.hookInstance,
            patientId,
            storedRecord: answer.patient.stored,
            cards: answer.cards,
          });
          await deps.audit?.({ requestId: requestId ?? '', serviceId: service.id, hook: service.hook, hookInstance: request.hookInstance, patientId, ...(caller ? { client: caller.iss } : {}), userId: request.context.userId, outcome: 'success' });
        }
        logger.info(
          {
            requestId,
            serviceId: service.id,
            hookInstance: request.hookInstance,
            patientId,
            storedRecord: answer.patient?.stored ?? null,
            sources: answer.patient?.sources ?? {},
            cards: answer.cards.map((c) => c.kind),
            ms: Math.round(performance.now() - started),
          },
          'cds hook answered',
        );
        res.json({ cards: answer.cards.map((c) => c.card) });
      } catch (err) {
        if (request && err instanceof CdsHooksError) {
          logger.info({ requestId, serviceId: service.id, hookInstance: request.hookInstance, patientId: request.context.patientId, code: err.code }, 'cds hook refused');
        }
        next(err);
      }
    },
  );

  router.post(
    '/:id/feedback',
    // the spec names the "CDS Service endpoint" as aud: the feedback URL itself, or its service's URL
    authenticate((req) => [urlOf(req, `/${String(req.params.id)}/feedback`), urlOf(req, `/${String(req.params.id)}`)]),
    findService,
    requireJson,
    parseJson,
    async (req, res, next) => {
      try {
        const service = locals(res).service!;
        const items = parseFeedback(req.body);
        const added = await deps.store.saveFeedback(service.id, items, locals(res).caller?.iss);
        logger.info({ requestId: req.get('x-request-id'), serviceId: service.id, items: items.length, added, cards: items.map((i) => i.card) }, 'cds feedback stored');
        res.status(200).end();
      } catch (err) {
        next(err);
      }
    },
  );

  router.use((_req: Request, _res: Response, next: NextFunction) => next(new CdsHooksError(CdsErrorCode.NOT_FOUND, `unknown CDS Hooks path; see GET ${CDS_HOOKS_PATH}`)));

  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const known = fromHttpLayer(err) ?? err;
    if (!(known instanceof CdsHooksError) && !isDomainError(known)) {
      logger.error({ err, requestId: req.get('x-request-id') }, 'unexpected error on /cds-services');
    }
    sendError(res, known);
  });
  return router;
}
