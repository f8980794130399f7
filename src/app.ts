import { randomUUID } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { createClinicalService, type ClinicalService } from './clinical/clinical-service.ts';
import { loadCodeTables } from './clinical/mcode/code-tables.ts';
import { MAPPER_VERSION, mapClinicalSummary } from './clinical/mcode/map-clinical-summary.ts';
import type { Config } from './config/config.ts';
import { isDomainError } from './errors/domain-error.ts';
import { createGenomicsService, type GenomicsService } from './genomics/genomics-service.ts';
import { DEFAULT_LINE_LIMITS } from './genomics/vcf-lines.ts';
import { createModelRegistry, type ModelRegistry } from './inference/model-registry.ts';
import { createPrognosisService, type PrognosisService } from './inference/prognosis-predictions.ts';
import { createResponseService, RESPONSE_MODEL, type ResponseService } from './inference/response-predictions.ts';
import { createMutationService, type MutationService } from './inference/mutation-predictions.ts';
import { createPathologyService, type PathologyService } from './pathology/pathology-service.ts';
import { createFhirRouter, fromBodyParser } from './fhir-api/fhir-router.ts';
import { createConsentService, type ConsentService } from './federation/site-data/consent-service.ts';
import { createEquityService, type EquityService } from './equity/equity-service.ts';
import { createOutcomesService, type OutcomesService } from './outcomes/outcomes-service.ts';
import { createTherapyService, type TherapyService } from './therapy/therapy-service.ts';
import { createTrialService, type TrialService } from './trials/trial-service.ts';
import { createSiteFederationService, type SiteFederationService } from './federation/site/federation-view.ts';
import { createGraphqlHandler } from './graphql/yoga.ts';
import { AuditRecorder } from './audit/audit-recorder.ts';
import { AUDIT_SUCCESS } from './audit/build-audit-event.ts';
import { CDS_HOOKS_PATH, cdsHooksDepsFromSite, createCdsHooksRouter, loadCdsHooksConfig, type CdsAuditRecord, type CdsHooksConfig } from './cds-hooks/index.ts';
import { createHttpHardening, loadHardeningConfig, type HardeningConfig } from './http-hardening/index.ts';
import { authenticate, checkAuthConfig, createSiteAuth, requireAuth, requirements, type AuthConfig, type SiteAuth, type TokenVerifier } from './auth/index.ts';
import { pseudonymSecret } from './trials/cohort/site-secret.ts';
import type { Logger } from './logging/logger.ts';
import type { Database } from './storage/port.ts';

export interface AppDeps {
  config: Config;
  db: Database;
  logger: Logger;
  /** authentication settings (checkAuthConfig); default: development settings for the configured address */
  auth?: AuthConfig;
  /** CDS Hooks settings (loadCdsHooksConfig); default: this address, no EHR trusted yet */
  cds?: CdsHooksConfig;
  /** limits, rate limits, CORS and headers (loadHardeningConfig); default: the built-in limits, no CORS origin */
  hardening?: HardeningConfig;
  /** keep the site key as a file in this PGlite data directory (so the CLI can mint tokens while the site runs) */
  keyDir?: string;
}

export interface Site extends Services {
  app: Express;
  /** the site's key, token endpoint and verifier; `auth.mintToken` makes local tokens */
  auth: SiteAuth;
  /** the hash-chained audit log every patient access is written to */
  audit: AuditRecorder;
  authConfig: AuthConfig;
}

export interface Services {
  clinical: ClinicalService;
  genomics: GenomicsService;
  pathology: PathologyService;
  /** empty until the shipped models are loaded (`loadShippedModels`) */
  models: ModelRegistry;
  prognosis: PrognosisService;
  response: ResponseService;
  mutation: MutationService;
  consent: ConsentService;
  outcomes: OutcomesService;
  equity: EquityService;
  therapy: TherapyService;
  trials: TrialService;
  /** the federated training this node takes part in, as its own store records it */
  federation: SiteFederationService;
}

/** Wires the domain services to one Database and logger. */
export function createServices(deps: AppDeps): Services {
  const codes = loadCodeTables();
  const clinical = createClinicalService({
    db: deps.db,
    logger: deps.logger,
    summarise: (patientId, resources) => mapClinicalSummary(patientId, resources, codes),
    mapperVersion: MAPPER_VERSION,
    maxBundleEntries: deps.config.limits.maxBundleEntries,
  });
  const { limits } = deps.config;
  const genomics = createGenomicsService({
    db: deps.db,
    clinical,
    logger: deps.logger,
    limits: { ...DEFAULT_LINE_LIMITS, maxBytes: limits.maxUploadBytes },
    maxRecords: limits.maxVcfRecords,
  });
  const pathology = createPathologyService({
    db: deps.db,
    clinical,
    logger: deps.logger,
    ...(deps.config.tileEncoderCard ? { encoderCard: deps.config.tileEncoderCard } : {}),
    ...(deps.config.tileThreads ? { pool: { threads: deps.config.tileThreads } } : {}),
    maxTilesPerImport: limits.maxTilesPerImport,
  });
  const models = createModelRegistry({ db: deps.db, logger: deps.logger });
  const consent = createConsentService({ db: deps.db, clinical, logger: deps.logger });
  const response = createResponseService(models);
  return {
    clinical,
    genomics,
    pathology,
    models,
    prognosis: createPrognosisService(models),
    response,
    mutation: createMutationService(models, pathology),
    consent,
    outcomes: createOutcomesService({ db: deps.db, clinical, logger: deps.logger }),
    equity: createEquityService({ clinical, genomics, models, consent }),
    therapy: createTherapyService({ clinical, genomics, response, responseAvailable: () => models.has(RESPONSE_MODEL) }),
    federation: createSiteFederationService({ db: deps.db }),
    trials: createTrialService({
      db: deps.db,
      clinical,
      tables: codes,
      logger: deps.logger,
      summarise: (patientId, resources) => mapClinicalSummary(patientId, resources, codes),
      maxBundleEntries: limits.maxBundleEntries,
    }),
  };
}

