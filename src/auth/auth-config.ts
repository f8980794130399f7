import type { JSONWebKeySet } from 'jose';
import { z } from 'zod';
import { ConfigError, type Config } from '../config/config.ts';
import { ROLES } from './roles.ts';
import type { SiteKey } from './site-key.ts';
import type { TrustedIssuer } from './token-verifier.ts';

/** Authentication settings, resolved from the environment by checkAuthConfig. */
export interface AuthConfig {
  /** this site's issuer: `iss` of the tokens it signs, base of its token and JWKS URLs */
  issuer: string;
  /** the `aud` every access token must carry */
  audience: string;
  /** `{issuer}/auth/token` */
  tokenUrl: string;
  /** issuers trusted besides the site itself (a hospital IdP, an EHR's authorization server) */
  trustedIssuers: TrustedIssuer[];
  clockSkewSeconds: number;
  accessTokenTtlSeconds: number;
  /** development mode prints a local token on start */
  printDevelopmentToken: boolean;
}

/** The environment variables read here, each named in the error when its value is wrong. */
export const AUTH_ENV = {
  issuer: 'SANGAM_AUTH_ISSUER',
  audience: 'SANGAM_AUTH_AUDIENCE',
  trustedIssuers: 'SANGAM_AUTH_TRUSTED_ISSUERS',
  clockSkewSeconds: 'SANGAM_AUTH_CLOCK_SKEW_SECONDS',
  accessTokenTtlSeconds: 'SANGAM_AUTH_TOKEN_TTL_SECONDS',
} as const;

const httpUrl = z.url({ protocol: /^https?$/ }).max(2048);

const trustedIssuerSchema = z
  .strictObject({
    issuer: z.string().min(1).max(2048),
    jwksUri: httpUrl.optional(),
    jwks: z.strictObject({ keys: z.array(z.looseObject({ kty: z.string() })).min(1) }).optional(),
    role: z.enum(ROLES).optional(),
  })
  .refine((i) => (i.jwksUri === undefined) !== (i.jwks === undefined), 'give exactly one of jwksUri and jwks');

const numberSetting = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

function fail(variable: string, message: string): never {
  throw new ConfigError(`invalid setting ${variable}: ${message}`);
}

function parse<T>(variable: string, schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    fail(variable, `${issue?.path.length ? `${issue.path.join('.')}: ` : ''}${issue?.message ?? 'invalid'}`);
  }
  return r.data;
}

const defined = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);

/**
 * Reads and checks the authentication settings. Auth is always on; in production nothing is
 * trusted by default: the site's public https issuer and at least one trusted issuer with its
 * JWKS must be configured, or start-up fails naming the variable. In development and tests the
 * issuer defaults to the listening address and only the site's own key is trusted.
 */
export function checkAuthConfig(env: NodeJS.ProcessEnv, config: Pick<Config, 'env' | 'host' | 'port'>): AuthConfig {
  const production = config.env === 'production';
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const issuerText = defined(env[AUTH_ENV.issuer]);
  if (production && issuerText === undefined) fail(AUTH_ENV.issuer, 'production needs the https URL clients reach this site at');
  const issuer = parse(AUTH_ENV.issuer, httpUrl, issuerText ?? `http://${host}:${config.port}`).replace(/\/+$/, '');
  if (production && !issuer.startsWith('https://')) fail(AUTH_ENV.issuer, 'production needs an https URL');
  const audience = parse(AUTH_ENV.audience, z.string().min(1).max(2048), defined(env[AUTH_ENV.audience]) ?? issuer);

  const trustedText = defined(env[AUTH_ENV.trustedIssuers]);
  let trustedJson: unknown = [];
  if (trustedText !== undefined) {
    try {
      trustedJson = JSON.parse(trustedText);
    } catch {
      fail(AUTH_ENV.trustedIssuers, 'not JSON: expected [{"issuer": "...", "jwksUri": "https://..."}]');
    }
  }
  const trusted = parse(AUTH_ENV.trustedIssuers, z.array(trustedIssuerSchema).max(32), trustedJson);
  if (production) {
    if (trusted.length === 0) fail(AUTH_ENV.trustedIssuers, 'production needs at least one trusted issuer with its JWKS');
    const plain = trusted.find((t) => t.jwksUri !== undefined && !t.jwksUri.startsWith('https://'));
    if (plain) fail(AUTH_ENV.trustedIssuers, `the JWKS of ${plain.issuer} must be fetched over https`);
  }
  const seen = new Set<string>();
  for (const t of trusted) {
    if (seen.has(t.issuer)) fail(AUTH_ENV.trustedIssuers, `issuer ${t.issuer} is listed twice`);
    seen.add(t.issuer);
  }
  return {
    issuer,
    audience,
    tokenUrl: `${issuer}/auth/token`,
    trustedIssuers: trusted.map((t) => ({
      issuer: t.issuer,
      ...(t.jwksUri !== undefined ? { jwksUri: t.jwksUri } : {}),
      ...(t.jwks !== undefined ? { jwks: t.jwks as JSONWebKeySet } : {}),
      ...(t.role !== undefined ? { role: t.role } : {}),
    })),
    clockSkewSeconds: parse(AUTH_ENV.clockSkewSeconds, numberSetting(0, 300, 60), defined(env[AUTH_ENV.clockSkewSeconds])),
    accessTokenTtlSeconds: parse(AUTH_ENV.accessTokenTtlSeconds, numberSetting(60, 3600, 300), defined(env[AUTH_ENV.accessTokenTtlSeconds])),
    printDevelopmentToken: config.env === 'development',
  };
}

/**
 * The verifier's issuer list: the site itself (its key, read once from the database) and the
 * configured issuers. When the site's own issuer is also configured, its entry is taken from the
 * site key rather than fetched over the network.
 */
export function verifierIssuers(auth: AuthConfig, siteKey: SiteKey | (() => Promise<SiteKey>)): TrustedIssuer[] {
  const jwks = typeof siteKey === 'function' ? async () => (await siteKey()).jwks : siteKey.jwks;
  return [{ issuer: auth.issuer, jwks }, ...auth.trustedIssuers.filter((t) => t.issuer !== auth.issuer)];
}
