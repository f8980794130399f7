/**
 * Publishing a model version: its manifest (lineage, number, SHA-256 of the weights, the round and
 * sites behind it, the ε and δ each site reported) is signed with the coordinator's Ed25519 key and
 * stored with the weights, so any site holding the pinned public key can check what it downloads.
 */
import type { KeyObject } from 'node:crypto';
import type { SqlClient } from '../../storage/port.ts';
import { sha256Hex } from '../protocol/envelope.ts';
import { float64Bytes } from '../protocol/float-codec.ts';
import type { PrivacyReport, VersionManifest } from '../protocol/messages.ts';
import { signManifest } from '../protocol/version-signature.ts';
import { insertVersion, latestVersionNumber } from './registry-store.ts';
import type { LineageRow } from './types.ts';

export interface PublishOptions {
  lineage: LineageRow;
  weights: Float64Array;
  roundId: string | null;
  contributors: readonly string[];
  privacy: ReadonlyMap<string, PrivacyReport>;
  meanDelta: Float64Array | null;
  now: number;
  signingKey: KeyObject;
}

/** SHA-256 of weights as the little-endian float64 bytes that travel and are stored. */
export function weightsSha256(weights: Float64Array): string {
  return sha256Hex(float64Bytes(weights));
}

/** Stores the next version of a lineage, signed; returns its manifest. */
export async function publishVersion(c: SqlClient, o: PublishOptions): Promise<VersionManifest> {
  const version = (await latestVersionNumber(c, o.lineage.id)) + 1;
  const manifest: VersionManifest = {
    federationId: o.lineage.federationId,
    lineageId: o.lineage.id,
    family: o.lineage.family,
    version,
    parameterCount: o.weights.length,
    sha256: weightsSha256(o.weights),
    roundId: o.roundId,
    contributors: [...o.contributors],
    privacy: [...o.privacy].map(([siteId, p]) => ({ siteId, epsilon: p.epsilon, delta: p.delta })),
    createdAt: new Date(o.now).toISOString(),
  };
  await insertVersion(c, { manifest, signature: signManifest(manifest, o.signingKey), weights: o.weights, meanDelta: o.meanDelta });
  return manifest;
}
