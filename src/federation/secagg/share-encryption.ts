/**
 * Authenticated encryption of the Shamir shares one site sends another through the coordinator
 * (the paper's AE.enc under c_uv, Bonawitz et al. 2017, https://eprint.iacr.org/2017/281):
 * AES-256-GCM (NIST SP 800-38D, https://csrc.nist.gov/pubs/sp/800/38/d/final) with a fresh
 * 96-bit IV per message and the round id, sender and recipient as additional data, so the relay
 * can neither read a share nor pass it off as another round's or another pair's.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { encodeContext } from './canonical.ts';
import { SecAggError, SecAggReason, protocolViolation } from './errors.ts';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** One encrypted share bundle, as relayed; binary fields are base64. */
export interface EncryptedShare {
  from: string;
  to: string;
  iv: string;
  ciphertext: string;
  tag: string;
}

export interface ShareAddress {
  roundId: string;
  from: string;
  to: string;
}

function additionalData(address: ShareAddress): Buffer {
  return encodeContext(['share', address.roundId, address.from, address.to]);
}

/** Encrypts `plaintext` from one site to another under their 32-byte c-key. */
export function encryptShare(key: Uint8Array, address: ShareAddress, plaintext: Uint8Array): EncryptedShare {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(address));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { from: address.from, to: address.to, iv: iv.toString('base64'), ciphertext: ciphertext.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

/**
 * Decrypts a share addressed as `expected`. A changed byte anywhere (IV, ciphertext, tag, or the
 * addressing the AAD binds) fails authentication and is reported as tampering.
 */
export function decryptShare(key: Uint8Array, share: EncryptedShare, expected: ShareAddress): Buffer {
  if (share.from !== expected.from || share.to !== expected.to) throw protocolViolation(`a share from ${share.from} to ${share.to} was delivered as one from ${expected.from} to ${expected.to}`);
  const iv = Buffer.from(share.iv, 'base64');
  const tag = Buffer.from(share.tag, 'base64');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw protocolViolation(`the share from ${share.from} has a malformed IV or tag`);
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(additionalData(expected));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(Buffer.from(share.ciphertext, 'base64')), decipher.final()]);
  } catch {
    throw new SecAggError(SecAggReason.TAMPERED, `the share from ${share.from} to ${share.to} failed authentication: it was altered in transit or encrypted under another key`);
  }
}
