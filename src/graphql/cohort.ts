import type { EligiblePatientsPage } from '../trials/cohort/eligible-patients.ts';
import type { BreakdownCell, ReleasedCount } from '../trials/cohort/representation.ts';
import { deriveMatcherKey } from '../trials/cohort/pseudonyms.ts';
import { DomainError, ErrorCode } from '../errors/domain-error.ts';
import { builder } from './builder.ts';

const ReleasedCountType = builder.objectRef<ReleasedCount>('ReleasedCount').implement({
  description: 'A count as released to a trial matcher: counts from 1 to 10 are suppressed (value null, display "<11")',
  fields: (t) => ({
    value: t.int({ nullable: true, resolve: (c) => c.value }),
    display: t.exposeString('display'),
  }),
});

const BreakdownCellType = builder.objectRef<BreakdownCell>('RepresentationCell').implement({
  fields: (t) => ({
    group: t.exposeString('group'),
    count: t.field({ type: ReleasedCountType, resolve: (c) => c.count }),
  }),
});

const RepresentationType = builder.objectRef<EligiblePatientsPage['representation']>('CohortRepresentation').implement({
  description: 'Who the eligible patients are, so that under-represented groups are visible (small cells suppressed)',
  fields: (t) => ({
    populationGroup: t.field({ type: [BreakdownCellType], resolve: (r) => r.populationGroup }),
    sex: t.field({ type: [BreakdownCellType], resolve: (r) => r.sex }),
    ageBand: t.field({ type: [BreakdownCellType], resolve: (r) => r.ageBand }),
  }),
});

const PageInfoType = builder.objectRef<EligiblePatientsPage['pageInfo']>('CohortPageInfo').implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage'),
    endCursor: t.string({ nullable: true, resolve: (p) => p.endCursor }),
  }),
});

const EligiblePatientType = builder.objectRef<EligiblePatientsPage['patients'][number]>('EligiblePatient').implement({
  description: 'A patient as a trial matcher sees it: a pseudonym keyed to the matcher and the trial, never a record id',
  fields: (t) => ({ pseudonym: t.exposeString('pseudonym'), cursor: t.exposeString('cursor') }),
});

const EligiblePatientsType = builder.objectRef<EligiblePatientsPage>('EligiblePatients').implement({
  fields: (t) => ({
    trialId: t.exposeString('trialId'),
    asOf: t.exposeString('asOf'),
    patients: t.field({ type: [EligiblePatientType], resolve: (p) => p.patients }),
    pageInfo: t.field({ type: PageInfoType, resolve: (p) => p.pageInfo }),
    count: t.field({ type: ReleasedCountType, resolve: (p) => p.count }),
    idsWithheld: t.exposeBoolean('idsWithheld', { description: 'true when the count is suppressed: a list would give it away' }),
    possible: t.field({ type: ReleasedCountType, nullable: true, resolve: (p) => p.possible ?? null }),
    needsRecordReview: t.exposeBoolean('needsRecordReview'),
    representation: t.field({ type: RepresentationType, resolve: (p) => p.representation }),
  }),
});

builder.queryField('eligiblePatients', (t) =>
  t.field({
    type: EligiblePatientsType,
    description: 'Trial → patients for trial matchers: pseudonymous ids, suppressed counts and the representation of groups',
    args: {
      trialId: t.arg.string({ required: true }),
      first: t.arg.int({ required: false, defaultValue: 100 }),
      after: t.arg.string({ required: false }),
      includePossible: t.arg.boolean({ required: false, defaultValue: false }),
    },
    resolve: async (_r, args, ctx) => {
      const caller = ctx.principal;
      if (!caller) throw new DomainError(ErrorCode.UNAUTHENTICATED, 'eligiblePatients needs a bearer token');
      // the pseudonyms are keyed to the calling client, so two matchers cannot link their lists
      const matcherKey = deriveMatcherKey(await ctx.pseudonymKey(), caller.clientId);
      return ctx.trials.eligiblePatients(args.trialId, {
        first: args.first ?? 100,
        matcherKey,
        includePossible: args.includePossible ?? false,
        ...(args.after ? { after: args.after } : {}),
      });
    },
  }),
);
