/**
 * Remembers the `jti` of every accepted EHR token per issuer until the token has expired, so a
 * captured token cannot be replayed (https://cds-hooks.hl7.org/2.0/#trusting-cds-clients: "jti ...
 * A nonce string value that uniquely identifies this authentication JWT").
 */
import type { SqlClient } from '../storage/port.ts';

export interface JtiReplayCache {
  /** Records the jti; true when it was new, false when it was seen before (a replay). */
  remember(iss: string, jti: string, keepUntil: Date, now: Date): Promise<boolean>;
}

/** Kept in the database (table cds_jwt_jti): a restart or a second process still refuses a replay. */
export function databaseJtiCache(db: SqlClient): JtiReplayCache {
  return {
    async remember(iss, jti, keepUntil, now) {
      await db.query('DELETE FROM cds_jwt_jti WHERE expires_at < $1', [now.toISOString()]);
      const inserted = await db.query(
        `INSERT INTO cds_jwt_jti (iss, jti, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (iss, jti) DO NOTHING RETURNING 1 AS fresh`,
        [iss, jti, keepUntil.toISOString()],
      );
      return inserted.rows.length === 1;
    },
  };
}

/** In memory, for one process (tests, benchmarks); entries past their expiry are dropped as it goes. */
export function memoryJtiCache(limit = 100_000): JtiReplayCache {
  const seen = new Map<string, number>();
  return {
    async remember(iss, jti, keepUntil, now) {
      const key = `${iss}\u0000${jti}`;
      const t = now.getTime();
      const until = seen.get(key);
      if (until !== undefined && until >= t) return false;
      if (seen.size >= limit) {
        for (const [k, u] of seen) if (u < t) seen.delete(k);
        // still full of live tokens: refusing is safer than forgetting one
        if (seen.size >= limit) return false;
      }
      seen.set(key, keepUntil.getTime());
      return true;
    },
  };
}
