import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { recordAudit } from '../../src/audit/audit-recorder.ts';
import { buildAuditEvents } from '../../src/audit/build-audit-event.ts';
import { GENESIS_HASH, hashAuditRow } from '../../src/audit/chain-hash.ts';
import { readAuditHead, verifyAuditChain } from '../../src/audit/verify-chain.ts';
import { auditVerifyCommand } from '../../src/audit/verify-command.ts';
import type { Database } from '../../src/storage/port.ts';
import { testDatabases } from '../helpers/databases.ts';
import { clinician, readPatient, rowOf, searchObservations, seedChain, SOURCE, testRecorder } from './audit-fixtures.ts';

for (const target of testDatabases()) {
  describe(`audit chain on ${target.name}`, () => {
    let db: Database;
    before(async () => {
      db = await target.open();
    });
    after(() => db.close());

    it('starts at the genesis head with nothing to verify', async () => {
      assert.deepEqual(await readAuditHead(db), { seq: 0, hash: GENESIS_HASH });
      const empty = await verifyAuditChain(db);
      assert.deepEqual(empty, { ok: true, rows: 0, head: { seq: 0, hash: GENESIS_HASH }, unguarded: [] });
    });

    it('links N appended events into one chain that verifies, head at the last row', async () => {
      await seedChain(db, 12);
      const first = await rowOf(db, 1);
      assert.equal(first.prev_hash, GENESIS_HASH);
      assert.equal(first.hash, hashAuditRow(GENESIS_HASH, 1, first.event));
      const seventh = await rowOf(db, 7);
      assert.equal(seventh.prev_hash, (await rowOf(db, 6)).hash);
      const result = await verifyAuditChain(db, { pageSize: 5 }); // several pages
      assert.deepEqual(result, { ok: true, rows: 12, head: { seq: 12, hash: (await rowOf(db, 12)).hash }, unguarded: [] });
    });

    it('writes one row per patient in one append, each durable when record resolves', async () => {
      const receipt = await testRecorder(db).record(clinician, searchObservations, ['p30', 'p31', 'p32'], { code: 0 });
      assert.deepEqual(receipt.seqs, [13, 14, 15]);
      const rows = await db.query<{ seq: number; patient_id: string; action: string }>(
        'SELECT seq, patient_id, action FROM audit_event WHERE seq >= 13 ORDER BY seq',
      );
      assert.deepEqual(
        rows.rows.map((r) => [Number(r.seq), r.patient_id, r.action]),
        [
          [13, 'p30', 'E'],
          [14, 'p31', 'E'],
          [15, 'p32', 'E'],
        ],
      );
      assert.equal(receipt.hash, (await readAuditHead(db))?.hash);
    });

    it('refuses UPDATE, DELETE and TRUNCATE of the log through normal SQL', async () => {
      await assert.rejects(db.query('UPDATE audit_event SET outcome = 4 WHERE seq = 3'), /append-only: UPDATE on audit_event refused/);
      await assert.rejects(
        db.query(`UPDATE audit_event SET event = jsonb_set(event, '{outcome,code}', '4') WHERE seq = 3`),
        /append-only/,
      );
      await assert.rejects(db.query('DELETE FROM audit_event WHERE seq = 3'), /append-only: DELETE on audit_event refused/);
      await assert.rejects(db.query('TRUNCATE audit_event'), /append-only: TRUNCATE on audit_event refused/);
      assert.equal((await db.query('SELECT 1 FROM audit_event')).rows.length, 15);
    });

    it('refuses moving or removing the chain head by hand', async () => {
      await assert.rejects(db.query('UPDATE audit_chain_head SET seq = 3'), /moves only by appending: UPDATE refused/);
      await assert.rejects(db.query('DELETE FROM audit_chain_head'), /moves only by appending: DELETE refused/);
      await assert.rejects(db.query('TRUNCATE audit_chain_head'), /moves only by appending/);
    });

    it('refuses an INSERT that does not extend the head (a forged row in the middle or a wrong link)', async () => {
      const [event] = buildAuditEvents(clinician, readPatient, ['p1'], { code: 0 }, { source: SOURCE });
      assert.ok(event);
      const insert = (seq: number, prev: string) =>
        db.query(
          `INSERT INTO audit_event (seq, prev_hash, hash, event, recorded, action, outcome, patient_id, client_id, user_id)
           VALUES ($1, $2, $3, $4::jsonb, now(), 'R', 0, 'p1', 'ehr-app', NULL)`,
          [seq, prev, hashAuditRow(prev, seq, event), JSON.stringify(event)],
        );
      const head = await readAuditHead(db);
      assert.ok(head);
      await assert.rejects(insert(head.seq + 1, GENESIS_HASH), /does not extend the chain head/);
      await assert.rejects(insert(head.seq + 5, head.hash), /does not extend the chain head/);
      assert.deepEqual((await verifyAuditChain(db)).ok, true);
    });

    it('keeps 50 concurrent appends one verifiable chain', async () => {
      const before = (await readAuditHead(db))?.seq ?? 0;
      const recorder = testRecorder(db);
      const receipts = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          recorder.record({ ...clinician, requestId: `burst-${i}` }, readPatient, [`burst-${i % 7}`], { code: 0 }),
        ),
      );
      const seqs = receipts.flatMap((r) => r.seqs).sort((a, b) => a - b);
      assert.deepEqual(seqs, Array.from({ length: 50 }, (_, i) => before + 1 + i), 'each append got its own position');
      const result = await verifyAuditChain(db);
      assert.equal(result.ok, true, JSON.stringify(result));
      assert.equal(result.rows, before + 50);
    });

    it('appends nothing when a batch holds an invalid event', async () => {
      const head = await readAuditHead(db);
      const [good] = buildAuditEvents(clinician, readPatient, ['p1'], { code: 0 }, { source: SOURCE });
      await assert.rejects(recordAudit(db, [good, { ...good, patientName: 'Jane Anyperson' }] as never), /invalid audit event/);
      assert.deepEqual(await readAuditHead(db), head);
    });

    it('never stores names or birth dates: the stored log holds ids only', async () => {
      const r = await db.query<{ t: string }>("SELECT string_agg(event::text, ' ') AS t FROM audit_event");
      const text = r.rows[0]?.t ?? '';
      assert.match(text, /"patient": ?"p1"/);
      assert.doesNotMatch(text, /Anyperson|1958-03-04|birth/i);
    });

    it('prints an intact report with the head to keep as an anchor, exit code 0', async () => {
      const report = await auditVerifyCommand(db);
      const head = await readAuditHead(db);
      assert.equal(report.exitCode, 0);
      assert.deepEqual(report.lines, [`audit chain intact: ${head?.seq} rows`, `head ${head?.seq}:${head?.hash} (keep it to pass as --anchor later)`]);
    });
  });
}
