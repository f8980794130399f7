import type { EvidenceSummary, NotAssessableEvidence, TherapySuggestion } from '../therapy/suggest-therapies.ts';
import { builder } from './builder.ts';
import { PatientType } from './patient.ts';

type Suggestion = TherapySuggestion & { knowledgeBase: string; modelVersion: string | null; modelInputs: ModelInput[]; missingInputs: { feature: string; reason: string }[] };
type ModelInput = { feature: string; value: number };

const ModelInputType = builder.objectRef<ModelInput>('ModelInput').implement({
  description: 'One input the response model read for this patient, before standardisation',
  fields: (t) => ({ feature: t.exposeString('feature'), value: t.exposeFloat('value') }),
});

const MissingInputType = builder.objectRef<{ feature: string; reason: string }>('MissingModelInput').implement({
  description: 'An input the record did not have; the model read its training mean instead',
  fields: (t) => ({ feature: t.exposeString('feature'), reason: t.exposeString('reason') }),
});

const EvidenceType = builder.objectRef<EvidenceSummary | NotAssessableEvidence>('Evidence').implement({
  description: 'A CIViC evidence item (CC0) behind a suggestion or a warning',
  fields: (t) => ({
    id: t.exposeInt('id', { description: 'CIViC evidence item id (EID)' }),
    level: t.exposeString('level', { description: 'CIViC evidence level A to E' }),
    significance: t.exposeString('significance'),
    direction: t.exposeString('direction'),
    rating: t.exposeInt('rating', { nullable: true }),
    profile: t.exposeString('profile', { description: "CIViC's molecular profile" }),
    therapies: t.exposeString('therapies'),
    disease: t.string({ resolve: (e) => e.disease.name }),
    doid: t.string({ nullable: true, resolve: (e) => e.disease.doid ?? null }),
    inTumourType: t.exposeBoolean('inTumourType', { description: "whether the item's disease counts as the patient's tumour type" }),
    tier: t.string({ nullable: true, resolve: (e) => e.tier ?? null }),
    citation: t.string({ resolve: (e) => `${e.citation.source} ${e.citation.id}` }),
    citationUrl: t.string({ nullable: true, resolve: (e) => e.citation.url ?? null }),
    statement: t.string({ nullable: true, resolve: (e) => e.statement ?? null }),
    url: t.exposeString('url'),
    matchedVariants: t.stringList({ resolve: (e) => e.variants.map((v) => [v.gene, v.proteinChange].filter(Boolean).join(' ')) }),
    notAssessable: t.stringList({
      description: 'profile variants the sequencing result cannot decide (amplification, fusion, expression...), with the reason',
      resolve: (e) => ('unassessed' in e ? e.unassessed.map((u) => `${u.gene} ${u.name}: ${u.reason}`) : []),
    }),
  }),
});

const SuggestionType = builder.objectRef<Suggestion>('TherapySuggestion').implement({
  description: 'A regimen for the patient with the evidence tier behind it (PCGR-style AMP/ASCO/CAP crosswalk) and the response model\'s estimate',
  fields: (t) => ({
    therapy: t.string({ resolve: (s) => s.therapy.name }),
    drugs: t.stringList({ resolve: (s) => s.therapy.drugs }),
    kind: t.string({ resolve: (s) => s.therapy.kind, description: 'single, combination or sequential' }),
    tier: t.string({ nullable: true, resolve: (s) => s.tier, description: 'I, II or III; null when it is listed only for warnings or unassessable evidence' }),
    level: t.exposeString('level', { description: 'the best evidence level behind the tier' }),
    predictedResponse: t.float({ nullable: true, resolve: (s) => s.predictedResponse ?? null, description: "the site's response model's probability of response, when it knows the regimen" }),
    modelVersion: t.exposeString('modelVersion', { nullable: true }),
    modelInputs: t.field({ type: [ModelInputType], resolve: (s) => s.modelInputs, description: 'what the response model read for this patient (empty when it did not rank this regimen)' }),
    missingInputs: t.field({ type: [MissingInputType], resolve: (s) => s.missingInputs }),
    knowledgeBase: t.exposeString('knowledgeBase'),
    evidence: t.field({ type: [EvidenceType], resolve: (s) => s.evidence }),
    resistance: t.field({ type: [EvidenceType], resolve: (s) => s.resistance, description: 'resistance evidence for this regimen: a warning' }),
    contrary: t.field({ type: [EvidenceType], resolve: (s) => s.contrary }),
    notAssessable: t.field({ type: [EvidenceType], resolve: (s) => s.notAssessable }),
  }),
});

builder.objectFields(PatientType, (t) => ({
  therapySuggestions: t.field({
    type: [SuggestionType],
    description: 'Regimens with CIViC evidence for this patient, ranked by tier, evidence level and predicted response; empty without a sequencing result',
    args: { includeUntiered: t.arg.boolean({ required: false, description: 'also list regimens that carry only warnings or unassessable evidence' }) },
    resolve: async (p, args, ctx) => {
      const result = await ctx.therapy.suggest(p.id);
      return result.suggestions
        .filter((s) => args.includeUntiered || s.tier !== null)
        .map((s) => {
          const ranked = s.predictedResponse !== undefined;
          return { ...s, knowledgeBase: result.knowledgeBase, modelVersion: ranked ? result.modelVersion : null, modelInputs: ranked ? result.modelInputs : [], missingInputs: ranked ? result.missingInputs : [] };
        });
    },
  }),
}));
