/**
 * P(response) for candidate regimens from the shipped response model: one batch per call with a
 * row per (patient, regimen), each answer naming the model version and the missing inputs.
 */
import * as ort from 'onnxruntime-node';
import type { StoredSummary } from '../clinical/clinical-service.ts';
import { assembleFeatures } from '../features/feature-schema.ts';
import { regimenEncoding, RESPONSE_REGIMENS, responseSchema, type ResponseRegimen } from '../features/response-schema.ts';
import { badInput } from '../errors/domain-error.ts';
import type { ModelRegistry } from './model-registry.ts';

export const RESPONSE_MODEL = 'response-synthetic';

/** Regimens the synthetic formulary offers for each cancer type (the default candidates). */
const REGIMENS_BY_CANCER: Readonly<Record<string, readonly ResponseRegimen[]>> = {
  lung: ['carboplatin-pemetrexed', 'docetaxel', 'osimertinib', 'sotorasib', 'pembrolizumab'],
  colorectal: ['folfox', 'folfiri-cetuximab', 'folfiri-bevacizumab', 'encorafenib-cetuximab', 'pembrolizumab'],
  breast: ['doxorubicin-paclitaxel', 'docetaxel', 'trastuzumab-paclitaxel', 'letrozole', 'letrozole-palbociclib'],
};

export interface ResponsePrediction {
  therapy: string;
  probability: number;
  line: number;
  modelVersion: string;
  missingInputs: { feature: string; reason: string }[];
}

export interface ResponseService {
  /** Predictions for `therapies` (default: the formulary's regimens for the patient's cancer), best first. */
  predict(summary: StoredSummary, therapies?: readonly string[]): Promise<ResponsePrediction[]>;
}

const CACHE_LIMIT = 10_000;

export function createResponseService(registry: ModelRegistry): ResponseService {
  const schema = responseSchema();
  // answers per (patient data version, model version, regimens): a record that changes gets a new data version
  const cache = new Map<string, ResponsePrediction[]>();
  return {
    async predict(stored, therapies) {
      const s = stored.summary;
      const unknown = therapies?.filter((t) => !(RESPONSE_REGIMENS as readonly string[]).includes(t));
      if (unknown && unknown.length > 0) throw badInput(`unknown regimen${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the response model knows ${RESPONSE_REGIMENS.join(', ')}`);
      const candidates = (therapies ?? REGIMENS_BY_CANCER[s.primaryCancer?.cancerType ?? ''] ?? []) as readonly ResponseRegimen[];
      if (candidates.length === 0) return [];
      const line = Math.max(0, ...s.medications.map((m) => m.line ?? 0)) + 1;
      const lease = registry.lease(RESPONSE_MODEL);
      const key = `${s.patientId}@${stored.dataVersion}|${lease.id}|${candidates.join(',')}`;
      const hit = cache.get(key);
      if (hit) {
        lease.release();
        return hit;
      }
      try {
        const std = lease.card.standardisation;
        if (!std || lease.card.featureSchema !== `${schema.id}@${schema.version}`) throw new Error(`${lease.id} expects ${lease.card.featureSchema}`);
        const patient = assembleFeatures(schema, s, { mean: [], sd: [] });
        const width = std.mean.length;
        const input = new Float32Array(candidates.length * width);
        candidates.forEach((r, k) => {
          const raw = [...patient.raw, ...regimenEncoding(r, line)];
          raw.forEach((v, j) => (input[k * width + j] = (v - std.mean[j]!) / std.sd[j]!));
        });
        const out = await lease.run({ features: new ort.Tensor('float32', input, [candidates.length, width]) });
        const p = out.probability!.data as Float32Array;
        const answer = candidates
          .map((therapy, k) => ({ therapy, probability: p[k]!, line, modelVersion: lease.id, missingInputs: patient.missing }))
          .sort((a, b) => b.probability - a.probability);
        if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
        cache.set(key, answer);
        return answer;
      } finally {
        lease.release();
      }
    },
  };
}
