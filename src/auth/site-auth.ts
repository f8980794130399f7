import type { Router } from 'express';
import type { Logger } from '../logging/logger.ts';
import type { SqlClient } from '../storage/port.ts';
import { verifierIssuers, type AuthConfig } from './auth-config.ts';
import { mintLocalToken, type LocalToken, type LocalTokenOptions } from './local-token.ts';
import { lazySiteKey, loadOrCreateSiteKeyFile, type SiteKey } from './site-key.ts';
import { createTokenEndpoint } from './token-endpoint.ts';
import { createTokenVerifier, type TokenVerifier } from './token-verifier.ts';

export interface SiteAuthOptions {
  db: SqlClient;
  auth: AuthConfig;
  /**
   * Keep the site key in this PGlite data directory (loadOrCreateSiteKeyFile) so the CLI can mint
   * tokens while the site runs; without it the key lives in the database.
   */
  keyDir?: string;
  /** fetch for remote JWKS (trusted issuers and clients' JWKS URLs) */
  fetch?: typeof globalThis.fetch;
  logger?: Logger;
}

/** The pieces of authentication one site node uses, built on one database and one AuthConfig. */
export interface SiteAuth {
  /** the site's signing key, read (or created) on first use */
  siteKey: () => Promise<SiteKey>;
  verifier: TokenVerifier;
  /** POST /auth/token, /.well-known/smart-configuration (also under /fhir), /.well-known/jwks.json */
  tokenRouter: Router;
  /** a local token of this site (CLI, tests, the development banner) */
  mintToken(options: Omit<LocalTokenOptions, 'issuer' | 'audience'>): Promise<LocalToken>;
}

/**
 * Wires the verifier and the token endpoint to the site key and the settings. Synchronous, so
 * createApp can call it; the key is read from the database when the first token is signed or checked.
 */
export function createSiteAuth(options: SiteAuthOptions): SiteAuth {
  const { auth } = options;
  const { keyDir } = options;
  const siteKey = lazySiteKey(keyDir !== undefined ? () => loadOrCreateSiteKeyFile(keyDir) : options.db);
  const verifier = createTokenVerifier({
    issuers: verifierIssuers(auth, siteKey),
    audience: auth.audience,
    clockSkewSeconds: auth.clockSkewSeconds,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const tokenRouter = createTokenEndpoint({
    db: options.db,
    signingKey: siteKey,
    issuer: auth.issuer,
    tokenUrl: auth.tokenUrl,
    audience: auth.audience,
    accessTokenTtlSeconds: auth.accessTokenTtlSeconds,
    clockSkewSeconds: auth.clockSkewSeconds,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return {
    siteKey,
    verifier,
    tokenRouter,
    mintToken: async (o) => mintLocalToken(await siteKey(), { ...o, issuer: auth.issuer, audience: auth.audience }),
  };
}
