/**
 * A site's acceptance metrics: a model run through onnxruntime on the site's held-out patients,
 * overall and per subgroup (population group, sex, age band). Prognosis models are scored by
 * Harrell's C-index on their risk output, response models by AUC and accuracy on their probability.
 * Each model standardises the raw features with its own card, exactly as it does when serving.
 */
import * as ort from 'onnxruntime-node';
import { badInput } from '../../errors/domain-error.ts';
import type { ModelCard } from '../../inference/model-card.ts';
import { standardise } from '../../features/feature-schema.ts';
import { accuracy, auc, concordanceIndex } from '../../modeling/metrics.ts';
import { SUBGROUP_ATTRIBUTES, type LabelledSet, type SubgroupAttribute } from '../site-data/labelled-set.ts';

/** Anything that runs a model version: a registry lease or a trial session. */
export interface ModelRunner {
  card: ModelCard;
  run(feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.OnnxValueMapType>;
}

/** One subgroup's members: indices into the held-out examples. */
export interface Subgroup {
  label: string;
  members: number[];
}

const ATTRIBUTE_LABEL: Readonly<Record<SubgroupAttribute, string>> = { population: 'population', sex: 'sex', ageBand: 'age' };

/** `overall`, then one subgroup per value of each attribute (e.g. `sex female`, `age 50-64`), in a stable order. */
export function subgroupsOf(set: LabelledSet, attributes: readonly SubgroupAttribute[] = SUBGROUP_ATTRIBUTES): Subgroup[] {
  const examples: readonly { subgroups: Readonly<Record<SubgroupAttribute, string>> }[] = set.examples;
  const out: Subgroup[] = [{ label: 'overall', members: examples.map((_, i) => i) }];
  for (const attribute of attributes) {
    const byValue = new Map<string, number[]>();
    examples.forEach((e, i) => {
      const v = e.subgroups[attribute];
      byValue.set(v, [...(byValue.get(v) ?? []), i]);
    });
    for (const value of [...byValue.keys()].sort()) out.push({ label: `${ATTRIBUTE_LABEL[attribute]} ${value}`, members: byValue.get(value) ?? [] });
  }
  return out;
}

/** The model's score of each held-out example: risk for prognosis, P(response) for response. */
export async function scoreHeldOut(runner: ModelRunner, set: LabelledSet): Promise<Float32Array> {
  const { card } = runner;
  if (card.task !== set.task) throw badInput(`${card.name}@${card.version} is a ${card.task} model; the held-out set is for ${set.task}`);
  const width = card.inputs[0]?.shape[1];
  const n = set.examples.length;
  if (n === 0) return new Float32Array(0);
  const input = new Float32Array(n * (typeof width === 'number' ? width : 0));
  set.examples.forEach((e, i) => {
    if (e.features.length !== width) throw badInput(`${card.name}@${card.version} reads ${String(width)} features; the held-out examples have ${e.features.length}`);
    input.set(card.standardisation ? standardise(e.features, card.standardisation) : e.features, i * width);
  });
  const output = card.task === 'prognosis' ? 'risk' : 'probability';
  const result = await runner.run({ [card.inputs[0]!.name]: new ort.Tensor('float32', input, [n, width as number]) });
  const scores = result[output]?.data;
  if (!(scores instanceof Float32Array) || scores.length !== n) throw badInput(`${card.name}@${card.version} did not return one ${output} per example`);
  return scores;
}

/** The task's metrics for the members of one subgroup; NaN where a metric is undefined. */
export function metricsOf(set: LabelledSet, scores: Float32Array, members: readonly number[]): Record<string, number> {
  const s = members.map((i) => scores[i]!);
  if (set.task === 'prognosis') {
    const ex = members.map((i) => set.examples[i]!);
    return { cIndex: concordanceIndex(s, ex.map((e) => e.time), ex.map((e) => e.event)) };
  }
  const y = members.map((i) => set.examples[i]!.label);
  return { auc: auc(s, y), accuracy: members.length === 0 ? Number.NaN : accuracy(s, y) };
}

/** Events (deaths, or responses) among a subgroup's members. */
export function eventsOf(set: LabelledSet, members: readonly number[]): number {
  return set.task === 'prognosis' ? members.filter((i) => set.examples[i]!.event === 1).length : members.filter((i) => set.examples[i]!.label === 1).length;
}
