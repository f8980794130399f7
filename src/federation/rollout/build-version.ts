/**
 * Turns the weights a federated round produced into a model version: the family graph with those
 * weights exported to ONNX by the model engine, and a model card that records where the version
 * comes from (lineage, parent version, round) and the (ε, δ) each site had spent.
 *
 * Prognosis models carry a Breslow baseline hazard beside their weights. The coordinator holds no
 * patient data, so by default a new version keeps its parent's baseline (read from the parent's
 * bytes): its risk scores are new, its baseline is the parent's, and the card says so. A caller that
 * does hold survival data (a simulation, a single-site retrain) passes it and the baseline is refit
 * on the new risk scores (Breslow 1972).
 */
import { createHash } from 'node:crypto';
import { badInput } from '../../errors/domain-error.ts';
import { ModelCardSchema, type FederationProvenance, type ModelCard } from '../../inference/model-card.ts';
import { runForward } from '../../modeling/execute.ts';
import { BASELINE, breslowBaseline } from '../../modeling/families/prognosis.ts';
import type { GraphDef } from '../../modeling/graph.ts';
import { exportOnnx } from '../../modeling/onnx-export.ts';
import type { Tensor } from '../../modeling/tensor.ts';
import { withTrained } from '../../modeling/train.ts';
import type { ParameterLayout } from '../privacy/dp-sgd.ts';
import { familyFromCard, familyGraph, unflattenWeights, type FamilySpec } from './model-family.ts';
import { readOnnxInitializers } from './onnx-initializers.ts';

/** The round that produced a version. */
export interface RoundInfo {
  id: string;
  /** the lineage's round counter (1 for the first federated round) */
  number: number;
  strategy: string;
  /** sites whose updates went into the aggregate */
  sites: readonly string[];
  /** training examples those sites reported */
  examples: number;
}

/** What a site had spent by this round: ε at δ, or nulls for a site that trained without DP. */
export interface SitePrivacy {
  epsilon: number | null;
  delta: number | null;
}

/** Survival data to refit a prognosis baseline on: features standardised as the card says. */
export interface BaselineData {
  features: Tensor;
  time: ArrayLike<number>;
  event: ArrayLike<number>;
}

/** Everything a version is built from; the coordinator has all of it after a round closes. */
export interface BuildVersionOptions {
  lineage: string;
  baseCard: ModelCard;
  /** the parent's ONNX bytes; checked against baseCard.sha256, and the source of a kept baseline */
  baseOnnx?: Uint8Array;
  /** the graph the weights belong to; read from baseCard when omitted */
  family?: FamilySpec;
  weights: Float64Array;
  parameterLayout: ParameterLayout;
  /** a whole number above the parent's */
  version: string;
  privacy: Readonly<Record<string, SitePrivacy>>;
  round: RoundInfo;
  /** metrics measured elsewhere (a simulation's pooled test set); none by default */
  metrics?: ModelCard['metrics'];
  /** prognosis only: refit the baseline on these instead of keeping the parent's */
  baselineData?: BaselineData;
}

