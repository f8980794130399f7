import type { ClinicalService } from '../clinical/clinical-service.ts';
import type { GenomicsService } from '../genomics/genomics-service.ts';
import { RESPONSE_REGIMENS } from '../features/response-schema.ts';
import type { ResponsePrediction, ResponseService } from '../inference/response-predictions.ts';
import { loadTherapyKnowledgeBase, type TherapyKnowledgeBase } from './knowledge-base.ts';
import type { Regimen } from './regimens.ts';
import { suggestTherapies, type TherapySuggestion } from './suggest-therapies.ts';

export interface TherapySuggestions {
  /** the knowledge base the evidence comes from, `civic-YYYY-MM-DD` */
  knowledgeBase: string;
  /** the response model behind predictedResponse, `name@version`, when it ranked anything */
  modelVersion: string | null;
  /** what the response model read for this patient (empty when it ranked nothing) */
  modelInputs: ResponsePrediction['inputs'];
  missingInputs: ResponsePrediction['missingInputs'];
  /** false when the patient has no stored sequencing result: evidence cannot be matched without calls */
  sequenced: boolean;
  suggestions: TherapySuggestion[];
}

export interface TherapyService {
  readonly knowledgeBase: TherapyKnowledgeBase;
  suggest(patientId: string): Promise<TherapySuggestions>;
}

export interface TherapyServiceOptions {
  clinical: Pick<ClinicalService, 'summaries'>;
  genomics: Pick<GenomicsService, 'callSets' | 'variants'>;
  response: ResponseService;
  /** the model can be absent (not loaded): suggestions are then ranked on evidence alone */
  responseAvailable: () => boolean;
  knowledgeBase?: TherapyKnowledgeBase;
}

/**
 * The response model's regimen for a CIViC regimen: the same set of drugs. The model's regimen ids
 * are its drugs joined by hyphens (`encorafenib-cetuximab`); chemotherapy backbones such as FOLFIRI
 * are not CIViC drug names, so regimens that include one never match and are ranked on evidence.
 */
export function responseRegimenOf(regimen: Regimen): string | undefined {
  const drugs = [...regimen.drugs.map((d) => d.toLowerCase())].sort().join('+');
  return RESPONSE_REGIMENS.find((r) => [...r.split('-')].sort().join('+') === drugs);
}

/** Therapy suggestions for a patient: CIViC evidence tiered for the patient's tumour, ranked with the response model. */
export function createTherapyService(options: TherapyServiceOptions): TherapyService {
  // read and checked against its checksums once, on first use; a serving site touches it at start-up
  let loaded = options.knowledgeBase;
  const knowledgeBase = () => (loaded ??= loadTherapyKnowledgeBase());
  return {
    get knowledgeBase() {
      return knowledgeBase();
    },
    async suggest(patientId) {
      const kb = knowledgeBase();
      const [stored] = await options.clinical.summaries([patientId]);
      const cancer = stored?.summary.primaryCancer;
      const base = { knowledgeBase: kb.version, modelVersion: null, modelInputs: [], missingInputs: [], sequenced: false, suggestions: [] };
      if (!stored || !cancer) return base;
      if ((await options.genomics.callSets(patientId)).length === 0) return base;
      const variants = await options.genomics.variants(patientId);
      const drafts = suggestTherapies({ cancer, variants }, kb);
      const known = [...new Set(drafts.map((s) => responseRegimenOf(s.therapy)).filter((r) => r !== undefined))];
      let predictions: ResponsePrediction[] = [];
      if (known.length > 0 && options.responseAvailable()) [predictions = []] = await options.response.predict([{ summary: stored, therapies: known }]);
      const byRegimen = new Map(predictions.map((p) => [p.therapy, p.probability]));
      const suggestions = predictions.length > 0 ? suggestTherapies({ cancer, variants }, kb, { rankWith: (r) => byRegimen.get(responseRegimenOf(r) ?? '') }) : drafts;
      const first = predictions[0];
      return { knowledgeBase: kb.version, modelVersion: first?.modelVersion ?? null, modelInputs: first?.inputs ?? [], missingInputs: first?.missingInputs ?? [], sequenced: true, suggestions };
    },
  };
}
