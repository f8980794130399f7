/** The site store on the storage port (tables `site_federation_*` of migration 005). */
import type { Database } from '../../storage/port.ts';
import type { PrivacyLedgerJson } from '../privacy/privacy-ledger.ts';
import { float64Bytes, float64FromBytes } from '../protocol/float-codec.ts';
import type { PrivacyReport, VersionManifest } from '../protocol/messages.ts';
import type { SiteRoundRecord, SiteSecAggRecord, SiteStore, StoredVersion } from './site-store.ts';

function bytes(value: unknown): Buffer {
  const u = value as Uint8Array;
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

interface RoundDbRow {
  federation_id: string;
  round_id: string;
  status: SiteRoundRecord['status'];
  delta: unknown;
  num_examples: number | null;
  privacy: PrivacyReport | null;
  receipt: unknown;
  secagg: SiteSecAggRecord | null;
}

/** A site store in PostgreSQL or PGlite; it survives restarts. */
export function createSqlSiteStore(db: Database): SiteStore {
  return {
    async loadLedger(federationId) {
      const r = await db.query<{ ledger: PrivacyLedgerJson }>('SELECT ledger FROM site_federation_ledger WHERE federation_id = $1', [federationId]);
      return r.rows[0]?.ledger ?? null;
    },
    async loadRound(federationId, roundId) {
      const r = await db.query<RoundDbRow>('SELECT * FROM site_federation_round WHERE federation_id = $1 AND round_id = $2', [federationId, roundId]);
      const row = r.rows[0];
      if (!row) return null;
      return {
        federationId: row.federation_id,
        roundId: row.round_id,
        status: row.status,
        update: row.delta === null ? null : { delta: float64FromBytes(bytes(row.delta)), numExamples: row.num_examples! },
        privacy: row.privacy,
        receipt: row.receipt,
        secagg: row.secagg,
      };
    },
    async saveRound(record, ledger) {
      await db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO site_federation_round (federation_id, round_id, status, delta, num_examples, privacy, receipt, secagg, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8::jsonb, now())
           ON CONFLICT (federation_id, round_id) DO UPDATE SET status = EXCLUDED.status, delta = EXCLUDED.delta, num_examples = EXCLUDED.num_examples,
             privacy = EXCLUDED.privacy, receipt = EXCLUDED.receipt, secagg = EXCLUDED.secagg, updated_at = now()`,
          [
            record.federationId, record.roundId, record.status, record.update ? float64Bytes(record.update.delta) : null, record.update?.numExamples ?? null,
            record.privacy === null ? null : JSON.stringify(record.privacy), record.receipt === null || record.receipt === undefined ? null : JSON.stringify(record.receipt),
            record.secagg === null ? null : JSON.stringify(record.secagg),
          ],
        );
        if (ledger) {
          await tx.query(
            `INSERT INTO site_federation_ledger (federation_id, ledger, updated_at) VALUES ($1, $2::jsonb, now())
             ON CONFLICT (federation_id) DO UPDATE SET ledger = EXCLUDED.ledger, updated_at = now()`,
            [record.federationId, JSON.stringify(ledger)],
          );
        }
      });
    },
    async latestVersion(federationId, lineageId) {
      const r = await db.query<{ manifest: VersionManifest; signature: string; weights: unknown }>(
        'SELECT manifest, signature, weights FROM site_federation_version WHERE federation_id = $1 AND lineage_id = $2 ORDER BY version DESC LIMIT 1',
        [federationId, lineageId],
      );
      const row = r.rows[0];
      return row ? { manifest: row.manifest, signature: row.signature, weights: float64FromBytes(bytes(row.weights)) } : null;
    },
    async saveVersion(v: StoredVersion) {
      const m = v.manifest;
      await db.query(
        `INSERT INTO site_federation_version (federation_id, lineage_id, version, weights, manifest, signature) VALUES ($1, $2, $3, $4, $5::jsonb, $6)
         ON CONFLICT (federation_id, lineage_id, version) DO NOTHING`,
        [m.federationId, m.lineageId, m.version, float64Bytes(v.weights), JSON.stringify(m), v.signature],
      );
    },
  };
}
