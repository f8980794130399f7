/**
 * What the site can say about one patient, from its store when the patient is stored here (their
 * summary, stored sequencing calls and trial projection), else from the record the EHR supplied.
 */
import type { ResearchStudy, Resource } from '@medplum/fhirtypes';
import type { StoredSummary } from '../clinical/clinical-service.ts';
import { PROGNOSIS_MODEL, type PrognosisPrediction } from '../inference/prognosis-predictions.ts';
import { RESPONSE_MODEL, type ResponsePrediction } from '../inference/response-predictions.ts';
import { suggestTherapies } from '../therapy/suggest-therapies.ts';
import { responseRegimenOf, type TherapySuggestions } from '../therapy/therapy-service.ts';
import type { PatientVariant } from '../therapy/variant-matching.ts';
import type { CdsHooksDeps } from './deps.ts';
import { NO_CACHE, type InsightCache } from './insight-cache.ts';
import { recordBundle } from './record-summary.ts';

/** The patient a hook is about, as the site sees them. */
export interface HookPatient {
  patientId: string;
  /** true when the record is stored at this site */
  stored: boolean;
  summary: StoredSummary;
  /** the EHR-supplied record, when not stored */
  record?: Resource[];
}

/** A trial the patient may fit, from either matching path. */
export interface TrialHit {
  id: string;
  title: string;
  status: 'ELIGIBLE' | 'POSSIBLY_ELIGIBLE';
  score: number;
}

type Deps = Pick<CdsHooksDeps, 'prognosis' | 'response' | 'models' | 'therapy' | 'trials'> & { cache?: InsightCache };

const cacheKey = (what: string, p: HookPatient) => `${what}|${p.patientId}@${p.summary.dataVersion}`;

/** Prognosis, or null outside the model's intended use or when the model is not loaded. */
export async function prognosisFor(deps: Deps, p: HookPatient): Promise<PrognosisPrediction | null> {
  if (!deps.models.has(PROGNOSIS_MODEL)) return null;
  const [prediction = null] = await deps.prognosis.predict([p.summary]);
  return prediction;
}

/** Response predictions for regimens of the model's formulary, best first (empty without the model). */
export async function responsesFor(deps: Deps, p: HookPatient, therapies?: readonly string[]): Promise<ResponsePrediction[]> {
  if (!deps.models.has(RESPONSE_MODEL) || !p.summary.summary.primaryCancer) return [];
  const [predictions = []] = await deps.response.predict([{ summary: p.summary, ...(therapies ? { therapies } : {}) }]);
  return predictions;
}

/**
 * Therapy suggestions. A stored patient's come from the therapy service (stored calls). A supplied
 * record has GenomicVariant observations instead of calls: those are matched the same way, and
 * ranked with the response model as the service ranks them.
 */
export async function therapiesFor(deps: Deps, p: HookPatient): Promise<TherapySuggestions> {
  if (p.stored) return (deps.cache ?? NO_CACHE).get(cacheKey('therapy', p), () => deps.therapy.suggest(p.patientId));
  const kb = deps.therapy.knowledgeBase;
  const { summary } = p.summary;
  const cancer = summary.primaryCancer;
  const base: TherapySuggestions = { knowledgeBase: kb.version, modelVersion: null, modelInputs: [], missingInputs: [], sequenced: false, suggestions: [] };
  if (!cancer || summary.variants.length === 0) return base;
  const variants: PatientVariant[] = summary.variants.map((v) => ({ gene: v.gene ?? null, hgvsp: v.hgvsProtein ?? null, hgvsc: v.hgvsCoding ?? null }));
  const drafts = suggestTherapies({ cancer, variants }, kb);
  const known = [...new Set(drafts.map((s) => responseRegimenOf(s.therapy)).filter((r) => r !== undefined))];
  const predictions = known.length > 0 ? await responsesFor(deps, p, known) : [];
  const byRegimen = new Map(predictions.map((x) => [x.therapy, x.probability]));
  const suggestions = predictions.length > 0 ? suggestTherapies({ cancer, variants }, kb, { rankWith: (r) => byRegimen.get(responseRegimenOf(r) ?? '') }) : drafts;
  const first = predictions[0];
  return { knowledgeBase: kb.version, modelVersion: first?.modelVersion ?? null, modelInputs: first?.inputs ?? [], missingInputs: first?.missingInputs ?? [], sequenced: true, suggestions };
}

const GRADE_STATUS: Record<string, TrialHit['status'] | undefined> = { certain: 'ELIGIBLE', probable: 'ELIGIBLE', possible: 'POSSIBLY_ELIGIBLE' };

function studyId(study: ResearchStudy): string {
  return study.identifier?.find((i) => /^NCT\d{8}$/.test(i.value ?? ''))?.value ?? study.id ?? 'unknown';
}

/** Trials the patient may fit, eligible first. */
export async function trialsFor(deps: Deps, p: HookPatient): Promise<TrialHit[]> {
  // with no cancer known every criterion is undecided and every trial "possibly eligible": noise
  if (!p.summary.summary.primaryCancer) return [];
  if (p.stored) {
    const matches = await (deps.cache ?? NO_CACHE).get(cacheKey('trials', p), () => deps.trials.matchingTrials(p.patientId));
    return matches.flatMap((m) => (m.status === 'NOT_ELIGIBLE' ? [] : [{ id: m.trial.id, title: m.trial.title, status: m.status, score: m.score }]));
  }
  const bundle = await deps.trials.matchResearchStudies(recordBundle(p.record ?? []));
  return (bundle.entry ?? []).flatMap((e) => {
    const grade = e.search?.extension?.find((x) => x.url.endsWith('match-grade'))?.valueCode ?? '';
    const status = GRADE_STATUS[grade];
    if (!e.resource || !status) return [];
    return [{ id: studyId(e.resource), title: e.resource.title ?? studyId(e.resource), status, score: e.search?.score ?? 0 }];
  });
}
