/**
 * Progress of the federation as an operator sees it (`sangam federation status`, GraphQL
 * `federation { rounds sites }`): recent rounds with their counts, and every site with its last
 * contact. Reads only, so it needs no signing key and can run beside a live coordinator.
 */
import type { Database } from '../../storage/port.ts';
import { listSites } from './registry-store.ts';
import { listRounds, listSecAggMessages, listSubmissions } from './round-store.ts';
import type { RoundState } from './types.ts';

export interface RoundStatus {
  id: string;
  federationId: string;
  lineageId: string;
  state: RoundState;
  strategy: string;
  secureAggregation: boolean;
  /** the current secure-aggregation step of a live round */
  secAggStep: string | null;
  quorum: number;
  target: number;
  invited: number;
  /** plain updates accepted, or masked inputs received */
  submitted: number;
  declined: number;
  /** which sites declined and why (PRIVACY_BUDGET, NO_DATA, OPERATOR), by site id */
  declines: { siteId: string; reason: string }[];
  baseVersion: number;
  resultVersion: number | null;
  failure: string | null;
  openedAt: string;
  deadline: string;
  closedAt: string | null;
}

export interface SiteStatus {
  federationId: string;
  siteId: string;
  status: 'active' | 'suspended';
  registeredAt: string;
  lastSeenAt: string | null;
}

export interface CoordinatorStatus {
  rounds: RoundStatus[];
  sites: SiteStatus[];
}

export interface StatusOptions {
  federationId?: string;
  /** most rounds listed, newest first; default 20 */
  limit?: number;
}

/** Rounds and sites of one federation (or all). */
export async function coordinatorStatus(db: Database, options: StatusOptions = {}): Promise<CoordinatorStatus> {
  const rounds = await listRounds(db, options.federationId, Math.min(Math.max(options.limit ?? 20, 1), 500));
  const roundStatus = await Promise.all(
    rounds.map(async (r): Promise<RoundStatus> => {
      const subs = await listSubmissions(db, r.id, false);
      const submitted = r.secagg ? (await listSecAggMessages(db, r.id, 'masked')).length : subs.filter((s) => s.kind === 'update').length;
      const live = r.state === 'open' || r.state === 'aggregating';
      return {
        id: r.id,
        federationId: r.federationId,
        lineageId: r.lineageId,
        state: r.state,
        strategy: r.strategy.name,
        secureAggregation: r.secagg,
        secAggStep: live && r.secaggState ? r.secaggState.protocol.phase : null,
        quorum: r.quorum,
        target: r.target,
        invited: r.invited.length,
        submitted,
        declined: subs.filter((s) => s.kind === 'declined').length,
        declines: subs.filter((s) => s.kind === 'declined').map((s) => ({ siteId: s.siteId, reason: s.declineReason ?? 'UNKNOWN' })),
        baseVersion: r.baseVersion,
        resultVersion: r.resultVersion,
        failure: r.failure,
        openedAt: new Date(r.openedAt).toISOString(),
        deadline: new Date(r.deadline).toISOString(),
        closedAt: r.closedAt === null ? null : new Date(r.closedAt).toISOString(),
      };
    }),
  );
  const sites = (await listSites(db, options.federationId)).map((s) => ({
    federationId: s.federationId,
    siteId: s.siteId,
    status: s.status,
    registeredAt: s.registeredAt.toISOString(),
    lastSeenAt: s.lastSeenAt ? s.lastSeenAt.toISOString() : null,
  }));
  return { rounds: roundStatus, sites };
}
