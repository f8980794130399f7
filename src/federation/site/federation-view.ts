/**
 * What a site node can say about the federations it takes part in (GraphQL `federation`), read
 * from its own store only: the rounds it has seen (`site_federation_round`: its status in each, the
 * examples it trained on, the ε it reported, why it declined), the versions it has verified
 * (`site_federation_version`: their lineage and signed manifest, whose contributors are the round's
 * participants) and its privacy ledger (`site_federation_ledger`). A site never learns a round's
 * strategy or the other sites' answers unless a version tells it, so those fields are null there.
 *
 * When the same database also holds a coordinator (a `federation` row), the view is the
 * coordinator's instead (`../coordinator/status.ts`), with this site's ε added where it has a record
 * of the round. Ids, states, counts and ε only: never parameters or patient data.
 */
import type { Database } from '../../storage/port.ts';
import { coordinatorStatus } from '../coordinator/status.ts';
import { PrivacyLedger } from '../privacy/privacy-ledger.ts';
import type { PrivacyReport, VersionManifest } from '../protocol/messages.ts';
import type { SiteSecAggRecord } from './site-store.ts';

export interface ViewRound {
  id: string;
  federationId: string;
  /** null when the site cannot tell (a round that produced no version it has seen) */
  lineageId: string | null;
  /** the site's own status (active, submitted, declined) or, in the coordinator's view, the round's (open, aggregating, closed, failed) */
  status: string;
  /** null in a site's view: rounds do not tell sites the strategy */
  strategy: string | null;
  secureAggregation: boolean | null;
  /** the resulting version's contributors, else a secure round's invited roster; null when unknown */
  participants: string[] | null;
  /** updates received (coordinator), or 1 when this site submitted (site) */
  submitted: number;
  /** declines received (coordinator), or 1 when this site declined (site) */
  declined: number;
  declines: { siteId: string; reason: string }[];
  /** the examples this site trained on; null when it did not train */
  numExamples: number | null;
  /** ε this site had spent in the federation after the round, as it reported it; null without DP */
  epsilonSpent: number | null;
  resultVersion: number | null;
  /** ISO time of the last change the view knows of */
  updatedAt: string;
}

export interface ViewSite {
  federationId: string;
  siteId: string;
  /** active or suspended (coordinator), or `known` for a site seen in a manifest or roster */
  status: string;
  lastSeenAt: string | null;
}

export interface ViewLineage {
  federationId: string;
  lineageId: string;
  latestVersion: number;
  latestRoundId: string | null;
}

export interface ViewPrivacy {
  federationId: string;
  budgetEpsilon: number;
  budgetDelta: number;
  epsilonSpent: number;
  roundsCharged: number;
}

export interface FederationView {
  /** `site`: this site's own records; `coordinator`: the coordinator store in the same database */
  source: 'site' | 'coordinator';
  rounds: ViewRound[];
  sites: ViewSite[];
  lineages: ViewLineage[];
  privacy: ViewPrivacy[];
}

export interface FederationViewOptions {
  /** most rounds, newest first; default 20, at most 200 */
  limit?: number;
}

interface SiteRoundRow {
  federation_id: string;
  round_id: string;
  status: string;
  num_examples: number | null;
  privacy: PrivacyReport | null;
  receipt: { reason?: unknown; siteId?: unknown } | null;
  secagg: SiteSecAggRecord | null;
  updated_at: Date | string;
}

const iso = (d: Date | string) => new Date(d).toISOString();

