/**
 * Authentication and authorisation: SMART Backend Services token endpoint, bearer-token
 * verification, SMART v1/v2 scopes, roles and the per-operation requirements. Only app.ts, the
 * CLI and the GraphQL context should need this file.
 */
export { checkAuthConfig, verifierIssuers, AUTH_ENV, type AuthConfig } from './auth-config.ts';
export { authorize, isAuthorized, assertPatientAccess, patientOfResource } from './authorize.ts';
export { backendServicesClient, discoverTokenUrl, type BackendServicesClient, type BackendServicesClientOptions } from './backend-services-client.ts';
export { registerClient, findClient, removeClient, databaseClientRegistry, type ClientRegistration, type RegisteredClient, type ClientRegistry } from './client-registry.ts';
export { mintLocalToken, signAccessToken, MAX_LOCAL_TOKEN_TTL_SECONDS, type LocalToken, type LocalTokenOptions } from './local-token.ts';
export { OAuthError, OAuthErrorCode } from './oauth-error.ts';
export { principalFromClaims, ROLE_CLAIM, type Principal } from './principal.ts';
export { requireAuth, authenticate, principalFromRequest, principalOf, bearerTokenOf } from './require-auth.ts';
export { requirements, requirementPresets, requirementFor, resourceTypesOf, type OperationRequirement, type Requirement, type OperationName, type OperationArgs } from './requirements.ts';
export { ROLES, ROLE_POLICIES, isRole, type Role } from './roles.ts';
export { parseScope, parseScopes, formatScope, hasScope, intersectScopes, type SmartScope, type ScopeNeed } from './scopes.ts';
export { createSiteAuth, type SiteAuth, type SiteAuthOptions } from './site-auth.ts';
export { loadOrCreateSiteKey, loadOrCreateSiteKeyFile, lazySiteKey, SITE_KEY_FILE, type SiteKey } from './site-key.ts';
export { smartConfiguration } from './smart-configuration.ts';
export { createTokenEndpoint, type TokenEndpointOptions } from './token-endpoint.ts';
export { createTokenVerifier, ACCESS_TOKEN_ALGORITHMS, type TokenVerifier, type TrustedIssuer } from './token-verifier.ts';
