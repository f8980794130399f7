/**
 * Ed25519 identity keys (RFC 8032, https://www.rfc-editor.org/rfc/rfc8032) from node:crypto. A site
 * registers its public key with the coordinator and a site pins the coordinator's; both travel and
 * are stored as the raw 32 bytes in base64, which node:crypto wraps in the RFC 8410 SPKI prefix
 * (https://www.rfc-editor.org/rfc/rfc8410). Private keys stay in PKCS#8 PEM files.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { badInput } from '../../errors/domain-error.ts';

// SubjectPublicKeyInfo header of an Ed25519 key (OID 1.3.101.112).
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/** Bytes in a raw Ed25519 public key. */
export const ED25519_PUBLIC_KEY_BYTES = 32;
/** Bytes in an Ed25519 signature. */
export const ED25519_SIGNATURE_BYTES = 64;

/** A fresh identity: the private key (keep it in a file only its owner reads) and the raw public key. */
export interface IdentityKeys {
  privateKey: KeyObject;
  /** raw public key, base64: what gets registered or pinned */
  publicKey: string;
}

/** Makes a new Ed25519 identity. */
export function generateIdentityKeys(): IdentityKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey: publicKeyToBase64(publicKey) };
}

/** The raw public key, base64, of an Ed25519 public or private key. */
export function publicKeyToBase64(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ type: 'spki', format: 'der' }).subarray(SPKI_PREFIX.length).toString('base64');
}

/** The public key object of a raw base64 Ed25519 key; anything else is bad input. */
export function publicKeyFromBase64(text: string): KeyObject {
  const raw = Buffer.from(text, 'base64');
  if (raw.length !== ED25519_PUBLIC_KEY_BYTES || raw.toString('base64') !== text) {
    throw badInput(`an Ed25519 public key is ${ED25519_PUBLIC_KEY_BYTES} bytes in base64`);
  }
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** Reads an Ed25519 private key from PKCS#8 PEM; other key types are refused. */
export function privateKeyFromPem(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw badInput(`the identity key must be Ed25519, not ${key.asymmetricKeyType ?? 'unknown'}`);
  return key;
}

/** PKCS#8 PEM of a private key, for the file the CLI writes. */
export function privateKeyToPem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** Ed25519 signature of `data` (pure Ed25519: node:crypto takes no digest for it). */
export function signBytes(data: Uint8Array, privateKey: KeyObject): Buffer {
  return sign(null, data, privateKey);
}

/** Whether `signature` is a valid Ed25519 signature of `data` under `publicKey`; never throws on garbage. */
export function verifyBytes(data: Uint8Array, signature: Uint8Array, publicKey: KeyObject): boolean {
  if (signature.length !== ED25519_SIGNATURE_BYTES) return false;
  try {
    return verify(null, data, publicKey, signature);
  } catch {
    return false;
  }
}
