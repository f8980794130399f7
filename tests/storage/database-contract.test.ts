import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabases } from '../helpers/databases.ts';
import { loadMigrations, migrate, splitStatements } from '../../src/storage/migrate.ts';
import { openDatabase } from '../../src/storage/open-database.ts';
import type { Database } from '../../src/storage/port.ts';

for (const target of testDatabases()) {
  describe(`storage contract on ${target.name}`, () => {
    let db: Database;
    before(async () => {
      db = await target.open();
      await db.exec('CREATE TABLE contract_t (k text PRIMARY KEY, v jsonb, n integer)');
    });
    after(() => db.close());

    it('applies every migration once and records it', async () => {
      const versions = loadMigrations().map((m) => m.version);
      const rows = await db.query<{ version: number }>('SELECT version FROM schema_migration ORDER BY version');
      assert.deepEqual(rows.rows.map((r) => r.version), versions);
      assert.deepEqual(await migrate(db), [], 'a second run applies nothing');
    });

    it('round-trips jsonb, text arrays and counts with the same JavaScript types', async () => {
      await db.query('INSERT INTO contract_t (k, v, n) VALUES ($1, $2::jsonb, $3)', ['a', JSON.stringify({ x: [1, 'b'] }), 7]);
      const r = await db.query<{ v: unknown; n: number; arr: string[]; c: number }>(
        "SELECT v, n, ARRAY['p','q']::text[] AS arr, (SELECT count(*) FROM contract_t) AS c FROM contract_t WHERE k = $1",
        ['a'],
      );
      assert.deepEqual(r.rows[0], { v: { x: [1, 'b'] }, n: 7, arr: ['p', 'q'], c: 1 });
    });

    it('commits a transaction whole', async () => {
      await db.transaction(async (tx) => {
        await tx.query('INSERT INTO contract_t (k, n) VALUES ($1, 1)', ['t1']);
        await tx.query('INSERT INTO contract_t (k, n) VALUES ($1, 2)', ['t2']);
      });
      const r = await db.query<{ k: string }>("SELECT k FROM contract_t WHERE k LIKE 't%' ORDER BY k");
      assert.deepEqual(r.rows.map((x) => x.k), ['t1', 't2']);
    });

    it('rolls a failed transaction back whole, and the error reaches the caller', async () => {
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO contract_t (k, n) VALUES ($1, 1)', ['r1']);
          await tx.query('INSERT INTO contract_t (k, n) VALUES ($1, 1)', ['r1']); // duplicate key
        }),
        /duplicate key/,
      );
      const r = await db.query("SELECT k FROM contract_t WHERE k = 'r1'");
      assert.equal(r.rows.length, 0);
    });

    it('reports rowCount for updates', async () => {
      const r = await db.query("UPDATE contract_t SET n = n + 1 WHERE k LIKE 't%'");
      assert.equal(r.rowCount, 2);
    });
  });
}

describe('PGlite data directory', () => {
  it('keeps data across a close and reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sangam-pglite-'));
    try {
      const first = await openDatabase({ dataDir: dir });
      await first.query(
        "INSERT INTO import_batch (id, source, bundle_type, entry_count, patient_ids) VALUES ('b1', 'test', 'collection', 0, '{}')",
      );
      await first.close();
      const second = await openDatabase({ dataDir: dir });
      const r = await second.query<{ id: string }>('SELECT id FROM import_batch');
      assert.deepEqual(r.rows, [{ id: 'b1' }]);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('splitStatements', () => {
  it('splits on line-ending semicolons and drops comments', () => {
    assert.deepEqual(splitStatements('-- c\nCREATE TABLE a (x int);\n\nCREATE INDEX i ON a (x);\n'), [
      'CREATE TABLE a (x int)',
      'CREATE INDEX i ON a (x)',
    ]);
  });
});

describe('data directory lock', () => {
  it('lets one holder at a time take a directory, even within one process, and frees it on release', async () => {
    const { acquireLock, readLock } = await import('../../src/storage/data-dir-lock.ts');
    const dir = mkdtempSync(join(tmpdir(), 'sangam-lock-'));
    try {
      const first = acquireLock(dir);
      first.update({ url: 'http://127.0.0.1:1' });
      assert.throws(() => acquireLock(dir), new RegExp(`in use by process ${process.pid} serving http://127\\.0\\.0\\.1:1`));
      assert.deepEqual([readLock(dir)?.pid, readLock(dir)?.url], [process.pid, 'http://127.0.0.1:1']);
      first.release();
      assert.equal(readLock(dir), undefined);
      const second = acquireLock(dir);
      first.release(); // a stale handle must not free someone else's lock
      assert.equal(readLock(dir)?.pid, process.pid);
      second.release();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
