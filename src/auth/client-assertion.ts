import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTVerifyGetKey,
} from 'jose';
import type { SqlClient } from '../storage/port.ts';
import { rememberAssertionJti } from './assertion-replay.ts';
import type { ClientRegistry, RegisteredClient } from './client-registry.ts';
import { invalidClient } from './oauth-error.ts';

/** The only client_assertion_type of private_key_jwt (RFC 7523 §2.2). */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** SMART client-confidential-asymmetric: assertions are signed RS384 or ES384. */
export const ASSERTION_ALGORITHMS = ['RS384', 'ES384'] as const;

/** SMART: an assertion's exp "SHALL be no more than five minutes in the future". */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;

export interface AssertionCheckOptions {
  db: SqlClient;
  clients: ClientRegistry;
  /** the token endpoint's own URL: the `aud` the assertion must carry */
  tokenUrl: string;
  clockSkewSeconds: number;
  now: Date;
  /** per JWKS URL, the cached remote key set */
  remoteKeySets: Map<string, JWTVerifyGetKey>;
  fetch?: typeof globalThis.fetch;
}

/** Why jose refused an assertion, without quoting it. */
function reasonOf(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'the client assertion has expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `the client assertion's ${err.claim} claim is not acceptable`;
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the client assertion signature does not verify';
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
    return "exactly one key of the client's JWKS must match the assertion's kid and alg";
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return 'the client assertion must be signed RS384 or ES384';
  // a JWKS URL that times out, refuses or answers something other than a key set
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || !(err instanceof errors.JOSEError)) {
    return "the client's registered JWKS URL could not be read";
  }
  return 'the client assertion cannot be verified';
}

function keySetFor(client: RegisteredClient, options: AssertionCheckOptions): JWTVerifyGetKey {
  if (client.jwks) return createLocalJWKSet(client.jwks);
  const uri = client.jwksUri as string;
  let remote = options.remoteKeySets.get(uri);
  if (!remote) {
    const fetchImpl = options.fetch ?? globalThis.fetch;
    remote = createRemoteJWKSet(new URL(uri), {
      headers: { accept: 'application/json' },
      // a non-200 answer surfaces as a plain Error, which reasonOf reports as an unreadable JWKS URL
      [customFetch]: async (url, init) => {
        const res = await fetchImpl(url, init);
        if (res.status !== 200) throw new Error(`JWKS URL answered HTTP ${res.status}`);
        return res;
      },
    });
    options.remoteKeySets.set(uri, remote);
  }
  return remote;
}

/**
 * Authenticates a client by its private_key_jwt assertion, following SMART's "FHIR Authorization
 * Server Obligations" and RFC 7523 §3: alg RS384/ES384 with a kid, iss = sub = a registered
 * client_id (and the client_id parameter when sent), a jku only if it is the registered JWKS URL,
 * aud = this token URL, exp at most five minutes ahead, a jti never seen before for this client.
 * Every failure is `invalid_client`.
 */
export async function authenticateClient(assertion: string, clientIdParam: string | undefined, options: AssertionCheckOptions): Promise<RegisteredClient> {
  let header;
  let claims;
  try {
    header = decodeProtectedHeader(assertion);
    claims = decodeJwt(assertion);
  } catch {
    throw invalidClient('client_assertion is not a JWT');
  }
  if (!(ASSERTION_ALGORITHMS as readonly string[]).includes(String(header.alg))) {
    throw invalidClient('the client assertion must be signed RS384 or ES384');
  }
  if (typeof header.kid !== 'string' || header.kid.length === 0) throw invalidClient('the client assertion header needs a kid');
  const iss = claims.iss;
  if (typeof iss !== 'string' || iss.length === 0 || iss.length > 128 || claims.sub !== iss) {
    throw invalidClient('the client assertion needs iss and sub equal to the client_id');
  }
  if (clientIdParam !== undefined && clientIdParam !== iss) throw invalidClient('client_id does not match the client assertion');
  const client = await options.clients.find(iss);
  if (!client) throw invalidClient('unknown client');
  if (header.jku !== undefined && header.jku !== client.jwksUri) {
    throw invalidClient("the assertion's jku is not the JWKS URL registered for this client");
  }
  let payload;
  try {
    ({ payload } = await jwtVerify(assertion, keySetFor(client, options), {
      algorithms: [...ASSERTION_ALGORITHMS],
      issuer: client.clientId,
      subject: client.clientId,
      audience: options.tokenUrl,
      requiredClaims: ['exp', 'jti'],
      clockTolerance: options.clockSkewSeconds,
      currentDate: options.now,
    }));
  } catch (err) {
    throw invalidClient(reasonOf(err));
  }
  const nowSeconds = options.now.getTime() / 1000;
  const exp = payload.exp as number;
  if (exp > nowSeconds + MAX_ASSERTION_LIFETIME_SECONDS + options.clockSkewSeconds) {
    throw invalidClient('the client assertion expires more than five minutes from now');
  }
  if (typeof payload.iat === 'number' && payload.iat > nowSeconds + options.clockSkewSeconds) {
    throw invalidClient('the client assertion was issued in the future (iat)');
  }
  const jti = payload.jti;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) throw invalidClient('the client assertion needs a jti of at most 256 characters');
  // recorded only once the signature holds, so nobody can burn another client's jti
  const keepUntil = new Date((exp + options.clockSkewSeconds) * 1000);
  if (!(await rememberAssertionJti(options.db, client.clientId, jti, keepUntil, options.now))) {
    throw invalidClient('the client assertion was already used (jti)');
  }
  return client;
}
