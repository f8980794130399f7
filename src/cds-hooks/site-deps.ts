/**
 * Builds CdsHooksDeps from a site's services (app.ts `Services`), its database and logger: the
 * one place that knows how the CDS Hooks folder meets the rest. app.ts calls it when mounting.
 */
import type { Resource } from '@medplum/fhirtypes';
import { loadCodeTables, type McodeCodeTables } from '../clinical/mcode/code-tables.ts';
import { mapClinicalSummary } from '../clinical/mcode/map-clinical-summary.ts';
import type { Logger } from '../logging/logger.ts';
import type { Database } from '../storage/port.ts';
import type { CdsHooksConfig } from './cds-config.ts';
import { databaseCdsStore } from './cds-store.ts';
import type { CdsHooksDeps } from './deps.ts';
import { databaseJtiCache } from './jti-replay-cache.ts';

export interface CdsSiteOptions {
  db: Database;
  logger: Logger;
  config: CdsHooksConfig;
  /** the site's code tables, when already loaded */
  codes?: McodeCodeTables;
  fetch?: typeof globalThis.fetch;
  audit?: CdsHooksDeps['audit'];
}

/** Deps over a site: the database-backed card/feedback store and jti replay cache. */
export function cdsHooksDepsFromSite(services: Pick<CdsHooksDeps, 'clinical' | 'prognosis' | 'response' | 'models' | 'therapy' | 'trials'>, options: CdsSiteOptions): CdsHooksDeps {
  const codes = options.codes ?? loadCodeTables();
  return {
    config: options.config,
    logger: options.logger,
    store: databaseCdsStore(options.db),
    replay: databaseJtiCache(options.db),
    clinical: services.clinical,
    summarise: (patientId: string, resources: Resource[]) => mapClinicalSummary(patientId, resources, codes),
    prognosis: services.prognosis,
    response: services.response,
    models: services.models,
    therapy: services.therapy,
    trials: services.trials,
    drugNames: new Map([...codes.antineoplasticRxnorm].map(([code, name]) => [code, name.toLowerCase()])),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.audit ? { audit: options.audit } : {}),
  };
}
