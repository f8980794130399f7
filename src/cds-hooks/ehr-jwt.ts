/**
 * Verifies the JWT a CDS Client (the EHR) sends with every call, as CDS Hooks 2.0 "Trusting CDS
 * Clients" asks (https://cds-hooks.hl7.org/2.0/#trusting-cds-clients): `iss` on the allowlist,
 * `jku` (when sent) on that issuer's allowlist and the key read from it, else from the issuer's
 * configured JWKS URL; `aud` equal to the URL called; `exp`, `iat` and a `jti` never seen before;
 * signed ES384 or RS384 (the spec's recommendation), so `none` and HMAC are refused.
 */
import { createRemoteJWKSet, customFetch, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { TrustedIssuer } from './cds-config.ts';
import { unauthenticated } from './cds-errors.ts';
import type { JtiReplayCache } from './jti-replay-cache.ts';

export const EHR_JWT_ALGORITHMS = ['ES384', 'RS384'] as const;

export interface EhrJwtVerifierOptions {
  trustedIssuers: readonly TrustedIssuer[];
  clockSkewSeconds: number;
  maxTokenLifetimeSeconds: number;
  replay: JtiReplayCache;
  /** reads JWKS documents; tests serve keys through it */
  fetch?: typeof globalThis.fetch;
  now?: () => Date;
}

/** Who called, once the token has verified. */
export interface EhrCaller {
  iss: string;
  tenant?: string;
  /** the JWKS URL the key came from */
  keySet: string;
}

export interface EhrJwtVerifier {
  /** Verifies a bearer token for the URL called; throws an UNAUTHENTICATED CdsHooksError saying why. */
  verify(token: string, audience: string | readonly string[]): Promise<EhrCaller>;
}

/** Why jose refused a token, without quoting it. */
function reasonOf(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'the token has expired (exp)';
  if (err instanceof errors.JWTClaimValidationFailed) return `the token's ${err.claim} claim is not acceptable`;
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the token signature does not verify';
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) return "exactly one key of the issuer's JWKS must match the token's kid and alg";
  if (err instanceof errors.JOSEAlgNotAllowed) return 'the token must be signed ES384 or RS384';
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || !(err instanceof errors.JOSEError)) return "the issuer's JWKS could not be read";
  return 'the token cannot be verified';
}

/** Builds the verifier; remote key sets are cached per URL (jose honours their rotation by kid). */
export function createEhrJwtVerifier(options: EhrJwtVerifierOptions): EhrJwtVerifier {
  const keySets = new Map<string, JWTVerifyGetKey>();
  const now = options.now ?? (() => new Date());
  const byIss = new Map(options.trustedIssuers.map((t) => [t.iss, t]));

  const keySetFor = (url: string): JWTVerifyGetKey => {
    let set = keySets.get(url);
    if (!set) {
      const fetchImpl = options.fetch ?? globalThis.fetch;
      set = createRemoteJWKSet(new URL(url), {
        headers: { accept: 'application/json' },
        [customFetch]: async (u, init) => {
          const res = await fetchImpl(u, init);
          if (res.status !== 200) throw new Error(`JWKS URL answered HTTP ${res.status}`);
          return res;
        },
      });
      keySets.set(url, set);
    }
    return set;
  };

  return {
    async verify(token, audience) {
      let header: ReturnType<typeof decodeProtectedHeader>;
      let unverified: JWTPayload;
      try {
        header = decodeProtectedHeader(token);
        unverified = decodeJwt(token);
      } catch {
        throw unauthenticated('the bearer token is not a JWT');
      }
      if (!(EHR_JWT_ALGORITHMS as readonly string[]).includes(header.alg ?? '')) throw unauthenticated('the token must be signed ES384 or RS384');
      if (header.typ !== undefined && header.typ.toUpperCase() !== 'JWT') throw unauthenticated('the token typ must be JWT');
      if (!header.kid) throw unauthenticated('the token header must name its key (kid)');
      const issuer = typeof unverified.iss === 'string' ? byIss.get(unverified.iss) : undefined;
      if (!issuer) throw unauthenticated('the token issuer (iss) is not a trusted CDS client');
      if (header.jku !== undefined && !issuer.jkuAllowlist.includes(header.jku)) throw unauthenticated("the token's jku is not on the issuer's allowlist");
      const keySet = header.jku ?? issuer.jwksUrl;
      if (!keySet) throw unauthenticated('the issuer sends no jku and has no configured JWKS URL');

      const current = now();
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keySetFor(keySet), {
          algorithms: [...EHR_JWT_ALGORITHMS],
          issuer: issuer.iss,
          audience: typeof audience === 'string' ? audience : [...audience],
          clockTolerance: options.clockSkewSeconds,
          requiredClaims: ['iss', 'aud', 'exp', 'iat', 'jti'],
          currentDate: current,
        }));
      } catch (err) {
        throw unauthenticated(reasonOf(err));
      }
      const { exp, iat, jti } = payload as Required<Pick<JWTPayload, 'exp' | 'iat' | 'jti'>>;
      const nowSeconds = Math.floor(current.getTime() / 1000);
      if (iat > nowSeconds + options.clockSkewSeconds) throw unauthenticated('the token was issued in the future (iat)');
      if (exp - iat > options.maxTokenLifetimeSeconds) throw unauthenticated(`the token lives longer than ${options.maxTokenLifetimeSeconds} s (exp − iat)`);
      const tenant = typeof payload.tenant === 'string' ? payload.tenant : undefined;
      if (issuer.tenant !== undefined && tenant !== issuer.tenant) throw unauthenticated('the token tenant is not this site');
      const keepUntil = new Date((exp + options.clockSkewSeconds) * 1000);
      if (!(await options.replay.remember(issuer.iss, jti, keepUntil, current))) throw unauthenticated('the token has been used before (jti)');
      return { iss: issuer.iss, keySet, ...(tenant !== undefined ? { tenant } : {}) };
    },
  };
}