/** A version ready to sign and publish. */
export interface BuiltVersion {
  onnx: Uint8Array;
  card: ModelCard;
  sha256: string;
  /** the graph with the version's weights, for the model engine (tests compare it with onnxruntime) */
  graph: GraphDef;
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function baselineOf(graph: GraphDef, parameters: Record<string, Tensor>, options: BuildVersionOptions, grid: readonly number[]): { baseline: Tensor; how: string } {
  const data = options.baselineData;
  if (data) {
    const risk = runForward(graph, { features: data.features }, parameters).get('risk') as Tensor;
    return { baseline: breslowBaseline(risk.data, data.time, data.event, grid), how: `refit (Breslow) on ${risk.data.length} examples with this version's risk scores` };
  }
  if (!options.baseOnnx) throw badInput("a prognosis version needs its parent's bytes (to keep the parent's baseline) or baseline data (to refit it)");
  const kept = readOnnxInitializers(options.baseOnnx)[BASELINE];
  if (!kept || kept.data.length !== grid.length) throw badInput(`the parent model has no ${BASELINE} over ${grid.length} grid days`);
  return { baseline: kept, how: `kept from ${options.baseCard.name}@${options.baseCard.version}: the coordinator holds no survival data to refit it` };
}

/** The card's top-level privacy: the largest ε and δ over the sites, null if any site trained without DP. */
function overallPrivacy(privacy: Readonly<Record<string, SitePrivacy>>): ModelCard['privacy'] {
  const sites = Object.entries(privacy);
  const withoutDp = sites.filter(([, p]) => p.epsilon === null || p.delta === null).map(([s]) => s);
  if (sites.length === 0 || withoutDp.length > 0) {
    return { epsilon: null, delta: null, note: sites.length === 0 ? 'no site reported its privacy spending' : `trained without differential privacy at ${withoutDp.join(', ')}; per-site spending in federation.privacy` };
  }
  return {
    epsilon: Math.max(...sites.map(([, p]) => p.epsilon as number)),
    delta: Math.max(...sites.map(([, p]) => p.delta as number)),
    note: 'DP-SGD at every site, accounted per site with a Rényi accountant; these are the largest ε and δ any site has spent up to this round, per-site values in federation.privacy',
  };
}

/** Builds the ONNX bytes, card and sha256 of a federated version of `baseCard`'s model. */
export function buildVersion(options: BuildVersionOptions): BuiltVersion {
  const { baseCard, round, lineage, version } = options;
  if (!/^\d+$/.test(version) || Number(version) <= Number(baseCard.version)) throw badInput(`version ${version} must be a whole number above the parent's ${baseCard.version}`);
  if (lineage.trim() === '') throw badInput('a version needs its lineage');
  if (options.baseOnnx && sha256Hex(options.baseOnnx) !== baseCard.sha256) throw badInput(`the parent bytes are not ${baseCard.name}@${baseCard.version} (sha256 differs from its card)`);
  const family = options.family ?? familyFromCard(baseCard);
  if (family.kind !== baseCard.task) throw badInput(`a ${family.kind} graph cannot carry a ${baseCard.task} model`);
  const graph = familyGraph(family);
  const parameters = unflattenWeights(graph, options.weights, options.parameterLayout);
  let model: GraphDef;
  let baselineHow: string | undefined;
  if (family.kind === 'prognosis') {
    const { baseline, how } = baselineOf(graph, parameters, options, family.options.grid);
    model = withTrained(graph, parameters, baseline);
    baselineHow = how;
  } else {
    model = withTrained(graph, parameters);
  }
  const featureSchema = baseCard.featureSchema;
  const onnx = exportOnnx(model, model.parameters, {
    producerVersion: version,
    metadata: { model: baseCard.name, version, featureSchema, lineage, parentVersion: baseCard.version, round: round.id },
  });
  const sha256 = sha256Hex(onnx);
  const privacy = Object.fromEntries(Object.entries(options.privacy).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([s, p]) => [s, { epsilon: p.epsilon, delta: p.delta }]));
  const federation: FederationProvenance = {
    lineage,
    parentVersion: baseCard.version,
    round: { id: round.id, number: round.number, strategy: round.strategy, sites: [...round.sites].sort(), examples: round.examples },
    privacy,
    ...(baselineHow ? { baseline: baselineHow } : {}),
  };
  const { events: _parentEvents, ...parentTraining } = baseCard.training;
  const card: ModelCard = {
    ...baseCard,
    version,
    training: {
      ...parentTraining,
      // the parent's own description is kept once, not nested again at every version
      data: baseCard.federation ? baseCard.training.data : `federated training at each site on its own records, starting from ${baseCard.name}@${baseCard.version} (${baseCard.training.data})`,
      examples: round.examples,
      split: "each site holds out its own patients (a keyed hash of the patient id) to test a version before installing it; the coordinator sees no examples",
      sites: [...round.sites].sort(),
      federatedRounds: round.number,
      settings: { ...baseCard.training.settings, strategy: round.strategy, round: round.id },
    },
    metrics: options.metrics ?? {
      overall: {},
      subgroups: {},
      reference: 'not measured by the coordinator, which holds no data: each site measures this version on its own held-out patients, overall and per subgroup, before installing it',
    },
    privacy: overallPrivacy(options.privacy),
    federation,
    sha256,
  };
  const parsed = ModelCardSchema.safeParse(card);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badInput(`the card of ${baseCard.name}@${version} is not valid: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return { onnx, card: parsed.data, sha256, graph: model };
}
