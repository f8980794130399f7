/**
 * Publishing a model version: its manifest (lineage, number, SHA-256 of the weights, the round and
 * sites behind it, the ε and δ each site reported) is signed with the coordinator's Ed25519 key and
 * stored with the weights, so any site holding the pinned public key can check what it downloads.
 * A lineage made from a shipped model also gets the version as signed ONNX with its model card
 * (version-export.ts), built in the same transaction so a version never exists without it.
 */
import type { KeyObject } from 'node:crypto';
import type { SqlClient } from '../../storage/port.ts';
import { sha256Hex } from '../protocol/envelope.ts';
import { float64Bytes } from '../protocol/float-codec.ts';
import type { PrivacyReport, VersionManifest } from '../protocol/messages.ts';
import { signManifest } from '../protocol/version-signature.ts';
import { insertVersion, latestVersionNumber, type VersionModelRow } from './registry-store.ts';
import { exportVersion } from './version-export.ts';
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
  /** the round's strategy and the examples behind the aggregate: a round's version is exported to ONNX only with them */
  round?: { strategy: string; examples: number };
  /** version 0 of a lineage made from a shipped model: that model, signed */
  baseModel?: VersionModelRow;
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
  const model =
    o.baseModel ??
    (o.roundId !== null && o.round
      ? await exportVersion(c, { lineage: o.lineage, version, weights: o.weights, roundId: o.roundId, ...o.round, contributors: o.contributors, privacy: o.privacy, signingKey: o.signingKey })
      : null);
  await insertVersion(c, { manifest, signature: signManifest(manifest, o.signingKey), weights: o.weights, meanDelta: o.meanDelta, model });
  return manifest;
}
