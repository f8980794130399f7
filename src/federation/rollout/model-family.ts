/**
 * Which graph a lineage's weights belong to. A federated version is the same family graph as its
 * parent with new weights, so the graph's options are read from the parent's card: input widths
 * from `inputs`, hidden sizes from the training settings, the survival grid and biomarker panel from
 * their own fields.
 */
import { badInput } from '../../errors/domain-error.ts';
import type { ModelCard } from '../../inference/model-card.ts';
import type { GraphDef } from '../../modeling/graph.ts';
import { mutationGraph, type MutationOptions } from '../../modeling/families/mutation.ts';
import { prognosisGraph, type PrognosisOptions } from '../../modeling/families/prognosis.ts';
import { responseGraph, type ResponseOptions } from '../../modeling/families/response.ts';
import { sizeOf, tensor, type Tensor } from '../../modeling/tensor.ts';
import type { ParameterLayout } from '../privacy/dp-sgd.ts';

/** A model family and the options its graph is built with. */
export type FamilySpec =
  | { kind: 'prognosis'; options: PrognosisOptions }
  | { kind: 'response'; options: ResponseOptions }
  | { kind: 'mutation'; options: MutationOptions };

function inputWidth(card: ModelCard): number {
  const width = card.inputs[0]?.shape[1];
  if (typeof width !== 'number') throw badInput(`${card.name}@${card.version}: the card's first input has no fixed width`);
  return width;
}

function setting(card: ModelCard, name: string): number | undefined {
  const v = card.training.settings[name];
  return typeof v === 'number' ? v : undefined;
}

/** The family spec of a model from its card (the seed only fixes initial weights, which a version replaces). */
export function familyFromCard(card: ModelCard): FamilySpec {
  const seed = card.training.seed;
  if (card.task === 'prognosis') {
    if (!card.survivalGrid) throw badInput(`${card.name}@${card.version}: a prognosis card needs survivalGrid`);
    return { kind: 'prognosis', options: { features: inputWidth(card), hidden: setting(card, 'hidden') ?? 0, seed, grid: card.survivalGrid } };
  }
  if (card.task === 'response') return { kind: 'response', options: { features: inputWidth(card), hidden: setting(card, 'hidden') ?? 0, seed } };
  if (!card.biomarkers) throw badInput(`${card.name}@${card.version}: a mutation card needs biomarkers`);
  const hidden = setting(card, 'hidden');
  const attention = setting(card, 'attention');
  return {
    kind: 'mutation',
    options: { embedding: inputWidth(card), biomarkers: card.biomarkers, seed, ...(hidden !== undefined ? { hidden } : {}), ...(attention !== undefined ? { attention } : {}) },
  };
}

/** The family's graph, with its initial weights. */
export function familyGraph(spec: FamilySpec): GraphDef {
  if (spec.kind === 'prognosis') return prognosisGraph(spec.options);
  if (spec.kind === 'response') return responseGraph(spec.options);
  return mutationGraph(spec.options);
}

/** The layout of a graph's parameters in its own order: what sites and the coordinator flatten by. */
export function parameterLayoutOf(graph: GraphDef): ParameterLayout {
  return Object.entries(graph.parameters).map(([name, t]) => ({ name, size: sizeOf(t.shape) }));
}

/**
 * Cuts a flat weight vector into the graph's parameter tensors. The layout must name every
 * parameter of the graph once, with its size; anything else is refused, never padded.
 */
export function unflattenWeights(graph: GraphDef, weights: Float64Array, layout: ParameterLayout): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  let offset = 0;
  for (const { name, size } of layout) {
    const own = graph.parameters[name];
    if (!own) throw badInput(`the parameter layout names ${name}, which graph ${graph.name} does not have`);
    if (sizeOf(own.shape) !== size) throw badInput(`the parameter layout gives ${name} ${size} values; the graph's ${name} has ${sizeOf(own.shape)}`);
    if (name in out) throw badInput(`the parameter layout names ${name} twice`);
    if (offset + size > weights.length) throw badInput(`the weights end before ${name}: ${weights.length} values for a layout of more`);
    out[name] = tensor(own.shape, weights.subarray(offset, offset + size));
    offset += size;
  }
  const missing = Object.keys(graph.parameters).filter((n) => !(n in out));
  if (missing.length > 0) throw badInput(`the parameter layout leaves out ${missing.join(', ')}`);
  if (offset !== weights.length) throw badInput(`${weights.length} weights for a layout of ${offset}`);
  for (const [name, t] of Object.entries(out)) {
    if (!t.data.every(Number.isFinite)) throw badInput(`the weights of ${name} are not all finite`);
  }
  return out;
}
