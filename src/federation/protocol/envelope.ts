/**
 * The signed envelope every site request carries in the `sangam-envelope` header, and the signature
 * the coordinator puts on its answers in `sangam-signature`. A site signs, with its Ed25519 key, a
 * canonical encoding of the method, the path, its id, the federation, the round (or none), a fresh
 * 16-byte nonce, the time and the SHA-256 of the body, so a captured request cannot be replayed,
 * redirected to another round or given another body. The coordinator signs the SHA-256 of its
 * answer bound to the request's nonce, so an old answer cannot be served for a new question.
 */
import { createHash, randomBytes, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { RoundIdSchema, SiteIdSchema } from '../secagg/messages.ts';
import { signBytes, verifyBytes } from './identity-keys.ts';
import { reject, RejectReason } from './rejections.ts';

/** The request header holding the envelope, base64url JSON. */
export const ENVELOPE_HEADER = 'sangam-envelope';
/** The response header holding the coordinator's signature, base64. */
export const RESPONSE_SIGNATURE_HEADER = 'sangam-signature';
/** Largest accepted envelope header; a real one is about 400 bytes. */
export const MAX_ENVELOPE_HEADER_BYTES = 2048;
/** Bytes of randomness in a nonce. */
export const NONCE_BYTES = 16;

const REQUEST_LABEL = 'sangam/federation/v1/request';
const RESPONSE_LABEL = 'sangam/federation/v1/response';

export const FederationIdSchema = SiteIdSchema;
const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${2 * bytes}}$`), `must be ${bytes} bytes in lowercase hex`);

/** The signed fields of a request. */
export const EnvelopeSchema = z.strictObject({
  v: z.literal(1),
  method: z.enum(['GET', 'POST']),
  path: z.string().min(1).max(512).startsWith('/'),
  siteId: SiteIdSchema,
  federationId: FederationIdSchema,
  roundId: RoundIdSchema.nullable(),
  nonce: hex(NONCE_BYTES),
  /** milliseconds since the epoch, by the site's clock */
  issuedAt: z.number().int().nonnegative(),
  bodySha256: hex(32),
  /** Ed25519 over {@link envelopeSigningBytes}, base64 */
  signature: z.string().max(100),
});
export type Envelope = z.infer<typeof EnvelopeSchema>;
export type UnsignedEnvelope = Omit<Envelope, 'signature'>;

/**
 * Each part as a 2-byte big-endian length and its UTF-8 bytes, after a protocol label: length
 * prefixes keep ("a/b", "c") and ("a", "b/c") apart, and the label keeps a request signature from
 * ever verifying as a response signature.
 */
export function encodeParts(label: string, parts: readonly string[]): Buffer {
  const chunks: Buffer[] = [];
  for (const part of [label, ...parts]) {
    const bytes = Buffer.from(part, 'utf8');
    if (bytes.length > 0xffff) throw new RangeError('signed part longer than 65535 bytes');
    const length = Buffer.alloc(2);
    length.writeUInt16BE(bytes.length);
    chunks.push(length, bytes);
  }
  return Buffer.concat(chunks);
}

/** Lowercase hex SHA-256. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The bytes a site signs. A null round is the empty part, which no valid round id can be. */
export function envelopeSigningBytes(e: UnsignedEnvelope): Buffer {
  return encodeParts(REQUEST_LABEL, [String(e.v), e.method, e.path, e.siteId, e.federationId, e.roundId ?? '', e.nonce, String(e.issuedAt), e.bodySha256]);
}

export interface EnvelopeFields {
  method: Envelope['method'];
  path: string;
  siteId: string;
  federationId: string;
  roundId: string | null;
  body: Uint8Array | string;
  issuedAt: number;
}

/** Builds and signs the envelope of one request, with a fresh nonce. */
export function signEnvelope(fields: EnvelopeFields, privateKey: KeyObject): Envelope {
  const unsigned: UnsignedEnvelope = {
    v: 1,
    method: fields.method,
    path: fields.path,
    siteId: fields.siteId,
    federationId: fields.federationId,
    roundId: fields.roundId,
    nonce: randomBytes(NONCE_BYTES).toString('hex'),
    issuedAt: fields.issuedAt,
    bodySha256: sha256Hex(fields.body),
  };
  return { ...unsigned, signature: signBytes(envelopeSigningBytes(unsigned), privateKey).toString('base64') };
}

/** The header value of an envelope. */
export function encodeEnvelopeHeader(envelope: Envelope): string {
  return Buffer.from(JSON.stringify(envelope), 'utf8').toString('base64url');
}

/** Parses the header; anything missing, oversized or malformed is BAD_ENVELOPE. */
export function parseEnvelopeHeader(header: string | undefined): Envelope {
  if (!header) throw reject(RejectReason.BAD_ENVELOPE, `the ${ENVELOPE_HEADER} header is missing`);
  if (header.length > MAX_ENVELOPE_HEADER_BYTES || !/^[A-Za-z0-9_-]+$/.test(header)) throw reject(RejectReason.BAD_ENVELOPE, `the ${ENVELOPE_HEADER} header is not base64url of at most ${MAX_ENVELOPE_HEADER_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
  } catch {
    throw reject(RejectReason.BAD_ENVELOPE, `the ${ENVELOPE_HEADER} header is not JSON`);
  }
  const parsed = EnvelopeSchema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => `${i.path.join('.') || 'envelope'}: ${i.message}`).join('; ');
    throw reject(RejectReason.BAD_ENVELOPE, `malformed envelope: ${where}`);
  }
  return parsed.data;
}

/** Whether the envelope's signature verifies under `publicKey`. */
export function verifyEnvelopeSignature(envelope: Envelope, publicKey: KeyObject): boolean {
  const { signature, ...unsigned } = envelope;
  return verifyBytes(envelopeSigningBytes(unsigned), Buffer.from(signature, 'base64'), publicKey);
}

/** The bytes the coordinator signs for an answer to the request with `requestNonce`. */
export function responseSigningBytes(method: string, path: string, requestNonce: string, status: number, body: Uint8Array | string): Buffer {
  return encodeParts(RESPONSE_LABEL, [method, path, requestNonce, String(status), sha256Hex(body)]);
}

/** The coordinator's signature of an answer, base64. */
export function signResponse(method: string, path: string, requestNonce: string, status: number, body: Uint8Array | string, privateKey: KeyObject): string {
  return signBytes(responseSigningBytes(method, path, requestNonce, status, body), privateKey).toString('base64');
}

/** Whether an answer carries the pinned coordinator's signature for this request. */
export function verifyResponse(method: string, path: string, requestNonce: string, status: number, body: Uint8Array | string, signature: string | null, publicKey: KeyObject): boolean {
  if (!signature) return false;
  return verifyBytes(responseSigningBytes(method, path, requestNonce, status, body), Buffer.from(signature, 'base64'), publicKey);
}
