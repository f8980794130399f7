import type { NextFunction, Request, RequestHandler, Response } from 'express';

export interface CorsOptions {
  /** exact origins (scheme://host[:port]) a browser may call from; never a wildcard */
  origins: readonly string[];
  methods?: readonly string[];
  /** request headers a browser may send cross-origin (lower case) */
  allowHeaders?: readonly string[];
  /** response headers a cross-origin script may read */
  exposeHeaders?: readonly string[];
  /** how long a browser may cache a preflight answer, in seconds */
  maxAgeSeconds?: number;
}

const DEFAULT_METHODS = ['GET', 'POST', 'OPTIONS'] as const;
const DEFAULT_ALLOW_HEADERS = ['authorization', 'content-type', 'accept', 'x-request-id'] as const;
const DEFAULT_EXPOSE_HEADERS = ['ETag', 'Location', 'Retry-After', 'RateLimit', 'RateLimit-Policy', 'X-Request-Id', 'WWW-Authenticate'] as const;

function appendVary(res: Response, field: string): void {
  const current = res.getHeader('Vary');
  const list = typeof current === 'string' ? current.split(',').map((s) => s.trim()).filter(Boolean) : [];
  if (!list.some((v) => v.toLowerCase() === field.toLowerCase() || v === '*')) list.push(field);
  res.setHeader('Vary', list.join(', '));
}

/**
 * CORS with an allowlist of exact origins (https://fetch.spec.whatwg.org/#http-cors-protocol).
 * An allowed origin is echoed back, never `*`, and credentials are never allowed: callers
 * authenticate with bearer tokens, which a browser does not attach on its own. A preflight from an
 * allowed origin for an allowed method and headers is answered 204 here; any other preflight gets
 * 403 with no CORS headers. Other requests pass through, with CORS headers only for allowed
 * origins, so a browser withholds the answer from any other site's script.
 */
export function createCors(options: CorsOptions): RequestHandler {
  const origins = new Set(options.origins);
  if (origins.has('*') || origins.has('null')) throw new Error('a CORS allowlist holds exact origins, not "*" or "null"');
  const methods = (options.methods ?? DEFAULT_METHODS).map((m) => m.toUpperCase());
  const allowHeaders = (options.allowHeaders ?? DEFAULT_ALLOW_HEADERS).map((h) => h.toLowerCase());
  const expose = (options.exposeHeaders ?? DEFAULT_EXPOSE_HEADERS).join(', ');
  const maxAge = String(options.maxAgeSeconds ?? 600);

  return (req: Request, res: Response, next: NextFunction) => {
    const origin = req.get('origin');
    const preflight = req.method === 'OPTIONS' && req.get('access-control-request-method') !== undefined;
    // caches must keep answers for different origins apart, allowed or not
    appendVary(res, 'Origin');
    if (origin === undefined) {
      next();
      return;
    }
    const allowed = origins.has(origin);
    if (!preflight) {
      if (allowed) {
        res.setHeader('Access-Control-Allow-Origin', origin);
        res.setHeader('Access-Control-Expose-Headers', expose);
      }
      next();
      return;
    }
    appendVary(res, 'Access-Control-Request-Method');
    appendVary(res, 'Access-Control-Request-Headers');
    const method = (req.get('access-control-request-method') ?? '').toUpperCase();
    const asked = (req.get('access-control-request-headers') ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
    if (!allowed || !methods.includes(method) || !asked.every((h) => allowHeaders.includes(h))) {
      res.status(403).end();
      return;
    }
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Methods', methods.join(', '));
    res.setHeader('Access-Control-Allow-Headers', allowHeaders.join(', '));
    res.setHeader('Access-Control-Max-Age', maxAge);
    res.status(204).end();
  };
}
