/**
 * What the CDS Hooks router needs from the rest of the site: narrow slices of the existing
 * services (app.ts `Services`), the site's mCODE mapper, and its store. Nothing else is reached.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { ClinicalService, StoredSummary } from '../clinical/clinical-service.ts';
import type { ClinicalSummary } from '../clinical/mcode/types.ts';
import type { ModelRegistry } from '../inference/model-registry.ts';
import type { PrognosisService } from '../inference/prognosis-predictions.ts';
import type { ResponseService } from '../inference/response-predictions.ts';
import type { Logger } from '../logging/logger.ts';
import type { TherapyService } from '../therapy/therapy-service.ts';
import type { TrialService } from '../trials/trial-service.ts';
import type { CdsHooksConfig } from './cds-config.ts';
import type { CdsStore } from './cds-store.ts';
import type { EhrJwtVerifier } from './ehr-jwt.ts';
import type { JtiReplayCache } from './jti-replay-cache.ts';

/** One audit record per hook call that touched a patient (the lead wires it to src/audit). */
export interface CdsAuditRecord {
  requestId: string;
  serviceId: string;
  hook: string;
  hookInstance: string;
  patientId: string;
  /** the verified EHR (JWT iss), when authentication is on */
  client?: string;
  userId?: string;
  outcome: 'success' | 'failure';
}

export interface CdsHooksDeps {
  config: CdsHooksConfig;
  logger: Logger;
  /** cards issued and feedback received (tables cds_card, cds_feedback) */
  store: CdsStore;
  /** the site's stored clinical summaries; patients are keyed by the FHIR id of their imported record */
  clinical: Pick<ClinicalService, 'summaries'>;
  /** the site's mCODE mapper, for records supplied by the EHR (src/clinical/mcode) */
  summarise: (patientId: string, resources: Resource[]) => ClinicalSummary;
  prognosis: PrognosisService;
  response: ResponseService;
  models: Pick<ModelRegistry, 'has'>;
  therapy: Pick<TherapyService, 'suggest' | 'knowledgeBase'>;
  trials: Pick<TrialService, 'matchingTrials' | 'matchResearchStudies'>;
  /** RxNorm code → ingredient name (lower case) of the anticancer drugs the site knows */
  drugNames: ReadonlyMap<string, string>;
  /** JWT verifier; built from config.trustedIssuers with `replay` and `fetch` when absent */
  verifier?: EhrJwtVerifier;
  /** jti replay cache for the built verifier; in memory when absent (give databaseJtiCache(db) in production) */
  replay?: JtiReplayCache;
  /** reads JWKS documents and the EHR's FHIR server; globalThis.fetch when absent */
  fetch?: typeof globalThis.fetch;
  audit?: (record: CdsAuditRecord) => Promise<void>;
}

export type { StoredSummary };
