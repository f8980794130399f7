import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { JWTVerifyGetKey } from 'jose';
import type { Logger } from '../logging/logger.ts';
import type { SqlClient } from '../storage/port.ts';
import { authenticateClient, JWT_BEARER_ASSERTION_TYPE } from './client-assertion.ts';
import { databaseClientRegistry, type ClientRegistry } from './client-registry.ts';
import { signAccessToken } from './local-token.ts';
import { invalidClient, OAuthError, OAuthErrorCode } from './oauth-error.ts';
import { intersectScopes, parseScopes } from './scopes.ts';
import { smartConfiguration } from './smart-configuration.ts';
import type { SiteKey } from './site-key.ts';

export interface TokenEndpointOptions {
  db: SqlClient;
  /** the site key, or its loader (lazySiteKey) when the router is built before the database is read */
  signingKey: SiteKey | (() => Promise<SiteKey>);
  /** this site's issuer: the `iss` of its tokens, and the base of its URLs */
  issuer: string;
  /** the URL clients post to and put in their assertions' `aud`; default `{issuer}/auth/token` */
  tokenUrl?: string;
  /** the `aud` of issued tokens: what the site's verifier expects; default the issuer */
  audience?: string;
  /** where clients are looked up; default the auth_client table */
  clients?: ClientRegistry;
  /** SMART: "SHOULD NOT exceed 300"; default 300, at most 3600 */
  accessTokenTtlSeconds?: number;
  /** leeway on assertion times; default 60 */
  clockSkewSeconds?: number;
  /** fetch for clients' JWKS URLs */
  fetch?: typeof globalThis.fetch;
  now?: () => Date;
  logger?: Logger;
}

const FORM = 'application/x-www-form-urlencoded';
const PARAMS = ['grant_type', 'scope', 'client_assertion_type', 'client_assertion', 'client_id'] as const;
type Params = Partial<Record<(typeof PARAMS)[number], string>>;

function readParams(body: unknown): Params {
  const out: Params = {};
  const form = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  for (const name of PARAMS) {
    const v = form[name];
    if (v === undefined) continue;
    // RFC 6749 §3.2: "parameters MUST NOT be included more than once"
    if (typeof v !== 'string') throw new OAuthError(OAuthErrorCode.INVALID_REQUEST, `${name} must be sent once`);
    out[name] = v;
  }
  return out;
}

function sendJson(res: Response, status: number, body: unknown): void {
  // RFC 6749 §5.1: token responses are never cached
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  res.status(status).json(body);
}

/**
 * The SMART Backend Services token endpoint (https://hl7.org/fhir/smart-app-launch/backend-services.html)
 * with its discovery documents: `POST /auth/token`, `GET /.well-known/smart-configuration` (also
 * under `/fhir`, the FHIR base), and `GET /.well-known/jwks.json` (the site's public key).
 */
export function createTokenEndpoint(options: TokenEndpointOptions): Router {
  const base = options.issuer.replace(/\/+$/, '');
  const tokenUrl = options.tokenUrl ?? `${base}/auth/token`;
  const audience = options.audience ?? options.issuer;
  const ttl = options.accessTokenTtlSeconds ?? 300;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 3600) throw new Error('accessTokenTtlSeconds must be 1 to 3600');
  const skew = options.clockSkewSeconds ?? 60;
  const clients = options.clients ?? databaseClientRegistry(options.db);
  const signingKey = typeof options.signingKey === 'function' ? options.signingKey : async () => options.signingKey as SiteKey;
  const remoteKeySets = new Map<string, JWTVerifyGetKey>();
  const discovery = smartConfiguration({ tokenUrl, jwksUrl: `${base}/.well-known/jwks.json` });
  const router = express.Router();

  const sendDiscovery = (_req: Request, res: Response) => res.json(discovery);
  router.get('/.well-known/smart-configuration', sendDiscovery);
  router.get('/fhir/.well-known/smart-configuration', sendDiscovery);
  router.get('/.well-known/jwks.json', async (_req, res, next) => {
    try {
      res.setHeader('Cache-Control', 'public, max-age=300');
      res.json((await signingKey()).jwks);
    } catch (err) {
      next(err);
    }
  });

  router.post(
    '/auth/token',
    (req, _res, next) => next(req.is(FORM) ? undefined : new OAuthError(OAuthErrorCode.INVALID_REQUEST, `send ${FORM}`)),
    express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 }),
    async (req, res, next) => {
      try {
        const p = readParams(req.body);
        if (p.grant_type === undefined) throw new OAuthError(OAuthErrorCode.INVALID_REQUEST, 'grant_type is required');
        if (p.grant_type !== 'client_credentials') throw new OAuthError(OAuthErrorCode.UNSUPPORTED_GRANT_TYPE, 'only client_credentials is supported');
        if (p.client_assertion_type !== JWT_BEARER_ASSERTION_TYPE || p.client_assertion === undefined) {
          throw invalidClient(`authenticate with client_assertion_type ${JWT_BEARER_ASSERTION_TYPE} and a client_assertion`);
        }
        const now = options.now?.() ?? new Date();
        const client = await authenticateClient(p.client_assertion, p.client_id, {
          db: options.db,
          clients,
          tokenUrl,
          clockSkewSeconds: skew,
          now,
          remoteKeySets,
          ...(options.fetch ? { fetch: options.fetch } : {}),
        });
        if (p.scope === undefined || p.scope.trim() === '') throw new OAuthError(OAuthErrorCode.INVALID_SCOPE, 'scope is required');
        const requested = parseScopes(p.scope);
        if (requested.other.length > 0) {
          throw new OAuthError(OAuthErrorCode.INVALID_SCOPE, `not SMART clinical scopes: ${requested.other.slice(0, 5).join(' ')}`);
        }
        const granted = intersectScopes(requested.scopes, client.scopes);
        if (granted.length === 0) throw new OAuthError(OAuthErrorCode.INVALID_SCOPE, 'none of the requested scopes is authorised for this client');
        const scope = granted.map((s) => s.original).join(' ');
        const signed = await signAccessToken(
          await signingKey(),
          { issuer: options.issuer, audience, subject: client.clientId, clientId: client.clientId, role: client.role, scope, ttlSeconds: ttl },
          now,
        );
        options.logger?.info({ clientId: client.clientId, role: client.role, tokenId: signed.tokenId, scope }, 'access token issued');
        sendJson(res, 200, { access_token: signed.token, token_type: 'bearer', expires_in: ttl, scope });
      } catch (err) {
        next(err);
      }
    },
  );

  const ownPaths = new Set(['/auth/token', '/.well-known/jwks.json']);
  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    // an error raised before this router (another middleware's) is not the token endpoint's to render
    if (!ownPaths.has(req.path)) {
      next(err);
      return;
    }
    const type = (err as { type?: string } | null)?.type;
    const oauth =
      err instanceof OAuthError
        ? err
        : type === 'entity.too.large' || type === 'entity.parse.failed' || type === 'parameters.too.many' || type === 'charset.unsupported'
          ? new OAuthError(OAuthErrorCode.INVALID_REQUEST, 'the request body is not an acceptable form')
          : undefined;
    if (oauth) {
      options.logger?.info({ error: oauth.error, reason: oauth.message }, 'token request refused');
      sendJson(res, oauth.httpStatus, oauth.toJSON());
      return;
    }
    options.logger?.error({ err }, 'unexpected error at the token endpoint');
    sendJson(res, 500, { error: 'server_error', error_description: 'unexpected error' });
  });
  return router;
}
