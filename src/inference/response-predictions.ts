/**
 * P(response) for candidate regimens from the shipped response model: one batch per call with a
 * row per (patient, regimen), each answer naming the model version and the missing inputs.
 */
import { BoundedMap } from '../caching/bounded-map.ts';
import * as ort from 'onnxruntime-node';
import type { StoredSummary } from '../clinical/clinical-service.ts';
import { assembleFeatures, standardise } from '../features/feature-schema.ts';
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
  /** what the model read for this patient, before standardisation (missing ones at their imputed value) */
  inputs: { feature: string; value: number }[];
  missingInputs: { feature: string; reason: string }[];
}

export interface ResponseRequest {
  summary: StoredSummary;
  /** regimens to score; the formulary's regimens for the patient's cancer when omitted */
  therapies?: readonly string[];
}

export interface ResponseService {
  /** Predictions for each request, best first within each; every row of every request goes through one model run. */
  predict(requests: readonly ResponseRequest[]): Promise<ResponsePrediction[][]>;
}

/** Refuses regimens the model does not know, before any work is batched. */
export function checkRegimens(therapies: readonly string[] | undefined): void {
  const unknown = therapies?.filter((t) => !(RESPONSE_REGIMENS as readonly string[]).includes(t));
  if (unknown && unknown.length > 0) throw badInput(`unknown regimen${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the response model knows ${RESPONSE_REGIMENS.join(', ')}`);
}

const CACHE_LIMIT = 10_000;

export function createResponseService(registry: ModelRegistry): ResponseService {
  const schema = responseSchema();
  // answers per (patient data version, model version, regimens): a record that changes gets a new data version
  const cache = new BoundedMap<string, ResponsePrediction[]>(CACHE_LIMIT);
  return {
    async predict(requests) {
      for (const r of requests) checkRegimens(r.therapies);
      const out: ResponsePrediction[][] = requests.map(() => []);
      const lease = registry.lease(RESPONSE_MODEL);
      try {
        const std = lease.card.standardisation;
        if (!std || lease.card.featureSchema !== `${schema.id}@${schema.version}`) throw new Error(`${lease.id} expects ${lease.card.featureSchema}`);
        const width = std.mean.length;
        const todo: { i: number; key: string; candidates: readonly ResponseRegimen[]; line: number; inputs: ResponsePrediction['inputs']; missing: ResponsePrediction['missingInputs']; rows: number[][] }[] = [];
        requests.forEach((r, i) => {
          const s = r.summary.summary;
          const candidates = (r.therapies ?? REGIMENS_BY_CANCER[s.primaryCancer?.cancerType ?? ''] ?? []) as readonly ResponseRegimen[];
          if (candidates.length === 0) return;
          const key = `${s.patientId}@${r.summary.dataVersion}|${lease.id}|${candidates.join(',')}`;
          const hit = cache.get(key);
          if (hit) {
            out[i] = hit;
            return;
          }
          const line = Math.max(0, ...s.medications.map((m) => m.line ?? 0)) + 1;
          const patient = assembleFeatures(schema, s, { mean: [], sd: [] });
          const inputs = [...schema.features.map((f, k) => ({ feature: f.name, value: patient.raw[k]! })), { feature: 'line', value: line }];
          todo.push({ i, key, candidates, line, inputs, missing: patient.missing, rows: candidates.map((c) => [...patient.raw, ...regimenEncoding(c, line)]) });
        });
        const rows = todo.flatMap((t) => t.rows);
        if (rows.length === 0) return out;
        const input = new Float32Array(rows.length * width);
        rows.forEach((raw, k) => input.set(standardise(raw, std), k * width));
        const result = await lease.run({ features: new ort.Tensor('float32', input, [rows.length, width]) });
        const p = result.probability!.data as Float32Array;
        let offset = 0;
        for (const t of todo) {
          const answer = t.candidates
            .map((therapy, k) => ({ therapy, probability: p[offset + k]!, line: t.line, modelVersion: lease.id, inputs: t.inputs, missingInputs: t.missing }))
            .sort((a, b) => b.probability - a.probability);
          offset += t.candidates.length;
          cache.set(t.key, answer);
          out[t.i] = answer;
        }
        return out;
      } finally {
        lease.release();
      }
    },
  };
}
