import type { SqlClient } from '../storage/port.ts';

/**
 * Records a client assertion's jti and says whether it is new. SMART client-confidential-asymmetric:
 * the server SHALL "check that the jti value has not been previously encountered for the given iss
 * within the maximum allowed authentication JWT lifetime". The row is kept until the assertion has
 * expired (its exp plus the clock skew), after which the exp check refuses it anyway; rows past
 * that are purged here, so the table holds only minutes of assertions.
 */
export async function rememberAssertionJti(db: SqlClient, clientId: string, jti: string, keepUntil: Date, now: Date): Promise<boolean> {
  await db.query('DELETE FROM auth_assertion_jti WHERE expires_at < $1', [now.toISOString()]);
  const inserted = await db.query(
    `INSERT INTO auth_assertion_jti (client_id, jti, expires_at) VALUES ($1, $2, $3)
     ON CONFLICT (client_id, jti) DO NOTHING RETURNING 1 AS fresh`,
    [clientId, jti, keepUntil.toISOString()],
  );
  return inserted.rows.length === 1;
}
