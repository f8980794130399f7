import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Principal } from '../auth/principal.ts';
import { BoundedMap } from '../caching/bounded-map.ts';
import { burstOf, RateLimitSchema, type RateLimitSettings } from './hardening-config.ts';

export interface RateLimitOptions extends Partial<RateLimitSettings> {
  /** the clock, in milliseconds (tests move it by hand) */
  now?: () => number;
  /** requests that are never counted (health checks); by default /health and /ready */
  skip?: (req: Request) => boolean;
  /** the policy's name in the RateLimit headers */
  policy?: string;
}

interface Bucket {
  tokens: number;
  /** when `tokens` was last brought up to date, in ms */
  at: number;
}

/** The key a request is counted under: its OAuth client once authenticated, else its address. */
export function rateLimitKeyOf(req: Request, res: Response): string {
  const principal = res.locals.principal as Principal | undefined;
  if (principal?.clientId) return `client:${principal.clientId}`;
  // `trust proxy` is off in app.ts, so req.ip is the socket's peer, not a header a client can forge
  return `ip:${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`;
}

const isFhirPath = (req: Request) => /^\/fhir(\/|$|\?)/.test(req.originalUrl);

const defaultSkip = (req: Request) => req.method === 'GET' && (req.path === '/health' || req.path === '/ready');

/**
 * Per-client rate limiting with a token bucket: a client may send `burst` requests at once and
 * `perMinute` a minute sustained. Mount it after the middleware that sets `res.locals.principal`
 * (auth's `authenticate`), so callers are counted by client id; anonymous calls are counted by
 * address. Refusals are 429 with Retry-After (RFC 9110 §10.2.3); every counted answer carries
 * RateLimit-Policy and RateLimit (draft-ietf-httpapi-ratelimit-headers-09). Buckets live in memory,
 * at most `maxClients` of them, the least recently seen dropped first; a node behind a load
 * balancer limits each replica separately.
 */
export function createRateLimiter(options: RateLimitOptions = {}): RequestHandler {
  const { now = Date.now, skip = defaultSkip, policy = 'default', ...given } = options;
  const settings = RateLimitSchema.parse(given);
  const capacity = burstOf(settings);
  const perMs = settings.perMinute / 60_000;
  const buckets = new BoundedMap<string, Bucket>(settings.maxClients);
  const policyHeader = `"${policy}";q=${settings.perMinute};w=60`;

  return (req: Request, res: Response, next: NextFunction) => {
    if (settings.perMinute === 0 || skip(req)) {
      next();
      return;
    }
    const key = rateLimitKeyOf(req, res);
    const t = now();
    const found = buckets.get(key);
    const bucket: Bucket = found ? { tokens: Math.min(capacity, found.tokens + Math.max(0, t - found.at) * perMs), at: t } : { tokens: capacity, at: t };
    // delete then set keeps the map in least-recently-seen order, so eviction drops idle clients
    buckets.delete(key);
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    buckets.set(key, bucket);

    const remaining = Math.floor(bucket.tokens);
    // seconds until the bucket is full again (RateLimit `t`), and until one more request fits (Retry-After)
    const untilFull = Math.ceil((capacity - bucket.tokens) / perMs / 1000);
    res.setHeader('RateLimit-Policy', policyHeader);
    res.setHeader('RateLimit', `"${policy}";r=${remaining};t=${untilFull}`);
    if (allowed) {
      next();
      return;
    }
    const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
    res.setHeader('Retry-After', String(retryAfter));
    const message = `too many requests; retry in ${retryAfter} s`;
    if (isFhirPath(req)) {
      // FHIR clients read an OperationOutcome; `throttled` is its issue type for this case
      res.status(429).type('application/fhir+json').send(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'throttled', diagnostics: message }] }));
      return;
    }
    res.status(429).json({ errors: [{ message, extensions: { code: 'RATE_LIMITED', retryAfterSeconds: retryAfter } }] });
  };
}
