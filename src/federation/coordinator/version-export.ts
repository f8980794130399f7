/**
 * Exporting a lineage's versions for serving (issue 6, point 7). A lineage made from a shipped model
 * keeps that model's card and ONNX bytes; each closed round's weights then become the family graph
 * exported to ONNX with a model card (`../rollout/build-version.ts`) whose parent is the previous
 * version, signed with the coordinator's Ed25519 key over (lineage, card version, sha256 of the
 * bytes, hash of the card). Card versions continue the shipped model's numbering (base version +
 * lineage version), so a site serving the shipped model sees every federated version as newer.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { badInput } from '../../errors/domain-error.ts';
import { ModelCardSchema, type ModelCard } from '../../inference/model-card.ts';
import type { SqlClient } from '../../storage/port.ts';
import type { ParameterLayout } from '../privacy/dp-sgd.ts';
import type { PrivacyReport } from '../protocol/messages.ts';
import { buildVersion, type SitePrivacy } from '../rollout/build-version.ts';
import { familyFromCard, familyGraph, unflattenWeights } from '../rollout/model-family.ts';
import { cardHash, signVersion } from '../rollout/version-signature.ts';
import { findLineageBase, findVersionModel, type VersionModelRow } from './registry-store.ts';
import type { LineageRow } from './types.ts';

/** The model a lineage starts from, as an operator hands it over. */
export interface BaseModel {
  /** the card JSON as read from card.json */
  card: unknown;
  onnx: Uint8Array;
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Checks a lineage's base model before anything is stored: a valid card, bytes that hash to it,
 * and a family graph whose parameters the layout names one by one with the initial weights' sizes.
 */
export function checkBaseModel(base: BaseModel, layout: ParameterLayout, weights: Float64Array): ModelCard {
  const parsed = ModelCardSchema.safeParse(base.card);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badInput(`the base model's card is not valid: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const card = parsed.data;
  if (sha256Hex(base.onnx) !== card.sha256) throw badInput(`the base model's bytes are not ${card.name}@${card.version} (sha256 differs from its card)`);
  unflattenWeights(familyGraph(familyFromCard(card)), weights, layout);
  return card;
}

/** The card version of lineage version `version`: the base card's version plus the lineage's. */
export function cardVersionOf(baseCard: ModelCard, version: number): string {
  return String(Number(baseCard.version) + version);
}

/** Version 0 of a lineage: the base model's own bytes and card, signed like every later version. */
export function signBaseVersion(lineageId: string, base: BaseModel, card: ModelCard, signingKey: KeyObject): VersionModelRow {
  const json = JSON.parse(JSON.stringify(base.card)) as unknown;
  return { onnx: base.onnx, card: json, signature: signVersion(signingKey, { lineage: lineageId, version: card.version, sha256: card.sha256, cardHash: cardHash(json) }) };
}

export interface ExportVersionOptions {
  lineage: LineageRow;
  /** the lineage version being published (≥ 1) */
  version: number;
  weights: Float64Array;
  roundId: string;
  strategy: string;
  contributors: readonly string[];
  /** examples behind the aggregate (secure aggregation: the capped weight sum) */
  examples: number;
  privacy: ReadonlyMap<string, PrivacyReport>;
  signingKey: KeyObject;
}

/**
 * Builds and signs a round's version of a lineage made from a shipped model; null for a lineage of
 * bare weights. A site that trained without differential privacy has null ε and δ in the card.
 */
export async function exportVersion(c: SqlClient, o: ExportVersionOptions): Promise<VersionModelRow | null> {
  const base = await findLineageBase(c, o.lineage.id);
  if (!base) return null;
  const parent = await findVersionModel(c, o.lineage.id, o.version - 1);
  if (!parent) throw new Error(`version ${o.version - 1} of lineage ${o.lineage.id} has no ONNX export to build on`);
  const baseCard = ModelCardSchema.parse(base.card);
  const parentCard = ModelCardSchema.parse(parent.card);
  const privacy: Record<string, SitePrivacy> = Object.fromEntries(
    o.contributors.map((site) => {
      const p = o.privacy.get(site);
      return [site, p ? { epsilon: p.epsilon, delta: p.delta } : { epsilon: null, delta: null }];
    }),
  );
  const built = buildVersion({
    lineage: o.lineage.id,
    baseCard: parentCard,
    baseOnnx: parent.onnx,
    weights: o.weights,
    parameterLayout: o.lineage.layout,
    version: cardVersionOf(baseCard, o.version),
    privacy,
    round: { id: o.roundId, number: o.version, strategy: o.strategy, sites: o.contributors, examples: Math.round(o.examples) },
  });
  // signed as the site will receive it: JSON on the wire, so the card hash is over the same values
  const card = JSON.parse(JSON.stringify(built.card)) as unknown;
  const signature = signVersion(o.signingKey, { lineage: o.lineage.id, version: built.card.version, sha256: built.sha256, cardHash: cardHash(card) });
  return { onnx: built.onnx, card, signature };
}
