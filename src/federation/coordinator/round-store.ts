/**
 * SQL for rounds, their submissions and their secure-aggregation messages. A round is changed only
 * under `lockRound` (SELECT … FOR UPDATE) inside a transaction, so concurrent submissions from
 * several sites count toward quorum exactly once and only one of them closes the round.
 */
import type { SqlClient } from '../../storage/port.ts';
import { float64Bytes, float64FromBytes } from '../protocol/float-codec.ts';
import type { PrivacyReport } from '../protocol/messages.ts';
import { byteaOf } from './registry-store.ts';
import type { RoundRow, SecAggMessageRow, SecAggStep, SubmissionRow } from './types.ts';

interface RoundDbRow {
  id: string;
  federation_id: string;
  lineage_id: string;
  base_version: number;
  strategy: RoundRow['strategy'];
  local_steps: number;
  learning_rate: number;
  batch_size: number;
  mu: number | null;
  dp: RoundRow['dp'];
  secagg: boolean;
  secagg_state: RoundRow['secaggState'];
  stage_deadline: Date | null;
  quorum: number;
  target: number;
  max_delta_norm: number | null;
  max_num_examples: number | null;
  invited: string[];
  deadline: Date;
  state: RoundRow['state'];
  failure: string | null;
  result_version: number | null;
  opened_at: Date;
  closed_at: Date | null;
}

const ms = (d: Date | null): number | null => (d === null ? null : new Date(d).getTime());

function roundOf(r: RoundDbRow): RoundRow {
  return {
    id: r.id,
    federationId: r.federation_id,
    lineageId: r.lineage_id,
    baseVersion: r.base_version,
    strategy: r.strategy,
    localSteps: r.local_steps,
    learningRate: r.learning_rate,
    batchSize: r.batch_size,
    mu: r.mu,
    dp: r.dp,
    secagg: r.secagg,
    secaggState: r.secagg_state,
    stageDeadline: ms(r.stage_deadline),
    quorum: r.quorum,
    target: r.target,
    maxDeltaNorm: r.max_delta_norm,
    maxNumExamples: r.max_num_examples,
    invited: r.invited,
    deadline: ms(r.deadline)!,
    state: r.state,
    failure: r.failure,
    resultVersion: r.result_version,
    openedAt: ms(r.opened_at)!,
    closedAt: ms(r.closed_at),
  };
}

export async function insertRound(c: SqlClient, r: RoundRow): Promise<void> {
  await c.query(
    `INSERT INTO federation_round (id, federation_id, lineage_id, base_version, strategy, local_steps, learning_rate, batch_size, mu, dp, secagg,
       secagg_state, stage_deadline, quorum, target, max_delta_norm, max_num_examples, invited, deadline, state, opened_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10::jsonb, $11, $12::jsonb, $13, $14, $15, $16, $17, $18::jsonb, $19, $20, $21)`,
    [
      r.id, r.federationId, r.lineageId, r.baseVersion, JSON.stringify(r.strategy), r.localSteps, r.learningRate, r.batchSize, r.mu,
      r.dp === null ? null : JSON.stringify(r.dp), r.secagg, r.secaggState === null ? null : JSON.stringify(r.secaggState),
      r.stageDeadline === null ? null : new Date(r.stageDeadline), r.quorum, r.target, r.maxDeltaNorm, r.maxNumExamples,
      JSON.stringify(r.invited), new Date(r.deadline), r.state, new Date(r.openedAt),
    ],
  );
}

/** Reads a round and locks its row until the transaction ends. */
export async function lockRound(c: SqlClient, id: string): Promise<RoundRow | null> {
  const r = await c.query<RoundDbRow>('SELECT * FROM federation_round WHERE id = $1 FOR UPDATE', [id]);
  return r.rows[0] ? roundOf(r.rows[0]) : null;
}

export async function findRound(c: SqlClient, id: string): Promise<RoundRow | null> {
  const r = await c.query<RoundDbRow>('SELECT * FROM federation_round WHERE id = $1', [id]);
  return r.rows[0] ? roundOf(r.rows[0]) : null;
}

/** The open or aggregating round of a federation, if any. */
export async function liveRoundId(c: SqlClient, federationId: string): Promise<string | null> {
  const r = await c.query<{ id: string }>("SELECT id FROM federation_round WHERE federation_id = $1 AND state IN ('open', 'aggregating')", [federationId]);
  return r.rows[0]?.id ?? null;
}

export async function liveRoundIds(c: SqlClient): Promise<string[]> {
  const r = await c.query<{ id: string }>("SELECT id FROM federation_round WHERE state IN ('open', 'aggregating') ORDER BY opened_at");
  return r.rows.map((x) => x.id);
}

/** Recent rounds, newest first. */
export async function listRounds(c: SqlClient, federationId: string | undefined, limit: number): Promise<RoundRow[]> {
  const r = federationId
    ? await c.query<RoundDbRow>('SELECT * FROM federation_round WHERE federation_id = $1 ORDER BY opened_at DESC, id LIMIT $2', [federationId, limit])
    : await c.query<RoundDbRow>('SELECT * FROM federation_round ORDER BY opened_at DESC, id LIMIT $1', [limit]);
  return r.rows.map(roundOf);
}

export interface RoundPatch {
  state?: RoundRow['state'];
  failure?: string;
  resultVersion?: number;
  closedAt?: number;
  secaggState?: RoundRow['secaggState'];
  stageDeadline?: number | null;
}

