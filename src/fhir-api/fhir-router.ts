import { readFileSync } from 'node:fs';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import type { ClinicalService, ImportResult } from '../clinical/clinical-service.ts';
import { DomainError, ErrorCode, isDomainError, notFound } from '../errors/domain-error.ts';
import { toOperationOutcome } from '../errors/operation-outcome.ts';
import type { Logger } from '../logging/logger.ts';
import type { AuditRecorder } from '../audit/audit-recorder.ts';
import { parseAuditSearchParams } from '../audit/audit-search-params.ts';
import { searchAuditEvents } from '../audit/search-audit-events.ts';
import { assertPatientAccess, patientOfResource } from '../auth/authorize.ts';
import { principalOf, requireAuth } from '../auth/require-auth.ts';
import { requirements } from '../auth/requirements.ts';
import type { TokenVerifier } from '../auth/token-verifier.ts';
import type { SqlClient } from '../storage/port.ts';
import { auditRest } from './rest-audit.ts';

export interface FhirRouterOptions {
  clinical: ClinicalService;
  /** the store the audit log is searched in */
  db: SqlClient;
  audit: AuditRecorder;
  verifier: TokenVerifier;
  /** answers CodeX `ResearchStudy/$match` */
  matchResearchStudies: (patientBundle: unknown) => Promise<unknown>;
  logger: Logger;
  maxBodyBytes: number;
}

const FHIR_JSON = 'application/fhir+json';
const CAPABILITY_STATEMENT = new URL('../../fhir/capability-statement.json', import.meta.url);

function sendFhir(res: Response, status: number, body: unknown): void {
  res.status(status).type(FHIR_JSON).send(JSON.stringify(body));
}

/** The transaction-response (or batch-response) Bundle for an import. */
export function toResponseBundle(result: ImportResult): Bundle {
  const type = result.kind === 'batch' ? 'batch-response' : 'transaction-response';
  const entry: BundleEntry[] = result.entries.map((e) => ({
    response: {
      status: e.outcome === 'created' ? '201 Created' : '200 OK',
      location: `${e.resourceType}/${e.id}/_history/${e.version}`,
      etag: `W/"${e.version}"`,
    },
  }));
  return { resourceType: 'Bundle', type, entry };
}

/**
 * A small FHIR-style REST surface: `POST /fhir` imports a Bundle or a resource, `GET /fhir/metadata`
 * returns the CapabilityStatement, and `GET /fhir/{type}/{id}` reads a stored resource.
 * Errors are OperationOutcomes.
 */
export function createFhirRouter(options: FhirRouterOptions): Router {
  const router = express.Router();
  const capability = JSON.parse(readFileSync(CAPABILITY_STATEMENT, 'utf8')) as unknown;

  router.get('/metadata', (_req, res) => sendFhir(res, 200, capability));

  const requireJson = (req: Request, _res: Response, next: NextFunction) => {
    if (!req.is(['application/json', FHIR_JSON])) {
      next(new DomainError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, `send ${FHIR_JSON}`));
      return;
    }
    next();
  };
  const parseJson = express.json({ limit: options.maxBodyBytes, type: ['application/json', FHIR_JSON], strict: true });

  const { verifier, audit } = options;
  // the request has failed already; a failed audit write of that failure is logged, not thrown twice
  const auditFailed = (err: unknown) => options.logger.error({ err }, 'audit write failed');
  const importRequirement = requirements['POST /fhir'];
  // the role is checked before the body is read; the scopes, which depend on the Bundle's types, after
  const importCaller = requireAuth(verifier, { ...importRequirement, needs: [] });
  router.post('/', importCaller, requireJson, parseJson, requireAuth(verifier, importRequirement), async (req, res, next) => {
    const op = { name: 'POST /fhir', interaction: 'transaction' } as const;
    try {
      const result = await options.clinical.importBundle(req.body, 'rest');
      await auditRest(audit, req, res, op, result.patientIds);
      sendFhir(res, 200, toResponseBundle(result));
    } catch (err) {
      await auditRest(audit, req, res, op, [], err).catch(auditFailed);
      next(err);
    }
  });

  // CodeX trial matching: a patient Bundle in, a searchset Bundle of ResearchStudy out (nothing is stored)
  router.post('/ResearchStudy/\\$match', requireAuth(verifier, requirements['POST /fhir/ResearchStudy/$match']), requireJson, parseJson, async (req, res, next) => {
    const op = { name: 'POST /fhir/ResearchStudy/$match', interaction: 'operation' } as const;
    try {
      const answer = await options.matchResearchStudies(req.body);
      // the patient came in the request and is not stored here: the event names no stored patient
      await auditRest(audit, req, res, op, []);
      sendFhir(res, 200, answer);
    } catch (err) {
      await auditRest(audit, req, res, op, [], err).catch(auditFailed);
      next(err);
    }
  });

  // the audit log as FHIR AuditEvent, for admins (searching it is itself recorded)
  router.get('/AuditEvent', requireAuth(verifier, requirements['GET /fhir/AuditEvent']), async (req, res, next) => {
    const op = { name: 'GET /fhir/AuditEvent', interaction: 'search-type' } as const;
    try {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(req.query)) for (const one of Array.isArray(v) ? v : [v]) if (typeof one === 'string') params.append(k, one);
      const bundle = await searchAuditEvents(options.db, parseAuditSearchParams(params), { baseUrl: `${req.protocol}://${req.get('host') ?? 'localhost'}${req.baseUrl}` });
      await auditRest(audit, req, res, op, []);
      sendFhir(res, 200, bundle);
    } catch (err) {
      next(err);
    }
  });

  router.get('/:type/:id', requireAuth(verifier, requirements['GET /fhir/:type/:id']), async (req, res, next) => {
    const resource = `${req.params.type}/${req.params.id}`;
    const op = { name: 'GET /fhir/:type/:id', interaction: 'read' } as const;
    try {
      const found = await options.clinical.resource(String(req.params.type), String(req.params.id));
      if (!found) throw notFound(`${resource} is not stored at this site`);
      const patient = patientOfResource(found.content as unknown as Record<string, unknown>);
      const principal = principalOf(res);
      if (principal) assertPatientAccess(principal, patient);
      await auditRest(audit, req, res, { ...op, resource }, patient ? [patient] : []);
      res.setHeader('ETag', `W/"${found.version}"`);
      sendFhir(res, 200, { ...found.content, meta: { ...found.content.meta, versionId: String(found.version), lastUpdated: found.lastUpdated } });
    } catch (err) {
      await auditRest(audit, req, res, op, [], err).catch(auditFailed);
      next(err);
    }
  });

  router.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const domain = fromBodyParser(err) ?? err;
    if (isDomainError(domain)) {
      sendFhir(res, domain.httpStatus, toOperationOutcome(domain));
      return;
    }
    options.logger.error({ err }, 'unexpected error on /fhir');
    sendFhir(res, 500, toOperationOutcome(err));
  });
  return router;
}

/** Body-parser failures become domain errors: too large (413) or not JSON (400). */
export function fromBodyParser(err: unknown): DomainError | undefined {
  const type = (err as { type?: string } | null)?.type;
  if (type === 'entity.too.large') return new DomainError(ErrorCode.PAYLOAD_TOO_LARGE, 'request body is larger than the limit');
  if (type === 'entity.parse.failed') return new DomainError(ErrorCode.BAD_INPUT, 'request body is not valid JSON');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return new DomainError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'unsupported body encoding');
  return undefined;
}
