/** Shared inputs of the rollout tests: the shipped prognosis model and Fed-TCGA-BRCA's test split as a site's held-out set. */
import { readFileSync } from 'node:fs';
import type { ModelCard } from '../../../src/inference/model-card.ts';
import { ModelCardSchema } from '../../../src/inference/model-card.ts';
import { familyFromCard, familyGraph, parameterLayoutOf } from '../../../src/federation/rollout/model-family.ts';
import { readOnnxInitializers } from '../../../src/federation/rollout/onnx-initializers.ts';
import { flattenGradient, type ParameterLayout } from '../../../src/federation/privacy/dp-sgd.ts';
import { ageBandOf, type LabelledSet } from '../../../src/federation/site-data/labelled-set.ts';
import { loadTcgaBrca } from '../../../src/training/tcga-brca.ts';

const SHIPPED = new URL('../../../models/prognosis-brca/1/', import.meta.url);

export const baseOnnx: Uint8Array = readFileSync(new URL('model.onnx', SHIPPED));
export const baseCardJson: unknown = JSON.parse(readFileSync(new URL('card.json', SHIPPED), 'utf8'));
export const baseCard: ModelCard = ModelCardSchema.parse(baseCardJson);
export const layout: ParameterLayout = parameterLayoutOf(familyGraph(familyFromCard(baseCard)));

/** The shipped model's weights as one flat vector (float32 values, as the file holds them). */
export function baseWeights(): Float64Array {
  const init = readOnnxInitializers(baseOnnx);
  return flattenGradient(Object.fromEntries(layout.map(({ name }) => [name, init[name]!.data])), layout);
}

/**
 * The Fed-TCGA-BRCA test patients as a held-out set, tagged from their own columns: race (columns
 * 3-6: asian, black, not reported, white), age band from age_at_index; TCGA-BRCA has no sex column.
 */
export function tcgaHeldOut(fold: 'train' | 'test' = 'test'): LabelledSet {
  const patients = loadTcgaBrca().patients.filter((p) => p.fold === fold);
  const races = ['Asian', 'Black or African American', 'not recorded', 'White'];
  return {
    task: 'prognosis',
    featureSchema: baseCard.featureSchema,
    examples: patients.map((p, unit) => ({
      features: p.x,
      time: p.time,
      event: p.event ? 1 : 0,
      subgroups: { population: races[[3, 4, 5, 6].findIndex((j) => p.x[j] === 1)] ?? 'not recorded', sex: 'female', ageBand: ageBandOf(p.x[0]) },
      unit,
    })),
  };
}
