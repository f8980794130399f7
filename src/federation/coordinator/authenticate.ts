/**
 * Checks a site request's envelope, in the order that reveals least to a stranger: the header's
 * shape, that the site is registered (and active) in the federation, the Ed25519 signature, that
 * the body is the one signed, that the time is within the allowed skew, and last that the nonce is
 * new. The nonce is remembered in PostgreSQL until the skew window has passed, so a coordinator
 * restart keeps refusing a replay; once the window has passed, the timestamp refuses it instead.
 */
import type { Database } from '../../storage/port.ts';
import { parseEnvelopeHeader, sha256Hex, verifyEnvelopeSignature, type Envelope } from '../protocol/envelope.ts';
import { publicKeyFromBase64 } from '../protocol/identity-keys.ts';
import { reject, RejectReason } from '../protocol/rejections.ts';
import { findSite, touchSite } from './registry-store.ts';
import { rememberNonce } from './round-store.ts';

/** How far a request's issuedAt may be from the coordinator's clock. */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** A request whose envelope has been verified. */
export interface AuthenticatedRequest {
  siteId: string;
  federationId: string;
  roundId: string | null;
  nonce: string;
}

export interface IncomingRequest {
  method: string;
  /** the URL path the coordinator received, without the query */
  path: string;
  /** the envelope header, if any */
  header: string | undefined;
  /** the raw body bytes */
  body: Uint8Array;
}

export interface AuthenticateOptions {
  now: number;
  maxClockSkewMs: number;
}

/** The claimed site of a request, for logging a refusal that happened before it was verified. */
export function claimedSite(header: string | undefined): { siteId?: string; federationId?: string } {
  try {
    const e = parseEnvelopeHeader(header);
    return { siteId: e.siteId, federationId: e.federationId };
  } catch {
    return {};
  }
}

/** Verifies the envelope of `request`, or throws the FederationRejection that says why not. */
export async function authenticateRequest(db: Database, request: IncomingRequest, options: AuthenticateOptions): Promise<AuthenticatedRequest> {
  const envelope: Envelope = parseEnvelopeHeader(request.header);
  if (envelope.method !== request.method || envelope.path !== request.path) {
    throw reject(RejectReason.BAD_SIGNATURE, `the envelope was signed for ${envelope.method} ${envelope.path}, not ${request.method} ${request.path}`);
  }
  const site = await findSite(db, envelope.federationId, envelope.siteId);
  if (!site) throw reject(RejectReason.UNKNOWN_SITE, `site ${envelope.siteId} is not registered in federation ${envelope.federationId}`);
  if (!verifyEnvelopeSignature(envelope, publicKeyFromBase64(site.publicKey))) {
    throw reject(RejectReason.BAD_SIGNATURE, `the envelope is not signed by site ${envelope.siteId}'s registered key`);
  }
  if (sha256Hex(request.body) !== envelope.bodySha256) throw reject(RejectReason.BAD_SIGNATURE, 'the body is not the one the envelope signs');
  if (Math.abs(envelope.issuedAt - options.now) > options.maxClockSkewMs) {
    throw reject(RejectReason.STALE, `the request was issued ${Math.round((options.now - envelope.issuedAt) / 1000)} s from the coordinator's time; at most ${options.maxClockSkewMs / 1000} s are allowed`);
  }
  // Kept a skew window past issuedAt: until then the timestamp alone would still let it through.
  const fresh = await rememberNonce(db, envelope.federationId, envelope.siteId, envelope.nonce, envelope.issuedAt + options.maxClockSkewMs);
  if (!fresh) throw reject(RejectReason.REPLAY, 'this request was already received (its nonce was used before)');
  // Suspension is checked after the signature so that only the site itself learns it is suspended.
  if (site.status !== 'active') throw reject(RejectReason.SITE_SUSPENDED, `site ${envelope.siteId} is suspended in federation ${envelope.federationId}`);
  await touchSite(db, envelope.federationId, envelope.siteId, options.now);
  return { siteId: envelope.siteId, federationId: envelope.federationId, roundId: envelope.roundId, nonce: envelope.nonce };
}
