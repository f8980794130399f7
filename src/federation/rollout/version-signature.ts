/**
 * Signatures over published model versions: the coordinator signs (lineage, version, sha256 of the
 * ONNX bytes, sha256 of the card) with its Ed25519 key (RFC 8032, node:crypto), and each site checks
 * it against the coordinator key it pinned when it joined. The card hash is over the card's
 * canonical JSON (keys sorted, no whitespace), so any change to the card, added keys included,
 * breaks the signature.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { badInput } from '../../errors/domain-error.ts';

/** What a version signature covers. */
export interface VersionClaims {
  lineage: string;
  version: string;
  /** sha256 of the ONNX bytes, hex */
  sha256: string;
  /** sha256 of the card's canonical JSON, hex */
  cardHash: string;
}

// Domain separation: a signature over a version can never be replayed as some other signed message.
const LABEL = 'sangam/model-version/v1';

/** JSON with object keys sorted at every level and no whitespace (one text per value). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  const text = JSON.stringify(value);
  if (text === undefined) throw badInput('a card holds a value JSON cannot represent');
  return text;
}

/** sha256 (hex) of a card's canonical JSON, computed on the card as received. */
export function cardHash(card: unknown): string {
  return createHash('sha256').update(canonicalJson(card), 'utf8').digest('hex');
}

/** The signed bytes: each field length-prefixed, so no two claims share an encoding. */
function message(claims: VersionClaims): Buffer {
  const parts = [LABEL, claims.lineage, claims.version, claims.sha256, claims.cardHash].map((p) => Buffer.from(p, 'utf8'));
  return Buffer.concat(parts.flatMap((p) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(p.length);
    return [length, p];
  }));
}

function requireEd25519(key: KeyObject, kind: 'private' | 'public'): void {
  if (key.asymmetricKeyType !== 'ed25519') throw badInput(`a version signature needs an Ed25519 ${kind} key, got ${key.asymmetricKeyType ?? key.type}`);
}

/** Signs a version's claims with the coordinator's Ed25519 private key; returns the signature in base64. */
export function signVersion(privateKey: KeyObject, claims: VersionClaims): string {
  requireEd25519(privateKey, 'private');
  return sign(null, message(claims), privateKey).toString('base64');
}

/** True when `signature` (base64) is the pinned key's signature over exactly these claims. */
export function verifyVersion(publicKey: KeyObject | string, claims: VersionClaims, signature: string): boolean {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  if (key.type !== 'public') throw badInput('a version is verified with the pinned public key, not a private one');
  requireEd25519(key, 'public');
  const bytes = Buffer.from(signature, 'base64');
  // Ed25519 signatures are 64 bytes; anything else (or text that is not base64) cannot verify
  if (bytes.length !== 64 || bytes.toString('base64') !== signature) return false;
  return verify(null, message(claims), key, bytes);
}