/** The federation view of the site whose store is `db`. */
export async function readFederationView(db: Database, options: FederationViewOptions = {}): Promise<FederationView> {
  const limit = Math.min(Math.max(options.limit ?? 20, 1), 200);
  const rounds = await db.query<SiteRoundRow>(
    'SELECT federation_id, round_id, status, num_examples, privacy, receipt, secagg, updated_at FROM site_federation_round ORDER BY updated_at DESC, round_id LIMIT $1',
    [limit],
  );
  const versions = await db.query<{ federation_id: string; lineage_id: string; version: number; manifest: VersionManifest }>(
    'SELECT federation_id, lineage_id, version, manifest FROM site_federation_version ORDER BY federation_id, lineage_id, version',
  );
  const ledgers = await db.query<{ federation_id: string; ledger: unknown }>('SELECT federation_id, ledger FROM site_federation_ledger ORDER BY federation_id');
  const privacy = ledgers.rows.map((r): ViewPrivacy => {
    const ledger = PrivacyLedger.fromJSON(r.ledger);
    return { federationId: r.federation_id, budgetEpsilon: ledger.budget.epsilon, budgetDelta: ledger.budget.delta, epsilonSpent: ledger.spent().epsilon, roundsCharged: ledger.rounds.length };
  });
  const own = new Map(rounds.rows.map((r) => [`${r.federation_id}\u0000${r.round_id}`, r]));

  if ((await db.query('SELECT 1 FROM federation LIMIT 1')).rows.length > 0) {
    const status = await coordinatorStatus(db, { limit });
    const lineages = await db.query<{ federation_id: string; lineage_id: string; version: number; round_id: string | null }>(
      `SELECT l.federation_id, l.id AS lineage_id, v.version, v.round_id FROM federation_lineage l
       JOIN federation_version v ON v.lineage_id = l.id
       WHERE v.version = (SELECT max(version) FROM federation_version WHERE lineage_id = l.id) ORDER BY l.federation_id, l.id`,
    );
    return {
      source: 'coordinator',
      rounds: status.rounds.map((r) => {
        const mine = own.get(`${r.federationId}\u0000${r.id}`);
        return {
          id: r.id, federationId: r.federationId, lineageId: r.lineageId, status: r.state, strategy: r.strategy, secureAggregation: r.secureAggregation,
          participants: null, submitted: r.submitted, declined: r.declined, declines: r.declines,
          numExamples: mine?.num_examples ?? null, epsilonSpent: mine?.privacy?.epsilon ?? null, resultVersion: r.resultVersion, updatedAt: r.closedAt ?? r.openedAt,
        };
      }),
      sites: status.sites.map((s) => ({ federationId: s.federationId, siteId: s.siteId, status: s.status, lastSeenAt: s.lastSeenAt })),
      lineages: lineages.rows.map((l) => ({ federationId: l.federation_id, lineageId: l.lineage_id, latestVersion: l.version, latestRoundId: l.round_id })),
      privacy,
    };
  }

  const byRound = new Map(versions.rows.filter((v) => v.manifest.roundId !== null).map((v) => [`${v.federation_id}\u0000${v.manifest.roundId}`, v]));
  const known = new Map<string, ViewSite>();
  const addSite = (federationId: string, siteId: string) => known.set(`${federationId}\u0000${siteId}`, { federationId, siteId, status: 'known', lastSeenAt: null });
  const viewRounds = rounds.rows.map((r): ViewRound => {
    const version = byRound.get(`${r.federation_id}\u0000${r.round_id}`);
    const roster = r.secagg?.state.config.sites ?? null;
    const participants = version?.manifest.contributors ?? roster;
    for (const s of participants ?? []) addSite(r.federation_id, s);
    const reason = r.status === 'declined' && typeof r.receipt?.reason === 'string' ? r.receipt.reason : null;
    return {
      id: r.round_id, federationId: r.federation_id, lineageId: version?.lineage_id ?? null, status: r.status, strategy: null,
      secureAggregation: r.secagg !== null ? true : null, participants: participants ? [...participants] : null,
      submitted: r.status === 'submitted' ? 1 : 0, declined: r.status === 'declined' ? 1 : 0, declines: [],
      numExamples: r.num_examples, epsilonSpent: r.privacy?.epsilon ?? null, resultVersion: version?.version ?? null, updatedAt: iso(r.updated_at),
      ...(reason ? { declines: [{ siteId: typeof r.receipt?.siteId === 'string' ? r.receipt.siteId : '', reason }] } : {}),
    };
  });
  const latest = new Map<string, ViewLineage>();
  for (const v of versions.rows) {
    for (const s of v.manifest.contributors) addSite(v.federation_id, s);
    latest.set(`${v.federation_id}\u0000${v.lineage_id}`, { federationId: v.federation_id, lineageId: v.lineage_id, latestVersion: v.version, latestRoundId: v.manifest.roundId });
  }
  return { source: 'site', rounds: viewRounds, sites: [...known.values()].sort((a, b) => `${a.federationId} ${a.siteId}`.localeCompare(`${b.federationId} ${b.siteId}`)), lineages: [...latest.values()], privacy };
}

/** The federation view as a service the GraphQL context carries (`federation` in Services). */
export interface SiteFederationService {
  view(options?: FederationViewOptions): Promise<FederationView>;
}

/** Creates the service over the site's database. */
export function createSiteFederationService(deps: { db: Database }): SiteFederationService {
  return { view: (options) => readFederationView(deps.db, options) };
}
