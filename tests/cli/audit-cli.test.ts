import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openDatabase } from '../../src/storage/open-database.ts';
import { seedChain } from '../audit/audit-fixtures.ts';
import { sangam, tempDirs } from '../helpers/cli.ts';

const tempDir = tempDirs('sangam-audit-cli-');

describe('sangam audit verify', () => {
  it('passes an intact log, then names the altered row and exits 1 once a row is edited behind the triggers', async () => {
    const dataDir = tempDir();
    const db = await openDatabase({ dataDir });
    try {
      await seedChain(db, 5);
    } finally {
      await db.close();
    }
    const ok = await sangam(['audit', 'verify', '--data-dir', dataDir]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /audit chain intact: 5 rows/);
    const head = /head (\d+:[0-9a-f]{64})/.exec(ok.stdout)?.[1];
    assert.ok(head, ok.stdout);
    assert.equal((await sangam(['audit', 'verify', '--anchor', head, '--data-dir', dataDir])).code, 0);

    const tampered = await openDatabase({ dataDir });
    try {
      await tampered.exec('DROP TRIGGER audit_event_append_only ON audit_event');
      await tampered.query("UPDATE audit_event SET event = jsonb_set(event, '{outcome,code}', '8') WHERE seq = 3");
    } finally {
      await tampered.close();
    }
    const bad = await sangam(['audit', 'verify', '--data-dir', dataDir]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /row 3/);
    assert.match(bad.stderr, /altered/);
  });

  it('refuses a malformed anchor with the expected form', async () => {
    const res = await sangam(['audit', 'verify', '--anchor', 'nonsense', '--data-dir', tempDir()]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /SEQ:SHA256/);
  });
});
