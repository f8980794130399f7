import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { generateIdentityKeys, privateKeyFromPem, privateKeyToPem, publicKeyToBase64 } from '../protocol/identity-keys.ts';

export interface KeyFile {
  privateKey: KeyObject;
  /** the raw public key, base64, as registration and pinning take it */
  publicKey: string;
  created: boolean;
}

/**
 * The Ed25519 identity key of a coordinator or a site, kept as a PKCS#8 PEM file readable by its
 * owner only; generated on first use.
 */
export function loadOrCreateKeyFile(path: string): KeyFile {
  if (existsSync(path)) {
    const privateKey = privateKeyFromPem(readFileSync(path, 'utf8'));
    return { privateKey, publicKey: publicKeyToBase64(privateKey), created: false };
  }
  mkdirSync(dirname(path), { recursive: true });
  const keys = generateIdentityKeys();
  // 'wx' refuses to overwrite a key another process wrote in the meantime
  writeFileSync(path, privateKeyToPem(keys.privateKey), { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return { privateKey: keys.privateKey, publicKey: publicKeyToBase64(keys.privateKey), created: true };
}
