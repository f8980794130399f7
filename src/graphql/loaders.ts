import DataLoader from 'dataloader';
import type { ClinicalService } from '../clinical/clinical-service.ts';
import type { PrognosisService } from '../inference/prognosis-predictions.ts';
import type { Loaders } from './builder.ts';

/** Builds the loaders for one request. */
export function createLoaders(clinical: ClinicalService, prognosis: PrognosisService): Loaders {
  const summary = new DataLoader((ids: readonly string[]) => clinical.summaries(ids));
  return {
    summary,
    prognosis: new DataLoader(async (ids: readonly string[]) => prognosis.predict(await summary.loadMany(ids).then((r) => r.map((x) => (x instanceof Error ? undefined : x))))),
  };
}
