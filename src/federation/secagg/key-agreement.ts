/**
 * X25519 key agreement (RFC 7748, https://www.rfc-editor.org/rfc/rfc7748) followed by
 * HKDF-SHA256 (RFC 5869, https://www.rfc-editor.org/rfc/rfc5869), the KA.agree of Bonawitz et al.
 * 2017 (https://eprint.iacr.org/2017/281). Keys travel and are secret-shared as their raw 32 bytes.
 * node:crypto takes them as JWK (RFC 8037 OKP, https://www.rfc-editor.org/rfc/rfc8037), which it
 * imports about eight times faster than DER; a private key whose public half is not at hand is
 * wrapped in the fixed RFC 8410 PKCS#8 prefix instead (https://www.rfc-editor.org/rfc/rfc8410).
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

const base64url = (raw: Uint8Array) => Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64url');

/**
 * A private KeyObject. With its public half the JWK import is used; the key is computed from `d`
 * alone (OpenSSL's raw X25519 import), `x` is only the format's required companion.
 */
function privateKeyObject(raw: Uint8Array, publicKey?: Uint8Array): KeyObject {
  checkLength(raw, 'private');
  if (!publicKey) return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
  checkLength(publicKey, 'public');
  return createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: base64url(raw), x: base64url(publicKey) }, format: 'jwk' });
}

function publicKeyObject(raw: Uint8Array): KeyObject {
  checkLength(raw, 'public');
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: base64url(raw) }, format: 'jwk' });
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

/** Derives pairwise keys (see derivePairKey) from one private key against several peers. */
export type PairKeyDeriver = (peerPublicKey: Uint8Array, context: PairContext) => Buffer;

/**
 * A {@link PairKeyDeriver} for `privateKey` (give its public half when known: it makes the import
 * faster). The key is wrapped into a KeyObject once: a site derives a key with every other site,
 * and importing it again for each was most of a round.
 */
export function pairKeyDeriver(privateKey: Uint8Array, publicKey?: Uint8Array): PairKeyDeriver {
  const own = privateKeyObject(privateKey, publicKey);
  return (peerPublicKey, context) => {
    const [a, b] = [...context.sites].sort(compareSiteIds) as [string, string];
    if (a === b) throw new RangeError('a pairwise key needs two different sites');
    const info = encodeContext([context.purpose, context.roundId, a, b]);
    const secret = diffieHellman({ privateKey: own, publicKey: publicKeyObject(peerPublicKey) });
    // No salt: RFC 5869 §3.1 makes it optional, and `info` already separates every use of a secret.
    return hkdfSha256(secret, Buffer.alloc(0), info, 32);
  };
}

/**
 * A 32-byte key shared by two sites: HKDF-SHA256 over their X25519 secret, with `info` binding the
 * purpose, the round and both site ids, so one agreement never yields the same key twice.
 */
export function derivePairKey(privateKey: Uint8Array, peerPublicKey: Uint8Array, context: PairContext): Buffer {
  return pairKeyDeriver(privateKey)(peerPublicKey, context);
}
