import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import { DomainError, ErrorCode } from '../errors/domain-error.ts';
import { principalFromClaims, type Principal } from './principal.ts';
import { BoundedMap } from '../caching/bounded-map.ts';
import type { Role } from './roles.ts';

/**
 * Signature algorithms accepted on access tokens: SMART's RS384/ES384 and the common RS256,
 * ES256 and EdDSA. `none` and the HMAC family never verify: a shared secret would let anyone who
 * can verify also mint (CDS Hooks "Trusting CDS Clients" forbids them for the same reason).
 */
export const ACCESS_TOKEN_ALGORITHMS = ['RS384', 'ES384', 'RS256', 'ES256', 'EdDSA'] as const;

/** One trusted token issuer and where its public keys are. */
export interface TrustedIssuer {
  /** the exact `iss` value */
  issuer: string;
  /** its JWKS URL, fetched and cached (jose createRemoteJWKSet) */
  jwksUri?: string;
  /** or its JWK Set inline, or a loader of it (the site's own key, read from the database once) */
  jwks?: JSONWebKeySet | (() => Promise<JSONWebKeySet>);
  /**
   * The role of every token this issuer signs (e.g. `clinician` for the hospital's IdP). Without
   * one, the token's `sangam_role` claim decides: set it for any issuer that is not a Sangam site.
   */
  role?: Role;
}

export interface TokenVerifierOptions {
  issuers: readonly TrustedIssuer[];
  /** the `aud` an access token must carry: this resource server */
  audience: string | readonly string[];
  /** leeway on exp, nbf and iat (seconds) */
  clockSkewSeconds?: number;
  /** fetch for remote JWKS (tests serve one locally) */
  fetch?: typeof globalThis.fetch;
  /** the clock, for tests */
  now?: () => Date;
}

/** Verifies bearer access tokens into principals. */
export interface TokenVerifier {
  /** Throws UNAUTHENTICATED (untrusted, expired, forged) or FORBIDDEN (no role) DomainErrors. */
  verify(token: string): Promise<Principal>;
}

/** Verified tokens remembered (a few MB at most). */
const VERIFIED_CACHE_LIMIT = 10_000;

function unauthenticated(message: string): DomainError {
  return new DomainError(ErrorCode.UNAUTHENTICATED, message);
}

/** Why jose refused a token, in words that name no claim value. */
function reasonOf(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'the token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return 'the token is not meant for this service (aud)';
    if (err.claim === 'nbf') return 'the token is not valid yet (nbf)';
    if (err.claim === 'iat') return 'the token was issued in the future (iat)';
    return `the token's ${err.claim} claim is not acceptable`;
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return 'the token is signed with an algorithm this service does not accept';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the token signature does not verify';
  if (err instanceof errors.JWKSNoMatchingKey) return "no key of the issuer's JWKS matches the token";
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JOSEError) return 'the token cannot be verified';
  return 'the token cannot be verified';
}

/**
 * An OAuth 2.0 resource server's token check (RFC 6750, RFC 7519 §7.2): the issuer must be on the
 * allowlist, the signature must verify against that issuer's JWKS with an allowed algorithm, and
 * aud, exp, nbf and iat must hold within the clock skew.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const skew = options.clockSkewSeconds ?? 60;
  const byIssuer = new Map<string, { config: TrustedIssuer; keys: () => Promise<JWTVerifyGetKey> }>();
  for (const config of options.issuers) {
    if (byIssuer.has(config.issuer)) throw new Error(`issuer ${config.issuer} is listed twice`);
    byIssuer.set(config.issuer, { config, keys: keyResolver(config, options.fetch) });
  }
  const audience = typeof options.audience === 'string' ? options.audience : [...options.audience];
  // A token that verified stays good until it expires: its signature cannot change. Keeping the
  // principal saves a signature check (about a millisecond for ES384) on every request of a client
  // that reuses its token. A key the issuer withdraws keeps its tokens valid until their exp (at most
  // the tokens' lifetime, minutes), as with any cache of verified tokens.
  const verified = new BoundedMap<string, { principal: Principal; exp: number; iat: number | undefined }>(VERIFIED_CACHE_LIMIT);
  return {
    async verify(token) {
      const now = options.now?.() ?? new Date();
      const nowSeconds = now.getTime() / 1000;
      const hit = verified.get(token);
      if (hit) {
        if (nowSeconds <= hit.exp + skew && (hit.iat === undefined || hit.iat <= nowSeconds + skew)) return hit.principal;
        verified.delete(token);
      }
      let iss: unknown;
      try {
        // the issuer picks the key set, so it is read before the signature is checked; nothing
        // else from the unverified payload is used
        if (decodeProtectedHeader(token).alg === 'none') throw unauthenticated('unsigned tokens are not accepted');
        iss = decodeJwt(token).iss;
      } catch (err) {
        if (err instanceof DomainError) throw err;
        throw unauthenticated('the bearer token is not a JWT');
      }
      const trusted = typeof iss === 'string' ? byIssuer.get(iss) : undefined;
      if (!trusted) throw unauthenticated('the token issuer is not trusted by this service');
      let payload;
      try {
        ({ payload } = await jwtVerify(token, await trusted.keys(), {
          issuer: trusted.config.issuer,
          audience,
          algorithms: [...ACCESS_TOKEN_ALGORITHMS],
          clockTolerance: skew,
          requiredClaims: ['exp'],
          currentDate: now,
        }));
      } catch (err) {
        throw unauthenticated(reasonOf(err));
      }
      // jose checks iat only with maxTokenAge; a token from the future means a broken or forged issuer
      if (typeof payload.iat === 'number' && payload.iat > now.getTime() / 1000 + skew) {
        throw unauthenticated('the token was issued in the future (iat)');
      }
      const principal = principalFromClaims(payload, token, trusted.config.role);
      if (typeof payload.exp === 'number') verified.set(token, { principal, exp: payload.exp, iat: typeof payload.iat === 'number' ? payload.iat : undefined });
      return principal;
    },
  };
}

function keyResolver(config: TrustedIssuer, fetchImpl: typeof globalThis.fetch | undefined): () => Promise<JWTVerifyGetKey> {
  if (config.jwksUri !== undefined && config.jwks !== undefined) throw new Error(`issuer ${config.issuer}: give jwksUri or jwks, not both`);
  if (config.jwksUri !== undefined) {
    const remote = createRemoteJWKSet(new URL(config.jwksUri), {
      // keys are kept 10 minutes; an unknown kid (a rotation) refetches, at most every 30 seconds
      cacheMaxAge: 10 * 60_000,
      cooldownDuration: 30_000,
      ...(fetchImpl ? { [customFetch]: fetchImpl } : {}),
    });
    return async () => remote;
  }
  const source = config.jwks;
  if (source === undefined) throw new Error(`issuer ${config.issuer}: give jwksUri or jwks`);
  if (typeof source !== 'function') {
    const local = createLocalJWKSet(source);
    return async () => local;
  }
  let loaded: Promise<JWTVerifyGetKey> | undefined;
  return () => {
    loaded ??= source().then((jwks) => createLocalJWKSet(jwks));
    // a failed load is retried on the next token rather than cached
    loaded.catch(() => (loaded = undefined));
    return loaded;
  };
}
