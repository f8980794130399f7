import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { badInput } from '../errors/domain-error.ts';
import { ROLE_CLAIM } from './principal.ts';
import { isRole, ROLE_POLICIES, type Role } from './roles.ts';
import { formatScope, parseScopes, type SmartScope } from './scopes.ts';
import type { SiteKey } from './site-key.ts';

/** The claims of an access token this site signs. */
export interface AccessTokenClaims {
  issuer: string;
  audience: string;
  /** the user, or the client for Backend Services */
  subject: string;
  clientId: string;
  role: Role;
  /** space-separated granted scopes */
  scope: string;
  patient?: string;
  ttlSeconds: number;
}

export interface SignedToken {
  token: string;
  tokenId: string;
  expiresAt: Date;
}

/**
 * Signs an access token in the JWT profile of RFC 9068 (`typ: at+jwt`, iss, sub, aud, client_id,
 * scope, jti, iat, exp), with the Sangam role as the private claim `sangam_role`.
 */
export async function signAccessToken(siteKey: SiteKey, claims: AccessTokenClaims, now: Date = new Date()): Promise<SignedToken> {
  const iat = Math.floor(now.getTime() / 1000);
  const tokenId = randomUUID();
  const token = await new SignJWT({
    client_id: claims.clientId,
    scope: claims.scope,
    [ROLE_CLAIM]: claims.role,
    ...(claims.patient !== undefined ? { patient: claims.patient } : {}),
  })
    .setProtectedHeader({ alg: siteKey.alg, kid: siteKey.kid, typ: 'at+jwt' })
    .setIssuer(claims.issuer)
    .setSubject(claims.subject)
    .setAudience(claims.audience)
    .setJti(tokenId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + claims.ttlSeconds)
    .sign(siteKey.privateKey);
  return { token, tokenId, expiresAt: new Date((iat + claims.ttlSeconds) * 1000) };
}

/** Local tokens live at most an hour: they are for the CLI, tests and the development banner. */
export const MAX_LOCAL_TOKEN_TTL_SECONDS = 3600;

export interface LocalTokenOptions {
  role: Role;
  /** a patient-context token: held to this one patient */
  patient?: string;
  /** space-separated SMART scopes; default: the role's (roles.ts), in `patient/` form with a patient */
  scopes?: string;
  /** default 900, at most 3600 */
  ttlSeconds?: number;
  /** this site's issuer and the audience its verifier expects */
  issuer: string;
  audience: string;
  /** default `local:<role>` */
  subject?: string;
  now?: Date;
}

export interface LocalToken extends SignedToken {
  role: Role;
  scope: string;
  patient?: string;
}

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

function defaultScopes(role: Role, patient: string | undefined): SmartScope[] {
  const scopes = parseScopes(ROLE_POLICIES[role].defaultScopes).scopes;
  return patient === undefined ? scopes : scopes.map((s) => (s.context === 'user' ? { ...s, context: 'patient' } : s));
}

/**
 * Mints a short-lived token signed by the site's own key, for `sangam auth token --role ROLE
 * [--patient ID]` and the token development mode prints on start. The site verifier accepts it
 * because the site is always one of its trusted issuers.
 */
export async function mintLocalToken(siteKey: SiteKey, options: LocalTokenOptions): Promise<LocalToken> {
  if (!isRole(options.role)) throw badInput(`unknown role; use one of ${Object.keys(ROLE_POLICIES).join(', ')}`);
  const ttl = options.ttlSeconds ?? 900;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_LOCAL_TOKEN_TTL_SECONDS) {
    throw badInput(`ttlSeconds must be a whole number from 1 to ${MAX_LOCAL_TOKEN_TTL_SECONDS}`);
  }
  if (options.patient !== undefined && !FHIR_ID.test(options.patient)) throw badInput('patient must be a FHIR id');
  let scopes: SmartScope[];
  if (options.scopes !== undefined) {
    const parsed = parseScopes(options.scopes);
    if (parsed.other.length > 0) throw badInput(`not SMART clinical scopes: ${parsed.other.join(' ')}`);
    scopes = parsed.scopes;
  } else {
    scopes = defaultScopes(options.role, options.patient);
  }
  const scope = scopes.map(formatScope).join(' ');
  const signed = await signAccessToken(
    siteKey,
    {
      issuer: options.issuer,
      audience: options.audience,
      subject: options.subject ?? `local:${options.role}`,
      clientId: 'sangam-local',
      role: options.role,
      scope,
      ...(options.patient !== undefined ? { patient: options.patient } : {}),
      ttlSeconds: ttl,
    },
    options.now,
  );
  return { ...signed, role: options.role, scope, ...(options.patient !== undefined ? { patient: options.patient } : {}) };
}
