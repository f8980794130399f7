/**
 * `federation { source rounds sites lineages privacy }`: the federated training this node takes
 * part in, as its own store knows it (`../federation/site/federation-view.ts` says what a site can
 * and cannot know), or the coordinator's view when the node's database also holds a coordinator.
 * Ids, states, counts and ε only. The service is `federation` on the context
 * (`createSiteFederationService({ db })` among the app's services).
 */
import { DomainError, ErrorCode } from '../errors/domain-error.ts';
import type { FederationView, SiteFederationService, ViewLineage, ViewPrivacy, ViewRound, ViewSite } from '../federation/site/federation-view.ts';
import { builder, type GraphQLContext } from './builder.ts';

const DeclineType = builder.objectRef<{ siteId: string; reason: string }>('FederationDecline').implement({
  fields: (t) => ({
    siteId: t.exposeString('siteId'),
    reason: t.exposeString('reason', { description: 'PRIVACY_BUDGET, NO_DATA or OPERATOR' }),
  }),
});

const RoundType = builder.objectRef<ViewRound>('FederationRound').implement({
  description: 'A federated training round',
  fields: (t) => ({
    id: t.exposeID('id'),
    federationId: t.exposeString('federationId'),
    lineageId: t.exposeString('lineageId', { nullable: true, description: 'null when the site has seen no version from the round' }),
    status: t.exposeString('status', { description: "the site's own status (active, submitted, declined), or the round's at a coordinator (open, aggregating, closed, failed)" }),
    strategy: t.exposeString('strategy', { nullable: true, description: 'null at a site: rounds do not tell sites the strategy' }),
    secureAggregation: t.exposeBoolean('secureAggregation', { nullable: true }),
    participants: t.exposeStringList('participants', { nullable: true, description: "the resulting version's contributors, else a secure round's roster" }),
    submitted: t.exposeInt('submitted', { description: 'updates received (coordinator), or 1 when this site submitted' }),
    declined: t.exposeInt('declined', { description: 'declines received (coordinator), or 1 when this site declined' }),
    declines: t.field({ type: [DeclineType], resolve: (r) => r.declines }),
    numExamples: t.exposeInt('numExamples', { nullable: true, description: 'examples this site trained on' }),
    epsilonSpent: t.exposeFloat('epsilonSpent', { nullable: true, description: 'ε this site had spent in the federation after the round; null without DP' }),
    resultVersion: t.exposeInt('resultVersion', { nullable: true }),
    updatedAt: t.exposeString('updatedAt', { description: 'ISO time' }),
  }),
});

const SiteType = builder.objectRef<ViewSite>('FederationSite').implement({
  fields: (t) => ({
    federationId: t.exposeString('federationId'),
    siteId: t.exposeString('siteId'),
    status: t.exposeString('status', { description: 'active or suspended (coordinator); known (seen in a manifest or roster)' }),
    lastSeenAt: t.exposeString('lastSeenAt', { nullable: true }),
  }),
});

const LineageType = builder.objectRef<ViewLineage>('FederationLineage').implement({
  fields: (t) => ({
    federationId: t.exposeString('federationId'),
    lineageId: t.exposeString('lineageId'),
    latestVersion: t.exposeInt('latestVersion'),
    latestRoundId: t.exposeString('latestRoundId', { nullable: true }),
  }),
});

const PrivacyType = builder.objectRef<ViewPrivacy>('FederationPrivacy').implement({
  description: "This site's differential-privacy ledger in one federation",
  fields: (t) => ({
    federationId: t.exposeString('federationId'),
    budgetEpsilon: t.exposeFloat('budgetEpsilon'),
    budgetDelta: t.exposeFloat('budgetDelta'),
    epsilonSpent: t.exposeFloat('epsilonSpent'),
    roundsCharged: t.exposeInt('roundsCharged'),
  }),
});

const FederationType = builder.objectRef<FederationView>('Federation').implement({
  fields: (t) => ({
    source: t.exposeString('source', { description: "site: this site's records; coordinator: the coordinator store in the same database" }),
    rounds: t.field({ type: [RoundType], description: 'recent rounds, newest first', resolve: (v) => v.rounds }),
    sites: t.field({ type: [SiteType], resolve: (v) => v.sites }),
    lineages: t.field({ type: [LineageType], resolve: (v) => v.lineages }),
    privacy: t.field({ type: [PrivacyType], resolve: (v) => v.privacy }),
  }),
});

function serviceOf(ctx: GraphQLContext): SiteFederationService {
  const service = (ctx as GraphQLContext & { federation?: SiteFederationService }).federation;
  if (!service) throw new DomainError(ErrorCode.UNAVAILABLE, 'this node has no federation view configured');
  return service;
}

builder.queryField('federation', (t) =>
  t.field({
    type: FederationType,
    description: 'The federated training this node takes part in: rounds, sites, lineages and its privacy ledger',
    args: { limit: t.arg.int({ required: false, description: 'most rounds, newest first (default 20, at most 200)' }) },
    resolve: (_root, args, ctx) => serviceOf(ctx).view(args.limit === null || args.limit === undefined ? {} : { limit: args.limit }),
  }),
);
