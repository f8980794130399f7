/**
 * CDS Hooks 2.0 for the site (https://cds-hooks.hl7.org/2.0/): discovery, patient-view,
 * order-select and order-sign services, feedback as training labels, and EHR JWT verification.
 * Only app.ts (and the training side, for readCdsFeedbackLabels) should need this file.
 */
export { createCdsHooksRouter, CDS_HOOKS_PATH } from './cds-hooks-router.ts';
export { cdsHooksDepsFromSite, type CdsSiteOptions } from './site-deps.ts';
export type { CdsHooksDeps, CdsAuditRecord } from './deps.ts';
export { loadCdsHooksConfig, CdsHooksConfigSchema, CDS_ENV, type CdsHooksConfig, type CdsHooksConfigInput, type TrustedIssuer } from './cds-config.ts';
export { databaseCdsStore, readCdsFeedbackLabels, type CdsStore, type CdsFeedbackLabel, type ReadFeedbackOptions } from './cds-store.ts';
export { createEhrJwtVerifier, EHR_JWT_ALGORITHMS, type EhrJwtVerifier, type EhrCaller } from './ehr-jwt.ts';
export { databaseJtiCache, memoryJtiCache, type JtiReplayCache } from './jti-replay-cache.ts';
export { CDS_SERVICES, discoveryDocument, type CdsServiceDefinition } from './service-definitions.ts';
