/**
 * The bridge between a served model (an ONNX file and its card) and the flat parameter vector
 * federated training works on. The card says which family graph the weights belong to
 * (`../rollout/model-family.ts`); the local trainer has the same graphs as FederatedModels
 * (`../local-training/federated-model.ts`) with a documented flat order. A lineage's version 0 is
 * the served model's initializers laid out in that order, and every site trains the same order.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { badInput, notFound } from '../../errors/domain-error.ts';
import { checkModel, MODELS_DIR } from '../../inference/model-registry.ts';
import type { ModelCard } from '../../inference/model-card.ts';
import type { Coordinator } from '../coordinator/coordinator.ts';
import type { VersionManifest } from '../protocol/messages.ts';
import { linearCoxModel, logisticModel, parameterCount, parameterLayout, type FederatedModel } from '../local-training/federated-model.ts';
import { familyFromCard, familyGraph, parameterLayoutOf } from '../rollout/model-family.ts';
import { readOnnxInitializers } from '../rollout/onnx-initializers.ts';
import type { SiteTask } from '../site-data/training-set.ts';
import { TCGA_BRCA_SCHEMA } from '../../features/tcga-brca-schema.ts';

/**
 * The FederatedModel that trains the graph a card describes: a response model is logistic
 * regression or a one-hidden-layer MLP (`logisticModel`), a prognosis model a linear Cox model
 * (`linearCoxModel`). Other families (mutation models, DeepSurv) have no local trainer yet and are
 * refused. The flat order is checked against the family graph's own parameters, so a version
 * exported from these weights is the graph the card names.
 */
export function federatedModelFromCard(card: ModelCard): FederatedModel {
  const family = familyFromCard(card);
  let model: FederatedModel;
  if (family.kind === 'response') model = logisticModel(family.options.features, family.options.hidden ?? 0);
  else if (family.kind === 'prognosis' && (family.options.hidden ?? 0) === 0) model = linearCoxModel(family.options.features);
  else throw badInput(`${card.name}@${card.version}: sites cannot train a ${family.kind} model${family.kind === 'prognosis' ? ' with a hidden layer' : ''} federatedly yet`);
  const own = parameterLayout(model);
  const graph = parameterLayoutOf(familyGraph(family));
  if (JSON.stringify([...own].sort(byName)) !== JSON.stringify([...graph].sort(byName))) {
    throw badInput(`${card.name}@${card.version}: the trainable parameters of ${model.name} are not those of the card's graph`);
  }
  return model;
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The model's initializers in the FederatedModel's flat order (float32 values, widened). */
export function weightsFromOnnx(model: FederatedModel, onnx: Uint8Array): Float64Array {
  const init = readOnnxInitializers(onnx);
  const flat = new Float64Array(parameterCount(model));
  let offset = 0;
  for (const slot of model.slots) {
    const t = init[slot.name];
    if (!t) throw badInput(`the ONNX model has no initializer ${slot.name}`);
    if (JSON.stringify(t.shape) !== JSON.stringify(slot.shape)) throw badInput(`the ONNX initializer ${slot.name} has shape [${t.shape.join(', ')}], not [${slot.shape.join(', ')}]`);
    flat.set(t.data, offset);
    offset += t.data.length;
  }
  return flat;
}

/** Which of the site's labelled sets trains a card's model. */
export function siteTaskOf(card: ModelCard): SiteTask {
  if (card.task === 'response') return 'response';
  const brca = `${TCGA_BRCA_SCHEMA.id}@${TCGA_BRCA_SCHEMA.version}`;
  if (card.task === 'prognosis' && card.featureSchema === brca) return 'prognosis-brca';
  throw badInput(`${card.name}@${card.version}: sites have no labelled set for a ${card.task} model reading ${card.featureSchema}`);
}

/** A shipped model's bytes and card, checked against each other. */
export interface ShippedModel {
  card: ModelCard;
  /** the card as read from card.json */
  cardJson: unknown;
  onnx: Uint8Array;
}

/** Reads `models/NAME/VERSION` (the highest version when none is given). */
export function readShippedModel(name: string, options: { version?: string; dir?: URL } = {}): ShippedModel {
  if (!/^[a-z0-9-]+$/.test(name)) throw badInput(`"${name}" is not a model name`);
  const dir = options.dir ?? MODELS_DIR;
  const folder = new URL(`${name}/`, dir);
  const versions = existsSync(folder) ? readdirSync(folder).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(a) - Number(b)) : [];
  const version = options.version ?? versions.at(-1);
  if (version === undefined || !versions.includes(version)) throw notFound(`no shipped model ${name}${options.version ? `@${options.version}` : ''} under ${folder.pathname}`);
  const onnx = readFileSync(new URL(`${version}/model.onnx`, folder));
  const cardJson = JSON.parse(readFileSync(new URL(`${version}/card.json`, folder), 'utf8')) as unknown;
  return { card: checkModel(onnx, cardJson, `models/${name}/${version}`), cardJson, onnx };
}

export interface LineageFromModelOptions {
  federationId: string;
  /** the lineage id; sites name it with `--lineage` (the model name by default) */
  lineageId: string;
  model: ShippedModel;
}

/**
 * Creates a lineage whose version 0 is a served model: its weights in the trainer's flat order, and
 * its card and bytes kept so each round's weights are published as a signed ONNX version.
 */
export async function createLineageFromModel(coordinator: Coordinator, o: LineageFromModelOptions): Promise<{ manifest: VersionManifest; model: FederatedModel }> {
  const fm = federatedModelFromCard(o.model.card);
  const manifest = await coordinator.createLineage({
    id: o.lineageId,
    federationId: o.federationId,
    family: o.model.card.task,
    layout: parameterLayout(fm),
    initialWeights: weightsFromOnnx(fm, o.model.onnx),
    baseModel: { card: o.model.cardJson, onnx: o.model.onnx },
  });
  return { manifest, model: fm };
}
