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
import { createGraphqlHandler } from './graphql/yoga.ts';
import type { Logger } from './logging/logger.ts';
import type { Database } from './storage/port.ts';

export interface AppDeps {
  config: Config;
  db: Database;
  logger: Logger;
}

export interface Site extends Services {
  app: Express;
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

  const yoga = createGraphqlHandler({ ...services, logger, graphiql: config.env !== 'production', maxUploadBytes: config.limits.maxUploadBytes });
  app.use(
    yoga.graphqlEndpoint,
    express.json({ limit: config.limits.maxBodyBytes, type: ['application/json', 'application/graphql+json'] }),
    // yoga is itself a node request listener; express hands it (req, res) as its server context
    yoga as unknown as RequestHandler,
  );
  app.use('/fhir', createFhirRouter({ clinical, logger, maxBodyBytes: config.limits.maxBodyBytes, matchResearchStudies: (bundle) => services.trials.matchResearchStudies(bundle) }));

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const domain = fromBodyParser(err) ?? err;
    if (isDomainError(domain)) {
      res.status(domain.httpStatus).json({ errors: [{ message: domain.message, extensions: { code: domain.code } }] });
      return;
    }
    logger.error({ err }, 'unexpected http error');
    res.status(500).json({ errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
  });
  return { app, ...services };
}
