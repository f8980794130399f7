import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { DomainError, ErrorCode } from '../errors/domain-error.ts';
import { authorize } from './authorize.ts';
import type { Principal } from './principal.ts';
import type { OperationArgs, OperationRequirement } from './requirements.ts';
import type { TokenVerifier } from './token-verifier.ts';

// RFC 6750 §2.1: "Bearer" 1*SP b64token; 8 KB is far above any token this service accepts
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
const MAX_AUTHORIZATION_LENGTH = 8192;

/** The bearer token of an Authorization header; undefined when there is none, UNAUTHENTICATED when malformed. */
export function bearerTokenOf(authorization: string | null | undefined): string | undefined {
  if (authorization === undefined || authorization === null || authorization === '') return undefined;
  const m = authorization.length <= MAX_AUTHORIZATION_LENGTH ? BEARER.exec(authorization) : null;
  if (!m) throw new DomainError(ErrorCode.UNAUTHENTICATED, 'the Authorization header must be "Bearer <token>"');
  return m[1];
}

/**
 * The caller of a request from its Authorization header, or undefined when it sent none (public
 * operations; authorize() refuses the rest). Works on an express request or a Fetch Headers
 * object (GraphQL Yoga's context).
 */
export async function principalFromRequest(
  verifier: TokenVerifier,
  req: { headers: { authorization?: string | undefined } } | { headers: Headers },
): Promise<Principal | undefined> {
  const header = req.headers instanceof Headers ? req.headers.get('authorization') : req.headers.authorization;
  const token = bearerTokenOf(header);
  return token === undefined ? undefined : verifier.verify(token);
}

/** The principal an earlier authenticate/requireAuth middleware stored on the response. */
export function principalOf(res: Response): Principal | undefined {
  return res.locals.principal as Principal | undefined;
}

function quoted(text: string): string {
  return text.replace(/["\\\r\n]/g, "'");
}

/** RFC 6750 §3: tell the client why, in the WWW-Authenticate header of a 401 or 403. */
function challenge(res: Response, err: unknown): void {
  if (!(err instanceof DomainError)) return;
  if (err.code === ErrorCode.UNAUTHENTICATED) {
    const hadToken = res.locals.authAttempted === true;
    res.setHeader('WWW-Authenticate', hadToken ? `Bearer realm="sangam", error="invalid_token", error_description="${quoted(err.message)}"` : 'Bearer realm="sangam"');
  } else if (err.code === ErrorCode.FORBIDDEN) {
    res.setHeader('WWW-Authenticate', `Bearer realm="sangam", error="insufficient_scope", error_description="${quoted(err.message)}"`);
  }
}

async function resolvePrincipal(verifier: TokenVerifier, req: Request, res: Response): Promise<Principal | undefined> {
  if ('principal' in res.locals) return principalOf(res);
  res.locals.authAttempted = req.headers.authorization !== undefined;
  const principal = await principalFromRequest(verifier, req);
  res.locals.principal = principal;
  return principal;
}

/**
 * Verifies the bearer token if there is one and keeps the principal for later middleware, without
 * requiring it. Mount it before a body parser so a bad token is refused before the body is read.
 */
export function authenticate(verifier: TokenVerifier): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    resolvePrincipal(verifier, req, res).then(
      () => next(),
      (err: unknown) => {
        challenge(res, err);
        next(err);
      },
    );
  };
}

/** Route params plus the parsed body: what a REST requirement's needs are computed from. */
function requestArgs(req: Request): OperationArgs {
  return { ...(req.params as Record<string, string>), body: req.body as unknown };
}

/**
 * Express middleware that lets a request through only when its caller meets the requirement
 * (authorize()). Failures go to `next(err)` as UNAUTHENTICATED (401) or FORBIDDEN (403) DomainErrors
 * with an RFC 6750 challenge header, so the router's own error handler renders them (an
 * OperationOutcome on /fhir). The principal is left in `res.locals.principal` for audit.
 */
export function requireAuth(
  verifier: TokenVerifier,
  requirement: OperationRequirement,
  argsOf: (req: Request) => OperationArgs = requestArgs,
): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (requirement.public === true) {
      next();
      return;
    }
    resolvePrincipal(verifier, req, res)
      .then((principal) => authorize(principal, requirement, argsOf(req)))
      .then(
        () => next(),
        (err: unknown) => {
          challenge(res, err);
          next(err);
        },
      );
  };
}
