import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

export interface SecurityHeadersOptions {
  /** the path GraphiQL is served on (GET with `Accept: text/html`); its page gets the looser CSP */
  graphiqlPath?: string;
  /** whether GraphiQL is served at all (development); off, every response gets the API's CSP */
  graphiql?: boolean;
  /** Strict-Transport-Security on requests that came over TLS (RFC 6797); off for plain-HTTP development */
  hsts?: boolean;
  hstsMaxAgeSeconds?: number;
  /** `Cache-Control: no-store` on API answers, which carry patient data (default on) */
  noStore?: boolean;
}

/**
 * The JSON API renders nothing, so its CSP allows nothing: a response that a browser is tricked
 * into rendering runs no script, loads nothing and cannot be framed.
 */
export const API_CSP = {
  'default-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
} as const;

/**
 * The GraphiQL page (development only) is one self-contained document from
 * @graphql-yoga/render-graphiql: two inline scripts, inline styles, data: fonts and icons, and
 * Monaco's editor workers started from blob: URLs. Nothing is loaded from another host.
 * 'unsafe-inline' is needed because the inline scripts depend on the page's options; no eval is used.
 */
export const GRAPHIQL_CSP = {
  'default-src': ["'self'"],
  'script-src': ["'self'", "'unsafe-inline'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'worker-src': ["'self'", 'blob:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
} as const;

const toHelmetDirectives = (csp: Record<string, readonly string[]>) =>
  Object.fromEntries(Object.entries(csp).map(([k, v]) => [k, [...v]])) as Record<string, string[]>;

function helmetWith(csp: Record<string, readonly string[]>): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: toHelmetDirectives(csp) },
    // HSTS is set below, only on TLS requests: on plain HTTP the header is ignored anyway (RFC 6797 §7.2)
    strictTransportSecurity: false,
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'deny' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    // COEP would stop GraphiQL's blob: workers in some browsers and gives a JSON API nothing
    crossOriginEmbedderPolicy: false,
  }) as unknown as RequestHandler;
}

/**
 * Security headers for every response, through helmet (https://helmetjs.github.io/):
 * a CSP (API_CSP, or GRAPHIQL_CSP for the GraphiQL page), `X-Content-Type-Options: nosniff`,
 * `Referrer-Policy: no-referrer`, `frame-ancestors 'none'` and `X-Frame-Options: DENY`, HSTS on
 * TLS requests, and `Cache-Control: no-store` on API answers.
 */
export function createSecurityHeaders(options: SecurityHeadersOptions = {}): RequestHandler {
  const { graphiqlPath = '/graphql', graphiql = false, hsts = true, hstsMaxAgeSeconds = 365 * 24 * 3600, noStore = true } = options;
  const api = helmetWith(API_CSP);
  const page = helmetWith(GRAPHIQL_CSP);
  return (req: Request, res: Response, next: NextFunction) => {
    // yoga serves GraphiQL to a GET whose Accept names text/html
    const isGraphiql = graphiql && req.method === 'GET' && req.path === graphiqlPath && (req.get('accept') ?? '').includes('text/html');
    if (hsts && req.secure) res.setHeader('Strict-Transport-Security', `max-age=${hstsMaxAgeSeconds}; includeSubDomains`);
    if (noStore && !isGraphiql) res.setHeader('Cache-Control', 'no-store');
    (isGraphiql ? page : api)(req, res, next);
  };
}
