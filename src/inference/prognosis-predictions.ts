/**
 * Prognosis for patients with breast cancer from the shipped Cox model: the features are read from
 * each patient's clinical summary by the model's feature schema, standardised as in training, and
 * run in one batch; the answer carries the model version and the inputs that were missing.
 * Answers are cached per (patient data version, model version).
 */
import { BoundedMap } from '../caching/bounded-map.ts';
import * as ort from 'onnxruntime-node';
import type { StoredSummary } from '../clinical/clinical-service.ts';
import { assembleFeatures, type AssembledFeatures } from '../features/feature-schema.ts';
import { TCGA_BRCA_SCHEMA } from '../features/tcga-brca-schema.ts';
import { medianSurvival } from '../modeling/families/prognosis.ts';
import type { ModelRegistry } from './model-registry.ts';

export const PROGNOSIS_MODEL = 'prognosis-brca';

export interface PrognosisPrediction {
  risk: number;
  survivalCurve: { day: number; probability: number }[];
  medianSurvivalDays: number | null;
  modelVersion: string;
  featureSchema: string;
  missingInputs: AssembledFeatures['missing'];
}

export interface PrognosisService {
  /** Predictions in the order of `summaries`; null for a patient outside the model's intended use (not breast cancer). */
  predict(summaries: readonly (StoredSummary | undefined)[]): Promise<(PrognosisPrediction | null)[]>;
}

const CACHE_LIMIT = 10_000;

export function createPrognosisService(registry: ModelRegistry): PrognosisService {
  const cache = new BoundedMap<string, PrognosisPrediction>(CACHE_LIMIT);
  return {
    async predict(summaries) {
      const out: (PrognosisPrediction | null)[] = summaries.map(() => null);
      const eligible = summaries.flatMap((s, i) => (s && s.summary.primaryCancer?.cancerType === 'breast' ? [{ s, i }] : []));
      if (eligible.length === 0) return out;
      const lease = registry.lease(PROGNOSIS_MODEL);
      try {
        const { card } = lease;
        if (card.featureSchema !== `${TCGA_BRCA_SCHEMA.id}@${TCGA_BRCA_SCHEMA.version}` || !card.standardisation || !card.survivalGrid) {
          throw new Error(`${lease.id} expects ${card.featureSchema}, which this site cannot assemble`);
        }
        const todo: { i: number; key: string; features: AssembledFeatures }[] = [];
        for (const { s, i } of eligible) {
          const key = `${s.summary.patientId}@${s.dataVersion}|${lease.id}`;
          const hit = cache.get(key);
          if (hit) out[i] = hit;
          else todo.push({ i, key, features: assembleFeatures(TCGA_BRCA_SCHEMA, s.summary, card.standardisation) });
        }
        if (todo.length > 0) {
          const width = TCGA_BRCA_SCHEMA.features.length;
          const input = new Float32Array(todo.length * width);
          todo.forEach((t, k) => input.set(t.features.values, k * width));
          const result = await lease.run({ features: new ort.Tensor('float32', input, [todo.length, width]) });
          const risk = result.risk?.data as Float32Array;
          const survival = result.survival?.data as Float32Array;
          const grid = card.survivalGrid;
          todo.forEach((t, k) => {
            const curve = grid.map((day, g) => ({ day, probability: survival[k * grid.length + g]! }));
            const prediction: PrognosisPrediction = {
              risk: risk[k]!,
              survivalCurve: curve,
              medianSurvivalDays: medianSurvival(curve.map((c) => c.probability), grid) ?? null,
              modelVersion: lease.id,
              featureSchema: t.features.schema,
              missingInputs: t.features.missing,
            };
            cache.set(t.key, prediction);
            out[t.i] = prediction;
          });
        }
        return out;
      } finally {
        lease.release();
      }
    },
  };
}
