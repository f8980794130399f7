import type { AuditEvent } from '../../src/audit/audit-event.ts';
import { AuditRecorder } from '../../src/audit/audit-recorder.ts';
import { indexColumnsOf } from '../../src/audit/audit-row.ts';
import type { AuditOperation, AuditRequestContext } from '../../src/audit/build-audit-event.ts';
import { loadMigrations, splitStatements } from '../../src/storage/migrate.ts';
import type { Database } from '../../src/storage/port.ts';

export const SOURCE = { site: 'site-a', observer: 'https://site-a.example/fhir' };

/** A recorder on a fixed clock that advances one second per call, so `recorded` is predictable. */
export function testRecorder(db: Database, start = Date.parse('2024-05-01T09:00:00.000Z')): AuditRecorder {
  let t = start;
  return new AuditRecorder(db, {
    source: SOURCE,
    now: () => {
      const d = new Date(t);
      t += 1000;
      return d;
    },
  });
}

export const clinician: AuditRequestContext = { requestId: 'req-1', clientId: 'ehr-app', userId: 'dr-rao', role: 'clinician', ip: '10.0.0.7' };
export const readPatient: AuditOperation = { channel: 'graphql', name: 'Query.patient', interaction: 'read', query: 'patient(id)' };
export const searchObservations: AuditOperation = {
  channel: 'rest',
  name: 'GET /fhir/Observation',
  interaction: 'search-type',
  query: 'GET /fhir/Observation?patient&code',
};

/** Appends n events, one patient each (p1..pn), and returns the recorder. */
export async function seedChain(db: Database, n: number): Promise<AuditRecorder> {
  const recorder = testRecorder(db);
  for (let i = 1; i <= n; i++) {
    await recorder.record({ ...clinician, requestId: `req-${i}` }, i % 2 === 0 ? readPatient : searchObservations, [`p${i}`], { code: 0 });
  }
  return recorder;
}

/** What an attacker with table-owner rights does first: switch the append-only triggers off. */
export async function disableGuards(db: Database): Promise<void> {
  await db.exec('ALTER TABLE audit_event DISABLE TRIGGER USER; ALTER TABLE audit_chain_head DISABLE TRIGGER USER');
}

export async function rowOf(db: Database, seq: number): Promise<{ prev_hash: string; hash: string; event: AuditEvent }> {
  const r = await db.query<{ prev_hash: string; hash: string; event: AuditEvent }>('SELECT prev_hash, hash, event FROM audit_event WHERE seq = $1', [seq]);
  const row = r.rows[0];
  if (!row) throw new Error(`no row ${seq}`);
  return row;
}

/** Writes a row straight into the table (triggers must be off), with its search columns. */
export async function insertRaw(db: Database, seq: number, prevHash: string, hash: string, event: AuditEvent): Promise<void> {
  const c = indexColumnsOf(event);
  await db.query(
    `INSERT INTO audit_event (seq, prev_hash, hash, event, recorded, action, outcome, patient_id, client_id, user_id)
     VALUES ($1, $2, $3, $4::jsonb, $5::timestamptz, $6, $7, $8, $9, $10)`,
    [seq, prevHash, hash, JSON.stringify(event), c.recorded, c.action, c.outcome, c.patient_id, c.client_id, c.user_id],
  );
}

/** Moves rows seq >= from up by one, in two steps so the primary key never collides. */
export async function shiftUp(db: Database, from: number): Promise<void> {
  await db.query('UPDATE audit_event SET seq = -seq WHERE seq >= $1', [from]);
  await db.query('UPDATE audit_event SET seq = -seq + 1 WHERE seq < 0');
}

/** Drops the audit tables and applies migration 007 again: a fresh, empty, guarded log. */
export async function resetAuditLog(db: Database): Promise<void> {
  const migration = loadMigrations().find((m) => m.name === 'audit');
  if (!migration) throw new Error('migration 007_audit.sql not found');
  await db.exec(
    'DROP TABLE IF EXISTS audit_event, audit_chain_head; DROP FUNCTION IF EXISTS audit_refuse_change, audit_event_extend_chain, audit_head_guard',
  );
  for (const statement of splitStatements(migration.sql)) await db.query(statement);
}
