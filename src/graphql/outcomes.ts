import type { RecordedOutcome } from '../outcomes/record-outcome.ts';
import type { SurvivalLabel } from '../outcomes/survival.ts';
import { equityOptions } from '../equity/equity-options.ts';
import { builder } from './builder.ts';
import { InputIssueType } from './fhir-import.ts';

const RecistEnum = builder.enumType('RecistCategory', {
  description: 'RECIST 1.1 best overall response',
  values: { CR: { description: 'complete response' }, PR: { description: 'partial response' }, SD: { description: 'stable disease' }, PD: { description: 'progressive disease' } } as const,
});
const TierEnum = builder.enumType('SuggestionTier', { values: ['I', 'II', 'III'] as const });

const TherapyInput = builder.inputType('OutcomeTherapyInput', {
  description: 'The regimen given: a formulary regimen (id or name) or the RxNorm ingredient codes of its drugs',
  fields: (t) => ({
    regimen: t.string({ required: false }),
    rxnorm: t.stringList({ required: false }),
    name: t.string({ required: false, description: 'for people, when the regimen is not in the formulary' }),
  }),
});
const ResponseInput = builder.inputType('BestResponseInput', {
  fields: (t) => ({ category: t.field({ type: RecistEnum, required: true }), date: t.string({ required: true, description: 'YYYY-MM-DD' }) }),
});
const DeathInput = builder.inputType('DeathInput', { fields: (t) => ({ date: t.string({ required: true, description: 'YYYY-MM-DD' }) }) });
const FollowedInput = builder.inputType('FollowedSuggestionInput', {
  fields: (t) => ({
    therapy: t.string({ required: true }),
    tier: t.field({ type: TierEnum, required: false }),
    modelVersion: t.string({ required: false, description: 'the response model behind the ranking, name@version' }),
  }),
});
const OutcomeInput = builder.inputType('OutcomeInput', {
  description: 'What happened on one line of therapy; dates are YYYY-MM-DD',
  fields: (t) => ({
    patientId: t.id({ required: true }),
    therapy: t.field({ type: TherapyInput, required: true }),
    line: t.int({ required: true }),
    startDate: t.string({ required: true }),
    bestResponse: t.field({ type: ResponseInput, required: false }),
    progressionDate: t.string({ required: false }),
    death: t.field({ type: DeathInput, required: false }),
    lastFollowUp: t.string({ required: false }),
    followedSuggestion: t.field({ type: FollowedInput, required: false, description: 'null states that no suggestion was followed; leave it out when unknown' }),
  }),
});

const SurvivalType = builder.objectRef<SurvivalLabel>('SurvivalLabel').implement({
  fields: (t) => ({ days: t.exposeInt('days'), event: t.boolean({ resolve: (s) => s.event === 1, description: 'true: progression or death observed; false: censored' }) }),
});

const RecordedOutcomeType = builder.objectRef<RecordedOutcome>('RecordedOutcome').implement({
  fields: (t) => ({
    patientId: t.exposeID('patientId'),
    line: t.exposeInt('line'),
    regimen: t.string({ nullable: true, resolve: (o) => o.regimen ?? null }),
    therapy: t.exposeString('therapy'),
    responded: t.boolean({ nullable: true, description: 'the training label: CR or PR; null without a usable assessment', resolve: (o) => (o.responseLabel === undefined ? null : o.responseLabel === 1) }),
    progressionFreeSurvival: t.field({ type: SurvivalType, resolve: (o) => o.pfs }),
    overallSurvival: t.field({ type: SurvivalType, resolve: (o) => o.os }),
    resources: t.stringList({ resolve: (o) => o.resources.map((r) => `${r.resourceType}/${r.id}/_history/${r.version}`) }),
    warnings: t.field({ type: [InputIssueType], resolve: (o) => o.warnings }),
  }),
});

builder.mutationField('recordOutcome', (t) =>
  t.field({
    type: RecordedOutcomeType,
    description: "Records a line of therapy's outcome in the patient's FHIR record and as a training label for the next federated round; impossible timelines are rejected and nothing is stored",
    args: { input: t.arg({ type: OutcomeInput, required: true }) },
    resolve: (_root, args, ctx) => ctx.outcomes.record(args.input),
  }),
);

builder.queryField('equityReport', (t) =>
  t.field({
    type: 'JSON',
    description: "The site's equity report: current models' metrics per population group, sex, age band and cancer type (small groups suppressed), the worst-group gap, and each group's share among all, sequenced and trial-eligible patients",
    args: {
      asOf: t.arg.string({ required: false, description: 'ISO time; now by default' }),
      minSubgroupSize: t.arg.int({ required: false }),
    },
    resolve: (_root, args, ctx) =>
      ctx.equity.report(equityOptions(ctx.trials, args.asOf ? new Date(args.asOf) : new Date(), args.minSubgroupSize ?? undefined)),
  }),
);
