import DataLoader from 'dataloader';
import type { Services } from '../app.ts';
import type { ResponseService } from '../inference/response-predictions.ts';
import type { Loaders } from './builder.ts';

/** Builds the loaders for one request. */
export function createLoaders(services: Pick<Services, 'clinical' | 'prognosis' | 'response' | 'genomics' | 'pathology'>): Loaders {
  const { clinical, prognosis, response, genomics, pathology } = services;
  const summary = new DataLoader((ids: readonly string[]) => clinical.summaries(ids));
  return {
    summary,
    callSets: new DataLoader((ids: readonly string[]) => Promise.all(ids.map((id) => genomics.callSets(id)))),
    slides: new DataLoader((ids: readonly string[]) => Promise.all(ids.map((id) => pathology.slides(id)))),
    response: new DataLoader(
      async (keys) => {
        const summaries = await summary.loadMany(keys.map((k) => k.patientId));
        const present = keys.flatMap((k, i) => (summaries[i] && !(summaries[i] instanceof Error) ? [{ i, summary: summaries[i], ...(k.therapies ? { therapies: k.therapies } : {}) }] : []));
        const answers = await response.predict(present);
        const out = keys.map(() => [] as Awaited<ReturnType<ResponseService['predict']>>[number]);
        present.forEach((p, k) => (out[p.i] = answers[k]!));
        return out;
      },
      { cacheKeyFn: (k) => `${k.patientId}|${k.therapies?.join(',') ?? ''}` },
    ),
    prognosis: new DataLoader(async (ids: readonly string[]) => prognosis.predict(await summary.loadMany(ids).then((r) => r.map((x) => (x instanceof Error ? undefined : x))))),
  };
}
