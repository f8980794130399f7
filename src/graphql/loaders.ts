import DataLoader from 'dataloader';
import type { ClinicalService } from '../clinical/clinical-service.ts';
import type { Loaders } from './builder.ts';

/** Builds the loaders for one request. */
export function createLoaders(clinical: ClinicalService): Loaders {
  return {
    summary: new DataLoader((ids: readonly string[]) => clinical.summaries(ids)),
  };
}
