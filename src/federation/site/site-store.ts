/**
 * Where a site keeps its federation state between polls and across restarts: the privacy ledger,
 * each round's trained update (so a crash neither retrains, which would spend privacy twice, nor
 * sends a different update, which the coordinator would refuse), its secure-aggregation state and
 * replies (masking twice under the same keys would let the coordinator subtract two inputs), and
 * the versions it has verified. `createMemorySiteStore` serves tests and simulations;
 * `createSqlSiteStore` (sql-site-store.ts) the storage port.
 */
import type { PrivacyLedgerJson } from '../privacy/privacy-ledger.ts';
import type { PrivacyReport, VersionManifest } from '../protocol/messages.ts';
import type { SiteState } from '../secagg/protocol-site.ts';

/** Replies already sent in a secure-aggregation round, by step; resent as they are on a retry. */
export interface SiteSecAggRecord {
  state: SiteState;
  replies: { keys?: unknown; shares?: unknown; masked?: unknown };
}

export interface SiteRoundRecord {
  federationId: string;
  roundId: string;
  /** active: taking part; submitted: its update (or unmasking shares) accepted; declined: refused it */
  status: 'active' | 'submitted' | 'declined';
  update: { delta: Float64Array; numExamples: number } | null;
  /** ε and δ reported with the update */
  privacy: PrivacyReport | null;
  receipt: unknown;
  secagg: SiteSecAggRecord | null;
}

export interface StoredVersion {
  manifest: VersionManifest;
  signature: string;
  weights: Float64Array;
}

export interface SiteStore {
  loadLedger(federationId: string): Promise<PrivacyLedgerJson | null>;
  loadRound(federationId: string, roundId: string): Promise<SiteRoundRecord | null>;
  /** Saves a round's record and, when given, the ledger, together. */
  saveRound(record: SiteRoundRecord, ledger?: PrivacyLedgerJson): Promise<void>;
  latestVersion(federationId: string, lineageId: string): Promise<StoredVersion | null>;
  saveVersion(version: StoredVersion): Promise<void>;
}

const clone = <T>(v: T): T => structuredClone(v);

/** A site store in memory: lost with the process. */
export function createMemorySiteStore(): SiteStore {
  const ledgers = new Map<string, PrivacyLedgerJson>();
  const rounds = new Map<string, SiteRoundRecord>();
  const versions = new Map<string, StoredVersion[]>();
  return {
    loadLedger: async (federationId) => clone(ledgers.get(federationId) ?? null),
    loadRound: async (federationId, roundId) => clone(rounds.get(`${federationId}\u0000${roundId}`) ?? null),
    async saveRound(record, ledger) {
      rounds.set(`${record.federationId}\u0000${record.roundId}`, clone(record));
      if (ledger) ledgers.set(record.federationId, clone(ledger));
    },
    async latestVersion(federationId, lineageId) {
      const list = versions.get(`${federationId}\u0000${lineageId}`) ?? [];
      return clone(list.reduce<StoredVersion | null>((best, v) => (!best || v.manifest.version > best.manifest.version ? v : best), null));
    },
    async saveVersion(version) {
      const key = `${version.manifest.federationId}\u0000${version.manifest.lineageId}`;
      versions.set(key, [...(versions.get(key) ?? []).filter((v) => v.manifest.version !== version.manifest.version), clone(version)]);
    },
  };
}
