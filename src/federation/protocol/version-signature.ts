/**
 * The coordinator's signature on a published model version: Ed25519 over a canonical JSON of the
 * manifest (keys sorted at every level, so the signer and a verifier on another machine serialise
 * it alike). The manifest pins the SHA-256 of the weights, so a site that checks the signature and
 * then the hash knows the weights are the ones the coordinator published.
 */
import type { KeyObject } from 'node:crypto';
import { encodeParts } from './envelope.ts';
import { signBytes, verifyBytes } from './identity-keys.ts';
import type { VersionManifest } from './messages.ts';

const VERSION_LABEL = 'sangam/federation/v1/version';

/** JSON with object keys sorted recursively; arrays keep their order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function manifestBytes(manifest: VersionManifest): Buffer {
  return encodeParts(VERSION_LABEL, [canonicalJson(manifest)]);
}

/** The coordinator's signature of `manifest`, base64. */
export function signManifest(manifest: VersionManifest, privateKey: KeyObject): string {
  return signBytes(manifestBytes(manifest), privateKey).toString('base64');
}

/** Whether `signature` is the pinned coordinator's signature of `manifest`. */
export function verifyManifest(manifest: VersionManifest, signature: string, publicKey: KeyObject): boolean {
  return verifyBytes(manifestBytes(manifest), Buffer.from(signature, 'base64'), publicKey);
}
