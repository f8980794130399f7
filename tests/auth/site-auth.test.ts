import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import request from 'supertest';
import { checkAuthConfig } from '../../src/auth/auth-config.ts';
import { JWT_BEARER_ASSERTION_TYPE } from '../../src/auth/client-assertion.ts';
import { registerClient } from '../../src/auth/client-registry.ts';
import { mintLocalToken } from '../../src/auth/local-token.ts';
import { createSiteAuth } from '../../src/auth/site-auth.ts';
import { loadOrCreateSiteKeyFile } from '../../src/auth/site-key.ts';
import type { Database } from '../../src/storage/port.ts';
import { testDatabases } from '../helpers/databases.ts';
import { ES384_KEY, signAssertion } from './auth-fixtures.ts';

for (const target of testDatabases()) {
  describe(`createSiteAuth on ${target.name}`, () => {
    let db: Database;
    before(async () => {
      db = await target.open();
    });
    after(() => db.close());

    it('verifies both its local tokens and the tokens its endpoint issues, with one lazily created key', async () => {
      const auth = checkAuthConfig({}, { env: 'development', host: '127.0.0.1', port: 4100 });
      const site = createSiteAuth({ db, auth });
      const local = await site.mintToken({ role: 'admin' });
      assert.equal((await site.verifier.verify(local.token)).role, 'admin');

      await registerClient(db, { clientId: 'ehr-1', role: 'ehr', scopes: 'system/*.rs', jwks: ES384_KEY.publicJwks });
      const app = express().use(site.tokenRouter);
      const res = await request(app)
        .post('/auth/token')
        .type('form')
        .send({
          grant_type: 'client_credentials',
          scope: 'system/Patient.rs',
          client_assertion_type: JWT_BEARER_ASSERTION_TYPE,
          client_assertion: await signAssertion(ES384_KEY, { clientId: 'ehr-1', aud: 'http://127.0.0.1:4100/auth/token' }),
        });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const p = await site.verifier.verify(res.body.access_token);
      assert.deepEqual([p.clientId, p.role, p.issuer], ['ehr-1', 'ehr', 'http://127.0.0.1:4100']);
      const keys = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM auth_site_key');
      assert.equal(keys.rows[0]?.n, 1);
    });

    it('can keep its key in the data directory, where the CLI reads it while the site runs', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sangam-site-auth-'));
      try {
        const auth = checkAuthConfig({}, { env: 'test', host: '127.0.0.1', port: 4200 });
        const site = createSiteAuth({ db, auth, keyDir: dir });
        const fromCli = await loadOrCreateSiteKeyFile(dir);
        const token = await mintLocalToken(fromCli, { role: 'lab', issuer: auth.issuer, audience: auth.audience });
        assert.equal((await site.verifier.verify(token.token)).role, 'lab');
        assert.equal((await site.siteKey()).kid, fromCli.kid);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