export async function updateRound(c: SqlClient, id: string, patch: RoundPatch): Promise<void> {
  const sets: string[] = [];
  const params: unknown[] = [id];
  const add = (column: string, value: unknown, cast = '') => {
    params.push(value);
    sets.push(`${column} = $${params.length}${cast}`);
  };
  if (patch.state !== undefined) add('state', patch.state);
  if (patch.failure !== undefined) add('failure', patch.failure);
  if (patch.resultVersion !== undefined) add('result_version', patch.resultVersion);
  if (patch.closedAt !== undefined) add('closed_at', new Date(patch.closedAt));
  if (patch.secaggState !== undefined) add('secagg_state', JSON.stringify(patch.secaggState), '::jsonb');
  if (patch.stageDeadline !== undefined) add('stage_deadline', patch.stageDeadline === null ? null : new Date(patch.stageDeadline));
  if (sets.length > 0) await c.query(`UPDATE federation_round SET ${sets.join(', ')} WHERE id = $1`, params);
}

interface SubmissionDbRow {
  round_id: string;
  site_id: string;
  kind: 'update' | 'declined';
  update_sha256: string | null;
  delta: unknown;
  num_examples: number | null;
  privacy: PrivacyReport | null;
  decline_reason: string | null;
  receipt: unknown;
}

const submissionOf = (r: SubmissionDbRow): SubmissionRow => ({
  roundId: r.round_id,
  siteId: r.site_id,
  kind: r.kind,
  updateSha256: r.update_sha256,
  delta: r.delta === null ? null : float64FromBytes(byteaOf(r.delta)),
  numExamples: r.num_examples,
  privacy: r.privacy,
  declineReason: r.decline_reason,
  receipt: r.receipt,
});

export async function insertSubmission(c: SqlClient, s: SubmissionRow, receivedAt: number): Promise<void> {
  await c.query(
    `INSERT INTO federation_submission (round_id, site_id, kind, update_sha256, delta, num_examples, privacy, decline_reason, receipt, received_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9::jsonb, $10)`,
    [s.roundId, s.siteId, s.kind, s.updateSha256, s.delta ? float64Bytes(s.delta) : null, s.numExamples, s.privacy === null ? null : JSON.stringify(s.privacy), s.declineReason, JSON.stringify(s.receipt), new Date(receivedAt)],
  );
}

export async function findSubmission(c: SqlClient, roundId: string, siteId: string): Promise<SubmissionRow | null> {
  const r = await c.query<SubmissionDbRow>('SELECT * FROM federation_submission WHERE round_id = $1 AND site_id = $2', [roundId, siteId]);
  return r.rows[0] ? submissionOf(r.rows[0]) : null;
}

/** A round's submissions ordered by site id, the order updates are summed in. */
export async function listSubmissions(c: SqlClient, roundId: string, withDeltas: boolean): Promise<SubmissionRow[]> {
  const columns = withDeltas ? '*' : 'round_id, site_id, kind, update_sha256, NULL AS delta, num_examples, privacy, decline_reason, receipt';
  const r = await c.query<SubmissionDbRow>(`SELECT ${columns} FROM federation_submission WHERE round_id = $1 ORDER BY site_id`, [roundId]);
  return r.rows.map(submissionOf);
}

export async function insertSecAggMessage(c: SqlClient, roundId: string, m: SecAggMessageRow, receivedAt: number): Promise<void> {
  await c.query('INSERT INTO federation_secagg_message (round_id, site_id, step, body, body_sha256, received_at) VALUES ($1, $2, $3, $4::jsonb, $5, $6)', [
    roundId, m.siteId, m.step, JSON.stringify(m.body), m.bodySha256, new Date(receivedAt),
  ]);
}

/** A round's messages of one step (or every step), ordered by site id. */
export async function listSecAggMessages(c: SqlClient, roundId: string, step?: SecAggStep): Promise<SecAggMessageRow[]> {
  const r = step
    ? await c.query<{ site_id: string; step: SecAggStep; body: unknown; body_sha256: string }>('SELECT site_id, step, body, body_sha256 FROM federation_secagg_message WHERE round_id = $1 AND step = $2 ORDER BY site_id', [roundId, step])
    : await c.query<{ site_id: string; step: SecAggStep; body: unknown; body_sha256: string }>('SELECT site_id, step, body, body_sha256 FROM federation_secagg_message WHERE round_id = $1 ORDER BY site_id', [roundId]);
  return r.rows.map((x) => ({ siteId: x.site_id, step: x.step, body: x.body, bodySha256: x.body_sha256 }));
}

/** Remembers a nonce until `expiresAt`; false when it was already seen (a replay). */
export async function rememberNonce(c: SqlClient, federationId: string, siteId: string, nonce: string, expiresAt: number): Promise<boolean> {
  const r = await c.query('INSERT INTO federation_nonce (federation_id, site_id, nonce, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [federationId, siteId, nonce, new Date(expiresAt)]);
  return r.rowCount === 1;
}

/** Forgets nonces whose timestamps the skew check would refuse anyway; returns how many. */
export async function purgeNonces(c: SqlClient, now: number): Promise<number> {
  return (await c.query('DELETE FROM federation_nonce WHERE expires_at < $1', [new Date(now)])).rowCount;
}
