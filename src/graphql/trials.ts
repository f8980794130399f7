import type { CriterionResult, TrialMatch } from '../trials/evaluate/match-trials.ts';
import type { TrialDefinition } from '../trials/eligibility/types.ts';
import { builder } from './builder.ts';
import { InputIssueType } from './fhir-import.ts';
import { PatientType } from './patient.ts';

const CriterionResultEnum = builder.enumType('CriterionResult', {
  values: { MET: {}, NOT_MET: {}, UNKNOWN: { description: 'the record does not say; never read as not met' } } as const,
});
const MatchStatusEnum = builder.enumType('TrialMatchStatus', { values: ['ELIGIBLE', 'POSSIBLY_ELIGIBLE', 'NOT_ELIGIBLE'] as const });

const TrialType = builder.objectRef<TrialDefinition>('Trial').implement({
  fields: (t) => ({
    id: t.exposeID('id', { description: 'the NCT number when the study has one' }),
    title: t.exposeString('title'),
    status: t.exposeString('status'),
    phase: t.string({ nullable: true, resolve: (d) => d.phase ?? null }),
    conditions: t.exposeStringList('conditions'),
    criteriaText: t.string({ nullable: true, resolve: (d) => d.criteriaText ?? null }),
    warnings: t.field({ type: [InputIssueType], resolve: (d) => d.warnings }),
  }),
});

const CriterionType = builder.objectRef<CriterionResult>('TrialCriterion').implement({
  fields: (t) => ({
    id: t.exposeString('id'),
    text: t.exposeString('text'),
    result: t.field({ type: CriterionResultEnum, resolve: (c) => c.result }),
    exclusion: t.exposeBoolean('exclusion', { description: 'an exclusion criterion: MET excludes the patient' }),
    observed: t.string({ nullable: true, resolve: (c) => c.observed ?? null }),
    reason: t.string({ nullable: true, resolve: (c) => c.reason ?? null }),
  }),
});

const TrialMatchType = builder.objectRef<TrialMatch>('TrialMatch').implement({
  fields: (t) => ({
    trial: t.field({ type: TrialType, resolve: (m) => m.trial }),
    status: t.field({ type: MatchStatusEnum, resolve: (m) => m.status }),
    overall: t.field({ type: CriterionResultEnum, resolve: (m) => m.overall }),
    score: t.exposeFloat('score'),
    criteria: t.field({ type: [CriterionType], resolve: (m) => m.criteria }),
  }),
});

builder.objectFields(PatientType, (t) => ({
  matchingTrials: t.field({
    type: [TrialMatchType],
    description: "Registered trials for this patient, criterion by criterion (MET, NOT_MET, UNKNOWN when the record does not say)",
    args: { includeNotEligible: t.arg.boolean({ required: false }) },
    resolve: (p, args, ctx) => ctx.trials.matchingTrials(p.id, { includeNotEligible: args.includeNotEligible ?? false }),
  }),
}));

builder.queryField('trials', (t) => t.field({ type: [TrialType], description: 'Trials registered at this site', resolve: (_r, _a, ctx) => ctx.trials.trials() }));

builder.mutationField('registerTrial', (t) =>
  t.field({
    type: TrialType,
    description: 'Registers (or replaces) a trial from a FHIR ResearchStudy and/or a CTML-like eligibility document',
    args: { researchStudy: t.arg({ type: 'JSON', required: false }), eligibility: t.arg({ type: 'JSON', required: false }) },
    resolve: (_r, args, ctx) =>
      ctx.trials.registerTrial({ ...(args.researchStudy != null ? { researchStudy: args.researchStudy } : {}), ...(args.eligibility != null ? { eligibility: args.eligibility } : {}) }),
  }),
);
