/**
 * X25519 key agreement (RFC 7748, https://www.rfc-editor.org/rfc/rfc7748) followed by
 * HKDF-SHA256 (RFC 5869, https://www.rfc-editor.org/rfc/rfc5869), the KA.agree of Bonawitz et al.
 * 2017 (https://eprint.iacr.org/2017/281). Keys travel and are secret-shared as their raw 32 bytes;
 * node:crypto wants DER, so raw keys are wrapped in the fixed RFC 8410 prefixes
 * (https://www.rfc-editor.org/rfc/rfc8410).
 */
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, type KeyObject } from 'node:crypto';
import { compareSiteIds, encodeContext } from './canonical.ts';

/** Bytes in a raw X25519 key, public or private. */
export const X25519_KEY_BYTES = 32;

// SubjectPublicKeyInfo and PKCS#8 headers for an X25519 key (OID 1.3.101.110, RFC 8410).
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

export interface RawKeyPair {
  publicKey: Buffer;
  privateKey: Buffer;
}

/** A fresh X25519 key pair as raw bytes. */
export function generateX25519KeyPair(): RawKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).subarray(SPKI_PREFIX.length),
    privateKey: privateKey.export({ type: 'pkcs8', format: 'der' }).subarray(PKCS8_PREFIX.length),
  };
}

function checkLength(key: Uint8Array, what: string): void {
  if (key.length !== X25519_KEY_BYTES) throw new RangeError(`an X25519 ${what} key has ${X25519_KEY_BYTES} bytes, not ${key.length}`);
}

function privateKeyObject(raw: Uint8Array): KeyObject {
  checkLength(raw, 'private');
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
}

function publicKeyObject(raw: Uint8Array): KeyObject {
  checkLength(raw, 'public');
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** The raw public key of a raw private key; lets a reconstructed key be checked against the one advertised. */
export function x25519PublicKey(privateKey: Uint8Array): Buffer {
  return createPublicKey(privateKeyObject(privateKey)).export({ type: 'spki', format: 'der' }).subarray(SPKI_PREFIX.length);
}

/** The raw X25519 shared secret (RFC 7748 §6.1). Throws for a low-order peer key, whose secret would be all zeros. */
export function x25519(privateKey: Uint8Array, peerPublicKey: Uint8Array): Buffer {
  return diffieHellman({ privateKey: privateKeyObject(privateKey), publicKey: publicKeyObject(peerPublicKey) });
}

/** HKDF-SHA256 extract-and-expand (RFC 5869 §2). */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, length));
}

/** What a pairwise key is for; c-keys only ever encrypt shares, s-keys only ever seed masks. */
export type PairPurpose = 'share-encryption' | 'mask';

export interface PairContext {
  purpose: PairPurpose;
  roundId: string;
  /** the two sites, in either order: the context sorts them so both ends derive the same key */
  sites: readonly [string, string];
}

/**
 * A 32-byte key shared by two sites: HKDF-SHA256 over their X25519 secret, with `info` binding the
 * purpose, the round and both site ids, so one agreement never yields the same key twice.
 */
export function derivePairKey(privateKey: Uint8Array, peerPublicKey: Uint8Array, context: PairContext): Buffer {
  const [a, b] = [...context.sites].sort(compareSiteIds) as [string, string];
  if (a === b) throw new RangeError('a pairwise key needs two different sites');
  const info = encodeContext([context.purpose, context.roundId, a, b]);
  // No salt: RFC 5869 §3.1 makes it optional, and `info` already separates every use of a secret.
  return hkdfSha256(x25519(privateKey, peerPublicKey), Buffer.alloc(0), info, 32);
}
