import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuditEvent } from '../../src/audit/audit-event.ts';
import { hashAuditRow } from '../../src/audit/chain-hash.ts';
import { readAuditHead, verifyAuditChain, type AuditAnchor } from '../../src/audit/verify-chain.ts';
import { auditVerifyCommand, parseAuditAnchor } from '../../src/audit/verify-command.ts';
import type { Database } from '../../src/storage/port.ts';
import { testDatabases } from '../helpers/databases.ts';
import { disableGuards, insertRaw, resetAuditLog, rowOf, seedChain, shiftUp } from './audit-fixtures.ts';

const N = 10;

/**
 * Each test plays an attacker with the table owner's rights: the triggers come off first (they
 * stop everyone else), then the table is edited. Verification must still fail at the right row.
 */
for (const target of testDatabases()) {
  describe(`audit tampering on ${target.name}`, () => {
    let db: Database;
    before(async () => {
      db = await target.open();
    });
    after(() => db.close());

    // every test tampers with a fresh log of N rows
    async function withChain(fn: (db: Database, anchor: AuditAnchor) => Promise<void>): Promise<void> {
      await resetAuditLog(db);
      await seedChain(db, N);
      const anchor = await readAuditHead(db);
      assert.ok(anchor);
      await fn(db, anchor);
    }

    it("catches an UPDATE of a row's outcome after the trigger is dropped", () =>
      withChain(async (db) => {
        await db.exec('DROP TRIGGER audit_event_append_only ON audit_event');
        await db.query(`UPDATE audit_event SET event = jsonb_set(event, '{outcome,code}', '4'), outcome = 4 WHERE seq = 5`);
        const result = await verifyAuditChain(db);
        assert.deepEqual([result.ok, result.firstBadRow, result.reason, result.rows], [false, 5, 'altered', 4]);
        assert.deepEqual(result.unguarded, ['audit_event_append_only']);
        const report = await auditVerifyCommand(db);
        assert.equal(report.exitCode, 1);
        assert.equal(report.lines[0], "audit chain BROKEN at row 5: the row's content no longer matches its hash (altered) [altered]");
        assert.match(report.lines.at(-1) ?? '', /triggers missing or disabled: audit_event_append_only/);
      }));

    it('catches a search column edited to hide a row from a patient search', () =>
      withChain(async (db) => {
        await disableGuards(db);
        await db.query(`UPDATE audit_event SET patient_id = 'someone-else' WHERE seq = 6`);
        const result = await verifyAuditChain(db);
        assert.deepEqual([result.firstBadRow, result.reason], [6, 'index-mismatch']);
      }));

    it('catches a deleted middle row', () =>
      withChain(async (db) => {
        await disableGuards(db);
        await db.query('DELETE FROM audit_event WHERE seq = 4');
        const result = await verifyAuditChain(db);
        assert.deepEqual([result.ok, result.firstBadRow, result.reason, result.rows], [false, 4, 'missing', 3]);
      }));

    it('catches a forged row inserted in the middle with its own hash recomputed but a wrong link', () =>
      withChain(async (db) => {
        await disableGuards(db);
        await shiftUp(db, 4);
        const forged: AuditEvent = { ...(await rowOf(db, 3)).event, patient: 'p-forged', requestId: 'forged' };
        // linked to row 2 instead of row 3: a copy of an older link
        const wrongPrev = (await rowOf(db, 2)).hash;
        await insertRaw(db, 4, wrongPrev, hashAuditRow(wrongPrev, 4, forged), forged);
        const result = await verifyAuditChain(db);
        assert.deepEqual([result.firstBadRow, result.reason], [4, 'broken-link']);
      }));

    it('catches a correctly linked forged row at the next row, whose renumbering broke its hash', () =>
      withChain(async (db) => {
        await disableGuards(db);
        await shiftUp(db, 4);
        const prev = (await rowOf(db, 3)).hash;
        const forged: AuditEvent = { ...(await rowOf(db, 3)).event, patient: 'p-forged', requestId: 'forged' };
        await insertRaw(db, 4, prev, hashAuditRow(prev, 4, forged), forged);
        // the forged row itself is a valid link; the chain cannot say it is foreign, only that
        // the original row after it no longer fits
        const result = await verifyAuditChain(db);
        assert.deepEqual([result.firstBadRow, result.reason, result.rows], [5, 'altered', 4]);
      }));

    it('cannot see a forged row with the whole suffix and head recomputed, unless an anchor was kept', () =>
      withChain(async (db, anchor) => {
        await disableGuards(db);
        await shiftUp(db, 4);
        const rows = await db.query<{ seq: number; event: AuditEvent }>('SELECT seq, event FROM audit_event WHERE seq >= 5 ORDER BY seq');
        await db.query('DELETE FROM audit_event WHERE seq >= 4');
        let prev = (await rowOf(db, 3)).hash;
        const forged: AuditEvent = { ...(await rowOf(db, 3)).event, patient: 'p-forged', requestId: 'forged' };
        for (const [seq, event] of [[4, forged] as const, ...rows.rows.map((r) => [Number(r.seq), r.event] as const)]) {
          const hash = hashAuditRow(prev, seq, event);
          await insertRaw(db, seq, prev, hash, event);
          prev = hash;
        }
        await db.query('UPDATE audit_chain_head SET seq = $1, hash = $2', [N + 1, prev]);

        const blind = await verifyAuditChain(db);
        assert.equal(blind.ok, true, 'a consistent rewrite is invisible from inside the database');
        const early = await verifyAuditChain(db, { anchors: [{ seq: 3, hash: (await rowOf(db, 3)).hash }] });
        assert.equal(early.ok, true, 'an anchor before the forgery still holds');
        const anchored = await verifyAuditChain(db, { anchors: [anchor] });
        assert.deepEqual([anchored.ok, anchored.firstBadRow, anchored.reason], [false, N, 'anchor-mismatch']);
        const report = await auditVerifyCommand(db, [parseAuditAnchor(`${anchor.seq}:${anchor.hash}`)]);
        assert.equal(report.exitCode, 1);
        assert.match(report.lines[0] ?? '', new RegExp(`BROKEN at row ${N}: .*anchor`));
      }));

    it('catches a truncated tail against the stored head, and a head reset only against an anchor', () =>
      withChain(async (db, anchor) => {
        await disableGuards(db);
        await db.query('DELETE FROM audit_event WHERE seq >= 9');
        assert.deepEqual(
          await verifyAuditChain(db).then((r) => [r.firstBadRow, r.reason]),
          [9, 'truncated'],
        );
        await db.query('UPDATE audit_chain_head SET seq = 8, hash = $1', [(await rowOf(db, 8)).hash]);
        assert.equal((await verifyAuditChain(db)).ok, true, 'with the head moved back too, the shorter chain is consistent');
        assert.deepEqual(
          await verifyAuditChain(db, { anchors: [anchor] }).then((r) => [r.firstBadRow, r.reason]),
          [9, 'truncated'],
        );
      }));

    it('catches rows appended past the head with the insert trigger off', () =>
      withChain(async (db, anchor) => {
        await disableGuards(db);
        const event: AuditEvent = { ...(await rowOf(db, N)).event, requestId: 'late' };
        await insertRaw(db, N + 1, anchor.hash, hashAuditRow(anchor.hash, N + 1, event), event);
        assert.deepEqual(
          await verifyAuditChain(db).then((r) => [r.firstBadRow, r.reason]),
          [N + 1, 'beyond-head'],
        );
      }));

    it('catches an altered link (prev_hash) on its own', () =>
      withChain(async (db) => {
        await disableGuards(db);
        await db.query(`UPDATE audit_event SET prev_hash = repeat('0', 64) WHERE seq = 7`);
        assert.deepEqual(
          await verifyAuditChain(db).then((r) => [r.firstBadRow, r.reason]),
          [7, 'altered'],
        );
      }));
  });
}