/**
 * The composition root: builds the HTTP application from its dependencies. It never listens,
 * so tests build it freely.
 */
export function createApp(deps: AppDeps): Site {
  const { config, db, logger } = deps;
  const services = createServices(deps);
  const { clinical } = services;
  const authConfig = deps.auth ?? checkAuthConfig({}, config);
  const auth = createSiteAuth({ db, auth: authConfig, logger, ...(deps.keyDir !== undefined ? { keyDir: deps.keyDir } : {}) });
  const audit = new AuditRecorder(db, { source: { site: config.siteId, observer: authConfig.issuer } });
  // derived once from the site key (a failure is retried on the next call, not remembered)
  let secret: Promise<Uint8Array> | undefined;
  const pseudonymKey = () => {
    secret ??= auth.siteKey().then(pseudonymSecret);
    secret.catch(() => (secret = undefined));
    return secret;
  };
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);

  app.use((req: Request, res: Response, next: NextFunction) => {
    const incoming = req.get('x-request-id');
    const id = incoming && /^[A-Za-z0-9\-_.]{1,64}$/.test(incoming) ? incoming : randomUUID();
    req.headers['x-request-id'] = id;
    res.setHeader('X-Request-Id', id);
    next();
  });

  const graphiql = config.env !== 'production';
  const hardening = createHttpHardening({ config: deps.hardening ?? loadHardeningConfig({}), graphiql, logger });
  app.use(hardening.securityHeaders);
  // preflights never need a token
  app.use(hardening.cors);

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/ready', async (_req, res) => {
    try {
      await db.query('SELECT 1');
      res.json({ status: 'ready', database: db.kind });
    } catch (err) {
      logger.warn({ err }, 'readiness check failed');
      res.status(503).json({ status: 'unavailable', database: db.kind });
    }
  });

  // the caller of every request, when it sent a token (CDS Hooks verifies the EHR's own JWTs instead),
  // then the per-client rate limit, which counts by that caller
  const authenticateCaller = authenticate(auth.verifier);
  app.use((req, res, next) => (req.path.startsWith(CDS_HOOKS_PATH) ? next() : authenticateCaller(req, res, next)));
  app.use(hardening.rateLimit);

  // token endpoint and discovery first: they are public, and /fhir/.well-known must not reach the FHIR router
  app.use(auth.tokenRouter);

  const yoga = createGraphqlHandler({ ...services, logger, audit, pseudonymKey, graphiql, plugins: hardening.graphqlPlugins, maxUploadBytes: config.limits.maxUploadBytes });
  app.use(
    yoga.graphqlEndpoint,
    // the token is checked before the body is read; only the GraphiQL page itself is open
    graphqlGate(auth.verifier, graphiql),
    express.json({ limit: config.limits.maxBodyBytes, type: ['application/json', 'application/graphql+json'] }),
    // yoga is itself a node request listener; express hands it (req, res) as its server context
    yoga as unknown as RequestHandler,
  );
  // CDS Hooks verifies the EHR's own JWTs (not this site's tokens) and parses its own bodies
  const cds = deps.cds ?? loadCdsHooksConfig({}, { publicBaseUrl: authConfig.issuer }, config.env);
  app.use(CDS_HOOKS_PATH, createCdsHooksRouter(cdsHooksDepsFromSite(services, { db, logger, config: cds, audit: cdsAudit(audit) })));
  app.use('/fhir', createFhirRouter({ clinical, logger, db, audit, verifier: auth.verifier, maxBodyBytes: config.limits.maxBodyBytes, matchResearchStudies: (bundle) => services.trials.matchResearchStudies(bundle) }));

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const domain = fromBodyParser(err) ?? err;
    if (isDomainError(domain)) {
      res.status(domain.httpStatus).json({ errors: [{ message: domain.message, extensions: { code: domain.code } }] });
      return;
    }
    logger.error({ err }, 'unexpected http error');
    res.status(500).json({ errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
  });
  return { app, ...services, auth, audit, authConfig };
}

/** A CDS Hooks call as a BALP audit event: the EHR is the client, the hook instance the query. */
function cdsAudit(recorder: AuditRecorder): (record: CdsAuditRecord) => Promise<void> {
  return async (r) => {
    await recorder.record(
      { requestId: r.requestId, clientId: r.client ?? 'unauthenticated-ehr', ...(r.userId ? { userId: r.userId } : {}), role: 'ehr' },
      { channel: 'cds-hooks', name: r.serviceId, interaction: 'operation', query: `hook=${r.hook}` },
      [r.patientId],
      r.outcome === 'success' ? AUDIT_SUCCESS : { code: 4, description: 'CDS_HOOK_FAILED' },
    );
  };
}

/** GET of the GraphiQL page (a browser asking for HTML, no operation in the URL). */
function isGraphiqlPage(req: Request): boolean {
  return req.method === 'GET' && req.query.query === undefined && (req.get('accept') ?? '').includes('text/html');
}

/** Every GraphQL request needs a verified caller; each field then checks its own requirement. */
function graphqlGate(verifier: TokenVerifier, graphiql: boolean): RequestHandler {
  const gate = requireAuth(verifier, requirements['POST /graphql']);
  return (req, res, next) => {
    if (graphiql && isGraphiqlPage(req)) {
      next();
      return;
    }
    gate(req, res, next);
  };
}
