import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { z } from 'zod';
import { badInput, DomainError, ErrorCode } from '../errors/domain-error.ts';
import { JWT_BEARER_ASSERTION_TYPE, MAX_ASSERTION_LIFETIME_SECONDS } from './client-assertion.ts';

export interface BackendServicesClientOptions {
  /** the EHR's token endpoint (discoverTokenUrl reads it from the FHIR server) */
  tokenUrl: string;
  clientId: string;
  /** the private JWK registered (as its public half) with the EHR; it must carry a kid */
  privateJwk: JWK;
  alg: 'RS384' | 'ES384';
  /** space-separated scopes, e.g. `system/Patient.rs system/Observation.rs` */
  scope: string;
  fetch?: typeof globalThis.fetch;
  now?: () => Date;
  /** fetch a new token this long before the old one expires; default 30 s */
  refreshMarginSeconds?: number;
}

/** What the EHR granted: the token and how it was scoped. */
export interface AccessGrant {
  accessToken: string;
  scope: string;
  expiresAt: Date;
}

export interface BackendServicesClient {
  /** A valid access token, from the cache while it has more than the refresh margin left. */
  accessToken(): Promise<string>;
  /** The current grant (fetching one if needed). */
  grant(): Promise<AccessGrant>;
  /** Drops the cached token, e.g. after the FHIR server answered 401. */
  invalidate(): void;
}

const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().regex(/^bearer$/i, 'token_type must be bearer'),
  expires_in: z.number().int().positive(),
  scope: z.string().optional(),
});

const errorResponseSchema = z.object({ error: z.string().max(64), error_description: z.string().max(500).optional() });

/**
 * Obtains access tokens from an EHR that speaks SMART Backend Services, for `sangam sync`
 * (https://hl7.org/fhir/smart-app-launch/backend-services.html#obtain-access-token): a one-time
 * private_key_jwt assertion (iss = sub = client_id, aud = the token URL, exp in 5 minutes, a fresh
 * jti), then client_credentials. Concurrent callers share one request; the token is cached.
 */
export function backendServicesClient(options: BackendServicesClientOptions): BackendServicesClient {
  if (typeof options.privateJwk.kid !== 'string' || options.privateJwk.kid === '') throw badInput('the private JWK needs a kid (SMART requires it in the assertion header)');
  if (options.privateJwk.d === undefined) throw badInput('privateJwk must be a private key');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const now = options.now ?? (() => new Date());
  const margin = (options.refreshMarginSeconds ?? 30) * 1000;
  let key: Promise<CryptoKey> | undefined;
  let cached: AccessGrant | undefined;
  let inFlight: Promise<AccessGrant> | undefined;

  async function assertion(): Promise<string> {
    key ??= importJWK(options.privateJwk, options.alg) as Promise<CryptoKey>;
    const iat = Math.floor(now().getTime() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: options.alg, kid: options.privateJwk.kid as string, typ: 'JWT' })
      .setIssuer(options.clientId)
      .setSubject(options.clientId)
      .setAudience(options.tokenUrl)
      .setIssuedAt(iat)
      .setExpirationTime(iat + MAX_ASSERTION_LIFETIME_SECONDS)
      .setJti(randomUUID())
      .sign(await key);
  }

  async function request(): Promise<AccessGrant> {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: options.scope,
      client_assertion_type: JWT_BEARER_ASSERTION_TYPE,
      client_assertion: await assertion(),
    });
    const sentAt = now();
    let res: Response;
    try {
      res = await fetchImpl(options.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(15_000),
      });
    } catch {
      throw new DomainError(ErrorCode.UPSTREAM_FAILED, 'the token endpoint could not be reached');
    }
    const json: unknown = await res.json().catch(() => undefined);
    if (!res.ok) {
      const e = errorResponseSchema.safeParse(json);
      const why = e.success ? `${e.data.error}${e.data.error_description ? `: ${e.data.error_description}` : ''}` : `HTTP ${res.status}`;
      throw new DomainError(ErrorCode.UPSTREAM_FAILED, `the token endpoint refused the request (${why})`);
    }
    const ok = tokenResponseSchema.safeParse(json);
    if (!ok.success) throw new DomainError(ErrorCode.UPSTREAM_FAILED, 'the token endpoint answered without a usable access token');
    return {
      accessToken: ok.data.access_token,
      // SMART: scope is required in the answer; an older server that omits it granted what was asked
      scope: ok.data.scope ?? options.scope,
      expiresAt: new Date(sentAt.getTime() + ok.data.expires_in * 1000),
    };
  }

  async function grant(): Promise<AccessGrant> {
    if (cached && cached.expiresAt.getTime() - margin > now().getTime()) return cached;
    inFlight ??= request().finally(() => (inFlight = undefined));
    cached = await inFlight;
    return cached;
  }

  return {
    grant,
    accessToken: async () => (await grant()).accessToken,
    invalidate: () => {
      cached = undefined;
    },
  };
}

const discoverySchema = z.object({
  token_endpoint: z.url(),
  grant_types_supported: z.array(z.string()).optional(),
  token_endpoint_auth_methods_supported: z.array(z.string()).optional(),
});

/**
 * Reads the EHR's token endpoint from `{fhirBase}/.well-known/smart-configuration` (SMART
 * conformance "Using well-known"), checking it offers client_credentials with private_key_jwt.
 */
export async function discoverTokenUrl(fhirBaseUrl: string, fetchImpl: typeof globalThis.fetch = globalThis.fetch): Promise<string> {
  const url = `${fhirBaseUrl.replace(/\/+$/, '')}/.well-known/smart-configuration`;
  let json: unknown;
  try {
    const res = await fetchImpl(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(15_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    json = await res.json();
  } catch {
    throw new DomainError(ErrorCode.UPSTREAM_FAILED, 'the FHIR server publishes no readable .well-known/smart-configuration');
  }
  const parsed = discoverySchema.safeParse(json);
  if (!parsed.success) throw new DomainError(ErrorCode.UPSTREAM_FAILED, 'the SMART configuration has no token_endpoint');
  const c = parsed.data;
  if (c.grant_types_supported && !c.grant_types_supported.includes('client_credentials')) {
    throw new DomainError(ErrorCode.UPSTREAM_FAILED, 'the FHIR server does not offer the client_credentials grant');
  }
  if (c.token_endpoint_auth_methods_supported && !c.token_endpoint_auth_methods_supported.includes('private_key_jwt')) {
    throw new DomainError(ErrorCode.UPSTREAM_FAILED, 'the FHIR server does not accept private_key_jwt client authentication');
  }
  return c.token_endpoint;
}
