import { ASSERTION_ALGORITHMS } from './client-assertion.ts';

export interface SmartConfigurationOptions {
  tokenUrl: string;
  /** where the site's public signing keys are (`/.well-known/jwks.json`) */
  jwksUrl: string;
}

/** The discovery document, per SMART App Launch 2 "Metadata" (conformance.html#metadata). */
export interface SmartConfiguration {
  token_endpoint: string;
  jwks_uri: string;
  grant_types_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  token_endpoint_auth_signing_alg_values_supported: string[];
  scopes_supported: string[];
  capabilities: string[];
}

/**
 * `/.well-known/smart-configuration` for a Backend Services-only server: client_credentials with
 * private_key_jwt (RS384, ES384), v2 scopes with v1 accepted. There is no authorization endpoint,
 * so no launch or PKCE fields.
 */
export function smartConfiguration(options: SmartConfigurationOptions): SmartConfiguration {
  return {
    token_endpoint: options.tokenUrl,
    jwks_uri: options.jwksUrl,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGORITHMS],
    // what a client may ask for; each client is granted only the part it was registered for
    scopes_supported: ['system/*.cruds', 'system/Patient.rs', 'system/Observation.rs', 'system/Observation.cu', 'system/Media.cu', 'system/Consent.c', 'system/ResearchStudy.rs', 'system/AuditEvent.rs'],
    capabilities: ['client-confidential-asymmetric', 'permission-v2', 'permission-v1'],
  };
}
