/**
 * Biomarker predictions from a patient's H&E slides: every kept tile of every slide embedded by
 * the encoder the model was trained on forms one bag; the MIL model returns a probability per
 * biomarker and each tile's attention, the explanation a pathologist can look at.
 */
import { BoundedMap } from '../caching/bounded-map.ts';
import * as ort from 'onnxruntime-node';
import { standardise } from '../features/feature-schema.ts';
import type { PathologyService } from '../pathology/pathology-service.ts';
import type { ModelRegistry } from './model-registry.ts';

export const MUTATION_MODEL = 'mutation-synthetic';

export interface MutationPrediction {
  biomarker: string;
  probability: number;
  modelVersion: string;
  tiles: number;
  /** every tile with its attention for this biomarker, highest first */
  attention: { tileId: string; attention: number }[];
}

export interface MutationService {
  predict(patientId: string): Promise<MutationPrediction[]>;
}

const CACHE_LIMIT = 2_000;

export function createMutationService(registry: ModelRegistry, pathology: PathologyService): MutationService {
  // answers per (the patient's slides as last updated, model version)
  const cache = new BoundedMap<string, MutationPrediction[]>(CACHE_LIMIT);
  return {
    async predict(patientId) {
      if (!registry.has(MUTATION_MODEL)) return [];
      const lease = registry.lease(MUTATION_MODEL);
      try {
        const { card } = lease;
        const encoder = card.featureSchema.replace(/^tile-embedding:/, '');
        const std = card.standardisation;
        const markers = card.biomarkers ?? [];
        if (!std) throw new Error(`${lease.id} has no standardisation`);
        const slides = (await pathology.slides(patientId)).filter((s) => s.encoder === encoder && s.kept > 0);
        if (slides.length === 0) return [];
        const key = `${patientId}|${slides.map((s) => `${s.slideId}@${s.updatedAt}:${s.tileCount}`).join(',')}|${lease.id}`;
        const hit = cache.get(key);
        if (hit) return hit;
        const ids: string[] = [];
        const rows: number[] = [];
        for (const s of slides) {
          const bag = await pathology.slideEmbeddings(patientId, s.slideId);
          bag.names.forEach((name, i) => {
            ids.push(`${s.slideId}/${name}`);
            rows.push(...standardise(bag.data.subarray(i * bag.dim, (i + 1) * bag.dim), std));
          });
        }
        const dim = std.mean.length;
        const out = await lease.run({ tiles: new ort.Tensor('float32', Float32Array.from(rows), [ids.length, dim]) });
        const p = out.probability!.data as Float32Array;
        const a = out.attention!.data as Float32Array;
        const answer = markers.map((biomarker, k) => ({
          biomarker,
          probability: p[k]!,
          modelVersion: lease.id,
          tiles: ids.length,
          attention: ids.map((tileId, i) => ({ tileId, attention: a[i * markers.length + k]! })).sort((x, y) => y.attention - x.attention),
        }));
        cache.set(key, answer);
        return answer;
      } finally {
        lease.release();
      }
    },
  };
}
