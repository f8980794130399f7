/**
 * The site's side of the wire: signs each request with a fresh envelope, sends it (outbound HTTPS
 * only, as hospital firewalls allow), checks the coordinator's signature on the answer against the
 * pinned key, and turns a refusal into a {@link FederationRequestError} carrying its reason code.
 */
import type { KeyObject } from 'node:crypto';
import type { z } from 'zod';
import { DomainError, ErrorCode } from '../../errors/domain-error.ts';
import { ENVELOPE_HEADER, encodeEnvelopeHeader, RESPONSE_SIGNATURE_HEADER, signEnvelope, verifyResponse, type Envelope } from './envelope.ts';

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string }) => Promise<Response>;

export interface FederationClientOptions {
  /** base URL of the coordinator, e.g. https://coordinator.example.org */
  coordinatorUrl: string;
  siteId: string;
  federationId: string;
  /** the site's Ed25519 identity key */
  privateKey: KeyObject;
  /** the coordinator's pinned Ed25519 public key */
  coordinatorPublicKey: KeyObject;
  fetch?: FetchLike;
  /** milliseconds since the epoch; tests move it */
  now?: () => number;
}

/** A signed request ready to send (and, in tests, to send twice). */
export interface PreparedRequest {
  url: string;
  path: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  envelope: Envelope;
}

/** A refusal or failure of a federation request; `reason` is the coordinator's code when it gave one. */
export class FederationRequestError extends DomainError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly status: number,
    readonly reason: string,
  ) {
    super(code, message);
    this.name = 'FederationRequestError';
  }
}

export interface FederationClient {
  readonly siteId: string;
  readonly federationId: string;
  /** Signs a POST of `body` to `path` (under the coordinator URL), bound to `roundId`. */
  prepare(path: string, roundId: string | null, body: unknown): PreparedRequest;
  /** Sends a prepared request; returns the status and the parsed JSON, signature checked on success. */
  send(request: PreparedRequest): Promise<{ status: number; json: unknown }>;
  /** prepare + send + parse the answer with `schema`; refusals throw FederationRequestError. */
  call<T>(path: string, roundId: string | null, body: unknown, schema: z.ZodType<T>): Promise<{ status: number; body: T }>;
}

const codes = new Set<string>(Object.values(ErrorCode));

/** Creates the signing client a site participant talks through. */
export function createFederationClient(options: FederationClientOptions): FederationClient {
  const base = new URL(options.coordinatorUrl);
  const doFetch: FetchLike = options.fetch ?? ((url, init) => fetch(url, init));
  const now = options.now ?? Date.now;

  const prepare = (path: string, roundId: string | null, body: unknown): PreparedRequest => {
    const url = new URL(path.replace(/^\//, ''), base.href.endsWith('/') ? base.href : `${base.href}/`);
    const text = JSON.stringify(body);
    const envelope = signEnvelope(
      { method: 'POST', path: url.pathname, siteId: options.siteId, federationId: options.federationId, roundId, body: text, issuedAt: now() },
      options.privateKey,
    );
    return {
      url: url.href,
      path: url.pathname,
      method: 'POST',
      headers: { 'content-type': 'application/json', [ENVELOPE_HEADER]: encodeEnvelopeHeader(envelope) },
      body: text,
      envelope,
    };
  };

  const send = async (request: PreparedRequest): Promise<{ status: number; json: unknown }> => {
    let res: Response;
    try {
      res = await doFetch(request.url, { method: request.method, headers: request.headers, body: request.body });
    } catch (err) {
      throw Object.assign(new FederationRequestError(ErrorCode.UNAVAILABLE, `the coordinator could not be reached: ${(err as Error).message}`, 0, 'UNREACHABLE'), { cause: err });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new FederationRequestError(ErrorCode.UPSTREAM_FAILED, `the coordinator answered ${res.status} with a body that is not JSON`, res.status, 'BAD_RESPONSE');
    }
    if (res.ok && !verifyResponse(request.method, request.path, request.envelope.nonce, res.status, text, res.headers.get(RESPONSE_SIGNATURE_HEADER), options.coordinatorPublicKey)) {
      throw new FederationRequestError(ErrorCode.UPSTREAM_FAILED, 'the answer does not carry the pinned coordinator signature', res.status, 'BAD_COORDINATOR_SIGNATURE');
    }
    return { status: res.status, json };
  };

  return {
    siteId: options.siteId,
    federationId: options.federationId,
    prepare,
    send,
    async call(path, roundId, body, schema) {
      const { status, json } = await send(prepare(path, roundId, body));
      if (status >= 400) throw refusal(status, json);
      const parsed = schema.safeParse(json);
      if (!parsed.success) throw new FederationRequestError(ErrorCode.UPSTREAM_FAILED, `the coordinator's answer to ${path} does not fit its schema`, status, 'BAD_RESPONSE');
      return { status, body: parsed.data };
    },
  };
}

function refusal(status: number, json: unknown): FederationRequestError {
  const error = (json as { error?: { code?: unknown; reason?: unknown; message?: unknown } } | null)?.error;
  const code = typeof error?.code === 'string' && codes.has(error.code) ? (error.code as ErrorCode) : ErrorCode.UPSTREAM_FAILED;
  const reason = typeof error?.reason === 'string' ? error.reason.slice(0, 64) : 'UNKNOWN';
  const message = typeof error?.message === 'string' ? error.message.slice(0, 500) : `the coordinator answered ${status}`;
  return new FederationRequestError(code, message, status, reason);
}
