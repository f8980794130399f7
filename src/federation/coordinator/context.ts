/** What the round logic needs from the coordinator around it, and a transaction helper. */
import type { KeyObject } from 'node:crypto';
import type { Logger } from '../../logging/logger.ts';
import type { Database, SqlClient } from '../../storage/port.ts';

export interface RoundContext {
  /** the coordinator's time for this request, ms */
  now: number;
  signingKey: KeyObject;
  logger: Logger;
  /** how long each secure-aggregation step other than masking stays open, ms */
  secAggStepMs: number;
}

/** What a transaction decided: a value to return, or a refusal to throw once it has committed. */
export type Decision<T> = { value: T } | { refuse: Error };

/**
 * Runs `fn` in a transaction and throws its refusal only after the commit: a late submission can
 * first close the round at its deadline (which must be kept) and then be refused as too late.
 */
export async function decide<T>(db: Database, fn: (tx: SqlClient) => Promise<Decision<T>>): Promise<T> {
  const decision = await db.transaction(fn);
  if ('refuse' in decision) throw decision.refuse;
  return decision.value;
}
